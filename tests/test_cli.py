"""The whole CLI, run in-process: arguments in, exit code and reports out."""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from auditor.cli import ExitCode, main
from auditor.cli_parser import build_parser
from tests.builders.bundle import zip_folder
from tests.conftest import REPO


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


@pytest.mark.parametrize("command", ["scan", "collect", "judge"])
def test_help_shows_examples(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    run("--help")
    assert f"auditor {command} " in capsys.readouterr().out
    run(command, "--help")
    assert re.search(rf"^examples?:\n  auditor {command} ", capsys.readouterr().out, re.MULTILINE)


def test_scan_of_the_example_fleet_writes_three_reports(fleet: Path, tmp_path: Path) -> None:
    paths = {kind: tmp_path / f"out.{kind}" for kind in ("xlsx", "csv", "json")}
    code, out, _ = run("scan", str(fleet), *(f"--{k}={p}" for k, p in paths.items()))
    assert code == ExitCode.FINDINGS
    assert re.search(r"^  exposed +3$", out, re.MULTILINE)
    assert all(path.is_file() for path in paths.values())
    data = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert data["summary"]["total"] == 10
    assert {s["status"] for s in data["servers"]} == {
        "exposed", "below-baseline", "incomplete", "compliant", "not-applicable",
    }  # fmt: skip


def test_without_output_flags_reports_go_to_the_quarter_folder(
    fleet: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, _ = run("scan", str(fleet))
    assert code == ExitCode.FINDINGS
    written = sorted(
        p.relative_to(tmp_path).as_posix() for p in tmp_path.glob("reports/*/*") if p.is_file()
    )
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
        bundle.writestr("../registry/system.reg", "REGEDIT4\r\n")
    with (fleet / "connectors.csv").open("a") as inventory:
        inventory.write("ghost,/o=Contoso/ou=Europe/cn=Configuration/cn=Connections/cn=X\r\n")
    json_path = tmp_path / "r.json"
    code, out, _ = run("scan", str(fleet), f"--json={json_path}")
    assert code == ExitCode.FINDINGS
    servers = {s["server"]: s for s in json.loads(json_path.read_text())["servers"]}
    assert len(servers) == 13
    for name, needle in [
        ("broken-pe", "EMSMTA.EXE"),
        ("zipped", "zipped.zip: ../"),
        ("ghost", "no evidence"),
    ]:
        assert servers[name]["status"] == "incomplete"
        assert any(needle in reason for reason in servers[name]["reasons"]), servers[name]
    assert "broken-pe" in out


def test_an_unreadable_baseline_fails_the_run(fleet: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[article]\nid = 1\n")
    code, _, err = run("scan", str(fleet), f"--baseline={bad}", f"--json={tmp_path / 'r.json'}")
    assert code == ExitCode.FAILED
    assert str(bad) in err


def test_an_unwritable_output_is_refused_before_the_scan(fleet: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, _, err = run("scan", str(fleet), f"--json={blocker / 'sub' / 'r.json'}")
    assert code == ExitCode.USAGE
    assert err.startswith(f"auditor: {blocker / 'sub' / 'r.json'}: {blocker} is a file")


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


def test_the_command_sets_the_collector_and_exits_with_the_code_of_main() -> None:
    import subprocess
    import sys

    probe = (
        "import gc, sys; from auditor import cli; "
        "cli.main = lambda: print(gc.get_threshold()) or 7; cli.run()"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False
    )
    assert done.returncode == 7
    assert done.stdout.strip() == "(50000, 50, 100)"


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

    monkeypatch.setattr("auditor.archive.render_json", explode)
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
    for when in ("generated_at", "trend"):  # the clock, and the run's own entry in the trend
        data.pop(when, None)
    return data


def test_progress_shows_on_a_terminal_only_and_quiet_turns_it_off(
    fleet: Path, tmp_path: Path
) -> None:
    for options, shown in [((), True), (("--quiet",), False)]:
        err = Terminal()
        main(["scan", str(fleet), f"--json={tmp_path / 'r.json'}", *options], io.StringIO(), err)
        assert ("scanned 10/10 servers" in err.getvalue()) is shown, err.getvalue()
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

    monkeypatch.setattr("auditor.archive.render_xlsx", refuse)
    out = tmp_path / "out"
    paths = {kind: out / f"r.{kind}" for kind in ("xlsx", "csv", "json")}
    code, _, err = run("scan", str(fleet), *(f"--{k}={p}" for k, p in paths.items()))
    assert code == ExitCode.FAILED
    assert "disk full" in err
    assert list(out.iterdir()) == []


def servers_of(json_path: Path) -> dict[str, dict[str, object]]:
    return {s["server"]: s for s in json.loads(json_path.read_text(encoding="utf-8"))["servers"]}


def write_inventory(path: Path, text: str) -> Path:
    path.write_text(text.replace("\n", "\r\n"), encoding="utf-8")
    return path


@pytest.fixture
def live_account(monkeypatch: pytest.MonkeyPatch) -> None:
    """An account for rows read live; their hosts refuse at once (port 1 on 127.0.0.1)."""
    monkeypatch.setenv("FIXLEVEL_USER", "audit")
    monkeypatch.setenv("FIXLEVEL_PASSWORD", "not-used")
    monkeypatch.delenv("FIXLEVEL_DOMAIN", raising=False)


def test_an_inventory_alone_accounts_for_every_row(
    fleet: Path, tmp_path: Path, live_account: None
) -> None:
    zip_folder(fleet / "exposed-sp1-multihomed", tmp_path / "mailed.zip", top="mailed")
    inventory = write_inventory(
        tmp_path / "fleet.csv",
        "server,host,port,site,owner,evidence\n"
        "LONDON,,,Europe,Ops,fleet/compliant-sp2-single-homed\n"
        "PARIS,,,Europe,=HYPERLINK(1),mailed.zip\n"
        "TOKYO,127.0.0.1,1,Asia,,\n"
        "OSLO,10.0.0.10,http,,,\n"
        "ROME,,,,,\n",
    )
    paths = {kind: tmp_path / f"r.{kind}" for kind in ("json", "csv", "xlsx")}
    code, out, err = run(
        "scan", f"--inventory={inventory}", *(f"--{k}={p}" for k, p in paths.items())
    )
    assert code == ExitCode.FINDINGS, err
    servers = servers_of(paths["json"])
    assert sorted(servers) == ["LONDON", "OSLO", "PARIS", "ROME", "TOKYO"]
    assert (servers["LONDON"]["status"], servers["LONDON"]["site"]) == ("compliant", "Europe")
    assert (servers["PARIS"]["status"], servers["PARIS"]["owner"]) == ("exposed", "=HYPERLINK(1)")
    for name, needle in [
        ("TOKYO", "smb://127.0.0.1:1: cannot connect: connection refused"),
        ("OSLO", f"{inventory}:5: port 'http' is not a number"),
        ("ROME", f"{inventory}:6: neither a host nor evidence"),
    ]:
        assert servers[name]["status"] == "incomplete"
        assert any(needle in reason for reason in servers[name]["reasons"]), servers[name]  # type: ignore[attr-defined]
    with paths["csv"].open(encoding="utf-8-sig", newline="") as handle:
        rows = {row["Server"]: row for row in csv.DictReader(handle)}
    assert list(rows["PARIS"])[:4] == ["Server", "Site", "Owner", "Status"]
    assert rows["PARIS"]["Owner"] == "'=HYPERLINK(1)"
    sheet = openpyxl.load_workbook(paths["xlsx"])["Servers"]
    book_rows = list(sheet.iter_rows(values_only=True))
    assert book_rows[0][:3] == ("Server", "Site", "Owner")
    assert sorted(row[0] for row in book_rows[1:]) == sorted(servers)
    assert "TOKYO" in out


def test_an_inventory_with_a_fleet_folder(fleet: Path, tmp_path: Path, live_account: None) -> None:
    inventory = write_inventory(
        tmp_path / "fleet.csv",
        "server,host,port,site\n"
        "compliant-sp2-single-homed,,,Europe\n"  # evidence from the fleet folder
        "NEW-SERVER,127.0.0.1,1,Asia\n",
    )
    json_path = tmp_path / "r.json"
    code, out, _ = run("scan", str(fleet), f"--inventory={inventory}", f"--json={json_path}")
    assert code == ExitCode.FINDINGS
    servers = servers_of(json_path)
    assert len(servers) == 11  # ten folders, one of them listed, and the new row
    assert (
        servers["compliant-sp2-single-homed"]["status"],
        servers["compliant-sp2-single-homed"]["site"],
    ) == ("compliant", "Europe")
    assert servers["exposed-sp1-multihomed"]["site"] == ""  # in the folder, not in the list
    assert servers["NEW-SERVER"]["status"] == "incomplete"
    notes = json.loads(json_path.read_text())["notes"]
    assert any("does not list" in note and "exposed-sp1-multihomed" in note for note in notes)
    assert "does not list" in out


def test_connectors_beside_the_inventory_are_used_without_a_fleet_folder(
    fleet: Path, tmp_path: Path
) -> None:
    shutil.copy(fleet / "connectors.csv", tmp_path / "connectors.csv")
    name = "exposed-connector-without-override"
    inventory = write_inventory(
        tmp_path / "fleet.csv", f"server,host,evidence\n{name},,fleet/{name}\n"
    )
    json_path = tmp_path / "r.json"
    run("scan", f"--inventory={inventory}", f"--json={json_path}")
    document = json.loads(json_path.read_text())
    assert not any("no connectors inventory" in note for note in document["notes"])
    servers = {s["server"]: s for s in document["servers"]}
    assert servers[name]["connector_source"] == "inventory"
    assert len(servers[name]["connectors"]) == 2
    # The connectors inventory names two more servers: reported without evidence, not dropped.
    assert len(servers) == 3


def test_files_beside_the_inventory_are_used_when_the_fleet_folder_lacks_them(
    fleet: Path, tmp_path: Path
) -> None:
    shutil.copy(fleet / "connectors.csv", tmp_path / "connectors.csv")
    (tmp_path / "waivers.toml").write_text(
        '[[waiver]]\nserver = "exposed-sp1-multihomed"\nreason = "replaced in January"\n'
        'approved_by = "J. Smith"\nexpires = 2099-01-31\n',
        encoding="utf-8",
    )
    empty = tmp_path / "empty-fleet"
    empty.mkdir()
    name = "exposed-sp1-multihomed"
    inventory = write_inventory(
        tmp_path / "fleet.csv", f"server,host,evidence\n{name},,fleet/{name}\n"
    )
    json_path = tmp_path / "r.json"
    run("scan", str(empty), f"--inventory={inventory}", f"--json={json_path}")
    document = json.loads(json_path.read_text())
    assert not any("no connectors inventory" in note for note in document["notes"])
    servers = {s["server"]: s for s in document["servers"]}
    assert servers[name]["connector_source"] == "inventory"
    assert (servers[name]["status"], servers[name]["underlying_status"]) == ("waived", "exposed")


@pytest.mark.parametrize(
    ("argv", "code", "expected"),
    [
        (["scan"], ExitCode.USAGE, "name a FLEET_DIR, an --inventory, or both"),
        (["collect", "--facts=f.json"], ExitCode.USAGE, "name a FLEET_DIR"),
        (
            ["scan", "--inventory=/no/such.csv"],
            ExitCode.USAGE,
            "/no/such.csv: no such fleet inventory",
        ),
        (["collect", "examples/fleet"], ExitCode.USAGE, ""),  # --facts is required
        (["judge"], ExitCode.USAGE, ""),
        (["judge", "/no/facts.json"], ExitCode.USAGE, "/no/facts.json: no such facts snapshot"),
    ],
)
def test_usage_of_the_new_commands(argv: list[str], code: int, expected: str) -> None:
    got, _, err = run(*argv)
    assert got == code
    assert expected in err


@pytest.mark.parametrize(
    "argv",
    [
        ["scan", "{fleet}", "--xlsx=out"],
        ["scan", "{fleet}", "--json=out"],
        ["collect", "{fleet}", "--facts=out"],
        ["judge", "{fleet}/connectors.csv", "--csv=out"],
    ],
)
def test_an_output_that_is_a_folder_is_a_usage_error(
    argv: list[str], fleet: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "out").mkdir()
    monkeypatch.chdir(tmp_path)
    code, _, err = run(*(word.format(fleet=fleet) for word in argv))
    assert code == ExitCode.USAGE
    assert "out: a folder; --" in err
    assert sorted(tmp_path.iterdir()) == [fleet, tmp_path / "out"]  # nothing was written


def test_a_malformed_inventory_fails_the_run(tmp_path: Path) -> None:
    inventory = write_inventory(tmp_path / "fleet.csv", "server,port\nA,1\n")
    code, _, err = run("scan", f"--inventory={inventory}", f"--json={tmp_path / 'r.json'}")
    assert code == ExitCode.FAILED
    assert f"{inventory}: the header lacks the column 'host'" in err
    assert not (tmp_path / "r.json").exists()


def comparable(json_path: Path) -> list[dict[str, object]]:
    return json.loads(json_path.read_text(encoding="utf-8"))["servers"]


def test_collect_then_judge_gives_the_verdicts_of_scan(
    fleet: Path, tmp_path: Path, live_account: None
) -> None:
    zip_folder(fleet / "compliant-sp2-single-homed", fleet / "zipped.zip")
    inventory = write_inventory(
        tmp_path / "fleet.csv", "server,host,port,site\nLIVE,127.0.0.1,1,Asia\n"
    )
    sources = [str(fleet), f"--inventory={inventory}"]
    code, _, err = run("scan", *sources, f"--json={tmp_path / 'scan.json'}")
    assert code == ExitCode.FINDINGS, err
    facts = tmp_path / "facts.json"
    code, out, err = run("collect", *sources, f"--facts={facts}")
    assert code == ExitCode.OK, err
    assert f"wrote {facts}" in out and "collected 12 servers" in out
    shutil.rmtree(fleet)  # judging needs nothing but the snapshot
    inventory.unlink()
    code, _, err = run("judge", str(facts), f"--json={tmp_path / 'judge.json'}")
    assert code == ExitCode.FINDINGS, err
    assert comparable(tmp_path / "judge.json") == comparable(tmp_path / "scan.json")
    assert len(comparable(tmp_path / "scan.json")) == 12
    notes = json.loads((tmp_path / "judge.json").read_text())["notes"]
    assert any(note.startswith("judged from facts collected at 20") for note in notes)


def test_judge_against_another_baseline(fleet: Path, tmp_path: Path) -> None:
    facts = tmp_path / "facts.json"
    run("collect", str(fleet), f"--facts={facts}")
    stricter = tmp_path / "sp3.toml"
    text = (REPO / "baselines" / "q197378.toml").read_text(encoding="utf-8")
    stricter.write_text(text.replace('fixed_build = "5.5.2431.0"', 'fixed_build = "5.5.2650.0"'))
    json_path = tmp_path / "r.json"
    code, _, err = run("judge", str(facts), f"--baseline={stricter}", f"--json={json_path}")
    assert code == ExitCode.FINDINGS, err
    servers = servers_of(json_path)
    assert servers["compliant-sp2-single-homed"]["status"] == "below-baseline"
    assert servers["compliant-sp3-multihomed-current-is-cs2"]["status"] == "compliant"


def test_judge_with_other_connectors_replaces_the_snapshots(fleet: Path, tmp_path: Path) -> None:
    facts = tmp_path / "facts.json"
    run("collect", str(fleet), f"--facts={facts}")
    connectors = tmp_path / "connectors.csv"
    connectors.write_text(
        "server,obj_dist_name\r\nghost,/o=O/ou=S/cn=Configuration/cn=Connections/cn=X\r\n"
    )
    json_path = tmp_path / "r.json"
    run("judge", str(facts), f"--connectors={connectors}", f"--json={json_path}")
    servers = servers_of(json_path)
    assert servers["ghost"]["status"] == "incomplete"
    # The snapshot's inventory listed this server's connectors; the replacement does not.
    replaced = servers["compliant-sp3-multihomed-current-is-cs2"]
    assert replaced["connectors_unknown"] is True
    assert replaced["status"] == "incomplete"
    assert any("does not list" in reason for reason in replaced["reasons"])


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "not JSON"),
        ('{"servers": []}', "not a facts snapshot"),
        ('{"format": "fixlevel-facts", "version": 99}', "version 99; this build reads version 4"),
        ('{"format": "fixlevel-facts", "version": 1}', "version 1; this build reads version 4"),
        ('{"format": "fixlevel-facts", "version": 2}', "version 2; this build reads version 4"),
        # Version 3 never read an event log: its servers would show "no refusal seen".
        ('{"format": "fixlevel-facts", "version": 3}', "version 3; this build reads version 4"),
        ('{"format": "fixlevel-facts", "version": 4, "servers": []}', "malformed facts snapshot"),
        (
            '{"format": "fixlevel-facts", "version": 4, "collected_at": "2026-01-01T00:00:00",'
            ' "baseline": {"id": "Q", "files": [], "hashed": []}, "connectors": null,'
            ' "servers": [{"server": "A", "files": [{"bogus": 1}]}]}',
            "malformed facts snapshot",
        ),
    ],
)
def test_a_bad_snapshot_fails_the_run(tmp_path: Path, content: str, expected: str) -> None:
    facts = tmp_path / "facts.json"
    facts.write_text(content)
    code, _, err = run("judge", str(facts), f"--json={tmp_path / 'r.json'}")
    assert code == ExitCode.FAILED
    assert err.startswith(f"auditor: {facts}: ") and expected in err


def test_an_unwritable_snapshot_is_refused_before_the_collection(
    fleet: Path, tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, _, err = run("collect", str(fleet), f"--facts={blocker / 'facts.json'}")
    assert code == ExitCode.USAGE
    assert f"{blocker / 'facts.json'}: {blocker} is a file, not a folder" in err


def test_the_readme_usage_names_every_option_of_every_command() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Usage\n\n```\n", 1)[1].split("```", 1)[0]
    usage: dict[str, str] = {}
    for line in block.splitlines():
        if line.startswith("auditor "):
            words = [word for word in line.split()[1:3] if word.islower()]
            current = " ".join(words)
            usage[current] = ""
        usage[current] += line
    commands = _subcommands(build_parser())
    assert sorted(usage) == sorted(commands)
    for name, command in commands.items():
        for action in command._actions:
            for option in action.option_strings:
                if option.startswith("--") and option != "--help":
                    shown = f"{option} {action.metavar}" if action.metavar else option
                    assert shown in usage[name], f"README: auditor {name} lacks {shown}"


def _subcommands(parser: argparse.ArgumentParser, prefix: str = "") -> dict[str, Any]:
    found: dict[str, Any] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                inner = _subcommands(sub, f"{prefix}{name} ")
                found.update(inner or {f"{prefix}{name}": sub})
    return found
