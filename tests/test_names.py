"""Server names: hidden characters shown, NFC/NFD twins one server, matched everywhere."""

from __future__ import annotations

import io
import json
import shutil
import unicodedata
from pathlib import Path

import openpyxl
import pytest

from auditor.cli import main
from auditor.names import holds_hidden, name_key, server_name

RLO = "\u202e"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (f"SAFE{RLO}01-HCXE", "SAFE<U+202E>01-HCXE"),
        ("EXCH\u200b01", "EXCH<U+200B>01"),
        ("EXCH\u00a001", "EXCH<U+00A0>01"),
        ("EXCH\u206601\u2069", "EXCH<U+2066>01<U+2069>"),
        ("EXCH\uffff01\ufffe", "EXCH<U+FFFF>01<U+FFFE>"),
        ("Cafe\u0301", "Caf\u00e9"),
        ("EXCH 01", "EXCH 01"),
        ("MTA-Zürich", "MTA-Zürich"),
    ],
)
def test_a_name_is_shown_with_its_hidden_characters_visible(raw: str, shown: str) -> None:
    assert server_name(raw) == shown
    assert holds_hidden(server_name(raw)) == (shown != unicodedata.normalize("NFC", raw))


def test_twins_share_a_key_and_lookalikes_do_not() -> None:
    assert name_key("CAFE\u0301") == name_key("caf\u00e9")
    assert name_key("EXCH\u200b01") != name_key("EXCH01")


def _scan(fleet: Path, tmp_path: Path, *extra: str) -> tuple[int, str, dict[str, object]]:
    out, err = io.StringIO(), io.StringIO()
    paths = [f"--{kind}={tmp_path / f'r.{kind}'}" for kind in ("xlsx", "csv", "json")]
    code = main(["scan", str(fleet), *paths, *extra], stdout=out, stderr=err)
    assert code in (0, 1), err.getvalue()
    return code, out.getvalue(), json.loads((tmp_path / "r.json").read_text())


def test_a_bidi_override_is_shown_and_warned_of_in_every_report(
    fleet: Path, tmp_path: Path
) -> None:
    shutil.copytree(fleet / "compliant-sp2-single-homed", fleet / f"SAFE{RLO}01-HCXE")
    _, console, document = _scan(fleet, tmp_path)
    servers = {s["server"]: s for s in document["servers"]}  # type: ignore[union-attr]
    shown = servers["SAFE<U+202E>01-HCXE"]
    assert shown["status"] == "compliant"
    assert any("<U+XXXX>" in warning for warning in shown["warnings"])
    assert "SAFE<U+202E>01-HCXE" in console and RLO not in console
    csv_text = (tmp_path / "r.csv").read_text(encoding="utf-8-sig")
    assert "SAFE<U+202E>01-HCXE" in csv_text and RLO not in csv_text
    cells = [
        str(cell.value)
        for sheet in openpyxl.load_workbook(tmp_path / "r.xlsx").worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    ]
    assert "SAFE<U+202E>01-HCXE" in cells
    assert [cell for cell in cells if RLO in cell] == []


def test_nfc_and_nfd_twins_in_the_fleet_are_one_server(fleet: Path, tmp_path: Path) -> None:
    shutil.copytree(fleet / "compliant-sp2-single-homed", fleet / "Caf\u00e9")
    shutil.copytree(fleet / "compliant-sp2-single-homed", fleet / "Cafe\u0301")
    _, _, document = _scan(fleet, tmp_path)
    twins = [s for s in document["servers"] if s["server"] == "Caf\u00e9"]  # type: ignore[union-attr]
    assert len(twins) == 1 and twins[0]["status"] == "incomplete"
    assert "twice" in " ".join(twins[0]["reasons"])


def test_an_nfd_folder_matches_its_nfc_connectors_rows_and_waiver(
    fleet: Path, tmp_path: Path
) -> None:
    old = "compliant-sp3-multihomed-current-is-cs2"
    (fleet / old).rename(fleet / "Cafe\u0301-MTA")
    inventory = fleet / "connectors.csv"
    inventory.write_text(inventory.read_text().replace(old, "CAF\u00c9-mta"), encoding="utf-8")
    shutil.copytree(fleet / "exposed-sp1-multihomed", fleet / "Zu\u0308rich")
    waivers = tmp_path / "w.toml"
    waivers.write_text(
        '[[waiver]]\nserver = "Z\u00fcrich"\nreason = "r"\napproved_by = "a"\n'
        "expires = 2099-01-01\n",
        encoding="utf-8",
    )
    _, _, document = _scan(fleet, tmp_path, f"--waivers={waivers}")
    statuses = {s["server"]: s["status"] for s in document["servers"]}  # type: ignore[union-attr]
    assert statuses["Caf\u00e9-MTA"] == "compliant"
    assert statuses["Z\u00fcrich"] == "waived"
    assert "CAF\u00c9-mta" not in statuses
