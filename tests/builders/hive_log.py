"""Dirty hives and old-format transaction logs for fixtures, from the published layout.

hivex writes no logs, so these come from the Windows registry file format specification
(M. Suhanov): a log's first sector is the base block as it stood in memory after the write
(file type 1, both sequence numbers equal, the hive's timestamp); a ``DIRT`` vector at
offset 512 holds one bit per 512-byte page of the hive bins data, and the marked pages
follow from the next sector on. Windows marks whole 4096-byte blocks, so this does too.
This is a weaker reference than hivex: it shares the reader's reading of one document.
"""

from __future__ import annotations

import struct

from tests.builders.hive import hive_checksum

__all__ = ["make_dirty", "old_format_log"]

BLOCK, SECTOR = 4096, 512


def make_dirty(hive: bytes, primary: int, secondary: int) -> bytes:
    """``hive`` with its sequence numbers set (unequal: a write that never ended)."""
    block = bytearray(hive)
    struct.pack_into("<II", block, 4, primary, secondary)
    struct.pack_into("<I", block, 508, hive_checksum(bytes(block[:SECTOR])))
    return bytes(block)


def old_format_log(dirty: bytes, written: bytes) -> bytes:
    """The log that turns the dirty primary file ``dirty`` into ``written`` (the hive as the
    interrupted write meant it): every 4096-byte block of the bins that differs is logged."""
    (sequence,) = struct.unpack_from("<I", dirty, 4)
    head = bytearray(written[:SECTOR])
    struct.pack_into("<II", head, 4, sequence, sequence)
    head[12:20] = dirty[12:20]  # the timestamp that ties the log to this primary file
    struct.pack_into("<I", head, 28, 1)
    struct.pack_into("<I", head, 508, hive_checksum(bytes(head)))
    (bins,) = struct.unpack_from("<I", written, 40)
    bitmap = bytearray(bins // BLOCK)
    pages = b""
    for index in range(bins // BLOCK):
        at = BLOCK + index * BLOCK
        if dirty[at : at + BLOCK] != written[at : at + BLOCK]:
            bitmap[index] = 0xFF
            pages += written[at : at + BLOCK]
    vector = b"DIRT" + bytes(bitmap)
    vector += bytes(-len(vector) % SECTOR)
    return bytes(head) + vector + pages
