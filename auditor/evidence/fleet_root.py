"""Entries of a fleet folder that are not servers: a bundle we cannot open, or a stray file.

Nothing at the fleet's root vanishes in silence. A bundle in a container other than zip
(``EXCH01.7z``, ``EXCH01.tar.gz``, a split ``EXCH01.zip.001``, ``EXCH01.zip `` whose name
ends in a space) is a server whose evidence cannot be read; anything else is named in a note.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from auditor.evidence.interface import display_name

__all__ = ["KNOWN_FILES", "bundle_of", "stray_note"]

KNOWN_FILES = frozenset({"connectors.csv", "waivers.toml"})
"""Files of the fleet's root that the audit reads (case-insensitive)."""

_CONTAINERS = (
    (re.compile(r"(.+)\.zip\.\d+", re.IGNORECASE), "one volume of a split zip"),
    (re.compile(r"(.+)\.z\d\d", re.IGNORECASE), "one volume of a split zip"),
    (re.compile(r"(.+)\.7z(?:\.\d+)?", re.IGNORECASE), "a 7-Zip archive"),
    (re.compile(r"(.+)\.rar", re.IGNORECASE), "a RAR archive"),
    (re.compile(r"(.+)\.(?:tar(?:\.(?:gz|bz2|xz|zst))?|tgz|tbz2?|txz)", re.IGNORECASE), "a tar"),
    (re.compile(r"(.+)\.(?:gz|bz2|xz|zst)", re.IGNORECASE), "a compressed file"),
    (re.compile(r"(.+)\.cab", re.IGNORECASE), "a cabinet file"),
    (re.compile(r"(.+)\.zipx", re.IGNORECASE), "a WinZip .zipx archive"),
    # Windows drops trailing spaces and dots from a name; Linux keeps them, so the
    # suffix is no longer .zip.
    (re.compile(r"(.+)\.zip[ .]+", re.IGNORECASE), "a .zip whose name ends in a space or dot"),
)


def bundle_of(entry: Path) -> tuple[str, str] | None:
    """(server, reason) for a file that looks like a server's bundle in a container we do
    not read; None for anything else."""
    for pattern, what in _CONTAINERS:
        match = pattern.fullmatch(entry.name)
        if match:
            server = display_name(match.group(1))
            return server, f"not a zip: {what}; unpack it into a folder, or zip it, to audit it"
    return None


def stray_note(fleet_dir: Path, strays: Iterable[Path], known: Iterable[Path] = ()) -> str | None:
    """One note naming the root entries that are neither a server nor a file we read."""
    expected = {path.resolve() for path in known}
    names = [
        display_name(entry.name)
        for entry in strays
        if entry.name.casefold() not in KNOWN_FILES and entry.resolve() not in expected
    ]
    if not names:
        return None
    shown = ", ".join(repr(name) for name in names[:20])
    more = f" and {len(names) - 20} more" if len(names) > 20 else ""
    return f"{fleet_dir}: not a server, not read: {shown}{more}"
