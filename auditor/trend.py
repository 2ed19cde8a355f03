"""The trend: this run against the previous one and every archived quarter. Pure.

Servers are matched by name, case-insensitively. Statuses are compared underneath any
waiver: a waiver accepts a risk, it does not remove it, so a waived exposed server is still
exposed here, and a waiver never makes a server "remediated".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from auditor.trend_articles import article_changes
from auditor.verdicts import (
    AuditResult,
    Change,
    RunCounts,
    ServerChange,
    Status,
    Trend,
)

__all__ = ["CATALOGUE", "RunRecord", "compare", "run_counts", "run_identity", "run_name"]

CATALOGUE = "catalogue"
"""The name of a catalogue run: its reports are ``catalogue-<date>.*``."""

_SETTLED = (Status.COMPLIANT, Status.NOT_APPLICABLE)
_CHANGE_ORDER = list(Change)


@dataclass(frozen=True)
class RunRecord:
    """What the trend needs of an earlier run, read from its JSON."""

    counts: RunCounts
    baseline_id: str
    statuses: dict[str, tuple[str, Status]]
    """Casefolded server name -> (name as written, status underneath any waiver)."""
    fleet: str | None = None
    """The fleet the run audited (AuditResult.fleet); None when its JSON does not say."""
    articles: dict[str, dict[str, Status]] = field(default_factory=dict)
    """A catalogue run: casefolded server name -> article id -> status underneath any
    waiver; empty for a run of one baseline."""
    article_set: tuple[str, ...] = ()
    """A catalogue run: the ids of the articles it audited; () for a run of one baseline."""

    @property
    def identity(self) -> str:
        return run_identity(self.baseline_id, self.article_set)


def run_name(baseline_id: str, article_ids: Sequence[str]) -> str:
    """What a run's reports are named after: its article, or "catalogue" for a run of
    several (whose "baseline" is only the one whose registry rule was read)."""
    return CATALOGUE if article_ids else baseline_id


def run_identity(baseline_id: str, article_ids: Sequence[str]) -> str:
    """Which runs a trend compares with each other: a run of one baseline with runs of
    that article ("Q197378"); a catalogue run with catalogue runs of the same set of
    articles ("catalogue: Q194504, Q197398"), since a server's status is its worst over
    them and means something else over another set."""
    if not article_ids:
        return baseline_id
    return f"{CATALOGUE}: " + ", ".join(sorted({item.upper() for item in article_ids}))


def run_counts(result: AuditResult, source: str = "") -> RunCounts:
    counts = tuple((status, result.count(status)) for status in Status)
    exposed = sum(1 for v in result.servers if v.underlying_status is Status.EXPOSED)
    return RunCounts(result.generated_at, counts, exposed, source)


def compare(result: AuditResult, previous: RunRecord | None, archive: Sequence[RunRecord]) -> Trend:
    """Compare a run with the previous one; ``archive`` is every earlier run found.

    The history keeps the newest run of each quarter; this run stands for its own quarter.
    """
    current = run_counts(result)
    newest: dict[str, RunCounts] = {}
    for record in sorted(archive, key=lambda r: r.counts.generated_at):
        newest[record.counts.quarter] = record.counts
    newest[current.quarter] = current
    history = tuple(newest[quarter] for quarter in sorted(newest))
    if previous is None:
        return Trend(None, (), history)
    chain = _chain(previous, archive)
    return Trend(
        previous.counts,
        _changes(result, previous, chain),
        history,
        article_changes(result, previous.articles, _change),
    )


def _chain(previous: RunRecord, archive: Sequence[RunRecord]) -> list[RunRecord]:
    """The previous run, then the newest run of each earlier quarter, newest first."""
    earlier: dict[str, RunRecord] = {}
    for record in sorted(archive, key=lambda r: r.counts.generated_at):
        if record.counts.quarter < previous.counts.quarter:
            earlier[record.counts.quarter] = record
    return [previous, *(earlier[quarter] for quarter in sorted(earlier, reverse=True))]


def _changes(
    result: AuditResult, previous: RunRecord, chain: list[RunRecord]
) -> tuple[ServerChange, ...]:
    rows: list[ServerChange] = []
    now = {v.server.casefold(): (v.server, v.underlying_status) for v in result.servers}
    for key, (name, status) in now.items():
        before = previous.statuses.get(key)
        streak = _streak(key, chain) + 1 if status is Status.EXPOSED else 0
        change = _change(before[1] if before else None, status)
        if change is not None:
            rows.append(ServerChange(name, change, before[1] if before else None, status, streak))
    for key, (name, status) in previous.statuses.items():
        if key not in now:
            rows.append(ServerChange(name, Change.REMOVED, status, None, 0))
    rows.sort(key=lambda r: (_CHANGE_ORDER.index(r.change), r.server.casefold(), r.server))
    return tuple(rows)


def _change(before: Status | None, now: Status) -> Change | None:
    if before is None:
        return Change.ADDED
    if now is Status.EXPOSED:
        return Change.STILL_EXPOSED if before is Status.EXPOSED else Change.NEWLY_EXPOSED
    if before is Status.EXPOSED and now in _SETTLED:
        return Change.REMEDIATED
    return Change.OTHER if before is not now else None


def _streak(key: str, chain: list[RunRecord]) -> int:
    """Earlier runs in a row, newest first, in which the server was exposed."""
    count = 0
    for record in chain:
        found = record.statuses.get(key)
        if found is None or found[1] is not Status.EXPOSED:
            break
        count += 1
    return count
