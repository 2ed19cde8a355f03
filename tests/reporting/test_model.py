from __future__ import annotations

import pandas as pd
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
from auditor.verdicts import Status
from tests import scenarios


def test_frames_have_the_documented_columns(scenario):
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
    severities = [Status(s).severity for s in scenario.report.servers["Status"]]
    assert severities == sorted(severities)
    expected = sorted(
        scenario.result.servers, key=lambda v: (v.status.severity, v.server.casefold())
    )
    assert list(scenario.report.servers["Server"]) == [v.server for v in expected]


def test_summary_counts_every_status_in_order(scenario):
    summary = scenario.report.summary
    assert [status for status, _ in summary.counts] == list(Status)
    assert sum(count for _, count in summary.counts) == summary.total
    for status in Status:
        assert summary.count(status) == scenario.result.count(status)
    compliant = scenario.result.count(Status.COMPLIANT)
    total = len(scenario.result.servers)
    assert summary.share_compliant == pytest.approx(compliant / total if total else 0.0)
    assert summary.baseline_id == "Q197378"
    assert summary.fixed_build == "5.5.2431.0"
    assert summary.audit_date == scenarios.WHEN


def test_server_row_of_an_exposed_server():
    report = build_report(scenarios.one_of_each())
    row = report.servers.iloc[0]
    assert row["Server"] == "MTA-EXPOSED"
    assert row["Status"] == "exposed"
    assert row["Reasons"] == "multihomed; Emsmta.exe is below 5.5.2431.0; X lacks an override"
    assert row["Remediation"] == "Install SP2; Set the override on X"
    assert row["Connectors"] == "TCP to MTA B: valid; X: missing; Y: foreign-address"
    assert row["Addresses"] == "10.0.0.1, 192.168.1.1"
    assert row["Multihomed"] == "Yes"
    assert row["Warnings"] == 2


def test_multihomed_reads_yes_no_unknown():
    servers = build_report(scenarios.one_of_each()).servers.set_index("Server")
    assert servers.loc["MTA-EXPOSED", "Multihomed"] == "Yes"
    assert servers.loc["MTA-BELOW", "Multihomed"] == "No"
    assert servers.loc["MTA-NA", "Multihomed"] == "Unknown"


def test_missing_values_stay_missing():
    report = build_report(scenarios.one_of_each())
    incomplete = report.servers.set_index("Server").loc["MTA-INCOMPLETE"]
    assert pd.isna(incomplete["MTA version"])
    data_file = report.files[(report.files["File"] == "P2.xv2")].iloc[0]
    assert pd.isna(data_file["Required version"])


def test_baseline_rules_list_what_was_applied():
    rules = build_report(scenarios.empty_fleet()).baseline_rules
    by_section = rules.groupby("Section").size()
    assert by_section["File"] == 13
    assert by_section["Build label"] == len(scenarios.baseline().builds)
    fixed = rules[rules["Name"] == "Fixed build"].iloc[0]
    assert fixed["Version"] == "5.5.2431.0"
    emsmta = rules[rules["Name"] == "Emsmta.exe"].iloc[0]
    assert (emsmta["Kind"], emsmta["Version"]) == ("pe", "5.5.2431.0")
    assert pd.isna(rules[rules["Name"] == "P2.xv2"].iloc[0]["Version"])
    override = rules[rules["Name"] == "Override value"].iloc[0]
    assert (override["Kind"], override["Value"]) == ("REG_SZ", "Stack IP Address Override")
    key = rules[rules["Name"] == "Override key"].iloc[0]["Value"]
    assert key.endswith(r"Services\MSExchangeMTA\Parameters\<connector RDN>")


def test_empty_fleet_has_empty_frames_and_zero_share():
    report = build_report(scenarios.empty_fleet())
    assert report.servers.empty and report.files.empty and report.warnings.empty
    assert report.summary.total == 0
    assert report.summary.share_compliant == 0.0


def test_site_and_owner_follow_the_server_only_when_an_inventory_gave_them() -> None:
    labelled = build_report(scenarios.inventory_labels()).servers
    assert list(labelled.columns[:4]) == ["Server", "Site", "Owner", "Status"]
    rows = {row.Server: (row.Site, row.Owner) for row in labelled.itertuples()}
    assert rows["MTA-A"] == ("Europe", "=cmd|' /C calc'!A0")
    assert rows["MTA-C"] == ("", "")
    plain = build_report(scenarios.one_of_each()).servers
    assert list(plain.columns) == list(SERVER_COLUMNS)
