"""The done-when of issue 13: `auditor scan examples/fleet --baseline baselines/catalogue`
gives a Fix level sheet that is right cell by cell.

The expected cell of each (server, MTA article) is worked out by a route that shares no
code with the evaluator: the article TOMLs and the service packs' file lists read with
tomllib, and each example server's build and files as examples/make_fleet.py builds them
(its version constants; the server-to-build map below is copied from its build()). Cells
of other components, which the example servers do not carry, are checked for the reason
the evaluator gives.
"""

from __future__ import annotations

import io
import sys
import tomllib
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from auditor.cli import ExitCode, main
from tests.builders.mta_files import PE_FILES
from tests.conftest import REPO

sys.path.insert(0, str(REPO / "examples"))
import make_fleet

FLEET = REPO / "examples" / "fleet"
CATALOGUE = REPO / "baselines" / "catalogue"
SERVICE_PACKS = REPO / "baselines" / "servicepacks" / "exchange55.toml"

# From make_fleet.build(): each server's build, and the PE files it leaves out.
BUILDS = {
    "exposed-sp1-multihomed": make_fleet.SP1,
    "exposed-connector-without-override": make_fleet.SP2,
    "below-baseline-sp1-single-homed": make_fleet.SP1,
    "incomplete-missing-mtamsg": make_fleet.SP2,
    "compliant-sp3-multihomed-current-is-cs2": make_fleet.SP3,
    "compliant-sp2-single-homed": make_fleet.SP2,
    "not-applicable-exchange-50": make_fleet.EX50,
    "incomplete-multihomed-connectors-unknown": make_fleet.SP3,
    "exposed-ras-server-one-nic": make_fleet.SP1,
    "compliant-sp3-w2k-unbound-second-nic": make_fleet.SP3,
}
SKIPPED = {"incomplete-missing-mtamsg": {"mtamsg.dll"}}
# Servers whose evidence is a SYSTEM hive, which lists every service key: a component
# whose key is missing there is shown not installed. The others carry an export of the
# MTA's keys only.
HIVES = {
    "below-baseline-sp1-single-homed",
    "compliant-sp3-multihomed-current-is-cs2",
    "compliant-sp3-w2k-unbound-second-nic",
}
INITIAL = {
    "exposed": "E",
    "below-baseline": "B",
    "incomplete": "I",
    "compliant": "C",
    "not-applicable": "N",
}


def numbers(version: str) -> tuple[int, ...]:
    parts = [int(part) for part in version.split(".")]
    return tuple(parts + [0] * (4 - len(parts)))


def line_of(version: str) -> str:
    return ".".join(version.split(".")[:2])


