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

__all__ = ["Report", "Table", "build_report", "render_csv", "render_json", "render_xlsx"]


def render_xlsx(report: Report, path: Path) -> None:
    """Write the workbook to path (reporting.xlsx.render_xlsx). Raise ReportError when it
    cannot be written."""
    # openpyxl loads here, when a workbook is written: a run that writes none, and
    # `auditor --help`, never pay for it.
    _import_openpyxl_without_numpy()
    from auditor.reporting.xlsx import render_xlsx as render

    render(report, path)


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
