"""Reading a catalogue run's part of a JSON report back: the inverse of json_catalogue.

A report of one baseline has none of it, and reads back with no articles. A key missing
or of the wrong type raises KeyError, TypeError or ValueError, which json_load turns into
a ReportError naming the file.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from auditor.baseline import Baseline, FileKind
from auditor.requirements import Article, FileRequirement, ValueCheck, ValueRequirement
from auditor.verdicts import (
    AppliedWaiver,
    ArticleChange,
    ArticleVerdict,
    Change,
    ComponentBuild,
    ServerVerdict,
    Status,
    ValueFinding,
    ValueResult,
)
from auditor.versions import Version
from auditor.waivers import Waiver

__all__ = ["read_article_changes", "read_articles", "read_catalogue_server", "read_waiver"]


def read_articles(document: dict[str, Any], primary: Baseline) -> tuple[Article, ...]:
    """The run's articles, in the run's order; () for a report of one baseline.
    ``primary`` is the report's "baseline", whose rule an article with a connector rule had."""
    return tuple(_article(item, primary) for item in document.get("baselines", ()))


def _article(data: dict[str, Any], primary: Baseline) -> Article:
    return Article(
        article_id=data["id"],
        title=data["title"],
        product_line=data["product_line"],
        platform=data["platform"],
        component=data["component"],
        fixed_in_service_pack=data["fixed_in_service_pack"],
        files=tuple(
            FileRequirement(
                name=item["name"],
                kind=FileKind(item["kind"]),
                version=Version.parse(item["version"]) if item["version"] else None,
                component=item["component"],
                table_line=item["product_line"],
                platform=item["platform"],
            )
            for item in data["files"]
        ),
        values=tuple(
            ValueRequirement(
                item["key"], item["value"], item["type"], ValueCheck(item["check"]), item["data"]
            )
            for item in data["values"]
        ),
        source=data["source"],
        legacy=primary if data["connector_rule"] else None,
    )


def read_catalogue_server(data: dict[str, Any], verdict: ServerVerdict) -> ServerVerdict:
    """``verdict`` (read from the plain keys) with its per-article verdicts, fix level and
    Windows version; unchanged for a server of a report of one baseline."""
    articles = data.get("articles")
    if articles is None:
        return verdict
    per_article = tuple(
        ArticleVerdict(article_id, _article_verdict(item, verdict))
        for article_id, item in articles.items()
    )
    return replace(
        verdict,
        articles=per_article,
        # The server's own values are its articles' in order, as combine() makes them.
        values=tuple(value for item in per_article for value in item.verdict.values),
        builds=tuple(
            ComponentBuild(b["component"], b["version"], b["label"], b["lowest"])
            for b in data["fix_level"]
        ),
        windows=data["windows"],
    )


def _article_verdict(data: dict[str, Any], server: ServerVerdict) -> ServerVerdict:
    """What the report keeps of one article's verdict: status, reasons, steps, values and
    waivers. Its file findings are the server's, which the report keeps once."""
    status = Status(data["status"])
    waiver = None
    if status is Status.WAIVED:
        waiver = AppliedWaiver(
            Status(data["underlying_status"]),
            tuple(read_waiver(item) for item in data["waivers"]),
        )
    return replace(
        server,
        status=status,
        reasons=tuple(data["reasons"]),
        remediation=tuple(data["remediation"]),
        warnings=(),
        files=(),
        connectors=(),
        values=tuple(_value(item) for item in data["values"]),
        waiver=waiver,
        articles=(),
        builds=(),
        windows=None,
    )


def _value(data: dict[str, Any]) -> ValueFinding:
    return ValueFinding(
        key=data["key"],
        value=data["value"],
        value_type=data["value_type"],
        data=data["data"],
        result=ValueResult(data["result"]),
        detail=data["detail"],
    )


def read_waiver(data: dict[str, Any]) -> Waiver:
    return Waiver(
        server=data["server"],
        reason=data["reason"],
        approved_by=data["approved_by"],
        expires=date.fromisoformat(data["expires"]),
        finding=data["finding"],
        source=data["source"],
        article=data.get("article"),
    )


def read_article_changes(data: object) -> tuple[ArticleChange, ...]:
    if not isinstance(data, list):
        return ()
    return tuple(
        ArticleChange(
            server=row["server"],
            article_id=row["article"],
            change=Change(row["change"]),
            previous=Status(row["previous_status"]) if row["previous_status"] else None,
            current=Status(row["status"]) if row["status"] else None,
        )
        for row in data
    )
