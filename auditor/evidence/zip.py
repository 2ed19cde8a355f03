"""Evidence mailed in as a zip: ``SERVER.zip``, with a server folder's layout inside.

A bundle may hold the layout at its root (``C$/...``, ``registry/...``) or under one folder
named like the zip (``SERVER/C$/...``, as ``zip -r SERVER.zip SERVER`` makes it); that folder
is stripped. Backslashes count as separators, since Windows tools of the era wrote them.

A bundle is vetted from its central directory before any member is read. A hostile
structure (a member that would land outside the server folder, two members with the same
name, members that overlap, more members or more bytes than any server's evidence needs, a
compression bomb) rejects the whole bundle: it was not made by an honest collection, so
nothing in it is trusted, and the server is incomplete with the reason. A member that is
merely unreadable (encrypted, an unknown compression method, corrupt data) is a problem
with that member alone.
"""

from __future__ import annotations

import itertools
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from auditor.errors import EvidenceError
from auditor.evidence.interface import EvidenceFile, EvidenceSource, display_name

__all__ = [
    "MAX_MEMBERS",
    "MAX_MEMBER_SIZE",
    "MAX_RATIO",
    "MAX_TOTAL_SIZE",
    "ZipSource",
]

MAX_MEMBERS = 10_000
"""Far more members than any server's evidence has."""
MAX_TOTAL_SIZE = 1 << 30
"""Declared uncompressed bytes of the whole bundle."""
MAX_MEMBER_SIZE = 256 << 20
"""Declared uncompressed bytes of one member: the largest evidence file is a SYSTEM hive."""
MAX_RATIO = 200
"""Uncompressed to compressed. Binaries and hives shrink 2 to 20 times; deflate can do 1030."""
RATIO_FLOOR = 1 << 20
"""Members smaller than this may have any ratio: a few zero pages harm nobody."""

_READABLE_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")
_LOCAL_SIGNATURE = b"PK\x03\x04"
_DRIVE = re.compile(r"[A-Za-z]:")
_ENCRYPTED = 0x1
_UTF8_NAME = 0x800
_READ_ERRORS = (
    zipfile.BadZipFile,
    OSError,
    EOFError,
    ValueError,
    RuntimeError,
    NotImplementedError,
    zlib.error,
)
"""What zipfile and its decompressors raise on corrupt or truncated data."""


class _HostileBundle(Exception):
    """The bundle's structure is not what an honest collection makes."""


@dataclass(frozen=True)
class _Member:
    path: str
    """Display path inside the server's evidence, the top folder stripped."""
    info: zipfile.ZipInfo


class ZipSource(EvidenceSource):
    """A zipped server: its name is the zip's stem."""

    def __init__(self, path: Path, server: str | None = None) -> None:
        self.path = path
        self.server = server or display_name(path.stem)
        self.location = display_name(str(path))
        self._members: dict[str, zipfile.ZipInfo] | None = None
        self._bundle: zipfile.ZipFile | None = None
        self._raw: IO[bytes] | None = None
        self._member: tuple[str, IO[bytes]] | None = None
        """The compressed member last read, kept open so forward reads go on decompressing."""

    def list_files(self) -> tuple[list[EvidenceFile], list[str]]:
        self.close()
        self._members = {}
        try:
            with zipfile.ZipFile(self.path) as bundle:
                infos = bundle.infolist()
        except _READ_ERRORS as error:
            return [], [f"{self.location}: not a readable zip: {_why(error)}"]
        problems: list[str] = []
        try:
            members = _vet(infos, self.path.stem, problems)
        except _HostileBundle as error:
            return [], [f"{self.location}: {error}; the bundle is not read"]
        self._members = {member.path: member.info for member in members}
        files = [EvidenceFile(member.path, member.info.file_size) for member in members]
        return files, [f"{self.location}/{problem}" for problem in problems]

    def read_at(self, path: str, offset: int, length: int) -> bytes:
        where = f"{self.location}/{path}"
        if self._members is None:
            self.list_files()
        info = (self._members or {}).get(path)
        if info is None:
            raise EvidenceError(f"{where}: not in the bundle")
        _check_readable(info, where)
        if length <= 0 or offset >= info.file_size:
            return b""
        try:
            if info.compress_type == zipfile.ZIP_STORED:
                return self._read_stored(info, offset, min(length, info.file_size - offset))
            member = self._open_member(path, info)
            member.seek(offset)
            return member.read(length)
        except _READ_ERRORS as error:
            self._close_member()
            raise EvidenceError(f"{where}: cannot read from the bundle: {_why(error)}") from error

    def close(self) -> None:
        self._close_member()
        for handle in (self._bundle, self._raw):
            if handle is not None:
                handle.close()
        self._bundle = self._raw = None

    def _read_stored(self, info: zipfile.ZipInfo, offset: int, length: int) -> bytes:
        """A stored member is its bytes: seek to them instead of reading up to them."""
        if self._raw is None:
            self._raw = self.path.open("rb")
        self._raw.seek(info.header_offset)
        header = self._raw.read(_LOCAL_HEADER.size)
        if len(header) < _LOCAL_HEADER.size or header[:4] != _LOCAL_SIGNATURE:
            raise zipfile.BadZipFile("bad local file header")
        *_, name_length, extra_length = _LOCAL_HEADER.unpack(header)
        self._raw.seek(
            info.header_offset + _LOCAL_HEADER.size + name_length + extra_length + offset
        )
        return self._raw.read(length)

    def _open_member(self, path: str, info: zipfile.ZipInfo) -> IO[bytes]:
        if self._member is not None and self._member[0] == path:
            return self._member[1]
        self._close_member()
        if self._bundle is None:
            self._bundle = zipfile.ZipFile(self.path)
        # zipfile stops a member at its declared size and checks the CRC at its end, so a
        # header that understates the size cannot make a read inflate more than declared.
        member = self._bundle.open(info)
        self._member = (path, member)
        return member

    def _close_member(self) -> None:
        if self._member is not None:
            self._member[1].close()
            self._member = None


