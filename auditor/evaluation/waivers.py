"""Applying waivers to judged servers. Pure: the day to judge expiry against is passed in.

The rule, as the README states it:

- A waiver holds through its ``expires`` day; from the next day it is expired, applies to
  nothing, and is reported.
- A server's *failing findings* are its PE files below the fix and, when it is exposed, its
  connectors whose override is missing, of the wrong type, malformed or a foreign address.
  An incomplete server has one failing finding that no file or connector names: the missing
  evidence.
- A waiver without ``finding`` covers every failing finding of its server. A waiver with
  ``finding`` covers the failing file or connector of that name (case-insensitive).
- A failing server (exposed, below-baseline, incomplete) becomes ``waived`` when its active
  waivers together cover every failing finding. Otherwise it keeps its status, and its
  waivers are reported as not covering, naming what is left.
- An active waiver that covers nothing (no such server, a server that does not fail, a
  finding that is not failing) is reported as unused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from auditor.verdicts import (
    AppliedWaiver,
    ConnectorResult,
    FileResult,
    ServerVerdict,
    Status,
    WaiverOutcome,
    WaiverState,
)
from auditor.waivers import Waiver

__all__ = ["EVIDENCE_FINDING", "apply_waivers", "failing_findings"]

EVIDENCE_FINDING = "(missing evidence)"
"""The failing finding of an incomplete server: only a whole-server waiver covers it."""

_INVALID_OVERRIDES = {
    ConnectorResult.MISSING,
    ConnectorResult.WRONG_TYPE,
    ConnectorResult.MALFORMED,
    ConnectorResult.FOREIGN_ADDRESS,
}


def failing_findings(verdict: ServerVerdict) -> list[str]:
    """The names of the files and connectors that make a server fail, in report order."""
    status = verdict.underlying_status
    if status is Status.INCOMPLETE:
        return [EVIDENCE_FINDING]
    if status not in (Status.EXPOSED, Status.BELOW_BASELINE):
        return []
    names = [file.name for file in verdict.files if file.result is FileResult.BELOW]
    if status is Status.EXPOSED:
        names += [c.connector for c in verdict.connectors if c.result in _INVALID_OVERRIDES]
    return names


def apply_waivers(
    verdicts: Sequence[ServerVerdict], waivers: Sequence[Waiver], today: date
) -> tuple[list[ServerVerdict], list[WaiverOutcome]]:
    """The verdicts with waivers applied, and what became of each waiver, in file order."""
    outcomes: dict[int, WaiverOutcome] = {}
    active: list[tuple[int, Waiver]] = []
    for index, waiver in enumerate(waivers):
        if waiver.expires < today:
            detail = f"expired on {waiver.expires}: it no longer applies"
            outcomes[index] = WaiverOutcome(waiver, WaiverState.EXPIRED, detail)
        else:
            active.append((index, waiver))
    by_server: dict[str, list[tuple[int, Waiver]]] = {}
    for index, waiver in active:
        by_server.setdefault(waiver.server.casefold(), []).append((index, waiver))
    result: list[ServerVerdict] = []
    known: set[str] = set()
    for verdict in verdicts:
        known.add(verdict.server.casefold())
        mine = by_server.get(verdict.server.casefold())
        result.append(_apply(verdict, mine, outcomes) if mine else verdict)
    for index, waiver in active:
        if index not in outcomes:
            detail = "no server of that name in the fleet"
            if waiver.server.casefold() in known:
                detail = "nothing to waive"
            outcomes[index] = WaiverOutcome(waiver, WaiverState.UNUSED, detail)
    return result, [outcomes[index] for index in sorted(outcomes)]


def _apply(
    verdict: ServerVerdict, mine: list[tuple[int, Waiver]], outcomes: dict[int, WaiverOutcome]
) -> ServerVerdict:
    failing = failing_findings(verdict)
    if not failing:
        for index, waiver in mine:
            detail = f"{verdict.server} is {verdict.status.value}: nothing to waive"
            outcomes[index] = WaiverOutcome(waiver, WaiverState.UNUSED, detail)
        return verdict
    uncovered = [name for name in failing if not any(w.covers(name) for _, w in mine)]
    if uncovered:
        detail = f"{verdict.server} also fails for: {', '.join(uncovered)}; it stays failing"
        for index, waiver in mine:
            outcomes[index] = WaiverOutcome(waiver, WaiverState.NOT_COVERING, detail)
        return verdict
    used: list[Waiver] = []
    for index, waiver in mine:
        if any(waiver.covers(name) for name in failing):
            used.append(waiver)
            detail = f"{verdict.server} is waived ({verdict.status.value} underneath)"
            outcomes[index] = WaiverOutcome(waiver, WaiverState.APPLIED, detail)
        else:
            detail = f"{waiver.finding} is not a failing finding of {verdict.server}"
            outcomes[index] = WaiverOutcome(waiver, WaiverState.UNUSED, detail)
    applied = AppliedWaiver(underlying=verdict.status, waivers=tuple(used))
    return replace(verdict, status=Status.WAIVED, waiver=applied)
