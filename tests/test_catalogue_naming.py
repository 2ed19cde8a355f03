"""What a catalogue run is called: its archived reports, its Summary and Baseline sheet,
and which archived runs its trend compares with (catalogue runs of the same articles)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from auditor.cli import ExitCode, main
from tests.conftest import REPO

FLEET = REPO / "examples" / "fleet"
Q197378 = REPO / "baselines" / "q197378.toml"
Q197398 = REPO / "baselines" / "catalogue" / "q197398.toml"
Q194504 = REPO / "examples" / "catalogue" / "q194504.toml"
OCTOBER = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
NOVEMBER = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def scan(when: datetime, *baselines: Path) -> tuple[int, str]:
    argv = ["scan", str(FLEET), "--quiet"]
    for path in baselines:
        argv += ["--baseline", str(path)]
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdout=out, stderr=err, now=when)
    return code, out.getvalue() + err.getvalue()


def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


@pytest.fixture
def archive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path / "reports"


def test_a_catalogue_run_is_archived_as_catalogue(archive: Path) -> None:
    code, text = scan(NOVEMBER, Q197398, Q194504)
    assert code == ExitCode.FINDINGS, text
    written = sorted(path.name for path in (archive / "2026-Q4").iterdir() if path.is_file())
    assert written == ["catalogue-2026-11-30.csv", "catalogue-2026-11-30.json",
                       "catalogue-2026-11-30.xlsx"]  # fmt: skip
    # A plain run of the same day keeps its own name beside it.
    code, text = scan(NOVEMBER)
    assert code == ExitCode.FINDINGS, text
    assert (archive / "2026-Q4" / "q197378-2026-11-30.json").is_file()
    assert load(archive / "2026-Q4" / "catalogue-2026-11-30.json")["format"] == "fixlevel-report"


def test_summary_and_baseline_sheet_name_the_articles(archive: Path) -> None:
    scan(NOVEMBER, Q197398, Q194504)
    workbook = openpyxl.load_workbook(archive / "2026-Q4" / "catalogue-2026-11-30.xlsx")
    rows = {row[0]: row[1] for row in workbook["Summary"].iter_rows(values_only=True) if row[0]}
    assert rows["Baseline"] == "catalogue: 2 articles (each server's worst): Q197398, Q194504"
    assert rows["Fixed build"] == "per article: see the Baseline and Fix level sheets"
    assert "Q197378" not in rows["Baseline"]
    assert workbook.properties.title.startswith("catalogue fix-level audit")
    baseline = list(workbook["Baseline"].iter_rows(values_only=True))
    assert baseline[0] == ("Section", "Name", "Kind", "Version", "Reference SHA-256", "Value")
    # Every row belongs to one of the two articles: none to Q197378, whose rule no article
    # of this run carries.
    assert {row[0] for row in baseline[1:]} == {"Q197398", "Q194504"}
    files = {(row[0], row[1], row[3], row[5]) for row in baseline[1:] if row[2] == "pe"}
    assert ("Q194504", "Emsmta.exe", "5.0.1461.71", "5.0 table") in files
    assert ("Q194504", "Emsmta.exe", "5.5.2424.0", "5.5 table") in files
    assert ("Q197398", "Emsmta.exe", "5.5.2448.1", "5.5 table") in files
    service_pack = [row for row in baseline if row[1] == "Fixed in service pack"]
    assert {(row[0], row[5]) for row in service_pack} == {("Q197398", "SP2"), ("Q194504", "SP2")}


def test_a_catalogue_run_with_q197378_keeps_its_override_rule_on_the_baseline_sheet(
    archive: Path,
) -> None:
    scan(NOVEMBER, Q197378, Q197398)
    workbook = openpyxl.load_workbook(archive / "2026-Q4" / "catalogue-2026-11-30.xlsx")
    sections = {row[0] for row in workbook["Baseline"].iter_rows(min_row=2, values_only=True)}
    assert sections == {"Q197378", "Q197398", "Registry"}


def test_the_trend_compares_catalogue_runs_of_the_same_articles_only(archive: Path) -> None:
    scan(OCTOBER)  # a plain Q197378 run
    scan(OCTOBER, Q197398)  # one file of another shape: a catalogue run of one article
    code, text = scan(NOVEMBER, Q194504, Q197398)
    assert code == ExitCode.FINDINGS, text
    first = load(archive / "2026-Q4" / "catalogue-2026-11-30.json")
    # Neither the plain run nor the catalogue run of another set is compared with.
    assert first["trend"]["previous"] is None
    assert any(
        "2 archived runs of another article or set of articles left out" in note
        for note in first["notes"]
    )
    # The same set, given in another order a day later, is compared with it, per article.
    later = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    code, text = scan(later, Q197398, Q194504)
    assert code == ExitCode.FINDINGS, text
    second = load(archive / "2026-Q4" / "catalogue-2026-12-01.json")
    assert second["trend"]["previous"]["source"].endswith("catalogue-2026-11-30.json")
    assert second["article_changes"] == []  # the same evidence: nothing moved
    # And a plain run still compares with the plain run, not with a catalogue run.
    code, text = scan(later)
    plain = load(archive / "2026-Q4" / "q197378-2026-12-01.json")
    assert plain["trend"]["previous"]["source"].endswith("q197378-2026-10-05.json")
