"""The management tables of the presentation model: the headline, the trend, the changes,
the action items and the waivers. Built once here, shown by every renderer that wants them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from auditor.reporting.remediation import REMEDIATION_COLUMNS
from auditor.reporting.table import Row, Table
from auditor.verdicts import AuditResult, Change, RunCounts, ServerVerdict, Status, Trend

__all__ = [
    "CHANGE_COLUMNS",
    "CHANGE_WORDS",
    "HISTORY_COLUMNS",
    "REMEDIATION_COLUMNS",
    "WAIVER_COLUMNS",
    "changes_table",
    "headline",
    "history_table",
    "waivers_table",
]

CHANGE_COLUMNS = (
    "Server",
    "Change",
    "Previous status",
    "Status",
    "Exposed audits in a row",
    "Waiver",
)
CHANGE_WORDS: dict[Change, str] = {
    Change.NEWLY_EXPOSED: "newly exposed",
    Change.REMEDIATED: "remediated",
    Change.STILL_EXPOSED: "still exposed",
    Change.ADDED: "added",
    Change.REMOVED: "removed",
    Change.OTHER: "other status change",
}
HISTORY_COLUMNS = ("Quarter", "Audit date", *(status.value for status in Status), "Total")
WAIVER_COLUMNS = (
    "Server",
    "Finding",
    "State",
    "Reason",
    "Approved by",
    "Expires",
    "Detail",
    "Entry",
)


def exposed_count(result: AuditResult) -> int:
    """Servers exposed underneath any waiver: a waiver accepts the risk, it stays a risk."""
    return sum(1 for verdict in result.servers if verdict.underlying_status is Status.EXPOSED)


def headline(result: AuditResult) -> str:
    """One sentence a manager can read aloud: every kind of risk, the change in exposure,
    and the risks accepted by waivers with the first day one ends. Statuses are counted
    underneath waivers: a waived exposed server is still exposed."""
    total = len(result.servers)
    exposed = exposed_count(result)
    verb = "is" if exposed == 1 else "are"
    noun = "server" if total == 1 else "servers"
    # A catalogue run's server status is its worst over the articles: name the set.
    audited = (
        f"at least one of {len(result.articles)} articles"
        if result.articles
        else result.baseline.article_id
    )
    sentence = f"{exposed} of {total} {noun} {verb} exposed to {audited}"
    below = _underlying(result, Status.BELOW_BASELINE)
    unchecked = _underlying(result, Status.INCOMPLETE)
    if below:
        fix = "a fix" if result.articles else "the fix"
        sentence += f", {below} {'is' if below == 1 else 'are'} below {fix}"
    if unchecked:
        sentence += f", {unchecked} could not be checked"
    previous = result.trend.previous if result.trend else None
    if previous is not None:
        delta = exposed - previous.exposed
        since = f"at the last audit ({previous.quarter}, {previous.generated_at:%Y-%m-%d})"
        if delta == 0:
            sentence += f"; as many exposed as {since}"
        else:
            sentence += f"; {abs(delta)} {'more' if delta > 0 else 'fewer'} exposed than {since}"
    return sentence + _accepted(result) + "."


def _underlying(result: AuditResult, status: Status) -> int:
    return sum(1 for verdict in result.servers if verdict.underlying_status is status)


def _accepted(result: AuditResult) -> str:
    """ "; 1 risk accepted until 2027-01-31": waived servers, and when the first waiver
    that holds one of them ends."""
    ends = [
        min(waiver.expires for waiver in verdict.waiver.waivers)
        for verdict in result.servers
        if verdict.waiver and verdict.waiver.waivers
    ]
    if not ends:
        return ""
    if len(ends) == 1:
        return f"; 1 risk accepted until {ends[0].isoformat()}"
    if len(set(ends)) == 1:
        return f"; {len(ends)} risks accepted until {ends[0].isoformat()}"
    return f"; {len(ends)} risks accepted, the first until {min(ends).isoformat()}"


def connectors_unknown_count(result: AuditResult) -> int:
    """Servers incomplete (before waivers) for want of the connectors inventory: in a
    catalogue run, for the article with the connector rule, whatever the others say (a
    server below another article's table is still one whose connectors are unknown)."""

    def unjudged(verdict: ServerVerdict) -> bool:
        return verdict.connectors_unknown and verdict.underlying_status is Status.INCOMPLETE

    return sum(
        1
        for verdict in result.servers
        if unjudged(verdict) or any(unjudged(item.verdict) for item in verdict.articles)
    )


def connectors_gap(count: int) -> str:
    """How many multihomed servers could not be judged for want of the connectors inventory,
    and what to do about it."""
    if not count:
        return "none: every multihomed server is covered by the connectors inventory"
    subject = "1 multihomed server" if count == 1 else f"{count} multihomed servers"
    have = "it has" if count == 1 else "they have"
    return (
        f"{subject} could not be judged: the connectors inventory (connectors.csv) does not "
        f"say which X.400 connectors {have}. List them (each connector's Obj-Dist-Name, from "
        "the Exchange Administrator in raw mode; see the README) and scan again."
    )


def changes_table(result: AuditResult) -> Table:
    """The Changes rows. Statuses are underneath waivers; the Waiver column says when one
    applies now, so that a waived server still exposed is not mistaken for a new risk."""
    waivers = {v.server.casefold(): v.waiver.reason for v in result.servers if v.waiver}
    rows = (
        (
            row.server,
            CHANGE_WORDS[row.change],
            row.previous.value if row.previous else None,
            row.current.value if row.current else None,
            row.exposed_runs,
            waivers.get(row.server.casefold()),
        )
        for row in (result.trend.changes if result.trend else ())
    )
    return Table.of(CHANGE_COLUMNS, rows)


def history_table(trend: Trend | None, current: RunCounts) -> Table:
    """One row per archived quarter and this run, oldest first: the trend chart's data."""
    runs = trend.history if trend else (current,)
    rows: Iterable[Row] = (
        (run.quarter, utc_naive(run.generated_at).date(), *(n for _, n in run.counts), run.total)
        for run in runs
    )
    return Table.of(HISTORY_COLUMNS, rows)


def utc_naive(when: datetime) -> datetime:
    """A timestamp as a spreadsheet date: in UTC, without the zone Excel cannot hold."""
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when


def waivers_table(result: AuditResult) -> Table:
    rows = (
        (
            o.waiver.server,
            o.waiver.scope,
            o.state.value,
            o.waiver.reason,
            o.waiver.approved_by,
            o.waiver.expires,
            o.detail,
            o.waiver.source,
        )
        for o in result.waivers
    )
    return Table.of(WAIVER_COLUMNS, rows)
