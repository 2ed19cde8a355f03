"""Details of the management pages that the read-back tests cannot see."""

from __future__ import annotations

import pytest

from auditor.reporting.xlsx_charts import _unit
from auditor.reporting.xlsx_management import wrapped_lines


@pytest.mark.parametrize(
    ("largest", "step"),
    [(0, 1), (4, 1), (6, 2), (11, 5), (40, 10), (99, 20), (1170, 500), (130_000, 50_000)],
)
def test_chart_axes_step_in_round_numbers(largest, step):
    # A step of 130 gave labels "910 1040 1170" that ran into each other on the chart.
    assert _unit(largest) == step
    assert largest / step <= 5


@pytest.mark.parametrize(
    ("text", "width", "lines"),
    [
        (None, 10, 1),
        ("", 10, 1),
        ("fits here", 10, 1),  # nine characters in a width of ten: one spare
        ("two words", 6, 2),
        ("aaaa bbbb cc", 11, 2),  # "aaaa bbbb" then "cc"
        ("x" * 25, 6, 5),  # an unbroken word is cut at five a line
        ("first\nsecond", 40, 2),  # a line break always starts a line
        ("a\n\nb", 40, 3),
        # A registry path breaks after its backslashes, as LibreOffice prints it:
        # "HKLM\SYSTEM\", "CurrentControlSet\", "Services" (cut anywhere: two lines).
        ("HKLM\\SYSTEM\\CurrentControlSet\\Services", 20, 3),
        ("below-the-fix-build", 9, 3),  # "below-", "the-fix-", "build"
    ],
)
def test_wrapped_lines_counts_lines_as_words_wrap(text, width, lines):
    assert wrapped_lines(text, width) == lines
