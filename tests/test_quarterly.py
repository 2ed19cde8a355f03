"""The quarterly workflow through the CLI: runs compared, four quarters of trend, waivers.

Fleets are assembled from the example fleet's server folders under new names, so each
server's status is known before the scan (the example fleet's tests pin those statuses).
No connectors inventory is used: the servers picked do not need one for their status.
"""

from __future__ import annotations

import io
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest

from auditor.cli import ExitCode, main
from tests.conftest import EXAMPLE_FLEET

EXPOSED = "exposed-sp1-multihomed"
COMPLIANT = "compliant-sp2-single-homed"
BELOW = "below-baseline-sp1-single-homed"


def fleet(root: Path, servers: dict[str, str]) -> Path:
    """A fleet folder with one copy of an example server per name."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    for name, example in servers.items():
        shutil.copytree(EXAMPLE_FLEET / example, root / name)
    return root


def run(*argv: str, now: datetime) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err, now=now)
    return code, out.getvalue(), err.getvalue()


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T09:00:00").replace(tzinfo=UTC)


def test_two_runs_give_exactly_the_expected_changes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no archive here: only --previous counts
    before = fleet(
        tmp_path / "q3",
        {
            "stays": EXPOSED,
            "fixed": EXPOSED,
            "breaks": COMPLIANT,
            "gone": COMPLIANT,
            "quiet": BELOW,
        },
    )
    code, _, err = run("scan", str(before), "--json", "q3.json", now=at("2026-09-20"))
    assert code == ExitCode.FINDINGS, err
    after = fleet(
        tmp_path / "q4",
        # "Stays" in another case is the same server: Windows names are case-insensitive.
        {"Stays": EXPOSED, "fixed": COMPLIANT, "breaks": EXPOSED, "new": EXPOSED, "quiet": BELOW},
    )
    code, out, err = run(
        "scan", str(after), "--json", "q4.json", "--xlsx", "q4.xlsx", "--previous", "q3.json",
        now=at("2026-11-24"),
    )  # fmt: skip
    assert code == ExitCode.FINDINGS, err
    data = json.loads(Path("q4.json").read_text(encoding="utf-8"))
    assert data["changes"] == {
        "newly_exposed": ["breaks"],
        "remediated": ["fixed"],
        "still_exposed": ["Stays"],
        "added": ["new"],
        "removed": ["gone"],
    }
    rows = {row["server"]: row for row in data["trend"]["rows"]}
    assert rows["Stays"]["exposed_runs"] == 2
    assert rows["breaks"]["exposed_runs"] == 1
    assert "quiet" not in rows  # below the baseline both times: no change
    assert (
        "3 of 5 servers are exposed to Q197378, 1 is below the fix; "
        "1 more exposed than at the last audit" in out
    )
    sheet = openpyxl.load_workbook("q4.xlsx")["Changes"]
    changes = {row[0]: row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert changes == {
        "breaks": "newly exposed",
        "fixed": "remediated",
        "Stays": "still exposed",
        "new": "added",
        "gone": "removed",  # as the JSON says
    }


@pytest.mark.parametrize("command", ["scan", "judge"])
def test_an_unreadable_previous_run_stops_before_any_server_is_read(command, tmp_path, monkeypatch):
    import auditor.cli

    def no_scanning(*args, **kwargs):
        raise AssertionError("the fleet was read before --previous")

    facts = tmp_path / "facts.json"
    assert run("collect", str(EXAMPLE_FLEET), f"--facts={facts}", now=at("2026-11-24"))[0] == 0
    monkeypatch.setattr(auditor.cli, "scan", no_scanning)
    monkeypatch.setattr(auditor.cli, "judge", no_scanning)
    bad = tmp_path / "bad.json"
    bad.write_text('{"not": "a report"}', encoding="utf-8")
    target = str(EXAMPLE_FLEET) if command == "scan" else str(facts)
    code, _, err = run(
        command, target, "--json", str(tmp_path / "x.json"), "--previous", str(bad),
        now=at("2026-11-24"),
    )  # fmt: skip
    assert code == ExitCode.FAILED
    assert f"{bad}: not a fixlevel JSON report" in err
    assert not (tmp_path / "x.json").exists()


def test_a_previous_run_that_is_not_there_is_a_usage_error(tmp_path):
    code, _, err = run(
        "scan", str(EXAMPLE_FLEET), "--json", str(tmp_path / "x.json"),
        "--previous", str(tmp_path / "nope.json"), now=at("2026-11-24"),
    )  # fmt: skip
    assert code == ExitCode.USAGE
    assert "nope.json: no such previous run" in err


QUARTERS = [
    # (day, servers): the exposed count goes 3, 2, 2, 1; "c" is exposed all year.
    ("2026-02-10", {"a": EXPOSED, "b": EXPOSED, "c": EXPOSED, "d": COMPLIANT}),
    ("2026-05-12", {"a": COMPLIANT, "b": EXPOSED, "c": EXPOSED, "d": COMPLIANT}),
    ("2026-08-11", {"a": COMPLIANT, "b": EXPOSED, "c": EXPOSED, "d": BELOW}),
    ("2026-11-10", {"a": COMPLIANT, "b": COMPLIANT, "c": EXPOSED, "d": BELOW, "e": EXPOSED}),
]

WAIVERS = """\
[[waiver]]
server = "c"
reason = "replaced by the new site in January"
approved_by = "J. Smith, IT risk"
expires = 2027-01-31

