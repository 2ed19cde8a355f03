"""A catalogue run of the example fleet: per-article verdicts, JSON, workbook, waivers,
and several snapshots judged as one fleet.

The expected statuses are worked out by hand from examples/make_fleet.py (which builds
each server's files at one build: SP1 5.5.2232.18, SP2 5.5.2448.1, SP3 5.5.2650.24,
Exchange 5.0 5.0.1461.0) and the tables of Q197398 (5.5.2448.1, 13 files) and Q194504
(5.0.1461.71, 16 files; 5.5.2424.0, 13 files) in ../shared/kb.
"""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from auditor.audit import load_inventory, scan
from auditor.baseline import default_baseline_path, load_baseline
from auditor.cli import ExitCode, main
from auditor.reporting.xlsx_management import STATUS_COLOURS
from auditor.requirements import load_articles
from auditor.snapshot import read_snapshot, render_snapshot
from auditor.verdicts import Status, WaiverState
from auditor.waivers import Waiver, WaiverFile
from tests.conftest import REPO

FLEET = REPO / "examples" / "fleet"
CATALOGUE = REPO / "examples" / "catalogue"
Q197378 = REPO / "baselines" / "q197378.toml"
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)

SP1 = {"Q194504": "below-baseline", "Q197398": "below-baseline"}
FIXED = {"Q194504": "compliant", "Q197398": "compliant"}
EXPECTED = {
    "exposed-sp1-multihomed": {"Q197378": "exposed", **SP1},
    "exposed-ras-server-one-nic": {"Q197378": "exposed", **SP1},
    "below-baseline-sp1-single-homed": {"Q197378": "below-baseline", **SP1},
    "exposed-connector-without-override": {"Q197378": "exposed", **FIXED},
    "compliant-sp2-single-homed": {"Q197378": "compliant", **FIXED},
    "incomplete-missing-mtamsg": {
        "Q197378": "incomplete",
        "Q194504": "incomplete",
        "Q197398": "incomplete",
    },
    "compliant-sp3-multihomed-current-is-cs2": {"Q197378": "compliant", **FIXED},
    "compliant-sp3-w2k-unbound-second-nic": {"Q197378": "compliant", **FIXED},
    "incomplete-multihomed-connectors-unknown": {"Q197378": "incomplete", **FIXED},
    "not-applicable-exchange-50": {
        "Q197378": "not-applicable",
        "Q194504": "below-baseline",
        "Q197398": "not-applicable",
    },
}
WORST = {
    "exposed-sp1-multihomed": "exposed",
    "exposed-ras-server-one-nic": "exposed",
    "below-baseline-sp1-single-homed": "below-baseline",
    "exposed-connector-without-override": "exposed",
    "compliant-sp2-single-homed": "compliant",
    "incomplete-missing-mtamsg": "incomplete",
    "compliant-sp3-multihomed-current-is-cs2": "compliant",
    "compliant-sp3-w2k-unbound-second-nic": "compliant",
    "incomplete-multihomed-connectors-unknown": "incomplete",
    "not-applicable-exchange-50": "below-baseline",
}


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err, now=NOW)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def catalogue_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    folder = tmp_path_factory.mktemp("catalogue")
    code, out, _ = run(
        "scan", str(FLEET), "--baseline", str(Q197378), "--baseline", str(CATALOGUE),
        "--json", str(folder / "run.json"), "--xlsx", str(folder / "run.xlsx"),
        "--csv", str(folder / "run.csv"), "--quiet",
    )  # fmt: skip
    assert code == ExitCode.FINDINGS
    assert "Q194504   exposed 0" not in out and "Q194504" in out
    return json.loads((folder / "run.json").read_text(encoding="utf-8")), folder


def test_every_server_and_article_as_worked_out(catalogue_run: tuple[dict[str, Any], Path]) -> None:
    document, _ = catalogue_run
    got = {
        s["server"]: {a: v["status"] for a, v in s["articles"].items()} for s in document["servers"]
    }
    assert got == EXPECTED
    assert {s["server"]: s["status"] for s in document["servers"]} == WORST


def test_json_shape(catalogue_run: tuple[dict[str, Any], Path]) -> None:
    document, _ = catalogue_run
    assert (document["format"], document["version"]) == ("fixlevel-report", 2)
    assert [b["id"] for b in document["baselines"]] == ["Q197378", "Q194504", "Q197398"]
    q194504 = document["baselines"][1]
    assert q194504["product_lines"] == ["5.0", "5.5"]
    assert q194504["counts"]["below-baseline"] == 4
    server = next(s for s in document["servers"] if s["server"] == "exposed-sp1-multihomed")
    assert set(server["articles"]["Q197398"]) >= {"status", "reasons"}
    assert server["fix_level"] == [
        {"component": "MTA", "version": "5.5.2232.18", "label": "SP1", "lowest": "Ems_rid.dll"}
    ]
    # The server's reasons are its worst articles', each named.
    assert all(reason.startswith("Q197378: ") for reason in server["reasons"])


