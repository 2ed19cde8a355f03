"""The workbook as a manager prints it: LibreOffice turns it into a PDF whose first page is
the Summary, with the headline and the counts legible as text.

LibreOffice takes 5-10 s to start, so this is one test over one workbook.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from auditor.reporting import build_report, render_xlsx
from tests import scenarios

OFFICE = shutil.which("libreoffice") or shutil.which("soffice")
PDFTOTEXT = shutil.which("pdftotext")


def first_page_text(pdf: Path) -> str:
    assert PDFTOTEXT is not None
    done = subprocess.run(
        [PDFTOTEXT, "-f", "1", "-l", "1", "-layout", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout


@pytest.mark.skipif(
    OFFICE is None or PDFTOTEXT is None,
    reason="LibreOffice (Debian: libreoffice-calc-nogui) and pdftotext (poppler-utils) are "
    "needed to check the printed workbook",
)
def test_the_summary_prints_legibly_on_the_first_page(tmp_path):
    assert OFFICE is not None
    result = scenarios.with_trend()
    report = build_report(result)
    workbook = tmp_path / "audit.xlsx"
    render_xlsx(report, workbook)
    profile = (tmp_path / "office-profile").as_uri()  # a private profile: no shared lock
    subprocess.run(
        [
            OFFICE,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(workbook),
        ],
        capture_output=True,
        check=True,
        timeout=180,
    )
    pdf = workbook.with_suffix(".pdf")
    assert pdf.is_file()
    text = first_page_text(pdf)
    # The headline may wrap over two lines of the merged cell; it must be there whole.
    flat = " ".join(text.split())
    assert " ".join(report.summary.headline.split()) in flat
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert "####" not in text
    previous = report.summary.previous
    assert previous is not None
    for status, count in report.summary.counts:
        before = previous.count(status)
        row = f"{status.value} {count} {before} {count - before:+d}".replace("+0", "0")
        assert row in lines, row
    for quarter in report.history.rows:
        assert re.search(rf"^{quarter[0]} {quarter[1]:%Y-%m-%d} ", "\n".join(lines), re.MULTILINE)
