"""What no evidence may break: each guarantee of the hostile-evidence issue, shown on the fleet.

- every server appears in every report, a bad one incomplete with a reason naming its file;
- nothing crashes, and no server costs more than 5 s of CPU or 256 MB of memory: each
  server is collected in a forked child under RLIMIT_CPU and RLIMIT_AS (tests/hostile/
  bounded.py), so the kernel, not a clock in the test, enforces the bound;
- nothing is written outside the report paths;
- no cell of the workbook or the CSV is a formula, and no control character reaches the
  workbook writers (openpyxl's cells, and the row writer that streams tables into it).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import pytest
from openpyxl.cell.cell import Cell

from auditor.audit import scan
from auditor.baseline import Baseline
from auditor.cli import main
from auditor.reporting.xlsx_rows import RowWriter
from auditor.verdicts import Status
from tests.builders.hostile import SERVER_NAMES
from tests.hostile.fleet import CASES, CORPUS

REPO = Path(__file__).resolve().parents[2]
linux_only = pytest.mark.skipif(
    sys.platform != "linux", reason="needs fork, /proc and RLIMIT_AS to bound a child"
)


def servers_of(fleet: Path) -> set[str]:
    return {entry.name.removesuffix(".zip") for entry in fleet.iterdir()}


# --- every server is reported -------------------------------------------------------------


def run_cli(fleet: Path, out: Path, *extra: str) -> tuple[int, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    paths = [
        "--xlsx",
        str(out / "r.xlsx"),
        "--csv",
        str(out / "r.csv"),
        "--json",
        str(out / "r.json"),
    ]
    code = main(["scan", str(fleet), *paths, *extra], stdout, stderr)
    return code, stderr.getvalue()


def snapshot(root: Path) -> dict[str, tuple[int, int, int]]:
    """Every entry below ``root``: (mode, size, mtime); links are not followed."""
    found = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder) / name
            stat = path.lstat()
            found[str(path.relative_to(root))] = (stat.st_mode, stat.st_size, stat.st_mtime_ns)
    return found


def test_the_hostile_fleet_is_reported_whole_and_writes_only_its_reports(
    hostile_fleet: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The fleet, the working folder and the temporary folder are all watched.
    work, temporary, out = tmp_path / "cwd", tmp_path / "tmp", tmp_path / "out"
    for folder in (work, temporary, out):
        folder.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("TMPDIR", str(temporary))
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    watched = {root: snapshot(root) for root in (hostile_fleet.parent, tmp_path)}

    code, errors = run_cli(hostile_fleet, out)

    assert code == 1, errors
    assert sorted(p.name for p in out.iterdir()) == ["r.csv", "r.json", "r.xlsx"]
    new = snapshot(tmp_path)
    assert {name for name in new if name not in watched[tmp_path]} == {
        "out/r.csv",
        "out/r.json",
        "out/r.xlsx",
    }
    assert snapshot(hostile_fleet.parent) == watched[hostile_fleet.parent]
    assert list(temporary.iterdir()) == []

    expected = servers_of(hostile_fleet)
    report = json.loads((out / "r.json").read_text(encoding="utf-8"))
    assert {server["server"] for server in report["servers"]} == expected
    with (out / "r.csv").open(encoding="utf-8-sig", newline="") as stream:
        assert {row["Server"] for row in csv.DictReader(stream)} == expected
    sheet = openpyxl.load_workbook(out / "r.xlsx", read_only=True)["Servers"]
    assert {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)} == expected
    statuses = {server["server"]: server["status"] for server in report["servers"]}
    assert {statuses[name] for name in CASES} == {Status.INCOMPLETE.value}


# --- bounded CPU and memory -----------------------------------------------------------------


def bounded_run(*arguments: str) -> dict[str, str]:
    done = subprocess.run(
        [sys.executable, "-m", "tests.hostile.bounded", *arguments],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(done.stdout))


@linux_only
def test_the_limits_bite() -> None:
    """Without this, a child that never ran its work would pass the test below."""
    assert bounded_run("--controls") == {
        "allocate 272 MB": "out of memory",
        "allocate 128 MB": "ok",
        "spin for 1 s": "killed by SIGXCPU",
        "raise": "raised",
    }


@linux_only
def test_no_server_takes_more_than_5_s_of_cpu_or_256_mb(hostile_fleet: Path) -> None:
    outcomes = bounded_run(str(hostile_fleet))
    assert outcomes == dict.fromkeys(servers_of(hostile_fleet), "ok")


# --- no formula, no control character ------------------------------------------------------


@pytest.fixture
def names_fleet(tmp_path: Path) -> Path:
    """Servers named like formulas or with control characters, and an export and an
    inventory full of such names (and of 40,000-character ones)."""
    fleet = tmp_path / "names-fleet"
    for name in (*SERVER_NAMES, "names"):
        registry = fleet / name / "registry"
        registry.mkdir(parents=True)
        (registry / "SYSTEM.reg").write_bytes((CORPUS / "names" / "SYSTEM.reg").read_bytes())
    (fleet / "connectors.csv").write_bytes((CORPUS / "names" / "connectors.csv").read_bytes())
    return fleet


def control_characters(text: str) -> set[str]:
    return {char for char in text if unicodedata.category(char) == "Cc" and char not in "\t\n\r"}


def test_no_formula_and_no_control_character_reaches_the_reports(
    names_fleet: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, baseline: Baseline
) -> None:
    # Text reaches the workbook two ways: openpyxl cells (summary and management sheets)
    # and RowWriter, which streams the tables' rows as XML into openpyxl's sheet writer.
    # The workbook may be rendered in a forked process, so what is seen goes to a file.
    log = tmp_path / "given.jsonl"
    check_string, append = Cell.check_string, RowWriter.append

    def record(values: Sequence[object]) -> None:
        with log.open("a", encoding="utf-8") as stream:
            for value in values:
                if isinstance(value, str):
                    stream.write(json.dumps(value) + "\n")

    def checking(self: Cell, value: object) -> object:
        record([value])
        return check_string(self, value)

    def appending(self: RowWriter, values: Sequence[object], *args: object) -> None:
        record(values)
        append(self, values, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Cell, "check_string", checking)
    monkeypatch.setattr(RowWriter, "append", appending)
    code, errors = run_cli(names_fleet, tmp_path)
    assert code == 1, errors

    given = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert given, "no text reached the workbook through the two routes watched"
    # The formula-like names did reach openpyxl, so the checks below are not vacuous.
    assert any(value.startswith("=HYPERLINK") for value in given)
    assert [value for value in given if control_characters(value)] == []

    with zipfile.ZipFile(tmp_path / "r.xlsx") as workbook:
        sheets = [n for n in workbook.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and not any(re.search(rb"<f[ >]", workbook.read(n)) for n in sheets)
    for sheet in openpyxl.load_workbook(tmp_path / "r.xlsx").worksheets:
        for row in sheet.iter_rows():
            assert [cell.coordinate for cell in row if cell.data_type == "f"] == []
    with (tmp_path / "r.csv").open(encoding="utf-8-sig", newline="") as stream:
        fields = [field for row in csv.reader(stream) for field in row]
    assert [field for field in fields if field[:1] in ("=", "+", "-", "@", "\t", "\r")] == []
    assert [field for field in fields if control_characters(field)] == []
    servers = {verdict.server for verdict in scan(names_fleet, baseline).servers}
    # Control characters in a name are shown as <U+XXXX>, never dropped (auditor.names).
    shown = {
        "".join(ch if ch.isprintable() else f"<U+{ord(ch):04X}>" for ch in name)
        for name in SERVER_NAMES
    }
    assert shown <= servers
