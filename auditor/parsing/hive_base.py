"""The base block of a regf file: primary hive or transaction log, clean or dirty.

A transaction log (``SYSTEM.LOG``, ``.LOG1``, ``.LOG2``) starts with ``regf`` like its hive;
the base block's file type tells them apart: 0 for a primary file, 1 for a log as XP and
later write it, 6 for a new-format (Windows 8.1) log. NT4 and Windows 2000 numbered their
file types differently (log 2, the number XP gives a RegSaveKey copy), so a file of another
type is a log when what follows its first sector is a log's: the old format's dirty vector
(``DIRT``) or the new format's first entry (``HvLE``). Anything else is read as a hive.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

__all__ = [
    "BASE_BLOCK",
    "SECTOR",
    "SNIFF_HIVE",
    "BaseBlock",
    "checksum",
    "is_log",
    "read_base_block",
]

BASE_BLOCK = 4096
SECTOR = 512
SNIFF_HIVE = BASE_BLOCK + 4
"""The bytes that tell a hive from a log: the base block and the first hbin's signature."""
PRIMARY = 0
_LOG_TYPES = (1, 6)
_LOG_MAGICS = (b"DIRT", b"HvLE")
# regf, sequence numbers, timestamp, version, file type, format, root cell, bins size
_HEAD = struct.Struct("<4sIIQ6I")


@dataclass(frozen=True)
class BaseBlock:
    """The fields of a base block that decide how a hive is read."""

    primary_sequence: int
    secondary_sequence: int
    timestamp: int
    minor_version: int
    file_type: int
    root_offset: int
    bins_size: int
    file_name: str
    """The name Windows wrote for debugging (``\\SystemRoot\\...\\SOFTWARE``); may be empty."""
    checksum_ok: bool

    @property
    def dirty(self) -> bool:
        """A write began and never ended: its pages may be in a log and not here."""
        return self.primary_sequence != self.secondary_sequence


def read_base_block(head: bytes) -> BaseBlock | None:
    """The base block at the start of ``head``; None when ``head`` is too short for one."""
    if head[:4] != b"regf" or len(head) < SECTOR:
        return None
    _, first, second, stamp, _, minor, kind, _, root, bins = _HEAD.unpack_from(head)
    name = head[48:112].decode("utf-16-le", "replace").split("\0", 1)[0]
    return BaseBlock(
        primary_sequence=first,
        secondary_sequence=second,
        timestamp=stamp,
        minor_version=minor,
        file_type=kind,
        root_offset=root,
        bins_size=bins,
        file_name=name,
        checksum_ok=checksum(head) == struct.unpack_from("<I", head, 508)[0],
    )


def is_log(head: bytes) -> bool:
    """True when a file whose first bytes (4100 or more) are ``head`` is a transaction log."""
    block = read_base_block(head)
    if block is None or block.file_type == PRIMARY:
        return False
    if head[SECTOR : SECTOR + 4] in _LOG_MAGICS:
        return True
    # A log cut short before its first page, unless hive bins follow: 1 was "alternate" in
    # NT4's numbering, and a mirror such as SYSTEM.ALT is a hive, read as one.
    return block.file_type in _LOG_TYPES and head[BASE_BLOCK : BASE_BLOCK + 4] != b"hbin"


def checksum(head: bytes) -> int:
    """The base block checksum: XOR of its first 127 dwords, 0 and ~0 avoided."""
    value = 0
    for (dword,) in struct.iter_unpack("<I", head[:508]):
        value ^= dword
    return {0: 1, 0xFFFF_FFFF: 0xFFFF_FFFE}.get(value, value)
