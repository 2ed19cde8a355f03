from __future__ import annotations

from collections import Counter
from datetime import date, datetime

import pytest

from auditor.reporting import build_report
from auditor.reporting.model import (
    BASELINE_COLUMNS,
    CONNECTOR_COLUMNS,
    FILE_COLUMNS,
    SERVER_COLUMNS,
    WARNING_COLUMNS,
    server_columns,
)
from auditor.reporting.table import Cell, Table
from auditor.verdicts import Status
from tests import scenarios


def by_server(table: Table) -> dict[object, dict[str, Cell]]:
    return {row["Server"]: row for row in table.records()}


def test_tables_have_the_documented_columns(scenario):
    report = scenario.report
    labelled = any(v.site or v.owner for v in scenario.result.servers)
    assert list(report.servers.columns) == list(server_columns(labelled))
    assert labelled == (scenario.name == "inventory-labels")
    assert list(report.files.columns) == list(FILE_COLUMNS)
    assert list(report.connectors.columns) == list(CONNECTOR_COLUMNS)
    assert list(report.warnings.columns) == list(WARNING_COLUMNS)
    assert list(report.baseline_rules.columns) == list(BASELINE_COLUMNS)


def test_one_row_per_server_finding_and_warning(scenario):
    servers = scenario.result.servers
    report = scenario.report
    assert len(report.servers) == len(servers)
    assert len(report.files) == sum(len(v.files) for v in servers)
    assert len(report.connectors) == sum(len(v.connectors) for v in servers)
    assert len(report.warnings) == sum(len(v.warnings) for v in servers)


def test_servers_sorted_by_severity_then_name(scenario):
    severities = [Status(str(s)).severity for s in scenario.report.servers.column("Status")]
    assert severities == sorted(severities)
    expected = sorted(
        scenario.result.servers, key=lambda v: (v.status.severity, v.server.casefold())
    )
    assert list(scenario.report.servers.column("Server")) == [v.server for v in expected]


def test_summary_counts_every_status_in_order(scenario):
    summary = scenario.report.summary
    assert [status for status, _ in summary.counts] == list(Status)
    assert sum(count for _, count in summary.counts) == summary.total
    for status in Status:
        assert summary.count(status) == scenario.result.count(status)
    compliant = scenario.result.count(Status.COMPLIANT)
    # Not-applicable servers are left out of the denominator: the fix does not concern them.
    judged = len(scenario.result.servers) - scenario.result.count(Status.NOT_APPLICABLE)
    assert summary.share_compliant == pytest.approx(compliant / judged if judged else 0.0)
    assert summary.baseline_id == "Q197378"
    assert summary.fixed_build == "5.5.2431.0"
    assert summary.audit_date == scenarios.WHEN


def test_server_row_of_an_exposed_server():
    report = build_report(scenarios.one_of_each())
    row = report.servers.records()[0]
    assert row["Server"] == "MTA-EXPOSED"
    assert row["Status"] == "exposed"
    assert row["Reasons"] == "multihomed; Emsmta.exe is below 5.5.2431.0; X lacks an override"
    # The kinds of action, from its findings (X missing, Y foreign); steps are on Remediation.
    assert row["Remediation"] == "set the override (2 connectors); restart the MTA"
    assert row["Connectors"] == "TCP to MTA B: valid; X: missing; Y: foreign-address"
    assert row["Addresses"] == "10.0.0.1, 192.168.1.1"
    assert row["Multihomed"] == "Yes"
    assert row["Warnings"] == 2


def test_multihomed_reads_yes_no_unknown():
    servers = by_server(build_report(scenarios.one_of_each()).servers)
    assert servers["MTA-EXPOSED"]["Multihomed"] == "Yes"
    assert servers["MTA-BELOW"]["Multihomed"] == "No"
    assert servers["MTA-NA"]["Multihomed"] == "Unknown"


def test_missing_values_stay_missing():
    report = build_report(scenarios.one_of_each())
    incomplete = by_server(report.servers)["MTA-INCOMPLETE"]
    assert incomplete["MTA version"] is None
    data_file = next(row for row in report.files.records() if row["File"] == "P2.xv2")
    assert data_file["Required version"] is None


def test_baseline_rules_list_what_was_applied():
    records = build_report(scenarios.empty_fleet()).baseline_rules.records()
    by_section = Counter(row["Section"] for row in records)
    assert by_section["File"] == 13
    assert by_section["Build label"] == len(scenarios.baseline().builds)
    rules = {row["Name"]: row for row in records}
    assert rules["Fixed build"]["Version"] == "5.5.2431.0"
    emsmta = rules["Emsmta.exe"]
    assert (emsmta["Kind"], emsmta["Version"]) == ("pe", "5.5.2431.0")
    assert rules["P2.xv2"]["Version"] is None
    override = rules["Override value"]
    assert (override["Kind"], override["Value"]) == ("REG_SZ", "Stack IP Address Override")
    key = rules["Override key"]["Value"]
    assert isinstance(key, str)
    assert key.endswith(r"Services\MSExchangeMTA\Parameters\<connector RDN>")


def test_empty_fleet_has_empty_tables_and_zero_share():
    report = build_report(scenarios.empty_fleet())
    assert report.servers.rows == report.files.rows == report.warnings.rows == ()
    assert report.servers.columns == SERVER_COLUMNS
    assert report.summary.total == 0
    assert report.summary.share_compliant == 0.0


def test_site_and_owner_follow_the_server_only_when_an_inventory_gave_them() -> None:
    labelled = build_report(scenarios.inventory_labels()).servers
    assert list(labelled.columns[:4]) == ["Server", "Site", "Owner", "Status"]
    rows = {row["Server"]: (row["Site"], row["Owner"]) for row in labelled.records()}
    assert rows["MTA-A"] == ("Europe", "=cmd|' /C calc'!A0")
    assert rows["MTA-C"] == ("", "")
    plain = build_report(scenarios.one_of_each()).servers
    assert list(plain.columns) == list(SERVER_COLUMNS)


def test_a_table_refuses_a_row_of_the_wrong_length():
    with pytest.raises(ValueError, match="row 2 has 1 values for 2 columns"):
        Table.of(("A", "B"), [("a", 1), ("b",)])


def test_a_table_column_by_name():
    table = Table.of(("A", "B"), [("a", 1), ("b", None)])
    assert table.column("B") == (1, None)
    assert table.records() == [{"A": "a", "B": 1}, {"A": "b", "B": None}]
    with pytest.raises(KeyError):
        table.column("C")


def test_tables_hold_plain_values_only(scenario):
    report = scenario.report
    for table in (
        report.servers,
        report.files,
        report.connectors,
        report.warnings,
        report.baseline_rules,
        report.changes,
        report.remediation,
        report.waivers,
        report.history,
    ):
        for row in table.rows:
            assert len(row) == len(table.columns)
            plain = (str, int, float, type(None), date, datetime)
            assert all(type(value) in plain for value in row), row
