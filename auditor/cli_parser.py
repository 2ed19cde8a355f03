"""The command line's grammar: commands, options and their help, for ``auditor.cli``.

The help texts are the commands' documentation (a test holds the README to them); parsing
checks only the shape of each argument, and ``auditor.cli`` checks what it names.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from auditor import __version__
from auditor.evidence.credentials import DEFAULT_TIMEOUT
from auditor.evidence.eventlog_rpc import DEFAULT_EVENT_DAYS
from auditor.pool import DEFAULT_WORKERS

__all__ = ["build_parser"]


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
  auditor baseline import Q197398.txt Q198392.txt --out-dir baselines/catalogue
  auditor kit /media/floppy

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
  auditor judge london.json paris.json --baseline baselines/catalogue
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

IMPORT_HELP = """\
Read the file tables of Knowledge Base articles (plain text, or the archive's pages)
and print them, as JSON with --json, and write one baseline per article to
DIR/<article id>.toml with --out-dir. An article without a file table is reported
with its error and makes the exit code 1; the others are imported all the same.

example:
  auditor baseline import Q197398.txt Q198392.txt --out-dir baselines/catalogue
"""


class CommandParser(argparse.ArgumentParser):
    """A command's parser: an argument it does not know is an error with its own usage.

    argparse otherwise hands a command's unknown arguments up to the top parser, which
    shows "usage: auditor [-h] COMMAND", not the usage of the command that was mistyped.
    """

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        parsed, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed, extras


def _add_version(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-V", "--version", action="version", version=f"fixlevel {__version__}")


KIT_HELP = """\
Write the evidence collection kit, collect.cmd, into DIR (made if missing). On a
server that cannot be read live (NT 4.0 or Windows 2000), run `collect.cmd OUT`
from DIR: it copies the MTA files of every drive's exchsrvr\\bin and exports the
Services registry key into OUT\\<computer name>\\; `auditor scan OUT` reads it.

example:
  auditor kit /media/floppy
"""


def build_parser() -> argparse.ArgumentParser:
    # allow_abbrev=False everywhere: "--js" must not quietly mean --json, nor a future
    # option's prefix change what an old command line does.
    parser = argparse.ArgumentParser(
        prog="auditor",
        description="fixlevel: which of our servers are still exposed to a Knowledge Base fix?",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    _add_version(parser)
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=CommandParser
    )
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
    judge_parser.add_argument(
        "facts",
        type=Path,
        nargs="+",
        metavar="FACTS",
        help="from auditor collect; several (one per site) are judged as one fleet",
    )
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
    kit_parser = _command(commands, "kit", "write the evidence collection kit", KIT_HELP)
    kit_parser.add_argument("folder", type=Path, metavar="DIR", help="where to write collect.cmd")
    return parser


def _command(
    commands: argparse._SubParsersAction[CommandParser],
    name: str,
    summary: str,
    description: str,
) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        name,
        help=summary,
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    _add_version(parser)
    return parser


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
        "--events-days",
        type=int,
        default=DEFAULT_EVENT_DAYS,
        metavar="DAYS",
        help="days of a live server's Application log read for MTA event 9301 "
        f"(default: {DEFAULT_EVENT_DAYS}; 0: the log is not read)",
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
        action="append",
        metavar="PATH",
        help="baseline TOML, or a folder of them; repeat it to audit against several "
        "articles at once (default: the shipped q197378.toml)",
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


def _add_rerender(commands: argparse._SubParsersAction[CommandParser]) -> None:
    report_parser = _command(
        commands, "report", "rebuild the workbook and CSV of a saved run from its JSON", REPORT_HELP
    )
    report_parser.add_argument("run", type=Path, metavar="RUN.json", help="a saved JSON report")
    report_parser.add_argument("--xlsx", type=Path, metavar="PATH", help="write the workbook here")
    report_parser.add_argument(
        "--csv", type=Path, metavar="PATH", help="write the Servers sheet as CSV here"
    )


def _add_capture(commands: argparse._SubParsersAction[CommandParser]) -> None:
    baseline_parser = commands.add_parser(
        "baseline", help="work with baselines", allow_abbrev=False
    )
    _add_version(baseline_parser)
    baseline_commands = baseline_parser.add_subparsers(
        dest="baseline_command", metavar="COMMAND", required=True, parser_class=CommandParser
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
    import_parser = _command(
        baseline_commands, "import", "read KB articles' file tables into baselines", IMPORT_HELP
    )
    import_parser.add_argument(
        "articles", type=Path, nargs="+", metavar="ARTICLE", help="an article's text file"
    )
    import_parser.add_argument(
        "--out-dir", type=Path, metavar="DIR", help="write DIR/<id in lower case>.toml"
    )
    import_parser.add_argument(
        "--json", action="store_true", help="print the file tables as JSON on stdout"
    )
