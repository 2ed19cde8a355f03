"""Reporting: one presentation model (pandas frames) and a renderer per format.

build_report turns an AuditResult into a Report; render_xlsx, render_csv and render_json
write it. Every renderer raises ReportError, naming the path, when it cannot write.
"""

from auditor.reporting.csv import render_csv
from auditor.reporting.json import render_json
from auditor.reporting.model import Report, build_report
from auditor.reporting.xlsx import render_xlsx

__all__ = ["Report", "build_report", "render_csv", "render_json", "render_xlsx"]
