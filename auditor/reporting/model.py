"""The presentation model: one AuditResult turned into the tables every renderer shows.

Each renderer reads the same tables, so the workbook, the CSV and the JSON can never
disagree about what a server's row says. Column names are the headers the workbook shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from auditor.baseline import Baseline
from auditor.reporting.catalogue_model import (
    CatalogueTables,
    catalogue_baseline_rows,
    catalogue_names,
    catalogue_tables,
)
from auditor.reporting.events_table import (
    EVENT_COLUMNS,
    REFUSED_COLUMN,
    events_table,
    refused_text,
)
from auditor.reporting.management import (
    changes_table,
    connectors_unknown_count,
    headline,
    history_table,
    waivers_table,
)
from auditor.reporting.remediation import action_summary, remediation_table
from auditor.reporting.table import Row, Table
from auditor.trend import run_counts
from auditor.verdicts import AuditResult, ConnectorFinding, RunCounts, ServerVerdict, Status

__all__ = [
    "BASELINE_COLUMNS",
    "CONNECTOR_COLUMNS",
    "FILE_COLUMNS",
    "LABEL_COLUMNS",
    "SERVER_COLUMNS",
    "WARNING_COLUMNS",
    "Report",
    "Summary",
    "Table",
    "build_report",
    "has_labels",
    "server_columns",
    "sorted_verdicts",
]

SERVER_COLUMNS = (
    "Server",
    "Status",
    "Reasons",
    "Remediation",
    "MTA version",
    "Build label",
    "Multihomed",
    "Addresses",
    "Connectors",
    "Connector source",
    "Warnings",
    "Underlying status",
    "Waiver",
    REFUSED_COLUMN,
)
LABEL_COLUMNS = ("Site", "Owner")
"""From the fleet inventory; after "Server", and only when a server has a site or owner."""
FILE_COLUMNS = (
    "Server",
    "File",
    "Kind",
    "Path",
    "File version",
    "FileVersion string",
    "Required version",
    "Result",
    "Detail",
)
CONNECTOR_COLUMNS = (
    "Server",
    "Connector",
    "Obj-Dist-Name",
    "Override value",
    "Value type",
    "Result",
    "Detail",
)
WARNING_COLUMNS = ("Server", "Warning")
BASELINE_COLUMNS = ("Section", "Name", "Kind", "Version", "Reference SHA-256", "Value")

_JOIN = "; "


@dataclass(frozen=True)
class Summary:
    """The figures a manager reads first."""

    audit_date: datetime
    """When the audit ran (AuditResult.generated_at)."""
    baseline_id: str
    baseline_title: str
    fixed_build: str
    counts: tuple[tuple[Status, int], ...]
    """Servers per status, every status listed, in Status order (most severe first)."""
    total: int
    share_compliant: float
    """Compliant servers over the servers the fix applies to (not-applicable ones left
    out), 0.0 to 1.0; 0.0 when there are none."""
    headline: str = ""
    """One sentence a manager can read aloud: how many are exposed, and the change."""
    previous: RunCounts | None = None
    """The run compared with; None when there is none."""
    waivers_judged_on: str | None = None
    """The day waivers were judged against (ISO date); None without a waivers file."""
    connectors_unknown: int = 0
    """Servers incomplete (before waivers) because they are multihomed and the connectors
    inventory does not say which X.400 connectors they have."""
    compared: bool = True
    """False when the run was asked for no comparison (``--previous none``)."""

    def count(self, status: Status) -> int:
        return dict(self.counts)[status]


@dataclass(frozen=True)
class Report:
    """Everything a renderer shows. Tables are sorted worst server first."""

    summary: Summary
    servers: Table
    """One row per server; columns server_columns(has_labels(result))."""
    files: Table
    """One row per file finding; columns FILE_COLUMNS."""
    connectors: Table
    """One row per connector finding; columns CONNECTOR_COLUMNS."""
    warnings: Table
    """One row per warning; columns WARNING_COLUMNS."""
    baseline_rules: Table
    """The rules that were applied; columns BASELINE_COLUMNS."""
    changes: Table
    """Servers whose status moved since the previous run; management.CHANGE_COLUMNS."""
    remediation: Table
    """Action items, worst server first; management.REMEDIATION_COLUMNS."""
    waivers: Table
    """Every waiver and what it did; management.WAIVER_COLUMNS."""
    history: Table
    """Status counts per archived quarter, oldest first; management.HISTORY_COLUMNS."""
    catalogue: CatalogueTables | None = None
    """A catalogue run's Fix level, Inventory and per-article counts; None otherwise."""
    events: Table = field(default_factory=lambda: Table(EVENT_COLUMNS, ()))
    """One row per (receiver, caller address) of the 9301 events; EVENT_COLUMNS."""