def load_toml(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


ARTICLES = {
    document["id"]: document
    for document in (load_toml(path) for path in sorted(CATALOGUE.glob("*.toml")))
    # q197378.toml extends the shipped baseline, taking its connector rule: checked apart.
    if "extends" not in document
}
SP_FILES = {
    release["label"]: release.get("files", {}) for release in load_toml(SERVICE_PACKS)["releases"]
}


# The PE files of the other components' articles (IMC, IS, cc:Mail, CDO), as they print them.
OTHER_COMPONENTS = {
    "msexcimc.exe", "imcmsg.dll", "store.exe", "mdbmsg.dll", "gapi32.dll", "netif.dll",
    "ccmc.exe", "ccmsg.dll", "cdo.dll",
}  # fmt: skip


def is_mta_article(document: dict[str, Any]) -> bool:
    """No file of another component: the MTA's articles, whose 5.0 tables also list
    Address.dll, Mmiext.dll, Mtalog.dll and Saalog.dll, and Q280411 its Mtaperf.dll (files
    the example servers lack)."""
    names = {f["name"].casefold() for f in document["files"] if f.get("kind") == "pe"}
    return not names & OTHER_COMPONENTS and not any(f.get("component") for f in document["files"])


def expected(document: dict[str, Any], server: str) -> str:
    """The statuses of DESIGN.md section 2 for an MTA article, without a registry rule."""
    build = BUILDS[server]
    line = line_of(build)
    installed = {name.casefold() for name in PE_FILES} - SKIPPED.get(server, set())
    table = [
        item
        for item in document["files"]
        if item.get("kind") == "pe"
        and (item.get("product_line") or line_of(item["version"])) == line
    ]
    if not table:
        return "not-applicable"  # the server's MTA files are of a line with no table
    sp = document.get("fixed_in_service_pack")
    below = missing = False
    for item in table:
        required = numbers(item["version"])
        own = SP_FILES.get(sp, {}).get(item["name"].casefold()) if sp else None
        if own is not None and line_of(own) == line and numbers(own) < required:
            required = numbers(own)  # the fixing service pack's own file satisfies it
        if item["name"].casefold() not in installed:
            missing = True
        elif numbers(build) < required:
            below = True
    return "below-baseline" if below else "incomplete" if missing else "compliant"


def promised(server: str) -> str:
    """Q197378 (with its connector rule) gives the status each folder is named after."""
    return next(status for status in INITIAL if server.startswith(f"{status}-"))


@pytest.fixture(scope="module")
def sheet(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("fix-level")
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["scan", str(FLEET), "--baseline", str(CATALOGUE), "--previous", "none", "--quiet",
         "--xlsx", str(folder / "run.xlsx"), "--json", str(folder / "run.json")],
        stdout=out, stderr=err,
    )  # fmt: skip
    assert code == ExitCode.FINDINGS, err.getvalue()
    rows = list(
        openpyxl.load_workbook(folder / "run.xlsx")["Fix level"].iter_rows(values_only=True)
    )
    header = rows[0]
    return {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}


def test_every_server_and_article_is_a_row_and_a_column(sheet: dict[str, Any]) -> None:
    assert set(sheet) == set(BUILDS)
    columns = set(next(iter(sheet.values()))) - {"Server", "Status", "MTA build", "Build label"}
    assert columns == {*ARTICLES, "Q197378"}


def test_every_mta_article_cell_as_worked_out_from_the_tables(sheet: dict[str, Any]) -> None:
    mta = [article for article, document in ARTICLES.items() if is_mta_article(document)]
    assert len(mta) >= 24  # the MTA fixes from 5.5.2329 to 5.5.2512, and Q280411
    wrong = {
        (server, article): (row[article], expected(ARTICLES[article], server))
        for server, row in sheet.items()
        for article in mta
        if row[article] != expected(ARTICLES[article], server)
    }
    assert wrong == {}


def test_q197378_cells_are_the_statuses_the_folders_promise(sheet: dict[str, Any]) -> None:
    assert {server: row["Q197378"] for server, row in sheet.items()} == {
        server: promised(server) for server in sheet
    }


def test_mta_build_and_label_are_the_servers_build(sheet: dict[str, Any]) -> None:
    # The service packs' own builds; 5.0.1461.0 is labelled by q197378.toml's build table.
    labels = {make_fleet.SP1: "SP1", make_fleet.SP2: "SP2", make_fleet.SP3: "SP3",
              make_fleet.EX50: "Exchange 5.0"}  # fmt: skip
    for server, row in sheet.items():
        assert row["MTA build"] == BUILDS[server]
        assert row["Build label"] == labels.get(BUILDS[server])


def test_the_servers_status_is_its_worst_cell(sheet: dict[str, Any]) -> None:
    order = list(INITIAL)
    for row in sheet.values():
        cells = [row[article] for article in (*ARTICLES, "Q197378")]
        assert row["Status"] == min(cells, key=order.index)


def test_other_components_are_said_for_what_they_are(tmp_path: Path) -> None:
    """The IMC, IS, IMS, cc:Mail and CDO articles: no example server carries their files.
    Where the server's hive shows the component's service key missing it is not
    installed; an export of the MTA's keys cannot show that, so the cell is incomplete and
    says which file is not in the evidence; a server of another product line than every
    table of the article is not-applicable."""
    import json

    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["scan", str(FLEET), "--baseline", str(CATALOGUE), "--previous", "none", "--quiet",
         "--json", str(tmp_path / "run.json")],
        stdout=out, stderr=err,
    )  # fmt: skip
    assert code == ExitCode.FINDINGS
    servers = json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))["servers"]
    others = [a for a, d in ARTICLES.items() if not is_mta_article(d) and a != "Q232391"]
    assert sorted(others) == ["Q193534", "Q195971", "Q217195", "Q234745", "Q312273"]
    for server in servers:
        name = server["server"]
        for article in others:
            verdict = server["articles"][article]
            status, reasons = verdict["status"], verdict["reasons"]
            document = ARTICLES[article]
            lines = {
                item.get("product_line") or line_of(item["version"]) for item in document["files"]
            }
            if line_of(BUILDS[name]) not in lines:
                assert status == "not-applicable", (name, article)
                assert "it does not apply" in reasons[0]
            elif name in HIVES and document.get("component"):
                assert status == "not-applicable", (name, article)
                assert reasons[0].startswith("component not installed: no MSExchange")
            else:
                assert status == "incomplete", (name, article)
                first = document["files"][0]["name"]
                assert f"{first} is not in the evidence" in reasons
