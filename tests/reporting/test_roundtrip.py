"""Re-rendering: JSON -> result -> workbook holds the same data as the original workbook."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import openpyxl
import pytest

from auditor.cli import ExitCode, main
from auditor.errors import ReportError
from auditor.reporting import build_report, render_json, render_xlsx
from auditor.reporting.json_load import read_result


def sheets(path):
    """Every sheet's cell values, and the document properties, as plain data."""
    book = openpyxl.load_workbook(path)
    props = book.properties
    values = {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}
    return values, (props.title, props.subject, props.creator, props.created)


def test_the_json_rebuilds_the_same_report(scenario, tmp_path):
    path = tmp_path / "run.json"
    render_json(scenario.result, scenario.report, path)
    again = build_report(read_result(path))
    assert again.summary == scenario.report.summary
    for name in (
        "servers",
        "files",
        "connectors",
        "warnings",
        "baseline_rules",
        "changes",
        "remediation",
        "waivers",
        "history",
    ):
        assert getattr(again, name) == getattr(scenario.report, name), name


def test_the_rebuilt_workbook_reads_back_as_the_original(scenario, tmp_path):
    original, rebuilt, saved = tmp_path / "a.xlsx", tmp_path / "b.xlsx", tmp_path / "run.json"
    render_xlsx(scenario.report, original)
    render_json(scenario.result, scenario.report, saved)
    render_xlsx(build_report(read_result(saved)), rebuilt)
    assert sheets(rebuilt) == sheets(original)


def test_document_properties_are_set(tmp_path):
    from tests import scenarios

    path = tmp_path / "a.xlsx"
    render_xlsx(build_report(scenarios.one_of_each()), path)
    _, (title, subject, creator, created) = sheets(path)
    assert title == "Q197378 fix-level audit, 2000-03-14"
    assert subject == "Q197378: XCON: MTA Generates 9301 Events on Incoming Connections"
    assert creator.startswith("fixlevel ")
    assert created == datetime(2000, 3, 14, 9, 30)


def test_every_sheet_prints_landscape_with_header_and_footer(tmp_path):
    from tests import scenarios

    path = tmp_path / "a.xlsx"
    render_xlsx(build_report(scenarios.with_trend()), path)
    for sheet in openpyxl.load_workbook(path).worksheets:
        assert sheet.page_setup.orientation == "landscape", sheet.title
        assert sheet.page_setup.paperSize == 9  # A4
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.page_setup.fitToWidth == 1
        assert sheet.oddHeader.right.text == "Q197378 fix-level audit, 2000-03-14"
        assert sheet.oddFooter.center.text == "Page &P of &N"


def test_report_command_rebuilds_from_the_json_alone(fleet, tmp_path):
    out = io.StringIO()
    saved = tmp_path / "run.json"
    now = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    code = main(
        ["scan", str(fleet), "--json", str(saved), "--xlsx", str(tmp_path / "a.xlsx")],
        stdout=out,
        now=now,
    )
    assert code == ExitCode.FINDINGS
    for server in list(fleet.iterdir()):  # the evidence is gone: only the JSON is left
        if server.is_dir():
            for item in server.iterdir():
                item.rename(tmp_path / f"{server.name}-{item.name}")
    code = main(["report", str(saved)], stdout=out)
    assert code == ExitCode.OK
    assert sheets(saved.with_suffix(".xlsx")) == sheets(tmp_path / "a.xlsx")
    assert saved.with_suffix(".csv").is_file()


def test_a_json_without_the_rules_cannot_be_rebuilt(tmp_path):
    from tests import scenarios

    result = scenarios.one_of_each()
    path = tmp_path / "old.json"
    render_json(result, build_report(result), path)
    data = json.loads(path.read_text(encoding="utf-8"))
    del data["baseline"]["files"]  # as an older fixlevel wrote it
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ReportError, match=r"old\.json: cannot rebuild .*missing key 'files'"):
        read_result(path)
    out, err = io.StringIO(), io.StringIO()
    assert main(["report", str(path)], stdout=out, stderr=err) == ExitCode.FAILED
    assert main(["report", str(tmp_path / "nope.json")], stdout=out, stderr=err) == 2


def test_a_facts_snapshot_is_not_taken_for_a_report(fleet, tmp_path):
    facts = tmp_path / "facts.json"
    out, err = io.StringIO(), io.StringIO()
    assert main(["collect", str(fleet), f"--facts={facts}"], stdout=out, stderr=err) == 0
    with pytest.raises(ReportError, match=r"facts\.json: a facts snapshot, not a report"):
        read_result(facts)
    assert main(["report", str(facts)], stdout=out, stderr=err) == ExitCode.FAILED
    assert "auditor judge" in err.getvalue()


def test_a_saved_time_without_a_zone_is_taken_as_utc(tmp_path):
    from tests import scenarios

    result = scenarios.one_of_each()
    path = tmp_path / "edited.json"
    render_json(result, build_report(result), path)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["generated_at"] = "2026-11-24T09:30:00"  # edited by hand, as the trend allows
    path.write_text(json.dumps(data), encoding="utf-8")
    assert read_result(path).generated_at == datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
