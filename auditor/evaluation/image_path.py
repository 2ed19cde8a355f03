"""Which folder the MTA runs from, from the service's ImagePath, as a test on evidence paths."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from auditor.service_path import DRIVE, binary_of

__all__ = ["DEFAULT_FOLDER", "MtaFolder", "mta_folder"]

_MIRROR = re.compile(r"[A-Za-z]\$?")


@dataclass(frozen=True)
class MtaFolder:
    """A folder on the server, matched against evidence paths like ``C$/exchsrvr/bin/x``."""

    drive: str | None
    """The lower-case drive letter, or None when only the path's tail is known."""
    parts: tuple[str, ...]
    """The folder's components, case-folded."""

    def holds(self, evidence_path: str) -> bool:
        """True when the evidence file lies directly in this folder."""
        # Judged once per folder: a fleet's copies lie in a handful of folders, and
        # splitting and case-folding every path again was most of judging a server's files.
        return _holds(self.drive, self.parts, evidence_path[: evidence_path.rfind("/") + 1])

    def certainly_holds(self, evidence_path: str) -> bool:
        """True when the evidence file lies directly in this folder, and the folder's place
        is known: on its drive, or, where only its tail is known, directly below a drive's
        root. A product line read from such a copy is the MTA's; ``...\\exchsrvr\\bin``
        would also match a backup at ``D:\\backup\\exchsrvr\\bin``."""
        directory = evidence_path[: evidence_path.rfind("/") + 1]
        return _holds(self.drive, self.parts, directory, anchored=True)

    def __str__(self) -> str:
        path = "\\".join(self.parts)
        return f"{self.drive.upper()}:\\{path}" if self.drive else f"...\\{path}"


@lru_cache(maxsize=4096)
def _holds(
    drive: str | None, folder: tuple[str, ...], directory: str, *, anchored: bool = False
) -> bool:
    """``directory`` (an evidence path up to and with its last slash) is the folder; with
    ``anchored``, a folder known by its tail only must lie directly below a drive's root."""
    parts = tuple(part.casefold() for part in directory.split("/")[:-1])
    mirror = parts[0] if parts and _MIRROR.fullmatch(parts[0]) else None
    below_drive = parts[1:] if mirror else parts
    if drive is not None:
        return mirror is not None and mirror[0] == drive and below_drive == folder
    if anchored:
        return mirror is not None and below_drive == folder
    tail = below_drive[len(below_drive) - len(folder) :]
    return len(below_drive) >= len(folder) and tail == folder


DEFAULT_FOLDER = MtaFolder(None, ("exchsrvr", "bin"))
"""Where Exchange 5.5 puts the MTA when the evidence has no ImagePath."""


def mta_folder(image_path: str | None) -> MtaFolder:
    """The folder of the binary an ImagePath names.

    An ImagePath may be quoted, carry arguments, start with ``\\??\\``, or hold variables
    such as ``%SystemRoot%\\..\\exchsrvr\\bin\\emsmta.exe``; where the drive or a variable
    cannot be resolved, only the tail after it is kept.
    """
    binary = binary_of(image_path or "")
    parts = [part for part in re.split(r"[\\/]+", binary) if part]
    if len(parts) < 2:
        return DEFAULT_FOLDER
    folder = parts[:-1]
    drive = None
    if DRIVE.fullmatch(folder[0]):
        drive = folder[0][0].casefold()
        folder = folder[1:]
    unresolved = [i for i, part in enumerate(folder) if "%" in part or part in (".", "..")]
    if unresolved:
        drive = None
        folder = folder[unresolved[-1] + 1 :]
    if not folder:
        return DEFAULT_FOLDER
    return MtaFolder(drive, tuple(part.casefold() for part in folder))
