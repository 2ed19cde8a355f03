"""The whole CLI, run in-process: arguments in, exit code and reports out."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from auditor.cli import ExitCode, main


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    ("argv", "code", "expected"),
    [
        (["--help"], ExitCode.OK, ""),
        (["scan", "--help"], ExitCode.OK, ""),
        ([], ExitCode.USAGE, ""),
        (["scan"], ExitCode.USAGE, ""),
        (["frobnicate"], ExitCode.USAGE, ""),
        (["scan", "/no/such/fleet"], ExitCode.USAGE, "/no/such/fleet: not a folder"),
    ],
)
def test_usage(
    argv: list[str], code: int, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    got, _, err = run(*argv)
    assert got == code
    assert expected in err


def test_help_shows_examples(capsys: pytest.CaptureFixture[str]) -> None:
    run("--help")
    assert "auditor scan examples/fleet" in capsys.readouterr().out
    run("scan", "--help")
    assert "example:" in capsys.readouterr().out


def test_scan_of_the_example_fleet_writes_three_reports(fleet: Path, tmp_path: Path) -> None:
    paths = {kind: tmp_path / f"out.{kind}" for kind in ("xlsx", "csv", "json")}
    code, out, _ = run("scan", str(fleet), *(f"--{k}={p}" for k, p in paths.items()))
    assert code == ExitCode.FINDINGS
    assert re.search(r"^  exposed +2$", out, re.MULTILINE)
    assert all(path.is_file() for path in paths.values())
    data = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert data["summary"]["total"] == 7
    assert {s["status"] for s in data["servers"]} == {
        "exposed", "below-baseline", "incomplete", "compliant", "not-applicable",
    }  # fmt: skip


def test_without_output_flags_reports_go_to_the_quarter_folder(
    fleet: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, _ = run("scan", str(fleet))
    assert code == ExitCode.FINDINGS
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.glob("reports/*/*"))
    assert len(written) == 3
    assert all(p.startswith("reports/20") and "-Q" in p for p in written)
    assert {Path(p).suffix for p in written} == {".xlsx", ".csv", ".json"}


def test_only_compliant_servers_exit_zero(fleet: Path, tmp_path: Path) -> None:
    for server in fleet.iterdir():
        if server.is_dir() and not server.name.startswith(("compliant-", "not-applicable-")):
            shutil.rmtree(server)
    (fleet / "connectors.csv").write_text(
        "server,obj_dist_name\r\ncompliant-sp3-multihomed-current-is-cs2,"
        "/o=Contoso/ou=Europe/cn=Configuration/cn=Connections/cn=TCP to LONDON\r\n"
    )
    code, _, _ = run("scan", str(fleet), f"--json={tmp_path / 'r.json'}")
    assert code == ExitCode.OK


def test_a_server_named_like_a_formula_stays_text(fleet: Path, tmp_path: Path) -> None:
    shutil.copytree(fleet / "compliant-sp2-single-homed", fleet / "=1+2")
    shutil.copytree(fleet / "compliant-sp2-single-homed", fleet / "@SUM(A1)")
    xlsx, csv_path = tmp_path / "r.xlsx", tmp_path / "r.csv"
    run("scan", str(fleet), f"--xlsx={xlsx}", f"--csv={csv_path}")
    book = openpyxl.load_workbook(xlsx)
    names = [row[0] for row in book["Servers"].iter_rows(min_row=2, values_only=True)]
    assert "=1+2" in names and "@SUM(A1)" in names
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            assert all(cell.data_type != "f" for cell in row), sheet.title
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        servers = [row["Server"] for row in csv.DictReader(handle)]
    assert "'=1+2" in servers and "'@SUM(A1)" in servers


def test_broken_servers_never_stop_the_fleet(fleet: Path, tmp_path: Path) -> None:
    broken = fleet / "broken-pe"
    shutil.copytree(fleet / "compliant-sp2-single-homed", broken)
    (broken / "C$" / "exchsrvr" / "bin" / "EMSMTA.EXE").write_bytes(b"MZ" + b"\0" * 10)
    with zipfile.ZipFile(fleet / "zipped.zip", "w") as bundle:
        bundle.writestr("registry/system.reg", "REGEDIT4\r\n")
    with (fleet / "connectors.csv").open("a") as inventory:
        inventory.write("ghost,/o=Contoso/ou=Europe/cn=Configuration/cn=Connections/cn=X\r\n")
    json_path = tmp_path / "r.json"
    code, out, _ = run("scan", str(fleet), f"--json={json_path}")
    assert code == ExitCode.FINDINGS
    servers = {s["server"]: s for s in json.loads(json_path.read_text())["servers"]}
    assert len(servers) == 10
    for name, needle in [("broken-pe", "EMSMTA.EXE"), ("zipped", "zip"), ("ghost", "no evidence")]:
        assert servers[name]["status"] == "incomplete"
        assert any(needle in reason for reason in servers[name]["reasons"]), servers[name]
    assert "broken-pe" in out


def test_an_unreadable_baseline_fails_the_run(fleet: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[article]\nid = 1\n")
    code, _, err = run("scan", str(fleet), f"--baseline={bad}", f"--json={tmp_path / 'r.json'}")
    assert code == ExitCode.FAILED
    assert str(bad) in err


def test_an_unwritable_output_fails_the_run(fleet: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, _, err = run("scan", str(fleet), f"--json={blocker / 'sub' / 'r.json'}")
    assert code == ExitCode.FAILED
    assert "auditor:" in err


def test_a_missing_connectors_file_is_a_usage_error(fleet: Path) -> None:
    code, _, err = run("scan", str(fleet), "--connectors=/no/such.csv")
    assert code == ExitCode.USAGE
    assert "/no/such.csv" in err


def test_python_dash_m_runs_the_cli() -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "auditor", "--version"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    assert done.stdout.startswith("fixlevel ")


def test_names_that_are_not_utf8_are_reported_not_fatal(fleet: Path, tmp_path: Path) -> None:
    server = fleet / "compliant-sp2-single-homed"
    odd = Path(os.fsdecode(bytes(server / "C$") + b"/old\xe9"))
    odd.mkdir()
    shutil.copy(server / "C$" / "exchsrvr" / "bin" / "EMSMTA.EXE", odd / "EMSMTA.EXE")
    shutil.copytree(server, Path(os.fsdecode(bytes(fleet) + b"/caf\xe9")))
    paths = {kind: tmp_path / f"r.{kind}" for kind in ("xlsx", "csv", "json")}
    code, _, err = run("scan", str(fleet), *(f"--{k}={p}" for k, p in paths.items()))
    assert code == ExitCode.FINDINGS, err
    servers = {s["server"]: s for s in json.loads(paths["json"].read_text())["servers"]}
    assert servers["caf\ufffd"]["status"] == "compliant"
    copies = [f["path"] for f in servers["compliant-sp2-single-homed"]["files"]]
    assert "C$/old\ufffd/EMSMTA.EXE" in copies


def test_a_crash_exits_3_and_leaves_no_partial_report(
    fleet: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("auditor.audit.render_json", explode)
    target = tmp_path / "r.json"
    code, _, err = run("scan", str(fleet), f"--json={target}")
    assert code == ExitCode.FAILED
    assert "internal error" in err and "boom" in err
    assert list(tmp_path.iterdir()) == [fleet]


def test_a_linked_server_folder_is_reported_not_followed(fleet: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    shutil.copytree(fleet / "compliant-sp2-single-homed", outside)
    (fleet / "linked").symlink_to(outside)
    json_path = tmp_path / "r.json"
    run("scan", str(fleet), f"--json={json_path}")
    servers = {s["server"]: s for s in json.loads(json_path.read_text())["servers"]}
    assert servers["linked"]["status"] == "incomplete"
    assert "not followed" in servers["linked"]["reasons"][0]


def test_a_closed_pipe_on_stdout_keeps_the_findings_exit_code(fleet: Path, tmp_path: Path) -> None:
    class ClosedPipe(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    code = main(["scan", str(fleet), f"--json={tmp_path / 'r.json'}"], ClosedPipe(), io.StringIO())
    assert code == ExitCode.FINDINGS
    assert (tmp_path / "r.json").is_file()


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def scan_to_json(fleet: Path, target: Path, *options: str) -> dict[str, object]:
    code, _, err = run("scan", str(fleet), f"--json={target}", *options)
    assert code == ExitCode.FINDINGS, err
    data: dict[str, object] = json.loads(target.read_text(encoding="utf-8"))
    data.pop("generated_at")
    return data


def test_progress_shows_on_a_terminal_only_and_quiet_turns_it_off(
    fleet: Path, tmp_path: Path
) -> None:
    for options, shown in [((), True), (("--quiet",), False)]:
        err = Terminal()
        main(["scan", str(fleet), f"--json={tmp_path / 'r.json'}", *options], io.StringIO(), err)
        assert ("scanned 7/7 servers" in err.getvalue()) is shown, err.getvalue()
    _, _, err_text = run("scan", str(fleet), f"--json={tmp_path / 'r.json'}")
    assert err_text == ""


@pytest.mark.parametrize("workers", ["0", "-2", "many"])
def test_workers_must_be_a_positive_number(fleet: Path, workers: str) -> None:
    code, _, _ = run("scan", str(fleet), f"--workers={workers}")
    assert code == ExitCode.USAGE


def test_worker_processes_give_the_verdicts_one_process_gives(
    fleet: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone = scan_to_json(fleet, tmp_path / "alone.json", "--workers=1")
    monkeypatch.setattr("auditor.pool.MIN_PROCESS_ITEMS", 0)
    pooled = scan_to_json(fleet, tmp_path / "pooled.json", "--workers=2")
    assert pooled == alone


def test_a_crash_in_a_worker_makes_that_server_incomplete(
    fleet: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditor import collect as collect_module

    real = collect_module.collect

    def crash_on_one(source: object, baseline: object) -> object:
        if getattr(source, "server", "") == "compliant-sp2-single-homed":
            raise ZeroDivisionError("reader bug")
        return real(source, baseline)  # type: ignore[arg-type]

    monkeypatch.setattr("auditor.audit.collect", crash_on_one)
    monkeypatch.setattr("auditor.pool.MIN_PROCESS_ITEMS", 0)  # forked workers see the patch
    data = scan_to_json(fleet, tmp_path / "r.json", "--workers=2")
    servers = {s["server"]: s for s in data["servers"]}  # type: ignore[attr-defined]
    crashed = servers["compliant-sp2-single-homed"]
    assert crashed["status"] == "incomplete"
    assert any("ZeroDivisionError: reader bug" in reason for reason in crashed["reasons"])
    assert servers["compliant-sp3-multihomed-current-is-cs2"]["status"] == "compliant"


def test_a_failed_workbook_leaves_no_report_of_any_format(
    fleet: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditor.errors import ReportError

    def refuse(report: object, path: Path) -> None:
        path.write_bytes(b"half a workbook")
        raise ReportError(f"{path}: disk full")

    monkeypatch.setattr("auditor.audit.render_xlsx", refuse)  # forked writers see the patch
    out = tmp_path / "out"
    paths = {kind: out / f"r.{kind}" for kind in ("xlsx", "csv", "json")}
    code, _, err = run("scan", str(fleet), *(f"--{k}={p}" for k, p in paths.items()))
    assert code == ExitCode.FAILED
    assert "disk full" in err
    assert list(out.iterdir()) == []
