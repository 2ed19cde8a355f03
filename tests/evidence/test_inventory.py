"""Inventory rows become sources: named evidence, a fleet folder's server, or live collection."""

from __future__ import annotations

from pathlib import Path

from auditor.evidence import FolderSource, UnsupportedSource, ZipSource
from auditor.evidence.interface import EvidenceSource
from auditor.evidence.inventory import FleetEntry, no_live_collection, sources_from_inventory
from tests.builders.bundle import zip_members


def entry(server: str, host: str = "", evidence: Path | None = None, **more: object) -> FleetEntry:
    fields: dict[str, object] = {"port": None, "site": "", "owner": "", "origin": "f.csv:2"}
    return FleetEntry(server=server, host=host, evidence=evidence, **(fields | more))  # type: ignore[arg-type]


def reason(source: EvidenceSource) -> str:
    files, problems = source.list_files()
    assert files == []
    (problem,) = problems
    return problem


def test_named_evidence_takes_the_rows_server_name(tmp_path: Path) -> None:
    folder = tmp_path / "copy-of-exch01"
    folder.mkdir()
    bundle = zip_members(tmp_path / "mailed.ZIP", {"registry/a.reg": b"REGEDIT4\r\n"})
    sources = sources_from_inventory(
        [entry("EXCH01", evidence=folder), entry("EXCH02", evidence=bundle)]
    )
    assert isinstance(sources[0], FolderSource) and isinstance(sources[1], ZipSource)
    assert [s.server for s in sources] == ["EXCH01", "EXCH02"]


def test_named_evidence_that_is_not_there_or_not_evidence(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x")
    missing, text = sources_from_inventory(
        [entry("A", evidence=tmp_path / "nope"), entry("B", evidence=tmp_path / "notes.txt")]
    )
    assert reason(missing) == f"{tmp_path / 'nope'}: no such folder or zip (f.csv:2)"
    assert reason(text) == f"{tmp_path / 'notes.txt'}: not a folder or a .zip (f.csv:2)"


def test_a_row_without_evidence_takes_the_fleet_folders_server_before_live() -> None:
    found = FolderSource(Path("/fleet/exch01"))
    called: list[FleetEntry] = []

    def live(row: FleetEntry) -> EvidenceSource:
        called.append(row)
        return UnsupportedSource(row.server, row.host, "live")

    sources = sources_from_inventory([entry("EXCH01", "h1"), entry("EXCH02", "h2")], live, [found])
    assert sources[0] is found
    assert [row.server for row in called] == ["EXCH02"]


def test_without_live_collection_a_row_says_so() -> None:
    (source,) = sources_from_inventory([entry("EXCH01", "10.0.0.5")])
    assert source.server == "EXCH01"
    assert reason(source).startswith("10.0.0.5: live collection is not available in this build")
    assert reason(no_live_collection(entry("X", "h"))).endswith("evidence folder or zip (f.csv:2)")


def test_rows_that_cannot_be_collected_name_their_line() -> None:
    bad_port, nothing = sources_from_inventory(
        [entry("A", "h", problem="port 'x' is not a number from 1 to 65535"), entry("B")]
    )
    assert reason(bad_port) == "f.csv:2: port 'x' is not a number from 1 to 65535"
    assert reason(nothing) == "f.csv:2: neither a host nor evidence; the server cannot be collected"
