"""The Summary sheet's two charts: this audit's counts per status, and the trend by quarter.

Both read the Summary's own tables, so the figures on the page and in the chart are one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from openpyxl.chart import BarChart, Reference
from openpyxl.chart.marker import DataPoint
from openpyxl.chart.series import SeriesLabel

from auditor.verdicts import Status

__all__ = ["STATUS_COLOURS", "status_chart", "trend_chart"]

# openpyxl ships no type hints; a sheet here is always a WriteOnlyWorksheet.
Sheet = Any

STATUS_COLOURS: dict[Status, str] = {
    Status.EXPOSED: "FF8080",
    Status.BELOW_BASELINE: "F4B183",
    Status.INCOMPLETE: "FFE699",
    Status.WAIVED: "9DC3E6",
    Status.COMPLIANT: "A9D08E",
    Status.NOT_APPLICABLE: "D9D9D9",
}
"""Fill colour (RGB hex) of a status: red, orange, yellow, blue, green, grey."""


def _unit(largest: int, ticks: int = 5) -> int:
    """A round axis step (1, 2 or 5 times a power of ten) giving at most ``ticks`` steps.

    Servers are counted, so the step is whole; round steps keep the labels short enough
    not to run into each other on a narrow chart.
    """
    raw = max(1.0, largest / ticks)
    power = 10 ** math.floor(math.log10(raw))
    return next(int(step * power) for step in (1, 2, 5, 10) if step * power >= raw)


def status_chart(
    sheet: Sheet, header_row: int, counts: Sequence[tuple[Status, int]], previous: int | None
) -> BarChart:
    chart = BarChart()
    chart.type = "bar"  # horizontal bars: the status names stay readable
    chart.title = "Servers per status"
    chart.width, chart.height = 10.5, 8.0  # columns A to C: Arial 10's 56 digits
    with_previous = previous is not None
    last = header_row + len(counts)
    columns = 3 if with_previous else 2
    data = Reference(sheet, min_col=2, max_col=columns, min_row=header_row, max_row=last)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=header_row + 1, max_row=last))
    for series, colour in zip(chart.series, ("1F3864", "A6A6A6"), strict=False):
        series.graphicalProperties.solidFill = colour  # this audit dark, the previous grey
    # This audit's bars in the status colours, as on every other sheet.
    for index, (status, _) in enumerate(counts):
        point = DataPoint(idx=index)
        point.graphicalProperties.solidFill = STATUS_COLOURS[status]
        point.graphicalProperties.line.solidFill = "595959"
        chart.series[0].dPt.append(point)
    chart.y_axis.scaling.min = 0
    chart.y_axis.majorUnit = _unit(max([previous or 0, *(n for _, n in counts)]))
    chart.y_axis.majorGridlines = None
    chart.x_axis.scaling.orientation = "maxMin"  # most severe at the top, as in the table
    chart.legend.position = "b"
    if not with_previous:
        chart.legend = None
    return chart


def trend_chart(sheet: Sheet, header_row: int, quarters: int, tallest: int) -> BarChart:
    """Stacked columns per quarter, one colour per status: the trend at a glance."""
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.title = "Servers per status, by quarter"
    chart.width, chart.height = 17.0, 8.0
    last = header_row + max(quarters, 1)
    for offset, status in enumerate(Status):
        column = 3 + offset
        data = Reference(sheet, min_col=column, min_row=header_row + 1, max_row=last)
        chart.add_data(data, titles_from_data=False)
        series = chart.series[-1]
        series.tx = SeriesLabel(v=status.value)
        series.graphicalProperties.solidFill = STATUS_COLOURS[status]
        series.graphicalProperties.line.solidFill = "595959"
    chart.set_categories(Reference(sheet, min_col=1, min_row=header_row + 1, max_row=last))
    chart.y_axis.scaling.min = 0
    chart.y_axis.majorUnit = _unit(tallest)
    chart.legend.position = "r"
    return chart
