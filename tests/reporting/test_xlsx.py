"""The workbook is read back with openpyxl and compared, as data, with the Report's tables."""

from __future__ import annotations

import re
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest

from auditor.errors import ReportError
from auditor.reporting import build_report, render_xlsx
from auditor.reporting.management import connectors_gap
from auditor.reporting.text import clean_text
from auditor.reporting.xlsx import STATUS_COLOURS
from auditor.verdicts import Status
from tests import scenarios

DATA_SHEETS = {
    "Servers": "servers",
    "Files": "files",
    "Connectors": "connectors",
    "Warnings": "warnings",
    "Baseline": "baseline_rules",
}
MANAGEMENT_SHEETS = {
    "Changes": "changes",
    "Remediation": "remediation",
    "Waivers": "waivers",
}
SHEET_ORDER = [
    "Summary",
    "Changes",
    "Remediation",
    "Servers",
    "Files",
    "Connectors",
    "Warnings",
    "Events",
    "Waivers",
    "Baseline",
]
EXCEL_LIMIT = 32_767
# Written out here rather than imported, so the test does not share the code's mistakes.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@pytest.fixture
def workbook(scenario, tmp_path):
    path = tmp_path / f"{scenario.name}.xlsx"
    render_xlsx(scenario.report, path)
    return path, openpyxl.load_workbook(path)


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def assert_cell_shows(actual, expected) -> None:
    if expected is None or expected == "":
        assert actual is None
    elif isinstance(expected, str):
        text = CONTROL.sub("", expected)
        if utf16_length(text) <= EXCEL_LIMIT:
            assert actual == text
        else:  # cut to Excel's limit, keeping the beginning
            assert utf16_length(actual) <= EXCEL_LIMIT
            assert text.startswith(actual.removesuffix(" …[truncated]"))
    elif isinstance(expected, date) and not isinstance(expected, datetime):
        assert actual == datetime(expected.year, expected.month, expected.day)  # Excel's dates
    else:
        assert actual == expected


def test_sheets_in_order(workbook):
    _, book = workbook
    assert book.sheetnames == SHEET_ORDER


@pytest.mark.parametrize("sheet_name", [*DATA_SHEETS, *MANAGEMENT_SHEETS])
def test_data_sheets_hold_the_tables(workbook, scenario, sheet_name):
    _, book = workbook
    frame = getattr(scenario.report, {**DATA_SHEETS, **MANAGEMENT_SHEETS}[sheet_name])
    rows = list(book[sheet_name].iter_rows(values_only=True))
    assert list(rows[0]) == list(frame.columns)
    if not frame.rows:  # an empty sheet says what it would hold, in its first cell
        assert len(rows) == 2 and isinstance(rows[1][0], str) and rows[1][0]
        return
    assert len(rows) - 1 == len(frame)
    for actual_row, expected_row in zip(rows[1:], frame.rows, strict=True):
        for actual, expected in zip(actual_row, expected_row, strict=True):
            assert_cell_shows(actual, expected)


def test_no_cell_is_a_formula(workbook):
    _, book = workbook
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate}: {cell.value!r}"


def test_no_control_characters_and_no_overlong_cells(workbook):
    _, book = workbook
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            for value in row:
                if isinstance(value, str):
                    assert not CONTROL.search(value)
                    assert utf16_length(value) <= EXCEL_LIMIT


@pytest.mark.parametrize("sheet_name", list(DATA_SHEETS))
def test_data_sheet_layout(workbook, scenario, sheet_name):
    _, book = workbook
    sheet = book[sheet_name]
    frame = getattr(scenario.report, DATA_SHEETS[sheet_name])
    assert sheet.freeze_panes == "B2"  # the header row and the server column
    last_column = openpyxl.utils.get_column_letter(len(frame.columns))
    assert sheet.auto_filter.ref == f"A1:{last_column}{max(len(frame), 1) + 1}"
    for header in sheet[1]:
        assert header.font.bold
        assert header.font.color.rgb.endswith("FFFFFF")
    for number in range(1, len(frame.columns) + 1):
        width = sheet.column_dimensions[openpyxl.utils.get_column_letter(number)].width
        assert 8 <= width <= 62
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)


def test_status_cells_carry_their_colour(workbook):
    _, book = workbook
    sheet = book["Servers"]
    column = [cell.value for cell in sheet[1]].index("Status") + 1
    for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
        if cell.value is None:  # the empty fleet's sheet: a note, no status
            continue
        assert cell.fill.fgColor.rgb.endswith(STATUS_COLOURS[Status(cell.value)])


