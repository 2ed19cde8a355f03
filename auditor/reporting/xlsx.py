"""The workbook for people: a Summary sheet with a chart, then one sheet per table.

openpyxl's write_only mode streams rows to disk, so a 130k-row Files sheet costs about
100 MiB instead of 500. Column widths, panes and filters must be set before the first row
is written; the tables' rows go through xlsx_rows.RowWriter, much faster than a cell
object per value.

For print, a table's widest columns are narrowed until the sheet fits about PAGE_WIDTH
characters, and their text wraps; each row then gets a height from its wrapped line count,
estimated once per distinct value, so a 130k-row sheet pays for a few thousand estimates.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, BinaryIO
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.writer.excel import ExcelWriter

from auditor.errors import ReportError
from auditor.reporting.model import Report
from auditor.reporting.table import Cell, Table
from auditor.reporting.text import clean_text
from auditor.reporting.xlsx_catalogue import write_catalogue_sheets
from auditor.reporting.xlsx_management import (
    DATE_TIME_FORMAT,
    STATUS_COLOURS,
    finish_workbook,
    write_changes,
    write_remediation,
    write_summary,
    write_waivers,
)
from auditor.reporting.xlsx_rows import RowWriter, Value
from auditor.reporting.xlsx_text import (
    FONT,
    LINE_HEIGHT,
    PAGE_WIDTH,
    SIZE,
    text_width,
    use_body_font,
    wrapped_lines,
)

__all__ = ["STATUS_COLOURS", "clean_text", "render_xlsx"]

# openpyxl ships no type hints; a sheet here is always a WriteOnlyWorksheet.
Sheet = Any

MAX_WIDTH = 60
MIN_WIDTH = 8
MIN_WRAP_WIDTH = 16
"""Narrowing stops here: below it, wrapped text becomes a column of fragments."""
MAX_ROW_HEIGHT = 409.0
"""Excel's limit, in points (27 lines): a taller cell is cut off, a taller row refused."""
_STATUS_COLUMN = "Status"

_HEADER_FONT = Font(name=FONT, size=SIZE, bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F3864")
_HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="top")
_HEADER_RIGHT = Alignment(wrap_text=True, vertical="top", horizontal="right")
# In a row of several lines every cell starts at the top, beside the first line of the rest.
_WRAP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")
_STATUS_FILLS = {
    status.value: PatternFill("solid", fgColor=colour) for status, colour in STATUS_COLOURS.items()
}


def render_xlsx(report: Report, path: Path) -> None:
    """Write the workbook to path. Raise ReportError when it cannot be written."""
    try:
        # Open the target first: an unwritable path fails before any work is done, and
        # before openpyxl has sheets streaming to temporary files that would be left open.
        with path.open("wb") as stream:
            _save(_build_workbook(report), stream)
    except OSError as error:  # PermissionError and IsADirectoryError are OSErrors
        raise ReportError(f"{path}: cannot write the workbook: {error}") from error


def _save(workbook: Workbook, stream: BinaryIO) -> None:
    """openpyxl's Workbook.save, but deflating at level 3 rather than zlib's default 6: the
    workbook of a 10,000-server fleet is written 0.5 s sooner (2.2 s to 1.7 s) and is 10%
    larger (5.1 to 5.6 MB); level 1 is no faster and 20% larger."""
    workbook.properties.modified = datetime.now(UTC).replace(tzinfo=None)
    with ZipFile(stream, "w", ZIP_DEFLATED, allowZip64=True, compresslevel=3) as archive:
        ExcelWriter(workbook, archive).save()


def _build_workbook(report: Report) -> Workbook:
    workbook = Workbook(write_only=True)
    use_body_font(workbook)
    write_summary(workbook, report)
    write_changes(workbook, report)
    write_remediation(workbook, report)
    for title, table, empty in (
        ("Servers", report.servers, "no server"),
        ("Files", report.files, "no baseline file was looked for"),
        ("Connectors", report.connectors, "no X.400 connector in the inventory or registry"),
        ("Warnings", report.warnings, "no warnings"),
        ("Events", report.events, "no 9301 event in the logs read"),
    ):
        _write_table(workbook, title, table, empty)
        if title == "Servers":
            write_catalogue_sheets(workbook, report)
    write_waivers(workbook, report)
    _write_table(workbook, "Baseline", report.baseline_rules)
    finish_workbook(workbook, report)
    return workbook


