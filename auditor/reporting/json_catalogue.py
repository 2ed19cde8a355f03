"""The catalogue run's part of the JSON report: the articles, and each server's per article.

A run of one baseline carries none of it, so that its report stays as it was::

    {"format": "fixlevel-report", "version": 2, ...the plain report...,
     "baselines": [{"id", "title", "product_line", "product_lines", "platform", "component",
                    "fixed_in_service_pack", "source", "connector_rule": judged with
                    the override rule of "baseline", "counts": {status id: n},
                    "files": [{"name", "kind", "version", "component", "product_line",
                               "platform"}],
                    "values": [{"key", "value", "type", "check", "data"}]}],
     "article_changes": [{"server", "article", "change", "previous_status", "status"}]
                        (empty without a previous catalogue run),
     "servers": [{...the plain server..., "articles": {"Q197378": {"status", "reasons",
                  "remediation", "underlying_status", "values": [...], "waivers": [...]}},
                  "fix_level": [{"component", "version", "label", "lowest"}],
                  "windows": "Windows NT 4.0 build 1381, Service Pack 6" or null}]}
"""

from __future__ import annotations

from typing import Any

from auditor.evaluation.catalogue import status_counts
from auditor.requirements import Article
from auditor.verdicts import AuditResult, ServerVerdict, ValueFinding
from auditor.waivers import Waiver

__all__ = ["FORMAT", "VERSION", "catalogue_document", "catalogue_server", "waiver_json"]

FORMAT = "fixlevel-report"
VERSION = 2
"""1 is the plain report of one baseline, which names no format; 2 adds the articles."""


def catalogue_document(result: AuditResult, document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with the run's catalogue keys; unchanged in a run of one baseline."""
    if not result.articles:
        return document
    baselines = []
    for article in result.articles:
        counts = status_counts(result.servers, article.article_id)
        baselines.append(
            {
                "id": article.article_id,
                "title": article.title,
                "product_line": article.product_line,
                "product_lines": list(article.product_lines),
                "platform": article.platform,
                "component": article.component,
                "fixed_in_service_pack": article.fixed_in_service_pack,
                "source": article.source,
                # Judged with the per-connector override rule of the report's "baseline".
                "connector_rule": article.legacy is not None,
                "counts": {status.value: count for status, count in counts.items()},
                # The requirements themselves, so that `auditor report` rebuilds the
                # Inventory sheet's columns and the Baseline sheet from this file alone.
                **_requirements(article),
            }
        )
    changes = result.trend.article_changes if result.trend else ()
    return {
        "format": FORMAT,
        "version": VERSION,
        **document,
        "baselines": baselines,
        "article_changes": [
            {
                "server": row.server,
                "article": row.article_id,
                "change": row.change.value,
                "previous_status": row.previous.value if row.previous else None,
                "status": row.current.value if row.current else None,
            }
            for row in changes
        ],
    }


def catalogue_server(verdict: ServerVerdict) -> dict[str, Any]:
    """A server's catalogue keys; none in a run of one baseline."""
    if not verdict.articles:
        return {}
    return {
        "articles": {
            item.article_id: {
                "status": item.verdict.status.value,
                "underlying_status": item.verdict.underlying_status.value,
                "reasons": list(item.verdict.reasons),
                "remediation": list(item.verdict.remediation),
                "values": [_value(finding) for finding in item.verdict.values],
                "waivers": [waiver_json(w) for w in _waivers(item.verdict)],
            }
            for item in verdict.articles
        },
        "fix_level": [
            {"component": b.component, "version": b.version, "label": b.label, "lowest": b.lowest}
            for b in verdict.builds
        ],
        "windows": verdict.windows,
    }


def _waivers(verdict: ServerVerdict) -> tuple[Waiver, ...]:
    return verdict.waiver.waivers if verdict.waiver else ()


def _value(finding: ValueFinding) -> dict[str, Any]:
    return {
        "key": finding.key,
        "value": finding.value,
        "value_type": finding.value_type,
        "data": finding.data,
        "result": finding.result.value,
        "detail": finding.detail,
    }


def _requirements(article: Article) -> dict[str, Any]:
    return {
        "files": [
            {
                "name": item.name,
                "kind": item.kind.value,
                "version": str(item.version) if item.version else None,
                "component": item.component,
                "product_line": item.table_line,
                "platform": item.platform,
            }
            for item in article.files
        ],
        "values": [
            {
                "key": item.key,
                "value": item.value,
                "type": item.type,
                "check": item.check.value,
                "data": item.data,
            }
            for item in article.values
        ],
    }


def waiver_json(waiver: Waiver) -> dict[str, Any]:
    """A waiver as the report writes it, the article it is narrowed to included."""
    return {
        "server": waiver.server,
        "finding": waiver.finding,
        "reason": waiver.reason,
        "approved_by": waiver.approved_by,
        "expires": waiver.expires.isoformat(),
        "source": waiver.source,
        **({"article": waiver.article} if waiver.article is not None else {}),
    }
