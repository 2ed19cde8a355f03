"""Hand-edited archived runs: read before the scan, each a note, none an exception."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from auditor import cli
from auditor.cli import ExitCode, main

EARLIER = datetime(2026, 8, 3, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
MARK = '"__hostile__"'


def run(now: datetime, *argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err, now=now)
    return code, out.getvalue() + err.getvalue()


def _edited(document: dict[str, object], place: list[str | int], text: str) -> str:
    """The document with the value at ``place`` replaced by raw JSON ``text``."""
    holder: object = document
    for key in place[:-1]:
        holder = holder[key]  # type: ignore[index]
    holder[place[-1]] = "__hostile__"  # type: ignore[index]
    return json.dumps(document).replace(MARK, text)


HOSTILE = {
    "infinite.json": (["summary", "counts", "exposed"], "1e999"),
    "digits.json": (["summary", "counts", "exposed"], "9" * 5000),
    "nested.json": (["servers", 0, "warnings"], "[" * 100_000 + "]" * 100_000),
    "nan.json": (["summary", "counts", "compliant"], "NaN"),
}


@pytest.fixture
def archive(fleet: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An archive of one good run of the example fleet, and hostile edits of it."""
    monkeypatch.chdir(tmp_path)
    code, text = run(EARLIER, "scan", str(fleet), "--quiet")
    assert code == ExitCode.FINDINGS, text
    (good,) = (tmp_path / "reports").glob("*-Q3/*.json")
    raw = good.read_text(encoding="utf-8")
    for name, (place, value) in HOSTILE.items():
        (good.parent / name).write_text(_edited(json.loads(raw), place, value))
    later = json.loads(raw)
    later["generated_at"] = "2026-09-01T00:00:00+00:00"
    (good.parent / "bom.json").write_bytes(b"\xef\xbb\xbf" + json.dumps(later).encode())
    future = json.loads(raw)
    future["generated_at"] = "2031-01-01T00:00:00+00:00"
    (good.parent / "future.json").write_text(json.dumps(future))
    return good.parent


def test_every_hostile_archived_run_is_a_note_and_the_scan_stands(
    archive: Path, fleet: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    order: list[str] = []
    real_load, real_scan = cli.load_archive, cli.scan
    monkeypatch.setattr(
        cli, "load_archive", lambda *a, **k: order.append("archive") or real_load(*a, **k)
    )
    monkeypatch.setattr(cli, "scan", lambda *a, **k: order.append("scan") or real_scan(*a, **k))
    code, text = run(NOW, "scan", str(fleet), "--quiet")
    assert code == ExitCode.FINDINGS, text
    assert order == ["archive", "scan"]
    (written,) = (tmp_path / "reports").glob("*-Q4/*.json")
    document = json.loads(written.read_text())
    notes = document["notes"]
    for name in [*HOSTILE, "future.json"]:
        assert any(note.startswith(f"{archive / name}: left out of the trend") for note in notes), (
            name
        )
    assert any("future.json" in note and "not before this run" in note for note in notes)
    assert any(n.startswith(f"{archive / 'bom.json'}: saved with a byte order mark") for n in notes)
    # The BOM run is read: the newest of 2026-Q3, it stands for that quarter.
    history = [(row["quarter"], row["source"]) for row in document["trend"]["history"]]
    assert history == [("2026-Q3", str(archive / "bom.json")), ("2026-Q4", "")]


def test_a_hostile_previous_run_is_refused_before_the_scan(
    archive: Path, fleet: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "scan", lambda *a, **k: pytest.fail("scanned before --previous"))
    code, text = run(NOW, "scan", str(fleet), f"--previous={archive / 'infinite.json'}")
    assert code == ExitCode.FAILED
    assert f"{archive / 'infinite.json'}: cannot read the JSON report: 1e999" in text
