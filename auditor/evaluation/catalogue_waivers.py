"""Waivers in a catalogue run: applied per (server, article), then the server recombined.

A waiver that names an article covers that article's failing findings only; one that names
none covers each article's (as ``apply_waivers`` does for the one baseline of a plain
run). A waiver's outcome is the best it reached in any article: applied, else not
covering, else unused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from auditor.evaluation.catalogue import combine
from auditor.evaluation.waivers import apply_waivers
from auditor.verdicts import (
    AppliedWaiver,
    ArticleVerdict,
    ServerVerdict,
    Status,
    WaiverOutcome,
    WaiverState,
)
from auditor.waivers import Waiver

__all__ = ["apply_catalogue_waivers"]

_RANK = {
    WaiverState.APPLIED: 0,
    WaiverState.NOT_COVERING: 1,
    WaiverState.UNUSED: 2,
    WaiverState.EXPIRED: 3,
}


def apply_catalogue_waivers(
    verdicts: Sequence[ServerVerdict],
    waivers: Sequence[Waiver],
    today: date,
    article_ids: Sequence[str],
) -> tuple[list[ServerVerdict], list[WaiverOutcome]]:
    """The verdicts with waivers applied per article, and what became of each waiver."""
    best: dict[int, WaiverOutcome] = {}
    waived: dict[str, list[ServerVerdict]] = {}
    for article_id in article_ids:
        chosen = [i for i, waiver in enumerate(waivers) if waiver.names_article(article_id)]
        mine = [_article(verdict, article_id) for verdict in verdicts]
        result, outcomes = apply_waivers(mine, [waivers[i] for i in chosen], today)
        waived[article_id] = result
        for index, outcome in zip(chosen, outcomes, strict=True):
            if outcome.state is not WaiverState.EXPIRED:
                outcome = replace(outcome, detail=f"{article_id}: {outcome.detail}")
            if index not in best or _RANK[outcome.state] < _RANK[best[index].state]:
                best[index] = outcome
    known = {article_id.casefold() for article_id in article_ids}
    for index, waiver in enumerate(waivers):
        if index not in best:
            detail = f"no article {waiver.article} in this run"
            state = WaiverState.EXPIRED if waiver.expires < today else WaiverState.UNUSED
            if state is WaiverState.EXPIRED:
                detail = f"expired on {waiver.expires}: it no longer applies"
            best[index] = WaiverOutcome(waiver, state, detail)
        elif waiver.article is not None and waiver.article.casefold() not in known:
            best[index] = replace(best[index], detail=f"no article {waiver.article} in this run")
    result = [
        _recombined(verdict, [waived[a][n] for a in article_ids], article_ids)
        for n, verdict in enumerate(verdicts)
    ]
    return result, [best[index] for index in sorted(best)]


def _article(verdict: ServerVerdict, article_id: str) -> ServerVerdict:
    for item in verdict.articles:
        if item.article_id == article_id:
            return item.verdict
    raise ValueError(f"{verdict.server}: no verdict for {article_id}")


def _recombined(
    verdict: ServerVerdict, articles: list[ServerVerdict], article_ids: Sequence[str]
) -> ServerVerdict:
    if all(a is b.verdict for a, b in zip(articles, verdict.articles, strict=True)):
        return verdict
    combined = combine([ArticleVerdict(a, v) for a, v in zip(article_ids, articles, strict=True)])
    combined = replace(combined, builds=verdict.builds, windows=verdict.windows)
    if combined.status is not Status.WAIVED:
        return combined
    applied = [v.waiver for v in articles if v.waiver is not None]
    underlying = min((w.underlying for w in applied), key=lambda s: s.severity)
    used: dict[str, Waiver] = {}
    for item in applied:
        for waiver in item.waivers:
            used.setdefault(waiver.source, waiver)
    return replace(combined, waiver=AppliedWaiver(underlying, tuple(used.values())))
