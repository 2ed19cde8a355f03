"""The version resource of a PE file (exe/dll), read a few byte ranges at a time.

Over SMB every read is a round trip, and Emsmta.exe is 1.5 MB with its resources at the
end, so this module never reads a whole file: it reads the headers, follows the resource
tree along RT_VERSION only, and reads the VS_VERSIONINFO blob. All of it is parsed here
with struct: pefile wants the whole image in memory for the resource walk, and even its
fast_load of the headers alone cost 300 us a file, more than the rest of the read (the
fields kept are few, and pefile's section and alignment rules are followed for them).
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from auditor.errors import ParseError
from auditor.parsing.ranges import RangeReader, ReadAt, Unreadable
from auditor.versions import Version

__all__ = ["PeVersion", "ReadAt", "read_pe_version", "read_pe_version_from_path"]

# One read covers the DOS header, PE header and a section table of ~15 sections at the
# usual e_lfanew (0x80-0x118); odder files cost one more read.
_HEADER_READ = 1024
# A resource section this small is fetched whole: one round trip instead of four or five.
_SMALL_RESOURCES = 1024
# Read-ahead for a resource directory: its header and about 30 entries.
_DIRECTORY_READ = 256
_MAX_DEPTH = 8
_MAX_ENTRIES = 512
# wLength is a WORD, so no VS_VERSIONINFO is longer, whatever the data entry claims.
_MAX_VERSION_INFO = 0xFFFF

# Linkers put e_lfanew at 0x80-0x200 and the section table within the first 4 KiB. Headers
# are read from offset 0 in one piece, so a hostile e_lfanew near the end of a 2 GB file
# would otherwise make that piece 2 GB.
_MAX_HEADERS = 64 * 1024
_RT_VERSION = 16
_SUBDIRECTORY = 0x80000000
_FIXED_SIGNATURE = 0xFEEF04BD
_FIXED_SIZE = 52
_RESOURCE_DIRECTORY_INDEX = 2
_PE32_PLUS = 0x20B
# pefile's rules: an optional header needs this much of its start present, at most 16
# data directories are read, and at most 0x800 sections.
_MIN_OPTIONAL_HEADER = {False: 69, True: 73}
_MAX_DIRECTORIES = 16
_MAX_SECTIONS = 0x800
_SECTION_HEADER = 40
# The alignments below which the loader (and pefile) ignores them.
_FILE_ALIGNMENT_FLOOR = 0x200
_PAGE = 0x1000


@dataclass(frozen=True)
class PeVersion:
    """What a PE file's version resource says, and what it cost to find out."""

    fixed: Version | None
    """VS_FIXEDFILEINFO FileVersionMS/LS, the authoritative version; None for 0.0.0.0."""
    string: str | None
    """FileVersion of the first StringFileInfo table, cut at its NUL; None if absent or empty.
    Recorded to flag disagreements; never used to judge."""
    bytes_read: int
    """Total bytes that read_at returned."""
    reads: int
    """Number of read_at calls: round trips over SMB."""


def read_pe_version(read_at: ReadAt, size: int, origin: str) -> PeVersion:
    """Read the version resource of the PE file of ``size`` bytes behind ``read_at``.

    ``origin`` (a path or server-qualified name) starts every error message. Raise
    ParseError for anything that is not a PE file with a readable version resource.
    Errors raised by ``read_at`` itself (OSError and the like) pass through untouched:
    they are evidence problems, not format problems.
    """
    reader = RangeReader(read_at, size)
    try:
        blob = _version_info_blob(reader)
        fixed, string = _parse_version_info(blob)
    except Unreadable as exc:
        raise ParseError(f"{origin}: {exc}") from None
    except (struct.error, IndexError, ValueError) as exc:
        raise ParseError(f"{origin}: malformed PE file: {exc}") from exc
    return PeVersion(fixed, string, reader.bytes_read, reader.reads)


