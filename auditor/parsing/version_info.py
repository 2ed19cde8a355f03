"""VS_VERSIONINFO, the blob of a version resource, read the way Windows reads it.

The fixed info (VS_FIXEDFILEINFO) is found by its signature 0xFEEF04BD after the root's
key, whatever the key's text and encoding: pywin32 228 stamped its modules with 8-bit
keys, and Windows still reports their version. Its own reader (VerQueryValue, "\\")
places the value after the key read as UTF-16, which for an 8-bit "VS_VERSION_INFO" and
its zero padding lands on the same DWORD; a 16-bit style block (no wType) puts it four
bytes earlier. Both lie between the header and that UTF-16 reading, where the search runs.

The FileVersion string is read from the usual UTF-16 layout only; for any other it is
None, never an error, since the string never decides a verdict.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

from auditor.parsing.ranges import Unreadable
from auditor.versions import Version

__all__ = ["parse_version_info"]

_HEADER = 6  # wLength, wValueLength, wType
_ROOT_KEY_UTF16 = "VS_VERSION_INFO\0".encode("utf-16-le")
_FIXED_SIGNATURE = 0xFEEF04BD
_FIXED_SIZE = 52


def parse_version_info(blob: bytes) -> tuple[Version | None, str | None]:
    """Return the fixed FileVersion (None when absent or 0.0.0.0) and the FileVersion text.

    Raise Unreadable when the blob's own lengths contradict it.
    """
    if len(blob) < _HEADER:
        raise Unreadable(f"version resource is {len(blob)} bytes, too short for VS_VERSIONINFO")
    length, value_length = struct.unpack_from("<HH", blob, 0)
    if length > len(blob):
        raise Unreadable(f"VS_VERSIONINFO length {length} runs past its data ({len(blob)} bytes)")
    if length < _HEADER:
        raise Unreadable(f"VS_VERSIONINFO length {length} is shorter than its header")
    fixed_at = _find_fixed(blob[:length], value_length)
    fixed = None
    if fixed_at is not None:
        ms, ls = struct.unpack_from("<II", blob, fixed_at + 8)
        version = Version.from_ms_ls(ms, ls)
        fixed = None if version.is_zero else version
    return fixed, _string_version(blob, length)


def _find_fixed(blob: bytes, value_length: int) -> int | None:
    """Offset of VS_FIXEDFILEINFO: its signature on a DWORD boundary after the header."""
    if value_length == 0:
        return None  # VerQueryValue gives no fixed info: a version resource without one
    if value_length < _FIXED_SIZE:
        raise Unreadable(f"VS_FIXEDFILEINFO is {value_length} bytes, not {_FIXED_SIZE}")
    last = min(_utf16_value_start(blob), len(blob) - _FIXED_SIZE)
    for position in range(_align4(_HEADER), last + 1, 4):
        if struct.unpack_from("<I", blob, position)[0] == _FIXED_SIGNATURE:
            return position
    return None


def _utf16_value_start(blob: bytes) -> int:
    """Where VerQueryValue's 32-bit reader puts the root's value: after a UTF-16 key."""
    for position in range(_HEADER, len(blob) - 1, 2):
        if blob[position : position + 2] == b"\0\0":
            return _align4(position + 2)
    return len(blob)


# --- StringFileInfo --------------------------------------------------------------------


@dataclass(frozen=True)
class _Block:
    """One node of VS_VERSIONINFO: wLength, wValueLength, wType, szKey, Value, Children."""

    key: str
    value_start: int
    children_start: int
    end: int


def _string_version(blob: bytes, length: int) -> str | None:
    if blob[_HEADER : _HEADER + len(_ROOT_KEY_UTF16)] != _ROOT_KEY_UTF16:
        return None  # not the UTF-16 layout: an 8-bit key, say
    root = _block(blob, 0, length)
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
    while position + _HEADER <= parent.end:
        if blob[position : position + 2] == b"\0\0":
            return  # zero padding after the last child, written by some linkers
        child = _block(blob, position, parent.end)
        yield child
        position = _align4(child.end)


def _block(blob: bytes, start: int, limit: int) -> _Block:
    length, value_length = struct.unpack_from("<HH", blob, start)
    end = start + length
    if length < _HEADER or end > limit:
        raise Unreadable(f"version block at +0x{start:x} (length {length}) runs past its parent")
    key, after_key = _read_key(blob, start + _HEADER, end)
    value_start = _align4(after_key)
    # Only binary values (VS_FIXEDFILEINFO) precede children, and they count bytes; text
    # values count WCHARs but belong to String blocks, whose children are never read.
    children_start = min(_align4(value_start + value_length), end)
    return _Block(key, min(value_start, end), children_start, end)


def _read_key(blob: bytes, start: int, end: int) -> tuple[str, int]:
    for position in range(start, end - 1, 2):
        if blob[position : position + 2] == b"\0\0":
            return blob[start:position].decode("utf-16-le", errors="replace"), position + 2
    raise Unreadable(f"version block key at +0x{start:x} has no terminating NUL")


def _align4(offset: int) -> int:
    return (offset + 3) & ~3
