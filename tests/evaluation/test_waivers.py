"""Waivers: loading is strict, and applying them follows the rule the README states."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from auditor.errors import WaiverError
from auditor.evaluation.waivers import apply_waivers, failing_findings
from auditor.verdicts import ConnectorResult, FileResult, Status, WaiverState
from auditor.waivers import Waiver, load_waivers
from tests.scenarios import connector, files, verdict

TODAY = date(2027, 1, 15)


def waiver(server: str, expires: date = date(2027, 3, 31), finding: str | None = None) -> Waiver:
    return Waiver(server, f"risk of {server}", "J. Smith", expires, finding, f"w.toml:{server}")


# A server exposed only because one connector lacks its override (files at SP2).
CONNECTOR_ONLY = verdict(
    "MTA-A",
    Status.EXPOSED,
    connectors=(
        connector("TCP to B", ConnectorResult.VALID),
        connector("TCP to C", ConnectorResult.MISSING, None),
    ),
)
# Exposed for two reasons: every PE file below the fix, and the same connector.
TWO_REASONS = verdict(
    "MTA-B",
    Status.EXPOSED,
    files=files("5.5.2232.18", FileResult.BELOW),
    connectors=(connector("TCP to C", ConnectorResult.FOREIGN_ADDRESS, "172.16.0.9"),),
)
COMPLIANT = verdict("MTA-OK", Status.COMPLIANT, remediation=())
INCOMPLETE = verdict("MTA-INC", Status.INCOMPLETE)
FLEET = [CONNECTOR_ONLY, TWO_REASONS, COMPLIANT, INCOMPLETE]


def states(outcomes):
    return [(o.waiver.server, o.waiver.finding, o.state) for o in outcomes]


def by_name(verdicts):
    return {v.server: v for v in verdicts}


def test_failing_findings_name_files_and_connectors():
    assert failing_findings(CONNECTOR_ONLY) == ["TCP to C"]
    assert failing_findings(TWO_REASONS)[-1] == "TCP to C"
    assert "Emsmta.exe" in failing_findings(TWO_REASONS)
    assert failing_findings(COMPLIANT) == []
    assert failing_findings(INCOMPLETE) == ["(missing evidence)"]


def test_an_active_waiver_makes_the_server_waived_and_keeps_what_is_underneath():
    verdicts, outcomes = apply_waivers(FLEET, [waiver("mta-b")], TODAY)
    waived = by_name(verdicts)["MTA-B"]
    assert waived.status is Status.WAIVED
    assert waived.underlying_status is Status.EXPOSED
    assert waived.waiver is not None and "risk of mta-b" in waived.waiver.reason
    assert waived.reasons == TWO_REASONS.reasons  # the reasons are kept, not replaced
    assert not waived.status.is_failing
    assert states(outcomes) == [("mta-b", None, WaiverState.APPLIED)]
    assert by_name(verdicts)["MTA-A"] == CONNECTOR_ONLY


def test_a_waiver_holds_through_its_expiry_day_and_not_a_day_longer():
    on_the_day, _ = apply_waivers(FLEET, [waiver("MTA-A", expires=TODAY)], TODAY)
    assert by_name(on_the_day)["MTA-A"].status is Status.WAIVED
    day_before = date(2027, 1, 14)
    verdicts, outcomes = apply_waivers(FLEET, [waiver("MTA-A", expires=day_before)], TODAY)
    assert by_name(verdicts)["MTA-A"].status is Status.EXPOSED
    assert states(outcomes) == [("MTA-A", None, WaiverState.EXPIRED)]
    assert "expired on 2027-01-14" in outcomes[0].detail


def test_unused_waivers_are_reported_with_why():
    unused = [
        waiver("MTA-GONE"),
        waiver("MTA-OK"),
        waiver("MTA-A", finding="Emsmta.exe"),  # not failing there: files are at SP2
        waiver("MTA-A", finding="TCP to C"),
    ]
    verdicts, outcomes = apply_waivers(FLEET, unused, TODAY)
    assert by_name(verdicts)["MTA-A"].status is Status.WAIVED  # by the fourth waiver alone
    assert states(outcomes) == [
        ("MTA-GONE", None, WaiverState.UNUSED),
        ("MTA-OK", None, WaiverState.UNUSED),
        ("MTA-A", "Emsmta.exe", WaiverState.UNUSED),
        ("MTA-A", "TCP to C", WaiverState.APPLIED),
    ]
    assert "no server of that name" in outcomes[0].detail
    assert "compliant: nothing to waive" in outcomes[1].detail
    assert "Emsmta.exe is not a failing finding" in outcomes[2].detail
    assert by_name(verdicts)["MTA-A"].waiver.waivers == (unused[3],)


def test_a_narrowed_waiver_covers_only_its_finding():
    narrowed = [waiver("MTA-B", finding="tcp to c")]  # case-insensitive
    verdicts, outcomes = apply_waivers(FLEET, narrowed, TODAY)
    assert by_name(verdicts)["MTA-B"].status is Status.EXPOSED
    assert states(outcomes) == [("MTA-B", "tcp to c", WaiverState.NOT_COVERING)]
    assert "also fails for: Ems_rid.dll" in outcomes[0].detail


def test_narrowed_waivers_together_can_cover_a_server():
    names = failing_findings(TWO_REASONS)
    together = [waiver("MTA-B", finding=name) for name in names]
    verdicts, outcomes = apply_waivers(FLEET, together, TODAY)
    assert by_name(verdicts)["MTA-B"].status is Status.WAIVED
    assert {o.state for o in outcomes} == {WaiverState.APPLIED}


def test_an_incomplete_server_is_waived_only_as_a_whole():
    narrowed, _ = apply_waivers(FLEET, [waiver("MTA-INC", finding="Mtamsg.dll")], TODAY)
    assert by_name(narrowed)["MTA-INC"].status is Status.INCOMPLETE
    whole, _ = apply_waivers(FLEET, [waiver("MTA-INC")], TODAY)
    assert by_name(whole)["MTA-INC"].underlying_status is Status.INCOMPLETE
    assert by_name(whole)["MTA-INC"].status is Status.WAIVED


VALID = """\
# accepted risks
[[waiver]]
server = "MTA-A"
reason = "replaced in January"
approved_by = "J. Smith"
expires = 2027-01-31

