"""The measurements benchmarks/run.py makes, each returning plain figures (a dict).

Each runs the auditor as a user would where start-up matters (a subprocess), and in this
process where only one step is timed (the PE reader, the report writers).
"""

from __future__ import annotations

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

from auditor.audit import ReportPaths, load_inventory, scan, write_reports
from auditor.baseline import default_baseline_path, load_baseline
from auditor.parsing.pe_version import read_pe_version
from auditor.reporting import build_report, render_csv, render_json, render_xlsx
from benchmarks.make_fleet import build_fleet

REPO = Path(__file__).resolve().parent.parent

Figures = dict[str, Any]

PE_SERVERS = 40
"""The PE files of this many servers are timed one by one (six files each)."""
PE_REPEATS = 7


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


def pe_files(fleet: Path, servers: int | None = PE_SERVERS) -> list[Path]:
    """The PE files (.EXE, .DLL) of the fleet's first ``servers`` servers (None: all)."""
    folders = sorted(path for path in fleet.iterdir() if path.is_dir() and path.name[0] != ".")
    files: list[Path] = []
    for server in folders[:servers]:
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
    # Medians of a few runs each: on a handful of files the difference between the two is
    # smaller than one run's noise, and a single pair made it negative.
    one = statistics.median(_timed([*command, str(files[0])])[0] for _ in range(PE_REPEATS))
    runs = [_timed([*command, *map(str, files)]) for _ in range(PE_REPEATS)]
    elapsed, output = statistics.median(wall for wall, _ in runs), runs[0][1]
    theirs = [line.strip() for line in output.splitlines()]
    ours = [versions[path] or "-" for path in files]
    per_file_us = (elapsed - one) / (len(files) - 1) * 1e6 if len(files) > 1 else elapsed * 1e6
    if per_file_us <= 0:
        return {
            "available": True,
            "note": f"{len(files)} files are too few to time exiftool per file: scan more",
        }
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


def scan_command(fleet: Path, out: Path) -> list[str]:
    """``auditor scan`` of a fleet with all three reports into ``out`` (r.xlsx, r.csv,
    result.json), as a user runs it."""
    out.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "auditor", "scan", str(fleet), "--quiet"]
    return [
        *command,
        f"--xlsx={out / 'r.xlsx'}",
        f"--csv={out / 'r.csv'}",
        f"--json={out / 'result.json'}",
    ]


def scan_figures(size: int, fleet: Path, work: Path, *, sample_memory: bool = True) -> Figures:
    """One whole scan: wall and CPU time, the largest process's peak RSS, and with
    ``sample_memory`` the peak PSS of all its processes together (None without).

    Sampling slows the scan it watches (reading a process's PSS walks and locks its memory
    map: about 5 % of a 100,000-server scan, 132 s watched against 126 s not), so time and
    memory are best taken from separate runs."""
    out = work / f"reports-{size}"
    result_json = out / "result.json"
    command = scan_command(fleet, out)
    result_json.unlink(missing_ok=True)  # a stale result must not pass for this run's
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL)  # noqa: S603
    sampler = _TreeRss(process.pid) if sample_memory else None
    if sampler is not None:
        sampler.start()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if sampler is not None:
        sampler.stop()
    _check_exit(fleet, process.returncode)
    return {
        "size": size,
        "exit_code": process.returncode,
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "peak_rss_all_processes_mb": None if sampler is None else sampler.peak / 2**20,
        "rss_kb_per_server": usage.ru_maxrss / size,
        "verdicts_wrong": verdicts_wrong(fleet, result_json),
    }


def verdicts_wrong(fleet: Path, result_json: Path) -> int:
    """Servers whose status in the scan's JSON is not the one the fleet was built with."""
    expected = json.loads((fleet / ".expected.json").read_text())
    got = {s["server"]: s["status"] for s in json.loads(result_json.read_text())["servers"]}
    return sum(got.get(name) != status for name, status in expected.items())


def _check_exit(fleet: Path, code: int) -> None:
    if code not in (0, 1):  # 1 is findings: the synthetic fleet has them
        raise SystemExit(f"{fleet}: auditor scan failed with exit code {code}")


def _wall(command: Sequence[str], *, cwd: Path = REPO) -> tuple[float, int]:
    """Wall seconds of a command, output discarded, and its exit code."""
    start = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our own commands
        command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
    )
    return time.perf_counter() - start, done.returncode


