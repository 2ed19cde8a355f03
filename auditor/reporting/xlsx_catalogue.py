"""The catalogue run's sheets: Fix level (servers by articles, each cell the status in its
colour) and Inventory (one row per server, a column per file's version), and the
per-article counts under the Summary. Nothing is written in a run of one baseline."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from auditor.reporting.model import Report
from auditor.reporting.table import Cell, Table
from auditor.reporting.text import clean_text
from auditor.reporting.xlsx_management import STATUS_COLOURS

__all__ = ["SUMMARY_GAP", "write_article_counts", "write_catalogue_sheets"]

Sheet = Any
SUMMARY_GAP = 20
"""Blank rows left under the Summary's tables for its charts, above the article counts."""

_HEADER_FONT = Font(name="Arial", bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F3864")
_BOLD = Font(bold=True)
_WRAP = Alignment(wrap_text=True, vertical="top")
_FILLS = {
    status.value: PatternFill("solid", fgColor=colour) for status, colour in STATUS_COLOURS.items()
}


def write_catalogue_sheets(workbook: Workbook, report: Report) -> None:
    """The Fix level and Inventory sheets, after the Servers sheet's kin."""
    tables = report.catalogue
    if tables is None:
        return
    status_columns = {"Status", *tables.article_columns}
    _write(workbook, "Fix level", tables.fix_level, status_columns)
    _write(workbook, "Inventory", tables.inventory, set())


def write_article_counts(sheet: Sheet, report: Report) -> None:
    """Servers per status for each article, below the Summary's charts."""
    tables = report.catalogue
    if tables is None:
        return
    for _ in range(SUMMARY_GAP):
        sheet.append([])
    title = WriteOnlyCell(sheet, value="Servers per status, by article")
    title.font = _BOLD
    sheet.append([title])
    sheet.append(_header(sheet, tables.article_counts.columns))
    for row in tables.article_counts.rows:
        sheet.append([_cell(sheet, value, False) for value in row])


def _write(workbook: Workbook, title: str, table: Table, status_columns: set[str]) -> None:
    sheet = workbook.create_sheet(title)
    for number, name in enumerate(table.columns, start=1):
        width = max([len(name), *(len(str(row[number - 1] or "")) for row in table.rows)])
        sheet.column_dimensions[get_column_letter(number)].width = min(60, max(10, width + 2))
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{len(table) + 1}"
    sheet.append(_header(sheet, table.columns))
    coloured = [name in status_columns for name in table.columns]
    for row in table.rows:
        sheet.append([_cell(sheet, v, c) for v, c in zip(row, coloured, strict=True)])


def _header(sheet: Sheet, names: Sequence[str]) -> list[WriteOnlyCell]:
    cells = []
    for name in names:
        cell = WriteOnlyCell(sheet, value=clean_text(name))
        cell.data_type = "s"
        cell.font, cell.fill, cell.alignment = _HEADER_FONT, _HEADER_FILL, _WRAP
        cells.append(cell)
    return cells


def _cell(sheet: Sheet, value: Cell, coloured: bool) -> object:
    if value is None or isinstance(value, int | float):
        return value
    cell = WriteOnlyCell(sheet, value=clean_text(str(value)))
    cell.data_type = "s"  # evidence text must never become a formula
    if coloured and value in _FILLS:
        cell.fill = _FILLS[str(value)]
    return cell