def _write_table(workbook: Workbook, title: str, table: Table, empty: str = "empty") -> None:
    sheet = workbook.create_sheet(title)
    columns = [str(name) for name in table.columns]
    widths, wrapped, times = _column_layout(table)
    for number, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = width
    # The header row and the first column (the server's name) stay in view.
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(len(table), 1) + 1}"
    _set_printing(sheet)
    rows = RowWriter(sheet, len(columns))
    header = rows.style(_HEADER_FONT, _HEADER_FILL, _HEADER_ALIGNMENT)
    # Numbers and times sit right in their cells; their names sit right above them.
    right = rows.style(_HEADER_FONT, _HEADER_FILL, _HEADER_RIGHT)
    numeric = [_numeric(table.column(name)) for name in columns]
    header_lines = max(
        (wrapped_lines(n, w, bold=True) for n, w in zip(columns, widths, strict=True)),
        default=1,
    )
    rows.append(
        [clean_text(name) for name in columns],
        [right if n else header for n in numeric],
        _height(header_lines),
    )
    status_at = columns.index(_STATUS_COLUMN) if _STATUS_COLUMN in columns else -1
    # One line: default styles (none at all for most cells); several: every cell top-aligned.
    # A time (an event's first and last) is an Excel date in UTC, shown with its zone.
    stamp = f'{DATE_TIME_FORMAT}:ss "UTC"'
    short = [
        rows.style(alignment=_WRAP if wrap else None, number_format=stamp if time else None)
        if wrap or time
        else None
        for wrap, time in zip(wrapped, times, strict=True)
    ]
    tall = [
        rows.style(alignment=_WRAP if wrap else _TOP, number_format=stamp if time else None)
        for wrap, time in zip(wrapped, times, strict=True)
    ]
    # The status cell's style, per status and row height, registered once.
    status_styles: dict[tuple[Cell, bool], str] = {}
    # A row of one line keeps the default height: most rows of the Files sheet, for speed.
    heights = [None, None, *(_height(lines) for lines in range(2, _max_lines() + 1))]
    plain = _PlainValues()
    if not table.rows:
        rows.append([empty, *[None] * (len(columns) - 1)], [None] * len(columns))
    for row, lines in zip(table.rows, _row_lines(table, widths, wrapped), strict=True):
        values = [plain(value) for value in row]
        styles = tall if lines > 1 else short
        if status_at >= 0:
            key = (row[status_at], lines > 1)
            if key not in status_styles:
                fill = _STATUS_FILLS[str(row[status_at])]
                status_styles[key] = rows.style(fill=fill, alignment=_TOP if lines > 1 else None)
            styles = styles.copy()
            styles[status_at] = status_styles[key]
        rows.append(values, styles, heights[lines])


def _numeric(values: tuple[Cell, ...]) -> bool:
    """A column of numbers or times (and blanks), none of them text."""
    given = [v for v in values if v is not None]
    return bool(given) and all(isinstance(v, int | float | date) for v in given)


def _height(lines: int) -> str:
    return f"{min(LINE_HEIGHT * lines, MAX_ROW_HEIGHT):g}"


def _max_lines() -> int:
    return math.ceil(MAX_ROW_HEIGHT / LINE_HEIGHT)


def _row_lines(table: Table, widths: list[float], wrapped: list[bool]) -> list[int]:
    """Each row's line count: the most any of its wrapped cells needs, at most _max_lines."""
    at_most = _max_lines()
    estimates: list[tuple[int, float, dict[Cell, int]]] = [
        (index, width, {})
        for index, (width, wrap) in enumerate(zip(widths, wrapped, strict=True))
        if wrap
    ]
    if not estimates:
        return [1] * len(table)
    lines = []
    for row in table.rows:
        most = 1
        for index, width, known in estimates:
            # Values repeat (a Files sheet holds a few hundred distinct details in 130k
            # rows), so the estimate runs once per distinct value of a column.
            value = row[index]
            count = known.get(value)
            if count is None:
                count = known[value] = wrapped_lines(value, width)
            most = max(most, count)
        lines.append(min(most, at_most))
    return lines


