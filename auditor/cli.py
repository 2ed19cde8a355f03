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
    ReportPaths,
    add_trend,
    capture_baseline,
    default_report_paths,
    load_fleet_waivers,
    load_inventory,
    rerender,
    scan,
    write_reports,
)
from auditor.baseline import default_baseline_path, load_baseline
from auditor.errors import AuditorError
from auditor.reporting.management import headline
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
  auditor report reports/2026-Q4/q197378-2026-11-24.json --xlsx again.xlsx
  auditor baseline capture evidence/MTA-GOOD --out baselines/local-reference.toml

exit codes: 0 all compliant or not applicable; 1 a server is exposed, below the
baseline or incomplete; 2 usage error; 3 the run failed.
"""

SCAN_HELP = """\
Judge every server folder under FLEET_DIR against the baseline and write the
management workbook (xlsx), the Servers sheet as CSV, and the full result as JSON.
Without output options all three go to reports/<YYYY>-Q<n>/ under the current folder.

The run is compared with --previous, else with the newest earlier JSON under
reports/; waivers come from --waivers, else FLEET_DIR/waivers.toml.

example:
  auditor scan examples/fleet
  auditor scan examples/fleet --waivers waivers.toml --previous old/q197378.json
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
        "--previous",
        type=Path,
        metavar="PATH.json",
        help="compare with this run (default: the newest earlier JSON under reports/)",
    )
    scan_parser.add_argument(
        "--waivers", type=Path, help="waivers TOML (default: FLEET_DIR/waivers.toml)"
    )
    report_parser = commands.add_parser(
        "report",
        help="rebuild the workbook and CSV of a saved run from its JSON",
        description=REPORT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    report_parser.add_argument("run", type=Path, metavar="RUN.json", help="a saved JSON report")
    report_parser.add_argument("--xlsx", type=Path, help="write the workbook here")
    report_parser.add_argument("--csv", type=Path, help="write the Servers sheet as CSV here")
    baseline_parser = commands.add_parser("baseline", help="work with baselines")
    baseline_commands = baseline_parser.add_subparsers(
        dest="baseline_command", metavar="COMMAND", required=True
    )
    capture_parser = baseline_commands.add_parser(
        "capture",
        help="record reference hashes from a known-good server",
        description=CAPTURE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    capture_parser.add_argument(
        "evidence", type=Path, metavar="SERVER_EVIDENCE", help="one server's evidence folder"
    )
    capture_parser.add_argument("--out", type=Path, required=True, help="the baseline to write")
    capture_parser.add_argument(
        "--baseline", type=Path, help="the baseline to extend (default: the shipped q197378.toml)"
    )
    return parser


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
    try:
        if args.command == "report":
            return _report(args, out)
        if args.command == "baseline":
            return _capture(args, out, when)
        return _scan(args, out, when)
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


def _must_be_file(path: Path | None, what: str) -> None:
    if path is not None and not path.is_file():
        raise UsageError(f"{path}: no such {what}")


def _scan(args: argparse.Namespace, out: TextIO, now: datetime) -> int:
    fleet: Path = args.fleet
    if not fleet.is_dir():
        raise UsageError(f"{fleet}: not a folder")
    _must_be_file(args.connectors, "connectors inventory")
    _must_be_file(args.baseline, "baseline")
    _must_be_file(args.previous, "previous run")
    _must_be_file(args.waivers, "waivers file")
    baseline = load_baseline(args.baseline or default_baseline_path())
    inventory = load_inventory(fleet, args.connectors)
    waivers = load_fleet_waivers(fleet, args.waivers)
    result = scan(fleet, baseline, inventory, now=now, waivers=waivers)
    if args.xlsx or args.csv or args.json:
        paths = ReportPaths(args.xlsx, args.csv, args.json)
    else:
        paths = default_report_paths(Path.cwd(), now, baseline.article_id)
    result = add_trend(result, Path.cwd() / "reports", args.previous, exclude=paths.json)
    written = write_reports(result, paths)
    try:
        _print_summary(result, written, out)
    except BrokenPipeError:
        # The reader (say, `| head`) has gone; the reports are written and the verdicts stand.
        if out is sys.stdout:
            _silence_stdout()
    return ExitCode.FINDINGS if any(v.status.is_failing for v in result.servers) else ExitCode.OK


def _report(args: argparse.Namespace, out: TextIO) -> int:
    run: Path = args.run
    _must_be_file(run, "saved run")
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
    _must_be_file(args.baseline, "baseline")
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
