"""The machine-readable report. Other tools read these keys: change them only with them.

The shape is documented in to_json_dict. Values are the evidence as found, without the
cleaning the workbook needs; json escapes control characters itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from auditor.baseline import Baseline
from auditor.errors import ReportError
from auditor.reporting.events_table import events_to_json
from auditor.reporting.json_catalogue import catalogue_document, catalogue_server, waiver_json
from auditor.reporting.model import Report, has_labels, sorted_verdicts
from auditor.verdicts import (
    AuditResult,
    Change,
    ConnectorFinding,
    FileFinding,
    RunCounts,
    ServerChange,
    ServerVerdict,
    Trend,
    WaiverOutcome,
)

__all__ = ["render_json", "to_json_dict", "write_layout"]


def render_json(result: AuditResult, report: Report, path: Path) -> None:
    """Write to_json_dict as UTF-8 JSON. Raise ReportError when it cannot be written."""
    # Each server's object is made as it is written: all of them at once were the largest
    # step of a run's memory (about 300 MB at 100,000 servers).
    document = _document(result, report, _Servers(result))
    try:
        # errors="replace": a lone surrogate (a file name that was not valid UTF-8) is
        # written as "?", which no encoder refuses and every reader loads.
        with path.open("w", encoding="utf-8", errors="replace") as stream:
            write_layout(document, stream.write)
            stream.write("\n")
    except OSError as error:
        raise ReportError(f"{path}: cannot write the JSON report: {error}") from error


# CPython's C encoder runs only without indent; json.dump(indent=2) falls back to the pure
# Python encoder, about five times slower on a 10,000-server report. So the outer levels
# are laid out here, and everything below them goes through the C encoder in one piece.
_encode = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
_OPEN_DICTS = 2
"""Objects shallower than this are laid out one key a line: the document and its parts."""
_OPEN_LISTS = 3
"""Lists shallower than this are laid out one item a line: the servers, the baseline's
files, the trend's rows. Each item is then one line of compact JSON."""


def write_layout(value: object, write: Callable[[str], object], depth: int = 0) -> None:
    """Write ``value`` as JSON: the outer levels indented by two spaces, one key or item a
    line, the rest compact. It loads to the same data as json.dumps(value)."""
    if isinstance(value, dict) and value and depth < _OPEN_DICTS:
        pad = "\n" + "  " * (depth + 1)
        write("{")
        for number, (key, item) in enumerate(value.items()):
            write(f"{',' if number else ''}{pad}{_encode(str(key))}: ")
            write_layout(item, write, depth + 1)
        write("\n" + "  " * depth + "}")
    elif isinstance(value, list | _Servers) and value and depth < _OPEN_LISTS:
        pad = "\n" + "  " * (depth + 1)
        write("[")
        for number, item in enumerate(value):
            write(f"{',' if number else ''}{pad}")
            write_layout(item, write, depth + 1)
        write("\n" + "  " * depth + "]")
    else:
        write(_encode(list(value) if isinstance(value, _Servers) else value))


def to_json_dict(result: AuditResult, report: Report) -> dict[str, Any]:
    """The report as JSON data::

        {"baseline": {"id", "title", "product_line", "fixed_build", "source"},
         "generated_at": ISO-8601,
         "fleet": the resolved path of the fleet inventory, else of the fleet folder,
                  or null (a judged snapshot); the trend compares runs of one fleet,
         "summary": {"total", "counts": {status id: n, every status}, "share_compliant",
                     "connectors_unknown": multihomed servers not judged for want of
                     the connectors inventory},
         "notes": [fleet-wide remarks],
         "servers": [{"server", "status", "reasons", "remediation", "warnings",
                      "mta_version", "build_label", "multihomed", "addresses",
                      "connector_source", "connectors_unknown", "files": [...],
                      "connectors": [...],
                      "underlying_status", "waivers": [waiver]}],
         "judged_on": the day waivers were judged against, or null,
         "waivers": [{waiver, "state", "detail"}],
         "changes": {"newly_exposed", "remediated", "still_exposed", "added", "removed"}
                    (each a list of server names; all empty when there is no previous
                    run, which trend.previous being null tells apart from no change),
         "trend": {"previous": run or null, "history": [run], "rows": [change row]} or null,
         "events": [{"receiver", "sender" (null outside the fleet), "address", "cause",
                     "first_seen", "last_seen" (ISO 8601 with offset), "count", "refused",
                     "stack_server"}]: the 9301 events, one per (receiver, address)}

    Each server also has "refused_connections": 9301 pairs attributed to it as sender, 0
    where a receiver's log covers it and none were seen, null where none covers it.

    When a fleet inventory gave any server a site or an owner, every server also has
    "site" and "owner" (empty strings where the inventory left them blank); otherwise
    neither key is there. Servers come in the report's order: most severe first, then by
    name. The baseline object also carries every rule ("files", "registry", "builds"...),
    so that ``auditor report`` can rebuild the workbook from this document alone.
    """
    return _document(result, report, list(_Servers(result)))


class _Servers:
    """The servers' objects of the JSON report, in the report's order, each made when the
    iteration reaches it."""

    def __init__(self, result: AuditResult) -> None:
        self._verdicts = sorted_verdicts(result)
        self._labelled = has_labels(result)

    def __len__(self) -> int:
        return len(self._verdicts)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (_server(verdict, self._labelled) for verdict in self._verdicts)


