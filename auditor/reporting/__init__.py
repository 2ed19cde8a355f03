"""Reporting: one presentation model (plain tables) and a renderer per format.

build_report turns an AuditResult into a Report; render_xlsx, render_csv and render_json
write it. Every renderer raises ReportError, naming the path, when it cannot write.
"""

from __future__ import annotations

from pathlib import Path

from auditor.reporting.csv import render_csv
from auditor.reporting.json import render_json
from auditor.reporting.model import Report, Table, build_report

__all__ = ["Report", "Table", "build_report", "render_csv", "render_json", "render_xlsx"]


def render_xlsx(report: Report, path: Path) -> None:
    """Write the workbook to path (reporting.xlsx.render_xlsx). Raise ReportError when it
    cannot be written."""
    # openpyxl (and the numpy it imports) loads here, when a workbook is written: a run
    # that writes none, and `auditor --help`, never pay for it.
    from auditor.reporting.xlsx import render_xlsx as render

    render(report, path)
