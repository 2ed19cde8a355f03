"""The Servers table as CSV, for spreadsheets and scripts.

Excel runs a cell that starts with "=", "+", "-" or "@" as a formula, and server names and
registry strings come from evidence an attacker may control. Such values get a leading "'",
as OWASP advises for CSV injection.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from auditor.errors import ReportError
from auditor.reporting.model import Report
from auditor.reporting.table import Table
from auditor.reporting.text import clean_text

__all__ = ["defuse", "render_csv"]

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def render_csv(report: Report, path: Path) -> None:
    """Write the Servers table, UTF-8 with a BOM. Raise ReportError when it cannot be written."""
    try:
        # utf-8-sig writes the BOM that makes Excel read the file as UTF-8 rather than cp1252;
        # newline="" leaves the line endings to the csv module (CRLF, as RFC 4180 says).
        with path.open("w", encoding="utf-8-sig", newline="") as stream:
            writer = csv.writer(stream, quoting=csv.QUOTE_MINIMAL)
            writer.writerow(report.servers.columns)
            writer.writerows(_safe_rows(report.servers))
    except OSError as error:
        raise ReportError(f"{path}: cannot write the CSV report: {error}") from error


def defuse(value: object) -> object:
    """A value Excel shows as text rather than runs: text that looks like a formula gets "'"."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _safe_rows(table: Table) -> Iterable[list[object]]:
    # None is written as an empty field. Values repeat down a column (statuses, versions,
    # reasons), so each distinct string is cleaned and defused once.
    safe: dict[str, object] = {}
    for row in table.rows:
        line: list[object] = []
        for value in row:
            if isinstance(value, str):
                done = safe.get(value)
                if done is None:
                    done = safe[value] = defuse(clean_text(value))
                line.append(done)
            else:
                line.append(value)
        yield line
