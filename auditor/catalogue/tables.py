"""The file tables of KB articles: plain columns or ``+---+`` grids, with or without a header.

A table is read row by row. A header row (a "File name" and a "Version" cell) fixes which
column is which; without one, or where a row's cells do not line up with it, each cell is
recognised by its content: a file name ends in an extension, a version is dotted numbers or
"N/A". Extra columns (date, time, size) are passed over; a Platform column is kept per row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "MAX_TABLE_LINE",
    "RawRow",
    "RawTable",
    "is_header",
    "is_table_line",
    "normalise_platform",
    "read_table",
    "row_cells",
]

MAX_TABLE_LINE = 2000
"""Longer lines are prose (or garbage), never a table row: bounds the work per line."""

_BORDER = re.compile(r"^\s*\+[-+=]*\+?\s*$")
_RULE = re.compile(r"^\s*(?:-{3,}|={3,})\s*$")
_GRID_ROW = re.compile(r"^\s*\|.*\|\s*$")
_CELL_SPLIT = re.compile(r"\t+|\s{2,}")
# A name, dot-separated parts, and an extension that starts with a letter: "5.5.2431.0" is
# not a file name, "Q280411engi.exe" and "Ems_rid.dll" are.
FILE_NAME = re.compile(
    r"[A-Za-z0-9_$~!#%&'(){}\-]+(?:\.[A-Za-z0-9_$~\-]+)*\.[A-Za-z][A-Za-z0-9_]{0,4}"
)
VERSION = re.compile(r"\d{1,5}(?:\.\d{1,5}){1,3}")
NOT_APPLICABLE = re.compile(r"N/?A|n/?a|-{1,2}")
_HEADER_NAME = re.compile(r"\b(?:file\s*name|filename|name|file)\b", re.IGNORECASE)
_HEADER_VERSION = re.compile(r"\bversion\b", re.IGNORECASE)
_HEADER_PLATFORM = re.compile(r"\b(?:platform|processor|hardware|architecture)\b", re.IGNORECASE)
_TABLE_WORD = re.compile(
    r"\d{1,5}(?:\.\d{1,5}){1,3}|N/?A|[\d,]+|\d{1,2}:\d{2}(?::\d{2})?|[AaPp][Mm]"
    r"|\d{1,4}[-/.][A-Za-z0-9]{1,3}[-/.]\d{1,4}|[A-Za-z]{3}-\d{1,2}-\d{2,4}"
    r"|intel|alpha|and|x86|i386|axp",
    re.IGNORECASE,
)
_INTEL = re.compile(r"\b(?:intel|x86|i386)\b", re.IGNORECASE)
_ALPHA = re.compile(r"\b(?:alpha|axp)\b", re.IGNORECASE)


@dataclass(frozen=True)
class RawRow:
    """One file as a table prints it."""

    name: str
    version: str
    """As printed: "5.5.2431.0", "2623.0", "N/A"."""
    platform: str | None
    """From a Platform column: "Intel" or "Alpha"; None for both, or without the column."""


@dataclass(frozen=True)
class RawTable:
    """The rows of one table, and the lines inside it that were not rows."""

    rows: tuple[RawRow, ...]
    unread: tuple[str, ...]
    """Lines inside the table that held no file name and version (reported as warnings)."""


def normalise_platform(text: str) -> str | None:
    """ "Intel" or "Alpha" when the text names one processor family; else None."""
    intel, alpha = bool(_INTEL.search(text)), bool(_ALPHA.search(text))
    if intel == alpha:
        return None
    return "Intel" if intel else "Alpha"


def row_cells(line: str) -> list[str]:
    """A line's cells: between ``|`` in a grid, else split at tabs or two or more spaces."""
    if _GRID_ROW.match(line):
        return [cell.strip() for cell in line.strip().strip("|").split("|")]
    return [cell for cell in _CELL_SPLIT.split(line.strip()) if cell]


def is_header(cells: list[str]) -> bool:
    """A header row: a file-name column and a version column, and no version value."""
    if any(VERSION.fullmatch(cell) for cell in cells):
        return False
    return any(_HEADER_VERSION.search(c) for c in cells) and any(
        _HEADER_NAME.search(c) for c in cells
    )


