"""The verdict table of DESIGN.md section 2, case by case, with its traps."""

from __future__ import annotations

import pytest

from auditor.baseline import Baseline, default_baseline_path, load_baseline
from auditor.evaluation import evaluate
from auditor.facts import FileFact
from auditor.parsing.connectors_csv import ConnectorEntry, ConnectorInventory
from auditor.verdicts import ConnectorResult, FileResult, ServerVerdict, Status
from tests.evaluation.facts_builder import (
    MULTI_PINNED,
    SINGLE,
    adapter,
    changed,
    files,
    override,
    registry,
    server,
    with_file,
    without,
)


@pytest.fixture(scope="module")
def baseline() -> Baseline:
    return load_baseline(default_baseline_path())


def inventory(*rows: tuple[str, str, str, str]) -> ConnectorInventory:
    """Rows of (server, rdn, remote_server, remote_address)."""
    entries = tuple(
        ConnectorEntry(
            server=name,
            obj_dist_name=f"/o=Org/ou=Site/cn=Configuration/cn=Connections/cn={rdn}",
            rdn=rdn,
            transport="TCP",
            remote_server=remote,
            remote_address=address,
        )
        for name, rdn, remote, address in rows
    )
    return ConnectorInventory("connectors.csv", entries, ())


def result_of(verdict: ServerVerdict, name: str) -> FileResult:
    judged = [f for f in verdict.files if f.name == name and f.result is not FileResult.STRAY]
    assert len(judged) == 1
    return judged[0].result


def test_single_homed_at_sp2_is_compliant(baseline: Baseline) -> None:
    verdict = evaluate(server(), baseline)
    assert verdict.status is Status.COMPLIANT
    assert verdict.multihomed is False
    assert verdict.build_label == "SP2"
    assert verdict.mta_version == "5.5.2448.0"
    assert verdict.remediation == ()


def test_exactly_the_fix_build_passes_and_newer_passes(baseline: Baseline) -> None:
    assert evaluate(server(file_facts=files("5.5.2431.0")), baseline).status is Status.COMPLIANT
    newer = evaluate(server(file_facts=files("5.5.2654.1")), baseline)
    assert newer.status is Status.COMPLIANT
    assert newer.build_label == "SP4 + post-SP4 fix"


def test_single_homed_at_sp1_is_below_baseline(baseline: Baseline) -> None:
    verdict = evaluate(server(file_facts=files("5.5.2232.18")), baseline)
    assert verdict.status is Status.BELOW_BASELINE
    assert verdict.build_label == "SP1"
    assert any("SP2 or later" in step for step in verdict.remediation)
    assert result_of(verdict, "Emsmta.exe") is FileResult.BELOW


def test_multihomed_at_sp1_is_exposed(baseline: Baseline) -> None:
    verdict = evaluate(
        server(file_facts=files("5.5.2232.18"), registry_facts=MULTI_PINNED), baseline
    )
    assert verdict.status is Status.EXPOSED
    assert verdict.multihomed is True
    assert verdict.addresses == ("10.0.0.5", "10.0.0.6")


def test_multihomed_pinned_at_sp2_is_compliant_with_restart_caveat(baseline: Baseline) -> None:
    inv = inventory(("EXCH01", "TCP to MTA B", "", ""))
    verdict = evaluate(server(registry_facts=MULTI_PINNED), baseline, inv)
    assert verdict.status is Status.COMPLIANT
    assert verdict.connector_source == "inventory"
    assert [c.result for c in verdict.connectors] == [ConnectorResult.VALID]
    assert any("restart" in reason for reason in verdict.reasons)


def test_versions_compare_component_wise_not_as_text(baseline: Baseline) -> None:
    # As text "5.5.999.0" sorts after "5.5.2431.0"; as numbers it is far below.
    verdict = evaluate(server(file_facts=files("5.5.999.0")), baseline)
    assert verdict.status is Status.BELOW_BASELINE


def test_the_fixed_version_decides_not_the_string(baseline: Baseline) -> None:
    facts = files()
    mtacheck = next(f for f in facts if f.name == "Mtacheck.exe")
    disagreeing = changed(
        mtacheck, fixed_version="5.5.2232.0", string_version="5.5.2448.0 (sp2 lab)"
    )
    facts = with_file(without(facts, "Mtacheck.exe"), disagreeing)
    verdict = evaluate(server(file_facts=facts), baseline)
    assert verdict.status is Status.BELOW_BASELINE
    assert any("FileVersion string" in w and "5.5.2448.0 (sp2 lab)" in w for w in verdict.warnings)


