"""``auditor scan --save-evidence DIR``: what was read is kept, and judged again the same."""

from __future__ import annotations

import json
from pathlib import Path

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
