"""A minimal regf (offline registry hive) writer for fixtures, in pure Python.

It is an independent route to hive bytes: it shares no code with regipy or with the
auditor's hive reader, only the public layout of the format (base block, hbins, nk, lf/lh,
value list, vk, data and sk cells). It writes what Windows writes for small hives: the root
key is the first cell, every key points at one shared security cell, data of four bytes or
less sits inline in the vk cell, and in format 1.5 (``lh``) data over 16344 bytes go to
big-data (db) segments. It does not write ri index roots, volatile keys or class names.

    build_hive({"Select": [RegValue("Current", RegType.DWORD, 1)],
                "ControlSet001\\Services\\Tcpip\\Linkage": []})
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from auditor.parsing.registry import RegType, RegValue, split_path

__all__ = ["build_hive", "encode_data", "hive_checksum"]

BLOCK = 4096
HBIN_HEADER = 32
FILETIME = 125_911_584_000_000_000  # 1999-01-01, fixed so that builds are reproducible
NO_CELL = 0xFFFF_FFFF
KEY_HIVE_ENTRY, KEY_NO_DELETE, KEY_COMP_NAME = 0x0004, 0x0008, 0x0020
VALUE_COMP_NAME = 0x0001
INLINE = 0x8000_0000
SEGMENT = 16344  # the most data one big-data segment holds
NT_NAME = "\\SystemRoot\\System32\\Config\\SYSTEM"


@dataclass
class _Key:
    name: str
    values: dict[str, RegValue] = field(default_factory=dict)
    children: dict[str, _Key] = field(default_factory=dict)
    filetime: int = FILETIME

    def child(self, name: str) -> _Key:
        return self.children.setdefault(name.casefold(), _Key(name))


def build_hive(
    keys: Mapping[str, Sequence[RegValue]],
    *,
    index: Literal["lf", "lh"] = "lh",
    latin1_names: bool = False,
    file_name: str = NT_NAME,
    written: Mapping[str, int] | None = None,
) -> bytes:
    """The bytes of a hive holding ``keys`` (paths below the root, e.g. ``Select``).

    Intermediate keys are created; paths that differ only in case are one key, named as first
    given. ``index`` picks the subkey list: ``lf`` (NT4, format 1.3) or ``lh`` (format 1.5).
    With ``latin1_names``, names whose characters all fit in Latin-1 are stored compressed as
    Latin-1, as Windows does; otherwise only ASCII names are. ``file_name`` goes to the base
    block's name field (its last 31 characters, as Windows keeps them). ``written`` gives
    keys (paths as in ``keys``) a last-write FILETIME other than the fixed one. Raise
    ValueError on a value named twice in one key.
    """
    root = _Key("ROOT")
    for path, values in keys.items():
        key = root
        for part in split_path(path):
            key = key.child(part)
        for value in values:
            if value.name.casefold() in key.values:
                raise ValueError(f"{path}: value {value.name!r} given twice")
            key.values[value.name.casefold()] = value
    for path, filetime in (written or {}).items():
        key = root
        for part in split_path(path):
            key = key.child(part)
        key.filetime = filetime
    cells = _Cells(index, "latin-1" if latin1_names else "ascii")
    cells.add_key(root, parent=None)
    bins, root_offset = cells.layout()
    minor = 3 if index == "lf" else 5
    return _base_block(root_offset, len(bins), minor, file_name) + bins


def hive_checksum(base_block: bytes) -> int:
    """The base block checksum: XOR of its first 127 dwords, with 0 and ~0 avoided."""
    checksum = 0
    for (dword,) in struct.iter_unpack("<I", base_block[:508]):
        checksum ^= dword
    return {0: 1, 0xFFFF_FFFF: 0xFFFF_FFFE}.get(checksum, checksum)


def encode_data(value: RegValue) -> bytes:
    """The raw data Windows stores for ``value``; bytes data are stored as given."""
    data = value.data
    if isinstance(data, bytes):
        return data
    if isinstance(data, str):
        return (data + "\0").encode("utf-16-le")
    if isinstance(data, tuple):
        return "".join(f"{item}\0" for item in (*data, "")).encode("utf-16-le")
    if value.type is RegType.QWORD:
        return struct.pack("<Q", data)
    return struct.pack(">I" if value.type is RegType.DWORD_BIG_ENDIAN else "<I", data)


_Build = Callable[[Callable[[int], int]], bytes]
"""Makes a cell's payload, given a map from cell number to hive offset."""


