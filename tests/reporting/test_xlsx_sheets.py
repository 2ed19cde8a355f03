"""The workbook as people see it, read back: its font, row heights that fit their text
(not a line more), the link column wide enough, Fix level and Inventory printed and
frozen like every table, a catalogue run's Summary naming its articles, numbers' headers
over their numbers.

Text is measured here with Adobe's Helvetica AFM widths (Arial's metrics are Helvetica's),
not with the code under test. The shipped catalogue against the example fleet is the run
issue 13 closes on; LibreOffice's rendering of these workbooks was looked at by eye.
"""

from __future__ import annotations

import io
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from auditor.cli import main
from tests.conftest import EXAMPLE_FLEET, REPO

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
LINE = 12.75
"""Excel's row height for a line of Arial 10."""
HELVETICA = {
    **dict(zip("abcdefghijklmnopqrstuvwxyz", (
        556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833,
        556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500,
    ), strict=True)),
    **dict.fromkeys("0123456789", 556), "-": 333, " ": 278, ".": 278,
}  # fmt: skip


def digits(text: str) -> float:
    """Width in Excel's column unit, a digit."""
    return sum(HELVETICA[char] for char in text) / HELVETICA["0"]


def scan_to(folder: Path, *extra: str) -> Any:
    out, err = io.StringIO(), io.StringIO()
    path = folder / "r.xlsx"
    argv = ["scan", str(EXAMPLE_FLEET), "--xlsx", str(path), "--previous", "none", *extra]
    assert main(argv, stdout=out, stderr=err, now=NOW) == 1, err.getvalue()
    return openpyxl.load_workbook(path)


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return scan_to(tmp_path_factory.mktemp("example"))


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return scan_to(
        tmp_path_factory.mktemp("catalogue"), "--baseline", str(REPO / "baselines/catalogue")
    )


def rows_of(sheet: Any) -> list[dict[str, Any]]:
    header = [cell.value for cell in sheet[1]]
    return [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(2, values_only=True)]


def test_every_cell_is_arial_10_so_that_heights_fit_in_excel_and_libreoffice(example):
    # Calibri, openpyxl's default, prints in LibreOffice without Carlito as DejaVu Sans.
    normal = example._named_styles["Normal"].font
    assert (normal.name, normal.sz) == ("Arial", 10)
    assert (example._fonts[0].name, example._fonts[0].sz) == ("Arial", 10)
    for title in ("Remediation", "Servers"):
        header = example[title]["A1"].font
        assert (header.name, header.sz, header.b) == ("Arial", 10, True)


def test_a_worklist_row_is_as_tall_as_its_text_and_no_taller(example):
    sheet = example["Remediation"]
    work = rows_of(sheet)
    for number, row in enumerate(work, start=2):
        height = sheet.row_dimensions[number].height
        if row["Server"] == "incomplete-missing-mtamsg":
            # Every value fits on one line: one line high (it was two).
            assert height == LINE, row
        if row["Action"] == "restart the MTA":
            # The detail, "the override takes effect only after a restart, which evidence
            # cannot show", is 75 characters in a column 46 digits wide: two lines.
            assert height == 2 * LINE, row
    heights = [sheet.row_dimensions[n].height for n in range(2, len(work) + 2)]
    assert max(heights) <= 5 * LINE  # the longest detail, six MTA files, takes five lines


def test_the_linked_server_column_holds_the_longest_name_on_one_line(example):
    # LibreOffice does not wrap a link: a narrower column ran it into the Status.
    sheet = example["Remediation"]
    header = [cell.value for cell in sheet[1]]
    letter = openpyxl.utils.get_column_letter(header.index("Server") + 1)
    longest = max(digits(row["Server"]) for row in rows_of(sheet))
    assert sheet.column_dimensions[letter].width >= longest + 1
    # Site and Owner are empty in the example fleet: only as wide as their names.
    assert sheet.column_dimensions["B"].width <= 8  # they were 12 and 14
    assert sheet.column_dimensions["C"].width <= 8


