"""Benchmark fixlevel against its targets; print a table and write a JSON of the figures.

Run from the repository root:

    python benchmarks/run.py                      # N = 100, 1,000 and 10,000 (a few minutes)
    python benchmarks/run.py --sizes 100          # the smoke test .ci/run runs

It builds synthetic fleets with benchmarks/make_fleet.py (kept in --work and reused), then
measures:

- per PE file: the median microseconds to read the version (open included), and the bytes
  read, counted by the read_at this script hands the reader;
- the same files read by ``exiftool -FileVersionNumber`` in one process, as a ratio (skipped,
  and said so, when exiftool is not installed);
- a whole ``auditor scan`` per size, in a subprocess, reports included: wall time, CPU time
  of the scan and its workers, and peak RSS from the OS (wait4's ru_maxrss, the largest
  process) and sampled from /proc (all its processes together);
- the time to write each report for the largest fleet, in this process.

Targets (two cores): bytes per PE file <= 4 KiB; versions >= 3x faster than exiftool;
10,000 servers in <= 30 s with peak RSS <= 600 MB; memory per server flat from 1k to 10k.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from auditor.audit import ReportPaths, load_inventory, scan, write_reports  # noqa: E402
from auditor.baseline import default_baseline_path, load_baseline  # noqa: E402
from auditor.parsing.pe_version import read_pe_version  # noqa: E402
from auditor.reporting import build_report, render_csv, render_json, render_xlsx  # noqa: E402
from benchmarks.make_fleet import build_fleet  # noqa: E402

Figures = dict[str, Any]

PE_SERVERS = 40
"""The PE files of this many servers are timed one by one (six files each)."""
PE_REPEATS = 7
TARGETS = {"pe_bytes": 4096, "exiftool_ratio": 3.0, "wall_10k": 30.0, "rss_10k_mb": 600.0}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    work: Path = args.work
    work.mkdir(parents=True, exist_ok=True)
    figures: Figures = {"machine": machine(), "targets": TARGETS}
    fleets = {size: prepared_fleet(work, size, rebuild=args.rebuild) for size in args.sizes}
    smallest = fleets[min(fleets)]
    figures["pe"] = pe_figures(pe_files(smallest))
    figures["scans"] = [scan_figures(size, fleet, work) for size, fleet in fleets.items()]
    figures["reports"] = report_figures(fleets[max(fleets)])
    figures["verdict"] = judge(figures)
    print(table(figures))
    target: Path = args.json or work / "results.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {target}")
    wrong = [s["size"] for s in figures["scans"] if s["verdicts_wrong"]]
    return 1 if wrong else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sizes",
        type=lambda text: sorted({int(part) for part in text.split(",")}),
        default=[100, 1000, 10_000],
        help="fleet sizes, comma-separated (default 100,1000,10000)",
    )
    default_work = Path(tempfile.gettempdir()) / "fixlevel-bench"
    parser.add_argument("--work", type=Path, default=default_work, help="fleets and reports")
    parser.add_argument("--json", type=Path, help="where the figures go (WORK/results.json)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild fleets already there")
    return parser


def machine() -> Figures:
    model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "load_average_at_start": os.getloadavg(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def prepared_fleet(work: Path, size: int, *, rebuild: bool) -> Path:
    fleet = work / f"fleet-{size}"
    expected = fleet / ".expected.json"
    if rebuild or not expected.is_file() or len(json.loads(expected.read_text())) != size:
        build_fleet(size, fleet)
    return fleet


# --- PE files ------------------------------------------------------------------------


def pe_files(fleet: Path) -> list[Path]:
    servers = sorted(path for path in fleet.iterdir() if not path.name.startswith("."))
    files: list[Path] = []
    for server in servers[:PE_SERVERS]:
        for path in sorted((server / "C$" / "exchsrvr" / "bin").iterdir()):
            if path.suffix.upper() in (".EXE", ".DLL"):
                files.append(path)
    return files


def counted_read(path: Path) -> tuple[str | None, int]:
    """The version and the bytes that read_at handed out, counted here, not by the reader."""
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        handed = 0

        def read_at(offset: int, length: int) -> bytes:
            nonlocal handed
            handle.seek(offset)
            data = handle.read(length)
            handed += len(data)
            return data

        version = read_pe_version(read_at, size, str(path))
    return (str(version.fixed) if version.fixed else None), handed


def pe_figures(files: list[Path]) -> Figures:
    readable: list[Path] = []
    versions: dict[Path, str | None] = {}
    bytes_read: list[int] = []
    for path in files:
        try:
            versions[path], handed = counted_read(path)
        except Exception:  # noqa: S112 (the truncated files of the incomplete servers)
            continue
        readable.append(path)
        bytes_read.append(handed)
    medians = []
    for path in readable:
        times = []
        for _ in range(PE_REPEATS):
            start = time.perf_counter()
            counted_read(path)
            times.append(time.perf_counter() - start)
        medians.append(statistics.median(times))
    ours_us = statistics.mean(medians) * 1e6
    figures: Figures = {
        "files": len(readable),
        "sizes_bytes": sorted({path.stat().st_size for path in readable}),
        "median_us": statistics.median(medians) * 1e6,
        "mean_us": ours_us,
        "bytes_read_max": max(bytes_read),
        "bytes_read_median": statistics.median(bytes_read),
    }
    figures["exiftool"] = exiftool_figures(readable, versions, ours_us)
    return figures


def exiftool_figures(
    files: list[Path], versions: dict[Path, str | None], ours_us: float
) -> Figures:
    """exiftool over the same files in one process; its start-up is measured and taken off."""
    exiftool = shutil.which("exiftool")
    if exiftool is None:
        return {"available": False, "note": "exiftool not installed (libimage-exiftool-perl)"}
    command = [exiftool, "-T", "-FileVersionNumber"]
    one = _timed([*command, str(files[0])])[0]
    elapsed, output = _timed([*command, *map(str, files)])
    theirs = [line.strip() for line in output.splitlines()]
    ours = [versions[path] or "-" for path in files]
    per_file_us = (elapsed - one) / (len(files) - 1) * 1e6 if len(files) > 1 else elapsed * 1e6
    return {
        "available": True,
        "version": _timed([exiftool, "-ver"])[1].strip(),
        "wall_s": elapsed,
        "startup_s": one,
        "per_file_us": per_file_us,
        "per_file_us_with_startup": elapsed / len(files) * 1e6,
        "same_versions": theirs == ours,
        "ratio": per_file_us / ours_us,
    }


def _timed(command: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    return time.perf_counter() - start, done.stdout


# --- whole scans ---------------------------------------------------------------------


def scan_figures(size: int, fleet: Path, work: Path) -> Figures:
    out = work / f"reports-{size}"
    out.mkdir(exist_ok=True)
    result_json = out / "result.json"
    result_json.unlink(missing_ok=True)  # a stale result must not pass for this run's
    command = [sys.executable, "-m", "auditor", "scan", str(fleet), "--quiet"]
    command += [f"--xlsx={out / 'r.xlsx'}", f"--csv={out / 'r.csv'}", f"--json={result_json}"]
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL)  # noqa: S603
    sampler = _TreeRss(process.pid)
    sampler.start()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    sampler.stop()
    if process.returncode not in (0, 1):  # 1 is findings: the synthetic fleet has them
        raise SystemExit(f"{fleet}: auditor scan failed with exit code {process.returncode}")
    expected = json.loads((fleet / ".expected.json").read_text())
    got = {s["server"]: s["status"] for s in json.loads(result_json.read_text())["servers"]}
    return {
        "size": size,
        "exit_code": process.returncode,
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "peak_rss_all_processes_mb": sampler.peak / 2**20,
        "rss_kb_per_server": usage.ru_maxrss / size,
        "verdicts_wrong": sum(got.get(name) != status for name, status in expected.items()),
    }


class _TreeRss(threading.Thread):
    """The largest memory of a process and its descendants together, sampled from /proc.

    Each process counts its proportional set size (PSS): forked workers share the pages
    they inherited, and summing their RSS would count those pages once per worker.
    """

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self._done = threading.Event()
        self._page = os.sysconf("SC_PAGE_SIZE")

    def run(self) -> None:
        while not self._done.wait(0.05):
            self.peak = max(self.peak, self._sample())

    def stop(self) -> None:
        self._done.set()
        self.join()

    def _sample(self) -> int:
        parents: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        tree, grew = {self.pid}, True
        while grew:
            more = {pid for pid, parent in parents.items() if parent in tree} - tree
            tree |= more
            grew = bool(more)
        return sum(self._memory(pid) for pid in tree)

    def _memory(self, pid: int) -> int:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
            return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * self._page
        except (OSError, IndexError, ValueError):  # the process ended between two reads
            return 0


# --- reports -------------------------------------------------------------------------


def report_figures(fleet: Path) -> Figures:
    baseline = load_baseline(default_baseline_path())
    result = scan(fleet, baseline, load_inventory(fleet, None))
    figures: Figures = {"servers": len(result.servers)}
    start = time.perf_counter()
    report = build_report(result)
    figures["build_report_s"] = time.perf_counter() - start
    figures["file_rows"] = len(report.files)
    with tempfile.TemporaryDirectory(prefix="fixlevel-bench-") as folder:
        renderers: list[tuple[str, Callable[[Path], None]]] = [
            ("xlsx", partial(render_xlsx, report)),
            ("csv", partial(render_csv, report)),
            ("json", partial(render_json, result, report)),
        ]
        for name, render in renderers:
            start = time.perf_counter()
            render(Path(folder) / f"r.{name}")
            figures[f"{name}_s"] = time.perf_counter() - start
        # As the CLI writes them: model, then the workbook beside the CSV and the JSON.
        paths = ReportPaths(*(Path(folder) / f"all.{name}" for name in ("xlsx", "csv", "json")))
        start = time.perf_counter()
        write_reports(result, paths)
        figures["write_reports_s"] = time.perf_counter() - start
    return figures


# --- verdict and table ---------------------------------------------------------------


def judge(figures: Figures) -> Figures:
    pe, scans = figures["pe"], {s["size"]: s for s in figures["scans"]}
    verdict: Figures = {"pe_bytes": pe["bytes_read_max"] <= TARGETS["pe_bytes"]}
    exiftool = pe["exiftool"]
    verdict["exiftool_ratio"] = (
        exiftool["ratio"] >= TARGETS["exiftool_ratio"] if exiftool["available"] else None
    )
    big = scans.get(10_000)
    verdict["wall_10k"] = big["wall_s"] <= TARGETS["wall_10k"] if big else None
    verdict["rss_10k_mb"] = (
        big["peak_rss_all_processes_mb"] <= TARGETS["rss_10k_mb"] if big else None
    )
    if 1000 in scans and 10_000 in scans:
        small, large = scans[1000], scans[10_000]
        marginal = (large["peak_rss_mb"] - small["peak_rss_mb"]) * 1024 / 9000
        verdict["marginal_rss_kb_per_server_1k_to_10k"] = marginal
    return verdict


def table(figures: Figures) -> str:
    m, pe, reports = figures["machine"], figures["pe"], figures["reports"]
    lines = [
        f"fixlevel benchmark, {m['date']}, {m['cpus']} CPUs ({m['cpu_model']}), "
        f"load average at start {m['load_average_at_start'][0]:.2f}, Python {m['python']}",
        "",
        f"PE version read ({pe['files']} files of {min(pe['sizes_bytes'])}-"
        f"{max(pe['sizes_bytes'])} bytes)",
        f"  median per file      {pe['median_us']:8.0f} us   (mean {pe['mean_us']:.0f} us)",
        f"  bytes read per file  {pe['bytes_read_max']:8d} max  (median "
        f"{pe['bytes_read_median']:.0f}; target <= {TARGETS['pe_bytes']})",
    ]
    exiftool = pe["exiftool"]
    if exiftool["available"]:
        lines += [
            f"  exiftool {exiftool['version']} -FileVersionNumber, one process: "
            f"{exiftool['per_file_us']:.0f} us per file after {exiftool['startup_s']:.2f} s "
            f"start-up; same versions: {'yes' if exiftool['same_versions'] else 'NO'}",
            f"  fixlevel is {exiftool['ratio']:.1f}x faster per file than exiftool "
            f"(target >= {TARGETS['exiftool_ratio']:.0f}x)",
        ]
    else:
        lines.append(f"  exiftool comparison skipped: {exiftool['note']}")
    lines += [
        "",
        "Whole scan, reports included (auditor scan in a subprocess)",
        f"  {'servers':>8} {'wall s':>8} {'CPU s':>8} {'RSS MB':>8} {'all MB':>8} "
        f"{'KB/server':>10} {'wrong':>6}",
    ]
    for s in figures["scans"]:
        lines.append(
            f"  {s['size']:>8} {s['wall_s']:>8.1f} {s['cpu_s']:>8.1f} {s['peak_rss_mb']:>8.0f} "
            f"{s['peak_rss_all_processes_mb']:>8.0f} {s['rss_kb_per_server']:>10.1f} "
            f"{s['verdicts_wrong']:>6}"
        )
    lines += [
        "  (RSS MB: the largest process, from wait4; all MB: scan and workers together, "
        "PSS sampled from /proc; wrong: verdicts that differ from the generator's)",
        "",
        f"Reports for {reports['servers']} servers ({reports['file_rows']} file rows): "
        f"model {reports['build_report_s']:.1f} s, xlsx {reports['xlsx_s']:.1f} s, "
        f"csv {reports['csv_s']:.1f} s, json {reports['json_s']:.1f} s, one after the other; "
        f"all of it as the CLI does it: {reports['write_reports_s']:.1f} s",
        "",
        "Targets: " + ", ".join(f"{k} {_mark(v)}" for k, v in figures["verdict"].items()),
    ]
    return "\n".join(lines)


def _mark(value: object) -> str:
    if value is None:
        return "not measured"
    if isinstance(value, bool):
        return "met" if value else "NOT met"
    return f"{value:.1f}" if isinstance(value, float) else str(value)


if __name__ == "__main__":
    sys.exit(main())
