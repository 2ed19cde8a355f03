"""The catalogue run's part of the JSON report: the articles, and each server's per article.

A run of one baseline carries none of it, so that its report stays as it was::

    {"format": "fixlevel-report", "version": 2, ...the plain report...,
     "baselines": [{"id", "title", "product_lines", "component", "fixed_in_service_pack",
                    "source", "counts": {status id: n}}],
     "article_changes": [{"server", "article", "change", "previous_status", "status"}]
                        (empty without a previous catalogue run),
     "servers": [{...the plain server..., "articles": {"Q197378": {"status", "reasons",
                  "remediation", "underlying_status", "values": [...]}},
                  "fix_level": [{"component", "version", "label", "lowest"}],
                  "windows": "Windows NT 4.0 build 1381, Service Pack 6" or null}]}
"""

from __future__ import annotations

from typing import Any

from auditor.evaluation.catalogue import status_counts
from auditor.verdicts import AuditResult, ServerVerdict, ValueFinding

__all__ = ["FORMAT", "VERSION", "catalogue_document", "catalogue_server"]

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
                "product_lines": list(article.product_lines),
                "component": article.component,
                "fixed_in_service_pack": article.fixed_in_service_pack,
                "source": article.source,
                "counts": {status.value: count for status, count in counts.items()},
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
            }
            for item in verdict.articles
        },
        "fix_level": [
            {"component": b.component, "version": b.version, "label": b.label, "lowest": b.lowest}
            for b in verdict.builds
        ],
        "windows": verdict.windows,
    }


def _value(finding: ValueFinding) -> dict[str, Any]:
    return {
        "key": finding.key,
        "value": finding.value,
        "value_type": finding.value_type,
        "data": finding.data,
        "result": finding.result.value,
        "detail": finding.detail,
    }
