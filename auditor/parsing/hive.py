"""Offline SYSTEM hives (regf files): regipy finds the keys, this module reads their values.

An offline hive has no CurrentControlSet: ``Select\\Current`` names the control set that was
current, and only that one is read, by navigating from key to key (a full walk costs
seconds) and matching names without regard to case (regipy's lookups heed it). Copies are
bounded in depth and size, so that a hostile hive cannot run away.

regipy's value decoding loses data (the last string of an unterminated REG_MULTI_SZ, odd-length
strings, Latin-1 names), so values are decoded here from the cells. A base block whose
checksum does not match is rejected: the root and the bins' size are read through it.
Unequal sequence numbers (a hive copied mid-write) make a dirty hive: its transaction logs,
when given, are replayed on a copy in memory (``hive_log``); without them it is read as it
is, with a note that it may miss its last writes.

A hive whose root has neither ``Select`` nor a ``ControlSetNNN`` key is another hive
(SOFTWARE, SAM, a user's NTUSER.DAT): it is named in a note and yields no operations.
"""

from __future__ import annotations

import re
import struct
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from auditor.errors import EvidenceError, ParseError
from auditor.parsing.hive_base import BASE_BLOCK, BaseBlock, read_base_block
from auditor.parsing.hive_log import replay_logs
from auditor.parsing.registry import (
    EnsureKey,
    RegData,
    RegOperation,
    RegType,
    RegValue,
    SetValue,
    multi_string_data,
    string_data,
)

__all__ = [
    "MAX_DEPTH",
    "MAX_ITEMS",
    "SYSTEM_ROOT",
    "HiveReading",
    "looks_like_hive",
    "read_system_hive",
]

SYSTEM_ROOT = "HKEY_LOCAL_MACHINE\\SYSTEM"
"""Where the operations mount the hive."""
SOFTWARE_CURRENT_VERSION = "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion"
"""Where a SOFTWARE hive's Windows version is mounted (its only key read)."""
EXCHANGE_SERVICES = "msexchange"
"""Service keys named so are listed (not copied): they show which components are installed."""
MAX_DEPTH = 12
"""How deep below a copied key the copy may go before the hive is judged hostile."""
MAX_ITEMS = 20_000
"""How many keys and values one read may visit before the hive is judged hostile."""

_CONTROL_SET = re.compile(r"ControlSet\d{3}", re.IGNORECASE)
_VK = struct.Struct("<2sHIIIHH")  # signature, name size, data size, data offset, type, flags
_VALUE_COMP_NAME = 0x0001
_INLINE = 0x8000_0000  # data size flag: the data sit in the data offset field
_SEGMENT = 16344  # the most data one big-data segment holds
_NK = Any  # regipy's NKRecord, whose attributes carry no types


def looks_like_hive(head: bytes) -> bool:
    """True when ``head`` (the first bytes of a file) starts like a regf hive."""
    return head[:4] == b"regf"


@dataclass(frozen=True)
class HiveReading:
    """What one hive file gave."""

    operations: tuple[RegOperation, ...]
    """For a hive other than SYSTEM, only a SOFTWARE hive's Windows version."""
    system: bool
    """False for another hive (SOFTWARE, SAM, NTUSER.DAT): not evidence for this audit."""
    notes: tuple[str, ...] = ()
    written: tuple[tuple[str, str], ...] = ()
    """(key path, last-write time in ISO 8601 UTC) of each key copied with its subtree: the
    override keys among them show when an override was last written."""
    """Remarks naming the file: a dirty hive read as it is or through its logs, another hive."""


