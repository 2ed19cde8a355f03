"""The command line: argv in, exit code out. Only this module knows about either."""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from enum import IntEnum
from functools import partial
from pathlib import Path
from typing import TextIO

from auditor import __version__
from auditor.audit import (
    DEFAULT_WORKERS,
    ReportPaths,
    add_trend,
    capture_baseline,
    default_report_paths,
    gather,
    judge,
    live_collection,
    load_fleet,
    load_fleet_waivers,
    load_inventory,
    read_facts,
    read_previous,
    rerender,
    scan,
    write_reports,
    write_snapshot,
)
from auditor.baseline import Baseline, default_baseline_path, load_baseline
from auditor.errors import AuditorError, EvidenceError
from auditor.evidence.credentials import (
    DEFAULT_TIMEOUT,
    Credentials,
    credentials_from_environment,
)
from auditor.evidence.fleet import CONNECTORS_FILE, NotAFleet
from auditor.evidence.inventory import FleetInventory
from auditor.parsing.connectors_csv import ConnectorInventory
from auditor.progress import terminal_progress
from auditor.reporting.management import connectors_gap, connectors_unknown_count, headline
from auditor.snapshot import Snapshot
from auditor.trend import RunRecord
from auditor.verdicts import AuditResult, Status
from auditor.waivers import WAIVERS_FILE, WaiverFile

__all__ = ["ExitCode", "UsageError", "main"]


class UsageError(AuditorError):
    """The command line names something that is not there."""


class ExitCode(IntEnum):
    OK = 0
    """Every server is compliant, not applicable or waived."""
    FINDINGS = 1
    """A server is exposed, below the baseline or incomplete."""
    USAGE = 2
    FAILED = 3
    """The run itself failed: unreadable baseline or fleet, unwritable output."""


EPILOG = """\
examples:
  auditor scan examples/fleet
  auditor scan /audits/fleet --connectors /audits/connectors.csv --xlsx q4.xlsx
  auditor scan --inventory fleet.csv
  auditor scan --inventory fleet.csv --save-evidence /audits/kept-2026-11
  auditor collect --inventory fleet.csv --facts q4-facts.json
  auditor judge q4-facts.json --baseline next.toml --xlsx q4.xlsx
  python -m auditor scan FLEET_DIR --json result.json
  auditor report reports/2026-Q4/q197378-2026-11-24.json --xlsx again.xlsx
  auditor baseline capture evidence/MTA-GOOD --out baselines/local-reference.toml

exit codes: 0 all compliant, not applicable or waived; 1 a server is exposed, below
the baseline or incomplete; 2 usage error; 3 the run failed.
"""

SCAN_HELP = """\
Judge every server against the baseline and write the management workbook (xlsx),
the Servers sheet as CSV, and the full result as JSON. The servers are the folders
and zips under FLEET_DIR, the rows of a fleet inventory (--inventory), or both.
Without output options all three reports go to reports/<YYYY>-Q<n>/ under the
current folder. The run is compared with --previous, else with the newest earlier
JSON under reports/; waivers come from --waivers, else waivers.toml in FLEET_DIR,
else beside the fleet inventory (connectors.csv likewise).

examples:
  auditor scan examples/fleet
  auditor scan --inventory fleet.csv --xlsx q4.xlsx
  auditor scan examples/fleet --waivers waivers.toml --previous old/q197378.json
"""

COLLECT_HELP = """\
Gather the facts of every server, as scan does, but judge nothing: write them,
with the connectors inventory, to a snapshot that `auditor judge` reads later.

example:
  auditor collect examples/fleet --facts facts.json
"""

JUDGE_HELP = """\
Judge a facts snapshot written by `auditor collect`, against the same or another
baseline, and write the same reports as scan. --connectors replaces the connectors
inventory kept in the snapshot.

example:
  auditor judge facts.json --baseline baselines/q197378.toml --xlsx q4.xlsx
"""

