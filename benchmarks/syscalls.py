"""System calls per server of a scan, counted with strace.

Run from the repository root:  python benchmarks/syscalls.py FLEET [WORK] [--collection]

FLEET is a fleet folder (``benchmarks/make_fleet.py N FLEET``); WORK (default: a temporary
folder) receives a one-server copy of it and strace's tables. ``strace -f -c`` counts every
system call of every process and thread of the run; the run of the one-server copy is
subtracted, which takes away the fixed cost (interpreter start, imports, the baseline, the
reports' files), and the difference is divided by the other servers. The libraries the
audit loads on first use (regipy at the first hive) are loaded before the count's work in
both runs, so that their one-time import is part of the fixed cost whichever server the
one-server copy holds, not spread over the servers.

By default the run is ``auditor scan FLEET --json``: all a scan does per server (listing,
reading, the worker processes' traffic, judging, the JSON's writes). With ``--collection``
(``collection_only=True``) the run is ``collect()`` of each server in one process, with no
pool and no report: the evidence's own cost, what a scan cannot go below.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

__all__ = ["count_syscalls", "syscalls_per_server"]

_PRELOAD = "import regipy.registry"
"""What the audit imports on first use: counted with the fixed cost (see the module's text)."""

_COLLECT_ONLY = (
    _PRELOAD
    + """
import sys
from pathlib import Path
from auditor.baseline import default_baseline_path, load_baseline
from auditor.collect import collect
from auditor.evidence.fleet import discover_fleet
baseline = load_baseline(default_baseline_path())
for source in discover_fleet(Path(sys.argv[1])):
    collect(source, baseline)
    source.close()
"""
)


def syscalls_per_server(fleet: Path, work: Path, *, collection_only: bool = False) -> float | None:
    """System calls per server of a scan of ``fleet`` (see the module's text); None when
    strace is not installed. ``work`` receives a one-server fleet and strace's output."""
    if _strace() is None:
        return None
    servers = sorted(
        entry for entry in fleet.iterdir() if not entry.name.startswith(".") and entry.is_dir()
    )
    if len(servers) < 2:
        raise ValueError(f"{fleet}: needs at least two server folders, has {len(servers)}")
    work.mkdir(parents=True, exist_ok=True)
    single = work / "one-server"
    if single.exists():
        shutil.rmtree(single)
    single.mkdir()
    shutil.copytree(servers[0], single / servers[0].name, symlinks=True)
    whole = count_syscalls(fleet, work, "whole", collection_only=collection_only)
    fixed = count_syscalls(single, work, "one", collection_only=collection_only)
    return (whole - fixed) / (len(servers) - 1)


def count_syscalls(fleet: Path, work: Path, label: str, *, collection_only: bool) -> int:
    """All system calls of one run on ``fleet``, from ``strace -f -c``."""
    table = work / f"strace-{label}.txt"
    if collection_only:
        command = [sys.executable, "-c", _COLLECT_ONLY, str(fleet)]
    else:
        report = work / f"scan-{label}.json"
        scan = f"{_PRELOAD}; from auditor.cli import run; run()"
        command = [sys.executable, "-c", scan, "scan", str(fleet), "--json", str(report)]
    strace = _strace()
    if strace is None:
        raise FileNotFoundError("strace is not installed")
    subprocess.run(  # noqa: S603 - our own interpreter on the caller's fleet
        [strace, "-f", "-c", "-o", str(table), *command],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        check=False,  # a scan's exit code is its fleet's status
    )
    for line in table.read_text().splitlines():
        fields = line.split()
        if fields and fields[-1] == "total":
            return int(fields[3])
    raise ValueError(f"{table}: no total line in strace's table")


def _strace() -> str | None:
    return shutil.which("strace")


def main(argv: list[str]) -> int:
    collection_only = "--collection" in argv
    args = [arg for arg in argv if arg != "--collection"]
    if not 1 <= len(args) <= 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="fixlevel-syscalls-") as scratch:
        work = Path(args[1]) if len(args) == 2 else Path(scratch)
        result = syscalls_per_server(Path(args[0]), work, collection_only=collection_only)
    if result is None:
        print("strace is not installed (apt-get install strace)", file=sys.stderr)
        return 1
    what = "collection" if collection_only else "scan --json"
    print(f"{args[0]}: {result:.1f} system calls per server ({what})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
