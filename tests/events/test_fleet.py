"""Done when: a multihomed sender and two receivers give an Events sheet whose counts and
causes are exactly right, and the restart warning in its case (issue 14)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from auditor.audit import gather, judge, load_inventory, scan
from auditor.reporting.json import to_json_dict
from auditor.reporting.model import build_report
from auditor.reporting.xlsx import render_xlsx
from auditor.snapshot import read_snapshot, render_snapshot
from tests import scenarios
from tests.builders.bundle import zip_folder
from tests.events.fleet import build_fleet

# Counted by hand from tests/events/fleet.py's b_events, not by the code under test.
EVENTS = [
    ["MTA-B", "MTA-A", "10.0.0.6", "random-source-address",
     "2000-02-28T12:00:00+00:00", "2000-03-02T12:50:00+00:00", 9, 4, "MTA-B"],
    ["MTA-B", None, "192.168.7.9", "outside-fleet",
     "2000-02-28T12:03:20+00:00", "2000-02-28T12:04:21+00:00", 2, 0, "MTA-B"],
    ["MTA-B", None, "RemoteMTA", "name-resolution",
     "2000-02-28T12:01:40+00:00", "2000-02-28T12:01:41+00:00", 2, 1, "MTA-B"],
]  # fmt: skip


def utc_naive(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC).replace(tzinfo=None)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_fleet(tmp_path_factory.mktemp("fleet9301"))


def audit(fleet: Path):
    return scan(fleet, scenarios.baseline(), load_inventory(fleet, None), workers=1)


def test_the_events_sheet_is_exactly_right(fleet: Path, tmp_path: Path) -> None:
    path = tmp_path / "report.xlsx"
    render_xlsx(build_report(audit(fleet)), path)
    book = load_workbook(path, read_only=True)
    rows = [list(row) for row in book["Events"].iter_rows(values_only=True)]
    assert rows[0] == [
        "Receiver", "Sender", "Address", "Cause", "First seen", "Last seen", "Count",
        "Refused", "Stack server",
    ]  # fmt: skip
    # The times are Excel dates in UTC, formatted with their zone, not text.
    assert rows[1:] == [
        [*row[:4], utc_naive(row[4]), utc_naive(row[5]), *row[6:]] for row in EVENTS
    ]
    sheet = load_workbook(path)["Events"]
    for cell in (*sheet["E"][1:], *sheet["F"][1:]):
        assert cell.is_date and cell.number_format == 'yyyy-mm-dd hh:mm:ss "UTC"'
    servers = [list(row) for row in book["Servers"].iter_rows(values_only=True)]
    column = servers[0].index("Refused connections observed")
    observed = {row[0]: row[column] for row in servers[1:]}
    assert observed == {"MTA-A": 4, "MTA-B": "not covered", "MTA-C": "not covered"}


def test_the_json_carries_the_events_and_each_servers_refused_connections(fleet: Path) -> None:
    result = audit(fleet)
    document = to_json_dict(result, build_report(result))
    assert [list(item.values())[:8] for item in document["events"]] == [row[:8] for row in EVENTS]
    assert set(document["events"][0]) >= {
        "receiver", "sender", "address", "cause", "first_seen", "last_seen", "count", "refused",
    }  # fmt: skip
    servers = {item["server"]: item for item in document["servers"]}
    assert {name: item["refused_connections"] for name, item in servers.items()} == {
        "MTA-A": 4,
        "MTA-B": None,
        "MTA-C": None,
    }
    sender = servers["MTA-A"]
    assert sender["status"] == "compliant"  # status rules do not change
    assert (
        "observed: 4 refused connections from 10.0.0.6 at MTA-B between "
        "2000-02-28T12:00:00+00:00 and 2000-03-02T12:50:00+00:00"
    ) in sender["reasons"]
    (restart,) = [w for w in sender["warnings"] if "restart it" in w]
    assert restart.startswith("the MTA has not picked up the override: restart it (10.0.0.6")
    assert "2000-03-01T12:00:00+00:00" in restart  # the hive's last-write time of the key
    assert "does not log 9301 (Q234962): no evidence either way" in servers["MTA-C"]["warnings"]
    assert not any("Q234962" in w for w in servers["MTA-B"]["warnings"])


def test_a_snapshot_carries_the_events_to_a_later_judgement(fleet: Path, tmp_path: Path) -> None:
    baseline = scenarios.baseline()
    inventory = load_inventory(fleet, None)
    snapshot = gather(fleet, baseline, inventory, workers=1)
    render_snapshot(snapshot, tmp_path / "facts.json")
    again = judge(read_snapshot(tmp_path / "facts.json"), baseline, now=snapshot.collected_at)
    direct = judge(snapshot, baseline, now=snapshot.collected_at)
    assert again.events == direct.events and len(again.events) == 3
    assert again.servers == direct.servers


def test_a_zipped_fleet_reads_the_same_events(fleet: Path, tmp_path: Path) -> None:
    zipped = tmp_path / "zipped"
    zipped.mkdir()
    for name in ("MTA-A", "MTA-B", "MTA-C"):
        zip_folder(fleet / name, zipped / f"{name}.zip")
    (zipped / "connectors.csv").write_bytes((fleet / "connectors.csv").read_bytes())
    assert audit(zipped).events == audit(fleet).events


@pytest.mark.parametrize("min_items", [0, 1000], ids=["worker processes", "in process"])
def test_a_scan_judges_the_events_as_collect_then_judge_does(
    fleet: Path, monkeypatch: pytest.MonkeyPatch, min_items: int
) -> None:
    # A scan keeps of each judged server only what the events are judged on (judged_facts);
    # the events must come out as they do from the whole facts.
    monkeypatch.setattr("auditor.pool.MIN_PROCESS_ITEMS", min_items)
    baseline = scenarios.baseline()
    inventory = load_inventory(fleet, None)
    now = datetime(2026, 1, 2, tzinfo=UTC)
    scanned = scan(fleet, baseline, inventory, now=now)
    apart = judge(gather(fleet, baseline, inventory, now=now), baseline, now=now)
    assert scanned.events == apart.events and len(scanned.events) == 3
    assert scanned.servers == apart.servers
