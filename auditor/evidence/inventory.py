"""The fleet inventory's rows as evidence sources: a folder, a zip, or a live connection.

Live collection is a seam: ``sources_from_inventory`` takes a factory that turns a row into
a source. Until a live source is built in, the default factory returns a source that says
so, and the row's server is reported incomplete with that reason.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from auditor.evidence.folder import FolderSource
from auditor.evidence.interface import EvidenceSource, UnsupportedSource, display_name
from auditor.evidence.zip import ZipSource

__all__ = [
    "FleetEntry",
    "FleetInventory",
    "LiveFactory",
    "no_live_collection",
    "sources_from_inventory",
]


@dataclass(frozen=True)
class FleetEntry:
    """One row of the fleet inventory: a server to audit and how to reach it."""

    server: str
    """The server's name, as the report shows it."""
    host: str
    """A DNS name or an address for live collection; may be empty when ``evidence`` is set."""
    port: int | None
    """The SMB port; None for the default."""
    site: str
    """Free text for the report, e.g. the Exchange site or the data centre."""
    owner: str
    """Free text for the report: who answers for the server."""
    evidence: Path | None
    """A folder or zip that replaces live collection, resolved against the inventory's folder."""
    origin: str
    """``fleet.csv:7``: the file and line, for messages."""
    problem: str | None = None
    """Why the row cannot be collected (a malformed port); a sentence that ``origin``
    precedes in messages."""


@dataclass(frozen=True)
class FleetInventory:
    """Every row of a fleet inventory file, in file order."""

    source: str
    """The inventory file's path."""
    entries: tuple[FleetEntry, ...]


LiveFactory = Callable[[FleetEntry], EvidenceSource]
"""Builds the live source of a row that names no evidence."""


def no_live_collection(entry: FleetEntry) -> EvidenceSource:
    """The live factory of a build without live collection: the row is reported, not dropped."""
    return UnsupportedSource(
        entry.server,
        entry.host or entry.origin,
        "live collection is not available in this build; "
        f"give the row an evidence folder or zip ({entry.origin})",
    )


def sources_from_inventory(
    entries: Sequence[FleetEntry],
    live: LiveFactory = no_live_collection,
    found: Sequence[EvidenceSource] = (),
) -> list[EvidenceSource]:
    """A source per row, in row order.

    A row's evidence is, in order: its ``evidence`` column; else the server of the same
    name among ``found`` (the servers of a fleet folder); else live collection of its host.
    """
    by_name = {source.server.casefold(): source for source in found}
    sources: list[EvidenceSource] = []
    for entry in entries:
        if entry.problem is not None:
            sources.append(UnsupportedSource(entry.server, entry.origin, entry.problem))
        elif entry.evidence is not None:
            sources.append(_named_evidence(entry, entry.evidence))
        elif entry.server.casefold() in by_name:
            sources.append(by_name[entry.server.casefold()])
        elif entry.host:
            sources.append(live(entry))
        else:
            reason = "neither a host nor evidence; the server cannot be collected"
            sources.append(UnsupportedSource(entry.server, entry.origin, reason))
    return sources


def _named_evidence(entry: FleetEntry, path: Path) -> EvidenceSource:
    # The operator named this path, so a link is followed here, unlike in a fleet folder.
    if path.is_dir():
        return FolderSource(path, entry.server)
    if path.is_file() and path.suffix.casefold() == ".zip":
        return ZipSource(path, entry.server)
    location = display_name(str(path))
    if path.exists():
        return UnsupportedSource(entry.server, location, f"not a folder or a .zip ({entry.origin})")
    return UnsupportedSource(entry.server, location, f"no such folder or zip ({entry.origin})")
