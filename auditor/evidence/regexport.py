"""Registry values read live, written as a regedit export (version 5.00, UTF-16LE).

The evidence layer keeps registry values as the server sent them: a type code and raw bytes.
Written as ``Windows Registry Editor Version 5.00``, whose hex(N) payloads are UTF-16LE just
as the registry stores them, the bytes pass through unchanged, and the export reads back
through the same .reg parser as a file an administrator exported by hand.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

LIVE_EXPORT = "registry/live.reg"
"""Where a live read's export sits in a server's evidence (and in a saved copy of it). It
holds only the values the audit asked for, so a value missing from one of its keys is not
in the evidence, not absent from the server."""

LIVE_KEY_TIMES = "registry/live-key-times.txt"
"""Beside the export, the last-write times a live read got for the MTA's connector keys
(a .reg file has no place for them): one line per key, its full path, a TAB, and the time
in ISO 8601 UTC. The restart warning compares them with the 9301 events."""

__all__ = ["LIVE_EXPORT", "LIVE_KEY_TIMES", "RawKey", "RawValue", "write_export", "write_key_times"]

_HEADER = "Windows Registry Editor Version 5.00"
_REG_SZ, _REG_BINARY, _REG_DWORD = 1, 3, 4
_LAST_KNOWN_TYPE = 11  # REG_QWORD; .reg readers refuse higher codes
_HEX_WIDTH = 77  # where regedit breaks hex data onto a continuation line


@dataclass(frozen=True)
class RawValue:
    """One value as the registry holds it."""

    name: str
    """"" for the key's default value."""
    type_code: int
    """REG_SZ = 1, REG_EXPAND_SZ = 2, REG_DWORD = 4, REG_MULTI_SZ = 7..."""
    data: bytes
    """The data as stored: strings UTF-16LE with their terminating NULs."""


@dataclass(frozen=True)
class RawKey:
    """A key and the values read from it (none: the key exists, its values were not needed)."""

    path: str
    """From the hive root: ``HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\X``."""
    values: tuple[RawValue, ...] = ()
    last_written: str | None = None
    """The key's last-write time, ISO 8601 UTC, where it was asked for and the server gave
    a plausible one; None otherwise."""


def write_export(keys: Iterable[RawKey]) -> bytes:
    """The keys in order, as regedit would export them: BOM, CRLF, one block per key."""
    lines = [_HEADER]
    for key in keys:
        if not _writable(key.path) or "\\\\" in key.path or key.path.endswith("\\"):
            lines += ["", f"; key {key.path!r} cannot be written to a .reg file; left out"]
            continue
        lines += ["", f"[{key.path}]"]
        lines += [_value_line(value) for value in key.values]
    lines.append("")
    return b"\xff\xfe" + ("\r\n".join(lines) + "\r\n").encode("utf-16-le", "surrogatepass")


def write_key_times(keys: Iterable[RawKey]) -> bytes:
    """The ``LIVE_KEY_TIMES`` file: UTF-8, a comment line, then one line per key whose time
    is known. A path that cannot sit on one line is left out, as the export leaves it out."""
    lines = ["; last-write times of registry keys read live (MS-RRP BaseRegQueryInfoKey)"]
    lines += [
        f"{key.path}\t{key.last_written}"
        for key in keys
        if key.last_written is not None and _writable(key.path) and "\t" not in key.path
    ]
    # A lone surrogate becomes "?": that path then names no connector, and its time is unknown.
    return ("\n".join(lines) + "\n").encode("utf-8", "replace")


def _value_line(value: RawValue) -> str:
    if not _writable(value.name):
        return f"; value {value.name!r} cannot be written to a .reg file; left out"
    if not 0 <= value.type_code <= _LAST_KNOWN_TYPE:
        return f"; value {value.name!r} has the unknown type {value.type_code:#x}; left out"
    name = "@" if value.name == "" else f'"{_escape(value.name)}"'
    data = value.data
    if value.type_code == _REG_SZ and (text := _plain_text(data)) is not None:
        return f'{name}="{_escape(text)}"'
    if value.type_code == _REG_DWORD and len(data) == 4:
        return f"{name}=dword:{int.from_bytes(data, 'little'):08x}"
    prefix = "hex:" if value.type_code == _REG_BINARY else f"hex({value.type_code:x}):"
    return _hex_line(f"{name}={prefix}", data)


def _plain_text(data: bytes) -> str | None:
    """The string a REG_SZ holds when a quoted string can say it exactly, else None."""
    if len(data) % 2:
        return None
    try:
        text = data.decode("utf-16-le").rstrip("\0")
    except UnicodeDecodeError:
        return None
    return text if _writable(text) and "\0" not in text else None


def _writable(text: str) -> bool:
    """A line-based format cannot hold line breaks; NUL is kept out of names as well."""
    return not any(ch in text for ch in "\r\n\0")


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _hex_line(head: str, data: bytes) -> str:
    parts = [head]
    width = len(head)
    for index, byte in enumerate(data):
        parts.append(f"{byte:02x}")
        if index == len(data) - 1:
            break
        parts.append(",")
        width += 3
        if width >= _HEX_WIDTH:
            parts.append("\\\r\n  ")
            width = 2
    return "".join(parts)