[[waiver]]
server = "MTA-B"
finding = "TCP to C"
reason = "peer is down"
approved_by = "A. Jones"
expires = 2027-02-28
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "waivers.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_waivers_file_loads_with_lines_named(tmp_path):
    loaded = load_waivers(write(tmp_path, VALID))
    assert [(w.server, w.finding, w.expires) for w in loaded.waivers] == [
        ("MTA-A", None, date(2027, 1, 31)),
        ("MTA-B", "TCP to C", date(2027, 2, 28)),
    ]
    assert loaded.waivers[1].source == f"{tmp_path / 'waivers.toml'}:8"
    assert loaded.notes == ()


@pytest.mark.parametrize(
    ("old", "new", "message", "line"),
    [
        ('approved_by = "A. Jones"', 'approved = "A. Jones"', "unknown key 'approved'", 12),
        ('approved_by = "A. Jones"\n', "", "lacks the key 'approved_by'", 8),
        ("expires = 2027-02-28", 'expires = "2027-02-28"', "must be a date", 13),
        ("expires = 2027-02-28", "expires = 2027-02-28T10:00:00Z", "must be a date", 13),
        ('reason = "peer is down"', 'reason = "  "', "reason must be text", 11),
        ('[[waiver]]\nserver = "MTA-A"', '[[waivers]]\nserver = "MTA-A"', "'waivers'", 2),
    ],
)
def test_mistakes_are_waiver_errors_naming_the_line(tmp_path, old, new, message, line):
    path = write(tmp_path, VALID.replace(old, new))
    with pytest.raises(WaiverError, match=message) as caught:
        load_waivers(path)
    assert str(caught.value).startswith(f"{path}:{line}:")


def test_duplicates_are_reported_not_merged(tmp_path):
    loaded = load_waivers(write(tmp_path, VALID + VALID.split("\n\n")[1]))
    assert len(loaded.waivers) == 3
    assert len(loaded.notes) == 1 and "repeats the waiver at" in loaded.notes[0]


def test_not_toml_is_a_waiver_error(tmp_path):
    with pytest.raises(WaiverError, match="not valid TOML"):
        load_waivers(write(tmp_path, "[[waiver]\n"))
