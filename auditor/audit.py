"""The library API behind the CLI: scan a fleet, write its reports.

``scan`` is ``gather`` (collect every server's facts, judging nothing) followed by
``judge``; ``auditor collect`` and ``auditor judge`` run the two halves apart, with a facts
snapshot between them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from auditor.archive import (
    ReportPaths,
    add_trend,
    default_report_paths,
    load_archive,
    read_facts,
    read_previous,
    rerender,
    write_reports,
    write_snapshot,
)
from auditor.baseline import Baseline
from auditor.collect import collect, hashed_files
from auditor.errors import AuditorError, ParseError
from auditor.evaluation import evaluate
from auditor.evaluation.catalogue import evaluate_catalogue
from auditor.evaluation.catalogue_waivers import apply_catalogue_waivers
from auditor.evaluation.waivers import apply_waivers
from auditor.events.interpret import judge_events
from auditor.events.model import EventSummary
from auditor.evidence import EvidenceSource, NotAFleet
from auditor.evidence.deadline import interrupts_end_waits
from auditor.evidence.fleet import CONNECTORS_FILE
from auditor.evidence.inventory import (
    FleetEntry,
    FleetInventory,
    LiveFactory,
    no_live_collection,
)
from auditor.evidence.recording import RecordingSource, keeping_note
from auditor.facts import ServerFacts
from auditor.fleet_plan import no_server_reason, plan_sources
from auditor.inventory_only import inventory_only
from auditor.live import live_collection
from auditor.names import HIDDEN_WARNING, holds_hidden
from auditor.parsing.connectors_csv import ConnectorInventory, parse_connectors
from auditor.parsing.fleet_csv import parse_fleet
from auditor.pool import DEFAULT_WORKERS, Progress, run_pool
from auditor.reference import capture_baseline
from auditor.requirements import Article, ServicePacks, ValueRequirement, collection_baseline
from auditor.run_notes import hidden_names_notes, inventory_notes, snapshot_notes, waiver_notes
from auditor.snapshot import Snapshot
from auditor.verdicts import AuditResult, ServerVerdict, WaiverOutcome
from auditor.waivers import WAIVERS_FILE, WaiverFile, load_waivers

__all__ = [
    "DEFAULT_WORKERS",
    "Progress",
    "ReportPaths",
    "add_trend",
    "capture_baseline",
    "default_report_paths",
    "gather",
    "judge",
    "live_collection",
    "load_archive",
    "load_fleet",
    "load_fleet_waivers",
    "load_inventory",
    "plan_sources",
    "read_facts",
    "read_previous",
    "rerender",
    "scan",
    "write_reports",
    "write_snapshot",
]


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


def load_fleet_waivers(fleet_dir: Path, path: Path | None) -> WaiverFile | None:
    """The named waivers file, else ``waivers.toml`` at the fleet root, else None.

    Unlike the inventory, a broken waivers file stops the run (WaiverError): judging the
    fleet without the waivers someone approved would report accepted risks as failures.
    """
    chosen = path or fleet_dir / WAIVERS_FILE
    if path is None and not chosen.is_file():
        return None
    return load_waivers(chosen)


def scan(
    fleet_dir: Path | None,
    baseline: Baseline,
    inventory: ConnectorInventory | None = None,
    *,
    fleet: FleetInventory | None = None,
    live: LiveFactory = no_live_collection,
    now: datetime | None = None,
    waivers: WaiverFile | None = None,
    save_evidence: Path | None = None,
    workers: int = DEFAULT_WORKERS,
    progress: Progress | None = None,
    articles: Sequence[Article] = (),
    service_packs: ServicePacks | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> AuditResult:
    """Collect and judge every server of a fleet folder, a fleet inventory, or both.

    Raise EvidenceError if the fleet folder cannot be listed. ``workers``, ``progress``
    and ``meanwhile`` are gather's. With ``articles`` (a catalogue run), each server is
    judged against each of them and the files of all of them are collected.
    """
    now = now or datetime.now(UTC)
    # Each server is judged as its facts arrive, while the worker processes read the rest.
    early: dict[int, ServerVerdict] = {}

    def judge_now(index: int, facts: ServerFacts) -> ServerFacts:
        early[index] = _evaluate_safely(facts, baseline, inventory, articles, service_packs)
        return judged_facts(facts)

    gathered = gather(
        fleet_dir,
        collection_baseline(baseline, articles),
        inventory,
        fleet=fleet,
        live=live,
        now=now,
        save_evidence=save_evidence,
        workers=workers,
        progress=progress,
        values=[value for article in articles for value in article.values],
        meanwhile=meanwhile,
        on_facts=judge_now,
    )
    return judge(
        gathered,
        baseline,
        now=now,
        waivers=waivers,
        judged=early,
        articles=articles,
        service_packs=service_packs,
    )


def gather(
    fleet_dir: Path | None,
    baseline: Baseline,
    inventory: ConnectorInventory | None = None,
    *,
    fleet: FleetInventory | None = None,
    live: LiveFactory = no_live_collection,
    now: datetime | None = None,
    save_evidence: Path | None = None,
    workers: int = DEFAULT_WORKERS,
    progress: Progress | None = None,
    on_facts: Callable[[int, ServerFacts], ServerFacts] | None = None,
    values: Sequence[ValueRequirement] = (),
    meanwhile: Callable[[], None] | None = None,
) -> Snapshot:
    """Collect the facts of every server, judging nothing: ``auditor collect``.

    With ``save_evidence``, what was read from each server is also kept there, in the
    layout a later scan of that folder judges again. Up to ``workers`` servers are
    collected at a time (see auditor.pool: folders in worker processes, live and other
    sources in threads); the snapshot lists them in order all the same.
    ``progress(done, total)`` is told of each server collected, and ``on_facts(index,
    facts)`` given the facts of each as they arrive; what it returns is what the snapshot
    keeps as ``servers[index]``.
    ``meanwhile()`` is called once while the worker processes collect (run_pool's).
    """
    targets, notes = plan_sources(fleet_dir, fleet, live)
    if not targets:
        raise NotAFleet(no_server_reason(fleet_dir, fleet))
    sources = [source for source, _ in targets]
    if save_evidence is not None:
        sources = [RecordingSource(source, save_evidence) for source in sources]
    # Ctrl-C ends every wait on a live server at once, so that the run stops in moments.
    with interrupts_end_waits():
        gathered = run_pool(
            sources,
            partial(_collect_safely, baseline=baseline, values=tuple(values)),
            _internal_error,
            workers=workers,
            in_process=lambda source: source.cpu_bound,
            progress=progress,
            meanwhile=meanwhile,
            on_result=None
            if on_facts is None
            else (lambda i, f: on_facts(i, _labelled(f, targets[i][1]))),
        )
    facts = [_labelled(item, entry) for item, (_, entry) in zip(gathered, targets, strict=True)]
    if save_evidence is not None:
        kept = keeping_note(save_evidence, ((item.server, item.notes) for item in facts))
        notes = [*notes, kept] if kept else notes
    return Snapshot(
        collected_at=now or datetime.now(UTC),
        baseline_id=baseline.article_id,
        asked_files=tuple(item.name for item in baseline.files),
        servers=tuple(facts),
        connectors=inventory,
        notes=tuple(notes),
        hashed=hashed_files(baseline, every=save_evidence is not None),
    )


def judge(
    snapshot: Snapshot,
    baseline: Baseline,
    inventory: ConnectorInventory | None = None,
    *,
    now: datetime | None = None,
    waivers: WaiverFile | None = None,
    judged: Mapping[int, ServerVerdict] | None = None,
    articles: Sequence[Article] = (),
    service_packs: ServicePacks | None = None,
) -> AuditResult:
    """Judge gathered facts: ``auditor judge``. ``inventory`` replaces the snapshot's.

    Waivers are judged against the day of ``now`` (UTC), which defaults to the clock.
    ``judged[i]``, where given, is the verdict of ``snapshot.servers[i]`` with this
    inventory, already made. With ``articles``, a catalogue run (see scan).
    """
    now = now or datetime.now(UTC)
    inventory = inventory if inventory is not None else snapshot.connectors
    absent, absent_notes = inventory_only(inventory, snapshot.servers)
    facts = [*snapshot.servers, *absent]
    early = judged or {}
    verdicts = [
        early[index]
        if index in early
        else _evaluate_safely(item, baseline, inventory, articles, service_packs)
        for index, item in enumerate(facts)
    ]
    asked = collection_baseline(baseline, articles)
    verdicts, events, trouble = _judge_events_safely(facts, verdicts, inventory)
    notes = (
        *inventory_notes(inventory),
        *snapshot.notes,
        *snapshot_notes(snapshot, asked, now),
        *trouble,
        *absent_notes,
        *hidden_names_notes(verdicts),
    )
    outcomes: list[WaiverOutcome] = []
    judged_on = None
    if waivers is not None:
        judged_on = now.astimezone(UTC).date()
        if articles:
            ids = [article.article_id for article in articles]
            verdicts, outcomes = apply_catalogue_waivers(verdicts, waivers.waivers, judged_on, ids)
        else:
            verdicts, outcomes = apply_waivers(verdicts, waivers.waivers, judged_on)
        notes = (*notes, *waivers.notes, *waiver_notes(outcomes))
    return AuditResult(
        baseline=baseline,
        generated_at=now,
        servers=tuple(verdicts),
        notes=notes,
        waivers=tuple(outcomes),
        judged_on=judged_on,
        articles=tuple(articles),
        events=events,
    )


def judged_facts(facts: ServerFacts) -> ServerFacts:
    """What judge() still reads of a server whose verdict is made: the name, the registry
    and the events, which the 9301 events are judged on beside every other server's. The
    file and value facts, most of a server's memory (5.0 of 6.6 KB on the benchmark's
    fleets, so 500 MB at 100,000 servers), are left out."""
    return replace(facts, files=(), values=())


def _labelled(facts: ServerFacts, entry: FleetEntry | None) -> ServerFacts:
    return facts if entry is None else replace(facts, site=entry.site, owner=entry.owner)


def _evaluate_safely(
    facts: ServerFacts,
    baseline: Baseline,
    inventory: ConnectorInventory | None,
    articles: Sequence[Article] = (),
    service_packs: ServicePacks | None = None,
) -> ServerVerdict:
    """A bug met while judging one server makes that server incomplete, not the run fail."""

    def judged(facts: ServerFacts) -> ServerVerdict:
        if articles:
            verdict = evaluate_catalogue(facts, articles, inventory, service_packs)
        else:
            verdict = evaluate(facts, baseline, inventory)
        if holds_hidden(verdict.server):
            verdict = replace(verdict, warnings=(HIDDEN_WARNING, *verdict.warnings))
        return verdict

    try:
        return judged(facts)
    except Exception as error:  # a bug must not stop the fleet
        reason = f"{facts.source}: internal error while judging: {type(error).__name__}: {error}"
        return judged(replace(facts, files=(), registry=None, problems=(reason,)))


def _judge_events_safely(
    facts: Sequence[ServerFacts],
    verdicts: list[ServerVerdict],
    inventory: ConnectorInventory | None,
) -> tuple[list[ServerVerdict], tuple[EventSummary, ...], list[str]]:
    """The events add to verdicts; a bug there must not lose the verdicts themselves."""
    try:
        judged, events = judge_events(facts, verdicts, inventory)
    except Exception as error:  # a bug must not stop the fleet
        return verdicts, (), [f"internal error while judging the 9301 events: {error!r}"]
    return judged, events, []


def _collect_safely(
    source: EvidenceSource, baseline: Baseline, values: Sequence[ValueRequirement] = ()
) -> ServerFacts:
    """A server whose collection fails outright is still reported, with the reason."""
    try:
        return collect(source, baseline, values) if values else collect(source, baseline)
    except AuditorError as error:
        return ServerFacts(source.server, source.location, (), None, (str(error),))
    except Exception as error:  # a bug in a reader must not stop the fleet
        return _internal_error(source, error)
    finally:
        source.close()  # a fleet of zips must not hold a file handle per server


def _internal_error(source: EvidenceSource, error: BaseException) -> ServerFacts:
    """The facts of a server whose collection crashed, or whose pool task was lost."""
    reason = f"{source.location}: internal error while reading: {type(error).__name__}: {error}"
    return ServerFacts(source.server, source.location, (), None, (reason,))
