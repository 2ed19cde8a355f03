"""`auditor report RUN.json` of a catalogue run: the rebuilt workbook equals the original.

A scan with two articles (one waived on one server, narrowed to one article) writes its
JSON and workbook; the JSON alone is rendered again, and every sheet's cells (value, fill,
number format) are compared with openpyxl. The JSON read back and written again is the
JSON read.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openpyxl

from auditor.cli import ExitCode, main
from auditor.reporting import build_report
from auditor.reporting.json import to_json_dict
from auditor.reporting.json_load import read_result
from tests.conftest import REPO

FLEET = REPO / "examples" / "fleet"
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
ARTICLES = (
    REPO / "baselines" / "catalogue" / "q197398.toml",
    REPO / "examples" / "catalogue" / "q194504.toml",
)
WAIVERS = """\
[[waiver]]
server = "not-applicable-exchange-50"
reason = "retired in January"
approved_by = "IT risk"
expires = 2027-01-31
article = "Q194504"
"""


def run(*argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err, now=NOW)
    return code, out.getvalue() + err.getvalue()


Cell = tuple[object, object, str]


def cells(path: Path) -> dict[str, list[list[Cell]]]:
    """Each sheet's cells: value, fill colour (None unfilled) and number format."""
    workbook = openpyxl.load_workbook(path)
    return {
        sheet.title: [[_cell(cell) for cell in row] for row in sheet.iter_rows()]
        for sheet in workbook.worksheets
    }


def _cell(cell: Any) -> Cell:
    fill = cell.fill.fgColor.rgb if cell.fill.fill_type else None
    return (cell.value, fill, cell.number_format)


def test_rebuilt_catalogue_workbook_equals_the_original(tmp_path: Path) -> None:
    waivers = tmp_path / "waivers.toml"
    waivers.write_text(WAIVERS, encoding="utf-8")
    first, second = tmp_path / "scan", tmp_path / "rebuilt"
    code, text = run(
        "scan", str(FLEET), "--baseline", str(ARTICLES[0]), "--baseline", str(ARTICLES[1]),
        "--waivers", str(waivers), "--previous", "none",
        "--json", str(first / "run.json"), "--xlsx", str(first / "run.xlsx"), "--quiet",
    )  # fmt: skip
    assert code == ExitCode.FINDINGS, text
    code, text = run("report", str(first / "run.json"), "--xlsx", str(second / "run.xlsx"))
    assert code == ExitCode.OK, text

    original, rebuilt = cells(first / "run.xlsx"), cells(second / "run.xlsx")
    assert {"Fix level", "Inventory"} <= set(original)
    assert list(rebuilt) == list(original)
    for title in original:
        assert rebuilt[title] == original[title], title
    # What makes the comparison worth having: a catalogue workbook, per-article counts on
    # the Summary, and the waived (server, article) cell.
    summary = [row[0][0] for row in original["Summary"]]
    assert "Servers per status, by article" in summary
    fix_level = {row[0][0]: [cell[0] for cell in row] for row in original["Fix level"]}
    assert fix_level["Server"][4:] == ["Q197398", "Q194504"]
    assert fix_level["not-applicable-exchange-50"][4:] == ["not-applicable", "waived"]


def test_catalogue_json_read_back_is_written_again_unchanged(tmp_path: Path) -> None:
    waivers = tmp_path / "waivers.toml"
    waivers.write_text(WAIVERS, encoding="utf-8")
    code, text = run(
        "scan", str(FLEET), "--baseline", str(ARTICLES[0]), "--baseline", str(ARTICLES[1]),
        "--waivers", str(waivers), "--previous", "none", "--json", str(tmp_path / "run.json"),
        "--quiet",
    )  # fmt: skip
    assert code == ExitCode.FINDINGS, text
    saved = json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))
    result = read_result(tmp_path / "run.json")
    assert [article.article_id for article in result.articles] == ["Q197398", "Q194504"]
    again = json.loads(json.dumps(to_json_dict(result, build_report(result))))
    assert again == saved
    waived = next(s for s in saved["servers"] if s["server"] == "not-applicable-exchange-50")
    assert waived["articles"]["Q194504"]["waivers"][0]["article"] == "Q194504"
