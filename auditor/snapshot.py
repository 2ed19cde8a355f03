"""The facts snapshot: a fleet's facts gathered once, to be judged later.

``auditor collect`` writes it and ``auditor judge`` reads it, against the same or another
baseline. The snapshot keeps the connectors inventory of the collection, so that judging
needs nothing but the snapshot; ``judge --connectors`` replaces it. The document::

    {"format": "fixlevel-facts", "version": 4, "collected_at": ISO-8601,
     "baseline": {"id", "files": [file names the collection looked for],
                  "hashed": [data files whose copies were hashed]},
     "connectors": null or {"source", "entries", "problems", "error", "rejected"},
     "notes": [remarks of the collection], "servers": [ServerFacts.to_dict()]}
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from auditor.errors import ParseError
from auditor.facts import ServerFacts
from auditor.parsing.connectors_csv import ConnectorEntry, ConnectorInventory

__all__ = ["FORMAT", "VERSION", "Snapshot", "read_snapshot", "render_snapshot"]

FORMAT = "fixlevel-facts"
VERSION = 4
"""Raised when a change would make an older reader misread a snapshot. 2: the RemoteAccess
service and the notes of collection; a version-1 snapshot never looked for RemoteAccess,
so a RAS server judged from it would pass as single-homed. 3: data files are hashed only
where the collection's baseline has a reference hash; a version-2 reader would take a
file without a hash for one that differs from its reference. 4: each server's event logs
and 9301 events, and the override keys' last-write times; a version-3 snapshot never read
a log, so its servers would show "no refused connection seen" where none was looked for."""


@dataclass(frozen=True)
class Snapshot:
    """Everything gathered about a fleet, and nothing judged."""

    collected_at: datetime
    baseline_id: str
    """The article the collection was made for."""
    asked_files: tuple[str, ...]
    """The file names the collection looked for: a baseline naming others finds them missing."""
    servers: tuple[ServerFacts, ...]
    connectors: ConnectorInventory | None
    """The connectors inventory at collection time; None when there was none."""
    notes: tuple[str, ...] = ()
    """Fleet-wide remarks of the collection, carried into the report."""
    hashed: tuple[str, ...] = ()
    """The data files whose copies were hashed: those the collection's baseline has a
    reference hash for. Others are judged "not checked" against a baseline that has one."""


def render_snapshot(snapshot: Snapshot, path: Path) -> None:
    """Write the snapshot as UTF-8 JSON. Raise OSError as the file system does."""
    document = {
        "format": FORMAT,
        "version": VERSION,
        "collected_at": snapshot.collected_at.isoformat(),
        "baseline": {
            "id": snapshot.baseline_id,
            "files": list(snapshot.asked_files),
            "hashed": list(snapshot.hashed),
        },
        "connectors": None if snapshot.connectors is None else asdict(snapshot.connectors),
        "notes": list(snapshot.notes),
        "servers": [facts.to_dict() for facts in snapshot.servers],
    }
    # ASCII with escapes: evidence text may hold lone surrogates, which must come back as is.
    with path.open("w", encoding="ascii") as stream:
        json.dump(document, stream, ensure_ascii=True, indent=1)
        stream.write("\n")


def read_snapshot(path: Path) -> Snapshot:
    """Read a snapshot that render_snapshot wrote. Raise ParseError naming the path."""
    try:
        document = json.loads(path.read_bytes())
    except OSError as error:
        raise ParseError(f"{path}: cannot read the facts snapshot: {error.strerror}") from error
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError
        raise ParseError(f"{path}: not a facts snapshot: not JSON ({error})") from error
    except RecursionError as error:  # nesting deeper than the decoder's stack
        raise ParseError(f"{path}: not a facts snapshot: nested too deeply") from error
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ParseError(f'{path}: not a facts snapshot (no "format": "{FORMAT}")')
    if document.get("version") != VERSION:
        raise ParseError(
            f"{path}: facts snapshot version {document.get('version')!r}; "
            f"this build reads version {VERSION}: collect again with this build"
        )
    try:
        return _snapshot(document)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ParseError(
            f"{path}: a malformed facts snapshot: {type(error).__name__}: {error}"
        ) from error


def _snapshot(document: dict[str, Any]) -> Snapshot:
    baseline = document["baseline"]
    return Snapshot(
        collected_at=datetime.fromisoformat(document["collected_at"]),
        baseline_id=str(baseline["id"]),
        asked_files=tuple(str(name) for name in baseline["files"]),
        servers=tuple(ServerFacts.from_dict(item) for item in document["servers"]),
        connectors=_connectors(document["connectors"]),
        notes=tuple(str(note) for note in document.get("notes", ())),
        hashed=tuple(str(name) for name in baseline["hashed"]),
    )


def _connectors(data: dict[str, Any] | None) -> ConnectorInventory | None:
    if data is None:
        return None
    return ConnectorInventory(
        source=data["source"],
        entries=tuple(ConnectorEntry(**entry) for entry in data["entries"]),
        problems=tuple(data["problems"]),
        error=data["error"],
        rejected=tuple((server, why) for server, why in data["rejected"]),
        without_connectors=tuple(data.get("without_connectors", ())),
    )
