"""Root entries of a fleet that are not servers: bundles we cannot open, stray files."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from auditor.cli import ExitCode, main
from auditor.evidence.fleet_root import bundle_of

SERVER = "compliant-sp2-single-homed"


@pytest.mark.parametrize(
    ("name", "server", "what"),
    [
        ("EXCH-A.7z", "EXCH-A", "a 7-Zip archive"),
        ("EXCH-B.tar.gz", "EXCH-B", "a tar"),
        ("EXCH-B.TGZ", "EXCH-B", "a tar"),
        ("EXCH-C.zip.001", "EXCH-C", "one volume of a split zip"),
        ("EXCH-C.z01", "EXCH-C", "one volume of a split zip"),
        ("EXCH-D.zip ", "EXCH-D", "ends in a space"),
        ("EXCH-D.zip.", "EXCH-D", "ends in a space or dot"),
        ("EXCH-E.rar", "EXCH-E", "a RAR archive"),
        ("EXCH-F.7z.002", "EXCH-F", "a 7-Zip archive"),
    ],
)
def test_a_bundle_in_another_container_is_named(name: str, server: str, what: str) -> None:
    found = bundle_of(Path("/fleet") / name)
    assert found is not None
    assert found[0] == server
    assert found[1].startswith("not a zip: ") and what in found[1]


@pytest.mark.parametrize("name", ["notes.txt", "connectors.csv", "EXCH.zip", "inventory.xlsx"])
def test_other_files_are_not_bundles(name: str) -> None:
    assert bundle_of(Path("/fleet") / name) is None


def test_every_root_entry_that_is_not_a_server_is_said(fleet: Path, tmp_path: Path) -> None:
    for name in ("EXCH-A.7z", "EXCH-B.tar.gz", "EXCH-C.zip.001", "EXCH-D.zip "):
        (fleet / name).write_bytes(b"not read")
    (fleet / "notes.txt").write_text("hello")
    (fleet / ".DS_Store").write_bytes(b"\0")
    (fleet / "waivers.toml").write_text("")
    out = tmp_path / "r.json"
    stdout, stderr = io.StringIO(), io.StringIO()
    code = main(["scan", str(fleet), f"--json={out}"], stdout=stdout, stderr=stderr)
    assert code == ExitCode.FINDINGS, stderr.getvalue()
    document = json.loads(out.read_text())
    servers = {s["server"]: s for s in document["servers"]}
    for server in ("EXCH-A", "EXCH-B", "EXCH-C", "EXCH-D"):
        assert servers[server]["status"] == "incomplete"
        assert "not a zip" in " ".join(servers[server]["reasons"])
    (note,) = [n for n in document["notes"] if "not a server, not read" in n]
    assert note == f"{fleet}: not a server, not read: '.DS_Store', 'notes.txt'"


def test_a_fleet_of_only_a_7z_bundle_is_not_an_all_clear(tmp_path: Path) -> None:
    fleet = tmp_path / "fleet"
    fleet.mkdir()
    (fleet / "EXCH01.7z").write_bytes(b"7z\xbc\xaf'\x1c")
    out = tmp_path / "r.json"
    stdout, stderr = io.StringIO(), io.StringIO()
    code = main(["scan", str(fleet), f"--json={out}"], stdout=stdout, stderr=stderr)
    assert code == ExitCode.FINDINGS
    assert json.loads(out.read_text())["servers"][0]["status"] == "incomplete"


def test_the_fleet_inventory_beside_the_servers_is_not_a_stray(fleet: Path, tmp_path: Path) -> None:
    shutil.rmtree(fleet / "not-applicable-exchange-50")
    inventory = fleet / "fleet.csv"
    inventory.write_text(f"server,host,evidence\n{SERVER},{SERVER},{fleet / SERVER}\n")
    out = tmp_path / "r.json"
    stdout, stderr = io.StringIO(), io.StringIO()
    main(["scan", str(fleet), f"--inventory={inventory}", f"--json={out}"], stdout, stderr)
    notes = json.loads(out.read_text())["notes"]
    assert not [n for n in notes if "not a server, not read" in n], notes