def startup_figures(repeats: int) -> Figures:
    """Median wall seconds of ``auditor --help`` and ``auditor --version``, and the heavy
    libraries that importing the CLI loads (there should be none)."""
    figures: Figures = {}
    _wall([sys.executable, "-m", "auditor", "--version"])  # writes the bytecode cache
    for option in ("--help", "--version"):
        times = [_wall([sys.executable, "-m", "auditor", option])[0] for _ in range(repeats)]
        figures[option.lstrip("-") + "_s"] = statistics.median(times)
    probe = "import sys, auditor.cli; print(' '.join(sorted(set(HEAVY) & set(sys.modules))))"
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", f"HEAVY = {HEAVY!r}; {probe}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    figures["heavy_imports"] = done.stdout.split()
    return figures


HEAVY = ("pandas", "numpy", "openpyxl", "impacket", "regipy")
"""Libraries `auditor --help` must not import (issue 15)."""


def one_server_figures(work: Path, repeats: int) -> Figures:
    """Median wall seconds of a scan of a one-server fleet with all three reports."""
    fleet = prepared_fleet(work, 1, rebuild=False)
    out = work / "reports-1"
    times = []
    _wall(scan_command(fleet, out))  # the bytecode of the modules a scan imports
    for _ in range(repeats):
        elapsed, code = _wall(scan_command(fleet, out))
        _check_exit(fleet, code)
        times.append(elapsed)
    return {
        "wall_s": statistics.median(times),
        "verdicts_wrong": verdicts_wrong(fleet, out / "result.json"),
    }


def exiftool_side_by_side(fleet: Path, work: Path, repeats: int) -> Figures:
    """A whole audit of ``fleet`` (all reports) against ``exiftool -fast2
    -FileVersionNumber`` reading the versions of the same PE files, taken in turns so that
    both meet the same load; medians of ``repeats`` runs each."""
    exiftool = shutil.which("exiftool")
    files = pe_files(fleet, servers=None)
    if exiftool is None:
        return {"available": False, "note": "exiftool not installed (libimage-exiftool-perl)"}
    audit, theirs = [], []
    out = work / "reports-side-by-side"
    for _ in range(repeats):
        elapsed, code = _wall(scan_command(fleet, out))
        _check_exit(fleet, code)
        audit.append(elapsed)
        theirs.append(_wall([exiftool, "-fast2", "-FileVersionNumber", *map(str, files)])[0])
    return {
        "available": True,
        "servers": sum(1 for path in fleet.iterdir() if path.is_dir() and path.name[0] != "."),
        "pe_files": len(files),
        "audit_s": statistics.median(audit),
        "exiftool_s": statistics.median(theirs),
        "ratio": statistics.median(audit) / statistics.median(theirs),
    }


def syscall_figures(fleet: Path, work: Path) -> Figures:
    """System calls per server, from benchmarks/syscalls.py when it is there."""
    try:
        from benchmarks.syscalls import syscalls_per_server  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return {"per_server": None, "note": "benchmarks/syscalls.py not present"}
    per_server = syscalls_per_server(fleet, work / "syscalls")
    note = "strace not installed" if per_server is None else f"strace, fleet of {fleet.name}"
    return {"per_server": per_server, "note": note}


MIN_SAMPLE_PAUSE = 0.05
SAMPLE_PAUSE_RATIO = 20


class _TreeRss(threading.Thread):
    """The largest memory of a process and its descendants together, sampled from /proc.

    Each process counts its proportional set size (PSS): forked workers share the pages
    they inherited, and summing their RSS would count those pages once per worker.

    Reading a process's PSS walks its page tables: 25 ms for a 1.3 GB process, during
    which its own mappings wait. Sampled every 50 ms, as small processes are, the sampler
    would take a third of a CPU from a 100,000-server scan; it waits instead twenty times
    as long as its last sample took, so that it costs the run at most about 5%.
    """

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self._done = threading.Event()
        self._page = os.sysconf("SC_PAGE_SIZE")

    def run(self) -> None:
        pause = MIN_SAMPLE_PAUSE
        while not self._done.wait(pause):
            start = time.perf_counter()
            self.peak = max(self.peak, self._sample())
            pause = max(MIN_SAMPLE_PAUSE, SAMPLE_PAUSE_RATIO * (time.perf_counter() - start))

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
