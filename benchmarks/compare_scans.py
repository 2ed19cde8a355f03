"""Check that two scans of the same fleet made the same reports, the time they were made aside.

Run from the repository root:  python benchmarks/compare_scans.py OLD NEW

OLD and NEW are path prefixes: ``OLD.json``, ``OLD.csv`` and ``OLD.xlsx`` are the reports
of ``auditor scan FLEET --json OLD.json --csv OLD.csv --xlsx OLD.xlsx`` (each optional, but
in both scans or neither, and at least one). The JSON is compared as data without ``generated_at``;
the CSV byte for byte; the workbook cell by cell as openpyxl reads it back, where a cell
that holds the JSON's ``generated_at`` time (as text or as a date) may differ. Exit 0 when
everything compared is equal, 1 with the first differences listed otherwise.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

MAX_SHOWN = 20


def compare(old: Path, new: Path) -> list[str]:
    """The differences between the reports at the two prefixes; empty when they agree."""
    differences: list[str] = []
    times: set[str] = set()
    pairs = [(Path(f"{old}{kind}"), Path(f"{new}{kind}")) for kind in (".json", ".csv", ".xlsx")]
    for left, right in pairs:
        if left.is_file() != right.is_file():
            differences.append(f"{left if left.is_file() else right}: only in one scan")
    if not any(left.is_file() and right.is_file() for left, right in pairs):
        return [*differences, f"{old}, {new}: no report of either scan to compare"]
    old_json, new_json = Path(f"{old}.json"), Path(f"{new}.json")
    if old_json.is_file() and new_json.is_file():
        left, right = json.loads(old_json.read_bytes()), json.loads(new_json.read_bytes())
        times = {str(left.pop("generated_at", "")), str(right.pop("generated_at", ""))}
        differences += _diff(left, right, "json", times)
    old_csv, new_csv = Path(f"{old}.csv"), Path(f"{new}.csv")
    if old_csv.is_file() and new_csv.is_file() and old_csv.read_bytes() != new_csv.read_bytes():
        differences.append(f"{new_csv}: differs from {old_csv}")
    old_xlsx, new_xlsx = Path(f"{old}.xlsx"), Path(f"{new}.xlsx")
    if old_xlsx.is_file() and new_xlsx.is_file():
        differences += _diff_workbooks(old_xlsx, new_xlsx, times)
    return differences


def _diff(left: object, right: object, where: str, times: set[str]) -> list[str]:
    """Differences as paths into the document; the scans' own times (the run's entry in
    the trend history) are not differences."""
    if isinstance(left, dict) and isinstance(right, dict):
        found = []
        for key in sorted(set(left) | set(right), key=str):
            if key not in left or key not in right:
                found.append(f"{where}.{key}: only in {'new' if key in right else 'old'}")
            else:
                found += _diff(left[key], right[key], f"{where}.{key}", times)
        return found
    if isinstance(left, list) and isinstance(right, list):
        if len(left) != len(right):
            return [f"{where}: {len(left)} items, now {len(right)}"]
        return [
            line
            for index, (a, b) in enumerate(zip(left, right, strict=True))
            for line in _diff(a, b, f"{where}[{index}]", times)
        ]
    if left == right or (left in times and right in times):
        return []
    return [f"{where}: {left!r} -> {right!r}"]


def _diff_workbooks(old: Path, new: Path, times: set[str]) -> list[str]:
    from openpyxl import load_workbook

    left, right = load_workbook(old, read_only=True), load_workbook(new, read_only=True)
    if left.sheetnames != right.sheetnames:
        return [f"{new}: sheets {left.sheetnames} -> {right.sheetnames}"]
    found = []
    for name in left.sheetnames:
        rows_left = _rows(left[name].iter_rows(values_only=True))
        rows_right = _rows(right[name].iter_rows(values_only=True))
        if len(rows_left) != len(rows_right):
            found.append(f"{new}[{name}]: {len(rows_left)} rows, now {len(rows_right)}")
            continue
        for number, (a, b) in enumerate(zip(rows_left, rows_right, strict=True), start=1):
            if a != b and not _only_times(a, b, times):
                found.append(f"{new}[{name}] row {number}: {a!r} -> {b!r}")
    return found


def _rows(rows: Iterable[tuple[object, ...]]) -> list[tuple[object, ...]]:
    """The cells as data: empty cells past a row's last value, and empty rows past the
    last row with one, are how a writer sized its sheet, not what it holds."""
    kept = [_trimmed(row) for row in rows]
    while kept and not kept[-1]:
        kept.pop()
    return kept


def _trimmed(row: tuple[object, ...]) -> tuple[object, ...]:
    end = len(row)
    while end and row[end - 1] is None:
        end -= 1
    return row[:end]


def _only_times(a: tuple[Any, ...], b: tuple[Any, ...], times: set[str]) -> bool:
    """True when the rows differ only in cells that show the scans' own time."""
    if len(a) != len(b):
        return False
    stamps = {_moment(text) for text in times if text}
    for x, y in zip(a, b, strict=True):
        if x != y and not (_is_time(x, times, stamps) and _is_time(y, times, stamps)):
            return False
    return True


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=None, microsecond=0)


def _is_time(value: object, times: set[str], stamps: set[datetime]) -> bool:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None, microsecond=0) in stamps
    text = str(value)
    return any(
        stamp and (stamp[:19] in text or stamp[:16].replace("T", " ") in text) for stamp in times
    )


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    differences = compare(Path(argv[0]), Path(argv[1]))
    for line in differences[:MAX_SHOWN]:
        print(line)
    if len(differences) > MAX_SHOWN:
        print(f"... and {len(differences) - MAX_SHOWN} more")
    if not differences:
        print(f"{argv[1]}: the same reports as {argv[0]}")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