def read_pe_version_from_path(path: Path, origin: str | None = None) -> PeVersion:
    """Read the version resource of a local file; the origin defaults to the path."""
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size

        def read_at(offset: int, length: int) -> bytes:
            handle.seek(offset)
            return handle.read(length)

        return read_pe_version(read_at, size, str(path) if origin is None else origin)


# --- headers -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Section:
    """Where a section sits in memory and in the file, aligned as the loader aligns it."""

    start: int
    """VirtualAddress, rounded down to the section alignment."""
    span: int
    """The larger of VirtualSize and SizeOfRawData."""
    raw: int
    """PointerToRawData, rounded down to 0x200 when FileAlignment is at least that."""
    raw_size: int


@dataclass(frozen=True)
class _Headers:
    """The little of the PE headers a version read needs."""

    resources: tuple[int, int] | None
    """RVA and size of the resource data directory; None when there is no such entry."""
    sections: tuple[_Section, ...]


def _parse_headers(reader: RangeReader) -> _Headers:
    dos = reader.fetch(0, 64, window=_HEADER_READ, what="DOS header")
    if dos[:2] != b"MZ":
        raise Unreadable("not a PE file: no MZ signature")
    (e_lfanew,) = struct.unpack_from("<I", dos, 0x3C)
    if e_lfanew + 4 > reader.size:
        raise Unreadable(f"e_lfanew 0x{e_lfanew:x} points outside the file ({reader.size} bytes)")
    file_header = reader.fetch(e_lfanew, 24, what="PE file header")
    if file_header[:4] != b"PE\0\0":
        raise Unreadable("not a PE file: no PE signature at e_lfanew")
    sections, optional_size = struct.unpack_from("<H12xH", file_header, 6)
    headers_end = e_lfanew + 24 + optional_size + 40 * sections
    if headers_end > _MAX_HEADERS:
        raise Unreadable(
            f"the PE headers run to 0x{headers_end:x}, past the {_MAX_HEADERS} bytes that "
            "real headers stay within"
        )
    headers = reader.fetch(0, headers_end, what="section table")
    return _unpack_headers(headers, e_lfanew + 24, optional_size, sections)


def _unpack_headers(headers: bytes, optional: int, optional_size: int, count: int) -> _Headers:
    """The resource directory and the section table, read as pefile reads them."""
    (magic,) = struct.unpack_from("<H", headers, optional) if len(headers) >= optional + 2 else (0,)
    plus = magic == _PE32_PLUS
    # pefile reads the optional header's fixed part whatever SizeOfOptionalHeader says,
    # padding a short one with zeros.
    fixed = headers[optional : optional + (112 if plus else 96)]
    if len(fixed) < _MIN_OPTIONAL_HEADER[plus]:
        raise Unreadable("no optional header: the PE headers end too soon")
    fixed = fixed.ljust(112 if plus else 96, b"\0")
    section_alignment, file_alignment = struct.unpack_from("<II", fixed, 32)
    (directories,) = struct.unpack_from("<I", fixed, 108 if plus else 92)
    resources = None
    if min(directories & 0x7FFFFFFF, _MAX_DIRECTORIES) > _RESOURCE_DIRECTORY_INDEX:
        entry = headers[optional + len(fixed) + 8 * _RESOURCE_DIRECTORY_INDEX :][:8]
        if entry:
            resources = struct.unpack("<II", entry.ljust(8, b"\0"))
    table = optional + optional_size
    found: list[_Section] = []
    for index in range(min(count, _MAX_SECTIONS)):
        record = headers[table + _SECTION_HEADER * index :][:_SECTION_HEADER]
        if record.count(0) == _SECTION_HEADER:
            break  # an all-zero header ends the table, for pefile and the loader alike
        virtual_size, virtual_address, raw_size, raw = struct.unpack_from("<4I", record, 8)
        found.append(
            _Section(
                start=_align_down(
                    virtual_address, _section_alignment(section_alignment, file_alignment)
                ),
                span=max(virtual_size, raw_size),
                raw=_raw_alignment(raw, file_alignment),
                raw_size=raw_size,
            )
        )
    return _Headers(resources, tuple(found))


