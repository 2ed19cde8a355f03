"""A fleet folder: one entry per server, plus the optional connectors inventory."""

from __future__ import annotations

import re
from pathlib import Path

from auditor.errors import EvidenceError
from auditor.evidence.fleet_root import bundle_of
from auditor.evidence.folder import FolderSource
from auditor.evidence.interface import EvidenceSource, UnsupportedSource, display_name
from auditor.evidence.zip import ZipSource
from auditor.names import server_name

__all__ = ["CONNECTORS_FILE", "NotAFleet", "discover_fleet", "stray_entries"]

CONNECTORS_FILE = "connectors.csv"
# What a server's own evidence holds at its top: a drive mirror (C$, C, D$...) and registry/.
_SERVER_LAYOUT = re.compile(r"[A-Za-z]\$|C|registry", re.IGNORECASE)


class NotAFleet(EvidenceError):
    """The folder named as the fleet cannot be one: it holds no server, or it is one
    server's evidence. The caller's mistake, found before any server is read."""


def discover_fleet(fleet_dir: Path) -> list[EvidenceSource]:
    """A source per server, sorted by name. Raise EvidenceError if the fleet is unreadable.

    A server is a folder or a ``.zip`` bundle; links are reported, not followed. Two
    entries for one server (``EXCH01/`` and ``EXCH01.zip``, or names that differ only in
    case) are one server that is not read: which copy is the evidence is not ours to guess.
    """
    try:
        entries = sorted(fleet_dir.iterdir(), key=lambda entry: entry.name.casefold())
    except OSError as error:
        raise EvidenceError(f"{fleet_dir}: cannot list the fleet: {error.strerror}") from error
    _refuse_one_server(fleet_dir, entries)
    sources: list[EvidenceSource] = []
    for entry in entries:
        if entry.name.startswith("."):
            continue
        bundle = None if entry.is_dir() else bundle_of(entry)
        if bundle is not None:
            sources.append(UnsupportedSource(bundle[0], display_name(str(entry)), bundle[1]))
            continue
        name, location = display_name(entry.name), display_name(str(entry))
        is_zip = entry.suffix.casefold() == ".zip" and not entry.is_dir()
        if entry.is_symlink() and (entry.is_dir() or is_zip):
            kind = "a folder" if entry.is_dir() else "a zip"
            reason = f"a link to {kind}; not followed (evidence must lie inside the fleet)"
            server = name if entry.is_dir() else display_name(entry.stem)
            sources.append(UnsupportedSource(server, location, reason))
        elif entry.is_dir():
            sources.append(FolderSource(entry))
        elif is_zip:
            sources.append(ZipSource(entry))
    return _one_per_server(sources)


def stray_entries(fleet_dir: Path) -> list[Path]:
    """The root entries ``discover_fleet`` takes for no server, in its order."""
    try:
        entries = sorted(fleet_dir.iterdir(), key=lambda entry: entry.name.casefold())
    except OSError:
        return []  # discover_fleet has said why
    return [
        entry
        for entry in entries
        if entry.name.startswith(".")
        or not (entry.is_dir() or entry.suffix.casefold() == ".zip" or bundle_of(entry))
    ]


def _refuse_one_server(fleet_dir: Path, entries: list[Path]) -> None:
    """Scanning a server's own folder would audit C$ and registry as two servers.

    A server may be named C: its folder then holds a drive mirror or registry/ itself,
    which a drive mirror or a registry folder does not.
    """
    held = [
        entry.name
        for entry in entries
        if _SERVER_LAYOUT.fullmatch(entry.name)
        and entry.is_dir()
        and not entry.is_symlink()
        and not _holds_server_layout(entry)
    ]
    if held:
        raise NotAFleet(
            f"{fleet_dir}: looks like one server's evidence (it holds "
            f"{', '.join(name + '/' for name in held)} directly), not a fleet: name the folder "
            "that holds one folder or .zip per server, e.g. its parent"
        )


def _holds_server_layout(folder: Path) -> bool:
    try:
        return any(
            _SERVER_LAYOUT.fullmatch(child.name) and child.is_dir() for child in folder.iterdir()
        )
    except OSError:
        return False  # unreadable: not evidently a server's folder


def _one_per_server(sources: list[EvidenceSource]) -> list[EvidenceSource]:
    groups: dict[str, list[EvidenceSource]] = {}
    for source in sources:
        source.server = server_name(source.server)  # shown and matched as names.py says
        groups.setdefault(source.server.casefold(), []).append(source)
    single: list[EvidenceSource] = []
    for group in groups.values():
        first = group[0]
        if len(group) == 1:
            single.append(first)
            continue
        others = ", ".join(source.location for source in group[1:])
        reason = f"the fleet holds this server's evidence twice, also at {others}; keep one"
        single.append(UnsupportedSource(first.server, first.location, reason))
    return single
