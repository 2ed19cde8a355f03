"""Which source each server of a run is read from: the fleet folder's, the fleet
inventory's, or both joined by server name, with the notes the joining makes."""

from __future__ import annotations

from pathlib import Path

from auditor.evidence import EvidenceSource, discover_fleet
from auditor.evidence.fleet import stray_entries
from auditor.evidence.fleet_root import stray_note
from auditor.evidence.inventory import (
    FleetEntry,
    FleetInventory,
    LiveFactory,
    sources_from_inventory,
)

__all__ = ["no_server_reason", "plan_sources"]


def plan_sources(
    fleet_dir: Path | None, fleet: FleetInventory | None, live: LiveFactory
) -> tuple[list[tuple[EvidenceSource, FleetEntry | None]], list[str]]:
    """Each server's source with its inventory row, and the notes that planning makes.

    A row without evidence of its own takes the fleet folder's server of the same name. A
    server of the fleet folder that no row lists is audited too: nothing is dropped.
    """
    found = discover_fleet(fleet_dir) if fleet_dir is not None else []
    strays: list[str] = []
    if fleet_dir is not None:
        known = [Path(fleet.source)] if fleet is not None else []
        stray = stray_note(fleet_dir, stray_entries(fleet_dir), known)
        strays = [stray] if stray else []
    if fleet is None:
        return [(source, None) for source in found], strays
    sources = sources_from_inventory(fleet.entries, live, found)
    targets: list[tuple[EvidenceSource, FleetEntry | None]] = list(
        zip(sources, fleet.entries, strict=True)
    )
    claimed = {id(source) for source in sources}
    listed = {entry.server.casefold() for entry in fleet.entries}
    notes: list[str] = [*strays]
    unlisted: list[str] = []
    for source in found:
        if id(source) in claimed:
            continue
        if source.server.casefold() in listed:
            notes.append(
                f"{source.location}: not read; the fleet inventory's row for {source.server} "
                "names its evidence elsewhere"
            )
        else:
            targets.append((source, None))
            unlisted.append(source.server)
    if unlisted:
        shown = ", ".join(unlisted[:10]) + (
            f" and {len(unlisted) - 10} more" if len(unlisted) > 10 else ""
        )
        notes.append(f"{fleet.source}: does not list {shown}, found in {fleet_dir}; audited anyway")
    return targets, notes


def no_server_reason(fleet_dir: Path | None, fleet: FleetInventory | None) -> str:
    """Why there is nothing to audit; an empty report would read as an all-clear."""
    where = [f"{fleet_dir} holds no server folder or .zip"] if fleet_dir is not None else []
    if fleet is not None:
        where.append(f"{fleet.source} lists no server")
    return " and ".join(where) + ": there is no server to audit"