def _raw_alignment(raw: int, file_alignment: int) -> int:
    return (
        raw if file_alignment < _FILE_ALIGNMENT_FLOOR else _align_down(raw, _FILE_ALIGNMENT_FLOOR)
    )


def _section_alignment(section_alignment: int, file_alignment: int) -> int:
    return file_alignment if section_alignment < _PAGE else section_alignment


def _align_down(value: int, alignment: int) -> int:
    return value - value % alignment if alignment else value


def _map_rva(headers: _Headers, rva: int, what: str) -> tuple[int, int]:
    """Return the file offset of ``rva`` and the end of its section's raw data.

    Sections are found by their declared sizes: nothing past the headers has been read.
    """
    for section in headers.sections:
        if section.start <= rva < section.start + section.span:
            return rva - section.start + section.raw, section.raw + section.raw_size
    raise Unreadable(f"{what} RVA 0x{rva:x} lies in no section")


# --- resource tree -------------------------------------------------------------------


def _version_info_blob(reader: RangeReader) -> bytes:
    headers = _parse_headers(reader)
    if headers.resources is None or headers.resources[0] == 0:
        raise Unreadable("no version resource (no resource directory)")
    resources_rva, resources_size = headers.resources
    root, raw_end = _map_rva(headers, resources_rva, "resource directory")
    if root >= reader.size:
        raise Unreadable(f"resource directory at 0x{root:x} is outside the file")
    tree = _ResourceTree(reader, root, min(raw_end, reader.size))
    if 0 < resources_size <= _SMALL_RESOURCES:
        tree.prefetch(resources_size)
    data_rva, data_size = tree.version_data_entry()
    offset, data_end = _map_rva(headers, data_rva, "version resource")
    length = min(data_size, _MAX_VERSION_INFO)
    if length < 6:
        raise Unreadable(f"version resource is {data_size} bytes, too short for VS_VERSIONINFO")
    if offset + length > min(data_end, reader.size):
        raise Unreadable(f"version resource at 0x{offset:x} ({data_size} bytes) runs past its data")
    return reader.fetch(offset, length, what="version resource")


class _ResourceTree:
    """The resource tree of one file, walked along RT_VERSION only."""

    def __init__(self, reader: RangeReader, root: int, end: int) -> None:
        self._reader = reader
        self._root = root
        self._end = end
        self._visited: set[int] = set()

    def prefetch(self, size: int) -> None:
        self._reader.fetch(self._root, min(size, self._end - self._root), what="resource section")

    def version_data_entry(self) -> tuple[int, int]:
        """Return the RVA and size of the first RT_VERSION resource's data."""
        node = next((target for key, target in self._entries(0) if key == _RT_VERSION), None)
        if node is None:
            raise Unreadable("no version resource (no RT_VERSION in the resource directory)")
        # Below the type, take the first name and the first language, at any depth.
        for _depth in range(_MAX_DEPTH):
            if not node & _SUBDIRECTORY:
                data_rva, data_size = struct.unpack("<II", self._read(node, 8, 0))
                return data_rva, data_size
            entries = self._entries(node & ~_SUBDIRECTORY)
            if not entries:
                raise Unreadable("no version resource (the RT_VERSION directory is empty)")
            node = entries[0][1]
        raise Unreadable(f"resource tree deeper than {_MAX_DEPTH} levels")

    def _entries(self, relative: int) -> list[tuple[int, int]]:
        if relative in self._visited:
            raise Unreadable(f"loop in the resource tree at +0x{relative:x}")
        self._visited.add(relative)
        header = self._read(relative, 16, _DIRECTORY_READ)
        named, ids = struct.unpack_from("<HH", header, 12)
        if named + ids > _MAX_ENTRIES:
            raise Unreadable(f"resource directory at +0x{relative:x} has {named + ids} entries")
        raw = self._read(relative + 16, 8 * (named + ids), 0)
        return list(struct.iter_unpack("<II", raw))

    def _read(self, relative: int, length: int, window: int) -> bytes:
        offset = self._root + relative
        if offset + length > self._end:
            raise Unreadable(
                f"resource tree entry at +0x{relative:x} runs past the resource data, "
                f"which ends at 0x{self._end:x} (end of section or file)"
            )
        return self._reader.fetch(offset, length, window=window, limit=self._end)


