"""How much room a cell's text takes: the workbook's font, text widths and wrapped lines.

Neither openpyxl nor LibreOffice measures text for us (LibreOffice keeps the row heights a
workbook gives), so every wrapped row's height is estimated here. The estimate is only as
good as its font is known: a workbook left in Calibri prints in LibreOffice without Carlito
as DejaVu Sans, a much wider face, and the heights fit neither. So every cell is Arial 10,
which Excel has and LibreOffice prints as the metric-compatible Liberation Sans, and text is
measured with Arial's own advance widths rather than counted in characters: "iiii" and
"MMMM" are four characters of very different width.

Widths are in Excel's column unit, the width of a digit (Arial 10: 7 pixels at 96 dpi).
"""

from __future__ import annotations

import re

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.styles.named_styles import NamedStyle
from openpyxl.utils.indexed_list import IndexedList

__all__ = [
    "BODY_FONT",
    "FONT",
    "LINE_HEIGHT",
    "PAGE_WIDTH",
    "SIZE",
    "text_width",
    "use_body_font",
    "wrapped_lines",
]

FONT = "Arial"
SIZE = 10
BODY_FONT = Font(name=FONT, size=SIZE)
PAGE_WIDTH = 200
"""Digits of column width a printed sheet aims at: fit to an A4 or Letter landscape
width, that prints Arial 10 at about 7.5 points."""
LINE_HEIGHT = 12.75
"""Points per line of Arial 10: Excel's own row height for it (LibreOffice's line is 11.5)."""

# Advance widths of Arial (Liberation Sans has the same metrics), characters 32 to 126, in
# units of 1/2048 em; a digit is 1139.
_REGULAR = (
    "569 569 727 1139 1139 1821 1366 391 682 682 797 1196 569 682 569 569 1139 1139 1139 "
    "1139 1139 1139 1139 1139 1139 1139 569 569 1196 1196 1196 1139 2079 1366 1366 1479 "
    "1479 1366 1251 1593 1479 569 1024 1366 1139 1706 1479 1593 1366 1593 1479 1366 1251 "
    "1479 1366 1933 1366 1366 1251 569 569 569 961 1139 682 1139 1139 1024 1139 1139 569 "
    "1139 1139 455 455 1024 455 1706 1139 1139 1139 1139 682 1024 569 1139 1024 1479 1024 "
    "1024 1024 684 532 684 1196"
)
_BOLD = (
    "569 682 971 1139 1139 1821 1479 487 682 682 797 1196 569 682 569 569 1139 1139 1139 "
    "1139 1139 1139 1139 1139 1139 1139 682 682 1196 1196 1196 1251 1997 1479 1479 1479 "
    "1479 1366 1251 1593 1479 569 1139 1479 1251 1706 1479 1593 1366 1593 1479 1366 1251 "
    "1479 1366 1933 1366 1366 1251 682 569 682 1196 1139 682 1139 1251 1139 1251 1139 682 "
    "1251 1251 569 569 1139 569 1821 1251 1251 1251 1251 797 1139 682 1251 1139 1593 1139 "
    "1139 1024 797 573 797 1196"
)
_DIGIT = 1139


def _table(widths: str) -> dict[str, float]:
    return {chr(32 + i): int(w) / _DIGIT for i, w in enumerate(widths.split())}


_WIDTHS = {False: _table(_REGULAR), True: _table(_BOLD)}
_WIDE = 1.8
"""East Asian and other wide characters: about two digits each."""
_OTHER = 1.1
"""Any other character outside ASCII (accented Latin is about a digit wide)."""


def _char_width(char: str) -> float:
    return _WIDE if ord(char) >= 0x1100 else _OTHER


def text_width(text: str, bold: bool = False) -> float:
    """The width of one line of ``text`` in digits."""
    table = _WIDTHS[bold]
    try:
        return sum(map(table.__getitem__, text))
    except KeyError:  # outside ASCII: slower, and rare
        return sum(table.get(char) or _char_width(char) for char in text)


def wrapped_lines(value: object, width: float, bold: bool = False) -> int:
    """How many lines a value takes, wrapped in a column ``width`` digits wide.

    It wraps as LibreOffice does, between words and after a backslash, slash or hyphen, so a
    registry path breaks at its keys; a longer piece is cut. A line holds one digit less
    than the column: the cell's margins, and room for Excel's hinted glyphs, which are
    a little wider than Arial's outlines at 96 dpi.
    """
    if not isinstance(value, str) or not value:
        return 1
    room = max(1.0, width - 1)
    return sum(_paragraph_lines(part, room, bold) for part in value.split("\n"))


_PIECE = re.compile(r"[^\\/-]*[\\/-]+|[^\\/-]+")
"""A word's pieces, each ending where a line may break: "C:\\bin" is "C:\\", "bin"."""


def _paragraph_lines(text: str, room: float, bold: bool) -> int:
    if text_width(text, bold) <= room:
        return 1
    space = _WIDTHS[bold][" "]
    lines, used = 1, 0.0
    for word in text.split():
        gap = space if used else 0.0
        for piece in _PIECE.findall(word):
            size = text_width(piece, bold)
            if used + gap + size <= room:
                used += gap + size
            elif size <= room:
                lines, used = lines + (1 if used else 0), size
            else:  # longer than a line: cut where the line is full
                lines += 1 if used else 0
                used = 0.0
                for char in piece:
                    step = text_width(char, bold)
                    if used + step > room and used:
                        lines, used = lines + 1, 0.0
                    used += step
            gap = 0.0
    return lines


def use_body_font(workbook: Workbook) -> None:
    """Make Arial 10 the workbook's default font, before any cell is styled.

    openpyxl starts every workbook with Calibri 11 as font 0 and in the Normal style; both
    are replaced, so unstyled cells and the column unit (a digit of the Normal font) are
    Arial's.
    """
    workbook._fonts = IndexedList([BODY_FONT])
    workbook._named_styles = type(workbook._named_styles)()
    workbook.add_named_style(NamedStyle(name="Normal", font=BODY_FONT, builtinId=0))