def test_a_string_suffix_that_agrees_is_no_warning(baseline: Baseline) -> None:
    facts = files()
    emsmta = next(f for f in facts if f.name == "Emsmta.exe")
    suffixed = changed(emsmta, string_version="5.5.2448.0 (build lab)")
    verdict = evaluate(
        server(file_facts=with_file(without(facts, "Emsmta.exe"), suffixed)), baseline
    )
    assert not any("FileVersion string" in w for w in verdict.warnings)


def test_a_stray_older_copy_outside_the_image_path_folder_is_a_warning(baseline: Baseline) -> None:
    stray = FileFact(
        "Emsmta.exe", "C$/exchsrvr/bin.old/emsmta.exe", 10, "5.5.2232.18", "5.5.2232.18"
    )
    verdict = evaluate(server(file_facts=with_file(files(), stray)), baseline)
    assert verdict.status is Status.COMPLIANT
    assert verdict.mta_version == "5.5.2448.0"
    assert any("bin.old" in w for w in verdict.warnings)
    assert [f.result for f in verdict.files if f.path == stray.path] == [FileResult.STRAY]


def test_the_image_path_folder_wins_over_exchsrvr_bin(baseline: Baseline) -> None:
    # The MTA runs from D:\exchange\bin; an old copy sits in the usual C:\exchsrvr\bin.
    old = files("5.5.2232.18")
    current = files(folder="D$/exchange/bin")
    facts = server(
        file_facts=old + current,
        registry_facts=registry(
            adapter("El90x1", "10.0.0.5"), image_path='"D:\\Exchange\\BIN\\EMSMTA.EXE" -service'
        ),
    )
    verdict = evaluate(facts, baseline)
    assert verdict.status is Status.COMPLIANT
    assert verdict.mta_version == "5.5.2448.0"


def test_an_image_path_with_a_variable_matches_on_its_tail(baseline: Baseline) -> None:
    old = files("5.5.2232.18", folder="C$/backup/emsmta")
    facts = server(
        file_facts=old + files(),
        registry_facts=registry(
            adapter("El90x1", "10.0.0.5"), image_path="%SystemRoot%\\..\\exchsrvr\\bin\\emsmta.exe"
        ),
    )
    assert evaluate(facts, baseline).status is Status.COMPLIANT


def test_when_no_rule_picks_a_copy_the_lowest_version_is_judged(baseline: Baseline) -> None:
    facts = files(folder="E$/one") + files("5.5.2232.18", folder="E$/two")
    verdict = evaluate(server(file_facts=facts), baseline)
    assert verdict.status is Status.BELOW_BASELINE
    assert any("no copy in the MTA folder" in w for w in verdict.warnings)


def test_an_unbound_or_zero_address_does_not_make_a_server_multihomed(baseline: Baseline) -> None:
    facts = registry(
        adapter("El90x1", "10.0.0.5"), adapter("NdisWan1", "0.0.0.0"), adapter("Loop", "127.0.0.1")
    )
    verdict = evaluate(server(file_facts=files("5.5.2232.18"), registry_facts=facts), baseline)
    assert verdict.multihomed is False
    assert verdict.status is Status.BELOW_BASELINE


def test_an_adapter_missing_from_the_bind_list_is_not_counted(baseline: Baseline) -> None:
    facts = registry(
        adapter("El90x1", "10.0.0.5", bound=True), adapter("Old", "10.0.0.9", bound=False)
    )
    verdict = evaluate(server(file_facts=files("5.5.2232.18"), registry_facts=facts), baseline)
    assert verdict.multihomed is False
    assert any("not bound" in w for w in verdict.warnings)


def test_several_addresses_on_one_adapter_make_a_server_multihomed(baseline: Baseline) -> None:
    facts = registry(adapter("E100B2", "10.0.0.6", "10.0.0.7"))
    verdict = evaluate(server(file_facts=files("5.5.2232.18"), registry_facts=facts), baseline)
    assert verdict.status is Status.EXPOSED


def test_exchange_5_0_files_are_not_applicable_not_below(baseline: Baseline) -> None:
    verdict = evaluate(
        server(file_facts=files("5.0.1461.0"), registry_facts=MULTI_PINNED), baseline
    )
    assert verdict.status is Status.NOT_APPLICABLE
    assert "5.0" in verdict.reasons[0]


