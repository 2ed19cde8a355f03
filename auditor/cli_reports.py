"""Where a run's reports go and how they are written: the archive (``reports/`` of the
working folder, locked while a run writes into it) or the files the command line names,
then the summary on the console."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TextIO

from auditor.archive import STDOUT, ReportPaths, add_trend, default_report_paths, write_reports
from auditor.archive_lock import archive_lock
from auditor.cli_console import print_summary, silence_stdout
from auditor.outputs import check_outputs, output_target
from auditor.trend import RunRecord
from auditor.verdicts import AuditResult

__all__ = ["archive_dir", "holding_archive", "report_paths", "write_run_reports"]


def archive_dir() -> Path:
    """The report archive: ``reports/`` of the working folder, where default reports go."""
    return Path.cwd() / "reports"


def report_paths(args: argparse.Namespace, now: datetime, name: str) -> ReportPaths:
    """The named outputs, else the archive's, named ``name`` (trend.run_name); checked here,
    before any server is read."""
    if args.xlsx or args.csv or args.json:
        return ReportPaths(args.xlsx, args.csv, args.json)
    paths = default_report_paths(Path.cwd(), now, name)
    check_outputs({"xlsx": paths.xlsx, "csv": paths.csv, "json": paths.json})
    return paths


@contextmanager
def holding_archive(paths: ReportPaths) -> Iterator[None]:
    """Lock the archive for the run when a report goes into it: two runs at once are refused."""
    archive = archive_dir()
    inside = [
        path
        for path in (paths.xlsx, paths.csv, paths.json)
        if path is not None and path != STDOUT and output_target(path).is_relative_to(archive)
    ]
    if not inside:
        yield
        return
    with archive_lock(archive):
        yield


def write_run_reports(
    result: AuditResult,
    out: TextIO,
    previous: RunRecord | None,
    paths: ReportPaths,
    archive: tuple[list[RunRecord], list[str]] | None,
    *,
    err: TextIO,
) -> None:
    """Compare with the archive read before the scan (None: ``--previous none``), write the
    reports, print the summary: scan and judge.

    A report written to stdout (``--json -``, ``--csv -``) has stdout to itself: the
    summary goes to stderr then.
    """
    if archive is not None:
        result = add_trend(result, archive_dir(), previous, exclude=paths.json, loaded=archive)
    piped = STDOUT in (paths.csv, paths.json)
    try:
        written = write_reports(result, paths, stdout=out)
    except BrokenPipeError:
        # The report's reader (say, `| head`) has gone; the files are written, since the
        # report for stdout comes last, and the summary still goes to stderr.
        if out is sys.stdout:
            silence_stdout()
        written = [
            path for path in (paths.xlsx, paths.csv, paths.json) if path not in (None, STDOUT)
        ]
    if piped:
        out = err
    try:
        print_summary(result, written, out)
    except BrokenPipeError:
        # The reader (say, `| head`) has gone; the reports are written and the verdicts stand.
        if out is sys.stdout:
            silence_stdout()
