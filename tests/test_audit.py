"""The library API: the live-collection seam of a fleet inventory."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from auditor import audit
from auditor.audit import gather, judge, load_inventory, scan
from auditor.baseline import default_baseline_path, load_baseline
from auditor.evidence import FolderSource
from auditor.evidence.interface import EvidenceSource
from auditor.evidence.inventory import FleetEntry, FleetInventory
from auditor.facts import ServerFacts
from auditor.verdicts import ServerVerdict, Status


def test_a_live_factory_collects_the_rows_without_evidence(fleet: Path) -> None:
    rows = tuple(
        FleetEntry(name, f"{name}.example", 445, "Europe", "Ops", None, f"f.csv:{line}")
        for line, name in enumerate(("compliant-sp2-single-homed", "exposed-sp1-multihomed"), 2)
    )
    asked: list[tuple[str, str, int | None]] = []

    def live(row: FleetEntry) -> EvidenceSource:
        # A stand-in for a live source: the host's evidence, read from the example fleet.
        asked.append((row.server, row.host, row.port))
        return FolderSource(fleet / row.server, row.server)

    result = scan(
        None, load_baseline(default_baseline_path()), fleet=FleetInventory("f.csv", rows), live=live
    )
    assert asked == [(row.server, row.host, 445) for row in rows]
    assert [(v.server, v.status, v.site) for v in result.servers] == [
        ("compliant-sp2-single-homed", Status.COMPLIANT, "Europe"),
        ("exposed-sp1-multihomed", Status.EXPOSED, "Europe"),
    ]


def test_without_a_connectors_inventory_no_multihomed_server_passes(fleet: Path) -> None:
    (fleet / "connectors.csv").unlink()
    result = scan(fleet, load_baseline(default_baseline_path()), load_inventory(fleet, None))
    assert any("no multihomed server can be judged compliant" in note for note in result.notes)
    statuses = {verdict.server: verdict.status for verdict in result.servers}
    assert statuses["compliant-sp3-multihomed-current-is-cs2"] is Status.INCOMPLETE
    assert statuses["compliant-sp2-single-homed"] is Status.COMPLIANT
    assert statuses["exposed-connector-without-override"] is Status.INCOMPLETE  # PARIS unseen


@pytest.mark.parametrize("min_items", [0, 1000], ids=["worker processes", "in process"])
def test_a_scan_judges_as_the_two_halves_apart_do(
    fleet: Path, monkeypatch: pytest.MonkeyPatch, min_items: int
) -> None:
    # scan judges each server as its facts arrive; gather then judge (auditor collect and
    # auditor judge) judges them all after. Same facts, same verdicts, labels included.
    monkeypatch.setattr("auditor.pool.MIN_PROCESS_ITEMS", min_items)
    baseline = load_baseline(default_baseline_path())
    inventory = load_inventory(fleet, None)
    assert inventory is not None and inventory.entries  # the inventory is in play
    servers = sorted(path.name for path in fleet.iterdir() if path.is_dir())
    rows = tuple(
        FleetEntry(name, "", None, f"site {n}", f"owner {n}", fleet / name, f"f.csv:{n}")
        for n, name in enumerate(servers[::2], 2)
    )
    fleet_list = FleetInventory("f.csv", rows)
    now = datetime(2026, 1, 2, tzinfo=UTC)
    scanned = scan(fleet, baseline, inventory, fleet=fleet_list, now=now)
    apart = judge(gather(fleet, baseline, inventory, fleet=fleet_list, now=now), baseline, now=now)
    assert scanned == apart
    assert len(scanned.servers) >= len(servers)
    assert {"site 2", "site 3"} <= {v.site for v in scanned.servers}  # labels reached them


def test_a_bug_met_while_judging_a_server_early_makes_it_incomplete(
    fleet: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    baseline = load_baseline(default_baseline_path())
    victim = "compliant-sp2-single-homed"
    real = audit.evaluate

    def buggy(facts: ServerFacts, *args: object) -> ServerVerdict:
        if facts.server == victim and facts.files:
            raise KeyError("boom")
        return real(facts, *args)  # type: ignore[arg-type]

    expected = {v.server: v for v in scan(fleet, baseline).servers}
    monkeypatch.setattr(audit, "evaluate", buggy)
    got = {v.server: v for v in scan(fleet, baseline).servers}
    assert got[victim].status is Status.INCOMPLETE
    assert any("internal error while judging: KeyError" in r for r in got[victim].reasons)
    others = set(expected) - {victim}
    assert {name: got[name].status for name in others} == {
        name: expected[name].status for name in others
    }