def _document(
    result: AuditResult, report: Report, servers: _Servers | list[dict[str, Any]]
) -> dict[str, Any]:
    """to_json_dict's document, with ``servers`` as its "servers"."""
    baseline = result.baseline
    summary = report.summary
    document = {
        "baseline": {
            "id": baseline.article_id,
            "title": baseline.title,
            "product_line": baseline.product_line,
            "fixed_build": str(baseline.fixed_build),
            "source": baseline.source,
            **_baseline_rules(baseline),
        },
        "generated_at": result.generated_at.isoformat(),
        "fleet": result.fleet,
        "summary": {
            "total": summary.total,
            "counts": {status.value: count for status, count in summary.counts},
            "share_compliant": summary.share_compliant,
            "connectors_unknown": summary.connectors_unknown,
        },
        "servers": servers,
        "notes": list(result.notes),
        "judged_on": result.judged_on.isoformat() if result.judged_on else None,
        "waivers": [_waiver_outcome(outcome) for outcome in result.waivers],
        "changes": _changes(result.trend),
        "trend": _trend(result.trend),
        "events": events_to_json(result.events),
    }
    return catalogue_document(result, document)


def _baseline_rules(baseline: Baseline) -> dict[str, Any]:
    rule = baseline.registry
    return {
        "product": baseline.product,
        "remediation": baseline.remediation,
        "parent": baseline.parent,
        "files": [
            {
                "name": file.name,
                "kind": file.kind.value,
                "min_version": str(file.min_version) if file.min_version else None,
                "sha256": file.sha256,
            }
            for file in baseline.files
        ],
        "registry": {
            "service": rule.service,
            "service_binary": rule.service_binary,
            "override_key": rule.override_key,
            "override_value": rule.override_value,
            "override_type": rule.override_type,
            "remediation": rule.remediation,
        },
        "builds": [{"build": str(label.build), "label": label.label} for label in baseline.builds],
    }


def _waiver_outcome(outcome: WaiverOutcome) -> dict[str, Any]:
    return {**waiver_json(outcome.waiver), "state": outcome.state.value, "detail": outcome.detail}


def _changes(trend: Trend | None) -> dict[str, list[str]]:
    """Exactly the five lists of the issue; other moves are in trend.rows only."""
    kinds = (Change.NEWLY_EXPOSED, Change.REMEDIATED, Change.STILL_EXPOSED)
    return {
        change.value: trend.names(change) if trend else []
        for change in (*kinds, Change.ADDED, Change.REMOVED)
    }


def _trend(trend: Trend | None) -> dict[str, Any] | None:
    if trend is None:
        return None
    return {
        "previous": _run(trend.previous) if trend.previous else None,
        "history": [_run(run) for run in trend.history],
        "rows": [_change_row(row) for row in trend.changes],
    }


def _run(run: RunCounts) -> dict[str, Any]:
    return {
        "generated_at": run.generated_at.isoformat(),
        "quarter": run.quarter,
        "counts": {status.value: count for status, count in run.counts},
        "exposed": run.exposed,
        "source": run.source,
    }


def _change_row(row: ServerChange) -> dict[str, Any]:
    return {
        "server": row.server,
        "change": row.change.value,
        "previous_status": row.previous.value if row.previous else None,
        "status": row.current.value if row.current else None,
        "exposed_runs": row.exposed_runs,
    }


def _server(verdict: ServerVerdict, labelled: bool) -> dict[str, Any]:
    labels = {"site": verdict.site, "owner": verdict.owner} if labelled else {}
    return {
        "server": verdict.server,
        **labels,
        "status": verdict.status.value,
        "reasons": list(verdict.reasons),
        "remediation": list(verdict.remediation),
        "warnings": list(verdict.warnings),
        "mta_version": verdict.mta_version,
        "build_label": verdict.build_label,
        "multihomed": verdict.multihomed,
        "addresses": list(verdict.addresses),
        "connector_source": verdict.connector_source,
        "connectors_unknown": verdict.connectors_unknown,
        "files": [_file(finding) for finding in verdict.files],
        "connectors": [_connector(finding) for finding in verdict.connectors],
        "underlying_status": verdict.underlying_status.value,
        "waivers": [waiver_json(w) for w in verdict.waiver.waivers] if verdict.waiver else [],
        "refused_connections": verdict.refused_connections,
        **catalogue_server(verdict),
    }


def _file(finding: FileFinding) -> dict[str, Any]:
    return {
        "name": finding.name,
        "kind": finding.kind,
        "path": finding.path,
        "fixed_version": finding.fixed_version,
        "string_version": finding.string_version,
        "required_version": finding.required_version,
        "result": finding.result.value,
        "detail": finding.detail,
    }


def _connector(finding: ConnectorFinding) -> dict[str, Any]:
    return {
        "connector": finding.connector,
        "obj_dist_name": finding.obj_dist_name,
        "override_value": finding.override_value,
        "value_type": finding.value_type,
        "result": finding.result.value,
        "detail": finding.detail,
        "peer_address": finding.peer_address,
    }
