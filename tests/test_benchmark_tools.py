"""The benchmark's own tools: system calls counted, reports compared."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from benchmarks import syscalls
from benchmarks.compare_scans import compare
from benchmarks.make_fleet import build_fleet


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bench") / "fleet"
    build_fleet(4, folder)
    return folder


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")
def test_system_calls_per_server_of_collection(fleet: Path, tmp_path: Path) -> None:
    per_server = syscalls.syscalls_per_server(fleet, tmp_path, collection_only=True)
    # Each server lists five folders and 14 files, and opens and reads six PE files and a
    # registry file: fewer than 50 calls is not reading them, more than 150 is the old cost.
    assert per_server is not None and 50 < per_server < 150
    assert (tmp_path / "strace-whole.txt").is_file() and (tmp_path / "one-server").is_dir()


def test_without_strace_there_is_no_figure(
    fleet: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(syscalls.shutil, "which", lambda _name: None)
    assert syscalls.syscalls_per_server(fleet, tmp_path) is None


def test_reports_that_differ_only_in_their_time_are_the_same(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    document = {"generated_at": "2026-01-01T10:00:00+00:00", "servers": [{"status": "exposed"}]}
    old.with_suffix(".json").write_text(json.dumps(document))
    later = {**document, "generated_at": "2026-01-02T11:00:00+00:00"}
    new.with_suffix(".json").write_text(json.dumps(later))
    assert compare(old, new) == []
    later["servers"] = [{"status": "compliant"}]
    new.with_suffix(".json").write_text(json.dumps(later))
    assert compare(old, new) == ["json.servers[0].status: 'exposed' -> 'compliant'"]


def test_repeated_scans_give_the_median_run_and_any_wrong_verdict() -> None:
    from benchmarks.run import median_scan

    runs = [
        {"wall_s": 14.0, "cpu_s": 20.0, "verdicts_wrong": 0},
        {"wall_s": 10.0, "cpu_s": 16.0, "verdicts_wrong": 2},
        {"wall_s": 11.0, "cpu_s": 17.0, "verdicts_wrong": 0},
    ]
    chosen = median_scan(runs)
    assert (chosen["wall_s"], chosen["cpu_s"]) == (11.0, 17.0)
    assert chosen["walls_s"] == [14.0, 10.0, 11.0]
    assert chosen["verdicts_wrong"] == 2
    assert median_scan(runs[:2])["wall_s"] == 10.0  # of two, the faster: no run is made up


def test_a_fleet_is_timed_unwatched_after_one_run_whose_memory_is_sampled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import benchmarks.run as run

    calls: list[bool] = []

    def scan(size: int, fleet: Path, work: Path, *, sample_memory: bool) -> dict[str, object]:
        calls.append(sample_memory)
        wall = 20.0 if sample_memory else 10.0 + len(calls)
        memory = 300.0 if sample_memory else None
        return {"wall_s": wall, "verdicts_wrong": 0, "peak_rss_all_processes_mb": memory}

    monkeypatch.setattr(run, "scan_figures", scan)
    figures = run.fleet_scans(10, Path("f"), Path("w"), 3)
    assert calls == [True, False, False, False]  # the watched run first: it warms the caches
    assert figures["wall_s"] == 13.0 and figures["walls_s"] == [12.0, 13.0, 14.0]
    assert figures["watched_wall_s"] == 20.0 and figures["peak_rss_all_processes_mb"] == 300.0
