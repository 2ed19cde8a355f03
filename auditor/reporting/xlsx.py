"""The workbook for people: a Summary sheet with a chart, then one sheet per table.

openpyxl's write_only mode streams rows to disk, so a 130k-row Files sheet costs about
100 MiB instead of 500. Column widths, panes and filters must be set before the first row
is written; the tables' rows go through xlsx_rows.RowWriter, much faster than a cell
object per value.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from auditor.errors import ReportError
from auditor.reporting.model import Report
from auditor.reporting.text import clean_text
from auditor.reporting.xlsx_management import (
    STATUS_COLOURS,
    finish_workbook,
    write_changes,
    write_remediation,
    write_summary,
    write_waivers,
)
from auditor.reporting.xlsx_rows import RowWriter, Value

__all__ = ["STATUS_COLOURS", "clean_text", "render_xlsx"]

# openpyxl ships no type hints; a sheet here is always a WriteOnlyWorksheet.
Sheet = Any

MAX_WIDTH = 60
MIN_WIDTH = 8
_STATUS_COLUMN = "Status"

_HEADER_FONT = Font(name="Arial", bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F3864")
_STATUS_FILLS = {
    status.value: PatternFill("solid", fgColor=colour) for status, colour in STATUS_COLOURS.items()
}


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
    write_summary(workbook, report)
    write_changes(workbook, report)
    write_remediation(workbook, report)
    for title, frame in (
        ("Servers", report.servers),
        ("Files", report.files),
        ("Connectors", report.connectors),
        ("Warnings", report.warnings),
    ):
        _write_table(workbook, title, frame)
    write_waivers(workbook, report)
    _write_table(workbook, "Baseline", report.baseline_rules)
    finish_workbook(workbook, report)
    return workbook


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
