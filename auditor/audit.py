"""The library API behind the CLI: scan a fleet, write its reports."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from auditor.baseline import Baseline
from auditor.collect import collect
from auditor.errors import AuditorError, ParseError, ReportError
from auditor.evaluation import evaluate
from auditor.evidence import EvidenceSource, discover_fleet
from auditor.evidence.fleet import CONNECTORS_FILE
from auditor.facts import ServerFacts
from auditor.parsing.connectors_csv import ConnectorInventory, parse_connectors
from auditor.pool import DEFAULT_WORKERS, Progress, run_beside, run_pool
from auditor.reporting import build_report, render_csv, render_json, render_xlsx
from auditor.verdicts import AuditResult, ServerVerdict

__all__ = [
    "DEFAULT_WORKERS",
    "Progress",
    "ReportPaths",
    "default_report_paths",
    "load_inventory",
    "scan",
    "write_reports",
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


def scan(
    fleet_dir: Path,
    baseline: Baseline,
    inventory: ConnectorInventory | None = None,
    *,
    now: datetime | None = None,
    workers: int = DEFAULT_WORKERS,
    progress: Progress | None = None,
) -> AuditResult:
    """Collect and judge every server of a fleet folder. Raise EvidenceError if unlistable.

    Up to ``workers`` servers are collected at a time (see auditor.pool); the result lists
    them in the fleet's order all the same. ``progress(done, total)`` is told of each
    server collected.
    """
    sources = discover_fleet(fleet_dir)
    gathered = run_pool(
        sources,
        partial(_collect_safely, baseline=baseline),
        _internal_error,
        workers=workers,
        in_process=lambda source: source.cpu_bound,
        progress=progress,
    )
    gathered += _inventory_only(inventory, sources)
    verdicts = [_evaluate_safely(facts, baseline, inventory) for facts in gathered]
    return AuditResult(
        baseline=baseline,
        generated_at=now or datetime.now(UTC),
        servers=tuple(verdicts),
        notes=_notes(inventory),
    )


def _evaluate_safely(
    facts: ServerFacts, baseline: Baseline, inventory: ConnectorInventory | None
) -> ServerVerdict:
    """A bug met while judging one server makes that server incomplete, not the run fail."""
    try:
        return evaluate(facts, baseline, inventory)
    except Exception as error:  # a bug must not stop the fleet
        reason = f"{facts.source}: internal error while judging: {type(error).__name__}: {error}"
        return evaluate(
            ServerFacts(facts.server, facts.source, (), None, (reason,)), baseline, inventory
        )


def _inventory_only(
    inventory: ConnectorInventory | None, sources: Sequence[EvidenceSource]
) -> list[ServerFacts]:
    """A server the inventory names but the fleet has no evidence for is reported, not dropped."""
    if inventory is None:
        return []
    known = {source.server.casefold() for source in sources}
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
        return _internal_error(source, error)


def _internal_error(source: EvidenceSource, error: BaseException) -> ServerFacts:
    """The facts of a server whose collection crashed, or whose pool task was lost."""
    reason = f"{source.location}: internal error while reading: {type(error).__name__}: {error}"
    return ServerFacts(source.server, source.location, (), None, (reason,))


def _notes(inventory: ConnectorInventory | None) -> tuple[str, ...]:
    if inventory is None:
        return ("no connectors inventory: the override keys found stand in for the connectors",)
    notes = [f"the connectors inventory is unusable: {inventory.error}"] if inventory.error else []
    return (*notes, *inventory.problems)


def write_reports(result: AuditResult, paths: ReportPaths) -> list[Path]:
    """Render every requested format. Raise ReportError naming the path that failed.

    Each report is rendered beside its target and renamed once all are rendered, so a
    failed run leaves no report half written, nor some formats new and others old.
    """
    report = build_report(result)
    renderers: list[tuple[Path | None, Callable[[Path], None]]] = [
        (paths.xlsx, partial(render_xlsx, report)),
        (paths.csv, partial(render_csv, report)),
        (paths.json, partial(render_json, result, report)),
    ]
    jobs = [(path, render) for path, render in renderers if path is not None]
    # The workbook takes longest (6 s for 10,000 servers): with other formats to write, a
    # second process writes it meanwhile.
    beside = jobs[:1] if len(jobs) > 1 else []
    try:
        with run_beside([partial(_render_partial, path, render) for path, render in beside]):
            for path, render in jobs[len(beside) :]:
                _render_partial(path, render)
        for path, _ in jobs:
            _publish(path)
    finally:
        for path, _ in jobs:
            _partial_path(path).unlink(missing_ok=True)
    return [path for path, _ in jobs]


def _partial_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.partial")


def _render_partial(path: Path, render: Callable[[Path], None]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        render(_partial_path(path))
    except OSError as error:
        raise ReportError(f"{path}: cannot write the report: {error}") from error


def _publish(path: Path) -> None:
    try:
        _partial_path(path).replace(path)
    except OSError as error:
        raise ReportError(f"{path}: cannot write the report: {error}") from error
