"""Classic Windows event logs (.evt), written from Microsoft's documentation of the format.

The layouts are those of EVENTLOGRECORD (winnt.h, "EVENTLOGRECORD structure"), of the file
header ELF_LOGFILE_HEADER and of the end-of-file record ELF_EOF_RECORD (MS-EVEN and the
"Event Log File Format" page of the Windows SDK): every value is packed here with struct at
its documented offset, by a route that shares nothing with the readers under test.

A record::

    0  Length  4  Reserved ("LfLe")  8  RecordNumber  12 TimeGenerated  16 TimeWritten
    20 EventID  24 EventType (u16)  26 NumStrings (u16)  28 EventCategory (u16)
    30 ReservedFlags (u16)  32 ClosingRecordNumber  36 StringOffset  40 UserSidLength
    44 UserSidOffset  48 DataLength  52 DataOffset  56 SourceName, Computername (UTF-16,
    NUL-terminated), the SID, the strings, the data, padding to 4 bytes, Length again.

A log is circular: once full, the writer wraps to just after the header, so that the
oldest record may sit anywhere and a record may be split across the file's end.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from datetime import UTC, datetime

HEADER_SIZE = 0x30
EOF_SIZE = 0x28
SIGNATURE = b"LfLe"
FLAG_DIRTY = 0x1
FLAG_WRAP = 0x2
EVENTLOG_ERROR_TYPE = 0x0001
EVENTLOG_WARNING_TYPE = 0x0002
CATEGORY_CONFIGURATION = 2  # MSExchangeMTA's "Configuration" category


@dataclass(frozen=True)
class EvtRecord:
    event_id: int
    """The full 32-bit EventID (severity and customer bits included)."""
    when: datetime
    source: str = "MSExchangeMTA"
    computer: str = "MTA-B"
    strings: tuple[str, ...] = ()
    event_type: int = EVENTLOG_WARNING_TYPE
    category: int = CATEGORY_CONFIGURATION
    data: bytes = b""
    sid: bytes = b""


def mta_9301(
    when: datetime,
    address_hex: str,
    *,
    receiver: str = "MTA-B",
    stack_dn: str | None = None,
    org: str = "ORG",
    site: str = "SITE",
) -> EvtRecord:
    """The receiving MTA's 9301, with the inserts its message file fills in."""
    dn = stack_dn or f"/o={org}/ou={site}/cn=Configuration/cn=Servers/cn={receiver}/cn=TCP (MTA)"
    # MSExchangeMTA event ids carry the error severity bits (0xC000...): Event Viewer shows
    # the low 16 bits, 9301.
    return EvtRecord(
        event_id=0xC000_0000 | 9301,
        when=when,
        computer=receiver,
        strings=(address_hex, dn, "BASE IL TCP/IP DRVR 8 218", "10"),
        event_type=EVENTLOG_WARNING_TYPE,
    )


def ipv4_hex(address: str) -> str:
    """10.0.0.6 -> "0A000006": one byte per pair, as the MTA writes it."""
    return "".join(f"{int(part):02X}" for part in address.split("."))


def name_hex(name: str) -> str:
    return name.encode("ascii").hex().upper()


def pack_record(record: EvtRecord, number: int) -> bytes:
    """One EVENTLOGRECORD, its length at both ends."""
    fixed = 56
    names = _utf16z(record.source) + _utf16z(record.computer)
    sid_at = fixed + len(names)
    sid_at += -sid_at % 4  # the SID is DWORD-aligned
    body = bytearray(names + b"\0" * (sid_at - fixed - len(names)) + record.sid)
    string_at = fixed + len(body)
    for text in record.strings:
        body += _utf16z(text)
    data_at = fixed + len(body)
    body += record.data
    body += b"\0" * (-(fixed + len(body)) % 4)
    length = fixed + len(body) + 4
    seconds = int(record.when.timestamp())
    head = struct.pack(
        "<I4sIIIIHHHHIIIIII",
        length,
        SIGNATURE,
        number,
        seconds,
        seconds,
        record.event_id,
        record.event_type,
        len(record.strings),
        record.category,
        0,
        0,
        string_at,
        len(record.sid),
        sid_at,
        len(record.data),
        data_at,
    )
    return head + bytes(body) + struct.pack("<I", length)


def pack_eof(begin: int, end: int, current: int, oldest: int) -> bytes:
    return struct.pack(
        "<IIIIIIIIII",
        EOF_SIZE,
        0x11111111,
        0x22222222,
        0x33333333,
        0x44444444,
        begin,
        end,
        current,
        oldest,
        EOF_SIZE,
    )


def pack_header(
    start: int, end: int, current: int, oldest: int, max_size: int, flags: int = 0
) -> bytes:
    return struct.pack(
        "<I4sIIIIIIIIII",
        HEADER_SIZE,
        SIGNATURE,
        1,
        1,
        start,
        end,
        current,
        oldest,
        max_size,
        flags,
        0,
        HEADER_SIZE,
    )


@dataclass
class EvtLog:
    """An event log file being written, records in order, oldest first."""

    records: list[EvtRecord] = field(default_factory=list)
    first_number: int = 1

    def add(self, *records: EvtRecord) -> EvtLog:
        self.records.extend(records)
        return self

    def linear(self) -> bytes:
        """A log that never wrapped: header, records, the EOF record, nothing after it."""
        body = b"".join(pack_record(r, self.first_number + i) for i, r in enumerate(self.records))
        end = HEADER_SIZE + len(body)
        current = self.first_number + len(self.records)
        eof = pack_eof(HEADER_SIZE, end, current, self.first_number)
        size = end + EOF_SIZE
        header = pack_header(HEADER_SIZE, end, current, self.first_number, size)
        return header + body + eof

    def wrapped(self, size: int, oldest_at: int) -> bytes:
        """A full circular log of ``size`` bytes whose oldest record starts at ``oldest_at``:
        the records run to the file's end, split there if they must, go on after the
        header, and the EOF record follows the newest; the rest is left-over bytes."""
        stream = b"".join(pack_record(r, self.first_number + i) for i, r in enumerate(self.records))
        ring = size - HEADER_SIZE
        if len(stream) + EOF_SIZE > ring:
            raise ValueError("the records do not fit the log")
        buffer = bytearray(b"\xee" * ring)  # stale bytes of overwritten records
        position = oldest_at - HEADER_SIZE
        for byte in stream:
            buffer[position] = byte
            position = (position + 1) % ring
        end = HEADER_SIZE + position
        current = self.first_number + len(self.records)
        for byte in pack_eof(oldest_at, end, current, self.first_number):
            buffer[position] = byte
            position = (position + 1) % ring
        header = pack_header(oldest_at, end, current, self.first_number, size, FLAG_WRAP)
        return header + bytes(buffer)


def _utf16z(text: str) -> bytes:
    return text.encode("utf-16-le") + b"\0\0"


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
