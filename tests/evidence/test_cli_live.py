"""The CLI over an inventory that mixes a live Samba server, a folder and a zip."""

from __future__ import annotations

import getpass
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.cli import ExitCode
from tests.builders.bundle import zip_folder
from tests.conftest import EXAMPLE_FLEET
from tests.evidence.samba import PASSWORD, SambaServer
from tests.test_cli import run

Samba = Callable[[str, str], SambaServer]
CANARY = "Cli-canary-Passw0rd"


def statuses(report: Path) -> dict[str, str]:
    data = json.loads(report.read_text(encoding="utf-8"))
    return {server["server"]: server["status"] for server in data["servers"]}


def inventory(tmp_path: Path, samba: Samba) -> Path:
    live = samba("exposed", "SMB1")
    folder = EXAMPLE_FLEET / "compliant-sp2-single-homed"
    zip_folder(EXAMPLE_FLEET / "below-baseline-sp1-single-homed", tmp_path / "mailed.zip")
    path = tmp_path / "fleet.csv"
    path.write_text(
        "server,host,port,site,owner,evidence\r\n"
        f"LIVE-NT4,127.0.0.1,{live.port},Europe,Ops,\r\n"
        f"FOLDER,,,Europe,Ops,{folder}\r\n"
        "ZIPPED,,,Asia,Ops,mailed.zip\r\n",
        encoding="utf-8",
    )
    return path


def test_one_workbook_for_live_folder_and_zip_then_the_same_offline(
    samba: Samba, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FIXLEVEL_USER", getpass.getuser())
    monkeypatch.setenv("FIXLEVEL_PASSWORD", PASSWORD)
    fleet = inventory(tmp_path, samba)
    kept, first, second = tmp_path / "kept", tmp_path / "first.json", tmp_path / "second.json"
    code, out, err = run(
        "scan",
        f"--inventory={fleet}",
        f"--json={first}",
        f"--xlsx={tmp_path / 'q4.xlsx'}",
        f"--save-evidence={kept}",
        "--timeout=30",
    )
    assert (code, err) == (ExitCode.FINDINGS, ""), out
    assert statuses(first) == {
        "LIVE-NT4": "exposed",
        "FOLDER": "compliant",
        "ZIPPED": "below-baseline",
    }
    assert sorted(path.name for path in kept.iterdir()) == ["FOLDER", "LIVE-NT4", "ZIPPED"]
    code, _, err = run("scan", str(kept), f"--json={second}")
    assert (code, err) == (ExitCode.FINDINGS, "")
    assert statuses(second) == statuses(first)


def test_a_wrong_password_reaches_no_output(
    samba: Samba, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FIXLEVEL_USER", getpass.getuser())
    monkeypatch.setenv("FIXLEVEL_PASSWORD", CANARY)
    fleet = inventory(tmp_path, samba)
    outputs = [tmp_path / name for name in ("r.json", "r.csv", "r.xlsx", "facts.json")]
    code, out, err = run(
        "scan", f"--inventory={fleet}", *(f"--{p.suffix[1:]}={p}" for p in outputs[:3])
    )
    assert code == ExitCode.FINDINGS
    code2, out2, err2 = run("collect", f"--inventory={fleet}", f"--facts={outputs[3]}")
    assert code2 == ExitCode.OK
    live = json.loads(outputs[0].read_text(encoding="utf-8"))["servers"]
    reasons = next(s["reasons"] for s in live if s["server"] == "LIVE-NT4")
    assert any("logon failure" in reason for reason in reasons)
    for text in (out, err, out2, err2):
        assert CANARY not in text
    for path in outputs:
        data = path.read_bytes()
        assert CANARY.encode() not in data
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as book:
                assert all(CANARY.encode() not in book.read(m) for m in book.namelist())
