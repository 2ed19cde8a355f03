"""The library API behind the CLI: scan a fleet, write its reports.

``scan`` is ``gather`` (collect every server's facts, judging nothing) followed by
``judge``; ``auditor collect`` and ``auditor judge`` run the two halves apart, with a facts
snapshot between them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from auditor.baseline import Baseline
from auditor.collect import collect
from auditor.errors import AuditorError, ParseError, ReportError
from auditor.evaluation import evaluate
from auditor.evidence import EvidenceSource, discover_fleet
from auditor.evidence.fleet import CONNECTORS_FILE
from auditor.evidence.inventory import (
    FleetEntry,
    FleetInventory,
    LiveFactory,
    no_live_collection,
    sources_from_inventory,
)
from auditor.evidence.recording import RecordingSource
from auditor.facts import ServerFacts
from auditor.parsing.connectors_csv import ConnectorInventory, parse_connectors
from auditor.parsing.fleet_csv import parse_fleet
from auditor.reporting import build_report, render_csv, render_json, render_xlsx
from auditor.snapshot import Snapshot, read_snapshot, render_snapshot
from auditor.verdicts import AuditResult, ServerVerdict

__all__ = [
    "ReportPaths",
    "default_report_paths",
    "gather",
    "judge",
    "load_fleet",
    "load_inventory",
    "plan_sources",
    "read_facts",
    "scan",
    "write_reports",
    "write_snapshot",
]


@dataclass(frozen=True)
class ReportPaths:
    """Where each report goes; None skips that format."""

    xlsx: Path | None
    csv: Path | None
    json: Path | None


def default_report_paths(root: Path, when: datetime, article_id: str) -> ReportPaths:
    """``reports/<YYYY>-Q<n>/<article>-<date>.{xlsx,csv,json}`` under ``root``."""
    quarter = f"{when.year}-Q{(when.month - 1) // 3 + 1}"
    stem = root / "reports" / quarter / f"{article_id.lower()}-{when:%Y-%m-%d}"
    return ReportPaths(
        stem.with_suffix(".xlsx"), stem.with_suffix(".csv"), stem.with_suffix(".json")
    )


def load_inventory(fleet_dir: Path, path: Path | None) -> ConnectorInventory | None:
    """The named inventory, else ``connectors.csv`` at the fleet root, else None.

    An unreadable inventory is returned as unusable rather than raised: the scan goes on,
    and no multihomed server is judged compliant without it.
    """
    chosen = path or fleet_dir / CONNECTORS_FILE
    if path is None and not chosen.is_file():
        return None
    try:
        return parse_connectors(chosen)
    except ParseError as error:
        return ConnectorInventory.unusable(str(chosen), str(error))


def load_fleet(path: Path) -> FleetInventory:
    """The fleet inventory file. Raise ParseError when it is unusable as a whole."""
    return parse_fleet(path)


def scan(
    fleet_dir: Path | None,
    baseline: Baseline,
    inventory: ConnectorInventory | None = None,
    *,
    fleet: FleetInventory | None = None,
    live: LiveFactory = no_live_collection,
    now: datetime | None = None,
    save_evidence: Path | None = None,
) -> AuditResult:
    """Collect and judge every server of a fleet folder, a fleet inventory, or both.

    Raise EvidenceError if the fleet folder cannot be listed.
    """
    now = now or datetime.now(UTC)
    gathered = gather(
        fleet_dir,
        baseline,
        inventory,
        fleet=fleet,
        live=live,
        now=now,
        save_evidence=save_evidence,
    )
    return judge(gathered, baseline, now=now)


def gather(
    fleet_dir: Path | None,
    baseline: Baseline,
    inventory: ConnectorInventory | None = None,
    *,
    fleet: FleetInventory | None = None,
    live: LiveFactory = no_live_collection,
    now: datetime | None = None,
    save_evidence: Path | None = None,
) -> Snapshot:
    """Collect the facts of every server, judging nothing: ``auditor collect``.

    With ``save_evidence``, what was read from each server is also kept there, in the
    layout a later scan of that folder judges again.
    """
    targets, notes = plan_sources(fleet_dir, fleet, live)
    sources = [source for source, _ in targets]
    if save_evidence is not None:
        sources = [RecordingSource(source, save_evidence) for source in sources]
    gathered = [_collect_safely(source, baseline) for source in sources]
    facts = [_labelled(item, entry) for item, (_, entry) in zip(gathered, targets, strict=True)]
    return Snapshot(
        collected_at=now or datetime.now(UTC),
        baseline_id=baseline.article_id,
        asked_files=tuple(item.name for item in baseline.files),
        servers=tuple(facts),
        connectors=inventory,
        notes=tuple(notes),
    )


def judge(
    snapshot: Snapshot,
    baseline: Baseline,
    inventory: ConnectorInventory | None = None,
    *,
    now: datetime | None = None,
) -> AuditResult:
    """Judge gathered facts: ``auditor judge``. ``inventory`` replaces the snapshot's."""
    now = now or datetime.now(UTC)
    inventory = inventory if inventory is not None else snapshot.connectors
    facts = [*snapshot.servers, *_inventory_only(inventory, snapshot.servers)]
    verdicts = [_evaluate_safely(item, baseline, inventory) for item in facts]
    return AuditResult(
        baseline=baseline,
        generated_at=now,
        servers=tuple(verdicts),
        notes=(
            *_notes(inventory),
            *snapshot.notes,
            *_snapshot_notes(snapshot, baseline, now),
        ),
    )


