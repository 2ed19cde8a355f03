"""The command line: argv in, exit code out. Only this module knows about either."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from enum import IntEnum
from pathlib import Path
from typing import TextIO

from auditor import __version__
from auditor.audit import (
    DEFAULT_WORKERS,
    ReportPaths,
    default_report_paths,
    load_inventory,
    scan,
    write_reports,
)
from auditor.baseline import default_baseline_path, load_baseline
from auditor.errors import AuditorError
from auditor.progress import terminal_progress
from auditor.verdicts import AuditResult, Status

__all__ = ["ExitCode", "UsageError", "main"]


class UsageError(AuditorError):
    """The command line names something that is not there."""


class ExitCode(IntEnum):
    OK = 0
    """Every server is compliant or not applicable."""
    FINDINGS = 1
    """A server is exposed, below the baseline or incomplete."""
    USAGE = 2
    FAILED = 3
    """The run itself failed: unreadable baseline or fleet, unwritable output."""


EPILOG = """\
examples:
  auditor scan examples/fleet
  auditor scan /audits/fleet --connectors /audits/connectors.csv --xlsx q4.xlsx
  python -m auditor scan FLEET_DIR --json result.json

exit codes: 0 all compliant or not applicable; 1 a server is exposed, below the
baseline or incomplete; 2 usage error; 3 the run failed.
"""

SCAN_HELP = """\
Judge every server folder under FLEET_DIR against the baseline and write the
management workbook (xlsx), the Servers sheet as CSV, and the full result as JSON.
Without output options all three go to reports/<YYYY>-Q<n>/ under the current folder.

example:
  auditor scan examples/fleet
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
    scan_parser = commands.add_parser(
        "scan",
        help="scan a fleet of evidence folders and write the reports",
        description=SCAN_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    scan_parser.add_argument("fleet", type=Path, metavar="FLEET_DIR", help="one folder per server")
    scan_parser.add_argument(
        "--baseline", type=Path, help="baseline TOML (default: the shipped q197378.toml)"
    )
    scan_parser.add_argument(
        "--connectors", type=Path, help="connectors inventory (default: FLEET_DIR/connectors.csv)"
    )
    scan_parser.add_argument("--xlsx", type=Path, help="write the workbook here")
    scan_parser.add_argument("--csv", type=Path, help="write the Servers sheet as CSV here")
    scan_parser.add_argument("--json", type=Path, help="write the full result as JSON here")
    scan_parser.add_argument(
        "--workers",
        type=_positive,
        default=DEFAULT_WORKERS,
        metavar="N",
        help=f"servers collected at a time (default {DEFAULT_WORKERS}; "
        "local evidence uses at most one process per CPU)",
    )
    scan_parser.add_argument(
        "--quiet", action="store_true", help="no progress line on a terminal's stderr"
    )
    return parser


def _positive(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return number


def main(
    argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Run the CLI in-process; return the exit code."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # argparse exits on --help (0) and on usage errors (2)
        return int(stop.code or 0)
    try:
        return _scan(args, out, err)
    except Exception as error:  # a crash must still exit 3: exit 1 means findings
        print(f"auditor: {_describe(error)}", file=err)
        return _exit_code_for(error)


def _exit_code_for(error: Exception) -> int:
    """The one place that maps errors to exit codes.

    A problem with one server's evidence never gets here: it is a finding on that server.
    What does get here stopped the whole run, and exit 1 is kept for findings alone.
    """
    if isinstance(error, UsageError):
        return ExitCode.USAGE
    return ExitCode.FAILED


def _describe(error: Exception) -> str:
    if isinstance(error, AuditorError):
        return str(error)
    return f"internal error, please report it: {type(error).__name__}: {error}"


def _scan(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    fleet: Path = args.fleet
    if not fleet.is_dir():
        raise UsageError(f"{fleet}: not a folder")
    if args.connectors is not None and not args.connectors.is_file():
        raise UsageError(f"{args.connectors}: no such connectors inventory")
    if args.baseline is not None and not args.baseline.is_file():
        raise UsageError(f"{args.baseline}: no such baseline")
    baseline = load_baseline(args.baseline or default_baseline_path())
    inventory = load_inventory(fleet, args.connectors)
    now = datetime.now(UTC)
    with terminal_progress(err, quiet=args.quiet) as progress:
        result = scan(fleet, baseline, inventory, now=now, workers=args.workers, progress=progress)
    if args.xlsx or args.csv or args.json:
        paths = ReportPaths(args.xlsx, args.csv, args.json)
    else:
        paths = default_report_paths(Path.cwd(), now, baseline.article_id)
    written = write_reports(result, paths)
    try:
        _print_summary(result, written, out)
    except BrokenPipeError:
        # The reader (say, `| head`) has gone; the reports are written and the verdicts stand.
        if out is sys.stdout:
            _silence_stdout()
    return ExitCode.FINDINGS if any(v.status.is_failing for v in result.servers) else ExitCode.OK


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