def test_reasons_get_the_width_the_other_columns_leave(example):
    sheet = example["Servers"]
    header = [cell.value for cell in sheet[1]]
    widths = {
        name: sheet.column_dimensions[openpyxl.utils.get_column_letter(i)].width
        for i, name in enumerate(header, start=1)
    }
    assert sum(widths.values()) <= 200
    assert widths["Reasons"] >= 30  # it was 21: reasons ran to 20 lines
    assert widths["Reasons"] == max(widths.values())
    longest = max(len(row["Reasons"]) for row in rows_of(sheet))
    # The longest reason, about 330 characters, in at most a dozen lines.
    tallest = max(sheet.row_dimensions[n].height or LINE for n in range(2, sheet.max_row + 1))
    assert longest > 300
    assert tallest <= 12 * LINE


def test_fix_level_prints_landscape_two_pages_wide_with_the_servers_on_each(catalogue):
    sheet = catalogue["Fix level"]
    articles = sheet.max_column - 4
    assert articles == 32
    last = openpyxl.utils.get_column_letter(sheet.max_column)
    assert sheet.freeze_panes == "B2"
    assert sheet.auto_filter.ref == f"A1:{last}{sheet.max_row}"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (2, 0)
    assert sheet.print_title_cols == "$A:$A"
    assert sheet.print_title_rows == "$1:$1"
    for column in range(5, sheet.max_column + 1):
        assert sheet.column_dimensions[openpyxl.utils.get_column_letter(column)].width == 10
    for number in range(2, sheet.max_row + 1):
        values = [cell.value for cell in sheet[number][4:]]
        # "below-baseline" and "not-applicable" wrap at their hyphen in a column of ten.
        two = any(v in ("below-baseline", "not-applicable") for v in values)
        assert (sheet.row_dimensions[number].height or LINE) == (2 * LINE if two else LINE)
        assert all(cell.alignment.wrap_text for cell in sheet[number][4:] if cell.value)


def test_inventory_is_frozen_filtered_and_printed_pages_wide(catalogue):
    sheet = catalogue["Inventory"]
    widths = [
        sheet.column_dimensions[openpyxl.utils.get_column_letter(c)].width
        for c in range(1, sheet.max_column + 1)
    ]
    assert sheet.freeze_panes == "B2"
    assert sheet.auto_filter.ref.startswith("A1:")
    assert sheet.page_setup.fitToWidth == math.ceil(sum(widths) / 200)
    assert sheet.print_title_cols == "$A:$A"
    versions = [c for c in range(1, sheet.max_column + 1) if sheet.cell(1, c).value == "Emsmta.exe"]
    (emsmta,) = versions
    width = sheet.column_dimensions[openpyxl.utils.get_column_letter(emsmta)].width
    assert width >= digits("5.5.2232.18") + 1  # a version on one line


def test_a_catalogue_summary_names_its_articles_not_q197378(catalogue):
    summary = {row[0]: row[1] for row in catalogue["Summary"].iter_rows(values_only=True)}
    assert summary["Baseline"] == (
        "catalogue: 32 articles (each server's worst): Q192983 to Q312273, on the Baseline sheet"
    )
    assert summary["Fixed build"].startswith("per article")
    assert catalogue.properties.title == "catalogue fix-level audit, 2026-11-24"
    assert catalogue["Fix level"].oddHeader.right.text.startswith("catalogue")
    sheet = catalogue["Summary"]
    # The title spans B:C, so the counts start in D; a count above zero has its colour.
    (top,) = [r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == "Article"]
    assert f"B{top}:C{top}" in sheet.merged_cells
    assert [sheet.cell(top, c).value for c in range(4, 10)] == [
        "exposed", "below-baseline", "incomplete", "waived", "compliant", "not-applicable",
    ]  # fmt: skip
    q197378 = next(r for r in range(top, sheet.max_row + 1) if sheet.cell(r, 1).value == "Q197378")
    exposed = sheet.cell(q197378, 4)
    assert exposed.value == 3
    assert exposed.fill.fgColor.rgb.endswith("FF8080")


def test_the_headers_of_numbers_sit_right_above_them(example):
    servers = example["Servers"]
    header = {cell.value: cell for cell in servers[1]}
    assert header["Warnings"].alignment.horizontal == "right"
    assert header["Reasons"].alignment.horizontal is None
