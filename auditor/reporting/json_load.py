"""Reading a saved JSON report back: whole, to re-render it, or as a run of the trend.

The inverse of json.to_json_dict. A document that lacks what is asked of it (written by an
older fixlevel, cut short, edited by hand) is a ReportError naming the file and the key.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from auditor.baseline import Baseline, BaselineFile, BuildLabel, FileKind, RegistryRule
from auditor.errors import ReportError
from auditor.names import server_name
from auditor.reporting.events_table import events_from_json
from auditor.reporting.json_catalogue_load import (
    read_article_changes,
    read_articles,
    read_catalogue_server,
    read_waiver,
)
from auditor.snapshot import FORMAT as SNAPSHOT_FORMAT
from auditor.trend import RunRecord
from auditor.verdicts import (
    AppliedWaiver,
    AuditResult,
    Change,
    ConnectorFinding,
    ConnectorResult,
    FileFinding,
    FileResult,
    RunCounts,
    ServerChange,
    ServerVerdict,
    Status,
    Trend,
    WaiverOutcome,
    WaiverState,
)
from auditor.versions import Version

__all__ = ["read_document", "read_result", "read_run"]


def read_document(path: Path) -> dict[str, Any]:
    """The parsed JSON object of a report. Raise ReportError when it is not one."""
    try:
        # utf-8-sig: a report saved again by an editor that adds a BOM is still a report.
        document = json.loads(
            path.read_text(encoding="utf-8-sig"),
            parse_float=_finite,
            parse_constant=_no_constant,
        )
    # ValueError: a number of more digits than int() takes; RecursionError: deep nesting.
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as error:
        detail = "nested too deeply" if isinstance(error, RecursionError) else str(error)
        raise ReportError(f"{path}: cannot read the JSON report: {detail}") from error
    if not isinstance(document, dict):
        raise ReportError(f"{path}: not a fixlevel JSON report (not an object)")
    if document.get("format") == SNAPSHOT_FORMAT:
        raise ReportError(f"{path}: a facts snapshot, not a report: `auditor judge` reads it")
    return document


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):  # 1e999 parses as infinity, which no count or date is
        raise ValueError(f"{text[:20]}: not a finite number")
    return number


def _no_constant(text: str) -> float:
    raise ValueError(f"{text}: not a number JSON allows")


def read_run(path: Path) -> RunRecord:
    """What the trend needs of a saved run: when, its counts, each server's status."""
    document = read_document(path)
    try:
        counts = document["summary"]["counts"]
        statuses = {}
        for server in document["servers"]:
            status = Status(server.get("underlying_status") or server["status"])
            # As names are matched now, also in a run saved before they were normalised.
            statuses[server_name(server["server"]).casefold()] = (server["server"], status)
        return RunRecord(
            counts=RunCounts(
                generated_at=_when(document["generated_at"]),
                counts=tuple((status, int(counts.get(status.value, 0))) for status in Status),
                exposed=sum(1 for _, status in statuses.values() if status is Status.EXPOSED),
                source=str(path),
            ),
            baseline_id=document["baseline"]["id"],
            statuses=statuses,
            fleet=_fleet(document.get("fleet")),
            articles=_article_statuses(document),
            article_set=tuple(str(item["id"]) for item in document.get("baselines", ())),
        )
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as error:
        raise ReportError(f"{path}: not a fixlevel JSON report: {_what(error)}") from error


def _article_statuses(document: dict[str, Any]) -> dict[str, dict[str, Status]]:
    """A catalogue run's per-article statuses (underneath any waiver); {} otherwise."""
    found: dict[str, dict[str, Status]] = {}
    for server in document["servers"]:
        articles = server.get("articles")
        if isinstance(articles, dict):
            found[server["server"].casefold()] = {
                article: Status(item.get("underlying_status") or item["status"])
                for article, item in articles.items()
            }
    return found


