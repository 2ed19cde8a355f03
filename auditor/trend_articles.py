"""The trend per article: which (server, article) moved since the previous run. Pure."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from auditor.verdicts import ArticleChange, AuditResult, Change, Status

__all__ = ["article_changes"]

_ORDER = list(Change)


def article_changes(
    result: AuditResult,
    previous: Mapping[str, Mapping[str, Status]],
    classify: Callable[[Status | None, Status], Change | None],
) -> tuple[ArticleChange, ...]:
    """Each (server, article) of a catalogue run whose status moved; () for a plain run
    or when the previous run was not a catalogue run (nothing per article to compare)."""
    if not result.articles or not previous:
        return ()
    rows: list[ArticleChange] = []
    seen: set[tuple[str, str]] = set()
    for verdict in result.servers:
        key = verdict.server.casefold()
        before = previous.get(key, {})
        for item in verdict.articles:
            seen.add((key, item.article_id))
            now = item.verdict.underlying_status
            was = before.get(item.article_id)
            change = classify(was, now)
            if change is not None:
                rows.append(ArticleChange(verdict.server, item.article_id, change, was, now))
    for key, articles in previous.items():
        for article_id, was in articles.items():
            if (key, article_id) not in seen:
                rows.append(ArticleChange(key, article_id, Change.REMOVED, was, None))
    rows.sort(key=lambda r: (_ORDER.index(r.change), r.server.casefold(), r.article_id))
    return tuple(rows)
