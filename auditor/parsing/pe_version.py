"""The version resource of a PE file (exe/dll), read a few byte ranges at a time.

Over SMB every read is a round trip, and Emsmta.exe is 1.5 MB with its resources at the
end, so this module never reads a whole file: it reads the headers, follows the resource
tree along RT_VERSION only, and reads the VS_VERSIONINFO blob (parsed in version_info).
It reads what GetFileVersionInfo reads: RT_VERSION ID 1 only, in the language the loader
picks (see _ResourceTree and _LANGUAGE_ORDER). All of it is parsed here
with struct: pefile wants the whole image in memory for the resource walk, and even its
fast_load of the headers alone cost 300 us a file, more than the rest of the read (the
fields kept are few, and pefile's section and alignment rules are followed for them).
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path

from auditor.errors import ParseError
from auditor.parsing.ranges import RangeReader, ReadAt, Unreadable
from auditor.parsing.version_info import parse_version_info
from auditor.versions import Version

__all__ = ["PeVersion", "ReadAt", "read_pe_version", "read_pe_version_from_path"]

# One read covers the DOS header, PE header and a section table of ~15 sections at the
# usual e_lfanew (0x80-0x118); odder files cost one more read.
_HEADER_READ = 1024
# A resource section this small is fetched whole: one round trip instead of four or five.
_SMALL_RESOURCES = 1024
# Read-ahead for a resource directory: its header and about 30 entries.
_DIRECTORY_READ = 256
_MAX_ENTRIES = 512
# wLength is a WORD, so no VS_VERSIONINFO is longer, whatever the data entry claims.
_MAX_VERSION_INFO = 0xFFFF

# Linkers put e_lfanew at 0x80-0x200 and the section table within the first 4 KiB. Headers
# are read from offset 0 in one piece, so a hostile e_lfanew near the end of a 2 GB file
# would otherwise make that piece 2 GB.
_MAX_HEADERS = 64 * 1024
_RT_VERSION = 16
_VS_VERSION_INFO = 1
# FindResource asks for MAKELANGID(LANG_NEUTRAL, SUBLANG_NEUTRAL) = 0, which the loader
# tries as: 1-3. neutral (0x0000); 4-8. the thread's, user's and system's locale, each
# also with a neutral sublanguage; 9. English (US), 0x0409; 10. the first entry with data.
# Sources: Microsoft's FindResourceEx ("the current language associated with the calling
# thread is used"), SetThreadLocale (which "affects ... FindResource"), and the full order
# in Wine's ntdll find_entry. The auditor cannot see a server's locale; it takes English
# (US), the locale of the Exchange 5.5 servers this audit is written for, so steps 4-8
# are 0x0409 and 0x0009. On a server with another locale, a file whose ID 1 holds several
# languages and no neutral one may report another language's version there.
_LANGUAGE_ORDER = (0x0000, 0x0409, 0x0009)
_SUBDIRECTORY = 0x80000000
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
    """VS_FIXEDFILEINFO FileVersionMS/LS, the authoritative version; None for 0.0.0.0 and
    when the blob holds no fixed info (wValueLength 0, or no 0xFEEF04BD signature)."""
    string: str | None
    """FileVersion of the first StringFileInfo table, cut at its NUL; None if absent, empty,
    or not in the usual UTF-16 layout. Recorded to flag disagreements; never used to judge."""
    bytes_read: int
    """Total bytes that read_at returned."""
    reads: int
    """Number of read_at calls: round trips over SMB."""
    other_languages: tuple[tuple[int, Version | None], ...] = ()
    """(language ID, fixed version) of the other language entries under ID 1 when none is
    neutral: which one Windows reports then depends on the server's locale (``fixed`` is
    the English (US) server's)."""

    @property
    def lowest(self) -> Version | None:
        """The lowest fixed version any locale would report; None when one reports none."""
        versions = [self.fixed, *(version for _, version in self.other_languages)]
        if any(version is None for version in versions):
            return None
        return min(version for version in versions if version is not None)


def read_pe_version(read_at: ReadAt, size: int, origin: str) -> PeVersion:
    """Read the version resource of the PE file of ``size`` bytes behind ``read_at``.

    ``origin`` (a path or server-qualified name) starts every error message. Raise
    ParseError for anything that is not a PE file with a version resource Windows reads:
    one whose only version resource has another ID than 1 has none, for Windows as here.
    Errors raised by ``read_at`` itself (OSError and the like) pass through untouched:
    they are evidence problems, not format problems.
    """
    reader = RangeReader(read_at, size)
    try:
        headers, picked, others = _version_entries(reader)
        fixed, string = parse_version_info(_version_info_blob(reader, headers, picked))
        other_languages = tuple(
            (language, parse_version_info(_version_info_blob(reader, headers, entry))[0])
            for language, entry in others
        )
    except Unreadable as exc:
        raise ParseError(f"{origin}: {exc}") from None
    except (struct.error, IndexError, ValueError) as exc:
        raise ParseError(f"{origin}: malformed PE file: {exc}") from exc
    return PeVersion(fixed, string, reader.bytes_read, reader.reads, other_languages)


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


_Entry = tuple[int, int]
"""A resource data entry: the RVA and size of its data."""


def _version_entries(
    reader: RangeReader,
) -> tuple[_Headers, _Entry, list[tuple[int, _Entry]]]:
    """The headers, the entry the loader picks, and the other languages' entries where the
    pick depends on the server's locale."""
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
    return headers, *tree.version_data_entries()