def _row(cells: list[str], header: list[str] | None) -> RawRow | None:
    if header is not None and len(cells) == len(header):
        row = _row_by_header(cells, header)
        if row is not None:
            return row
    row = _row_by_content(cells)
    if row is None and any(" " in cell for cell in cells):
        # Columns set one space apart ("2,624,272 5.5.2656.1"): each word is then a cell,
        # where every word is a value a file table holds (never in a sentence of prose).
        words = " ".join(cells).split()
        if all(FILE_NAME.fullmatch(w) or _TABLE_WORD.fullmatch(w) for w in words):
            row = _row_by_content(words)
    return row


def _row_by_content(cells: list[str]) -> RawRow | None:
    names = [cell for cell in cells if FILE_NAME.fullmatch(cell)]
    versions = [cell for cell in cells if VERSION.fullmatch(cell) or NOT_APPLICABLE.fullmatch(cell)]
    if len(cells) < 2 or not names or not versions:
        return None
    # With several candidates the dotted version beats a "-" placeholder.
    version = next((v for v in versions if VERSION.fullmatch(v)), versions[0])
    rest = " ".join(cell for cell in cells if cell not in names and cell not in versions)
    return RawRow(names[0], version, normalise_platform(rest))


def _row_by_header(cells: list[str], header: list[str]) -> RawRow | None:
    name_at = next((i for i, h in enumerate(header) if _HEADER_NAME.search(h)), None)
    version_at = next((i for i, h in enumerate(header) if _HEADER_VERSION.search(h)), None)
    if name_at is None or version_at is None:
        return None
    name, version = cells[name_at], cells[version_at]
    if not FILE_NAME.fullmatch(name):
        return None
    if not (VERSION.fullmatch(version) or NOT_APPLICABLE.fullmatch(version)):
        return None
    platform_at = next((i for i, h in enumerate(header) if _HEADER_PLATFORM.search(h)), None)
    platform = normalise_platform(cells[platform_at]) if platform_at is not None else None
    return RawRow(name, version, platform)


def is_table_line(line: str) -> bool:
    """Could a table start here: a grid border, a header row, or a row of a file and version."""
    if len(line) > MAX_TABLE_LINE or not line.strip():
        return False
    if _BORDER.match(line):
        return True
    cells = row_cells(line)
    return is_header(cells) or _row(cells, None) is not None


def read_table(lines: tuple[str, ...], start: int) -> tuple[RawTable, int]:
    """Read the table that starts at ``lines[start]``; return it and the index after it.

    The table ends at a line that is neither border, rule, header nor row (after a blank
    line), at a second header (another table begins), or at the end of the text.
    """
    header: list[str] | None = None
    rows: list[RawRow] = []
    unread: list[str] = []
    index = start
    while index < len(lines):
        line = lines[index]
        if len(line) > MAX_TABLE_LINE:
            break
        if not line.strip():
            following = _next_text(lines, index)
            if following is None or not _continues(lines[following], header):
                break
            index = following
            continue
        if _BORDER.match(line) or _RULE.match(line):
            index += 1
            continue
        cells = row_cells(line)
        if is_header(cells):
            if header is not None or rows:
                break
            header = cells
            index += 1
            continue
        row = _row(cells, header)
        if row is not None:
            rows.append(row)
        elif _GRID_ROW.match(line):
            unread.append(line.strip())
        else:
            break
        index += 1
    return RawTable(tuple(rows), tuple(unread)), index


def _next_text(lines: tuple[str, ...], index: int) -> int | None:
    for following in range(index, len(lines)):
        if lines[following].strip():
            return following
    return None


def _continues(line: str, header: list[str] | None) -> bool:
    """After a blank line, a table goes on only with more rows of the same table."""
    if len(line) > MAX_TABLE_LINE or _BORDER.match(line):
        return False
    cells = row_cells(line)
    return not is_header(cells) and _row(cells, header) is not None
