"""A fleet with no server, or a server's own folder named as the fleet, is a usage error:
exit 2, a message that says what is wrong, and nothing written (an empty report would read
as an all-clear)."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from auditor.cli import ExitCode, main

SERVER = "compliant-sp2-single-homed"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The current folder of the run: where the reports/ archive would be written."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def written(work: Path) -> list[str]:
    return sorted(str(path.relative_to(work)) for path in work.rglob("*"))


@pytest.mark.parametrize("command", ["scan", "collect"])
def test_an_empty_fleet_folder_is_a_usage_error_and_writes_nothing(
    workdir: Path, tmp_path: Path, command: str
) -> None:
    empty = tmp_path / "fleet"
    empty.mkdir()
    (empty / ".hidden").mkdir()  # not a server either
    facts = ["--facts", str(workdir / "facts.json")] if command == "collect" else []
    code, out, err = run(command, str(empty), *facts)
    assert code == ExitCode.USAGE
    assert f"{empty} holds no server folder or .zip: there is no server to audit" in err
    assert written(workdir) == []
    assert out == ""


def test_a_fleet_with_only_a_connectors_inventory_is_still_empty(
    workdir: Path, tmp_path: Path
) -> None:
    empty = tmp_path / "fleet"
    empty.mkdir()
    (empty / "connectors.csv").write_text("server,obj_dist_name\nEXCH01,\n", encoding="utf-8")
    code, _, err = run("scan", str(empty))
    assert code == ExitCode.USAGE
    assert "there is no server to audit" in err
    assert written(workdir) == []


def test_a_fleet_inventory_without_rows_is_a_usage_error(workdir: Path, tmp_path: Path) -> None:
    inventory = tmp_path / "fleet.csv"
    inventory.write_text("server,host\r\n", encoding="utf-8")
    code, _, err = run("scan", "--inventory", str(inventory))
    assert code == ExitCode.USAGE
    assert f"{inventory} lists no server" in err
    assert written(workdir) == []


@pytest.mark.parametrize("layout", ["C$", "c", "registry"])
def test_one_servers_folder_named_as_the_fleet_is_refused(
    fleet: Path, workdir: Path, tmp_path: Path, layout: str
) -> None:
    server = tmp_path / "one-server"
    server.mkdir()
    source = fleet / SERVER
    if layout == "registry":
        shutil.copytree(source / "registry", server / "registry")
    else:
        shutil.copytree(source / "C$", server / layout)
    code, _, err = run("scan", str(server))
    assert code == ExitCode.USAGE
    assert f"{server}: looks like one server's evidence (it holds {layout}/ directly)" in err
    assert written(workdir) == []


def test_the_example_servers_folder_itself_is_refused(fleet: Path, workdir: Path) -> None:
    code, _, err = run("scan", str(fleet / SERVER))
    assert code == ExitCode.USAGE
    assert "it holds C$/, registry/ directly" in err


def test_a_server_named_c_is_a_server_not_a_drive(fleet: Path, tmp_path: Path) -> None:
    shutil.move(fleet / SERVER, fleet / "C")
    report = tmp_path / "r.json"
    code, _, err = run("scan", str(fleet), "--json", str(report))
    assert code == ExitCode.FINDINGS, err
    servers = {item["server"]: item["status"] for item in json.loads(report.read_text())["servers"]}
    assert servers["C"] == "compliant"