class _Cells:
    """Cells in file order; each refers to others by number until layout assigns offsets."""

    def __init__(self, index: str, compress: str) -> None:
        self.index = index
        self.compress = compress
        # regipy takes the first cell of the first hbin as the root, as Windows lays it out.
        self.payloads: list[tuple[int, _Build]] = [(0, lambda _: b"")]
        self.sk = self.add(_security_cell_size(), self._security)

    def add(self, size: int, build: _Build) -> int:
        self.payloads.append((size, build))
        return len(self.payloads) - 1

    def reserve(self) -> int:
        return self.add(0, lambda _: b"")

    def add_key(self, key: _Key, parent: int | None) -> int:
        number = self.reserve() if parent is not None else 0
        children = sorted(key.children.values(), key=lambda k: k.name.upper())
        child_numbers = [self.add_key(child, number) for child in children]
        subkeys = self._subkey_list(children, child_numbers) if children else None
        values = self._value_list(list(key.values.values())) if key.values else None
        name, flags = self._name(key.name)
        if parent is None:
            flags |= KEY_HIVE_ENTRY | KEY_NO_DELETE

        def build(at: Callable[[int], int]) -> bytes:
            header = struct.pack(
                "<2sHQIIIIIIIIIIIIIIIHH",
                *(b"nk", flags, key.filetime, 0, NO_CELL if parent is None else at(parent)),
                *(len(children), 0, NO_CELL if subkeys is None else at(subkeys), NO_CELL),
                *(len(key.values), NO_CELL if values is None else at(values)),
                *(at(self.sk), NO_CELL),
                max((2 * len(c.name) for c in children), default=0),
                0,
                max((2 * len(v.name) for v in key.values.values()), default=0),
                max((len(encode_data(v)) for v in key.values.values()), default=0),
                *(0, len(name), 0),
            )
            return header + name

        self.payloads[number] = (80 + len(name), build)
        return number

    def _name(self, name: str) -> tuple[bytes, int]:
        try:
            return name.encode(self.compress), KEY_COMP_NAME
        except UnicodeEncodeError:
            return name.encode("utf-16-le"), 0

    def _subkey_list(self, children: list[_Key], numbers: list[int]) -> int:
        hints = [self._hint(child.name) for child in children]

        def build(at: Callable[[int], int]) -> bytes:
            pairs = b"".join(
                struct.pack("<II", at(n), h) for n, h in zip(numbers, hints, strict=True)
            )
            return struct.pack("<2sH", self.index.encode(), len(numbers)) + pairs

        return self.add(4 + 8 * len(numbers), build)

    def _hint(self, name: str) -> int:
        if self.index == "lf":
            return int.from_bytes(name[:4].encode("latin-1", "replace").ljust(4, b"\0"), "little")
        hashed = 0
        for char in name:
            hashed = (hashed * 37 + ord(char.upper())) & 0xFFFF_FFFF
        return hashed

    def _value_list(self, values: list[RegValue]) -> int:
        numbers = [self._value(value) for value in values]
        return self.add(4 * len(numbers), lambda at: _offsets(at, numbers))

    def _value(self, value: RegValue) -> int:
        data = encode_data(value)
        name, flags = self._name(value.name)
        flags = VALUE_COMP_NAME if flags else 0
        code = value.type.code
        stored = self._data(data) if len(data) > 4 else None

        def build(at: Callable[[int], int]) -> bytes:
            if stored is None:
                size, where = INLINE | len(data), int.from_bytes(data.ljust(4, b"\0"), "little")
            else:
                size, where = len(data), at(stored)
            return struct.pack("<2sHIIIHH", b"vk", len(name), size, where, code, flags, 0) + name

        return self.add(20 + len(name), build)

    def _data(self, data: bytes) -> int:
        if len(data) <= SEGMENT or self.index == "lf":  # big-data cells came with format 1.4
            return self.add(len(data), _constant(data))
        parts = [data[at : at + SEGMENT] for at in range(0, len(data), SEGMENT)]
        segments = [self.add(len(part), _constant(part)) for part in parts]
        table = self.add(4 * len(segments), lambda at: _offsets(at, segments))
        return self.add(8, lambda at: struct.pack("<2sHI", b"db", len(segments), at(table)))

    def _security(self, at: Callable[[int], int]) -> bytes:
        here = at(self.sk)
        descriptor = _security_descriptor()
        return struct.pack("<2sHIIII", b"sk", 0, here, here, 1, len(descriptor)) + descriptor

    def layout(self) -> tuple[bytes, int]:
        """The hbins and the root key's offset."""
        sizes = [_cell_size(size) for size, _ in self.payloads]
        offsets, bins = _place(sizes)
        out = bytearray(sum(size for _, size in bins))
        for start, size in bins:
            out[start : start + HBIN_HEADER] = struct.pack(
                "<4sIIIIQI", b"hbin", start, size, 0, 0, FILETIME, 0
            )
        for (_, build), offset, size in zip(self.payloads, offsets, sizes, strict=True):
            payload = build(offsets.__getitem__)
            out[offset : offset + size] = struct.pack("<i", -size) + payload.ljust(size - 4, b"\0")
        _mark_free_tails(out, bins, offsets, sizes)
        return bytes(out), offsets[0]


