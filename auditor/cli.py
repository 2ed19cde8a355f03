"""The command line: argv in, exit code out. Only this module knows about either."""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from enum import IntEnum
from functools import partial
from pathlib import Path
from typing import NoReturn, TextIO

from auditor.archive import STDOUT
from auditor.archive_lock import ArchiveBusy
from auditor.audit import (
    ReportPaths,
    capture_baseline,
    gather,
    judge,
    live_collection,
    load_archive,
    load_fleet,
    load_fleet_waivers,
    load_inventory,
    read_facts,
    read_previous,
    rerender,
    scan,
    write_snapshot,
)
from auditor.baseline import Baseline, default_baseline_path
from auditor.cli_baselines import RunBaselines, load_run_baselines
from auditor.cli_checks import (
    UsageError,
    check_baselines,
    check_file,
    check_fleet_args,
    check_judging_args,
    check_output,
)
from auditor.cli_console import print_collected, print_written, silence_stdout
from auditor.cli_parser import build_parser
from auditor.cli_reports import archive_dir, holding_archive, report_paths, write_run_reports
from auditor.errors import AuditorError, EvidenceError
from auditor.evidence.credentials import Credentials, credentials_from_environment
from auditor.evidence.fleet import CONNECTORS_FILE, NotAFleet
from auditor.evidence.inventory import FleetInventory
from auditor.outputs import OutputRefused, check_outputs
from auditor.parsing.connectors_csv import ConnectorInventory
from auditor.progress import terminal_progress
from auditor.reporting import load_xlsx_writer
from auditor.requirements import collection_baseline
from auditor.trend import RunRecord, run_identity, run_name
from auditor.verdicts import AuditResult
from auditor.waivers import WAIVERS_FILE, WaiverFile

__all__ = ["ExitCode", "UsageError", "main", "run"]

GC_EVERY = 50_000
"""Allocations between two collections of the youngest generation (CPython's default: 700)."""


def run() -> NoReturn:
    """The ``auditor`` command: main() with the process's collector set for a run."""
    # A run makes a few objects per file and server, and frees them by reference count;
    # cycles are rare. At CPython's default (a collection every 700 allocations, the older
    # generations traversing the growing heap of results) collecting cost 1.3 s of a
    # 10,000-server scan's 12. The worker processes inherit the setting.
    gc.set_threshold(GC_EVERY, 50, 100)
    code = main()
    # The interpreter's last collection, at exit, would traverse every object left: 25 ms
    # of a 0.45 s scan, to free memory the process is about to give back. Frozen objects
    # are not traversed; exit still flushes the streams and runs every exit handler.
    gc.freeze()
    sys.exit(code)


class ExitCode(IntEnum):
    OK = 0
    """Every server is compliant, not applicable or waived."""
    FINDINGS = 1
    """A server is exposed, below the baseline or incomplete."""
    USAGE = 2
    FAILED = 3
    """The run itself failed: unreadable baseline or fleet, unwritable output."""
    INTERRUPTED = 130
    """Ctrl-C: 128 + SIGINT, as a shell reports a command that the signal ended."""