def read_system_hive(
    path: Path,
    origin: str,
    services: Sequence[str],
    logs: Sequence[tuple[str, bytes]] = (),
    limit: int = 1 << 62,
) -> HiveReading:
    """Operations rebuilding, under ``HKEY_LOCAL_MACHINE\\SYSTEM``, what the audit needs.

    That is the ``Select`` key's values and, in the current control set (under its real
    name, e.g. ``ControlSet002``): its ``Services`` key, ``Services\\<name>`` for each of
    ``services``, ``Services\\Tcpip`` and every ``Services\\<adapter>\\Parameters\\Tcpip``
    (NT4). ``logs`` (name, content) are the transaction logs beside the hive, replayed when
    it is dirty into a copy of at most ``limit`` bytes. Raise ParseError naming ``origin``
    when the file is not a sound hive, and EvidenceError when it cannot be read.
    """
    try:
        data = path.read_bytes()
    except OSError as error:
        raise EvidenceError(f"{origin}: cannot read the hive: {error}") from error
    base = _check_base_block(data, origin)
    notes: tuple[str, ...] = ()
    replayed = None
    if base.dirty:
        replayed, note = _replay(data, base, origin, logs, limit)
        data, notes = replayed or data, (note,)
    try:
        root = _root(path) if replayed is None else _parse_copy(replayed)
        return _Reader(origin, data).read(root, services, base, notes)
    except ParseError:
        raise
    except Exception as error:  # regipy and construct raise many kinds on corrupt input
        reason = " ".join(str(error).split())  # construct's messages run over several lines
        raise ParseError(f"{origin}: corrupt hive ({type(error).__name__}: {reason})") from error


def _replay(
    data: bytes, base: BaseBlock, origin: str, logs: Sequence[tuple[str, bytes]], limit: int
) -> tuple[bytes | None, str]:
    """The dirty hive with its logs applied (None when none applies), and a note saying so."""
    dirty = f"{origin}: dirty hive (sequence numbers {base.primary_sequence} and "
    dirty += f"{base.secondary_sequence})"
    stale = "read as it is; its last writes may be missing"
    if not logs:
        return None, f"{dirty} and no transaction log beside it: {stale}"
    replay = replay_logs(data, logs, limit)
    refused = "; ".join(replay.refused)
    if not replay.applied:
        return None, f"{dirty} and no transaction log beside it that applies ({refused}): {stale}"
    note = f"{dirty}: read with its transaction log {', '.join(replay.applied)} applied to a copy"
    return replay.data, f"{note} ({refused})" if refused else note


def _parse_copy(data: bytes) -> _NK:
    """regipy opens paths only: the replayed hive goes through a file deleted at once."""
    with tempfile.TemporaryDirectory(prefix="fixlevel-hive-") as folder:
        copy = Path(folder) / "replayed"
        copy.write_bytes(data)
        return _root(copy)


def _root(path: Path) -> _NK:
    # Imported at the first hive, not with the module: a fleet of .reg exports never pays
    # for regipy (and construct) at start-up.
    from regipy.registry import RegistryHive

    return RegistryHive(str(path)).root  # type: ignore[no-untyped-call]


def _check_base_block(data: bytes, origin: str) -> BaseBlock:
    if not looks_like_hive(data):
        raise ParseError(f"{origin}: not a registry hive (no 'regf' signature)")
    base = read_base_block(data)
    if base is None or len(data) < BASE_BLOCK:
        raise ParseError(f"{origin}: truncated hive: {len(data)} bytes, less than its base block")
    if not base.checksum_ok:
        raise ParseError(f"{origin}: damaged hive: the base block checksum does not match")
    if BASE_BLOCK + base.bins_size > len(data):
        raise ParseError(
            f"{origin}: truncated hive: its base block declares {BASE_BLOCK + base.bins_size}"
            f" bytes, the file holds {len(data)}"
        )
    return base