def test_no_mta_service_and_no_binary_is_not_applicable(baseline: Baseline) -> None:
    verdict = evaluate(server(file_facts=(), registry_facts=registry(mta_service=False)), baseline)
    assert verdict.status is Status.NOT_APPLICABLE


@pytest.mark.parametrize(
    ("value", "value_type", "expected"),
    [
        ("10.0.0.99", "REG_SZ", ConnectorResult.FOREIGN_ADDRESS),
        ("10.0.0.256", "REG_SZ", ConnectorResult.MALFORMED),
        ("10.0.0.5 ", "REG_SZ", ConnectorResult.MALFORMED),
        ("010.0.0.5", "REG_SZ", ConnectorResult.MALFORMED),
        ("mta-a.example.com", "REG_SZ", ConnectorResult.MALFORMED),
        ("10.0.0.5", "REG_EXPAND_SZ", ConnectorResult.WRONG_TYPE),
        ("167772165", "REG_DWORD", ConnectorResult.WRONG_TYPE),
        (None, None, ConnectorResult.MISSING),
    ],
)
def test_an_invalid_override_on_a_multihomed_server_is_exposed(
    baseline: Baseline, value: str | None, value_type: str | None, expected: ConnectorResult
) -> None:
    facts = registry(
        adapter("El90x1", "10.0.0.5", "10.0.0.6"),
        overrides=(override("TCP to MTA B", value, value_type),),
    )
    verdict = evaluate(server(registry_facts=facts), baseline)
    assert verdict.status is Status.EXPOSED
    assert [c.result for c in verdict.connectors] == [expected]
    assert verdict.remediation, "an exposed server gets a remediation step"
    assert "10.0.0.5, 10.0.0.6" in verdict.remediation[0]


def test_a_connector_without_an_override_key_is_exposed(baseline: Baseline) -> None:
    inv = inventory(("EXCH01", "TCP to MTA B", "", ""), ("EXCH01", "TCP to MTA C", "", ""))
    verdict = evaluate(server(registry_facts=MULTI_PINNED), baseline, inv)
    assert verdict.status is Status.EXPOSED
    assert verdict.connector_source == "inventory"
    results = {c.connector: c.result for c in verdict.connectors}
    assert results == {
        "TCP to MTA B": ConnectorResult.VALID,
        "TCP to MTA C": ConnectorResult.MISSING,
    }
    assert any(
        "TCP to MTA C" in step and "Stack IP Address Override" in step
        for step in verdict.remediation
    )


def test_an_override_key_without_a_connector_is_a_warning(baseline: Baseline) -> None:
    inv = inventory(("EXCH01", "TCP to MTA B", "", ""))
    facts = registry(
        adapter("A", "10.0.0.5", "10.0.0.6"),
        overrides=(override("TCP to MTA B", "10.0.0.5"), override("Old link", "10.0.0.6")),
    )
    verdict = evaluate(server(registry_facts=facts), baseline, inv)
    assert verdict.status is Status.COMPLIANT
    assert any("Old link" in w for w in verdict.warnings)


def test_connector_names_match_without_case_but_with_trailing_spaces(baseline: Baseline) -> None:
    inv = inventory(("exch01", "tcp TO mta b", "", ""), ("EXCH01", "TCP to MTA C ", "", ""))
    facts = registry(
        adapter("A", "10.0.0.5", "10.0.0.6"),
        overrides=(override("TCP to MTA B", "10.0.0.5"), override("TCP to MTA C", "10.0.0.6")),
    )
    verdict = evaluate(server(registry_facts=facts), baseline, inv)
    results = {c.connector: c.result for c in verdict.connectors}
    assert results["tcp TO mta b"] is ConnectorResult.VALID
    assert results["TCP to MTA C "] is ConnectorResult.MISSING
    assert verdict.status is Status.EXPOSED


def test_a_peer_expecting_another_address_is_a_warning(baseline: Baseline) -> None:
    inv = inventory(
        ("EXCH01", "TCP to MTA B", "EXCH02", "10.0.1.1"),
        ("EXCH02", "TCP to MTA A", "EXCH01", "10.0.0.6"),
    )
    verdict = evaluate(server(registry_facts=MULTI_PINNED), baseline, inv)
    assert verdict.status is Status.COMPLIANT
    assert any("EXCH02" in w and "expects 10.0.0.6" in w for w in verdict.warnings)


