"""Ctrl-C during a scan (issues 11 and 16): one line, exit 130 within 2 s, no traceback,
no partial file, no process left.

The CLI runs in a subprocess of its own process group, and SIGINT goes to the whole group,
as a terminal sends it: the worker processes get it too.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE_FLEET
from tests.evidence import faults
from tests.evidence.listeners import Listener, listening

FOLDER_SERVER = EXAMPLE_FLEET / "compliant-sp2-single-homed"
TARPITS = 3


def fleet_csv(folder: Path, pit: Listener, folders: int) -> Path:
    rows = ["server,host,port,site,owner,evidence"]
    rows += [f"PIT{n},127.0.0.1,{pit.port},Lab,Ops," for n in range(TARPITS)]
    rows += [f"FOLDER{n},,,Lab,Ops,{FOLDER_SERVER}" for n in range(folders)]
    path = folder / "fleet.csv"
    path.write_text("\r\n".join(rows) + "\r\n", encoding="utf-8")
    return path


def group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize(
    ("folders", "workers"),
    [(0, 8), (0, 1), (120, 2)],
    ids=["threads", "one-by-one", "worker-processes"],
)
def test_ctrl_c_stops_a_live_scan_cleanly(tmp_path: Path, folders: int, workers: int) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with listening(faults.tarpit) as pit:
        inventory = fleet_csv(tmp_path, pit, folders)
        env = {**os.environ, "FIXLEVEL_USER": "audit", "FIXLEVEL_PASSWORD": "pw"}
        scan = subprocess.Popen(
            [sys.executable, "-m", "auditor", "scan", f"--inventory={inventory}",
             "--timeout=60", f"--workers={workers}", f"--json={out / 'run.json'}",
             f"--xlsx={out / 'run.xlsx'}", f"--csv={out / 'run.csv'}"],
            cwd=out, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            start_new_session=True,
        )  # fmt: skip
        try:
            limit = time.monotonic() + 30
            while pit.accepted < 1 and time.monotonic() < limit:
                time.sleep(0.05)
            assert pit.accepted >= 1, "the scan never reached the tarpit"
            time.sleep(0.3)  # in the middle of waiting on it
            os.killpg(scan.pid, signal.SIGINT)
            sent = time.monotonic()
            stdout, stderr = scan.communicate(timeout=10)
            took = time.monotonic() - sent
        finally:
            if scan.poll() is None:
                os.killpg(scan.pid, signal.SIGKILL)
                scan.wait()
    assert scan.returncode == 130, stderr
    assert took <= 2.0, took
    assert stderr.decode().splitlines() == ["auditor: interrupted"]
    assert stdout == b""
    assert sorted(path.name for path in out.iterdir()) == []
    deadline = time.monotonic() + 2
    while group_alive(scan.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not group_alive(scan.pid), "a worker process outlived the run"
