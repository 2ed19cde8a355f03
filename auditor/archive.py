"""Where runs are kept: the reports and their quarterly archive, and facts snapshots.

Every file is rendered beside its target and renamed into place once whole, so that a
failed run never leaves half a report where the last good one was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import TextIO

from auditor.errors import ReportError
from auditor.outputs import discard, publish, write_output
from auditor.reporting import build_report, render_csv, render_json, render_xlsx
from auditor.reporting.json_load import read_result, read_run
from auditor.reporting.regfix import reg_fixes, write_reg_files
from auditor.snapshot import Snapshot, read_snapshot, render_snapshot
from auditor.trend import RunRecord, compare, run_identity
from auditor.verdicts import AuditResult, quarter_of

__all__ = [
    "STDOUT",
    "ReportPaths",
    "add_trend",
    "default_report_paths",
    "load_archive",
    "read_facts",
    "read_previous",
    "rerender",
    "write_reports",
    "write_snapshot",
]


STDOUT = Path("-")
"""An output named "-" goes to standard output, as Unix tools do."""


@dataclass(frozen=True)
class ReportPaths:
    """Where each report goes; None skips that format."""

    xlsx: Path | None
    csv: Path | None
    json: Path | None


def default_report_paths(root: Path, when: datetime, name: str) -> ReportPaths:
    """``reports/<YYYY>-Q<n>/<name>-<date>.{xlsx,csv,json}`` under ``root``; ``name`` is
    trend.run_name's: the article, or "catalogue"."""
    stem = root / "reports" / quarter_of(when) / f"{name.lower()}-{when:%Y-%m-%d}"
    return ReportPaths(
        stem.with_suffix(".xlsx"), stem.with_suffix(".csv"), stem.with_suffix(".json")
    )


def load_archive(
    reports_dir: Path,
    identity: str,
    before: datetime,
    exclude: Path | None = None,
    fleet: str | None = None,
) -> tuple[list[RunRecord], list[str]]:
    """Every earlier run of this ``identity`` (trend.run_identity: the article, or the
    catalogue's set of articles) and ``fleet`` under ``reports_dir/<YYYY>-Q<n>/``, and notes.

    Read before the scan, so that no archived file can cost a finished collection. A JSON
    that cannot be read, or a run dated after ``before`` (a clock set wrong, a hand edit),
    is named in a note and left out of the trend; one saved with a byte order mark is read
    and named. A run of another article is not part of this trend. Nor is a run of another
    fleet (two fleets audited from one folder would otherwise show each other's servers as
    added and removed), nor one judged against other articles: a note says how many of
    each were left out.
    """
    records: list[RunRecord] = []
    notes: list[str] = []
    others = 0
    other_sets = 0
    for path in sorted(reports_dir.glob("*-Q[1-4]/*.json")):
        if path.name.startswith(".") or (exclude is not None and _same(path, exclude)):
            continue
        try:
            record = read_run(path)
        except ReportError as error:
            notes.append(f"{path}: left out of the trend: {str(error).removeprefix(f'{path}: ')}")
            continue
        if record.identity != identity:
            other_sets += 1
            continue
        if record.counts.generated_at >= before:
            notes.append(
                f"{path}: left out of the trend: dated {record.counts.generated_at.isoformat()}, "
                f"not before this run ({before.isoformat()}); is a clock wrong?"
            )
            continue
        if record.fleet != fleet:
            others += 1
            continue
        if _has_bom(path):
            notes.append(f"{path}: saved with a byte order mark (a hand edit?); read all the same")
        records.append(record)
    if other_sets:
        runs = "run" if other_sets == 1 else "runs"
        notes.append(
            f"{other_sets} archived {runs} of another article or set of articles left out of "
            "the trend: a server's status is its worst over the articles judged, so only runs "
            "judged against the same articles compare"
        )
    if others:
        runs = "run" if others == 1 else "runs"
        notes.append(
            f"{others} archived {runs} of another fleet (or of a fixlevel that did not "
            f"record its fleet) left out of the trend; this run audited "
            f"{fleet or 'an unknown fleet'}"
        )

    return records, notes


