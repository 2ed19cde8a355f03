"""A dirty hive's transaction logs, replayed in memory the way Windows replays them at load.

The layout and rules are those of the Windows registry file format specification
(M. Suhanov) and of NT's hive code:

- Old format (NT4 to Windows 8: ``.LOG``, and ``.LOG1``/``.LOG2`` on Vista to 8): the log's
  first sector is a copy of the base block from memory; it applies when it is valid (its
  checksum matches, its sequence numbers are equal) and its timestamp is the hive's. A
  ``DIRT`` vector at offset 512 marks, one bit per 512-byte page of the hive bins data, the
  pages that follow it from the next sector on.
- New format (Windows 8.1 on: ``.LOG1``, ``.LOG2``): ``HvLE`` entries from offset 512, each
  with a sequence number and two Marvin32 hashes. Entries are applied in sequence from the
  hive's secondary sequence number; replay stops at a gap, a bad hash or a bad size.

regipy's ``apply_transaction_logs`` is not used: it takes an old-format log's pages from a
fixed offset (1024), which is wrong once the dirty vector passes one sector (hive bins over
2 MB, as many NT4 SYSTEM hives are), checks neither the old log's sequence numbers nor its
timestamp, and applies new-format entries whatever their sequence number or hashes say.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

from auditor.parsing.hive_base import BASE_BLOCK, SECTOR, BaseBlock, checksum, read_base_block

__all__ = ["Replay", "replay_logs"]

_ENTRY = struct.Struct("<4sIIIIIQQ")  # HvLE, size, flags, sequence, bins size, pages, hashes
_MARVIN_SEED = 0x82EF4D887A4E55C5  # the specification's 14219357686671994754, byte-swapped
_MASK = 0xFFFF_FFFF


@dataclass(frozen=True)
class Replay:
    """What replaying a dirty hive's logs gave."""

    data: bytes
    """The hive with the logs' pages written in; the hive as it was when none applied."""
    applied: tuple[str, ...]
    """The names of the logs whose pages were written."""
    refused: tuple[str, ...]
    """For each log passed over: its name and why."""


@dataclass(frozen=True)
class _Entry:
    sequence: int
    bins_size: int
    pages: tuple[tuple[int, bytes], ...]
    log: str


def replay_logs(hive: bytes, logs: Sequence[tuple[str, bytes]], limit: int) -> Replay:
    """Apply ``logs`` (name, content) to a copy of the dirty ``hive``, growing it to at most
    ``limit`` bytes. The hive's base block must be sound (the caller has checked it)."""
    base = read_base_block(hive)
    assert base is not None
    refused: list[str] = []
    old: list[tuple[str, bytes]] = []
    new: list[tuple[str, bytes]] = []
    for name, data in logs:
        magic = data[SECTOR : SECTOR + 4]
        if magic in (b"DIRT", b"HvLE"):
            (old if magic == b"DIRT" else new).append((name, data))
        else:
            refused.append(f"{name}: neither an old nor a new format log")
    for name, data in old:
        reason = _old_log_unusable(base, data, limit)
        if reason is None:
            return Replay(_apply_old(hive, data), (name,), tuple(refused))
        refused.append(f"{name}: {reason}")
    if new:
        return _apply_new(hive, base, new, limit, refused)
    return Replay(hive, (), tuple(refused))


def _old_log_unusable(base: BaseBlock, log: bytes, limit: int) -> str | None:
    head = read_base_block(log)
    if head is None or not head.checksum_ok:
        return "its base block is damaged"
    if head.dirty:
        return "its own write was interrupted (its sequence numbers differ)"
    if head.timestamp != base.timestamp:
        return "it belongs to another write of the hive (its timestamp differs)"
    if head.bins_size % BASE_BLOCK or BASE_BLOCK + head.bins_size > limit:
        return f"it declares {head.bins_size} bytes of hive bins"
    vector = head.bins_size // 4096
    bitmap = log[SECTOR + 4 : SECTOR + 4 + vector]
    pages = sum(bin(byte).count("1") for byte in bitmap)
    if len(bitmap) < vector or _pages_at(vector) + pages * SECTOR > len(log):
        return "it is shorter than its dirty vector says"
    return None