[[waiver]]
server = "d"
reason = "lab server"
approved_by = "A. Jones"
expires = 2026-10-31

[[waiver]]
server = "zz-retired"
reason = "retired"
approved_by = "A. Jones"
expires = 2027-12-31
"""


@pytest.fixture
def four_quarters(tmp_path, monkeypatch):
    """Four quarterly scans into reports/ under the current folder; the last with waivers."""
    monkeypatch.chdir(tmp_path)
    for day, servers in QUARTERS:
        root = fleet(tmp_path / "fleet", servers)
        if day == QUARTERS[-1][0]:
            (root / "waivers.toml").write_text(WAIVERS, encoding="utf-8")
        code, out, err = run("scan", str(root), now=at(day))
        assert code in (ExitCode.OK, ExitCode.FINDINGS), err
    stem = tmp_path / "reports" / "2026-Q4" / "q197378-2026-11-10"
    return out, json.loads(stem.with_suffix(".json").read_text(encoding="utf-8")), stem


def test_four_quarters_give_a_trend(four_quarters):
    _, data, stem = four_quarters
    history = data["trend"]["history"]
    assert [run["quarter"] for run in history] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    # Underneath the waiver "c" is still exposed: a waiver accepts a risk, it does not end it.
    assert [run["exposed"] for run in history] == [3, 2, 2, 2]
    assert [run["counts"]["exposed"] for run in history] == [3, 2, 2, 1]
    assert data["trend"]["previous"]["quarter"] == "2026-Q3"
    assert data["changes"] == {
        "newly_exposed": [],
        "remediated": ["b"],
        "still_exposed": ["c"],
        "added": ["e"],
        "removed": [],
    }
    rows = {row["server"]: row for row in data["trend"]["rows"]}
    assert rows["c"]["exposed_runs"] == 4
    assert rows["e"]["exposed_runs"] == 1
    summary = openpyxl.load_workbook(stem.with_suffix(".xlsx"))["Summary"]
    values = list(summary.iter_rows(values_only=True))
    # Every kind of risk, underneath waivers; the accepted one with its end.
    assert values[0][0] == (
        "2 of 5 servers are exposed to Q197378, 1 is below the fix; as many exposed as at "
        "the last audit (2026-Q3, 2026-08-11); 1 risk accepted until 2027-01-31."
    )
    quarters = {row[0]: row for row in values if row[0] and str(row[0]).startswith("2026-Q")}
    assert list(quarters) == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert quarters["2026-Q1"][2:] == (3, 0, 0, 0, 1, 0, 4)  # exposed .. not-applicable, total
    status_rows = {row[0]: row[1:4] for row in values if row[0] in ("exposed", "waived")}
    assert status_rows == {"exposed": (1, 2, -1), "waived": (1, 0, 1)}


def test_waivers_behave_as_described(four_quarters):
    out, data, stem = four_quarters
    servers = {server["server"]: server for server in data["servers"]}
    assert servers["c"]["status"] == "waived"
    assert servers["c"]["underlying_status"] == "exposed"
    assert servers["c"]["waivers"][0]["reason"] == "replaced by the new site in January"
    assert servers["d"]["status"] == "below-baseline"  # its waiver expired on 2026-10-31
    assert [(w["server"], w["state"]) for w in data["waivers"]] == [
        ("c", "applied"),
        ("d", "expired"),
        ("zz-retired", "unused"),
    ]
    assert data["judged_on"] == "2026-11-10"
    assert "waivers.toml:7: the waiver for d expired on 2026-10-31: it no longer applies" in out
    assert "waivers.toml:13: the waiver for zz-retired is unused: no server of that name" in out
    book = openpyxl.load_workbook(stem.with_suffix(".xlsx"))
    waivers = list(book["Waivers"].iter_rows(min_row=2, values_only=True))
    assert [(row[0], row[2]) for row in waivers] == [
        ("c", "applied"),
        ("d", "expired"),
        ("zz-retired", "unused"),
    ]
    servers_sheet = list(book["Servers"].iter_rows(values_only=True))
    header = servers_sheet[0]
    row_c = next(row for row in servers_sheet if row[0] == "c")
    assert row_c[header.index("Status")] == "waived"
    assert row_c[header.index("Underlying status")] == "exposed"
    assert "replaced by the new site" in row_c[header.index("Waiver")]


def test_a_waived_fleet_exits_zero(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    root = fleet(tmp_path / "fleet", {"c": EXPOSED, "ok": COMPLIANT})
    (root / "waivers.toml").write_text(WAIVERS.split("\n\n")[0] + "\n", encoding="utf-8")
    code, out, _ = run("scan", str(root), "--json", "r.json", now=at("2026-11-10"))
    assert code == ExitCode.OK
    assert "waived" in out
    # The same waiver read after it expired no longer applies.
    code, _, _ = run("scan", str(root), "--json", "r.json", now=at("2027-02-01"))
    assert code == ExitCode.FINDINGS


def test_a_broken_waivers_file_stops_the_run(tmp_path):
    root = fleet(tmp_path / "fleet", {"ok": COMPLIANT})
    (root / "waivers.toml").write_text("[[waiver]]\nserver = 1\n", encoding="utf-8")
    code, _, err = run("scan", str(root), "--json", str(tmp_path / "r.json"), now=at("2026-11-10"))
    assert code == ExitCode.FAILED
    assert "waivers.toml" in err


def test_a_same_day_rerun_compares_with_the_earlier_quarter(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    root = fleet(tmp_path / "fleet", {"a": EXPOSED})
    run("scan", str(root), now=at("2026-08-11"))
    run("scan", str(root), now=at("2026-11-10"))
    fleet(root, {"a": COMPLIANT})
    run("scan", str(root), now=at("2026-11-10").replace(hour=15))  # replaces the morning run
    data = json.loads(Path("reports/2026-Q4/q197378-2026-11-10.json").read_text("utf-8"))
    assert data["trend"]["previous"]["quarter"] == "2026-Q3"
    assert data["changes"]["remediated"] == ["a"]


def test_a_first_run_has_empty_changes_and_no_previous(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    root = fleet(tmp_path / "fleet", {"a": EXPOSED})
    run("scan", str(root), "--json", "r.json", now=at("2026-11-10"))
    data = json.loads(Path("r.json").read_text("utf-8"))
    assert data["changes"] == {
        "newly_exposed": [],
        "remediated": [],
        "still_exposed": [],
        "added": [],
        "removed": [],
    }
    assert data["trend"]["previous"] is None
    assert [run["quarter"] for run in data["trend"]["history"]] == ["2026-Q4"]


def test_an_unreadable_archived_run_is_named_and_left_out(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    broken = tmp_path / "reports" / "2026-Q3" / "q197378-2026-08-11.json"
    broken.parent.mkdir(parents=True)
    broken.write_text("{not json", encoding="utf-8")
    root = fleet(tmp_path / "fleet", {"a": EXPOSED})
    _, out, _ = run("scan", str(root), now=at("2026-11-10"))
    assert f"{broken}: left out of the trend: cannot read the JSON report" in out


@pytest.mark.parametrize(
    "command", ["auditor scan", "auditor report", "auditor baseline capture", "--waivers"]
)
def test_the_readme_covers_every_command(command):
    readme = (EXAMPLE_FLEET.parent.parent / "README.md").read_text(encoding="utf-8")
    assert command in readme


@pytest.mark.parametrize("argv", [["report", "--help"], ["baseline", "capture", "--help"]])
def test_every_command_has_help_with_an_example(argv, capsys):
    assert main(argv) == ExitCode.OK
    assert "example:" in capsys.readouterr().out