class _PlainValues:
    """A cell's value: cleaned text, a number, or None for an empty cell.

    Cleaning is cached per distinct string: most values of the large sheets repeat.
    """

    def __init__(self) -> None:
        self._cleaned: dict[str, Value] = {}

    def __call__(self, value: Cell) -> Value:
        if isinstance(value, str):
            cleaned = self._cleaned.get(value)
            if cleaned is None and value not in self._cleaned:
                cleaned = self._cleaned[value] = clean_text(value) if value else None
            return cleaned
        if value is None:
            return None
        if isinstance(value, date):  # a datetime is one; naive, in UTC
            return float(to_excel(value))
        if isinstance(value, bool):
            return "Yes" if value else "No"
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            return value if math.isfinite(value) else None
        return clean_text(str(value))


def _column_layout(table: Table) -> tuple[list[float], list[bool], list[bool]]:
    """Each column's width, whether its text wraps, and whether it holds times.

    A column is as wide as its widest value (at most MAX_WIDTH) or the widest word of its
    name, which wraps. When the sheet is wider than PAGE_WIDTH, the columns that would be
    wider than MIN_WRAP_WIDTH share what the others leave, in proportion to the text they
    hold: a row's cells then need about as many lines each, and Reasons, which holds most
    of the text, is not cut to the width of a server's name. Fit to one page width, the
    sheet then prints larger.
    """
    natural, longest, volume, times = [], [], [], []
    for index, name in enumerate(table.columns):
        column = [row[index] for row in table.rows]
        # Values repeat (130k rows of the Files sheet hold a few thousand distinct ones).
        distinct = set(column)
        times.append(any(isinstance(v, date) for v in distinct))
        widest = max((_shown_width(v) for v in distinct if v is not None), default=0.0)
        word = max((text_width(part, bold=True) for part in str(name).split()), default=0.0)
        longest.append(widest)
        natural.append(float(min(MAX_WIDTH, max(MIN_WIDTH, math.ceil(max(widest, word) + 1.5)))))
        text = sum(len(v) for v in column if isinstance(v, str))
        volume.append(text / max(len(column), 1))
    widths = natural if sum(natural) <= PAGE_WIDTH else _shared(natural, volume)
    # wrapped_lines gives a line one digit less than the column: the cell's margins.
    wrapped = [most + 1 > width for most, width in zip(longest, widths, strict=True)]
    return widths, wrapped, times


def _shown_width(value: Cell) -> float:
    if isinstance(value, datetime):
        return text_width(f"{value:%Y-%m-%d %H:%M:%S} UTC")
    return text_width(value if isinstance(value, str) else str(value))


def _shared(natural: list[float], volume: list[float]) -> list[float]:
    """Widths that fit PAGE_WIDTH: a column at most MIN_WRAP_WIDTH wide keeps its width;
    the others share the rest by volume, none below MIN_WRAP_WIDTH or above its need."""
    widths = list(natural)
    sharing = [i for i, width in enumerate(natural) if width > MIN_WRAP_WIDTH]
    space = PAGE_WIDTH - sum(w for i, w in enumerate(natural) if i not in sharing)
    while sharing:
        weight = sum(volume[i] for i in sharing)
        share = {i: space * (volume[i] / weight if weight else 1 / len(sharing)) for i in sharing}
        # A column given less than the floor takes the floor, one given more than it needs
        # takes its need; either changes what the rest share, so share again.
        settled = [i for i in sharing if share[i] < MIN_WRAP_WIDTH] or [
            i for i in sharing if share[i] >= natural[i]
        ]
        if not settled:
            for i in sharing:
                widths[i] = float(math.floor(share[i]))
            break
        for i in settled:
            widths[i] = float(MIN_WRAP_WIDTH) if share[i] < MIN_WRAP_WIDTH else natural[i]
            space -= widths[i]
            sharing.remove(i)
    return widths


def _set_printing(sheet: Sheet) -> None:
    # Landscape, every column on one page width, as many pages tall as the rows need.
    sheet.page_setup.orientation = "landscape"
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
