"""The container of the presentation model's tables: column names and rows of plain values.

Plain tuples rather than a DataFrame: every renderer walks the rows once, in order, so a
table needs no index, no dtypes and no import that costs a scan half a second of start-up
(pandas with numpy). Missing values are None, never NaN.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

__all__ = ["Cell", "Row", "Table"]

Cell = str | int | float | date | None
"""A table's value: text, a number, a date (a datetime is one; naive, in UTC), or None for
an empty cell."""
Row = tuple[Cell, ...]


@dataclass(frozen=True)
class Table:
    """A table of the report, rows in the order every renderer shows them."""

    columns: tuple[str, ...]
    """The headers the workbook shows, in order."""
    rows: tuple[Row, ...]
    """One tuple per row, as long as ``columns``."""

    @classmethod
    def of(cls, columns: Sequence[str], rows: Iterable[Row]) -> Table:
        """A table of ``rows``; raise ValueError when a row's length is not the columns'."""
        table = cls(tuple(columns), tuple(rows))
        width = len(table.columns)
        for number, row in enumerate(table.rows, start=1):
            if len(row) != width:
                raise ValueError(f"row {number} has {len(row)} values for {width} columns")
        return table

    def __len__(self) -> int:
        return len(self.rows)

    def column(self, name: str) -> tuple[Cell, ...]:
        """Every row's value under ``name``; raise KeyError for a column not in the table."""
        if name not in self.columns:
            raise KeyError(name)
        at = self.columns.index(name)
        return tuple(row[at] for row in self.rows)

    def records(self) -> list[dict[str, Cell]]:
        """The rows as dicts from column name to value, for tests and scripts."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]
