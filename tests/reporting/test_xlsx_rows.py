"""The fast row writer, read back by openpyxl as a user's spreadsheet would read it."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
from openpyxl import Workbook
from openpyxl.styles import PatternFill

from auditor.reporting.xlsx_rows import RowWriter


def written(tmp_path: Path, rows: list[list[object]]) -> Path:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("T")
    sheet.freeze_panes = "A2"
    writer = RowWriter(sheet, 6)
    red = writer.style(fill=PatternFill("solid", fgColor="FF0000"))
    for row in rows:
        writer.append(row, [red] + [None] * (len(row) - 1))  # type: ignore[arg-type]
    path = tmp_path / "t.xlsx"
    book.save(path)
    return path


def test_values_come_back_with_their_types_and_spaces(tmp_path: Path) -> None:
    path = written(
        tmp_path, [[" padded ", 3, 2.5, None, "=1+2", "#N/A"], ["x", 0, -1.0, "", "a", "b"]]
    )
    sheet = openpyxl.load_workbook(path)["T"]
    first, second = ([(cell.value, cell.data_type) for cell in row] for row in sheet.iter_rows())
    assert first == [
        (" padded ", "s"),
        (3, "n"),
        (2.5, "n"),
        (None, "n"),
        ("=1+2", "s"),
        ("#N/A", "s"),
    ]
    assert second[:3] == [("x", "s"), (0, "n"), (-1, "n")]
    assert sheet.freeze_panes == "A2"
    with zipfile.ZipFile(path) as package:  # Excel itself drops the spaces without this
        assert package.read("xl/worksheets/sheet1.xml").count(b'xml:space="preserve"') == 1


def test_styles_apply_to_their_cells_only(tmp_path: Path) -> None:
    sheet = openpyxl.load_workbook(written(tmp_path, [["a", "b"], [None, "c"]]))["T"]
    assert sheet["A1"].fill.fgColor.rgb == "00FF0000"
    assert sheet["A2"].fill.fgColor.rgb == "00FF0000"  # a styled empty cell keeps its fill
    assert sheet["B1"].fill.fgColor.rgb != "00FF0000"


def test_no_formula_and_no_error_cell_in_the_xml(tmp_path: Path) -> None:
    path = written(tmp_path, [["=SUM(A1:A2)", "#REF!", "+1", "@A1", "-2", "=1"]])
    with zipfile.ZipFile(path) as package:
        xml = package.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and 't="e"' not in xml and 't="str"' not in xml
    assert xml.count('t="inlineStr"') == 6


def test_a_row_height_is_set_only_where_given(tmp_path: Path) -> None:
    book = Workbook(write_only=True)
    writer = RowWriter(book.create_sheet("T"), 2)
    writer.append(["one line", 1], [None, None])
    writer.append(["three\nlines", 2], [None, None], "45")
    path = tmp_path / "t.xlsx"
    book.save(path)
    sheet = openpyxl.load_workbook(path)["T"]
    assert sheet.row_dimensions[1].height is None
    assert sheet.row_dimensions[2].height == 45
    assert sheet.row_dimensions[2].customHeight