def test_a_missing_pe_file_makes_the_server_incomplete(baseline: Baseline) -> None:
    verdict = evaluate(server(file_facts=without(files(), "Mtamsg.dll")), baseline)
    assert verdict.status is Status.INCOMPLETE
    assert any("Mtamsg.dll" in reason for reason in verdict.reasons)


def test_a_missing_pe_file_does_not_hide_a_proven_exposure(baseline: Baseline) -> None:
    facts = without(files("5.5.2232.18"), "Mtamsg.dll")
    assert evaluate(server(file_facts=facts), baseline).status is Status.BELOW_BASELINE
    exposed = evaluate(server(file_facts=facts, registry_facts=MULTI_PINNED), baseline)
    assert exposed.status is Status.EXPOSED


def test_a_missing_data_file_is_only_a_warning(baseline: Baseline) -> None:
    verdict = evaluate(server(file_facts=without(files(), "P2.xv2")), baseline)
    assert verdict.status is Status.COMPLIANT
    assert any("P2.xv2" in w for w in verdict.warnings)


def test_an_unreadable_pe_file_is_incomplete_never_compliant(baseline: Baseline) -> None:
    facts = files()
    broken = changed(
        next(f for f in facts if f.name == "X400om.dll"),
        fixed_version=None,
        error="truncated PE header",
    )
    verdict = evaluate(server(file_facts=with_file(without(facts, "X400om.dll"), broken)), baseline)
    assert verdict.status is Status.INCOMPLETE
    assert any("truncated PE header" in reason for reason in verdict.reasons)


def test_no_registry_evidence_is_incomplete(baseline: Baseline) -> None:
    verdict = evaluate(server(registry_facts=None), baseline)
    assert verdict.status is Status.INCOMPLETE
    assert verdict.multihomed is None


def test_no_registry_but_old_files_is_below_baseline_with_the_doubt_said(
    baseline: Baseline,
) -> None:
    verdict = evaluate(server(file_facts=files("5.5.2232.18"), registry_facts=None), baseline)
    assert verdict.status is Status.BELOW_BASELINE
    assert any("if it is, it is exposed" in reason for reason in verdict.reasons)


def test_multihomed_without_inventory_or_override_keys_is_incomplete(baseline: Baseline) -> None:
    facts = registry(adapter("A", "10.0.0.5", "10.0.0.6"))
    verdict = evaluate(server(registry_facts=facts), baseline)
    assert verdict.status is Status.INCOMPLETE
    assert any("connectors.csv" in reason for reason in verdict.reasons)


def test_an_unusable_inventory_never_lets_a_multihomed_server_pass(baseline: Baseline) -> None:
    unusable = ConnectorInventory.unusable("connectors.csv", "the header lacks 'server'")
    assert (
        evaluate(server(registry_facts=MULTI_PINNED), baseline, unusable).status
        is Status.INCOMPLETE
    )
    assert evaluate(server(registry_facts=SINGLE), baseline, unusable).status is Status.COMPLIANT


def test_evidence_problems_make_the_server_incomplete(baseline: Baseline) -> None:
    verdict = evaluate(
        server(problems=("registry/bad.reg: line 3: unterminated string",)), baseline
    )
    assert verdict.status is Status.INCOMPLETE
    assert verdict.reasons == ("registry/bad.reg: line 3: unterminated string",)


def test_a_cluster_node_is_flagged(baseline: Baseline) -> None:
    facts = registry(adapter("A", "10.0.0.5"), cluster=True)
    verdict = evaluate(server(registry_facts=facts), baseline)
    assert any("Q169113" in w for w in verdict.warnings)


def test_a_single_homed_server_needs_no_override(baseline: Baseline) -> None:
    inv = inventory(("EXCH01", "TCP to MTA B", "", ""))
    verdict = evaluate(server(), baseline, inv)
    assert verdict.status is Status.COMPLIANT
    assert [c.result for c in verdict.connectors] == [ConnectorResult.NOT_REQUIRED]


