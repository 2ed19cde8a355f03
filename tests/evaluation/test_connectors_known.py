"""A multihomed server is compliant only when the connectors inventory says which X.400
connectors it has (DESIGN.md "Connectors: what must be known"); RAS servers are in effect
dual-homed, and interfaces that TCP/IP is not bound to do not count ("Multihomed").

Each test names one way a server could come out ``compliant``, and checks that it does
only on evidence that proves it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.baseline import Baseline, default_baseline_path, load_baseline
from auditor.evaluation import evaluate
from auditor.parsing.connectors_csv import ConnectorInventory, parse_connectors
from auditor.verdicts import ConnectorResult, Status
from tests.evaluation.facts_builder import (
    MULTI_PINNED,
    adapter,
    files,
    override,
    registry,
    server,
)

ODN = "/o=Org/ou=Site/cn=Configuration/cn=Connections/cn="
HEADER = "server,obj_dist_name,transport,remote_server,remote_address\n"


@pytest.fixture(scope="module")
def baseline() -> Baseline:
    return load_baseline(default_baseline_path())


def connectors(tmp_path: Path, *rows: str) -> ConnectorInventory:
    """An inventory parsed from CSV text, as a user would write it."""
    path = tmp_path / "connectors.csv"
    path.write_text(HEADER + "".join(f"{row}\n" for row in rows), encoding="utf-8")
    return parse_connectors(path)


# --- the inventory must cover a multihomed server ----------------------------------------


def test_pinned_keys_without_an_inventory_are_incomplete_naming_the_keys(
    baseline: Baseline,
) -> None:
    verdict = evaluate(server(registry_facts=MULTI_PINNED), baseline, None)
    assert verdict.status is Status.INCOMPLETE
    assert verdict.connectors_unknown
    multihomed, reason = verdict.reasons
    assert multihomed == "multihomed (10.0.0.5, 10.0.0.6)"
    assert "there is no connectors inventory" in reason
    assert "'TCP to MTA B' (pinned to own address 10.0.0.5)" in reason
    [step] = verdict.remediation
    assert "connectors.csv" in step and "raw mode" in step


def test_an_inventory_that_does_not_list_the_server_is_incomplete(
    baseline: Baseline, tmp_path: Path
) -> None:
    inv = connectors(tmp_path, f"OTHER,{ODN}TCP to MTA B,TCP,,")
    verdict = evaluate(server(registry_facts=MULTI_PINNED), baseline, inv)
    assert verdict.status is Status.INCOMPLETE
    assert any("does not list EXCH01" in reason for reason in verdict.reasons)


def test_a_connector_that_never_got_a_key_is_exposed_once_the_inventory_names_it(
    baseline: Baseline, tmp_path: Path
) -> None:
    # Keys alone showed one pinned connector; the inventory shows a second one without.
    inv = connectors(tmp_path, f"EXCH01,{ODN}TCP to MTA B,TCP,,", f"EXCH01,{ODN}TCP to C,TCP,,")
    verdict = evaluate(server(registry_facts=MULTI_PINNED), baseline, inv)
    assert verdict.status is Status.EXPOSED
    assert not verdict.connectors_unknown
    results = {c.connector: c.result for c in verdict.connectors}
    assert results == {"TCP to MTA B": ConnectorResult.VALID, "TCP to C": ConnectorResult.MISSING}


def test_rows_for_the_server_make_it_compliant_when_every_connector_is_pinned(
    baseline: Baseline, tmp_path: Path
) -> None:
    inv = connectors(tmp_path, f"exch01,{ODN}TCP to MTA B,TCP,,")
    verdict = evaluate(server(registry_facts=MULTI_PINNED), baseline, inv)
    assert verdict.status is Status.COMPLIANT
    assert not verdict.connectors_unknown
    assert any(
        "its TCP/IP connector in the inventory has a valid override" in r for r in verdict.reasons
    )


def test_a_row_with_an_empty_obj_dist_name_declares_no_connector(
    baseline: Baseline, tmp_path: Path
) -> None:
    inv = connectors(tmp_path, "EXCH01,,,,")
    assert inv.covers("exch01")
    assert inv.problems == ()
    multihomed = registry(adapter("A", "10.0.0.5", "10.0.0.6"))
    verdict = evaluate(server(registry_facts=multihomed), baseline, inv)
    assert verdict.status is Status.COMPLIANT
    assert any("declares no X.400 connector" in reason for reason in verdict.reasons)


@pytest.mark.parametrize("row", ["EXCH01,,TCP,LONDON,10.9.9.9", "EXCH01,,,,10.9.9.9", "EXCH01"])
def test_a_row_with_more_than_the_server_is_no_declaration(
    baseline: Baseline, tmp_path: Path, row: str
) -> None:
    inv = connectors(tmp_path, row)
    assert not inv.covers("EXCH01")
    assert len(inv.rejected_of("EXCH01")) == 1
    verdict = evaluate(server(registry_facts=MULTI_PINNED), baseline, inv)
    assert verdict.status is Status.INCOMPLETE
    assert any("without an obj_dist_name" in reason for reason in verdict.reasons)


def test_declared_without_connectors_yet_with_rows_is_not_guessed(
    baseline: Baseline, tmp_path: Path
) -> None:
    inv = connectors(tmp_path, "EXCH01,,,,", f"EXCH01,{ODN}TCP to MTA B,TCP,,")
    assert any("declared to have no X.400 connector" in p for p in inv.problems)
    verdict = evaluate(server(registry_facts=MULTI_PINNED), baseline, inv)
    assert verdict.status is Status.INCOMPLETE
    assert any("declared to have no X.400 connector" in r for r in verdict.reasons)


def test_a_broken_override_key_still_proves_exposure_without_an_inventory(
    baseline: Baseline,
) -> None:
    broken = registry(
        adapter("A", "10.0.0.5", "10.0.0.6"), overrides=(override("TCP to MTA B", None),)
    )
    verdict = evaluate(server(registry_facts=broken), baseline, None)
    assert verdict.status is Status.EXPOSED
    assert any(r.startswith("also: ") and "no connectors inventory" in r for r in verdict.reasons)


def test_below_the_fix_and_uncovered_is_exposed_not_incomplete(baseline: Baseline) -> None:
    verdict = evaluate(
        server(file_facts=files("5.5.2232.18"), registry_facts=MULTI_PINNED), baseline, None
    )
    assert verdict.status is Status.EXPOSED
    assert verdict.connectors_unknown
    # Said once, not again among the "also" reasons; the list is the step after the fix.
    assert sum("multihomed (10.0.0.5, 10.0.0.6)" in reason for reason in verdict.reasons) == 1
    assert "SP2 or later" in verdict.remediation[0]
    assert "connectors.csv" in verdict.remediation[-1]


def test_missing_evidence_and_an_uncovered_server_get_both_steps(baseline: Baseline) -> None:
    verdict = evaluate(server(registry_facts=MULTI_PINNED, problems=("x.reg: bad",)), baseline)
    assert verdict.status is Status.INCOMPLETE
    assert verdict.remediation[0] == "Collect the missing evidence and scan again"
    assert "connectors.csv" in verdict.remediation[1]


def test_a_single_homed_server_needs_no_inventory(baseline: Baseline) -> None:
    single = registry(adapter("A", "10.0.0.5"))
    verdict = evaluate(server(registry_facts=single), baseline, None)
    assert verdict.status is Status.COMPLIANT
    assert not verdict.connectors_unknown


def test_an_orphan_key_does_not_count_as_a_listed_connector(
    baseline: Baseline, tmp_path: Path
) -> None:
    inv = connectors(tmp_path, "EXCH01,,,,")
    verdict = evaluate(server(registry_facts=MULTI_PINNED), baseline, inv)
    assert verdict.status is Status.COMPLIANT
    assert any("declares no X.400 connector" in reason for reason in verdict.reasons)
    assert any("matches no connector" in warning for warning in verdict.warnings)


# --- RAS and RRAS: in effect dual-homed (Q255991, Q256844) ------------------------------


@pytest.mark.parametrize(
    ("start", "needs_override"), [(2, True), (3, True), (-1, True), (4, False)]
)
def test_a_ras_server_with_one_address_needs_the_override(
    baseline: Baseline, start: int, needs_override: bool
) -> None:
    ras = registry(adapter("El90x1", "10.0.0.5"), remote_access_start=start)
    verdict = evaluate(server(registry_facts=ras), baseline, None)
    if needs_override:
        assert verdict.multihomed is True
        assert verdict.status is Status.INCOMPLETE
        assert any("RAS server: in effect dual-homed, Q255991" in r for r in verdict.reasons)
    else:
        assert verdict.multihomed is False
        assert verdict.status is Status.COMPLIANT


def test_a_ras_server_below_the_fix_is_exposed(baseline: Baseline) -> None:
    ras = registry(adapter("El90x1", "10.0.0.5"), remote_access_start=2)
    verdict = evaluate(server(file_facts=files("5.5.2232.18"), registry_facts=ras), baseline)
    assert verdict.status is Status.EXPOSED
    assert verdict.reasons[0].startswith("RAS server: in effect dual-homed")


def test_a_ras_server_with_its_connector_pinned_is_compliant(
    baseline: Baseline, tmp_path: Path
) -> None:
    ras = registry(
        adapter("El90x1", "10.0.0.5"),
        overrides=(override("TCP to MTA B", "10.0.0.5"),),
        remote_access_start=2,
    )
    inv = connectors(tmp_path, f"EXCH01,{ODN}TCP to MTA B,TCP,,")
    assert evaluate(server(registry_facts=ras), baseline, inv).status is Status.COMPLIANT


# --- bound interfaces only (Windows 2000) ------------------------------------------------


def test_an_interface_that_tcpip_is_not_bound_to_does_not_count(baseline: Baseline) -> None:
    facts = registry(
        adapter("{4D36E972-0001}", "10.0.0.5", bound=True),
        adapter("{8A1F3B2C-0002}", "10.0.0.6", bound=False),
    )
    verdict = evaluate(server(registry_facts=facts), baseline, None)
    assert verdict.multihomed is False
    assert verdict.status is Status.COMPLIANT
    assert any("{8A1F3B2C-0002} is not bound" in w for w in verdict.warnings)


def test_notes_of_collection_are_warnings_that_do_not_change_the_status(
    baseline: Baseline,
) -> None:
    note = "EXCH01/registry/SOFTWARE: a SOFTWARE hive, not SYSTEM"
    verdict = evaluate(server(notes=(note,)), baseline)
    assert verdict.status is Status.COMPLIANT
    assert note in verdict.warnings


def test_connectors_on_other_transports_are_counted_in_the_reasons(
    baseline: Baseline, tmp_path: Path
) -> None:
    inv = connectors(tmp_path, f"EXCH01,{ODN}TCP to MTA B,TCP,,", f"EXCH01,{ODN}To Rome,X.25,,")
    verdict = evaluate(server(registry_facts=MULTI_PINNED), baseline, inv)
    assert verdict.status is Status.COMPLIANT
    assert any("(1 on another transport needs none)" in reason for reason in verdict.reasons)
    only_x25 = connectors(tmp_path, f"EXCH01,{ODN}To Rome,X.25,,")
    verdict = evaluate(server(registry_facts=MULTI_PINNED), baseline, only_x25)
    assert verdict.status is Status.COMPLIANT
    assert any("it has no TCP/IP connector" in reason for reason in verdict.reasons)
