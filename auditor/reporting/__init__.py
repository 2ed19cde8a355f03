"""Reporting: one presentation model (plain tables) and a renderer per format.

build_report turns an AuditResult into a Report; render_xlsx, render_csv and render_json
write it. Every renderer raises ReportError, naming the path, when it cannot write.
"""

from __future__ import annotations

import sys
from pathlib import Path

from auditor.reporting.csv import render_csv
from auditor.reporting.json import render_json
from auditor.reporting.model import Report, Table, build_report

__all__ = [
    "Report",
    "Table",
    "build_report",
    "load_xlsx_writer",
    "render_csv",
    "render_json",
    "render_xlsx",
]


def render_xlsx(report: Report, path: Path) -> None:
    """Write the workbook to path (reporting.xlsx.render_xlsx). Raise ReportError when it
    cannot be written."""
    load_xlsx_writer()
    from auditor.reporting.xlsx import render_xlsx as render

    render(report, path)


def load_xlsx_writer() -> None:
    """Load the workbook writer and openpyxl (about 0.1 s), if not loaded yet.

    render_xlsx does, so that a run that writes no workbook, and `auditor --help`, never
    pay for it; a scan calls it earlier, while its worker processes collect.
    """
    _import_openpyxl_without_numpy()
    import auditor.reporting.xlsx  # noqa: F401


def _import_openpyxl_without_numpy() -> None:
    """Import openpyxl without the numpy it imports whenever numpy is installed.

    openpyxl.compat.numbers imports numpy (0.1 s) only to count numpy's scalars as numbers;
    the report hands it Python values alone. A None in sys.modules makes that import fail
    as if numpy were not installed, and is removed at once, so numpy stays importable for
    anything else. Where numpy or openpyxl is already loaded, nothing is changed.
    """
    if "openpyxl" in sys.modules or "numpy" in sys.modules:
        return
    sys.modules["numpy"] = None  # type: ignore[assignment]
    try:
        import openpyxl  # noqa: F401
    finally:
        del sys.modules["numpy"]