REPORT_HELP = """\
Rebuild the workbook and the CSV of a saved run from its JSON alone, without the
evidence. Without output options both go beside RUN.json.

example:
  auditor report reports/2026-Q4/q197378-2026-11-24.json --xlsx q4.xlsx
"""

CAPTURE_HELP = """\
Record the sha256 of every baseline file on a known-good server, as a baseline that
extends the one given (by default the shipped q197378.toml). Scanning with it
reports data files that differ from the reference, or are missing, as warnings.

example:
  auditor baseline capture evidence/MTA-GOOD --out baselines/local-reference.toml
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="auditor",
        description="fixlevel: which of our servers are still exposed to a Knowledge Base fix?",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"fixlevel {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    scan_parser = _command(commands, "scan", "scan a fleet and write the reports", SCAN_HELP)
    _add_fleet(scan_parser)
    _add_baseline(scan_parser)
    _add_outputs(scan_parser)
    _add_judging(scan_parser, "waivers.toml in FLEET_DIR, else beside the fleet inventory")
    collect_parser = _command(
        commands, "collect", "gather a fleet's facts into a snapshot, judging nothing", COLLECT_HELP
    )
    _add_fleet(collect_parser)
    _add_baseline(collect_parser)
    collect_parser.add_argument(
        "--facts",
        type=Path,
        metavar="PATH",
        required=True,
        help="write the facts snapshot (JSON) here",
    )
    judge_parser = _command(
        commands, "judge", "judge a facts snapshot and write the reports", JUDGE_HELP
    )
    judge_parser.add_argument("facts", type=Path, metavar="FACTS", help="from auditor collect")
    _add_baseline(judge_parser)
    judge_parser.add_argument(
        "--connectors",
        type=Path,
        metavar="PATH",
        help="connectors inventory (default: the snapshot's)",
    )
    _add_outputs(judge_parser)
    _add_judging(judge_parser, "none")
    _add_rerender(commands)
    _add_capture(commands)
    return parser


def _command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    summary: str,
    description: str,
) -> argparse.ArgumentParser:
    return commands.add_parser(
        name,
        help=summary,
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def _add_fleet(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "fleet", type=Path, nargs="?", metavar="FLEET_DIR", help="holds a folder or zip per server"
    )
    parser.add_argument(
        "--inventory",
        type=Path,
        metavar="FLEET_CSV",
        help="fleet inventory: server,host[,port,site,owner,evidence], a row per server",
    )
    parser.add_argument(
        "--connectors",
        type=Path,
        metavar="PATH",
        help="connectors inventory (default: connectors.csv in FLEET_DIR, "
        "else beside the fleet inventory)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"time allowed to each server read live (default: {DEFAULT_TIMEOUT:g})",
    )
    parser.add_argument(
        "--save-evidence",
        type=Path,
        metavar="DIR",
        help="keep what was read from each server in DIR/<server>/ (a new or empty folder), "
        "so that a later `auditor scan DIR` judges it again offline",
    )
    parser.add_argument(
        "--workers",
        type=_positive,
        default=DEFAULT_WORKERS,
        metavar="N",
        help=f"servers collected at a time (default {DEFAULT_WORKERS}; "
        "evidence folders use at most one process per CPU)",
    )
    parser.add_argument(
        "--quiet", action="store_true", help="no progress line on a terminal's stderr"
    )


def _positive(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return number


def _add_baseline(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="PATH",
        help="baseline TOML (default: the shipped q197378.toml)",
    )


def _add_outputs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--xlsx", type=Path, metavar="PATH", help="write the workbook here")
    parser.add_argument(
        "--csv", type=Path, metavar="PATH", help="write the Servers sheet as CSV here"
    )
    parser.add_argument(
        "--json", type=Path, metavar="PATH", help="write the full result as JSON here"
    )


def _add_judging(parser: argparse.ArgumentParser, waivers_default: str) -> None:
    """What scan and judge add to the verdicts: the trend and the waivers."""
    parser.add_argument(
        "--previous",
        type=Path,
        metavar="PATH.json",
        help="compare with this run (default: the newest earlier JSON under reports/)",
    )
    parser.add_argument(
        "--waivers", type=Path, metavar="PATH", help=f"waivers TOML (default: {waivers_default})"
    )


def _add_rerender(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report_parser = _command(
        commands, "report", "rebuild the workbook and CSV of a saved run from its JSON", REPORT_HELP
    )
    report_parser.add_argument("run", type=Path, metavar="RUN.json", help="a saved JSON report")
    report_parser.add_argument("--xlsx", type=Path, metavar="PATH", help="write the workbook here")
    report_parser.add_argument(
        "--csv", type=Path, metavar="PATH", help="write the Servers sheet as CSV here"
    )


def _add_capture(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    baseline_parser = commands.add_parser("baseline", help="work with baselines")
    baseline_commands = baseline_parser.add_subparsers(
        dest="baseline_command", metavar="COMMAND", required=True
    )
    capture_parser = _command(
        baseline_commands,
        "capture",
        "record reference hashes from a known-good server",
        CAPTURE_HELP,
    )
    capture_parser.add_argument(
        "evidence", type=Path, metavar="SERVER_EVIDENCE", help="one server's evidence folder"
    )
    capture_parser.add_argument(
        "--out", type=Path, metavar="PATH", required=True, help="the baseline to write"
    )
    capture_parser.add_argument(
        "--baseline",
        type=Path,
        metavar="PATH",
        help="the baseline to extend (default: the shipped q197378.toml)",
    )


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
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # argparse exits on --help (0) and on usage errors (2)
        return int(stop.code or 0)
    when = now or datetime.now(UTC)
    commands: dict[str, Callable[[argparse.Namespace, TextIO, datetime], int]] = {
        "scan": partial(_scan, err=err),
        "collect": partial(_collect, err=err),
        "judge": _judge,
        "report": _rerender,
        "baseline": _capture,
    }
    try:
        return commands[args.command](args, out, when)
    except Exception as error:  # a crash must still exit 3: exit 1 means findings
        print(f"auditor: {_describe(error)}", file=err)
        return _exit_code_for(error)


def _exit_code_for(error: Exception) -> int:
    """The one place that maps errors to exit codes.

    A problem with one server's evidence never gets here: it is a finding on that server.
    What does get here stopped the whole run, and exit 1 is kept for findings alone.
    """
    if isinstance(error, UsageError | NotAFleet):
        return ExitCode.USAGE
    return ExitCode.FAILED


def _describe(error: Exception) -> str:
    if isinstance(error, AuditorError):
        return str(error)
    return f"internal error, please report it: {type(error).__name__}: {error}"


def _scan(args: argparse.Namespace, out: TextIO, now: datetime, *, err: TextIO) -> int:
    _check_judging_args(args)
    baseline, fleet, inventory = _fleet_inputs(args)
    waivers = load_fleet_waivers(_fleet_root(args, WAIVERS_FILE), args.waivers)
    previous = read_previous(args.previous) if args.previous else None
    with terminal_progress(err, quiet=args.quiet) as progress:
        result = scan(
            args.fleet,
            baseline,
            inventory,
            fleet=fleet,
            live=live_collection(baseline, _account, timeout=args.timeout),
            now=now,
            waivers=waivers,
            save_evidence=args.save_evidence,
            workers=args.workers,
            progress=progress,
        )
    return _report(result, args, now, out, previous)


def _collect(args: argparse.Namespace, out: TextIO, now: datetime, *, err: TextIO) -> int:
    _check_output(args.facts, "facts")
    baseline, fleet, inventory = _fleet_inputs(args)
    with terminal_progress(err, quiet=args.quiet) as progress:
        snapshot = gather(
            args.fleet,
            baseline,
            inventory,
            fleet=fleet,
            live=live_collection(baseline, _account, timeout=args.timeout),
            now=now,
            save_evidence=args.save_evidence,
            workers=args.workers,
            progress=progress,
        )
    written = write_snapshot(snapshot, args.facts)
    try:
        _print_collected(snapshot, written, out)
    except BrokenPipeError:
        if out is sys.stdout:
            _silence_stdout()
    return ExitCode.OK


def _fleet_inputs(
    args: argparse.Namespace,
) -> tuple[Baseline, FleetInventory | None, ConnectorInventory | None]:
    """What scan and collect read before the first server: usage errors come first."""
    _check_fleet_args(args)
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


def _judge(args: argparse.Namespace, out: TextIO, now: datetime) -> int:
    _check_file(args.facts, "facts snapshot")
    _check_file(args.connectors, "connectors inventory")
    _check_file(args.baseline, "baseline")
    _check_judging_args(args)
    baseline = _baseline(args)
    snapshot = read_facts(args.facts)
    inventory = load_inventory(args.connectors.parent, args.connectors) if args.connectors else None
    waivers: WaiverFile | None = None
    if args.waivers is not None:
        waivers = load_fleet_waivers(args.waivers.parent, args.waivers)
    previous = read_previous(args.previous) if args.previous else None
    result = judge(snapshot, baseline, inventory, now=now, waivers=waivers)
    return _report(result, args, now, out, previous)


def _check_fleet_args(args: argparse.Namespace) -> None:
    """Usage errors first, before anything is read: exit 2 means nothing was done."""
    if args.fleet is None and args.inventory is None:
        raise UsageError(f"auditor {args.command}: name a FLEET_DIR, an --inventory, or both")
    if args.fleet is not None and not args.fleet.is_dir():
        raise UsageError(f"{args.fleet}: not a folder")
    _check_file(args.inventory, "fleet inventory")
    _check_file(args.connectors, "connectors inventory")
    _check_file(args.baseline, "baseline")
    if not 0 < args.timeout < math.inf:  # NaN too: a NaN timeout fails every live server late
        raise UsageError(f"--timeout {args.timeout:g}: must be a number of seconds above 0")
    if args.save_evidence is not None and _holds_anything(args.save_evidence):
        raise UsageError(f"{args.save_evidence}: --save-evidence needs a new or empty folder")


def _holds_anything(folder: Path) -> bool:
    """True for a file, or a folder with entries: saved evidence must not mix with older."""
    if not folder.exists():
        return False
    return not folder.is_dir() or any(folder.iterdir())


def _account() -> Credentials:
    """The account for live collection: from the environment, else asked on a terminal."""
    try:
        return credentials_from_environment(os.environ, sys.stdin)
    except EvidenceError as error:
        raise UsageError(str(error)) from None


def _check_judging_args(args: argparse.Namespace) -> None:
    _check_file(args.previous, "previous run")
    _check_file(args.waivers, "waivers file")
    for option in ("xlsx", "csv", "json"):
        _check_output(getattr(args, option), option)


def _check_output(path: Path | None, option: str) -> None:
    """An output that is a folder could only fail once the whole fleet has been read."""
    if path is not None and path.is_dir():
        raise UsageError(f"{path}: a folder; --{option} names the file to write")


def _check_file(path: Path | None, what: str) -> None:
    if path is not None and not path.is_file():
        raise UsageError(f"{path}: no such {what}")


def _baseline(args: argparse.Namespace) -> Baseline:
    return load_baseline(args.baseline or default_baseline_path())


def _report(
    result: AuditResult,
    args: argparse.Namespace,
    now: datetime,
    out: TextIO,
    previous: RunRecord | None,
) -> int:
    """Compare with the previous run, write the reports, print the summary: scan and judge."""
    if args.xlsx or args.csv or args.json:
        paths = ReportPaths(args.xlsx, args.csv, args.json)
    else:
        paths = default_report_paths(Path.cwd(), now, result.baseline.article_id)
    result = add_trend(result, Path.cwd() / "reports", previous, exclude=paths.json)
    written = write_reports(result, paths)
    try:
        _print_summary(result, written, out)
    except BrokenPipeError:
        # The reader (say, `| head`) has gone; the reports are written and the verdicts stand.
        if out is sys.stdout:
            _silence_stdout()
    return ExitCode.FINDINGS if any(v.status.is_failing for v in result.servers) else ExitCode.OK


def _print_collected(snapshot: Snapshot, written: Path, out: TextIO) -> None:
    unread = [
        facts
        for facts in snapshot.servers
        if facts.problems or any(file.error for file in facts.files)
    ]
    print(
        f"{snapshot.baseline_id}: collected {len(snapshot.servers)} servers, "
        f"{len(unread)} with evidence that could not be read",
        file=out,
    )
    for facts in unread[:20]:
        reasons = [*facts.problems, *(file.error for file in facts.files if file.error)]
        print(f"  ! {_printable(facts.server)}: {_printable('; '.join(reasons))}", file=out)
    if len(unread) > 20:
        print(f"  ... and {len(unread) - 20} more in the snapshot", file=out)
    for note in snapshot.notes:
        print(f"  note: {_printable(note)}", file=out)
    print(f"wrote {written}", file=out)


def _rerender(args: argparse.Namespace, out: TextIO, now: datetime) -> int:
    run: Path = args.run
    _check_file(run, "saved run")
    if args.xlsx or args.csv:
        paths = ReportPaths(args.xlsx, args.csv, None)
    else:
        paths = ReportPaths(run.with_suffix(".xlsx"), run.with_suffix(".csv"), None)
    _, written = rerender(run, paths)
    for path in written:
        print(f"wrote {path}", file=out)
    return ExitCode.OK


def _capture(args: argparse.Namespace, out: TextIO, now: datetime) -> int:
    evidence: Path = args.evidence
    if not evidence.is_dir():
        raise UsageError(f"{evidence}: not a folder")
    _check_file(args.baseline, "baseline")
    capture = capture_baseline(evidence, args.baseline or default_baseline_path(), args.out, now)
    print(
        f"{args.out}: reference hashes of {len(capture.hashes)} files from {capture.server}, "
        f"extending {capture.parent}",
        file=out,
    )
    return ExitCode.OK


def _print_summary(result: AuditResult, written: list[Path], out: TextIO) -> None:
    baseline = result.baseline
    print(
        f"{baseline.article_id} (fix build {baseline.fixed_build}): {len(result.servers)} servers",
        file=out,
    )
    for status in Status:
        print(f"  {status.value:<15} {result.count(status):>6}", file=out)
    failing = [v for v in result.servers if v.status.is_failing]
    for verdict in sorted(failing, key=lambda v: (v.status.severity, v.server.casefold()))[:20]:
        reason = "; ".join(verdict.reasons)
        print(
            f"  ! {_printable(verdict.server)}: {verdict.status.value}: {_printable(reason)}",
            file=out,
        )
    if len(failing) > 20:
        print(f"  ... and {len(failing) - 20} more in the reports", file=out)
    print(f"  {_printable(headline(result))}", file=out)
    if unknown := connectors_unknown_count(result):
        print(f"  {connectors_gap(unknown)}", file=out)
    for note in result.notes:
        print(f"  note: {_printable(note)}", file=out)
    for path in written:
        print(f"wrote {path}", file=out)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file behind stdout: nothing will flush to it
        pass


def _printable(text: str) -> str:
    """Evidence text on a terminal: no control characters (escape sequences), bounded length."""
    clean = "".join(ch if ch.isprintable() else "?" for ch in text)
    return clean if len(clean) <= 200 else clean[:197] + "..."
