"""The management tables of the presentation model: the headline, the trend, the changes,
the action items and the waivers. Built once here, shown by every renderer that wants them.
"""

from __future__ import annotations

from collections.abc import Iterable

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
    "remediation_table",
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
    Change.REMOVED: "gone",
    Change.OTHER: "other status change",
}
HISTORY_COLUMNS = ("Quarter", "Audit date", *(status.value for status in Status), "Total")
REMEDIATION_COLUMNS = ("Priority", "Server", "Status", "Underlying status", "Action")
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
    """One sentence a manager can read aloud."""
    total = len(result.servers)
    exposed = exposed_count(result)
    verb = "is" if exposed == 1 else "are"
    noun = "server" if total == 1 else "servers"
    sentence = f"{exposed} of {total} {noun} {verb} exposed to {result.baseline.article_id}"
    waived = sum(
        1
        for v in result.servers
        if v.status is Status.WAIVED and v.underlying_status is Status.EXPOSED
    )
    if waived:
        sentence += f" ({waived} of them under a waiver)"
    previous = result.trend.previous if result.trend else None
    if previous is None:
        return sentence + "."
    delta = exposed - previous.exposed
    since = f"at the last audit ({previous.quarter}, {previous.generated_at:%Y-%m-%d})"
    if delta == 0:
        return f"{sentence}; as many as {since}."
    return f"{sentence}; {abs(delta)} {'more' if delta > 0 else 'fewer'} than {since}."


def connectors_unknown_count(result: AuditResult) -> int:
    """Servers incomplete (before waivers) for want of the connectors inventory."""
    return sum(
        1
        for verdict in result.servers
        if verdict.connectors_unknown and verdict.underlying_status is Status.INCOMPLETE
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
        (run.quarter, f"{run.generated_at:%Y-%m-%d}", *(n for _, n in run.counts), run.total)
        for run in runs
    )
    return Table.of(HISTORY_COLUMNS, rows)


def remediation_table(verdicts: Iterable[ServerVerdict]) -> Table:
    """Every action item, worst server first; Priority numbers the servers in that order."""
    rows: list[Row] = []
    priority = 0
    for verdict in verdicts:
        if not verdict.remediation:
            continue
        priority += 1
        underlying = verdict.underlying_status.value if verdict.waiver else None
        rows += [
            (priority, verdict.server, verdict.status.value, underlying, step)
            for step in verdict.remediation
        ]
    return Table.of(REMEDIATION_COLUMNS, rows)


def waivers_table(result: AuditResult) -> Table:
    rows = (
        (
            o.waiver.server,
            o.waiver.scope,
            o.state.value,
            o.waiver.reason,
            o.waiver.approved_by,
            o.waiver.expires.isoformat(),
            o.detail,
            o.waiver.source,
        )
        for o in result.waivers
    )
    return Table.of(WAIVER_COLUMNS, rows)
