"""The example fleet's workbook read back: the worklist, the links, the filters, the panes,
the dates, the short reasons and the registry files beside it.

The example fleet's statuses are pinned by its own tests; the SP1 files there are
5.5.2232.18 (examples/make_fleet.py), which is where the expected reason comes from.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from auditor.cli import main
from auditor.reporting.remediation import ACTIONS
from tests.conftest import EXAMPLE_FLEET

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
TABLE_SHEETS = ("Changes", "Remediation", "Servers", "Files", "Connectors", "Warnings", "Waivers")


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    folder = tmp_path_factory.mktemp("reports")
    out, err = io.StringIO(), io.StringIO()
    argv = ["scan", str(EXAMPLE_FLEET), "--xlsx", str(folder / "r.xlsx"), "--previous", "none"]
    assert main(argv, stdout=out, stderr=err, now=NOW) == 1, err.getvalue()
    assert "wrote 1 registry file to import in" in out.getvalue()
    return folder, openpyxl.load_workbook(folder / "r.xlsx")


def rows(sheet: Any) -> list[dict[str, Any]]:
    header = [cell.value for cell in sheet[1]]
    return [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(2, values_only=True)]


def test_every_table_sheet_is_filtered_with_the_server_column_frozen(scanned: Any) -> None:
    _, book = scanned
    for title in TABLE_SHEETS:
        sheet = book[title]
        header = [cell.value for cell in sheet[1]]
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:"), title
        server = header.index("Server") + 2 if "Server" in header else 2
        assert sheet.freeze_panes == f"{openpyxl.utils.get_column_letter(server)}2", title


def test_remediation_is_a_worklist_linked_to_the_servers_sheet(scanned: Any) -> None:
    _, book = scanned
    sheet = book["Remediation"]
    work = rows(sheet)
    assert {row["Action"] for row in work} <= set(ACTIONS)
    servers = [row["Server"] for row in rows(book["Servers"])]
    header = [cell.value for cell in sheet[1]]
    column = header.index("Server") + 1
    for number in range(2, sheet.max_row + 1):
        cell = sheet.cell(number, column)
        # The link's target row holds that very server on the Servers sheet.
        target = int(cell.hyperlink.location.rsplit("A", 1)[1])
        assert cell.hyperlink.location.startswith("'Servers'!")
        assert servers[target - 2] == cell.value
    by_server: dict[str, list[dict[str, Any]]] = {}
    for row in work:
        by_server.setdefault(row["Server"], []).append(row)
    override = by_server["exposed-connector-without-override"]
    assert [row["Action"] for row in override] == ["set the override", "restart the MTA"]
    assert override[0]["File or registry key"].endswith(r"\Parameters\TCP to PARIS")
    assert "10.0.1.5" in override[0]["Value to set"]
    assert "remediation/exposed-connector-without-override.reg" in override[0]["Detail"]
    (missing,) = by_server["incomplete-missing-mtamsg"]
    assert missing["Action"] == "collect evidence"
    assert missing["File or registry key"].casefold().endswith("exchsrvr/bin/mtamsg.dll")
    install = by_server["below-baseline-sp1-single-homed"][0]
    assert (install["Action"], install["Value to set"]) == ("install the fix", "5.5.2431.0")


def test_the_registry_file_is_beside_the_workbook(scanned: Any) -> None:
    folder, _ = scanned
    files = sorted(p.name for p in (folder / "remediation").iterdir())
    assert files == ["exposed-connector-without-override.reg"]


def test_servers_reasons_are_short_and_columns_say_what_they_hold(scanned: Any) -> None:
    _, book = scanned
    servers = {row["Server"]: row for row in rows(book["Servers"])}
    reason = servers["below-baseline-sp1-single-homed"]["Reasons"]
    assert reason.startswith("6 MTA files below 5.5.2431.0, lowest 5.5.2232.18;")
    files = [cell.value for cell in book["Files"][1]]
    assert files.index("Required version") == files.index("File version") + 2
    baseline = {row["Name"]: row["Value"] for row in rows(book["Baseline"])}
    assert baseline["Baseline file"] == "q197378.toml"  # its name, not where it is installed


def test_dates_are_dates_and_empty_sheets_say_why(scanned: Any) -> None:
    _, book = scanned
    summary = {row[0]: row[1:] for row in book["Summary"].iter_rows(values_only=True) if row[0]}
    assert summary["Audit date"][0] == datetime(2026, 11, 24, 9, 30)
    assert "yyyy-mm-dd" in next(
        row[1].number_format for row in book["Summary"].iter_rows() if row[0].value == "Audit date"
    )
    history = [row for row in book["Summary"].iter_rows(values_only=True) if row[0] == "2026-Q4"]
    assert isinstance(history[0][1], datetime)
    share, note = summary["Share compliant"][:2]
    assert share == pytest.approx(3 / 9)  # 3 compliant of the 9 the fix applies to
    assert "not-applicable left out" in note
    assert book["Changes"]["A2"].value.startswith("not compared")
    assert book["Waivers"]["A2"].value == "no waivers file"


def test_waiver_expiry_is_a_date(tmp_path: Path) -> None:
    from tests.test_quarterly import WAIVERS, fleet

    root = fleet(tmp_path / "f", {"c": "exposed-sp1-multihomed"})
    (root / "waivers.toml").write_text(WAIVERS, encoding="utf-8")
    argv = ["scan", str(root), "--xlsx", str(tmp_path / "w.xlsx"), "--previous", "none"]
    main(argv, stdout=io.StringIO(), stderr=io.StringIO(), now=NOW)
    book = openpyxl.load_workbook(tmp_path / "w.xlsx")
    expires = {row["Server"]: row["Expires"] for row in rows(book["Waivers"])}
    assert expires["c"] == datetime.combine(date(2027, 1, 31), datetime.min.time())
    assert book["Summary"]["A1"].value.endswith("; 1 risk accepted until 2027-01-31.")