def main(
    argv: Sequence[str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    *,
    now: datetime | None = None,
) -> int:
    """Run the CLI in-process; return the exit code. ``now`` stands in for the clock."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # argparse exits on --help (0) and on usage errors (2)
        return int(stop.code or 0)
    when = now or datetime.now(UTC)
    commands: dict[str, Callable[[argparse.Namespace, TextIO, datetime], int]] = {
        "scan": partial(_scan, err=err),
        "collect": partial(_collect, err=err),
        "judge": partial(_judge, err=err),
        "report": partial(_rerender, err=err),
        "baseline": partial(_baseline_command, err=err),
        "kit": _kit,
    }
    try:
        return commands[args.command](args, out, when)
    except (Exception, KeyboardInterrupt) as error:  # a crash must still exit 3: 1 is findings
        print(f"auditor: {_describe(error)}", file=err)
        return _exit_code_for(error)


def _exit_code_for(error: Exception | KeyboardInterrupt) -> int:
    """The one place that maps errors to exit codes.

    A problem with one server's evidence never gets here: it is a finding on that server.
    What does get here stopped the whole run, and exit 1 is kept for findings alone.
    """
    if isinstance(error, KeyboardInterrupt):
        return ExitCode.INTERRUPTED
    # A busy archive or an output that cannot be written is found before any server is
    # read: like a usage error, nothing was done, and the same command can be run again.
    if isinstance(error, UsageError | NotAFleet | OutputRefused | ArchiveBusy):
        return ExitCode.USAGE
    return ExitCode.FAILED


def _describe(error: Exception | KeyboardInterrupt) -> str:
    if isinstance(error, KeyboardInterrupt):
        return "interrupted"
    if isinstance(error, AuditorError):
        return str(error)
    return f"internal error, please report it: {type(error).__name__}: {error}"


def _scan(args: argparse.Namespace, out: TextIO, now: datetime, *, err: TextIO) -> int:
    compare = _comparing(args)
    check_judging_args(args)
    baseline, fleet, inventory = _fleet_inputs(args)
    waivers = load_fleet_waivers(_fleet_root(args, WAIVERS_FILE), args.waivers)
    previous = read_previous(args.previous) if args.previous else None
    chosen: RunBaselines = args.run_baselines
    collecting = collection_baseline(baseline, chosen.articles)
    identity = _fleet_identity(args)
    ids = chosen.ids
    paths = report_paths(args, now, run_name(baseline.article_id, ids))
    with holding_archive(paths):
        # The archive is read before any server is: no archived file can cost a scan.
        archive = (
            load_archive(
                archive_dir(), run_identity(baseline.article_id, ids), now, paths.json, identity
            )
            if compare
            else None
        )
        with terminal_progress(err, quiet=args.quiet) as progress:
            result = scan(
                args.fleet,
                baseline,
                inventory,
                fleet=fleet,
                live=live_collection(
                    collecting,
                    _account,
                    timeout=args.timeout,
                    events_days=args.events_days or None,
                ),
                now=now,
                waivers=waivers,
                save_evidence=args.save_evidence,
                workers=args.workers,
                progress=progress,
                articles=chosen.articles,
                service_packs=chosen.service_packs,
                meanwhile=load_xlsx_writer if paths.xlsx is not None else None,
            )
        result = replace(result, fleet=identity)
        return _report(result, out, previous, paths, archive, err=err)


def _collect(args: argparse.Namespace, out: TextIO, now: datetime, *, err: TextIO) -> int:
    check_output(args.facts, "facts")
    baseline, fleet, inventory = _fleet_inputs(args)
    baseline = collection_baseline(baseline, args.run_baselines.articles)
    with terminal_progress(err, quiet=args.quiet) as progress:
        snapshot = gather(
            args.fleet,
            baseline,
            inventory,
            fleet=fleet,
            live=live_collection(
                baseline, _account, timeout=args.timeout, events_days=args.events_days or None
            ),
            now=now,
            save_evidence=args.save_evidence,
            workers=args.workers,
            progress=progress,
            values=[value for article in args.run_baselines.articles for value in article.values],
        )
    written = write_snapshot(snapshot, args.facts)
    try:
        print_collected(snapshot, written, out)
    except BrokenPipeError:
        if out is sys.stdout:
            silence_stdout()
    return ExitCode.OK


def _fleet_inputs(
    args: argparse.Namespace,
) -> tuple[Baseline, FleetInventory | None, ConnectorInventory | None]:
    """What scan and collect read before the first server: usage errors come first."""
    check_fleet_args(args)
    baseline = _baseline(args)
    fleet = load_fleet(args.inventory) if args.inventory else None
    inventory = load_inventory(_fleet_root(args, CONNECTORS_FILE), args.connectors)
    return baseline, fleet, inventory


def _fleet_root(args: argparse.Namespace, name: str) -> Path:
    """Where a file the command line does not name (connectors.csv, waivers.toml) is looked
    for: FLEET_DIR, else the fleet inventory's folder, also when FLEET_DIR lacks it."""
    folders: list[Path] = [args.fleet] if args.fleet is not None else []
    if args.inventory is not None:
        folders.append(args.inventory.parent)
    return next((folder for folder in folders if (folder / name).is_file()), folders[0])


def _judge(args: argparse.Namespace, out: TextIO, now: datetime, *, err: TextIO) -> int:
    compare = _comparing(args)
    for facts in args.facts:
        check_file(facts, "facts snapshot")
    check_file(args.connectors, "connectors inventory")
    check_baselines(args.baseline)
    check_judging_args(args)
    baseline = _baseline(args)
    from auditor.snapshot_merge import merge_snapshots

    snapshot = merge_snapshots([(path, read_facts(path)) for path in args.facts])
    inventory = load_inventory(args.connectors.parent, args.connectors) if args.connectors else None
    waivers: WaiverFile | None = None
    if args.waivers is not None:
        waivers = load_fleet_waivers(args.waivers.parent, args.waivers)
    previous = read_previous(args.previous) if args.previous else None
    chosen: RunBaselines = args.run_baselines
    ids = chosen.ids
    paths = report_paths(args, now, run_name(baseline.article_id, ids))
    with holding_archive(paths):
        archive = (
            load_archive(archive_dir(), run_identity(baseline.article_id, ids), now, paths.json)
            if compare
            else None
        )
        result = judge(
            snapshot,
            baseline,
            inventory,
            now=now,
            waivers=waivers,
            articles=chosen.articles,
            service_packs=chosen.service_packs,
        )
        return _report(result, out, previous, paths, archive, err=err)


NO_PREVIOUS = "none"
"""``--previous none``: the run is compared with nothing."""


def _comparing(args: argparse.Namespace) -> bool:
    """False for ``--previous none``, which is then no path to check or read."""
    if args.previous is not None and str(args.previous) == NO_PREVIOUS:
        args.previous = None
        return False
    return True


def _fleet_identity(args: argparse.Namespace) -> str:
    """Which fleet a scan audited, for the trend: the fleet inventory's resolved path when
    one is named (the list of servers, kept in one place), else the fleet folder's."""
    named: Path = args.inventory if args.inventory is not None else args.fleet
    return str(named.resolve())


def _account() -> Credentials:
    """The account for live collection: from the environment, else asked on a terminal."""
    try:
        return credentials_from_environment(os.environ, sys.stdin)
    except EvidenceError as error:
        raise UsageError(str(error)) from None


def _baseline(args: argparse.Namespace) -> Baseline:
    """The run's primary baseline; what else --baseline named is kept on ``args``."""
    args.run_baselines = load_run_baselines(args.baseline)
    primary: Baseline = args.run_baselines.primary
    return primary


def _report(
    result: AuditResult,
    out: TextIO,
    previous: RunRecord | None,
    paths: ReportPaths,
    archive: tuple[list[RunRecord], list[str]] | None,
    *,
    err: TextIO,
) -> int:
    """Write the reports and the summary (see write_run_reports); the exit code of the run."""
    write_run_reports(result, out, previous, paths, archive, err=err)
    return ExitCode.FINDINGS if any(v.status.is_failing for v in result.servers) else ExitCode.OK


def _rerender(args: argparse.Namespace, out: TextIO, now: datetime, *, err: TextIO) -> int:
    run: Path = args.run
    check_file(run, "saved run")
    if args.xlsx or args.csv:
        paths = ReportPaths(args.xlsx, args.csv, None)
    else:
        paths = ReportPaths(run.with_suffix(".xlsx"), run.with_suffix(".csv"), None)
    if args.xlsx == STDOUT:
        raise UsageError("--xlsx -: a workbook is not text; name a file")
    check_outputs({"xlsx": paths.xlsx, "csv": paths.csv})
    _, written = rerender(run, paths, stdout=out)
    print_written(written, err if args.csv == STDOUT else out)
    return ExitCode.OK


def _baseline_command(args: argparse.Namespace, out: TextIO, now: datetime, *, err: TextIO) -> int:
    if args.baseline_command == "import":
        return _import(args, out, err)
    return _capture(args, out, now)


def _import(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    # Each command's own modules load with it: a scan's start-up does not pay for them.
    from auditor.catalogue.export import articles_json, import_articles, write_baselines
    from auditor.cli_catalogue import print_imported

    for path in args.articles:
        check_file(path, "article")
    if args.out_dir is not None and args.out_dir.exists() and not args.out_dir.is_dir():
        raise UsageError(f"{args.out_dir}: not a folder; --out-dir names the folder to write")
    articles = import_articles(args.articles)
    written = write_baselines(articles, args.out_dir) if args.out_dir is not None else []
    if args.json:
        print(json.dumps(articles_json(articles), indent=2, ensure_ascii=False), file=out)
    print_imported(articles, written, err if args.json else out)
    return ExitCode.FINDINGS if any(article.error for article in articles) else ExitCode.OK


def _capture(args: argparse.Namespace, out: TextIO, now: datetime) -> int:
    evidence: Path = args.evidence
    if not evidence.is_dir():
        raise UsageError(f"{evidence}: not a folder")
    check_file(args.baseline, "baseline")
    check_outputs({"out": args.out})
    capture = capture_baseline(evidence, args.baseline or default_baseline_path(), args.out, now)
    print(
        f"{args.out}: reference hashes of {len(capture.hashes)} files from {capture.server}, "
        f"extending {capture.parent}",
        file=out,
    )
    return ExitCode.OK


def _kit(args: argparse.Namespace, out: TextIO, now: datetime) -> int:
    from auditor.kit import write_kit

    for path in write_kit(args.folder):
        print(f"wrote {path}", file=out)
    print("on each server: collect.cmd OUT; then: auditor scan OUT", file=out)
    return ExitCode.OK
