"""Which records are the MTA's 9301, and what of them is kept.

The message's inserts are the network address and the transport stack's distinguished name
(DESIGN.md section 1b). They are found by their shape rather than their position, so that a
record that carries the whole message as one string, or the inserts in another order, is
read all the same.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

from auditor.events.model import EVENT_ID, EVENT_SOURCE, GatewayEvent

__all__ = ["gateway_event", "is_gateway_event", "iso_utc"]

_ADDRESS = re.compile(r"(?:[0-9A-Fa-f]{2}){4,}")
_IN_TEXT = re.compile(
    r"network address\s+(?P<address>\S+)\s+and the transport stack\s+(?P<stack>/o=.+?)\s+could",
    re.IGNORECASE | re.DOTALL,
)


def is_gateway_event(source: str, event_id: int) -> bool:
    """Event Viewer's id is the low 16 bits: the MTA logs 9301 with its severity bits set."""
    return event_id & 0xFFFF == EVENT_ID and source.strip().casefold() == EVENT_SOURCE.casefold()


def gateway_event(
    strings: Sequence[str], seconds: int, log: str, record: int
) -> GatewayEvent | None:
    """The event from a 9301's inserts; None when no network address can be found in them."""
    address = stack = ""
    for text in strings:
        found = _IN_TEXT.search(text)
        if found:
            return GatewayEvent(iso_utc(seconds), found["address"], found["stack"], log, record)
        clean = text.strip()
        if not address and _ADDRESS.fullmatch(clean):
            address = clean
        elif not stack and clean.casefold().startswith("/o="):
            stack = clean
    if not address:
        return None
    return GatewayEvent(iso_utc(seconds), address, stack, log, record)


def iso_utc(seconds: int) -> str:
    """Event log times are seconds since 1970 UTC; the report carries the offset."""
    return datetime.fromtimestamp(seconds, UTC).isoformat()
