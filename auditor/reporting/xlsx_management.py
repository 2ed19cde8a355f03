"""The workbook's management pages: the Summary with its trend, the Changes, Remediation and
Waivers sheets, document properties, and how every sheet prints.

Kept apart from xlsx.py, which streams the large tables: these sheets are small, so their
rows get explicit heights. LibreOffice does not grow a row for wrapped text, and openpyxl's
write_only mode writes no heights of its own, so without them wrapped lines overlap in print.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import UTC
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.series import SeriesLabel
from openpyxl.styles import Alignment, Font, PatternFill

from auditor import __version__
from auditor.reporting.management import connectors_gap
from auditor.reporting.model import Report
from auditor.reporting.table import Table
from auditor.reporting.text import clean_text
from auditor.verdicts import Status

__all__ = [
    "LINE_HEIGHT",
    "PAPER_A4",
    "STATUS_COLOURS",
    "finish_workbook",
    "wrapped_lines",
    "write_changes",
    "write_remediation",
    "write_summary",
    "write_waivers",
]

# openpyxl ships no type hints; a sheet here is always a WriteOnlyWorksheet.
Sheet = Any

STATUS_COLOURS: dict[Status, str] = {
    Status.EXPOSED: "FF8080",
    Status.BELOW_BASELINE: "F4B183",
    Status.INCOMPLETE: "FFE699",
    Status.WAIVED: "9DC3E6",
    Status.COMPLIANT: "A9D08E",
    Status.NOT_APPLICABLE: "D9D9D9",
}
"""Fill colour (RGB hex) of a status: red, orange, yellow, blue, green, grey."""

PAPER_A4 = 9
"""OOXML paper size code. Fit-to-width keeps a sheet on one page width on Letter too."""
LINE_HEIGHT = 15.0
"""Points per line of 11-point text."""
MAX_LINES = 12

# A bold font without a name (or Calibri, where Carlito is not installed) prints in
# LibreOffice as a serif face. Arial is everywhere; LibreOffice uses Liberation Sans.
FONT = "Arial"
_HEADER_FONT = Font(name=FONT, bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F3864")
_BOLD = Font(name=FONT, bold=True)
_HEADLINE = Font(name=FONT, bold=True, size=14)
_WRAP = Alignment(wrap_text=True, vertical="top")
_WRAP_RIGHT = Alignment(wrap_text=True, vertical="top", horizontal="right")
_TOP = Alignment(vertical="top")
_FILLS = {s.value: PatternFill("solid", fgColor=c) for s, c in STATUS_COLOURS.items()}


def _text(sheet: Sheet, value: str, font: Font | None = None) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=clean_text(value))
    cell.data_type = "s"  # evidence text must never become a formula
    if font is not None:
        cell.font = font
    return cell


def _header(
    sheet: Sheet, names: Sequence[str], numbers_from: int | None = None
) -> list[WriteOnlyCell]:
    """Header cells; from column ``numbers_from`` (0-based) on they sit right, over numbers."""
    cells = []
    for index, name in enumerate(names):
        cell = _text(sheet, name, _HEADER_FONT)
        cell.fill = _HEADER_FILL
        right = numbers_from is not None and index >= numbers_from
        cell.alignment = _WRAP_RIGHT if right else _WRAP
        cells.append(cell)
    return cells


def _status(sheet: Sheet, status: object) -> WriteOnlyCell | None:
    if not isinstance(status, str) or not status:
        return None
    cell = _text(sheet, status)
    if status in _FILLS:
        cell.fill = _FILLS[status]
    cell.alignment = _TOP
    return cell


def _value(sheet: Sheet, value: object, wrap: bool) -> object:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    cell = _text(sheet, value) if isinstance(value, str) else WriteOnlyCell(sheet, value=value)
    cell.alignment = _WRAP if wrap else _TOP
    return cell


def wrapped_lines(value: object, width: float) -> int:
    """How many lines a value takes, wrapped in a column ``width`` characters wide.

    An estimate: neither openpyxl nor LibreOffice measures the text, so every wrapped row's
    height comes from here. It wraps as LibreOffice does, between words and after a
    backslash, slash or hyphen, so a registry path breaks at its keys; a longer piece is
    cut. It counts one character fewer per line than the width, which prints with room.
    """
    if not isinstance(value, str) or not value:
        return 1
    per_line = max(1, int(width) - 1)
    return sum(_paragraph_lines(part, per_line) for part in value.split("\n"))


_PIECE = re.compile(r"[^\\/-]*[\\/-]+|[^\\/-]+")
"""A word's pieces, each ending where a line may break: "C:\\bin" is "C:\\", "bin"."""


def _paragraph_lines(text: str, per_line: int) -> int:
    if len(text) <= per_line:
        return 1
    lines, used = 1, 0
    for word in text.split():
        space = 1 if used else 0
        for piece in _PIECE.findall(word):
            if used + space + len(piece) <= per_line:
                used += space + len(piece)
            else:
                lines += 1 if used else 0
                full, used = divmod(len(piece), per_line)
                if used == 0:  # the piece fills its last line exactly
                    full, used = full - 1, per_line
                lines += full
            space = 0
    return lines