def test_a_differing_reference_hash_is_a_warning(baseline: Baseline) -> None:
    from dataclasses import replace

    files_with_ref = tuple(
        replace(f, sha256="1" * 64) if f.name == "P2.xv2" else f for f in baseline.files
    )
    reference = replace(baseline, files=files_with_ref)
    verdict = evaluate(server(), reference)
    assert verdict.status is Status.COMPLIANT
    assert result_of(verdict, "P2.xv2") is FileResult.DIFFERS
    assert any("differs from the reference" in w for w in verdict.warnings)


def test_every_baseline_file_has_a_finding(baseline: Baseline) -> None:
    verdict = evaluate(server(file_facts=()), baseline)
    assert {f.name for f in verdict.files} == {f.name for f in baseline.files}


def test_a_5_0_file_on_a_5_5_server_is_below_the_fix(baseline: Baseline) -> None:
    verdict = evaluate(server(file_facts=files(X400om_dll="5.0.1461.0")), baseline)
    assert verdict.status is Status.BELOW_BASELINE
    assert result_of(verdict, "X400om.dll") is FileResult.BELOW
    assert any("product line 5.0" in w for w in verdict.warnings)


def test_a_tiny_version_on_a_5_5_server_is_below_the_fix(baseline: Baseline) -> None:
    verdict = evaluate(server(file_facts=files(Mtamsg_dll="0.0.0.1")), baseline)
    assert verdict.status is Status.BELOW_BASELINE


def test_an_old_5_0_backup_does_not_make_a_5_5_server_not_applicable(baseline: Baseline) -> None:
    backup = files("5.0.1461.0", folder="D$/old/exchsrvr/bin")
    facts = registry(
        adapter("A", "10.0.0.5", "10.0.0.6"), image_path="%SystemRoot%\\..\\exchsrvr\\bin\\x.exe"
    )
    verdict = evaluate(
        server(file_facts=files("5.5.2232.18") + backup, registry_facts=facts), baseline
    )
    assert verdict.status is Status.EXPOSED


def test_only_a_5_0_backup_outside_the_mta_folder_is_not_not_applicable(
    baseline: Baseline,
) -> None:
    # The MTA's own folder (its ImagePath) holds none of its binaries: the collection missed
    # them. A 5.0 backup elsewhere must not make the server "not applicable" (exit 0): what
    # runs is not in the evidence.
    backup = files("5.0.1461.0", folder="D$/backup/mta-5.0")
    facts = registry(
        adapter("A", "10.0.0.5", "10.0.0.6"), image_path="%SystemRoot%\\..\\exchsrvr\\bin\\x.exe"
    )
    verdict = evaluate(server(file_facts=backup, registry_facts=facts), baseline)
    # Judged on the lowest copy found, as any server whose folder holds none: a red.
    assert verdict.status.is_failing


@pytest.mark.parametrize(
    "image_path", [None, "%SystemRoot%\\..\\exchsrvr\\bin\\x.exe"], ids=["none", "variable"]
)
def test_a_backup_named_like_the_mta_folder_is_not_the_mta_folder(
    baseline: Baseline, image_path: str | None
) -> None:
    # Where only the folder's tail is known (exchsrvr\bin), a 5.0 backup at
    # D:\backup\exchsrvr\bin ends the same way; it tells nothing of what the server runs.
    backup = files("5.0.1461.0", folder="D$/backup/exchsrvr/bin")
    facts = registry(image_path=image_path)
    verdict = evaluate(server(file_facts=backup, registry_facts=facts), baseline)
    assert verdict.status is not Status.NOT_APPLICABLE
    no_registry = evaluate(server(file_facts=backup, registry_facts=None), baseline)
    assert no_registry.status is not Status.NOT_APPLICABLE
    # At a drive's root, exchsrvr\bin is where Exchange puts the MTA: the server runs 5.0.
    at_root = evaluate(
        server(file_facts=files("5.0.1461.0", folder="D$/exchsrvr/bin"), registry_facts=facts),
        baseline,
    )
    assert at_root.status is Status.NOT_APPLICABLE


def test_5_0_binaries_in_the_mta_folder_are_not_applicable(baseline: Baseline) -> None:
    facts = registry(image_path="%SystemRoot%\\..\\exchsrvr\\bin\\x.exe")
    verdict = evaluate(server(file_facts=files("5.0.1461.0"), registry_facts=facts), baseline)
    assert verdict.status is Status.NOT_APPLICABLE


