"""The library API: the live-collection seam of a fleet inventory."""

from __future__ import annotations

from pathlib import Path

from auditor.audit import load_inventory, scan
from auditor.baseline import default_baseline_path, load_baseline
from auditor.evidence import FolderSource
from auditor.evidence.interface import EvidenceSource
from auditor.evidence.inventory import FleetEntry, FleetInventory
from auditor.verdicts import Status


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
