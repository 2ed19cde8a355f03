"""The facts snapshot: written and read back unchanged, refused when it is not ours."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from auditor.audit import gather, load_inventory
from auditor.baseline import default_baseline_path, load_baseline
from auditor.errors import ParseError
from auditor.snapshot import FORMAT, VERSION, read_snapshot, render_snapshot


def test_a_gathered_fleet_comes_back_unchanged(fleet: Path, tmp_path: Path) -> None:
    (fleet / "compliant-sp2-single-homed" / "registry" / "odd\udce9.reg").write_bytes(b"junk")
    baseline = load_baseline(default_baseline_path())
    when = datetime(2026, 11, 24, 23, 0, tzinfo=UTC)
    snapshot = gather(fleet, baseline, load_inventory(fleet, None), now=when)
    assert snapshot.connectors is not None and snapshot.connectors.entries
    path = tmp_path / "facts.json"
    render_snapshot(snapshot, path)
    document = json.loads(path.read_text(encoding="ascii"))
    assert (document["format"], document["version"]) == (FORMAT, VERSION)
    assert read_snapshot(path) == snapshot


def test_a_snapshot_without_connectors(fleet: Path, tmp_path: Path) -> None:
    baseline = load_baseline(default_baseline_path())
    snapshot = gather(fleet, baseline, None)
    path = tmp_path / "facts.json"
    render_snapshot(snapshot, path)
    assert read_snapshot(path).connectors is None


def test_bytes_that_are_not_text_are_not_a_snapshot(tmp_path: Path) -> None:
    path = tmp_path / "facts.json"
    path.write_bytes(b"\xff\xfe{")
    with pytest.raises(ParseError, match="not JSON"):
        read_snapshot(path)


def test_deep_nesting_is_not_a_snapshot_nor_a_crash(tmp_path: Path) -> None:
    """As the archive reader (issue 16, point 6): a hand-edited snapshot is a ParseError
    naming it, not an internal error."""
    path = tmp_path / "deep.json"
    nested = "[" * 100_000 + "]" * 100_000
    path.write_text(f'{{"format": "{FORMAT}", "version": {VERSION}, "servers": {nested}}}')
    with pytest.raises(ParseError, match=r"deep\.json: not a facts snapshot"):
        read_snapshot(path)
