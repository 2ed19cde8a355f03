"""Several facts snapshots, collected at different sites, judged as one fleet."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from auditor.errors import ParseError
from auditor.facts import ServerFacts
from auditor.parsing.connectors_csv import ConnectorInventory
from auditor.snapshot import Snapshot

__all__ = ["merge_snapshots"]


def merge_snapshots(snapshots: Sequence[tuple[Path, Snapshot]]) -> Snapshot:
    """One snapshot of every server of every site, in the order given.

    A server named in two snapshots is a ParseError naming both files: which of the two
    collections is the server cannot be told. Where the collections differ, the merged
    snapshot keeps what holds for every one: the files all of them looked for and hashed,
    so that a file one site did not look for is said to be missing, not taken as seen.
    """
    if len(snapshots) == 1:
        return snapshots[0][1]
    owner: dict[str, tuple[str, Path]] = {}
    servers: list[ServerFacts] = []
    notes: list[str] = []
    for path, snapshot in snapshots:
        for facts in snapshot.servers:
            key = facts.server.casefold()
            if key in owner:
                name, first = owner[key]
                raise ParseError(
                    f"{path}: names the server {facts.server}, which {first} also names "
                    f"(as {name}): judge each server from one snapshot only"
                )
            owner[key] = (facts.server, path)
            servers.append(facts)
        notes.append(
            f"{path}: {len(snapshot.servers)} servers collected at "
            f"{snapshot.collected_at.isoformat()} for {snapshot.baseline_id}"
        )
        notes += [f"{path}: {note}" for note in snapshot.notes]
    parts = [snapshot for _, snapshot in snapshots]
    ids = list(dict.fromkeys(snapshot.baseline_id for snapshot in parts))
    return Snapshot(
        collected_at=min(snapshot.collected_at for snapshot in parts),
        baseline_id=" + ".join(ids),
        asked_files=_common([snapshot.asked_files for snapshot in parts]),
        servers=tuple(servers),
        connectors=_connectors([snapshot.connectors for snapshot in parts]),
        notes=tuple(notes),
        hashed=_common([snapshot.hashed for snapshot in parts]),
    )


def _common(lists: Sequence[tuple[str, ...]]) -> tuple[str, ...]:
    shared = set.intersection(*({name.casefold() for name in names} for names in lists))
    return tuple(name for name in lists[0] if name.casefold() in shared)


def _connectors(inventories: Sequence[ConnectorInventory | None]) -> ConnectorInventory | None:
    # Sites collected with one shared connectors.csv carry it each: it counts once.
    present = list({id(item): item for item in inventories if item is not None}.values())
    present = [item for n, item in enumerate(present) if item not in present[:n]]
    if len(present) <= 1:
        return present[0] if present else None
    errors = [f"{item.source}: {item.error}" for item in present if item.error]
    return ConnectorInventory(
        source="; ".join(item.source for item in present),
        entries=tuple(dict.fromkeys(entry for item in present for entry in item.entries)),
        problems=tuple(problem for item in present for problem in item.problems),
        error="; ".join(errors) if errors else None,
        rejected=tuple(row for item in present for row in item.rejected),
        without_connectors=tuple(name for item in present for name in item.without_connectors),
    )
