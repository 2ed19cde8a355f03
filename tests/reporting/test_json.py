from __future__ import annotations

import json
import re
from datetime import datetime

import pytest

from auditor.errors import ReportError
from auditor.reporting import build_report, render_json
from auditor.reporting.json import to_json_dict
from auditor.verdicts import Status
from tests import scenarios

TOP_KEYS = {
    "baseline",
    "generated_at",
    "fleet",
    "summary",
    "servers",
    "notes",
    "judged_on",
    "waivers",
    "changes",
    "trend",
    "events",
}
BASELINE_KEYS = {
    "id",
    "title",
    "product_line",
    "fixed_build",
    "source",
    "product",
    "remediation",
    "parent",
    "files",
    "registry",
    "builds",
}
CHANGES_KEYS = {"newly_exposed", "remediated", "still_exposed", "added", "removed"}
SUMMARY_KEYS = {"total", "counts", "share_compliant", "connectors_unknown"}
SERVER_KEYS = {
    "server",
    "status",
    "reasons",
    "remediation",
    "warnings",
    "mta_version",
    "build_label",
    "multihomed",
    "addresses",
    "connector_source",
    "connectors_unknown",
    "files",
    "connectors",
    "underlying_status",
    "waivers",
    "refused_connections",
}
FILE_KEYS = {
    "name",
    "kind",
    "path",
    "fixed_version",
    "string_version",
    "required_version",
    "result",
    "detail",
}
CONNECTOR_KEYS = {
    "connector",
    "obj_dist_name",
    "override_value",
    "value_type",
    "result",
    "detail",
    "peer_address",
}


@pytest.fixture
def document(scenario, tmp_path):
    path = tmp_path / f"{scenario.name}.json"
    render_json(scenario.result, scenario.report, path)
    return path, json.loads(path.read_text(encoding="utf-8"))


def test_keys_exactly_as_specified(document, scenario):
    _, data = document
    assert set(data) == TOP_KEYS
    assert set(data["baseline"]) == BASELINE_KEYS
    assert set(data["summary"]) == SUMMARY_KEYS
    assert set(data["summary"]["counts"]) == {status.value for status in Status}
    labels = {"site", "owner"} if scenario.name == "inventory-labels" else set()
    assert set(data["changes"]) == CHANGES_KEYS
    for server in data["servers"]:
        assert set(server) == SERVER_KEYS | labels
        for file in server["files"]:
            assert set(file) == FILE_KEYS
        for connector in server["connectors"]:
            assert set(connector) == CONNECTOR_KEYS


def test_values_match_the_result(document, scenario):
    _, data = document
    result = scenario.result
    assert data["baseline"]["id"] == "Q197378"
    assert data["baseline"]["fixed_build"] == "5.5.2431.0"
    assert data["baseline"]["product_line"] == "5.5"
    assert datetime.fromisoformat(data["generated_at"]) == result.generated_at
    assert data["summary"]["total"] == len(result.servers)
    for status in Status:
        assert data["summary"]["counts"][status.value] == result.count(status)
    assert isinstance(data["summary"]["share_compliant"], float)
    # Same order as the workbook's Servers sheet, and the same statuses.
    assert [s["server"] for s in data["servers"]] == list(scenario.report.servers.column("Server"))
    assert [s["status"] for s in data["servers"]] == list(scenario.report.servers.column("Status"))
    by_name = {verdict.server: verdict for verdict in result.servers}
    for server in data["servers"]:
        verdict = by_name[server["server"]]
        assert server["reasons"] == list(verdict.reasons)
        assert server["warnings"] == list(verdict.warnings)
        assert server["multihomed"] == verdict.multihomed
        assert len(server["files"]) == len(verdict.files)
        assert [c["result"] for c in server["connectors"]] == [
            c.result.value for c in verdict.connectors
        ]


def test_file_loads_back_as_the_dict(document, scenario):
    _, data = document
    assert data == to_json_dict(scenario.result, scenario.report)


def test_text_is_kept_whole_and_not_ascii_escaped(tmp_path):
    result = scenarios.non_ascii()
    path = tmp_path / "report.json"
    render_json(result, build_report(result), path)
    text = path.read_text(encoding="utf-8")
    assert "Connecteur Rhône" in text and "東京-MTA" in text and "🚀" in text
    hostile = scenarios.hostile_text()
    data = to_json_dict(hostile, build_report(hostile))
    servers = {s["server"]: s for s in data["servers"]}
    assert servers["=1+2"]["reasons"] == [scenarios.CONTROL_REASON]
    assert servers["@SUM(A1)"]["warnings"] == [scenarios.LONG_WARNING]


def test_unwritable_path_is_a_report_error(tmp_path):
    result = scenarios.one_of_each()
    path = tmp_path / "missing-folder" / "report.json"
    with pytest.raises(ReportError, match=re.escape(str(path))) as raised:
        render_json(result, build_report(result), path)
    assert isinstance(raised.value.__cause__, OSError)