def read_result(path: Path) -> AuditResult:
    """The AuditResult a JSON report was written from, for re-rendering without evidence."""
    document = read_document(path)
    try:
        baseline = _baseline(document["baseline"])
        return AuditResult(
            baseline=baseline,
            generated_at=_when(document["generated_at"]),
            servers=tuple(_verdict(item) for item in document["servers"]),
            notes=tuple(document["notes"]),
            waivers=tuple(_outcome(item) for item in document.get("waivers", [])),
            judged_on=_date(document.get("judged_on")),
            trend=_trend(document.get("trend"), document.get("article_changes")),
            fleet=_fleet(document.get("fleet")),
            articles=read_articles(document, baseline),
            events=events_from_json(document.get("events", ())),
        )
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as error:
        raise ReportError(
            f"{path}: cannot rebuild the report from this JSON ({_what(error)}); "
            "it may come from an older fixlevel, which did not save every rule"
        ) from error


def _fleet(value: object) -> str | None:
    if value is not None and not isinstance(value, str):
        raise TypeError(f"fleet is {type(value).__name__}, not text")
    return value


def _when(text: str) -> datetime:
    """A saved timestamp; one without a zone (hand-edited) is taken as UTC, so that runs
    can always be ordered."""
    when = datetime.fromisoformat(text)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _what(error: Exception) -> str:
    return f"missing key {error}" if isinstance(error, KeyError) else str(error)


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _baseline(data: dict[str, Any]) -> Baseline:
    return Baseline(
        article_id=data["id"],
        title=data["title"],
        product=data["product"],
        product_line=data["product_line"],
        fixed_build=Version.parse(data["fixed_build"]),
        remediation=data["remediation"],
        files=tuple(
            BaselineFile(
                name=item["name"],
                kind=FileKind(item["kind"]),
                min_version=Version.parse(item["min_version"]) if item["min_version"] else None,
                sha256=item["sha256"],
            )
            for item in data["files"]
        ),
        registry=RegistryRule(**data["registry"]),
        builds=tuple(
            BuildLabel(Version.parse(item["build"]), item["label"]) for item in data["builds"]
        ),
        source=data["source"],
        parent=data.get("parent"),
    )


def _verdict(data: dict[str, Any]) -> ServerVerdict:
    status = Status(data["status"])
    waiver = None
    if status is Status.WAIVED:
        waiver = AppliedWaiver(
            underlying=Status(data["underlying_status"]),
            waivers=tuple(read_waiver(item) for item in data["waivers"]),
        )
    verdict = ServerVerdict(
        server=data["server"],
        status=status,
        reasons=tuple(data["reasons"]),
        remediation=tuple(data["remediation"]),
        warnings=tuple(data["warnings"]),
        files=tuple(
            FileFinding(**{**item, "result": FileResult(item["result"])}) for item in data["files"]
        ),
        connectors=tuple(
            ConnectorFinding(**{**item, "result": ConnectorResult(item["result"])})
            for item in data["connectors"]
        ),
        mta_version=data["mta_version"],
        build_label=data["build_label"],
        multihomed=data["multihomed"],
        addresses=tuple(data["addresses"]),
        connector_source=data["connector_source"],
        connectors_unknown=bool(data.get("connectors_unknown", False)),
        site=data.get("site", ""),
        owner=data.get("owner", ""),
        waiver=waiver,
        refused_connections=data.get("refused_connections"),
    )
    return read_catalogue_server(data, verdict)


def _outcome(data: dict[str, Any]) -> WaiverOutcome:
    return WaiverOutcome(read_waiver(data), WaiverState(data["state"]), data["detail"])


def _trend(data: dict[str, Any] | None, article_changes: object = None) -> Trend | None:
    if data is None:
        return None
    previous = data["previous"]
    return Trend(
        previous=_run(previous) if previous else None,
        changes=tuple(
            ServerChange(
                server=row["server"],
                change=Change(row["change"]),
                previous=Status(row["previous_status"]) if row["previous_status"] else None,
                current=Status(row["status"]) if row["status"] else None,
                exposed_runs=int(row["exposed_runs"]),
            )
            for row in data["rows"]
        ),
        history=tuple(_run(item) for item in data["history"]),
        article_changes=read_article_changes(article_changes),
    )


def _run(data: dict[str, Any]) -> RunCounts:
    counts = data["counts"]
    return RunCounts(
        generated_at=_when(data["generated_at"]),
        counts=tuple((status, int(counts.get(status.value, 0))) for status in Status),
        exposed=int(data["exposed"]),
        source=data["source"],
    )
