"""The workbook for people: a Summary sheet with a chart, then one sheet per table.

openpyxl's write_only mode streams rows to disk, so a 130k-row Files sheet costs about
100 MiB instead of 500. In that mode every styled value must be a WriteOnlyCell, and column
widths, panes and filters must be set before the first row is written.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from auditor.errors import ReportError
from auditor.reporting.model import Report, Summary
from auditor.reporting.text import clean_text
from auditor.reporting.xlsx_rows import RowWriter, Value
from auditor.verdicts import Status

__all__ = ["STATUS_COLOURS", "clean_text", "render_xlsx"]

# openpyxl ships no type hints; a sheet here is always a WriteOnlyWorksheet.
Sheet = Any

STATUS_COLOURS: dict[Status, str] = {
    Status.EXPOSED: "FF8080",
    Status.BELOW_BASELINE: "F4B183",
    Status.INCOMPLETE: "FFE699",
    Status.COMPLIANT: "A9D08E",
    Status.NOT_APPLICABLE: "D9D9D9",
}
"""Fill colour (RGB hex) of a status cell: red, orange, yellow, green, grey."""

MAX_WIDTH = 60
MIN_WIDTH = 8
_STATUS_COLUMN = "Status"

_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F3864")
_BOLD = Font(bold=True)
_STATUS_FILLS = {
    status.value: PatternFill("solid", fgColor=colour) for status, colour in STATUS_COLOURS.items()
}


def audit_date_text(when: datetime) -> str:
    """The audit date as a manager reads it: "2026-11-24 22:58 UTC"."""
    return f"{when:%Y-%m-%d %H:%M} {when.tzname() or ''}".strip()


def render_xlsx(report: Report, path: Path) -> None:
    """Write the workbook to path. Raise ReportError when it cannot be written."""
    try:
        # Open the target first: an unwritable path fails before any work is done, and
        # before openpyxl has sheets streaming to temporary files that would be left open.
        with path.open("wb") as stream:
            _build_workbook(report).save(stream)
    except OSError as error:  # PermissionError and IsADirectoryError are OSErrors
        raise ReportError(f"{path}: cannot write the workbook: {error}") from error


def _build_workbook(report: Report) -> Workbook:
    workbook = Workbook(write_only=True)
    _write_summary(workbook, report.summary)
    for title, frame in (
        ("Servers", report.servers),
        ("Files", report.files),
        ("Connectors", report.connectors),
        ("Warnings", report.warnings),
        ("Baseline", report.baseline_rules),
    ):
        _write_table(workbook, title, frame)
    return workbook


def _text_cell(sheet: Sheet, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=clean_text(text))
    # openpyxl makes any str starting with "=" a formula; evidence must stay literal text.
    cell.data_type = "s"
    return cell


def _header_row(sheet: Sheet, names: list[str]) -> list[WriteOnlyCell]:
    cells = []
    for name in names:
        cell = _text_cell(sheet, name)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cells.append(cell)
    return cells


def _status_cell(sheet: Sheet, status: str) -> WriteOnlyCell:
    cell = _text_cell(sheet, status)
    cell.fill = _STATUS_FILLS[status]
    return cell


def _write_table(workbook: Workbook, title: str, frame: pd.DataFrame) -> None:
    sheet = workbook.create_sheet(title)
    columns = [str(name) for name in frame.columns]
    for number, width in enumerate(_column_widths(frame), start=1):
        sheet.column_dimensions[get_column_letter(number)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(frame) + 1}"
    _set_printing(sheet)
    rows = RowWriter(sheet, len(columns))
    header = rows.style(_HEADER_FONT, _HEADER_FILL)
    rows.append([clean_text(name) for name in columns], [header] * len(columns))
    status_at = columns.index(_STATUS_COLUMN) if _STATUS_COLUMN in columns else -1
    plain: list[str | None] = [None] * len(columns)
    for row in _plain_rows(frame):
        values = [_plain_value(value) for value in row]
        styles = plain
        if status_at >= 0:
            styles = plain.copy()
            styles[status_at] = rows.style(fill=_STATUS_FILLS[str(row[status_at])])
        rows.append(values, styles)


def _plain_value(value: object) -> Value:
    """A cell's value: cleaned text, a Python number, or None for an empty cell."""
    if isinstance(value, str):
        return clean_text(value) if value else None
    if value is None:
        return None
    if isinstance(value, bool | np.bool_):
        return "Yes" if value else "No"
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    return clean_text(str(value))


def _plain_rows(frame: pd.DataFrame) -> Iterator[tuple[object, ...]]:
    """Rows as Python values, with pandas' NaN for a missing string turned back into None."""
    as_objects = frame.astype(object)
    return as_objects.where(frame.notna(), None).itertuples(index=False, name=None)


def _column_widths(frame: pd.DataFrame) -> list[float]:
    """Widths from the longest value of each column, computed once over the whole column."""
    widths = []
    for name in frame.columns:
        longest = frame[name].astype("string").str.len().max() if len(frame) else 0
        longest = 0 if pd.isna(longest) else int(longest)
        widths.append(float(min(MAX_WIDTH, max(MIN_WIDTH, longest, len(str(name))) + 2)))
    return widths


def _set_printing(sheet: Sheet) -> None:
    # Landscape, every column on one page width, as many pages tall as the rows need.
    sheet.page_setup.orientation = "landscape"
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0


def _write_summary(workbook: Workbook, summary: Summary) -> None:
    sheet = workbook.create_sheet("Summary")
    sheet.column_dimensions["A"].width = 20
    sheet.column_dimensions["B"].width = MAX_WIDTH
    _set_printing(sheet)
    baseline = f"{summary.baseline_id}: {summary.baseline_title}"
    sheet.append(
        [_label(sheet, "Audit date"), _text_cell(sheet, audit_date_text(summary.audit_date))]
    )
    sheet.append([_label(sheet, "Baseline"), _text_cell(sheet, baseline)])
    sheet.append([_label(sheet, "Fixed build"), _text_cell(sheet, summary.fixed_build)])
    sheet.append([])
    table_top = 5  # the header row of the count table; the chart refers to it
    sheet.append(_header_row(sheet, ["Status", "Servers"]))
    for status, count in summary.counts:
        sheet.append([_status_cell(sheet, status.value), count])
    sheet.append([_label(sheet, "Total"), summary.total])
    sheet.append([])
    share = WriteOnlyCell(sheet, value=summary.share_compliant)
    share.number_format = "0.0%"
    sheet.append([_label(sheet, "Share compliant"), share])
    # Below the table rather than beside it: the baseline's title runs across the columns.
    chart_row = table_top + len(summary.counts) + 6
    sheet.add_chart(_status_chart(sheet, table_top, len(summary.counts)), f"A{chart_row}")


def _label(sheet: Sheet, text: str) -> WriteOnlyCell:
    cell = _text_cell(sheet, text)
    cell.font = _BOLD
    return cell


def _status_chart(sheet: Sheet, header_row: int, statuses: int) -> BarChart:
    chart = BarChart()
    chart.type = "bar"  # horizontal bars: the status names stay readable
    chart.title = "Servers per status"
    chart.legend = None
    last = header_row + statuses
    counts = Reference(sheet, min_col=2, min_row=header_row, max_row=last)
    chart.add_data(counts, titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=header_row + 1, max_row=last))
    return chart
