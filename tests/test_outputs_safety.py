"""Outputs under faults: two runs at once, devices, links, and outputs checked up front."""

from __future__ import annotations

import io
import json
import os
import re
import stat
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from auditor.archive import ReportPaths, write_reports
from auditor.cli import ExitCode, main
from tests.conftest import REPO

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err, now=NOW)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def no_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if any server is read: the check must come before the scan."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a server was read before the outputs were checked")

    monkeypatch.setattr("auditor.cli.scan", refuse)


def test_a_second_run_on_the_same_archive_is_refused_naming_the_first(
    fleet: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_scan: None
) -> None:
    work = tmp_path / "work"
    (work / "reports").mkdir(parents=True)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from auditor.archive_lock import archive_lock\n"
            "with archive_lock(Path(sys.argv[1])):\n"
            "    print('held', flush=True); sys.stdin.read()",
            str(work / "reports"),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        monkeypatch.chdir(work)
        code, _, err = run("scan", str(fleet))
    finally:
        holder.communicate("")
    assert code == ExitCode.USAGE
    assert f"another fixlevel run (pid {holder.pid}) is writing this report archive" in err
    assert not any((work / "reports").glob("*-Q*"))


def test_two_real_runs_at_once_never_both_write_the_archive(fleet: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    command = [sys.executable, "-m", "auditor", "scan", str(fleet), "--quiet"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    runs = [
        subprocess.Popen(command, cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    results = [(proc.wait(), proc.stderr.read().decode() if proc.stderr else "") for proc in runs]
    codes = sorted(code for code, _ in results)
    # Either the second found the first still running and was refused, or it ran after it.
    assert codes in ([ExitCode.FINDINGS, ExitCode.FINDINGS], [ExitCode.FINDINGS, ExitCode.USAGE])
    for code, err in results:
        if code == ExitCode.USAGE:
            # The pid is written just after the lock is taken: a run refused in between
            # cannot name it.
            assert re.search(r"another fixlevel run( \(pid \d+\))? is writing", err), err
    written = sorted(path.name for path in (work / "reports").rglob("*") if path.is_file())
    assert [name for name in written if name.endswith(".partial")] == []
    json.loads(next((work / "reports").rglob("*.json")).read_text())


def test_a_second_writer_of_one_report_never_shares_its_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While one run renders, another renders and publishes the same path: each must keep
    its own temporary file, so the file in place is one whole report, not two mixed."""
    from dataclasses import replace

    from auditor import archive
    from tests.scenarios import one_of_each

    first = one_of_each()
    second = replace(first, generated_at=datetime(2020, 1, 1, tzinfo=UTC))
    target = tmp_path / "r.json"
    real = archive.render_json
    nested: list[bool] = []

    def render_json(result: object, report: object, path: Path) -> None:
        real(result, report, path)  # type: ignore[arg-type]
        if not nested:
            nested.append(True)
            write_reports(second, ReportPaths(None, None, target))
            with path.open("a") as handle:  # the first run is still writing its file
                handle.write("\n")

    monkeypatch.setattr(archive, "render_json", render_json)
    write_reports(first, ReportPaths(None, None, target))
    document = json.loads(target.read_text())
    assert document["generated_at"] == first.generated_at.isoformat()
    # No temporary file left behind (remediation/ holds the registry files, beside it).
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json", "remediation"]


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
def test_a_device_output_stays_a_device(fleet: Path, tmp_path: Path) -> None:
    null = tmp_path / "null"
    os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # the same device as /dev/null
    code, _, err = run("scan", str(fleet), f"--csv={null}", f"--json={tmp_path / 'r.json'}")
    assert code == ExitCode.FINDINGS, err
    assert stat.S_ISCHR(null.lstat().st_mode)
    assert list(tmp_path.glob(".*partial")) == []


def test_a_fifo_output_is_written_through(fleet: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    try:
        code, _, err = run("scan", str(fleet), f"--csv={fifo}")
    finally:
        if reader.is_alive():  # nothing was written through: let the reader end
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(timeout=30)
    assert code == ExitCode.FINDINGS, err
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert b"compliant-sp2-single-homed" in received[0]


def test_a_linked_output_is_followed_and_stays_a_link(fleet: Path, tmp_path: Path) -> None:
    real = tmp_path / "kept" / "latest.json"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "latest.json"
    link.symlink_to(real)
    code, _, err = run("scan", str(fleet), f"--json={link}")
    assert code == ExitCode.FINDINGS, err
    assert link.is_symlink()
    assert json.loads(real.read_text())["generated_at"] == NOW.isoformat()


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--json={d}/file/r.json"], "{d}/file is a file, not a folder"),
        (["--json={d}/r.out", "--csv={d}/r.out"], "named for both --csv and --json"),
        (["--json={d}/r.out", "--csv={d}/link"], "named for both --csv and --json"),
        (["--xlsx={d}"], "a folder; --xlsx names the file to write"),
    ],
)
def test_outputs_that_cannot_be_written_are_refused_before_any_server_is_read(
    fleet: Path, tmp_path: Path, no_scan: None, options: list[str], expected: str
) -> None:
    (tmp_path / "file").write_text("")
    (tmp_path / "link").symlink_to(tmp_path / "r.out")
    code, _, err = run("scan", str(fleet), *(o.format(d=tmp_path) for o in options))
    assert code == ExitCode.USAGE
    assert expected.format(d=tmp_path) in err
    assert not (tmp_path / "r.out").exists()