def _pages_at(vector: int) -> int:
    """Dirty pages start at the sector after the last one the dirty vector touches."""
    return SECTOR + -(-(4 + vector) // SECTOR) * SECTOR


def _apply_old(hive: bytes, log: bytes) -> bytes:
    head = read_base_block(log)
    assert head is not None
    vector = head.bins_size // 4096
    out = bytearray(hive[: BASE_BLOCK + head.bins_size])
    out.extend(bytes(BASE_BLOCK + head.bins_size - len(out)))
    source = _pages_at(vector)
    for index, byte in enumerate(log[SECTOR + 4 : SECTOR + 4 + vector]):
        for bit in range(8):
            if byte >> bit & 1:
                target = BASE_BLOCK + (index * 8 + bit) * SECTOR
                out[target : target + SECTOR] = log[source : source + SECTOR]
                source += SECTOR
    # The log's first sector is the base block as it stood in memory after the write.
    out[:SECTOR] = log[:SECTOR]
    struct.pack_into("<I", out, 28, 0)
    return _sealed(out)


def _apply_new(
    hive: bytes, base: BaseBlock, logs: list[tuple[str, bytes]], limit: int, refused: list[str]
) -> Replay:
    entries: dict[int, _Entry] = {}
    for name, data in logs:
        for entry in _entries(name, data, limit, refused):
            entries.setdefault(entry.sequence, entry)
    expected, out, used = base.secondary_sequence, bytearray(hive), dict[str, None]()
    while (step := entries.get(expected)) is not None:
        out.extend(bytes(max(0, BASE_BLOCK + step.bins_size - len(out))))  # grown, never cut
        for offset, page in step.pages:
            out[BASE_BLOCK + offset : BASE_BLOCK + offset + len(page)] = page
        struct.pack_into("<II", out, 4, step.sequence, step.sequence)
        struct.pack_into("<I", out, 40, step.bins_size)
        used[step.log] = None
        expected += 1
    if not used:
        refused += [
            f"{name}: no entry carries the hive's next sequence number ({expected})"
            for name, _ in logs
        ]
        return Replay(hive, (), tuple(refused))
    return Replay(_sealed(out), tuple(used), tuple(refused))


def _entries(name: str, log: bytes, limit: int, refused: list[str]) -> list[_Entry]:
    """The log's sound entries, up to the first that is not."""
    found: list[_Entry] = []
    offset = SECTOR
    while offset + _ENTRY.size <= len(log) and log[offset : offset + 4] == b"HvLE":
        _, size, _, sequence, bins, count, hash1, hash2 = _ENTRY.unpack_from(log, offset)
        entry = log[offset : offset + size]
        reason = None
        if size < _ENTRY.size or size % SECTOR or len(entry) < size:
            reason = f"the entry at {offset:#x} has a bad size ({size})"
        elif _marvin32(entry[40:]) != hash1 or _marvin32(entry[:32]) != hash2:
            reason = f"the entry at {offset:#x} fails its hash (a write cut short)"
        elif bins % BASE_BLOCK or BASE_BLOCK + bins > limit or 40 + 8 * count > size:
            reason = f"the entry at {offset:#x} declares {bins} bytes of hive bins"
        else:
            pages = _pages(entry, count, bins)
            if pages is None:
                reason = f"the entry at {offset:#x} has a page outside the hive bins"
            else:
                found.append(_Entry(sequence, bins, pages, name))
        if reason is not None:
            refused.append(f"{name}: {reason}; replay of this log stops there")
            break
        offset += size
    return found


def _pages(entry: bytes, count: int, bins: int) -> tuple[tuple[int, bytes], ...] | None:
    pages: list[tuple[int, bytes]] = []
    at = 40 + 8 * count
    for index in range(count):
        offset, size = struct.unpack_from("<II", entry, 40 + 8 * index)
        if offset + size > bins or at + size > len(entry):
            return None
        pages.append((offset, entry[at : at + size]))
        at += size
    return tuple(pages)


def _sealed(block: bytearray) -> bytes:
    struct.pack_into("<I", block, 508, checksum(bytes(block[:SECTOR])))
    return bytes(block)


def _marvin32(data: bytes) -> int:
    """Marvin32 (the hash Windows uses in new-format logs), as its 64-bit result."""
    low, high = _MARVIN_SEED & _MASK, _MARVIN_SEED >> 32
    tail = len(data) & 3
    for (word,) in struct.iter_unpack("<I", data[: len(data) - tail]):
        low, high = _marvin_block((low + word) & _MASK, high)
    final = int.from_bytes(data[len(data) - tail :] + b"\x80", "little")
    low, high = _marvin_block((low + final) & _MASK, high)
    low, high = _marvin_block(low, high)
    return high << 32 | low


def _marvin_block(low: int, high: int) -> tuple[int, int]:
    high ^= low
    low = (_rotl(low, 20) + high) & _MASK
    high = _rotl(high, 9) ^ low
    low = (_rotl(low, 27) + high) & _MASK
    high = _rotl(high, 19)
    return low, high


def _rotl(value: int, count: int) -> int:
    return (value << count | value >> (32 - count)) & _MASK
