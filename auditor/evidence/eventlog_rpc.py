"""The live Application log over the EventLog Remoting Protocol (MS-EVEN, pipe ``\\eventlog``).

ElfrReadELW returns EVENTLOGRECORDs laid out exactly as a .evt file holds them (MS-EVEN
2.2.3), so the records read, newest first, are put back in order into a small .evt file,
``eventlog/Application.evt``: collection then reads it like any other log, with the same
reader and the same bounds, and a recording keeps it as evidence.

Each read seeks to a record number (EVENTLOG_SEEK_READ, backwards) rather than relying on
the handle's position: Samba starts a sequential backwards read at the oldest record,
Windows at the newest. The newest is the oldest plus the count less one. Reading stops at
the first record older than the window, after ``max_records`` records, or after
``max_bytes``; each ElfrReadELW call is one round trip of up to READ_SIZE bytes, and the
log costs four more (open, count, oldest, close).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "DEFAULT_EVENT_DAYS",
    "EVENTS_FILE",
    "MAX_LIVE_BYTES",
    "MAX_LIVE_RECORDS",
    "LiveLog",
    "read_application_log",
    "records_to_evt",
]

EVENTS_FILE = "eventlog/Application.evt"
DEFAULT_EVENT_DAYS = 90
MAX_LIVE_RECORDS = 50_000
MAX_LIVE_BYTES = 16 * 1024 * 1024
READ_SIZE = 0xFFFF
"""The most bytes asked for per call: NT4 answers at most 64 KB a call."""
FIRST_READ = 4096
"""The first call's size, doubled on each call up to READ_SIZE. The answer's buffer is
marshalled at the size asked for (MS-EVEN 3.1.4.7: size_is(NumberOfBytesToRead)), however
few records fill it: 64 KB costs Samba 17 round trips for a one-record log, 4 KB two."""
_RECORD_HEAD = 56
_STATUS_END_OF_FILE = 0xC0000011
_STATUS_BUFFER_TOO_SMALL = 0xC0000023
_EOF_MAGIC = (0x11111111, 0x22222222, 0x33333333, 0x44444444)


@dataclass(frozen=True)
class LiveLog:
    data: bytes
    """The records as a .evt file, oldest first."""
    records: int
    calls: int
    """ElfrReadELW calls made (each one round trip), besides open and close."""
    stopped: str
    """Why reading stopped: "end of log", "window", "record cap", "byte cap"."""


def read_application_log(
    dce: object,
    *,
    since: int,
    max_records: int = MAX_LIVE_RECORDS,
    max_bytes: int = MAX_LIVE_BYTES,
    before_call: Callable[[], None] = lambda: None,
) -> LiveLog:
    """Read the Application log newest first, back to ``since`` (seconds since 1970, UTC).

    ``dce`` is bound to MS-EVEN. Raise what impacket raises on a failed call."""
    from impacket.dcerpc.v5 import even

    before_call()
    handle = even.hElfrOpenELW(dce, "Application\x00", "\x00")["LogHandle"]
    records: list[bytes] = []
    total, calls, stopped = 0, 0, "end of log"
    size = FIRST_READ
    try:
        before_call()
        count = int(even.hElfrNumberOfRecords(dce, handle)["NumberOfRecords"])
        before_call()
        oldest = int(even.hElfrOldestRecordNumber(dce, handle)["OldestRecordNumber"])
        wanted = oldest + count - 1
        while stopped == "end of log" and count and wanted >= oldest:
            before_call()
            calls += 1
            try:
                answer = even.hElfrReadELW(
                    dce,
                    handle,
                    even.EVENTLOG_SEEK_READ | even.EVENTLOG_BACKWARDS_READ,
                    wanted,
                    size,
                )
            except even.DCERPCSessionError as error:
                code = error.get_error_code()
                if code == _STATUS_END_OF_FILE:
                    break
                needed = (
                    int(error.get_packet()["MinNumberOfBytesNeeded"]) if error.get_packet() else 0
                )
                if code == _STATUS_BUFFER_TOO_SMALL and size < needed <= max_bytes:
                    # One record larger than the read: ask once for what it needs.
                    size = needed
                    continue
                raise
            size = min(max(size * 2, FIRST_READ), READ_SIZE)
            buffer = b"".join(answer["Buffer"])[: answer["NumberOfBytesRead"]]
            if not split_records(buffer):
                break  # nothing usable: stop rather than ask for the same record again
            for record in split_records(buffer):
                wanted = min(wanted, _number(record)) - 1
                if _generated(record) < since:
                    stopped = "window"
                    break
                if len(records) >= max_records:
                    stopped = "record cap"
                    break
                if total + len(record) > max_bytes:
                    stopped = "byte cap"
                    break
                records.append(record)
                total += len(record)
    finally:
        before_call()
        even.hElfrCloseEL(dce, handle)
    records.reverse()
    return LiveLog(records_to_evt(records), len(records), calls, stopped)


def split_records(buffer: bytes) -> list[bytes]:
    """The records of one read; a length that is too small or runs past the buffer ends
    them (a server's bug must not make the reader loop)."""
    found: list[bytes] = []
    at = 0
    while at + _RECORD_HEAD <= len(buffer):
        (length,) = struct.unpack_from("<I", buffer, at)
        if length < _RECORD_HEAD or at + length > len(buffer) or length % 4:
            break
        found.append(buffer[at : at + length])
        at += length
    return found


def records_to_evt(records: list[bytes]) -> bytes:
    """A .evt file holding ``records`` (oldest first): header, records, EOF record."""
    numbers = [struct.unpack_from("<I", record, 8)[0] for record in records]
    oldest = numbers[0] if numbers else 1
    current = numbers[-1] + 1 if numbers else 1
    end = 0x30 + sum(len(record) for record in records)
    eof = struct.pack("<10I", 0x28, *_EOF_MAGIC, 0x30, end, current, oldest, 0x28)
    header = struct.pack(
        "<I4s10I", 0x30, b"LfLe", 1, 1, 0x30, end, current, oldest, end + 0x28, 0, 0, 0x30
    )
    return header + b"".join(records) + eof


def _number(record: bytes) -> int:
    return int(struct.unpack_from("<I", record, 8)[0])


def _generated(record: bytes) -> int:
    return int(struct.unpack_from("<I", record, 12)[0])