def test_q197378_reasons_are_those_of_a_plain_run(
    catalogue_run: tuple[dict[str, Any], Path],
) -> None:
    document, _ = catalogue_run
    plain = scan(FLEET, load_baseline(default_baseline_path()), load_inventory(FLEET, None))
    reasons = {v.server: list(v.reasons) for v in plain.servers}
    assert {
        s["server"]: s["articles"]["Q197378"]["reasons"] for s in document["servers"]
    } == reasons


def test_plain_run_has_no_catalogue_keys(tmp_path: Path) -> None:
    code, _, _ = run("scan", str(FLEET), "--json", str(tmp_path / "r.json"), "--quiet")
    assert code == ExitCode.FINDINGS
    document = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert "format" not in document and "baselines" not in document
    assert all("articles" not in server for server in document["servers"])


def test_fix_level_sheet_cell_by_cell(catalogue_run: tuple[dict[str, Any], Path]) -> None:
    _, folder = catalogue_run
    workbook = openpyxl.load_workbook(folder / "run.xlsx")
    sheet = workbook["Fix level"]
    rows = list(sheet.iter_rows())
    header = [cell.value for cell in rows[0]]
    assert header == [
        "Server",
        "Status",
        "MTA build",
        "Build label",
        "Q197378",
        "Q194504",
        "Q197398",
    ]
    seen = set()
    for row in rows[1:]:
        server = row[0].value
        seen.add(server)
        assert row[1].value == WORST[server]
        for cell, article in zip(row[4:], header[4:], strict=True):
            assert cell.value == EXPECTED[server][article]
            colour = STATUS_COLOURS[Status(cell.value)]
            assert cell.fill.fgColor.rgb.endswith(colour)
    assert seen == set(EXPECTED)
    inventory = {r[0]: r for r in workbook["Inventory"].iter_rows(values_only=True)}
    columns = inventory["Server"]
    emsmta = columns.index("Emsmta.exe")
    assert inventory["exposed-sp1-multihomed"][emsmta] == "5.5.2232.18"
    assert inventory["not-applicable-exchange-50"][columns.index("Address.dll")] == "missing"
    summary = [row for row in workbook["Summary"].iter_rows(values_only=True) if row[0]]
    counts = {row[0]: row for row in summary if row[0] in ("Q197378", "Q194504", "Q197398")}
    statuses = [status.value for status in Status]
    # Article, Title (over two merged columns), then a count per status.
    assert counts["Q197398"][3 + statuses.index("not-applicable")] == 1


def _articles() -> tuple[Any, ...]:
    return load_articles([Q197378, CATALOGUE])


def _waiver(server: str, article: str | None, line: int) -> Waiver:
    return Waiver(
        server, "accepted", "risk board", date(2027, 1, 31), None, f"w.toml:{line}", article
    )


def test_waivers_per_article() -> None:
    waivers = WaiverFile(
        "w.toml",
        (
            _waiver("not-applicable-exchange-50", "Q194504", 1),
            _waiver("below-baseline-sp1-single-homed", "Q197398", 2),
            _waiver("compliant-sp2-single-homed", "Q999999", 3),
        ),
    )
    articles = _articles()
    primary = articles[0].legacy
    assert primary is not None
    result = scan(
        FLEET, primary, load_inventory(FLEET, None), now=NOW, waivers=waivers, articles=articles
    )
    by_name = {v.server: v for v in result.servers}
    fifty = by_name["not-applicable-exchange-50"]
    assert fifty.status is Status.WAIVED
    assert fifty.underlying_status is Status.BELOW_BASELINE
    sp1 = by_name["below-baseline-sp1-single-homed"]
    assert sp1.status is Status.BELOW_BASELINE  # Q197378 and Q194504 still fail
    assert {a.article_id: a.verdict.status for a in sp1.articles}["Q197398"] is Status.WAIVED
    states = [(o.state, o.detail) for o in result.waivers]
    assert states[0][0] is WaiverState.APPLIED and states[1][0] is WaiverState.APPLIED
    assert states[2] == (WaiverState.UNUSED, "no article Q999999 in this run")


def test_judge_of_several_snapshots(tmp_path: Path) -> None:
    whole = tmp_path / "whole.json"
    assert run("collect", str(FLEET), "--facts", str(whole), "--quiet",
               "--baseline", str(Q197378), "--baseline", str(CATALOGUE))[0] == 0  # fmt: skip
    snapshot = read_snapshot(whole)
    half = len(snapshot.servers) // 2
    london, paris = tmp_path / "london.json", tmp_path / "paris.json"
    render_snapshot(replace(snapshot, servers=snapshot.servers[:half]), london)
    render_snapshot(replace(snapshot, servers=snapshot.servers[half:]), paris)
    targets = []
    for name, facts in (("one", [whole]), ("two", [london, paris])):
        target = tmp_path / f"{name}.json"
        code, _, err = run(
            "judge", *map(str, facts), "--baseline", str(Q197378), "--baseline", str(CATALOGUE),
            "--json", str(target),
        )  # fmt: skip
        assert code == ExitCode.FINDINGS, err
        targets.append(json.loads(target.read_text(encoding="utf-8")))
    one, two = ({s["server"]: s["articles"] for s in doc["servers"]} for doc in targets)
    assert one == two
    assert {s: {a: v["status"] for a, v in arts.items()} for s, arts in two.items()} == EXPECTED
    assert any(str(london) in note for note in targets[1]["notes"])


