"""The event facts a server's logs give, and the per-(receiver, address) summaries judged."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = ["Cause", "EventLogFact", "EventSummary", "GatewayEvent", "event_facts_from_dict"]

EVENT_ID = 9301
EVENT_SOURCE = "MSExchangeMTA"


@dataclass(frozen=True)
class EventLogFact:
    """One Application log that was read (a .evt file, or the live log over MS-EVEN)."""

    source: str
    """The evidence path of the .evt file, or ``\\\\eventlog Application`` read live."""
    records: int
    """Records read from it, of any source."""
    oldest: str | None
    """ISO 8601 UTC time of the oldest record read; None when none was."""
    newest: str | None
    complete: bool
    """Read to its end without damage; False when cut short (a cap, a damaged record)."""
    bytes_read: int = 0


@dataclass(frozen=True)
class GatewayEvent:
    """One MSExchangeMTA 9301 as logged, nothing decoded."""

    when: str
    """TimeGenerated, ISO 8601 with its UTC offset (+00:00)."""
    address: str
    """The network address insert as logged: hex digits (IPv4, or a name in ASCII)."""
    stack: str
    """The transport stack's distinguished name; empty when the record names none."""
    log: str
    """The EventLogFact.source it came from."""
    record: int
    """Its record number in that log."""


def event_facts_from_dict(
    data: dict[str, Any],
) -> tuple[tuple[EventLogFact, ...], tuple[GatewayEvent, ...]]:
    """The two event fields of a ServerFacts dict; absent in facts without events."""
    logs = tuple(EventLogFact(**item) for item in data.get("event_logs", ()))
    events = tuple(GatewayEvent(**item) for item in data.get("events", ()))
    return logs, events


class Cause(StrEnum):
    """Why a receiver did not recognise the caller; values are the JSON ids. Listed in the
    order of precedence: where several fit, the first wins."""

    NAME_RESOLUTION = "name-resolution"
    """The Stack page names a host that does not resolve (Q189345, Q193380)."""
    OUTSIDE_FLEET = "outside-fleet"
    """No audited server owns the address."""
    CLUSTER = "cluster"
    """A cluster node called from its own address, not the virtual one (Q169113)."""
    RANDOM_SOURCE_ADDRESS = "random-source-address"
    """One of a multihomed server's addresses: the Q197378 symptom."""
    STACK_MISMATCH = "stack-mismatch"
    """A single-homed server's address: the receiver's connector names another one."""


@dataclass(frozen=True)
class EventSummary:
    """The 9301 events one receiver logged for one caller address."""

    receiver: str
    sender: str | None
    """The fleet server that owns the address (or bears the name); None when none does."""
    address: str
    """Dotted IPv4, or the decoded name."""
    cause: Cause
    first_seen: str
    """ISO 8601 with the UTC offset."""
    last_seen: str
    count: int
    """Events logged."""
    refused: int
    """Pairs within 60 seconds: refused connections. A lone event was accepted after a
    reverse lookup."""
    stack_server: str = ""
    """The server named by the stack's distinguished name (normally the receiver)."""