def _offsets(at: Callable[[int], int], numbers: list[int]) -> bytes:
    return b"".join(struct.pack("<I", at(number)) for number in numbers)


def _constant(payload: bytes) -> _Build:
    return lambda _: payload


def _cell_size(payload: int) -> int:
    return (4 + payload + 7) // 8 * 8


def _place(sizes: list[int]) -> tuple[list[int], list[tuple[int, int]]]:
    """Cell offsets and hbins (start, size): a cell never crosses an hbin's end."""
    offsets: list[int] = []
    bins: list[tuple[int, int]] = []
    end = position = 0
    for size in sizes:
        if position + size > end:
            start = end
            bin_size = (HBIN_HEADER + size + BLOCK - 1) // BLOCK * BLOCK
            bins.append((start, bin_size))
            position, end = start + HBIN_HEADER, start + bin_size
        offsets.append(position)
        position += size
    return offsets, bins


def _mark_free_tails(
    out: bytearray, bins: list[tuple[int, int]], offsets: list[int], sizes: list[int]
) -> None:
    """Each hbin's unused tail becomes one free cell (positive size)."""
    for start, size in bins:
        used = [o + s for o, s in zip(offsets, sizes, strict=True) if start <= o < start + size]
        tail = max(used, default=start + HBIN_HEADER)
        if tail < start + size:
            out[tail : tail + 4] = struct.pack("<i", start + size - tail)


def _sid(authority: int, *subs: int) -> bytes:
    head = struct.pack("<BB", 1, len(subs)) + authority.to_bytes(6, "big")
    return head + struct.pack(f"<{len(subs)}I", *subs)


def _security_descriptor() -> bytes:
    """Self-relative: owner Administrators, group SYSTEM, DACL letting Everyone read."""
    owner, group, everyone = _sid(5, 32, 544), _sid(5, 18), _sid(1, 0)
    ace = struct.pack("<BBHI", 0, 0x02, 8 + len(everyone), 0x0002_0019) + everyone
    acl = struct.pack("<BBHHH", 2, 0, 8 + len(ace), 1, 0) + ace
    dacl_at = 20 + len(owner) + len(group)
    header = struct.pack("<BBHIIII", 1, 0, 0x8004, 20, 20 + len(owner), 0, dacl_at)
    return header + owner + group + acl


def _security_cell_size() -> int:
    return 20 + len(_security_descriptor())


def _base_block(root_offset: int, bins_size: int, minor: int, file_name: str) -> bytes:
    block = bytearray(BLOCK)
    fields = (b"regf", 1, 1, FILETIME, 1, minor, 0, 1, root_offset, bins_size, 1)
    struct.pack_into("<4sIIQIIIIIII", block, 0, *fields)
    block[0x30 : 0x30 + 64] = file_name[-31:].encode("utf-16-le").ljust(64, b"\0")
    struct.pack_into("<I", block, 508, hive_checksum(bytes(block)))
    return bytes(block)
