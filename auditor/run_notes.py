"""The run-level notes a judgement adds: what the inputs lacked or said differently.

Each is a sentence for the report's notes, about the connectors inventory, the snapshot
the facts came from, the waivers, or the servers' names; none changes a verdict.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from auditor.baseline import Baseline
from auditor.collect import hashed_files
from auditor.names import holds_hidden
from auditor.parsing.connectors_csv import ConnectorInventory
from auditor.snapshot import Snapshot
from auditor.verdicts import ServerVerdict, WaiverOutcome, WaiverState

__all__ = ["hidden_names_notes", "inventory_notes", "snapshot_notes", "waiver_notes"]


def inventory_notes(inventory: ConnectorInventory | None) -> tuple[str, ...]:
    if inventory is None:
        return (
            "no connectors inventory (connectors.csv): no multihomed server can be judged "
            "compliant, since override keys show only the connectors that were given one",
        )
    notes = [f"the connectors inventory is unusable: {inventory.error}"] if inventory.error else []
    return (*notes, *inventory.problems)


def snapshot_notes(snapshot: Snapshot, baseline: Baseline, now: datetime) -> list[str]:
    """When and for what the facts were gathered, where that differs from this judgement."""
    notes = []
    if snapshot.collected_at != now:
        notes.append(f"judged from facts collected at {snapshot.collected_at.isoformat()}")
    if snapshot.baseline_id != baseline.article_id:
        notes.append(
            f"the facts were collected for {snapshot.baseline_id} and are judged against "
            f"{baseline.article_id}"
        )
    asked = {name.casefold() for name in snapshot.asked_files}
    unasked = [item.name for item in baseline.files if item.name.casefold() not in asked]
    if unasked:
        notes.append(
            "the collection did not look for "
            + ", ".join(unasked)
            + ": they count as missing; collect again with this baseline"
        )
    hashed = {name.casefold() for name in snapshot.hashed}
    unhashed = [
        name
        for name in hashed_files(baseline)
        if name.casefold() in asked and name.casefold() not in hashed
    ]
    if unhashed:
        notes.append(
            "the collection did not hash "
            + ", ".join(unhashed)
            + ": they are not checked against this baseline's reference hashes; collect "
            "again with this baseline"
        )
    return notes


def hidden_names_notes(verdicts: Sequence[ServerVerdict]) -> list[str]:
    """The servers whose names hold hidden characters, named once for the whole run."""
    hidden = [v.server for v in verdicts if holds_hidden(v.server)]
    if not hidden:
        return []
    shown = ", ".join(hidden[:20]) + (f" and {len(hidden) - 20} more" if len(hidden) > 20 else "")
    return [f"server names with hidden characters, shown as <U+XXXX>: {shown}"]


def waiver_notes(outcomes: Sequence[WaiverOutcome]) -> list[str]:
    """Waivers that did not apply are said out loud, not only listed on their sheet."""
    notes = []
    for outcome in outcomes:
        waiver = outcome.waiver
        who = f"{waiver.server} ({waiver.finding})" if waiver.finding else waiver.server
        if outcome.state is WaiverState.EXPIRED:
            notes.append(f"{waiver.source}: the waiver for {who} {outcome.detail}")
        elif outcome.state is WaiverState.UNUSED:
            notes.append(f"{waiver.source}: the waiver for {who} is unused: {outcome.detail}")
        elif outcome.state is WaiverState.NOT_COVERING:
            notes.append(f"{waiver.source}: the waiver for {who} does not cover: {outcome.detail}")
    return notes
