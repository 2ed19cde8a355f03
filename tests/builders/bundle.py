"""Zip bundles, made with the standard zipfile writer, and header surgery done by offset.

The surgery reads the zip format's fixed fields itself (APPNOTE 4.3.7 and 4.3.12) rather
than through zipfile, so that it can write what zipfile would refuse to: lying sizes,
encryption flags without encryption, overlapping members.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

LOCAL = b"PK\x03\x04"
CENTRAL = b"PK\x01\x02"
# Field -> (offset in a local header or None, offset in a central header, struct format).
FIELDS = {
    "flags": (6, 8, "<H"),
    "method": (8, 10, "<H"),
    "compressed_size": (18, 20, "<I"),
    "size": (22, 24, "<I"),
    "header_offset": (None, 42, "<I"),
}


def zip_folder(
    folder: Path, target: Path, *, top: str | None = None, method: int = zipfile.ZIP_DEFLATED
) -> Path:
    """Every file under ``folder``, optionally below one top folder named ``top``."""
    with zipfile.ZipFile(target, "w", compression=method) as bundle:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                relative = path.relative_to(folder).as_posix()
                bundle.write(path, f"{top}/{relative}" if top else relative)
    return target


def zip_members(
    target: Path, members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED
) -> Path:
    with zipfile.ZipFile(target, "w", compression=method) as bundle:
        for name, data in members.items():
            bundle.writestr(name, data)
    return target


def patch(data: bytes, member: str, field: str, value: int) -> bytes:
    """Set a header field of ``member`` in its local and central headers."""
    local_at, central_at, fmt = FIELDS[field]
    out = bytearray(data)
    name = member.encode()
    for signature, field_at in ((LOCAL, local_at), (CENTRAL, central_at)):
        if field_at is None:
            continue
        for start in _headers(out, signature, name):
            struct.pack_into(fmt, out, start + field_at, value)
    return bytes(out)


def read_field(data: bytes, member: str, field: str) -> int:
    """A field of ``member``'s central header."""
    _, central_at, fmt = FIELDS[field]
    for start in _headers(data, CENTRAL, member.encode()):
        return int(struct.unpack_from(fmt, data, start + central_at)[0])
    raise KeyError(member)


def _headers(data: bytes | bytearray, signature: bytes, name: bytes) -> list[int]:
    """Offsets of the headers with this signature that name exactly this member."""
    name_length_at, name_at = (26, 30) if signature == LOCAL else (28, 46)
    found = []
    start = data.find(signature)
    while start >= 0:
        (length,) = struct.unpack_from("<H", data, start + name_length_at)
        if data[start + name_at : start + name_at + length] == name:
            found.append(start)
        start = data.find(signature, start + 1)
    return found