# --- VS_VERSIONINFO ------------------------------------------------------------------


@dataclass(frozen=True)
class _Block:
    """One node of VS_VERSIONINFO: wLength, wValueLength, wType, szKey, Value, Children."""

    key: str
    value_start: int
    value_length: int
    children_start: int
    end: int


def _parse_version_info(blob: bytes) -> tuple[Version | None, str | None]:
    (length,) = struct.unpack_from("<H", blob, 0)
    if length > len(blob):
        raise Unreadable(f"VS_VERSIONINFO length {length} runs past its data ({len(blob)} bytes)")
    root = _block(blob, 0, length)
    if root.key != "VS_VERSION_INFO":
        raise Unreadable(f"version resource key is {root.key!r}, not 'VS_VERSION_INFO'")
    return _fixed_version(blob, root), _file_version_string(blob, root)


def _fixed_version(blob: bytes, root: _Block) -> Version | None:
    if root.value_length == 0:
        return None
    if root.value_length < _FIXED_SIZE or root.value_start + _FIXED_SIZE > root.end:
        raise Unreadable(f"VS_FIXEDFILEINFO is {root.value_length} bytes, not {_FIXED_SIZE}")
    signature, _, ms, ls = struct.unpack_from("<4I", blob, root.value_start)
    if signature != _FIXED_SIGNATURE:
        raise Unreadable(f"VS_FIXEDFILEINFO signature is 0x{signature:08x}")
    version = Version.from_ms_ls(ms, ls)
    return None if version.is_zero else version


def _file_version_string(blob: bytes, root: _Block) -> str | None:
    for child in _children(blob, root):
        if child.key == "StringFileInfo":
            table = next(_children(blob, child), None)
            if table is None:
                return None
            for string in _children(blob, table):
                if string.key == "FileVersion":
                    return _text_value(blob, string)
            return None
    return None


def _text_value(blob: bytes, string: _Block) -> str | None:
    # wValueLength counts WCHARs for most linkers and bytes for some, so read to the end
    # of the block and cut at the terminating NUL instead of trusting it.
    raw = blob[string.value_start : string.end]
    text = raw[: len(raw) // 2 * 2].decode("utf-16-le", errors="replace").split("\0", 1)[0]
    return text or None


def _children(blob: bytes, parent: _Block) -> Iterator[_Block]:
    position = parent.children_start
    while position + 6 <= parent.end:
        if blob[position : position + 2] == b"\0\0":
            return  # zero padding after the last child, written by some linkers
        child = _block(blob, position, parent.end)
        yield child
        position = _align4(child.end)


def _block(blob: bytes, start: int, limit: int) -> _Block:
    length, value_length, _type = struct.unpack_from("<3H", blob, start)
    end = start + length
    if length < 6 or end > limit:
        raise Unreadable(f"version block at +0x{start:x} (length {length}) runs past its parent")
    key, after_key = _read_key(blob, start + 6, end)
    value_start = _align4(after_key)
    # Only binary values (VS_FIXEDFILEINFO) precede children, and they count bytes; text
    # values count WCHARs but belong to String blocks, whose children are never read.
    children_start = min(_align4(value_start + value_length), end)
    return _Block(key, min(value_start, end), value_length, children_start, end)


def _read_key(blob: bytes, start: int, end: int) -> tuple[str, int]:
    for position in range(start, end - 1, 2):
        if blob[position : position + 2] == b"\0\0":
            return blob[start:position].decode("utf-16-le", errors="replace"), position + 2
    raise Unreadable(f"version block key at +0x{start:x} has no terminating NUL")


def _align4(offset: int) -> int:
    return (offset + 3) & ~3
