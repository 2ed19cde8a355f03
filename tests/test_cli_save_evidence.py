"""``auditor scan --save-evidence DIR``: what was read is kept, and judged again the same."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.cli import ExitCode
from tests.test_cli import run


def statuses(report: Path) -> dict[str, str]:
    data = json.loads(report.read_text(encoding="utf-8"))
    return {server["server"]: server["status"] for server in data["servers"]}


def test_saved_evidence_scans_to_the_same_verdicts(fleet: Path, tmp_path: Path) -> None:
    kept = tmp_path / "kept"
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    code, _, err = run("scan", str(fleet), "--json", str(first), "--save-evidence", str(kept))
    assert (code, err) == (ExitCode.FINDINGS, "")
    assert sorted(path.name for path in kept.iterdir()) == sorted(
        path.name for path in fleet.iterdir() if path.is_dir()
    )
    code, _, err = run(
        "scan", str(kept), "--json", str(second), "--connectors", str(fleet / "connectors.csv")
    )
    assert (code, err) == (ExitCode.FINDINGS, "")
    assert statuses(second) == statuses(first)


def test_a_folder_that_holds_anything_is_refused(fleet: Path, tmp_path: Path) -> None:
    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / "old").mkdir()
    code, _, err = run("scan", str(fleet), "--json", str(tmp_path / "r.json"),
                       "--save-evidence", str(kept))  # fmt: skip
    assert code == ExitCode.USAGE
    assert err == f"auditor: {kept}: --save-evidence needs a new or empty folder\n"
    assert not (tmp_path / "r.json").exists()


def test_a_live_row_without_an_account_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("FIXLEVEL_USER", "FIXLEVEL_PASSWORD", "FIXLEVEL_DOMAIN"):
        monkeypatch.delenv(name, raising=False)
    inventory = tmp_path / "fleet.csv"
    inventory.write_text("server,host\r\nEXCH01,127.0.0.1\r\n", encoding="utf-8")
    code, _, err = run("scan", f"--inventory={inventory}", f"--json={tmp_path / 'r.json'}")
    assert code == ExitCode.USAGE
    assert err.startswith("auditor: live collection needs an account: set FIXLEVEL_USER")
    assert not (tmp_path / "r.json").exists()


def test_an_inventory_without_live_rows_asks_for_no_account(
    fleet: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FIXLEVEL_USER", raising=False)
    inventory = tmp_path / "fleet.csv"
    inventory.write_text(
        "server,host,evidence\r\nEXCH01,,fleet/compliant-sp2-single-homed\r\n", encoding="utf-8"
    )
    code, _, err = run("scan", f"--inventory={inventory}", f"--json={tmp_path / 'r.json'}")
    assert (code, err) == (ExitCode.OK, "")


@pytest.mark.parametrize("value", ["0", "-5", "nan", "inf"])
def test_a_timeout_must_be_positive(fleet: Path, value: str) -> None:
    code, _, err = run("scan", str(fleet), f"--timeout={value}")
    assert code == ExitCode.USAGE
    assert "--timeout" in err