def _vet(infos: list[zipfile.ZipInfo], stem: str, problems: list[str]) -> list[_Member]:
    """The bundle's files, or _HostileBundle naming the first sign of tampering."""
    if len(infos) > MAX_MEMBERS:
        raise _HostileBundle(f"more than {MAX_MEMBERS} members")
    total = sum(info.file_size for info in infos)
    if total > MAX_TOTAL_SIZE:
        raise _HostileBundle(f"{total} bytes uncompressed, more than {MAX_TOTAL_SIZE}")
    _check_overlaps(infos)
    named: list[tuple[list[str], zipfile.ZipInfo]] = []
    for info in infos:
        parts = _safe_parts(info)
        _check_sizes(info, "/".join(parts))
        if info.is_dir() or not parts:
            continue
        if _is_link(info):
            problems.append(f"{display_name('/'.join(parts))}: a link; not read")
            continue
        named.append((parts, info))
    if named and all(len(p) > 1 and p[0].casefold() == stem.casefold() for p, _ in named):
        named = [(parts[1:], info) for parts, info in named]
    members: list[_Member] = []
    seen: set[str] = set()
    for parts, info in named:
        path = display_name("/".join(parts))
        if path.casefold() in seen:
            raise _HostileBundle(f"{path}: two members with this name")
        seen.add(path.casefold())
        members.append(_Member(path, info))
    return members


def _safe_parts(info: zipfile.ZipInfo) -> list[str]:
    raw = info.orig_filename
    shown = display_name(raw)
    if "\0" in raw:
        raise _HostileBundle(f"{shown!r}: a member name with a NUL character")
    name = raw.replace("\\", "/")
    if name.startswith("/") or _DRIVE.match(name):
        raise _HostileBundle(f"{shown}: a member with an absolute path")
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise _HostileBundle(f"{shown}: a member that climbs out of its folder ('..')")
    return parts


def _check_sizes(info: zipfile.ZipInfo, name: str) -> None:
    if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
        raise _HostileBundle(f"{display_name(name)}: a stored member whose two sizes differ")
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > RATIO_FLOOR and ratio > MAX_RATIO:
        raise _HostileBundle(
            f"{display_name(name)}: a compression bomb "
            f"({info.file_size} bytes from {info.compress_size}, ratio over {MAX_RATIO})"
        )


def _check_overlaps(infos: Iterable[zipfile.ZipInfo]) -> None:
    """Members sharing compressed bytes are how a small zip inflates to petabytes."""
    ordered = sorted(infos, key=lambda info: info.header_offset)
    for current, following in itertools.pairwise(ordered):
        end = (
            current.header_offset
            + _LOCAL_HEADER.size
            + len(_name_bytes(current))
            + current.compress_size
        )
        if end > following.header_offset:
            raise _HostileBundle(
                f"{display_name(current.orig_filename)}: members overlap in the bundle"
            )


def _name_bytes(info: zipfile.ZipInfo) -> bytes:
    encoding = "utf-8" if info.flag_bits & _UTF8_NAME else "cp437"
    return info.orig_filename.encode(encoding, "surrogateescape")


def _is_link(info: zipfile.ZipInfo) -> bool:
    made_on_unix = info.create_system == 3
    return made_on_unix and stat.S_ISLNK(info.external_attr >> 16)


def _check_readable(info: zipfile.ZipInfo, where: str) -> None:
    if info.flag_bits & _ENCRYPTED:
        raise EvidenceError(f"{where}: encrypted in the bundle; send it unencrypted")
    if info.compress_type not in _READABLE_METHODS:
        raise EvidenceError(
            f"{where}: compression method {info.compress_type} is not supported; "
            "zip it again with deflate"
        )
    if info.file_size > MAX_MEMBER_SIZE:
        raise EvidenceError(f"{where}: larger than {MAX_MEMBER_SIZE} bytes")


def _why(error: BaseException) -> str:
    """The cause without the path, which the message already starts with."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__
