"""Table rows written straight into a write-only sheet's XML stream.

openpyxl's write-only path spends about 7 us on each cell: a cell object, type inference,
a check of the string, then a nested element for each part of it. The Files sheet of a
10,000-server fleet holds 1.2 million cells, so that was 6 s, the longest single step of
an audit. Here each row becomes one lxml element, written through the sheet's own stream,
so the workbook around it (styles, widths, panes, filters, the chart) stays openpyxl's.

Every string is written as an inline string: none can become a formula or an error cell,
whatever it starts with. Strings must be cleaned (clean_text) before they get here: XML
cannot carry control characters.

This reaches into two private parts of openpyxl's WriteOnlyWorksheet (``_get_writer`` and
the writer's ``write_row``, and ``_values_to_row``); the workbook tests read every table
back, so a change there fails them rather than the reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lxml.etree import fromstring
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Fill, Font
from openpyxl.utils import get_column_letter

__all__ = ["RowWriter"]

Value = str | int | float | None
# openpyxl ships no type hints: a write-only worksheet, and lxml's incremental writer.
Sheet = Any
XmlStream = Any


class RowWriter:
    """Append rows of plain values, each cell with an optional style, to a write-only sheet.

    Create it after the sheet's column widths, panes and filter are set: openpyxl writes
    those at the top of the sheet when its stream opens, which is now.
    """

    def __init__(self, sheet: Sheet, columns: int) -> None:
        self._sheet = sheet
        self._letters = [get_column_letter(number) for number in range(1, columns + 1)]
        self._styles: dict[tuple[int, int, int, str | None], str] = {}
        self._height: str | None = None
        self._inline: dict[str, str] = {}
        sheet._get_writer()
        sheet._values_to_row = _as_given
        sheet._writer.write_row = self._write_row

    def style(
        self,
        font: Font | None = None,
        fill: Fill | None = None,
        alignment: Alignment | None = None,
        number_format: str | None = None,
    ) -> str:
        """The workbook's index for a cell style, registered on first use."""
        key = (id(font), id(fill), id(alignment), number_format)
        if key not in self._styles:
            cell = WriteOnlyCell(self._sheet)
            if font is not None:
                cell.font = font
            if fill is not None:
                cell.fill = fill
            if alignment is not None:
                cell.alignment = alignment
            if number_format is not None:
                cell.number_format = number_format
            self._styles[key] = str(cell.style_id)
        return self._styles[key]

    def append(
        self, values: Sequence[Value], styles: Sequence[str | None], height: str | None = None
    ) -> None:
        """One row: ``styles[i]`` (from :meth:`style`, or None) goes with ``values[i]``.

        ``height`` is the row's height in points, as the XML will carry it; without one the
        row is as tall as the application makes it, and LibreOffice does not make it tall
        enough for wrapped text: the lines then overlap the next row in print.
        """
        self._height = height
        self._sheet.append(list(zip(values, styles, strict=True)))

    def _write_row(self, xf: XmlStream, cells: list[tuple[Value, str | None]], number: int) -> None:
        # The row is written as text and parsed once, in C, into the element lxml streams:
        # a dozen SubElement calls a row from Python cost four times as much. The markup
        # of a string, escaped, is made once per distinct string.
        row = str(number)
        parts = [f'<row r="{row}">' if self._height is None else _TALL.format(row, self._height)]
        for letter, (value, style) in zip(self._letters, cells, strict=False):
            if value is None and style is None:
                continue
            styled = "" if style is None else f' s="{style}"'
            if value is None:
                parts.append(f'<c r="{letter}{row}"{styled}/>')
            elif isinstance(value, str):
                inline = self._inline.get(value)
                if inline is None:
                    inline = self._inline[value] = _inline_string(value)
                parts.append(f'<c r="{letter}{row}"{styled} t="inlineStr">{inline}</c>')
            else:
                parts.append(f'<c r="{letter}{row}"{styled} t="n"><v>{value}</v></c>')
        parts.append("</row>")
        xf.write(fromstring("".join(parts)))


_TALL = '<row r="{}" ht="{}" customHeight="1">'
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
"""What the parser would otherwise read as markup, and CR, which it would turn into LF."""


def _inline_string(value: str) -> str:
    # Excel drops leading and trailing spaces unless told to keep them; in a registry name
    # they are significant.
    keep = ' xml:space="preserve"' if value != value.strip() else ""
    return f"<is><t{keep}>{value.translate(_ESCAPES)}</t></is>"


def _as_given(values: object, _row_number: int) -> object:
    return values
