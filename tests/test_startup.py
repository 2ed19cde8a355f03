"""Start-up: the heavy libraries load where they are used, not with the CLI (issue 15).

Each check runs a fresh interpreter, the only place where what an import loads shows.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import openpyxl.cell.cell
import pytest

from auditor.reporting.text import ILLEGAL_CHARACTERS_RE
from benchmarks.make_fleet import build_fleet

HEAVY = ("pandas", "numpy", "openpyxl", "impacket", "regipy")
REPO = Path(__file__).resolve().parent.parent


def loaded_after(code: str) -> list[str]:
    probe = (
        f"{code}\nimport sys, json\nprint(json.dumps(sorted(set({HEAVY!r}) & set(sys.modules))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.splitlines()[-1])


def test_the_cli_imports_none_of_the_heavy_libraries() -> None:
    assert loaded_after("import auditor.cli") == []


def test_help_runs_without_them() -> None:
    code = (
        "import auditor.cli\ntry:\n    auditor.cli.main(['--help'])\nexcept SystemExit:\n    pass"
    )
    assert loaded_after(code) == []


def scan_code(fleet: Path, out: Path, *reports: str) -> str:
    args = [f"--{kind}={out / ('r.' + kind)}" for kind in reports]
    return f"import auditor.cli\nauditor.cli.main({['scan', str(fleet), '--quiet', *args]!r})"


def test_a_scan_of_exports_loads_only_what_its_reports_need(tmp_path: Path) -> None:
    fleet = tmp_path / "fleet"
    build_fleet(2, fleet)
    # .reg exports and no live rows: neither regipy nor impacket; no workbook: no openpyxl.
    assert loaded_after(scan_code(fleet, tmp_path, "json", "csv")) == []
    assert (tmp_path / "r.json").is_file() and (tmp_path / "r.csv").is_file()
    # A workbook loads openpyxl, and openpyxl does not bring numpy with it.
    assert loaded_after(scan_code(fleet, tmp_path, "xlsx")) == ["openpyxl"]
    assert (tmp_path / "r.xlsx").is_file()


def test_numpy_stays_importable_after_a_workbook(tmp_path: Path) -> None:
    # numpy is no dependency of fixlevel; where it is installed, openpyxl is kept from
    # loading it, and that must not make it unimportable afterwards.
    pytest.importorskip("numpy")
    fleet = tmp_path / "f"
    build_fleet(1, fleet)
    code = scan_code(fleet, tmp_path, "xlsx")
    assert "numpy" in loaded_after(code + "\nimport numpy")
    assert (tmp_path / "r.xlsx").is_file()


def test_the_copied_pattern_is_openpyxls() -> None:
    assert ILLEGAL_CHARACTERS_RE.pattern == openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE.pattern
