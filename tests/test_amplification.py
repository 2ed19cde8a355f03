"""What an inventory can add is bounded, and a screenful of notes is all the console shows."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from auditor.cli import ExitCode, main
from auditor.cli_console import NOTES_SHOWN
from auditor.inventory_only import INVENTORY_ONLY_CAP
from auditor.parsing.connectors_csv import MAX_ROWS
from auditor.waivers import MAX_WAIVERS

ODN = "/o=Contoso/ou=Europe/cn=Configuration/cn=Connections/cn=TCP to X"
FLEET_SIZE = 10  # the example fleet's servers


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _absent_rows(count: int) -> str:
    return "".join(f"ghost-{n:06d},{ODN},TCP,,\n" for n in range(count))


def test_a_runaway_connectors_inventory_is_refused_whole(fleet: Path, tmp_path: Path) -> None:
    csv_path = fleet / "connectors.csv"
    # Short rows (the file stays under read_csv_text's byte bound, so the row bound is met).
    rows = "".join(f"g{n},/cn=X\n" for n in range(MAX_ROWS + 50_000))
    csv_path.write_text(csv_path.read_text() + rows)
    out = tmp_path / "r.json"
    code, _, err = run("scan", str(fleet), f"--json={out}", "--quiet")
    assert code == ExitCode.FINDINGS, err
    document = json.loads(out.read_text())
    assert len(document["servers"]) == FLEET_SIZE
    assert any(f"more than {MAX_ROWS:,} rows" in note for note in document["notes"])
    assert out.stat().st_size < 1_000_000


def test_many_absent_servers_are_one_note_not_servers(fleet: Path, tmp_path: Path) -> None:
    csv_path = fleet / "connectors.csv"
    csv_path.write_text(csv_path.read_text() + _absent_rows(INVENTORY_ONLY_CAP + 1))
    out = tmp_path / "r.json"
    code, _, err = run("scan", str(fleet), f"--json={out}", "--quiet")
    assert code == ExitCode.FINDINGS, err
    document = json.loads(out.read_text())
    assert len(document["servers"]) == FLEET_SIZE
    (note,) = [n for n in document["notes"] if "servers the fleet has no evidence for" in n]
    assert f"names {INVENTORY_ONLY_CAP + 1} servers" in note and "ghost-000000" in note


def test_a_few_absent_servers_are_still_reported_as_servers(fleet: Path, tmp_path: Path) -> None:
    csv_path = fleet / "connectors.csv"
    csv_path.write_text(csv_path.read_text() + _absent_rows(3))
    out = tmp_path / "r.json"
    run("scan", str(fleet), f"--json={out}", "--quiet")
    servers = {s["server"]: s["status"] for s in json.loads(out.read_text())["servers"]}
    assert len(servers) == FLEET_SIZE + 3 and servers["ghost-000002"] == "incomplete"


def _waivers(count: int) -> str:
    return "".join(
        f'[[waiver]]\nserver = "ghost-{n}"\nreason = "r"\napproved_by = "a"\nexpires = 2099-01-01\n'
        for n in range(count)
    )


def test_notes_beyond_a_screenful_are_counted_on_the_console(fleet: Path, tmp_path: Path) -> None:
    waivers = tmp_path / "w.toml"
    waivers.write_text(_waivers(300))
    out = tmp_path / "r.json"
    code, stdout, err = run("scan", str(fleet), f"--waivers={waivers}", f"--json={out}")
    assert code == ExitCode.FINDINGS, err
    notes = json.loads(out.read_text())["notes"]
    assert len(notes) >= 300
    printed = [line for line in stdout.splitlines() if line.startswith("  note: ")]
    assert len(printed) == NOTES_SHOWN
    assert f"  ... and {len(notes) - NOTES_SHOWN} more notes, every one in {out}" in stdout


def test_a_runaway_waivers_file_stops_before_the_scan(
    fleet: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("auditor.cli.scan", lambda *a, **k: pytest.fail("scanned"))
    waivers = tmp_path / "w.toml"
    waivers.write_text(_waivers(MAX_WAIVERS + 1))
    code, _, err = run("scan", str(fleet), f"--waivers={waivers}", f"--json={tmp_path / 'r.json'}")
    assert code == ExitCode.FAILED
    assert f"{waivers}: {MAX_WAIVERS + 1:,} waivers, more than {MAX_WAIVERS:,}" in err


def test_the_inventory_of_a_large_real_fleet_is_read_whole(tmp_path: Path) -> None:
    # 100,000 servers, a fifth multihomed with three connectors each: 60,000 rows (the
    # 100,000-server benchmark fleet's). A bound below that made 20,000 servers incomplete.
    from auditor.parsing.connectors_csv import parse_connectors

    path = tmp_path / "connectors.csv"
    rows = (
        f"EX{n:05d},/o=Org/ou=Site/cn=Configuration/cn=Connections/cn=TCP to {k},TCP,,\n"
        for n in range(20_000)
        for k in range(3)
    )
    path.write_text("server,obj_dist_name,transport,remote_server,remote_address\n" + "".join(rows))
    inventory = parse_connectors(path)
    assert inventory.error is None
    assert len(inventory.entries) == 60_000
