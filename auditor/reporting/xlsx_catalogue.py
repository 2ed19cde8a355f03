"""The catalogue run's sheets: Fix level (servers by articles, each cell the status in its
colour) and Inventory (one row per server, a column per file's version), and the
per-article counts under the Summary. Nothing is written in a run of one baseline."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from auditor.reporting.model import Report
from auditor.reporting.table import Cell, Table
from auditor.reporting.text import clean_text
from auditor.reporting.xlsx_management import STATUS_COLOURS, WIDTHS
from auditor.reporting.xlsx_text import (
    FONT,
    LINE_HEIGHT,
    PAGE_WIDTH,
    SIZE,
    text_width,
    wrapped_lines,
)

__all__ = ["SUMMARY_GAP", "write_article_counts", "write_catalogue_sheets"]

Sheet = Any
SUMMARY_GAP = 20
"""Blank rows left under the Summary's tables for its charts, above the article counts."""

ARTICLE_WIDTH = 10.0
"""An article's column on Fix level: its id, and a status in at most two lines ("below-",
"baseline"), so that 32 articles print on two pages' width rather than six."""
MAX_WIDTH = 40.0

_HEADER_FONT = Font(name=FONT, size=SIZE, bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F3864")
_BOLD = Font(name=FONT, size=SIZE, bold=True)
_WRAP = Alignment(wrap_text=True, vertical="top")
_WRAP_RIGHT = Alignment(wrap_text=True, vertical="top", horizontal="right")
_TOP = Alignment(vertical="top")
_FILLS = {
    status.value: PatternFill("solid", fgColor=colour) for status, colour in STATUS_COLOURS.items()
}


def write_catalogue_sheets(workbook: Workbook, report: Report) -> None:
    """The Fix level and Inventory sheets, after the Servers sheet's kin."""
    tables = report.catalogue
    if tables is None:
        return
    articles = set(tables.article_columns)
    _write(workbook, "Fix level", tables.fix_level, {"Status", *articles}, articles)
    _write(workbook, "Inventory", tables.inventory, set(), set())


def write_article_counts(sheet: Sheet, report: Report, next_row: int) -> None:
    """Servers per status for each article, below the Summary's charts; ``next_row`` is the
    row the sheet's next append writes (a write-only sheet does not say).

    The title spans columns B and C (the Summary's columns are the status table's), so it
    wraps in two lines rather than being cut at 16 characters; a count above zero has its
    status's colour, so the articles that matter stand out.
    """
    tables = report.catalogue
    if tables is None:
        return
    for _ in range(SUMMARY_GAP):
        sheet.append([])
    # The 30-odd counts on the Summary's one page would shrink it all to a size nobody
    # reads: the sheet prints on two pages.
    sheet.page_setup.fitToHeight = 2
    title = WriteOnlyCell(sheet, value="Servers per status, by article")
    title.font = _BOLD
    sheet.append([title])
    top = next_row + SUMMARY_GAP + 1
    columns = tables.article_counts.columns
    header = _header(sheet, [columns[0], columns[1], "", *columns[2:]])
    for cell in header[3:]:
        cell.alignment = _WRAP_RIGHT
    sheet.merged_cells.add(f"B{top}:C{top}")
    sheet.row_dimensions[top].height = LINE_HEIGHT * max(
        wrapped_lines(name, width, bold=True)
        for name, width in zip(columns[2:], WIDTHS[3:], strict=True)
    )
    sheet.append(header)
    for number, row in enumerate(tables.article_counts.rows, start=top + 1):
        article, name, *counts = row
        sheet.merged_cells.add(f"B{number}:C{number}")
        sheet.row_dimensions[number].height = LINE_HEIGHT * wrapped_lines(name, TITLE_WIDTH)
        cells = [_cell(sheet, article, False, _TOP), _cell(sheet, name, False, _WRAP), None]
        for status, count in zip(columns[2:], counts, strict=True):
            cell = WriteOnlyCell(sheet, value=count)
            cell.alignment = _TOP
            if isinstance(count, int) and count > 0:
                cell.fill = _FILLS[status]
            cells.append(cell)
        sheet.append(cells)


TITLE_WIDTH = 32.0
"""The Summary's columns B and C, which an article's title spans."""


def _write(
    workbook: Workbook,
    title: str,
    table: Table,
    status_columns: set[str],
    articles: set[str],
) -> None:
    """A matrix sheet: widths from its text, filtered, header and server column frozen,
    statuses in their colours, printed landscape as many pages wide as it needs at the
    table sheets' scale, each page repeating the server names."""
    sheet = workbook.create_sheet(title)
    widths = [
        ARTICLE_WIDTH if name in articles else _width(name, table.column(name))
        for name in table.columns
    ]
    for number, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = width
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{len(table) + 1}"
    sheet.page_setup.orientation = "landscape"
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = max(1, math.ceil(sum(widths) / PAGE_WIDTH))
    sheet.page_setup.fitToHeight = 0
    sheet.print_title_cols = "A:A"
    sheet.row_dimensions[1].height = LINE_HEIGHT * max(
        wrapped_lines(name, width, bold=True)
        for name, width in zip(table.columns, widths, strict=True)
    )
    sheet.append(_header(sheet, table.columns))
    coloured = [name in status_columns for name in table.columns]
    for number, row in enumerate(table.rows, start=2):
        lines = max(wrapped_lines(v, w) for v, w in zip(row, widths, strict=True))
        if lines > 1:
            sheet.row_dimensions[number].height = LINE_HEIGHT * lines
        sheet.append([_cell(sheet, v, c, _WRAP) for v, c in zip(row, coloured, strict=True)])


def _width(name: str, values: Sequence[Cell]) -> float:
    """Wide enough for the widest value on one line, and the header's widest word."""
    widest = max((text_width(str(v)) for v in set(values) if v is not None), default=0.0)
    word = max((text_width(part, bold=True) for part in name.split()), default=0.0)
    return float(min(MAX_WIDTH, max(6, math.ceil(max(widest, word) + 1.5))))


def _header(sheet: Sheet, names: Sequence[str]) -> list[WriteOnlyCell]:
    cells = []
    for name in names:
        cell = WriteOnlyCell(sheet, value=clean_text(name))
        cell.data_type = "s"
        cell.font, cell.fill, cell.alignment = _HEADER_FONT, _HEADER_FILL, _WRAP
        cells.append(cell)
    return cells


def _cell(sheet: Sheet, value: Cell, coloured: bool, alignment: Alignment | None = None) -> object:
    if value is None or isinstance(value, int | float):
        return value
    cell = WriteOnlyCell(sheet, value=clean_text(str(value)))
    cell.data_type = "s"  # evidence text must never become a formula
    if alignment is not None:
        cell.alignment = alignment
    if coloured and value in _FILLS:
        cell.fill = _FILLS[str(value)]
    return cell
