"""The fast row writer, read back by openpyxl as a user's spreadsheet would read it."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
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


def test_every_row_comes_back_in_order_past_a_batch(tmp_path: Path) -> None:
    # More rows than are kept as text before a write, so several batches are spliced.
    book = Workbook(write_only=True)
    writer = RowWriter(book.create_sheet("T"), 2)
    for number in range(5001):
        writer.append([f"server {number}", number], [None, None])
    assert writer.rows == 5001
    path = tmp_path / "t.xlsx"
    book.save(path)
    values = list(openpyxl.load_workbook(path, read_only=True)["T"].values)
    assert values == [(f"server {number}", number) for number in range(5001)]


def test_text_outside_ascii_and_markup_come_back_as_written(tmp_path: Path) -> None:
    texts = ["MTA-Zürich", "€ 😀", "a & b < c > d", 'say "hi"', "line\r\nnext", "ÿ\u00a0"]
    path = written(tmp_path, [texts])
    sheet = openpyxl.load_workbook(path)["T"]
    assert [cell.value for cell in sheet[1]] == texts


def test_the_sheet_set_up_after_the_rows_is_kept(tmp_path: Path) -> None:
    # The rows are spliced in when the sheet closes, so its set-up may come after them.
    book = Workbook(write_only=True)
    sheet = book.create_sheet("T")
    writer = RowWriter(sheet, 2)
    writer.append(["a", 1], [None, None])
    sheet.freeze_panes = "B2"
    sheet.column_dimensions["A"].width = 33
    sheet.auto_filter.ref = "A1:B1"
    path = tmp_path / "t.xlsx"
    book.save(path)
    read = openpyxl.load_workbook(path)["T"]
    assert read.freeze_panes == "B2"
    assert read.column_dimensions["A"].width == 33
    assert read.auto_filter.ref == "A1:B1"
    assert read["A1"].value == "a"


def test_a_link_points_into_the_workbook(tmp_path: Path) -> None:
    book = Workbook(write_only=True)
    book.create_sheet("Servers")
    writer = RowWriter(book.create_sheet("T"), 2)
    writer.append(["first", "EXCH01"], [None, None])
    writer.link(1, "'Servers'!A7", "EXCH01")
    writer.append(["second", "EXCH02"], [None, None])
    path = tmp_path / "t.xlsx"
    book.save(path)
    sheet = openpyxl.load_workbook(path)["T"]
    assert sheet["B1"].hyperlink is not None
    assert sheet["B1"].hyperlink.location == "'Servers'!A7"
    assert sheet["B2"].hyperlink is None
    with zipfile.ZipFile(path) as package:  # an internal link needs no relationship
        assert not any(name.endswith("sheet2.xml.rels") for name in package.namelist())


def test_text_that_xml_cannot_hold_stops_the_workbook(tmp_path: Path) -> None:
    # clean_text takes these out; one that slips past must not make a file Excel refuses.
    for text in ("bell\x07", "\uffff", "\ud800"):
        writer = RowWriter(Workbook(write_only=True).create_sheet("T"), 1)
        with pytest.raises(ValueError, match="not cleaned"):
            writer.append([text], [None])


def test_misuse_is_refused_rather_than_written() -> None:
    writer = RowWriter(Workbook(write_only=True).create_sheet("T"), 2)
    with pytest.raises(ValueError, match="needs a row"):
        writer.link(0, "'Servers'!A2", "x")
    with pytest.raises(ValueError, match="3 values and 3 styles for 2 columns"):
        writer.append(["a", "b", "c"], [None, None, None])
    with pytest.raises(TypeError, match="truth value"):
        writer.append([True, 1], [None, None])