def test_a_server_in_two_snapshots_is_an_error_naming_both(tmp_path: Path) -> None:
    whole = tmp_path / "whole.json"
    assert run("collect", str(FLEET), "--facts", str(whole), "--quiet")[0] == 0
    snapshot = read_snapshot(whole)
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    render_snapshot(replace(snapshot, servers=snapshot.servers[:3]), first)
    render_snapshot(replace(snapshot, servers=snapshot.servers[2:4]), second)
    code, _, err = run("judge", str(first), str(second), "--json", str(tmp_path / "r.json"))
    assert code == ExitCode.FAILED
    assert str(first) in err and str(second) in err
    assert snapshot.servers[2].server in err


def test_trend_compares_per_article(tmp_path: Path) -> None:
    first = tmp_path / "first.json"
    code, _, _ = run(
        "scan", str(FLEET), "--baseline", str(Q197378), "--baseline", str(CATALOGUE),
        "--json", str(first), "--quiet",
    )  # fmt: skip
    assert code == ExitCode.FINDINGS
    # The earlier run as if the SP1 single-homed server had been fixed for Q197398 and the
    # 5.0 server not judged against Q194504.
    document = json.loads(first.read_text(encoding="utf-8"))
    for server in document["servers"]:
        if server["server"] == "below-baseline-sp1-single-homed":
            server["articles"]["Q197398"]["status"] = "compliant"
            server["articles"]["Q197398"]["underlying_status"] = "compliant"
        if server["server"] == "not-applicable-exchange-50":
            del server["articles"]["Q194504"]
    first.write_text(json.dumps(document), encoding="utf-8")
    second = tmp_path / "second.json"
    code, _, _ = run(
        "scan", str(FLEET), "--baseline", str(Q197378), "--baseline", str(CATALOGUE),
        "--json", str(second), "--previous", str(first), "--quiet",
    )  # fmt: skip
    assert code == ExitCode.FINDINGS
    rows = json.loads(second.read_text(encoding="utf-8"))["article_changes"]
    still = [
        {"server": name, "article": "Q197378", "change": "still_exposed",
         "previous_status": "exposed", "status": "exposed"}
        for name in ("exposed-connector-without-override", "exposed-ras-server-one-nic",
                     "exposed-sp1-multihomed")
    ]  # fmt: skip
    assert rows == [
        *still,
        {"server": "not-applicable-exchange-50", "article": "Q194504", "change": "added",
         "previous_status": None, "status": "below-baseline"},
        {"server": "below-baseline-sp1-single-homed", "article": "Q197398", "change": "other",
         "previous_status": "compliant", "status": "below-baseline"},
    ]  # fmt: skip


def test_the_trend_never_joins_a_catalogue_run_and_a_plain_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both archive under the primary's id (Q197378): a plain run after a catalogue run
    must not show the servers that only other articles failed as fixed, nor the other way."""
    monkeypatch.chdir(tmp_path)
    catalogue = ("--baseline", str(Q197378), "--baseline", str(CATALOGUE), "--quiet")

    def scan_on(day: int, *options: str) -> dict[str, Any]:
        out, err = io.StringIO(), io.StringIO()
        when = datetime(2026, 11, day, 12, 0, tzinfo=UTC)
        code = main(["scan", str(FLEET), *options], stdout=out, stderr=err, now=when)
        assert code == ExitCode.FINDINGS, err.getvalue()
        (path,) = (tmp_path / "reports").glob(f"*-Q4/*-2026-11-{day:02d}.json")
        document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return document

    scan_on(2, *catalogue)
    plain = scan_on(3, "--quiet")
    assert plain["trend"]["previous"] is None
    assert plain["trend"]["rows"] == []
    assert any("another article or set of articles" in note for note in plain["notes"])
    again = scan_on(4, *catalogue)
    assert again["trend"]["previous"]["generated_at"] == "2026-11-02T12:00:00+00:00"
    assert [row["change"] for row in again["article_changes"]].count("other") == 0


def test_a_server_whose_connectors_are_unknown_says_so_whatever_the_articles_order(
    tmp_path: Path,
) -> None:
    # The shipped catalogue: Q197378 is the 25th article, and the server is below a later
    # article's table, so its worst status is not incomplete; its connectors are still
    # unknown, and the Summary must count it rather than call every server covered.
    code, _, _ = run(
        "scan", str(FLEET), "--baseline", str(REPO / "baselines" / "catalogue"),
        "--json", str(tmp_path / "run.json"), "--quiet",
    )  # fmt: skip
    assert code == ExitCode.FINDINGS
    document = json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))
    unknown = {s["server"] for s in document["servers"] if s["connectors_unknown"]}
    assert unknown == {"incomplete-multihomed-connectors-unknown"}
    assert document["summary"]["connectors_unknown"] == 1