def sorted_verdicts(result: AuditResult) -> list[ServerVerdict]:
    """Most severe first, then by name; casefold so that "mta-b" sits next to "MTA-A"."""
    return sorted(
        result.servers,
        key=lambda verdict: (verdict.status.severity, verdict.server.casefold(), verdict.server),
    )


def has_labels(result: AuditResult) -> bool:
    """A fleet inventory gave some server a site or an owner: the reports show both."""
    return any(verdict.site or verdict.owner for verdict in result.servers)


def server_columns(labelled: bool) -> tuple[str, ...]:
    """SERVER_COLUMNS, with LABEL_COLUMNS after "Server" when ``labelled``."""
    return (SERVER_COLUMNS[0], *LABEL_COLUMNS, *SERVER_COLUMNS[1:]) if labelled else SERVER_COLUMNS


def build_report(result: AuditResult) -> Report:
    """Build the presentation model of one audit run."""
    verdicts = sorted_verdicts(result)
    labelled = has_labels(result)
    return Report(
        summary=_summary(result),
        servers=Table.of(
            server_columns(labelled),
            (_server_row(verdict, labelled, result.baseline) for verdict in verdicts),
        ),
        files=Table.of(FILE_COLUMNS, _file_rows(verdicts)),
        connectors=Table.of(CONNECTOR_COLUMNS, _connector_rows(verdicts)),
        warnings=Table.of(WARNING_COLUMNS, _warning_rows(result, verdicts)),
        baseline_rules=Table.of(BASELINE_COLUMNS, _baseline_rows(result)),
        changes=changes_table(result),
        remediation=remediation_table(verdicts, result.baseline),
        waivers=waivers_table(result),
        history=history_table(result.trend, run_counts(result)),
        catalogue=catalogue_tables(result, verdicts),
        events=events_table(result.events),
    )


FLEET_ROW = "(fleet)"
"""The Server column of a fleet-wide note on the Warnings sheet."""


def _warning_rows(result: AuditResult, verdicts: Iterable[ServerVerdict]) -> Iterable[Row]:
    yield from ((FLEET_ROW, note) for note in result.notes)
    yield from ((v.server, warning) for v in verdicts for warning in v.warnings)


def _summary(result: AuditResult) -> Summary:
    counts = tuple((status, result.count(status)) for status in Status)
    total = len(result.servers)
    compliant = result.count(Status.COMPLIANT)
    # Servers the fix does not apply to are neither compliant nor not: left out of the share.
    judged = total - result.count(Status.NOT_APPLICABLE)
    baseline = result.baseline
    names = catalogue_names(result) or (
        baseline.article_id,
        baseline.title,
        str(baseline.fixed_build),
    )
    return Summary(
        audit_date=result.generated_at,
        baseline_id=names[0],
        baseline_title=names[1],
        fixed_build=names[2],
        counts=counts,
        total=total,
        share_compliant=compliant / judged if judged else 0.0,
        headline=headline(result),
        previous=result.trend.previous if result.trend else None,
        waivers_judged_on=result.judged_on.isoformat() if result.judged_on else None,
        connectors_unknown=connectors_unknown_count(result),
        compared=result.trend is not None,
    )


