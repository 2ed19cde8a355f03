"""The workbook's management pages: the Summary with its trend, the Changes, Remediation and
Waivers sheets, document properties, and how every sheet prints.

Kept apart from xlsx.py, which streams the large tables: these sheets are small, so their
rows get explicit heights. LibreOffice does not grow a row for wrapped text, and openpyxl's
write_only mode writes no heights of its own, so without them wrapped lines overlap in print.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.datetime import to_excel

from auditor import __version__
from auditor.reporting.management import connectors_gap, utc_naive
from auditor.reporting.model import Report
from auditor.reporting.table import Cell, Table
from auditor.reporting.text import clean_text
from auditor.reporting.xlsx_charts import STATUS_COLOURS, status_chart, trend_chart
from auditor.reporting.xlsx_rows import RowWriter, Value
from auditor.reporting.xlsx_text import FONT, LINE_HEIGHT, SIZE, text_width, wrapped_lines
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

PAPER_A4 = 9
"""OOXML paper size code. Fit-to-width keeps a sheet on one page width on Letter too."""
MAX_LINES = 12

# A bold font without a name (or Calibri, where Carlito is not installed) prints in
# LibreOffice as a serif face. Arial is everywhere; LibreOffice uses Liberation Sans.
_HEADER_FONT = Font(name=FONT, size=SIZE, bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F3864")
_BOLD = Font(name=FONT, size=SIZE, bold=True)
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
    colour = _status_fill(status)
    if colour is not None:
        cell.fill = colour
    cell.alignment = _TOP
    return cell


def _status_fill(status: str) -> PatternFill | None:
    """A status's colour; "waived (exposed)" on the worklist takes its first word's."""
    return _FILLS.get(status) or _FILLS.get(status.split(" ", 1)[0])


DATE_FORMAT = "yyyy-mm-dd"
DATE_TIME_FORMAT = "yyyy-mm-dd hh:mm"
_GOOD = PatternFill("solid", fgColor="C6EFCE")
_BAD = PatternFill("solid", fgColor="FFC7CE")
_LINK = Font(name=FONT, size=SIZE, color="0563C1", underline="single")
_ITALIC = Font(name=FONT, size=SIZE, italic=True)


def _write_sheet(
    workbook: Workbook,
    title: str,
    table: Table,
    widths: Sequence[float],
    *,
    empty: str,
    links: dict[str, int] | None = None,
) -> Sheet:
    """A small table with wrapped text and row heights that fit it, for print.

    Filtered, with the header row and every column up to "Server" frozen; the server's
    name links to its Servers row where ``links`` has it. Without rows, ``empty`` says
    what the sheet would hold, so that an empty sheet is not mistaken for a broken one.
    """
    sheet = workbook.create_sheet(title)
    columns = list(table.columns)
    server_at = columns.index("Server") if "Server" in columns else 0
    widths = _fitted(table, widths, server_at if links is not None else None)
    for letter, width in zip(_letters(len(columns)), widths, strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = f"{_letters(server_at + 2)[-1]}2"
    sheet.auto_filter.ref = f"A1:{_letters(len(columns))[-1]}{max(len(table), 1) + 1}"
    _fit_width(sheet)
    rows = RowWriter(sheet, len(columns))
    header = rows.style(_HEADER_FONT, _HEADER_FILL, _WRAP)
    rows.append(
        [clean_text(name) for name in columns],
        [header] * len(columns),
        _points(max(wrapped_lines(n, w, bold=True) for n, w in zip(columns, widths, strict=True))),
    )
    if not table.rows:
        rows.append([clean_text(empty)], [rows.style(font=_ITALIC)])
    cells = _ManagementCells(rows)
    statuses = {i for i, name in enumerate(columns) if "status" in name.casefold()}
    for row in table.rows:
        lines = max(wrapped_lines(value, width) for value, width in zip(row, widths, strict=True))
        values: list[Value] = []
        styles: list[str | None] = []
        linked: str | None = None
        for i, value in enumerate(row):
            if i in statuses:
                shown, style = cells.status(value)
            elif links is not None and i == server_at and isinstance(value, str):
                linked = value if value in links else None
                shown, style = cells.link(value, linked is not None)
            else:
                shown, style = cells.value(value)
            values.append(shown)
            styles.append(style)
        rows.append(values, styles, _points(min(lines, MAX_LINES)))
        if linked is not None and links is not None:
            rows.link(server_at, f"'Servers'!A{links[linked]}", clean_text(linked))
    return sheet


def _points(lines: int) -> str:
    return f"{LINE_HEIGHT * lines:g}"


class _ManagementCells:
    """A management sheet's value and style for each kind of cell: every one top-aligned
    and wrapped, a status in its colour, a linked server name as a link, times as dates."""

    def __init__(self, rows: RowWriter) -> None:
        self._rows = rows

    def status(self, status: Cell) -> tuple[Value, str | None]:
        if not isinstance(status, str) or not status:
            return None, None
        return clean_text(status), self._rows.style(fill=_status_fill(status), alignment=_TOP)

    def link(self, name: str, linked: bool) -> tuple[Value, str | None]:
        font = _LINK if linked else None
        return clean_text(name), self._rows.style(font=font, alignment=_WRAP)

    def value(self, value: Cell) -> tuple[Value, str | None]:
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            return None, None
        if isinstance(value, date):  # a datetime is one
            timed = isinstance(value, datetime)
            shown = utc_naive(value) if isinstance(value, datetime) else value
            style = self._rows.style(
                alignment=_WRAP, number_format=DATE_TIME_FORMAT if timed else DATE_FORMAT
            )
            serial = to_excel(shown)
            return serial if timed else int(serial), style  # a day is a whole number
        wrap = self._rows.style(alignment=_WRAP)
        if isinstance(value, bool):  # as the table sheets show one
            return "Yes" if value else "No", wrap
        if isinstance(value, int | float):
            return value, wrap
        return clean_text(str(value)), wrap


def _fitted(table: Table, widths: Sequence[float], link_at: int | None) -> list[float]:
    """The given widths, but a column with no value only as wide as its name, and the
    linked server column as wide as its longest name: LibreOffice does not wrap a link,
    which would otherwise run into the next column (the Status) in print."""
    fitted = list(widths)
    for index, name in enumerate(table.columns):
        values = [row[index] for row in table.rows if row[index] is not None]
        if table.rows and not values:
            fitted[index] = float(math.ceil(text_width(name, bold=True) + 1.5))
        elif index == link_at:
            widest = max((text_width(str(v)) for v in values), default=0.0)
            fitted[index] = max(fitted[index], float(min(60, math.ceil(widest + 1.5))))
    return fitted


def _letters(count: int) -> list[str]:
    return [chr(ord("A") + i) for i in range(count)]


def _fit_width(sheet: Sheet, *, one_page: bool = False) -> None:
    # Must be set before the first row: write_only writes the sheet properties first.
    sheet.page_setup.orientation = "landscape"
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 1 if one_page else 0


def write_changes(workbook: Workbook, report: Report) -> None:
    previous = report.summary.previous
    if report.summary.compared is False:
        empty = "not compared with an earlier audit (--previous none)"
    elif previous is None:
        empty = "first audit: nothing to compare"
    else:
        empty = f"no server changed status since the audit of {previous.generated_at:%Y-%m-%d}"
    widths = (28, 20, 16, 16, 14, 50)
    _write_sheet(workbook, "Changes", report.changes, widths, empty=empty, links=_rows(report))


def write_remediation(workbook: Workbook, report: Report) -> None:
    empty = "nothing to do: every server is compliant, not applicable or without a finding"
    widths = (8, 12, 14, 34, 14, 14, 36, 24, 46)
    _write_sheet(
        workbook, "Remediation", report.remediation, widths, empty=empty, links=_rows(report)
    )


def write_waivers(workbook: Workbook, report: Report) -> None:
    if report.summary.waivers_judged_on is None:
        empty = "no waivers file"
    else:
        empty = "the waivers file holds no waiver"
    widths = (20, 18, 13, 36, 18, 11, 44, 24)
    _write_sheet(workbook, "Waivers", report.waivers, widths, empty=empty, links=_rows(report))


def _rows(report: Report) -> dict[str, int]:
    """Each server's row on the Servers sheet (its header is row 1)."""
    return {str(name): number for number, name in enumerate(report.servers.column("Server"), 2)}


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
    if summary.compared is False:
        compared = "not compared (--previous none)"
    audit = WriteOnlyCell(sheet, value=utc_naive(summary.audit_date))
    audit.number_format = f'{DATE_TIME_FORMAT} "UTC"'
    audit.alignment = Alignment(horizontal="left")
    sheet.merged_cells.add("B3:D3")  # with its zone, too wide for one column
    sheet.append([_text(sheet, "Audit date", _BOLD), audit])
    judged: Any = _text(sheet, "no waivers file")
    if summary.waivers_judged_on:
        judged = WriteOnlyCell(sheet, value=date.fromisoformat(summary.waivers_judged_on))
        judged.number_format = DATE_FORMAT
        judged.alignment = Alignment(horizontal="left")
    baseline = f"{summary.baseline_id}: {summary.baseline_title}"
    # A catalogue run's model names the set of articles here (catalogue_model.catalogue_names).
    fixed = summary.fixed_build
    for label, value in (
        ("Baseline", baseline),
        ("Fixed build", fixed),
        ("Compared with", compared),
    ):
        sheet.append([_text(sheet, label, _BOLD), _text(sheet, value.strip())])
    sheet.append([_text(sheet, "Waivers judged on", _BOLD), judged])
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
        change = _delta(sheet, count, before, _GOOD_WAY.get(status, 0))
        sheet.append([_status(sheet, status.value), count, before, change])
    before_total = previous.total if previous else None
    total = summary.total
    sheet.append(
        [_text(sheet, "Total", _BOLD), total, before_total, _delta(sheet, total, before_total)]
    )
    share = WriteOnlyCell(sheet, value=summary.share_compliant)
    share.number_format = "0.0%"
    applicable = summary.total - summary.count(Status.NOT_APPLICABLE)
    why = _text(sheet, f"of the {applicable} servers the fix applies to (not-applicable left out)")
    why.alignment = Alignment(indent=1)  # not flush against the percentage on its left
    sheet.append([_text(sheet, "Share compliant", _BOLD), share, why])
    sheet.append([])
    history_top = table_top + len(summary.counts) + 4
    _write_history(sheet, report.history)
    chart_row = history_top + len(report.history) + 2
    largest_before = max((n for _, n in previous.counts), default=0) if previous else None
    sheet.add_chart(status_chart(sheet, table_top, summary.counts, largest_before), f"A{chart_row}")
    totals = report.history.column("Total")
    tallest = max((n for n in totals if isinstance(n, int)), default=0)
    sheet.add_chart(trend_chart(sheet, history_top, len(report.history), tallest), f"D{chart_row}")
    _article_counts(sheet, report, history_top + len(report.history) + 1)


def _article_counts(sheet: Sheet, report: Report, next_row: int) -> None:
    """A catalogue run's per-article counts, below the charts (nothing otherwise)."""
    from auditor.reporting.xlsx_catalogue import write_article_counts

    write_article_counts(sheet, report, next_row)


_GOOD_WAY: dict[Status, int] = {
    Status.EXPOSED: -1,
    Status.BELOW_BASELINE: -1,
    Status.INCOMPLETE: -1,
    Status.COMPLIANT: 1,
}
"""Which way a count should move: fewer exposed is good, more compliant is good."""


def _delta(sheet: Sheet, now: int, before: int | None, good_way: int = 0) -> object:
    if before is None:
        return None
    cell = WriteOnlyCell(sheet, value=now - before)
    cell.number_format = "+0;-0;0"
    if good_way and now != before:
        cell.fill = _GOOD if (now - before) * good_way > 0 else _BAD
    return cell


def _write_history(sheet: Sheet, history: Table) -> None:
    sheet.append(_header(sheet, list(history.columns), 2))
    for row in history.rows:
        quarter, day, *counts = row
        when = WriteOnlyCell(sheet, value=day)
        when.number_format = DATE_FORMAT
        sheet.append([_text(sheet, str(quarter)), when, *counts])
