"""Details of the management pages that the read-back tests cannot see."""

from __future__ import annotations

import pytest

from auditor.reporting.xlsx_management import _unit


@pytest.mark.parametrize(
    ("largest", "step"),
    [(0, 1), (4, 1), (6, 2), (11, 5), (40, 10), (99, 20), (1170, 500), (130_000, 50_000)],
)
def test_chart_axes_step_in_round_numbers(largest, step):
    # A step of 130 gave labels "910 1040 1170" that ran into each other on the chart.
    assert _unit(largest) == step
    assert largest / step <= 5