def _server_row(verdict: ServerVerdict, labelled: bool, baseline: Baseline) -> Row:
    labels = (verdict.site, verdict.owner) if labelled else ()
    return (
        verdict.server,
        *labels,
        verdict.status.value,
        _JOIN.join(verdict.reasons),
        # The kinds of action only: each step, with its key and value, is on Remediation.
        action_summary(verdict, baseline),
        verdict.mta_version,
        verdict.build_label,
        _multihomed_text(verdict.multihomed),
        ", ".join(verdict.addresses),
        _JOIN.join(_connector_text(finding) for finding in verdict.connectors),
        verdict.connector_source,
        len(verdict.warnings),
        verdict.underlying_status.value if verdict.waiver else None,
        verdict.waiver.reason if verdict.waiver else None,
        refused_text(verdict.refused_connections),
    )


def _multihomed_text(multihomed: bool | None) -> str:
    """Yes, No or Unknown: None means the registry evidence could not tell."""
    if multihomed is None:
        return "Unknown"
    return "Yes" if multihomed else "No"


def _connector_text(finding: ConnectorFinding) -> str:
    return f"{finding.connector}: {finding.result.value}"


def _file_rows(verdicts: Iterable[ServerVerdict]) -> Iterable[Row]:
    for verdict in verdicts:
        for file in verdict.files:
            yield (
                verdict.server,
                file.name,
                file.kind,
                file.path,
                file.fixed_version,
                file.string_version,
                file.required_version,
                file.result.value,
                file.detail,
            )


def _connector_rows(verdicts: Iterable[ServerVerdict]) -> Iterable[Row]:
    for verdict in verdicts:
        for finding in verdict.connectors:
            yield (
                verdict.server,
                finding.connector,
                finding.obj_dist_name,
                finding.override_value,
                finding.value_type,
                finding.result.value,
                finding.detail,
            )


def _baseline_rows(result: AuditResult) -> Iterable[Row]:
    baseline = result.baseline
    if result.articles:
        yield from catalogue_baseline_rows(result.articles)
        # The per-connector override rule, where an article of the run carries it.
        if any(article.legacy is not None for article in result.articles):
            yield from _registry_rows(baseline)
        return
    yield ("Article", baseline.article_id, None, None, None, baseline.title)
    yield ("Article", "Product", None, baseline.product_line, None, baseline.product)
    yield ("Article", "Fixed build", None, str(baseline.fixed_build), None, None)
    yield ("Article", "Remediation", None, None, None, baseline.remediation)
    # The file's name: where fixlevel happens to be installed means nothing to a reader.
    yield ("Article", "Baseline file", None, None, None, _file_name(baseline.source))
    if baseline.parent:
        yield ("Article", "Extends", None, None, None, baseline.parent)
    for file in baseline.files:
        required = str(file.min_version) if file.min_version else None
        yield ("File", file.name, file.kind.value, required, file.sha256, None)
    yield from _registry_rows(baseline)
    for label in baseline.builds:
        yield ("Build label", label.label, None, str(label.build), None, None)


def _file_name(source: str) -> str:
    return source.replace("\\", "/").rsplit("/", 1)[-1]


def _registry_rows(baseline: Baseline) -> Iterable[Row]:
    rule = baseline.registry
    # The full key spelled out, so a reader can find it in regedit without the design notes.
    service_key = rf"HKLM\SYSTEM\CurrentControlSet\Services\{rule.service}"
    key = rf"{service_key}\{rule.override_key}\<connector RDN>"
    yield ("Registry", "Service", None, None, None, rule.service)
    yield ("Registry", "Service binary", None, None, None, rule.service_binary)
    yield ("Registry", "Override key", None, None, None, key)
    yield ("Registry", "Override value", rule.override_type, None, None, rule.override_value)
    yield ("Registry", "Remediation", None, None, None, rule.remediation)
