"""Where the MTA's files are on a live server: the admin share and folder of its ImagePath."""

from __future__ import annotations

import re

from auditor.evidence.regexport import RawKey
from auditor.service_path import DRIVE, binary_of

__all__ = ["DEFAULT_FOLDER", "DEFAULT_SHARE", "SYSTEM_ROOT", "image_path_of", "mta_share_folder"]

DEFAULT_SHARE, DEFAULT_FOLDER = "C$", ("exchsrvr", "bin")
SYSTEM_ROOT = re.compile(r"%systemroot%|%windir%|^\\systemroot(?=\\)", re.IGNORECASE)
"""The spellings of the Windows folder an ImagePath may start with."""


def image_path_of(keys: list[RawKey], service: str) -> str | None:
    """The service's ImagePath among the keys read, or None."""
    suffix = f"\\services\\{service}".casefold()
    for key in keys:
        if not key.path.casefold().endswith(suffix):
            continue
        for value in key.values:
            if value.name.casefold() == "imagepath" and value.type_code in (1, 2):
                data = value.data[: len(value.data) // 2 * 2]
                return data.decode("utf-16-le", errors="replace").rstrip("\0")
    return None


def mta_share_folder(
    image_path: str | None, system_root: str | None
) -> tuple[str, tuple[str, ...], str | None]:
    """The admin share and folder of the binary an ImagePath names, and a problem if the
    ImagePath could not be followed (the default ``C$\\exchsrvr\\bin`` is used then)."""
    if image_path is None:
        return DEFAULT_SHARE, DEFAULT_FOLDER, None
    binary = binary_of(image_path)
    if system_root:
        binary = SYSTEM_ROOT.sub(lambda _: system_root, binary)
    parts = [part for part in re.split(r"[\\/]+", binary) if part]
    folder: list[str] = []
    for part in parts[1:-1]:
        if part == "..":
            if folder:
                folder.pop()
        elif part != ".":
            folder.append(part)
    if len(parts) < 2 or not DRIVE.fullmatch(parts[0]) or any("%" in p for p in folder):
        default = "\\".join((DEFAULT_SHARE, *DEFAULT_FOLDER))
        problem = f"cannot follow the MTA's ImagePath {image_path!r} to a drive; read {default}"
        return DEFAULT_SHARE, DEFAULT_FOLDER, problem
    return f"{parts[0][0].upper()}$", tuple(folder), None