def _has_bom(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(3) == b"\xef\xbb\xbf"
    except OSError:
        return False


def _same(path: Path, other: Path) -> bool:
    return path.resolve() == other.resolve()


def read_previous(path: Path) -> RunRecord:
    """A saved run to compare with (``--previous``). Raise ReportError when it cannot be read.

    Read it before the fleet is scanned: a typo here must not cost a whole collection.
    """
    return read_run(path)


def add_trend(
    result: AuditResult,
    reports_dir: Path,
    previous: RunRecord | None = None,
    exclude: Path | None = None,
    loaded: tuple[list[RunRecord], list[str]] | None = None,
) -> AuditResult:
    """The result compared with ``previous``, else with the newest earlier archived run.

    ``exclude`` is the JSON this run will write: a second run on the same day replaces it
    and must not be compared with the run it replaces. ``loaded`` is what ``load_archive``
    returned before the scan; without it the archive is read now.
    """
    ids = [article.article_id for article in result.articles]
    archive, notes = loaded or load_archive(
        reports_dir,
        run_identity(result.baseline.article_id, ids),
        result.generated_at,
        exclude,
        result.fleet,
    )
    chosen = previous or max(archive, key=lambda record: record.counts.generated_at, default=None)
    trend = compare(result, chosen, archive)
    return replace(result, trend=trend, notes=(*result.notes, *notes))


def rerender(
    run_json: Path, paths: ReportPaths, stdout: TextIO | None = None
) -> tuple[AuditResult, list[Path]]:
    """Rebuild the reports of a saved run from its JSON alone, without the evidence."""
    result = read_result(run_json)
    return result, write_reports(result, paths, stdout)


def write_snapshot(snapshot: Snapshot, path: Path) -> Path:
    """Write the facts snapshot. Raise ReportError naming the path that failed."""
    what = "the facts snapshot"
    partial_path = write_output(path, partial(render_snapshot, snapshot), what)
    try:
        publish(path, partial_path, what)
    finally:
        discard(partial_path)
    return path


def read_facts(path: Path) -> Snapshot:
    """A facts snapshot that ``auditor collect`` wrote. Raise ParseError when unusable."""
    return read_snapshot(path)


def write_reports(
    result: AuditResult, paths: ReportPaths, stdout: TextIO | None = None
) -> list[Path]:
    """Render every requested format. Raise ReportError naming the path that failed.

    Each report is rendered beside its target and renamed once all are rendered, so a
    failed run leaves no report half written, nor some formats new and others old. A
    text report named STDOUT is written to ``stdout`` once the files are in place; the
    files written are returned.
    """
    report = build_report(result)
    renderers: list[tuple[Path | None, Callable[[Path], None]]] = [
        (paths.xlsx, partial(render_xlsx, report)),
        (paths.csv, partial(render_csv, report)),
        (paths.json, partial(render_json, result, report)),
    ]
    piped = [render for path, render in renderers if path == STDOUT]
    jobs = [(path, render) for path, render in renderers if path not in (None, STDOUT)]
    # One after the other, in this process: a forked writer would gain a second or two at
    # 10,000 servers but copy the parent's pages as they are touched, doubling the memory
    # of a large fleet's run.
    rendered: list[tuple[Path, Path]] = []
    try:
        for path, render in jobs:
            rendered.append((path, write_output(path, render)))
        for path, partial_path in rendered:
            publish(path, partial_path)
    finally:
        for _, partial_path in rendered:
            discard(partial_path)
    written = [path for path, _ in jobs]
    if written:
        # Beside the reports: the folder of the first one written.
        fixes = reg_fixes(result.servers, result.baseline)
        written += write_reg_files(fixes, written[0].parent)
    for render in piped:
        _pipe(render, stdout)
    return written


def _pipe(render: Callable[[Path], None], stdout: TextIO | None) -> None:
    """Render into a private folder, then copy the text to ``stdout`` without the BOM that
    the CSV file carries for Excel: a pipe's reader is a program."""
    if stdout is None:
        raise ReportError("-: no standard output to write the report to")
    with TemporaryDirectory(prefix="fixlevel-") as folder:
        target = Path(folder) / "report"
        render(target)
        with target.open(encoding="utf-8-sig", newline="") as text:
            for line in text:
                stdout.write(line)
    stdout.flush()
