"""Run the fuzz targets: ``python -m tests.fuzz run --seconds N [--target T ...]``.

Each target runs in its own process, one after the other, for ``--seconds`` each, seeded
from the test builders and from the regression inputs in ``tests/assets/hostile/fuzz/``.
libFuzzer stops a target at its first finding and writes the input to
``WORKDIR/TARGET/findings/``; the run then prints the end of libFuzzer's log and exits 1
(the whole log is ``WORKDIR/TARGET/fuzz.log``). Limits per input: ``--timeout`` seconds (a
hang) and ``--rss-mb`` of the process (unbounded memory).

    python -m tests.fuzz run --seconds 600 --target pe --workdir /tmp/fuzz
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.fuzz.seeds import SEEDS, write_seeds

# Longer inputs only slow the search; each covers its format's structures well inside these.
MAX_LEN = {
    "article": 65536,
    "evt": 16384,
    "pe": 16384,
    "reg": 16384,
    "hive": 32768,
    "hive_log": 16384,
    "zip": 32768,
}
REPO = Path(__file__).resolve().parents[2]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run fuzz targets for a bounded time")
    run.add_argument("--seconds", type=int, default=60, help="time per target (default 60)")
    run.add_argument("--target", action="append", choices=sorted(SEEDS), help="default: all")
    run.add_argument("--workdir", type=Path, help="keep corpora and findings here")
    run.add_argument("--timeout", type=int, default=5, help="seconds one input may take")
    # About 60 MB of interpreter and readers plus the 256 MB one server may use.
    run.add_argument("--rss-mb", type=int, default=320, help="memory limit of the process")
    options = parser.parse_args(argv)
    targets = options.target or sorted(SEEDS)
    if options.workdir is not None:
        return _run_all(targets, options, options.workdir)
    with tempfile.TemporaryDirectory(prefix="fixlevel-fuzz-") as folder:
        return _run_all(targets, options, Path(folder))


def _run_all(targets: list[str], options: argparse.Namespace, workdir: Path) -> int:
    failed = [name for name in targets if not _run_one(name, options, workdir / name)]
    if failed:
        print(f"fuzz: findings in {', '.join(failed)}; inputs under {workdir}", file=sys.stderr)
        return 1
    print(f"fuzz: {', '.join(targets)}: no findings in {options.seconds} s each")
    return 0


def _run_one(name: str, options: argparse.Namespace, folder: Path) -> bool:
    corpus, seeds, findings = folder / "corpus", folder / "seeds", folder / "findings"
    for path in (corpus, findings):
        path.mkdir(parents=True, exist_ok=True)
    count = write_seeds(name, seeds)
    print(f"fuzz: {name}: {count} seeds, {options.seconds} s", flush=True)
    command = [
        sys.executable,
        "-m",
        "tests.fuzz.libfuzzer",
        name,
        f"-max_total_time={options.seconds}",
        f"-timeout={options.timeout}",
        f"-rss_limit_mb={options.rss_mb}",
        f"-max_len={MAX_LEN[name]}",
        f"-artifact_prefix={findings}/",
        "-print_final_stats=1",
        str(corpus),
        str(seeds),
    ]
    log = folder / "fuzz.log"
    with log.open("w") as stream:
        done = subprocess.run(command, cwd=REPO, stdout=stream, stderr=subprocess.STDOUT)
    lines = log.read_text(errors="replace").splitlines()
    if done.returncode == 0:
        print("\n".join(line for line in lines if line.startswith("stat::")), flush=True)
        return True
    # libFuzzer ends with the traceback, the input and where it was written.
    print("\n".join(lines[-60:]), file=sys.stderr, flush=True)
    return False


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