def test_unreadable_evidence_is_never_not_applicable(baseline: Baseline) -> None:
    no_service = registry(adapter("A", "10.0.0.5"), mta_service=False)
    verdict = evaluate(
        server(file_facts=(), registry_facts=no_service, problems=("registry/b.reg: line 9: bad",)),
        baseline,
    )
    assert verdict.status is Status.INCOMPLETE
    unreadable_mta = (FileFact("Emsmta.exe", "C$/x/EMSMTA.EXE", 10, error="a link; not read"),)
    verdict = evaluate(server(file_facts=unreadable_mta, registry_facts=no_service), baseline)
    assert verdict.status is Status.INCOMPLETE


def test_mta_binaries_without_the_service_key_are_still_judged(baseline: Baseline) -> None:
    partial = without(files("5.5.2232.18"), "Emsmta.exe")
    no_service = registry(adapter("A", "10.0.0.5"), mta_service=False)
    verdict = evaluate(server(file_facts=partial, registry_facts=no_service), baseline)
    assert verdict.status is Status.BELOW_BASELINE


@pytest.mark.parametrize(
    ("transport", "expected"),
    [
        ("TCP", ConnectorResult.MISSING),
        ("TCP/IP (RFC1006)", ConnectorResult.MISSING),
        ("tcpip", ConnectorResult.MISSING),
        ("a typo", ConnectorResult.MISSING),
        ("X.25", ConnectorResult.NOT_REQUIRED),
        ("TP4/CLNP", ConnectorResult.NOT_REQUIRED),
        ("RAS", ConnectorResult.NOT_REQUIRED),
        # RFC 1006 carries TP0 over TCP/IP: TCP named anywhere is TCP.
        ("TCP/IP (RFC 1006 TP0)", ConnectorResult.MISSING),
        ("TP0 over TCP", ConnectorResult.MISSING),
        ("RAS over TCP/IP", ConnectorResult.MISSING),
        ("RFC 1006 (TP0)", ConnectorResult.MISSING),
        ("RFC1006", ConnectorResult.MISSING),
        ("TP0 over IP", ConnectorResult.MISSING),
        ("TP0", ConnectorResult.MISSING),
        ("OSI", ConnectorResult.MISSING),
        ("TP0/X.25", ConnectorResult.NOT_REQUIRED),
        ("TP4", ConnectorResult.NOT_REQUIRED),
    ],
)
def test_only_known_other_stacks_are_excused_from_the_override(
    baseline: Baseline, transport: str, expected: ConnectorResult
) -> None:
    entry = ConnectorEntry("EXCH01", "/o=O/cn=Link", "Link", transport, "", "")
    verdict = evaluate(
        server(registry_facts=registry(adapter("A", "10.0.0.5", "10.0.0.6"))),
        baseline,
        ConnectorInventory("connectors.csv", (entry,), ()),
    )
    assert [c.result for c in verdict.connectors] == [expected]


def test_an_unusable_inventory_row_keeps_its_server_from_passing(baseline: Baseline) -> None:
    inv = ConnectorInventory(
        "connectors.csv", (), ("connectors.csv:3: no cn= part",), None,
        (("EXCH01", "connectors.csv:3: no cn= part"),),
    )  # fmt: skip
    multihomed = registry(adapter("A", "10.0.0.5", "10.0.0.6"))
    verdict = evaluate(server(registry_facts=multihomed), baseline, inv)
    assert verdict.status is Status.INCOMPLETE
    assert any("connectors.csv:3" in reason for reason in verdict.reasons)


def test_a_multihomed_server_the_inventory_does_not_list_is_incomplete(baseline: Baseline) -> None:
    multihomed = registry(adapter("A", "10.0.0.5", "10.0.0.6"))
    verdict = evaluate(server(registry_facts=multihomed), baseline, inventory())
    assert verdict.status is Status.INCOMPLETE
    assert verdict.connectors_unknown
    assert any("does not list EXCH01" in reason for reason in verdict.reasons)


def test_unreadable_evidence_is_still_named_when_the_status_is_proven(baseline: Baseline) -> None:
    facts = server(
        file_facts=without(files("5.5.2232.18"), "Mtamsg.dll"),
        problems=("registry/b.reg: line 9: bad hex",),
    )
    verdict = evaluate(facts, baseline)
    assert verdict.status is Status.BELOW_BASELINE
    assert "also: registry/b.reg: line 9: bad hex" in verdict.reasons
    assert "also: Mtamsg.dll is not in the evidence" in verdict.reasons
