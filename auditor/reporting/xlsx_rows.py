"""Table rows written as sheet XML beside openpyxl, and put in place when the sheet closes.

openpyxl's write-only path spends about 7 us on each cell: a cell object, type inference,
a check of the string, then a nested element for each part of it. Even one lxml element
per row, parsed from text and serialised again, costs 21 us: 3 s for the 143,000 rows of a
10,000-server fleet, the longest step of its reports. So the rows are written here as the
XML text they are, to a private file; openpyxl writes the rest of the sheet (columns,
panes, filter, print setup, hyperlinks) around an empty ``<sheetData>``, and when it closes
the sheet (at the latest when the workbook is saved) the rows are copied into that
element. The styles stay openpyxl's: each is registered through a cell object once.

No string here can become a formula or an error cell: each is an inline string. XML can
carry only some characters, so a string is checked once, the first time it is written;
one that is not clean (clean_text) stops the workbook rather than making a file Excel
refuses to open.

This reaches into three private parts of openpyxl's WriteOnlyWorksheet: ``_get_writer``,
the ``_hyperlinks`` its writer lists in the sheet's tail, and the writer's ``out``, the
file the sheet is written to. The workbook tests read every table back, so a change there
fails them rather than the reports.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Fill, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink

__all__ = ["RowWriter"]

Value = str | int | float | None
# openpyxl ships no type hints: a write-only worksheet.
Sheet = Any

_BATCH = 2000
"""Rows kept as text before they are encoded and written out in one piece."""
_EMPTY_DATA = re.compile(rb"<sheetData\s*/>|<sheetData>\s*</sheetData>")


class RowWriter:
    """Append rows of plain values, each cell with an optional style, to a write-only sheet.

    Column widths, panes, the filter and the print setup may be set on the sheet at any
    time before it is closed. Nothing else may write rows to the sheet.
    """

    def __init__(self, sheet: Sheet, columns: int) -> None:
        self._sheet = sheet
        self._letters = [get_column_letter(number) for number in range(1, columns + 1)]
        self._styles: dict[tuple[int, int, int, str | None], str] = {}
        self._inline: dict[str, str] = {}
        self._links: list[Hyperlink] = []
        self._number = 0
        self._batch: list[str] = []
        # Open from the first row to close(): deleted by the system however the run ends.
        self._rows = tempfile.TemporaryFile(prefix="fixlevel-rows-")  # noqa: SIM115
        # openpyxl closes every sheet as it saves the workbook: the rows go in then.
        self._close_sheet = sheet.close
        sheet.close = self.close

    @property
    def rows(self) -> int:
        """Rows appended so far: the last one's number on the sheet."""
        return self._number

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
        if len(values) != len(styles) or len(values) > len(self._letters):
            raise ValueError(
                f"{len(values)} values and {len(styles)} styles for {len(self._letters)} columns"
            )
        self._number += 1
        row = str(self._number)
        parts = [f'<row r="{row}">' if height is None else _TALL.format(row, height)]
        for letter, value, style in zip(self._letters, values, styles, strict=False):
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
            elif isinstance(value, bool):  # an int to Python, no number to Excel
                raise TypeError(f"a truth value reached the workbook as a number: {value}")
            else:
                parts.append(f'<c r="{letter}{row}"{styled} t="n"><v>{value}</v></c>')
        parts.append("</row>")
        self._batch.append("".join(parts))
        if len(self._batch) >= _BATCH:
            self._write_batch()

    def link(self, column: int, location: str, display: str) -> None:
        """Make the last row's cell in ``column`` (0-based) a link to ``location`` in this
        workbook (``'Servers'!A5``); ``display`` is its text."""
        if not self._number:
            raise ValueError("a link needs a row: append one first")
        ref = f"{self._letters[column]}{self._number}"
        self._links.append(Hyperlink(ref=ref, location=location, display=display))

    def close(self) -> None:
        """Close the sheet with every row in it. openpyxl calls this when it saves."""
        self._write_batch()
        sheet = self._sheet
        sheet._get_writer()  # the writer lists the links for the sheet's tail from here on
        sheet._hyperlinks.extend(self._links)
        self._close_sheet()
        path = Path(sheet._writer.out)
        with path.open("rb") as written:
            parts = _EMPTY_DATA.split(written.read())
        if len(parts) != 2:
            raise ValueError(f"openpyxl wrote {len(parts) - 1} empty sheetData elements, not 1")
        head, tail = parts
        self._rows.seek(0)
        with path.open("wb") as sheet_xml:
            sheet_xml.write(head + b"<sheetData>")
            shutil.copyfileobj(self._rows, sheet_xml, 1 << 20)
            sheet_xml.write(b"</sheetData>" + tail)
        self._rows.close()

    def _write_batch(self) -> None:
        if self._batch:
            # As openpyxl writes the rest of the sheet: ASCII, anything else as a reference.
            self._rows.write("".join(self._batch).encode("ascii", "xmlcharrefreplace"))
            self._batch.clear()


_TALL = '<row r="{}" ht="{}" customHeight="1">'
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
"""What a reader would otherwise take for markup, and CR, which it would turn into LF."""
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters XML 1.0 cannot hold, even escaped."""


def _inline_string(value: str) -> str:
    if _NOT_XML.search(value):
        raise ValueError(f"text not cleaned for XML reached the workbook: {value!r}")
    # Excel drops leading and trailing spaces unless told to keep them; in a registry name
    # they are significant.
    keep = ' xml:space="preserve"' if value != value.strip() else ""
    return f"<is><t{keep}>{value.translate(_ESCAPES)}</t></is>"
