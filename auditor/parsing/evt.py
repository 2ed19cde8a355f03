"""Classic Windows event logs (.evt, the NT4 and Windows 2000 format), read with libevt.

A log is recognised by its content: a 48-byte header whose signature, at offset 4, is
``LfLe``. libevt (libyal's reader, in C) follows the circular chain from the header's
oldest record, wraps at the file's end as Windows does, and recovers the records it finds
outside the chain, past a damaged one. Only MSExchangeMTA's 9301 events are kept.

What is read is bounded: the caller caps the file's size, and records past MAX_RECORDS are
not looked at. A damaged log (a record length that loops back, a huge record, a file cut
short) is read as far as it goes and named in a problem, never raised past the server.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from auditor.errors import ParseError
from auditor.events.model import EventLogFact, GatewayEvent
from auditor.events.records import gateway_event, is_gateway_event, iso_utc

__all__ = ["HEADER_SIZE", "MAX_RECORDS", "EvtReading", "looks_like_evt", "read_evt"]

HEADER_SIZE = 0x30
MAX_RECORDS = 1_000_000
"""Records looked at per log. A 16 MB log holds about 50,000; a log claiming more than a
million in a few tens of MB is hostile."""
_HEADER = struct.Struct("<I4sIIIIIIIIII")


def looks_like_evt(head: bytes) -> bool:
    """The first bytes of a file are an ELF_LOGFILE_HEADER."""
    return len(head) >= 8 and head[4:8] == b"LfLe" and head[:4] == b"\x30\0\0\0"


@dataclass(frozen=True)
class EvtReading:
    log: EventLogFact
    events: tuple[GatewayEvent, ...]
    problems: tuple[str, ...]
    """Damage that cut the reading short, each naming the file."""


def read_evt(data: bytes, origin: str, source: str) -> EvtReading:
    """Read a whole .evt file. Raise ParseError naming ``origin`` when it is not one."""
    import pyevt  # a C extension: loaded only when a server has an event log

    if not looks_like_evt(data):
        raise ParseError(f"{origin}: not an event log (no LfLe header)")
    if len(data) < HEADER_SIZE:
        raise ParseError(
            f"{origin}: a truncated event log: {len(data)} bytes, less than its header"
        )
    _, _, _, _, _, _, current, oldest, _, _, _, _ = _HEADER.unpack_from(data)
    log: Any = pyevt.file()
    try:
        log.open_file_object(io.BytesIO(data))
    except (OSError, ValueError) as error:
        raise ParseError(f"{origin}: an unreadable event log: {_first_line(error)}") from error
    try:
        in_chain, past_damage = log.number_of_records, log.number_of_recovered_records
        chained = min(in_chain, MAX_RECORDS)
        recovered = min(past_damage, MAX_RECORDS - chained)
        reading = _Reading(origin, source)
        for index in range(chained):
            reading.take(log.get_record, index)
        for index in range(recovered):
            reading.take(log.get_recovered_record, index)
    finally:
        log.close()
    problems = list(reading.problems)
    expected = current - oldest if current >= oldest else None
    if in_chain + past_damage > MAX_RECORDS:
        problems.append(f"{origin}: more than {MAX_RECORDS} records; the rest were not read")
    elif expected is not None and reading.records < expected:
        # Records libevt recovers outside the chain count: where a record ends exactly at
        # the file's end, it ends the chain there although the log goes on after the header.
        problems.append(
            f"{origin}: damaged or cut short: {reading.records} of the {expected} records "
            f"its header counts could be read ({in_chain} in the chain, {recovered} "
            "recovered past it)"
        )
    return EvtReading(
        log=EventLogFact(
            source=source,
            records=reading.records,
            oldest=iso_utc(reading.oldest) if reading.oldest is not None else None,
            newest=iso_utc(reading.newest) if reading.newest is not None else None,
            complete=not problems,
            bytes_read=len(data),
        ),
        events=tuple(reading.events),
        problems=tuple(problems),
    )


class _Reading:
    """The records of one log, as they are taken."""

    def __init__(self, origin: str, source: str) -> None:
        self.origin = origin
        self.source = source
        self.records = 0
        self.oldest: int | None = None
        self.newest: int | None = None
        self.events: list[GatewayEvent] = []
        self.problems: list[str] = []
        self._seen: set[tuple[int, int]] = set()

    def take(self, get: Callable[[int], Any], index: int) -> None:
        try:
            record = get(index)
            seconds = int(record.get_creation_time_as_integer())
            number = int(record.identifier)
            if (number, seconds) in self._seen:
                return
            self._seen.add((number, seconds))
            self.records += 1
            self.oldest = seconds if self.oldest is None else min(self.oldest, seconds)
            self.newest = seconds if self.newest is None else max(self.newest, seconds)
            if not is_gateway_event(record.source_name or "", int(record.event_identifier)):
                return
            strings = [str(text) for text in record.strings or ()]
        except (OSError, ValueError, UnicodeError, OverflowError) as error:
            if len(self.problems) < 5:
                self.problems.append(
                    f"{self.origin}: record {index} is unreadable: {_first_line(error)}"
                )
            return
        event = gateway_event(strings, seconds, self.source, number)
        if event is None:
            if len(self.problems) < 5:
                self.problems.append(
                    f"{self.origin}: record {number} is a 9301 without a network address"
                )
            return
        self.events.append(event)


def _first_line(error: BaseException) -> str:
    return str(error).split(". ", 1)[0]
