"""How the table sheets print, read back from the workbook: long text wraps in narrowed
columns, rows are tall enough for it, and every page repeats the header row.

LibreOffice's rendering of the same is looked at by test_print.py and by eye; here only the
structure the code sets is checked, against bounds worked out from the text itself.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import openpyxl
import pytest

from auditor.reporting import build_report, render_xlsx
from auditor.verdicts import Status
from tests import scenarios

PAGE_CHARACTERS = 200
"""Column widths that fit a landscape page with Arial 10 printed at about 7.5 points."""
LINE_POINTS = 12.75
"""Excel's row height for a line of Arial 10, the workbook's font."""
EXCEL_MAX_HEIGHT = 409
WORDS = "the MTA fix is below 5.5.2431.0 on C:\\exchsrvr\\bin\\Emsmta.exe; "
HELVETICA = {
    **dict.fromkeys(" .:;\\fit", 278), **dict.fromkeys("il", 222), "r": 333, "m": 833,
    **dict.fromkeys("0123456789abehnoux", 556), **dict.fromkeys("csvx", 500), "w": 722,
    "A": 667, "C": 722, "E": 667, "M": 833, "T": 611,
}  # fmt: skip
"""Advance widths per 1000 em from Adobe's Helvetica AFM (Arial's metrics are Helvetica's),
for the characters of WORDS: an independent measure of the text. A digit is 556."""


def digits(text: str) -> float:
    return sum(HELVETICA[char] for char in text) / HELVETICA["0"]


def reasons(length: int) -> tuple[str, ...]:
    return ((WORDS * (length // len(WORDS) + 1))[:length].strip(),)


@pytest.fixture
def servers(tmp_path: Path) -> openpyxl.worksheet.worksheet.Worksheet:
    """The Servers sheet of a fleet whose reasons grow from a few words to a page."""
    result = scenarios.audit(
        *(
            scenarios.verdict(f"MTA-{length:04d}", Status.EXPOSED, reasons=reasons(length))
            for length in (12, 100, 400, 1600, 6000)
        )
    )
    path = tmp_path / "audit.xlsx"
    render_xlsx(build_report(result), path)
    return openpyxl.load_workbook(path)["Servers"]


def column_of(sheet: openpyxl.worksheet.worksheet.Worksheet, name: str) -> str:
    names = [cell.value for cell in sheet[1]]
    return openpyxl.utils.get_column_letter(names.index(name) + 1)


def width_of(sheet: openpyxl.worksheet.worksheet.Worksheet, name: str) -> float:
    return float(sheet.column_dimensions[column_of(sheet, name)].width)


def test_a_wide_sheet_is_narrowed_to_a_page(servers):
    widths = [servers.column_dimensions[letter].width for letter in servers.column_dimensions]
    assert len(widths) == servers.max_column
    assert sum(widths) <= PAGE_CHARACTERS
    assert width_of(servers, "Reasons") < 60  # it was 60, the most a column gets
    assert width_of(servers, "MTA version") >= len("5.5.2448.0")  # short text keeps its width


def test_long_text_wraps_and_short_text_does_not(servers):
    reasons_at = column_of(servers, "Reasons")
    for row in range(2, servers.max_row + 1):
        assert servers[f"{reasons_at}{row}"].alignment.wrap_text
        assert not servers[f"{column_of(servers, 'MTA version')}{row}"].alignment.wrap_text
    for header in servers[1]:
        assert header.alignment.wrap_text


def test_rows_are_tall_enough_for_their_text_and_grow_with_it(servers):
    reasons_at = column_of(servers, "Reasons")
    width = width_of(servers, "Reasons")
    heights = []
    for row in range(2, servers.max_row + 1):
        text = servers[f"{reasons_at}{row}"].value
        height = servers.row_dimensions[row].height or LINE_POINTS  # None: one line
        # At least one line for each width of text: no wrapping packs more than that.
        fewest_lines = math.ceil(digits(text) / width)
        assert height >= min(LINE_POINTS * fewest_lines, EXCEL_MAX_HEIGHT), row
        # At most: a line loses a digit to the margins and at most its longest piece that
        # does not fit (pieces end at spaces and backslashes) to wrapping.
        longest = max(digits(piece) for piece in re.split(r"[ \\\\]", text))
        most_lines = math.ceil(digits(text) / (width - 1 - longest)) + 1
        assert height <= min(LINE_POINTS * most_lines, EXCEL_MAX_HEIGHT), row
        heights.append(height)
    # Rows are sorted by server name, which here grows with the length of the reasons.
    assert heights == sorted(heights)
    assert heights[0] < heights[2] < heights[3] < heights[4] == EXCEL_MAX_HEIGHT
    assert servers.row_dimensions[1].height >= LINE_POINTS  # the header wraps as well


@pytest.mark.parametrize("title", ["Servers", "Files", "Connectors", "Warnings", "Baseline"])
def test_every_table_prints_landscape_one_page_wide_with_titles(tmp_path, title):
    path = tmp_path / "audit.xlsx"
    render_xlsx(build_report(scenarios.one_of_each()), path)
    sheet = openpyxl.load_workbook(path)[title]
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
    assert sheet.print_title_rows == "$1:$1"
    assert sheet.oddHeader.left.text == "&A"
    assert "Page &P of &N" in sheet.oddFooter.center.text