class _Reader:
    """Copies chosen keys into operations, counting what it visits."""

    def __init__(self, origin: str, data: bytes) -> None:
        self.origin = origin
        self.data = memoryview(data)
        self.big_data = struct.unpack_from("<I", data, 24)[0] >= 4  # db cells: format 1.4 on
        self.visited = 0
        self.operations: list[RegOperation] = []
        self.written: dict[str, str] = {}

    def read(
        self, root: _NK, services: Sequence[str], block: BaseBlock, notes: tuple[str, ...]
    ) -> HiveReading:
        names = [_name(key) for key in self._subkeys(root)]
        select = self._child(root, "Select")
        if select is None:
            other = _other_hive(names, block.file_name)
            if other is not None:
                note = f"{self.origin}: {other}, not SYSTEM: not registry evidence for this audit"
                return HiveReading(self._windows(root), system=False, notes=(*notes, note))
            raise ParseError(f"{self.origin}: no Select key, so no current control set")
        self._copy_values(select, f"{SYSTEM_ROOT}\\{_name(select)}")
        control_set = self._current(root, select)
        found = self._child(control_set, "Services")
        if found is None:
            raise ParseError(f"{self.origin}: {_name(control_set)} has no Services key")
        base = f"{SYSTEM_ROOT}\\{_name(control_set)}\\{_name(found)}"
        # Said even when none of the keys below exists: "no MTA service here" is a fact.
        # The Services key itself: its subkeys below are copied or listed, its values not read.
        self.operations.append(EnsureKey(base, values_read=False))
        copied = dict.fromkeys(name.casefold() for name in (*services, "Tcpip"))
        # The Services list is parsed once, not once per name looked for: it holds a few
        # hundred keys on a real server, and regipy parses each key of a list it walks.
        subkeys = list(self._subkeys(found))
        first: dict[str, _NK] = {}
        for service in subkeys:
            first.setdefault(_name(service).casefold(), service)
        for name in copied:
            key = first.get(name)
            if key is not None:
                self._copy_tree(key, f"{base}\\{_name(key)}", frozenset())
        for service in subkeys:
            if _name(service).casefold() not in copied:
                if _name(service).casefold().startswith(EXCHANGE_SERVICES):
                    # Which Exchange components are installed, for the catalogue's articles.
                    listed = EnsureKey(f"{base}\\{_name(service)}", values_read=False)
                    self.operations.append(listed)
                self._copy_adapter(service, f"{base}\\{_name(service)}")
        written = tuple(self.written.items())
        return HiveReading(tuple(self.operations), system=True, notes=notes, written=written)

    def _windows(self, root: _NK) -> tuple[RegOperation, ...]:
        """A SOFTWARE hive's Microsoft\\Windows NT\\CurrentVersion values, for the inventory."""
        key: _NK | None = root
        for name in ("Microsoft", "Windows NT", "CurrentVersion"):
            key = self._child(key, name) if key is not None else None
        if key is None:
            return ()
        self._copy_values(key, SOFTWARE_CURRENT_VERSION)
        return tuple(self.operations)

    def _current(self, root: _NK, select: _NK) -> _NK:
        current = next((v for v in self._values(select) if v.name.casefold() == "current"), None)
        if current is None:
            raise ParseError(f"{self.origin}: Select has no Current value")
        if current.type is not RegType.DWORD or not isinstance(current.data, int):
            raise ParseError(f"{self.origin}: Select\\Current is {current.type}, not REG_DWORD")
        name = f"ControlSet{current.data:03d}"
        control_set = self._child(root, name)
        if control_set is None:
            raise ParseError(
                f"{self.origin}: Select\\Current names {name}, which the hive does not hold"
            )
        return control_set

    def _copy_adapter(self, service: _NK, path: str) -> None:
        parameters = self._child(service, "Parameters")
        tcpip = None if parameters is None else self._child(parameters, "Tcpip")
        if parameters is not None and tcpip is not None:
            self._copy_values(tcpip, f"{path}\\{_name(parameters)}\\{_name(tcpip)}")

    def _copy_tree(self, key: _NK, path: str, above: frozenset[int]) -> None:
        """Copy ``key`` and its subtree; ``above`` holds the subkey lists of its ancestors."""
        if len(above) > MAX_DEPTH:
            raise ParseError(f"{self.origin}: keys nested deeper than {MAX_DEPTH} at {path}")
        self._copy_values(key, path)
        when = _filetime(int(key.header.last_modified))
        if when is not None:
            self.written[path] = when
        if not key.header.subkey_count:
            return
        # regipy keeps no cell offsets, but a key's subkey list is its own: meeting an
        # ancestor's list again means the tree loops.
        subkey_list = int(key.header.subkeys_list_offset)
        if subkey_list in above:
            raise self._corrupt(f"the subkey list of {path} loops back to a key above it")
        for child in self._subkeys(key):
            self._copy_tree(child, f"{path}\\{_name(child)}", above | {subkey_list})

    def _copy_values(self, key: _NK, path: str) -> None:
        self.operations.append(EnsureKey(path))
        self.operations.extend(SetValue(path, value) for value in self._values(key))

    def _child(self, key: _NK, name: str) -> _NK | None:
        wanted = name.casefold()
        return next((k for k in self._subkeys(key) if _name(k).casefold() == wanted), None)

    def _subkeys(self, key: _NK) -> Iterator[_NK]:
        if not key.header.subkey_count:
            return
        # regipy parses a whole subkey list before it yields the first key, so the cost is
        # the list's length, whatever the key's own count says and however soon we stop:
        # one list of 65,535 entries met again under every service would take minutes.
        self._visit(self._list_length(int(key.header.subkeys_list_offset)))
        yield from key.iter_subkeys()

    def _list_length(self, offset: int, *, in_index: bool = False) -> int:
        """Entries in the subkey list at ``offset``; an index root counts its leaves' entries."""
        cell = self._cell(offset)
        if len(cell) < 4:
            raise self._corrupt(f"the subkey list at {offset:#x} is shorter than its header")
        signature, count = bytes(cell[:2]), int(struct.unpack_from("<H", cell, 2)[0])
        if signature != b"ri":
            return count
        if in_index or len(cell) < 4 + 4 * count:
            raise self._corrupt(f"the subkey index at {offset:#x} is malformed")
        leaves = struct.iter_unpack("<I", cell[4 : 4 + 4 * count])
        return count + sum(self._list_length(leaf, in_index=True) for (leaf,) in leaves)

    def _visit(self, count: int = 1) -> None:
        self.visited += count
        if self.visited > MAX_ITEMS:
            raise ParseError(f"{self.origin}: more than {MAX_ITEMS} keys and values to read")

    # Values are read here rather than by regipy, which loses data: the last string of a
    # REG_MULTI_SZ without its terminator, odd-length strings, Latin-1 value names.

    def _values(self, key: _NK) -> Iterator[RegValue]:
        count = int(key.header.values_count)
        if not count:
            return
        table = self._cell(int(key.header.values_list_offset))
        if len(table) < 4 * count:
            raise self._corrupt(f"the value list of {_name(key)} is shorter than its count")
        for (offset,) in struct.iter_unpack("<I", table[: 4 * count]):
            self._visit()
            yield self._value(self._cell(offset))

    def _value(self, cell: memoryview) -> RegValue:
        if len(cell) < _VK.size or bytes(cell[:2]) != b"vk":
            raise self._corrupt("a value cell lacks its vk signature")
        _, name_size, size, where, code, flags, _ = _VK.unpack_from(cell)
        raw = bytes(cell[_VK.size : _VK.size + name_size])
        name = raw.decode("latin-1") if flags & _VALUE_COMP_NAME else _utf16(raw)
        kind = _type(code)
        return RegValue(name, kind, _decode(kind, self._data(size, where)))

    def _data(self, size: int, where: int) -> bytes:
        if size & _INLINE:
            return struct.pack("<I", where)[: min(size & ~_INLINE, 4)]
        if size > len(self.data):
            raise self._corrupt(f"a value declares {size} bytes of data, more than the file")
        cell = self._cell(where)
        if self.big_data and size > _SEGMENT and bytes(cell[:2]) == b"db":
            return self._big_data(cell, size)
        if size > len(cell):
            raise self._corrupt("a value's data runs past the end of its cell")
        return bytes(cell[:size])

    def _big_data(self, cell: memoryview, size: int) -> bytes:
        count, table_offset = struct.unpack_from("<HI", cell, 2)
        table = self._cell(table_offset)[: 4 * count]
        parts: list[bytes] = []
        for (offset,) in struct.iter_unpack("<I", table[: len(table) // 4 * 4]):
            parts.append(bytes(self._cell(offset)[: min(_SEGMENT, size)]))
            size -= len(parts[-1])
            if size <= 0:
                return b"".join(parts)
        raise self._corrupt("a big value's segments hold less than its size")

    def _cell(self, offset: int) -> memoryview:
        """The payload of the cell at ``offset`` (from the first hbin), size field excluded."""
        start = BASE_BLOCK + offset
        if start + 4 > len(self.data):
            raise self._corrupt(f"a cell offset ({offset:#x}) points past the end of the file")
        size = abs(struct.unpack_from("<i", self.data, start)[0])
        if size < 4 or start + size > len(self.data):
            raise self._corrupt(f"the cell at {offset:#x} runs past the end of the file")
        return self.data[start + 4 : start + size]

    def _corrupt(self, reason: str) -> ParseError:
        return ParseError(f"{self.origin}: corrupt hive: {reason}")


def _other_hive(root_keys: Sequence[str], file_name: str) -> str | None:
    """How to name a hive that is not SYSTEM; None when it is SYSTEM, however damaged.

    SYSTEM is known by its ``ControlSetNNN`` keys, or by the name Windows wrote in the base
    block; another hive by that name or, failing it, by its root keys.
    """
    name = file_name.replace("/", "\\").rsplit("\\", 1)[-1]
    if name.casefold() == "system" or any(_CONTROL_SET.fullmatch(key) for key in root_keys):
        return None
    if name:
        return f"a {name} hive"
    shown = ", ".join(root_keys[:4]) + (", ..." if len(root_keys) > 4 else "")
    return f"a hive whose root holds {shown or 'no key'}"


_FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)
_PLAUSIBLE = tuple(
    (datetime(year, 1, 1, tzinfo=UTC) - _FILETIME_EPOCH) // timedelta(microseconds=1) * 10
    for year in (1990, 2100)
)
"""Ticks of the first days of 1990 and 2100: a key's time outside them is no time at all (a
hive written by a tool that leaves it 0, or a hostile one), not a reason to reject the hive."""


def _filetime(value: int) -> str | None:
    """A FILETIME (100 ns since 1601, UTC) as ISO 8601 with its offset; None if implausible."""
    if not _PLAUSIBLE[0] <= value <= _PLAUSIBLE[1]:
        return None
    return (_FILETIME_EPOCH + timedelta(microseconds=value // 10)).isoformat()


def _name(key: _NK) -> str:
    """The key's name; Windows compresses names that fit in Latin-1, not only ASCII ones."""
    if key.header.flags.KEY_COMP_NAME:
        return bytes(key.header.key_name_string).decode("latin-1")
    return str(key.name)


def _type(code: int) -> RegType:
    try:
        return RegType.from_code(code)
    except ValueError:  # REG_FILETIME, device property types: none matters to the audit
        return RegType.NONE


def _decode(kind: RegType, raw: bytes) -> RegData:
    """Data as RegValue holds it; DWORD/QWORD data of the wrong length stays bytes."""
    if kind in (RegType.SZ, RegType.EXPAND_SZ):
        return string_data(_utf16(raw))
    if kind is RegType.MULTI_SZ:
        return multi_string_data(_utf16(raw))
    if (kind, len(raw)) in ((RegType.DWORD, 4), (RegType.QWORD, 8)):
        return int.from_bytes(raw, "little")
    return raw


def _utf16(raw: bytes) -> str:
    return raw[: len(raw) // 2 * 2].decode("utf-16-le", "replace")
