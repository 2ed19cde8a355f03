"""Compare two runs' reports: the same verdicts and reports, whenever each run happened.

    python benchmarks/compare_reports.py OLD.json NEW.json

The CSV and the workbook beside each JSON (same name, .csv and .xlsx) are compared too
when both runs wrote them. What may differ is when each run happened (``generated_at``):

- JSON: both documents are loaded and compared as data, every value equal to the run's
  ``generated_at`` masked; the layout may differ (indentation is not data).
- CSV: byte for byte.
- xlsx: read back with openpyxl, every sheet's cell values compared, the Summary's "Audit
  date" row left out; then every part of the zip compared byte for byte, with the
  timestamps in it (audit date, document properties, print headers) masked.

Prints what differs and exits 1, or prints what was compared and exits 0.
"""

from __future__ import annotations

import json
import re
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

_TIMESTAMP = re.compile(
    rb"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?"
    # The audit's time as an Excel date: a day serial with the time as its fraction.
    rb"|<v>\d+\.\d{4,}</v>"
)


def compare_json(old: Path, new: Path) -> list[str]:
    before, after = (_masked(json.loads(path.read_text(encoding="utf-8"))) for path in (old, new))
    if before == after:
        return []
    keys = sorted(key for key in before.keys() | after.keys() if before.get(key) != after.get(key))
    return [f"{new}: JSON data differs from {old} under {', '.join(keys)}"]


def _masked(document: dict[str, Any]) -> dict[str, Any]:
    """The document with its run's time (generated_at, and this run's row of the trend
    history) replaced by "<when>"."""
    when = document.get("generated_at")

    def mask(value: object) -> object:
        if isinstance(value, dict):
            return {key: mask(item) for key, item in value.items()}
        if isinstance(value, list):
            return [mask(item) for item in value]
        return "<when>" if value == when else value

    return {key: mask(item) for key, item in document.items()}


def compare_csv(old: Path, new: Path) -> list[str]:
    return [] if old.read_bytes() == new.read_bytes() else [f"{new}: CSV differs from {old}"]


def workbook_values(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        sheets = {}
        for sheet in workbook.worksheets:
            rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
            if sheet.title == "Summary":
                rows = [row for row in rows if not row or row[0] != "Audit date"]
            sheets[sheet.title] = rows
        return sheets
    finally:
        workbook.close()


def compare_xlsx(old: Path, new: Path) -> list[str]:
    problems = []
    before, after = workbook_values(old), workbook_values(new)
    if list(before) != list(after):
        problems.append(f"{new}: sheets {list(after)} where {old} has {list(before)}")
    for title in before.keys() & after.keys():
        if before[title] != after[title]:
            problems.append(f"{new}: sheet {title} holds other values than in {old}")
    with zipfile.ZipFile(old) as a, zipfile.ZipFile(new) as b:
        if a.namelist() != b.namelist():
            problems.append(f"{new}: zip parts differ from {old}'s")
        for name in sorted(set(a.namelist()) & set(b.namelist())):
            if _TIMESTAMP.sub(b"<when>", a.read(name)) != _TIMESTAMP.sub(b"<when>", b.read(name)):
                problems.append(f"{new}: part {name} differs from {old}'s (timestamps masked)")
    return problems


def compare(old: Path, new: Path) -> tuple[list[str], list[str]]:
    """The differences, and what was compared."""
    problems, compared = compare_json(old, new), ["JSON"]
    for suffix, check in ((".csv", compare_csv), (".xlsx", compare_xlsx)):
        a, b = old.with_suffix(suffix), new.with_suffix(suffix)
        if a.is_file() and b.is_file():
            problems += check(a, b)
            compared.append(suffix[1:].upper())
    return problems, compared


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    problems, compared = compare(Path(args[0]), Path(args[1]))
    for problem in problems:
        print(problem)
    if not problems:
        print(f"same reports ({', '.join(compared)}): {args[0]} and {args[1]}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
