"""The command line's checks of what it names: usage errors, found before anything is
read, so that exit 2 means nothing was done."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from auditor.archive import STDOUT
from auditor.errors import AuditorError
from auditor.outputs import check_outputs

__all__ = [
    "UsageError",
    "check_baselines",
    "check_file",
    "check_fleet_args",
    "check_judging_args",
    "check_output",
]


class UsageError(AuditorError):
    """The command line names something that is not there."""


def check_fleet_args(args: argparse.Namespace) -> None:
    """Usage errors first, before anything is read: exit 2 means nothing was done."""
    if args.fleet is None and args.inventory is None:
        raise UsageError(f"auditor {args.command}: name a FLEET_DIR, an --inventory, or both")
    if args.fleet is not None and not args.fleet.is_dir():
        raise UsageError(f"{args.fleet}: not a folder")
    check_file(args.inventory, "fleet inventory")
    check_file(args.connectors, "connectors inventory")
    check_baselines(args.baseline)
    if not 0 < args.timeout < math.inf:  # NaN too: a NaN timeout fails every live server late
        raise UsageError(f"--timeout {args.timeout:g}: must be a number of seconds above 0")
    if args.events_days < 0:
        raise UsageError(f"--events-days {args.events_days}: must be 0 or more")
    if args.save_evidence is not None and _holds_anything(args.save_evidence):
        raise UsageError(f"{args.save_evidence}: --save-evidence needs a new or empty folder")


def _holds_anything(folder: Path) -> bool:
    """True for a file, or a folder with entries: saved evidence must not mix with older."""
    if not folder.exists():
        return False
    return not folder.is_dir() or any(folder.iterdir())


def check_judging_args(args: argparse.Namespace) -> None:
    check_file(args.previous, "previous run")
    check_file(args.waivers, "waivers file")
    if args.xlsx == STDOUT:
        raise UsageError("--xlsx -: a workbook is not text; name a file")
    if args.csv == STDOUT and args.json == STDOUT:
        raise UsageError("--csv - and --json -: only one report can go to stdout")
    check_outputs({option: getattr(args, option) for option in ("xlsx", "csv", "json")})


def check_output(path: Path | None, option: str) -> None:
    """An output that could not be written could only fail once the fleet has been read."""
    check_outputs({option: path})


def check_file(path: Path | None, what: str) -> None:
    if path is not None and not path.is_file():
        raise UsageError(f"{path}: no such {what}")


def check_baselines(paths: list[Path] | None) -> None:
    for path in paths or ():
        if not path.is_file() and not path.is_dir():
            raise UsageError(f"{path}: no such baseline file or folder")
