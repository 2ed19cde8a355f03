"""A fleet folder: one entry per server, plus the optional connectors inventory."""

from __future__ import annotations

from pathlib import Path

from auditor.errors import EvidenceError
from auditor.evidence.folder import FolderSource
from auditor.evidence.interface import EvidenceSource, UnsupportedSource, display_name

__all__ = ["CONNECTORS_FILE", "discover_fleet"]

CONNECTORS_FILE = "connectors.csv"


def discover_fleet(fleet_dir: Path) -> list[EvidenceSource]:
    """A source per server, sorted by name. Raise EvidenceError if the fleet is unreadable.

    A zipped bundle is listed as a server too, so that it is reported even where this
    version cannot open it.
    """
    try:
        entries = sorted(fleet_dir.iterdir(), key=lambda entry: entry.name.casefold())
    except OSError as error:
        raise EvidenceError(f"{fleet_dir}: cannot list the fleet: {error.strerror}") from error
    sources: list[EvidenceSource] = []
    for entry in entries:
        if entry.name.startswith("."):
            continue
        name, location = display_name(entry.name), display_name(str(entry))
        if entry.is_symlink() and entry.is_dir():
            reason = "a link to a folder; not followed (evidence must lie inside the fleet)"
            sources.append(UnsupportedSource(name, location, reason))
        elif entry.is_dir():
            sources.append(FolderSource(entry))
        elif entry.suffix.casefold() == ".zip":
            reason = "zipped evidence bundles are not supported by this version; unzip it"
            sources.append(UnsupportedSource(display_name(entry.stem), location, reason))
    return sources