def _version_info_blob(reader: RangeReader, headers: _Headers, entry: _Entry) -> bytes:
    data_rva, data_size = entry
    offset, data_end = _map_rva(headers, data_rva, "version resource")
    length = min(data_size, _MAX_VERSION_INFO)
    if length < 6:
        raise Unreadable(f"version resource is {data_size} bytes, too short for VS_VERSIONINFO")
    if offset + length > min(data_end, reader.size):
        raise Unreadable(f"version resource at 0x{offset:x} ({data_size} bytes) runs past its data")
    return reader.fetch(offset, length, what="version resource")


class _ResourceTree:
    """The resource tree of one file, walked as the loader walks it for GetFileVersionInfo.

    GetFileVersionInfo calls FindResource(module, MAKEINTRESOURCE(VS_VERSION_INFO = 1),
    RT_VERSION): exactly three levels (type, name, language), IDs found by binary search
    over the ID entries, a directory wanted at the first two levels and data at the last.
    Another ID (2, or a named entry) is invisible to Windows, and so to OVAL and osquery.
    """

    def __init__(self, reader: RangeReader, root: int, end: int) -> None:
        self._reader = reader
        self._root = root
        self._end = end
        self._visited: set[int] = set()

    def prefetch(self, size: int) -> None:
        self._reader.fetch(self._root, min(size, self._end - self._root), what="resource section")

    def version_data_entries(self) -> tuple[_Entry, list[tuple[int, _Entry]]]:
        """The data entry of RT_VERSION ID 1 in the English (US) loader's language, and,
        when no entry is language-neutral, every other language's: a loader in another
        locale picks its own language first."""
        types = self._directory(0)
        node = _find_id(types, _RT_VERSION)
        if node is None or not node & _SUBDIRECTORY:
            raise Unreadable("no version resource (no RT_VERSION in the resource directory)")
        names = self._directory(node & ~_SUBDIRECTORY)
        node = _find_id(names, _VS_VERSION_INFO)
        if node is None or not node & _SUBDIRECTORY:
            raise Unreadable(
                "no version resource that Windows reads: RT_VERSION has "
                f"{_describe(names)} but no directory with ID 1, the only one "
                "GetFileVersionInfo looks up"
            )
        languages = self._directory(node & ~_SUBDIRECTORY)
        node = _pick_language(languages)
        if node is None:
            raise Unreadable(
                "no version resource that Windows reads: RT_VERSION ID 1 has no language "
                "entry with data"
            )
        picked = self._entry(node)
        if _find_id(languages, 0) is not None:
            return picked, []
        others = [
            (name & 0xFFFF, self._entry(target))
            for name, target in languages.ids
            if target != node and not target & _SUBDIRECTORY
        ]
        return picked, others

    def _entry(self, node: int) -> _Entry:
        data_rva, data_size = struct.unpack("<II", self._read(node, 8, 0))
        return data_rva, data_size

    def _directory(self, relative: int) -> _Directory:
        if relative in self._visited:
            raise Unreadable(f"loop in the resource tree at +0x{relative:x}")
        self._visited.add(relative)
        header = self._read(relative, 16, _DIRECTORY_READ)
        named, ids = struct.unpack_from("<HH", header, 12)
        if named + ids > _MAX_ENTRIES:
            raise Unreadable(f"resource directory at +0x{relative:x} has {named + ids} entries")
        raw = self._read(relative + 16, 8 * (named + ids), 0)
        return _Directory(named, tuple(struct.iter_unpack("<II", raw)))

    def _read(self, relative: int, length: int, window: int) -> bytes:
        offset = self._root + relative
        if offset + length > self._end:
            raise Unreadable(
                f"resource tree entry at +0x{relative:x} runs past the resource data, "
                f"which ends at 0x{self._end:x} (end of section or file)"
            )
        return self._reader.fetch(offset, length, window=window, limit=self._end)


@dataclass(frozen=True)
class _Directory:
    """One resource directory: its named entries come first, then its ID entries."""

    named: int
    entries: tuple[tuple[int, int], ...]
    """(Name, OffsetToData) pairs in file order."""

    @property
    def ids(self) -> tuple[tuple[int, int], ...]:
        return self.entries[self.named :]


def _find_id(directory: _Directory, wanted: int) -> int | None:
    """The loader's binary search over the ID entries (Wine's find_entry_by_id, after
    ntdll): on an unsorted directory it misses what a linear scan would find, as Windows
    does. Only the low WORD of Name is the ID."""
    ids = directory.ids
    low, high = 0, len(ids) - 1
    while low <= high:
        middle = (low + high) // 2
        name, target = ids[middle]
        if name & 0xFFFF == wanted:
            return target
        if name & 0xFFFF > wanted:
            high = middle - 1
        else:
            low = middle + 1
    return None


def _pick_language(languages: _Directory) -> int | None:
    """The language FindResource(..., LANG_NEUTRAL) picks: see _LANGUAGE_ORDER."""
    for language in _LANGUAGE_ORDER:
        target = _find_id(languages, language)
        if target is not None and not target & _SUBDIRECTORY:  # a directory is no match
            return target
    # Otherwise the first entry, named or not, that holds data (find_first_entry).
    return next((t for _, t in languages.entries if not t & _SUBDIRECTORY), None)


def _describe(names: _Directory) -> str:
    ids = [str(name & 0xFFFF) for name, _ in names.ids]
    parts = [f"ID {', '.join(ids)}"] if ids else []
    if names.named:
        parts.append(f"{names.named} named entr{'y' if names.named == 1 else 'ies'}")
    return " and ".join(parts) or "no entries"