def test_status_colours_are_distinct():
    assert set(STATUS_COLOURS) == set(Status)
    assert len(set(STATUS_COLOURS.values())) == len(Status)


def test_summary_sheet(workbook, scenario):
    path, book = workbook
    summary = scenario.report.summary
    sheet = book["Summary"]
    cells = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    # A real date, in UTC (Excel has no zones), shown with one: not text.
    assert cells["Audit date"] == summary.audit_date.astimezone(UTC).replace(tzinfo=None)
    assert cells["Baseline"].startswith("Q197378: ")
    assert cells["Fixed build"] == "5.5.2431.0"
    assert cells["Connectors unknown"] == connectors_gap(summary.connectors_unknown)
    assert "B8:I8" in {str(cells) for cells in sheet.merged_cells.ranges}  # wraps on the page
    for status, count in summary.counts:
        assert cells[status.value] == count
    assert cells["Total"] == summary.total
    assert cells["Share compliant"] == pytest.approx(summary.share_compliant)
    share = next(row[1] for row in sheet.iter_rows() if row[0].value == "Share compliant")
    assert "%" in share.number_format
    # openpyxl does not load charts back, so look for the chart part in the package.
    with zipfile.ZipFile(path) as package:
        assert "xl/charts/chart1.xml" in package.namelist()
        chart = package.read("xl/charts/chart1.xml").decode()
    # The bars are the count table: its header names the series, the status ids label it.
    references = set(re.findall(r"<f>([^<]*)</f>", chart.replace("'", "")))
    expected = {"Summary!B10", "Summary!$A$11:$A$16", "Summary!$B$11:$B$16"}
    if summary.previous is not None:  # a second series: the previous audit's counts
        expected |= {"Summary!C10", "Summary!$C$11:$C$16"}
    assert references == expected


def test_formula_like_names_show_as_text(tmp_path):
    path = tmp_path / "hostile.xlsx"
    render_xlsx(build_report(scenarios.hostile_text()), path)
    sheet = openpyxl.load_workbook(path)["Servers"]
    names = {row[0].value: row[0] for row in sheet.iter_rows(min_row=2)}
    assert names["=1+2"].data_type == "s"
    assert names["@SUM(A1)"].data_type == "s"
    # Text that is one of Excel's error codes stays text, not an error cell.
    assert names["#N/A"].data_type == "s"
    warnings = openpyxl.load_workbook(path)["Warnings"]
    assert [cell.data_type for row in warnings.iter_rows(min_row=2) for cell in row
            if cell.value == "#REF!"] == ["s"]  # fmt: skip
    # The raw XML must not hold a formula element either.
    with zipfile.ZipFile(path) as package:
        for member in package.namelist():
            if member.startswith("xl/worksheets/"):
                assert "<f>" not in package.read(member).decode()


def test_clean_text():
    assert clean_text("a\x07b\x1bc\td\n") == "abc\td\n"
    # Not characters, so no XML may hold them: shown, as names are, not dropped.
    assert clean_text("a\uffffb\ufffe") == "a<U+FFFF>b<U+FFFE>"
    assert clean_text("x" * EXCEL_LIMIT) == "x" * EXCEL_LIMIT
    long = clean_text("x" * 40_000)
    assert len(long) <= EXCEL_LIMIT and long.endswith("[truncated]")
    # Characters beyond the BMP count twice in Excel; a pair is never cut in half.
    rockets = clean_text("🚀" * 20_000)
    assert utf16_length(rockets) <= EXCEL_LIMIT
    assert set(rockets.removesuffix(" …[truncated]")) == {"🚀"}


def test_unwritable_path_is_a_report_error(tmp_path):
    path = tmp_path / "missing-folder" / "report.xlsx"
    with pytest.raises(ReportError, match=re.escape(str(path))) as raised:
        render_xlsx(build_report(scenarios.one_of_each()), path)
    assert isinstance(raised.value.__cause__, OSError)


def test_directory_path_is_a_report_error(tmp_path):
    with pytest.raises(ReportError):
        render_xlsx(build_report(scenarios.one_of_each()), Path(tmp_path))


def test_every_part_is_deflated_and_the_save_time_recorded(workbook):
    # The workbook is zipped by render_xlsx itself (a lighter deflate than openpyxl's
    # save): every part still compressed, and the document's modified time still set.
    path, book = workbook
    with zipfile.ZipFile(path) as package:
        parts = package.infolist()
        assert parts and all(part.compress_type == zipfile.ZIP_DEFLATED for part in parts)
        assert package.testzip() is None
    assert book.properties.modified is not None
    assert abs(datetime.now(UTC).replace(tzinfo=None) - book.properties.modified) < timedelta(
        minutes=5
    )
