"""The Events sheet and the events' JSON: one row per (receiver, caller address)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from auditor.events.model import Cause, EventSummary
from auditor.reporting.table import Cell, Row, Table

__all__ = [
    "EVENT_COLUMNS",
    "REFUSED_COLUMN",
    "events_from_json",
    "events_table",
    "events_to_json",
    "refused_text",
]

EVENT_COLUMNS = (
    "Receiver",
    "Sender",
    "Address",
    "Cause",
    "First seen",
    "Last seen",
    "Count",
    "Refused",
    "Stack server",
)
REFUSED_COLUMN = "Refused connections observed"
"""The Servers sheet's column: a number, or "not covered" where no log could show one."""
NOT_COVERED = "not covered"


def events_table(events: Iterable[EventSummary]) -> Table:
    return Table.of(EVENT_COLUMNS, (_row(event) for event in events))


def refused_text(refused: int | None) -> int | str:
    return NOT_COVERED if refused is None else refused


def _row(event: EventSummary) -> Row:
    return (
        event.receiver,
        event.sender,
        event.address,
        event.cause.value,
        _when(event.first_seen),
        _when(event.last_seen),
        event.count,
        event.refused,
        event.stack_server or None,
    )


def _when(text: str) -> Cell:
    """An event's time as a date the sheet can sort and filter: naive, in UTC. A time
    without a zone is taken as UTC; text that is not a time stays as it is."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return text
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when


def events_to_json(events: Iterable[EventSummary]) -> list[dict[str, Any]]:
    """The run's "events", with the names the issue fixed for other tools."""
    return [
        {
            "receiver": event.receiver,
            "sender": event.sender,
            "address": event.address,
            "cause": event.cause.value,
            "first_seen": event.first_seen,
            "last_seen": event.last_seen,
            "count": event.count,
            "refused": event.refused,
            "stack_server": event.stack_server,
        }
        for event in events
    ]


def events_from_json(items: Iterable[dict[str, Any]]) -> tuple[EventSummary, ...]:
    return tuple(
        EventSummary(
            receiver=item["receiver"],
            sender=item["sender"],
            address=item["address"],
            cause=Cause(item["cause"]),
            first_seen=item["first_seen"],
            last_seen=item["last_seen"],
            count=int(item["count"]),
            refused=int(item["refused"]),
            stack_server=item.get("stack_server", ""),
        )
        for item in items
    )