def _write_sheet(workbook: Workbook, title: str, table: Table, widths: Sequence[float]) -> Sheet:
    """A small table with wrapped text and row heights that fit it, for print."""
    sheet = workbook.create_sheet(title)
    columns = list(table.columns)
    for letter, width in zip(_letters(len(columns)), widths, strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    _fit_width(sheet)
    sheet.row_dimensions[1].height = LINE_HEIGHT * max(
        wrapped_lines(n, w) for n, w in zip(columns, widths, strict=True)
    )
    sheet.append(_header(sheet, columns))
    statuses = {i for i, name in enumerate(columns) if "status" in name.casefold()}
    for number, row in enumerate(table.rows, start=2):
        lines = max(wrapped_lines(value, width) for value, width in zip(row, widths, strict=True))
        sheet.row_dimensions[number].height = LINE_HEIGHT * min(lines, MAX_LINES)
        sheet.append(
            [
                _status(sheet, value) if i in statuses else _value(sheet, value, wrap=True)
                for i, value in enumerate(row)
            ]
        )
    return sheet


def _letters(count: int) -> list[str]:
    return [chr(ord("A") + i) for i in range(count)]


def _fit_width(sheet: Sheet, *, one_page: bool = False) -> None:
    # Must be set before the first row: write_only writes the sheet properties first.
    sheet.page_setup.orientation = "landscape"
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 1 if one_page else 0


def write_changes(workbook: Workbook, report: Report) -> None:
    _write_sheet(workbook, "Changes", report.changes, (28, 20, 16, 16, 14, 50))


def write_remediation(workbook: Workbook, report: Report) -> None:
    _write_sheet(workbook, "Remediation", report.remediation, (9, 24, 16, 16, 80))


def write_waivers(workbook: Workbook, report: Report) -> None:
    _write_sheet(workbook, "Waivers", report.waivers, (20, 18, 13, 36, 18, 11, 44, 24))


def finish_workbook(workbook: Workbook, report: Report) -> None:
    """Document properties, and paper, margins, header and footer on every sheet."""
    summary = report.summary
    when = summary.audit_date.astimezone(UTC)
    properties = workbook.properties
    properties.title = f"{summary.baseline_id} fix-level audit, {when:%Y-%m-%d}"
    properties.subject = clean_text(f"{summary.baseline_id}: {summary.baseline_title}")
    properties.creator = f"fixlevel {__version__}"
    # The audit's own time, not the clock: a re-rendered workbook says when the audit ran.
    properties.created = when.replace(tzinfo=None)
    properties.modified = when.replace(tzinfo=None)
    header = _escape(properties.title)
    for sheet in workbook.worksheets:
        sheet.page_setup.paperSize = PAPER_A4
        sheet.page_setup.orientation = "landscape"
        sheet.print_options.gridLines = False
        sheet.page_margins.left = sheet.page_margins.right = 0.4
        sheet.page_margins.top = sheet.page_margins.bottom = 0.6
        sheet.page_margins.header = sheet.page_margins.footer = 0.25
        sheet.oddHeader.left.text = "&A"
        sheet.oddHeader.right.text = header
        sheet.oddFooter.left.text = f"fixlevel {_escape(__version__)}"
        sheet.oddFooter.center.text = "Page &P of &N"
        sheet.oddFooter.right.text = f"audit of {when:%Y-%m-%d %H:%M} UTC"
        if sheet.title != "Summary":
            sheet.print_title_rows = "1:1"  # every printed page repeats the column names


def _escape(text: str) -> str:
    """Header and footer text: "&" starts a code there, so a literal one is doubled."""
    return text.replace("&", "&&")


WIDTHS = (24, 16, 16, 16, 16, 16, 16, 16, 12)
"""Summary column widths: A labels and quarters, then one column per status and the total."""


def write_summary(workbook: Workbook, report: Report) -> None:
    """The page a manager reads: the headline, this audit against the last, and the trend."""
    summary = report.summary
    sheet = workbook.create_sheet("Summary")
    for letter, width in zip(_letters(len(WIDTHS)), WIDTHS, strict=True):
        sheet.column_dimensions[letter].width = width
    _fit_width(sheet, one_page=True)
    sheet.merged_cells.add(f"A1:{_letters(len(WIDTHS))[-1]}1")
    headline = _text(sheet, summary.headline, _HEADLINE)
    headline.alignment = _WRAP
    sheet.row_dimensions[1].height = 40
    sheet.append([headline])
    sheet.append([])
    previous = summary.previous
    compared = (
        f"the audit of {previous.generated_at:%Y-%m-%d} ({previous.quarter})"
        if previous
        else "no earlier audit in the archive"
    )
    for label, value in (
        ("Audit date", f"{summary.audit_date:%Y-%m-%d %H:%M} {summary.audit_date.tzname() or ''}"),
        ("Baseline", f"{summary.baseline_id}: {summary.baseline_title}"),
        ("Fixed build", summary.fixed_build),
        ("Compared with", compared),
        ("Waivers judged on", summary.waivers_judged_on or "no waivers file"),
    ):
        sheet.append([_text(sheet, label, _BOLD), _text(sheet, value.strip())])
    # A sentence to act on: wrapped across the table's width, not one line off the page.
    gap = _text(sheet, connectors_gap(summary.connectors_unknown))
    gap.alignment = _WRAP
    sheet.merged_cells.add(f"B8:{_letters(len(WIDTHS))[-1]}8")
    sheet.row_dimensions[8].height = 30
    label = _text(sheet, "Connectors unknown", _BOLD)
    label.alignment = _TOP
    sheet.append([label, gap])
    sheet.append([])
    table_top = 10
    sheet.append(_header(sheet, ["Status", "This audit", "Previous audit", "Change"], 1))
    for status, count in summary.counts:
        before = previous.count(status) if previous else None
        sheet.append([_status(sheet, status.value), count, before, _delta(sheet, count, before)])
    before_total = previous.total if previous else None
    total = summary.total
    sheet.append(
        [_text(sheet, "Total", _BOLD), total, before_total, _delta(sheet, total, before_total)]
    )
    share = WriteOnlyCell(sheet, value=summary.share_compliant)
    share.number_format = "0.0%"
    sheet.append([_text(sheet, "Share compliant", _BOLD), share])
    sheet.append([])
    history_top = table_top + len(summary.counts) + 4
    _write_history(sheet, report.history)
    chart_row = history_top + len(report.history) + 2
    largest_before = max((n for _, n in previous.counts), default=0) if previous else None
    sheet.add_chart(
        _status_chart(sheet, table_top, summary.counts, largest_before), f"A{chart_row}"
    )
    totals = report.history.column("Total")
    tallest = max((n for n in totals if isinstance(n, int)), default=0)
    sheet.add_chart(_trend_chart(sheet, history_top, len(report.history), tallest), f"D{chart_row}")
    _article_counts(sheet, report)


def _article_counts(sheet: Sheet, report: Report) -> None:
    """A catalogue run's per-article counts, below the charts (nothing otherwise)."""
    from auditor.reporting.xlsx_catalogue import write_article_counts

    write_article_counts(sheet, report)


def _delta(sheet: Sheet, now: int, before: int | None) -> object:
    if before is None:
        return None
    cell = WriteOnlyCell(sheet, value=now - before)
    cell.number_format = "+0;-0;0"
    return cell


def _write_history(sheet: Sheet, history: Table) -> None:
    sheet.append(_header(sheet, list(history.columns), 2))
    for row in history.rows:
        quarter, day, *counts = row
        sheet.append([_text(sheet, str(quarter)), _text(sheet, str(day)), *counts])


def _unit(largest: int, ticks: int = 5) -> int:
    """A round axis step (1, 2 or 5 times a power of ten) giving at most ``ticks`` steps.

    Servers are counted, so the step is whole; round steps keep the labels short enough
    not to run into each other on a narrow chart.
    """
    raw = max(1.0, largest / ticks)
    power = 10 ** math.floor(math.log10(raw))
    return next(int(step * power) for step in (1, 2, 5, 10) if step * power >= raw)


def _status_chart(
    sheet: Sheet, header_row: int, counts: Sequence[tuple[Status, int]], previous: int | None
) -> BarChart:
    chart = BarChart()
    chart.type = "bar"  # horizontal bars: the status names stay readable
    chart.title = "Servers per status"
    chart.width, chart.height = 11.5, 8.0
    with_previous = previous is not None
    last = header_row + len(counts)
    columns = 3 if with_previous else 2
    data = Reference(sheet, min_col=2, max_col=columns, min_row=header_row, max_row=last)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=header_row + 1, max_row=last))
    for series, colour in zip(chart.series, ("1F3864", "A6A6A6"), strict=False):
        series.graphicalProperties.solidFill = colour  # this audit dark, the previous grey
    chart.y_axis.scaling.min = 0
    chart.y_axis.majorUnit = _unit(max([previous or 0, *(n for _, n in counts)]))
    chart.y_axis.majorGridlines = None
    chart.x_axis.scaling.orientation = "maxMin"  # most severe at the top, as in the table
    chart.legend.position = "b"
    if not with_previous:
        chart.legend = None
    return chart


def _trend_chart(sheet: Sheet, header_row: int, quarters: int, tallest: int) -> BarChart:
    """Stacked columns per quarter, one colour per status: the trend at a glance."""
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.title = "Servers per status, by quarter"
    chart.width, chart.height = 17.0, 8.0
    last = header_row + max(quarters, 1)
    for offset, status in enumerate(Status):
        column = 3 + offset
        data = Reference(sheet, min_col=column, min_row=header_row + 1, max_row=last)
        chart.add_data(data, titles_from_data=False)
        series = chart.series[-1]
        series.tx = SeriesLabel(v=status.value)
        series.graphicalProperties.solidFill = STATUS_COLOURS[status]
        series.graphicalProperties.line.solidFill = "595959"
    chart.set_categories(Reference(sheet, min_col=1, min_row=header_row + 1, max_row=last))
    chart.y_axis.scaling.min = 0
    chart.y_axis.majorUnit = _unit(tallest)
    chart.legend.position = "r"
    return chart