def plan_sources(
    fleet_dir: Path | None, fleet: FleetInventory | None, live: LiveFactory
) -> tuple[list[tuple[EvidenceSource, FleetEntry | None]], list[str]]:
    """Each server's source with its inventory row, and the notes that planning makes.

    A row without evidence of its own takes the fleet folder's server of the same name. A
    server of the fleet folder that no row lists is audited too: nothing is dropped.
    """
    found = discover_fleet(fleet_dir) if fleet_dir is not None else []
    if fleet is None:
        return [(source, None) for source in found], []
    sources = sources_from_inventory(fleet.entries, live, found)
    targets: list[tuple[EvidenceSource, FleetEntry | None]] = list(
        zip(sources, fleet.entries, strict=True)
    )
    claimed = {id(source) for source in sources}
    listed = {entry.server.casefold() for entry in fleet.entries}
    notes: list[str] = []
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


def _labelled(facts: ServerFacts, entry: FleetEntry | None) -> ServerFacts:
    return facts if entry is None else replace(facts, site=entry.site, owner=entry.owner)


def _snapshot_notes(snapshot: Snapshot, baseline: Baseline, now: datetime) -> list[str]:
    """When and for what the facts were gathered, where that differs from this judgement."""
    notes = []
    if snapshot.collected_at != now:
        notes.append(f"judged from facts collected at {snapshot.collected_at.isoformat()}")
    if snapshot.baseline_id != baseline.article_id:
        notes.append(
            f"the facts were collected for {snapshot.baseline_id} and are judged against "
            f"{baseline.article_id}"
        )
    asked = {name.casefold() for name in snapshot.asked_files}
    unasked = [item.name for item in baseline.files if item.name.casefold() not in asked]
    if unasked:
        notes.append(
            "the collection did not look for "
            + ", ".join(unasked)
            + ": they count as missing; collect again with this baseline"
        )
    return notes


def _evaluate_safely(
    facts: ServerFacts, baseline: Baseline, inventory: ConnectorInventory | None
) -> ServerVerdict:
    """A bug met while judging one server makes that server incomplete, not the run fail."""
    try:
        return evaluate(facts, baseline, inventory)
    except Exception as error:  # a bug must not stop the fleet
        reason = f"{facts.source}: internal error while judging: {type(error).__name__}: {error}"
        return evaluate(
            replace(facts, files=(), registry=None, problems=(reason,)), baseline, inventory
        )


def _inventory_only(
    inventory: ConnectorInventory | None, gathered: Sequence[ServerFacts]
) -> list[ServerFacts]:
    """A server the inventory names but the fleet has no evidence for is reported, not dropped."""
    if inventory is None:
        return []
    known = {facts.server.casefold() for facts in gathered}
    missing: dict[str, str] = {}
    for entry in inventory.entries:
        if entry.server.casefold() not in known:
            missing.setdefault(entry.server.casefold(), entry.server)
    return [
        ServerFacts(
            server,
            inventory.source,
            (),
            None,
            (f"{inventory.source}: names {server}, but the fleet has no evidence for it",),
        )
        for server in sorted(missing.values(), key=str.casefold)
    ]


def _collect_safely(source: EvidenceSource, baseline: Baseline) -> ServerFacts:
    """A server whose collection fails outright is still reported, with the reason."""
    try:
        return collect(source, baseline)
    except AuditorError as error:
        return ServerFacts(source.server, source.location, (), None, (str(error),))
    except Exception as error:  # a bug in a reader must not stop the fleet
        reason = f"{source.location}: internal error while reading: {type(error).__name__}: {error}"
        return ServerFacts(source.server, source.location, (), None, (reason,))
    finally:
        source.close()  # a fleet of zips must not hold a file handle per server


def _notes(inventory: ConnectorInventory | None) -> tuple[str, ...]:
    if inventory is None:
        return ("no connectors inventory: the override keys found stand in for the connectors",)
    notes = [f"the connectors inventory is unusable: {inventory.error}"] if inventory.error else []
    return (*notes, *inventory.problems)


def write_snapshot(snapshot: Snapshot, path: Path) -> Path:
    """Write the facts snapshot. Raise ReportError naming the path that failed."""
    _write_whole(path, partial(render_snapshot, snapshot), "the facts snapshot")
    return path


def read_facts(path: Path) -> Snapshot:
    """A facts snapshot that ``auditor collect`` wrote. Raise ParseError when unusable."""
    return read_snapshot(path)


def write_reports(result: AuditResult, paths: ReportPaths) -> list[Path]:
    """Render every requested format. Raise ReportError naming the path that failed."""
    report = build_report(result)
    written: list[Path] = []
    renderers: list[tuple[Path | None, Callable[[Path], None]]] = [
        (paths.xlsx, partial(render_xlsx, report)),
        (paths.csv, partial(render_csv, report)),
        (paths.json, partial(render_json, result, report)),
    ]
    for path, render in renderers:
        if path is not None:
            _write_whole(path, render)
            written.append(path)
    return written


def _write_whole(path: Path, render: Callable[[Path], None], what: str = "the report") -> None:
    """Render beside the target and rename, so a failed run never leaves half a report."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        render(partial)
        partial.replace(path)
    except OSError as error:
        raise ReportError(f"{path}: cannot write {what}: {error}") from error
    finally:
        # Where the folder could not be made, the leftover cannot exist either, and an
        # error here would hide the ReportError that says why.
        with suppress(OSError):
            partial.unlink(missing_ok=True)
