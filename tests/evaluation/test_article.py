"""One server against one catalogue article: every path to each status, per article."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from auditor.baseline import default_baseline_path, load_baseline
from auditor.evaluation import evaluate
from auditor.evaluation.article import evaluate_article
from auditor.evaluation.catalogue import evaluate_catalogue
from auditor.facts import FileFact, RegistryFacts, ServerFacts, ValueFact
from auditor.parsing.connectors_csv import ConnectorEntry, ConnectorInventory
from auditor.requirements import Article, load_article
from auditor.verdicts import ComponentBuild, FileResult, Status, ValueResult
from tests.evaluation.facts_builder import BIN, SINGLE, adapter, files, registry, server
from tests.evaluation.requirement_articles import Q197398, TWO_LINES, VALUE_RULE, SP2Only, write


def inventory(*rows: tuple[str, str]) -> ConnectorInventory:
    entries = tuple(
        ConnectorEntry(
            server=name,
            obj_dist_name=f"/o=Org/ou=Site/cn=Configuration/cn=Connections/cn={rdn}",
            rdn=rdn,
            transport="TCP",
            remote_server="",
            remote_address="",
        )
        for name, rdn in rows
    )
    return ConnectorInventory("connectors.csv", entries, ())


KEY = "SYSTEM\\CurrentControlSet\\Services\\MSExchangeMTA\\Parameters"


def pe(name: str, version: str) -> FileFact:
    return FileFact(name, f"{BIN}/{name}", 1000, version, version)


def facts(*copies: FileFact, mta_service: bool = True, **changes: object) -> ServerFacts:
    base = server(file_facts=tuple(copies), registry_facts=registry(mta_service=mta_service))
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture
def q197398(tmp_path: Path) -> Article:
    return load_article(write(tmp_path, "q197398.toml", Q197398))


@pytest.fixture
def two_lines(tmp_path: Path) -> Article:
    return load_article(write(tmp_path, "q198392.toml", TWO_LINES))


SP2_FILES = (
    pe("Emsmta.exe", "5.5.2448.1"),
    pe("Mtacheck.exe", "5.5.2448.0"),
    pe("X400om.dll", "5.5.2448.0"),
)


def test_component_absent_is_not_applicable(q197398: Article) -> None:
    verdict = evaluate_article(facts(mta_service=False), q197398)
    assert verdict.status is Status.NOT_APPLICABLE
    assert verdict.reasons[0].startswith("component not installed")


def test_absence_not_shown_is_incomplete(q197398: Article) -> None:
    """No files but an MTA service key: the files were not collected, not absent."""
    verdict = evaluate_article(facts(mta_service=True), q197398)
    assert verdict.status is Status.INCOMPLETE
    assert any("Emsmta.exe is not in the evidence" in reason for reason in verdict.reasons)


def test_no_registry_and_no_files_is_incomplete(q197398: Article) -> None:
    verdict = evaluate_article(facts(registry=None), q197398)
    assert verdict.status is Status.INCOMPLETE


def test_mixed_server_is_judged_by_its_lowest_file(q197398: Article) -> None:
    mixed = facts(
        pe("Emsmta.exe", "5.5.2650.24"),
        pe("Mtacheck.exe", "5.5.2650.24"),
        pe("X400om.dll", "5.5.2232.18"),
    )
    verdict = evaluate_article(mixed, q197398, service_packs=SP2Only())
    assert verdict.status is Status.BELOW_BASELINE
    assert verdict.reasons[0] == "below Q197398's 5.5 table: X400om.dll 5.5.2232.18"
    below = [f.name for f in verdict.files if f.result is FileResult.BELOW]
    assert below == ["X400om.dll"]


def test_strict_table_without_service_pack_data_flags_sp2(q197398: Article) -> None:
    verdict = evaluate_article(facts(*SP2_FILES), q197398)
    assert verdict.status is Status.BELOW_BASELINE
    assert "Mtacheck.exe 5.5.2448.0" in verdict.reasons[0]


def test_service_pack_own_versions_satisfy_the_article(q197398: Article) -> None:
    verdict = evaluate_article(facts(*SP2_FILES), q197398, service_packs=SP2Only())
    assert verdict.status is Status.COMPLIANT
    assert any(
        "fixed in SP2" in reason and "X400om.dll 5.5.2448.0" in reason for reason in verdict.reasons
    )


def test_service_pack_rule_is_no_laxer_than_the_service_pack(q197398: Article) -> None:
    """A post-SP1 hotfix below SP2's own version stays below."""
    hotfix = (
        pe("Emsmta.exe", "5.5.2448.1"),
        pe("Mtacheck.exe", "5.5.2431.0"),
        pe("X400om.dll", "5.5.2448.0"),
    )
    verdict = evaluate_article(facts(*hotfix), q197398, service_packs=SP2Only())
    assert verdict.status is Status.BELOW_BASELINE
    assert "Mtacheck.exe 5.5.2431.0" in verdict.reasons[0]


def test_newer_files_are_compliant(q197398: Article) -> None:
    newer = (
        pe("Emsmta.exe", "5.5.2650.24"),
        pe("Mtacheck.exe", "5.5.2650.24"),
        pe("X400om.dll", "5.5.2650.24"),
    )
    verdict = evaluate_article(facts(*newer), q197398)
    assert verdict.status is Status.COMPLIANT
    assert verdict.reasons[0] == "every PE file of Q197398's 5.5 table is at or above its version"


def test_unreadable_file_is_incomplete(q197398: Article) -> None:
    broken = FileFact("X400om.dll", f"{BIN}/X400om.dll", 10, error="truncated PE header")
    verdict = evaluate_article(
        facts(SP2_FILES[0], SP2_FILES[1], broken), q197398, service_packs=SP2Only()
    )
    assert verdict.status is Status.INCOMPLETE


def test_five_oh_server_is_judged_by_the_five_oh_table(two_lines: Article) -> None:
    fixed = evaluate_article(
        facts(pe("Emsmta.exe", "5.0.1461.81"), pe("X400om.dll", "5.0.1461.90")), two_lines
    )
    assert fixed.status is Status.COMPLIANT
    assert "5.0 table" in fixed.reasons[0]
    old = evaluate_article(
        facts(pe("Emsmta.exe", "5.0.1461.81"), pe("X400om.dll", "5.0.1460.8")), two_lines
    )
    assert old.status is Status.BELOW_BASELINE
    assert old.reasons[0] == "below Q198392's 5.0 table: X400om.dll 5.0.1460.8"


def test_the_fixing_service_pack_is_offered_only_to_its_own_product_line(tmp_path: Path) -> None:
    # Q198392's fix shipped in Exchange 5.5 SP2; an Exchange 5.0 server needs the 5.0 fix,
    # never "service pack SP2" (5.5's).
    article = load_article(
        write(
            tmp_path,
            "q198392.toml",
            TWO_LINES.replace(
                'product_line = "5.5"\n', 'product_line = "5.5"\nfixed_in_service_pack = "SP2"\n', 1
            ),
        )
    )
    five_oh = evaluate_article(
        facts(pe("Emsmta.exe", "5.0.1461.81"), pe("X400om.dll", "5.0.1460.8")), article
    )
    five_five = evaluate_article(
        facts(pe("Emsmta.exe", "5.5.2232.18"), pe("X400om.dll", "5.5.2232.18")), article
    )
    assert five_oh.status is five_five.status is Status.BELOW_BASELINE
    assert five_oh.remediation[0].startswith("Install the fix of Q198392")
    assert five_five.remediation[0].startswith("Install service pack SP2 or later")


def test_five_five_server_is_judged_by_the_five_five_table(two_lines: Article) -> None:
    old = evaluate_article(
        facts(pe("Emsmta.exe", "5.5.2232.18"), pe("X400om.dll", "5.5.2232.18")), two_lines
    )
    assert old.status is Status.BELOW_BASELINE
    assert "5.5 table" in old.reasons[0]
    assert all(f.required_version == "5.5.2336.0" for f in old.files)


def test_stray_five_oh_dll_on_a_five_five_server_is_below(two_lines: Article) -> None:
    stray = evaluate_article(
        facts(pe("Emsmta.exe", "5.5.2650.24"), pe("X400om.dll", "5.0.1461.81")), two_lines
    )
    assert stray.status is Status.BELOW_BASELINE


def test_five_oh_server_against_a_five_five_only_article(q197398: Article) -> None:
    verdict = evaluate_article(
        facts(pe("Emsmta.exe", "5.0.1461.81"), pe("X400om.dll", "5.0.1461.81")), q197398
    )
    assert verdict.status is Status.NOT_APPLICABLE
    assert "product line 5.0" in verdict.reasons[0]


def test_legacy_article_is_judged_as_before() -> None:
    path = default_baseline_path()
    article = load_article(path)
    assert article.legacy is not None
    subject = server(file_facts=files("5.5.2232.18"), registry_facts=SINGLE)
    assert evaluate_article(subject, article) == evaluate(subject, load_baseline(path))


def _value_article(tmp_path: Path, rule: str, value: str = "Rule") -> Article:
    return load_article(write(tmp_path, "q900001.toml", VALUE_RULE.format(value=value, rule=rule)))


FIXED = pe("Emsmta.exe", "5.5.2650.24")


@pytest.mark.parametrize(
    ("rule", "fact", "status", "detail"),
    [
        (
            'type = "REG_DWORD"\nequals = 1',
            ValueFact(KEY, "Rule", True, "REG_DWORD", "1"),
            Status.COMPLIANT,
            "equals '1'",
        ),
        (
            'type = "REG_DWORD"\nequals = 1',
            ValueFact(KEY, "Rule", True, "REG_DWORD", "0x1"),
            Status.COMPLIANT,
            "equals '1'",
        ),
        (
            'type = "REG_DWORD"\nequals = 1',
            ValueFact(KEY, "Rule", True, "REG_DWORD", "0"),
            Status.EXPOSED,
            "is '0', not '1'",
        ),
        (
            'equals = "abc"',
            ValueFact(KEY, "Rule", True, "REG_SZ", "ABC"),
            Status.EXPOSED,
            "is 'ABC', not 'abc'",
        ),
        (
            'type = "REG_DWORD"\nat_least = 30',
            ValueFact(KEY, "Rule", True, "REG_DWORD", "45"),
            Status.COMPLIANT,
            "45 is at least 30",
        ),
        (
            'type = "REG_DWORD"\nat_least = 30',
            ValueFact(KEY, "Rule", True, "REG_DWORD", "29"),
            Status.EXPOSED,
            "29 is below 30",
        ),
        (
            "at_least = 30",
            ValueFact(KEY, "Rule", True, "REG_SZ", "many"),
            Status.EXPOSED,
            "is 'many', not a number",
        ),
        (
            "exists = true",
            ValueFact(KEY, "Rule", True, "REG_BINARY", ""),
            Status.COMPLIANT,
            "present",
        ),
        ("exists = true", ValueFact(KEY, "Rule", False), Status.EXPOSED, "absent"),
        (
            'type = "REG_DWORD"\nequals = 1',
            ValueFact(KEY, "Rule", True, "REG_SZ", "1"),
            Status.EXPOSED,
            "is REG_SZ, not REG_DWORD",
        ),
        (
            'type = "REG_DWORD"\nexists = true',
            ValueFact(KEY, "Rule", True, "REG_SZ", "1"),
            Status.EXPOSED,
            "is REG_SZ, not REG_DWORD",
        ),
        (
            "exists = true",
            ValueFact(KEY, "Rule", False, error="SYSTEM: bad cell"),
            Status.INCOMPLETE,
            "could not be read: SYSTEM: bad cell",
        ),
        ("exists = true", None, Status.INCOMPLETE, "not read by the collection"),
    ],
)
def test_plain_registry_value(
    tmp_path: Path, rule: str, fact: ValueFact | None, status: Status, detail: str
) -> None:
    article = _value_article(tmp_path, rule)
    subject = facts(FIXED, values=(fact,) if fact else ())
    verdict = evaluate_article(subject, article)
    assert verdict.status is status
    assert verdict.values[0].detail.startswith(detail)
    expected = {Status.COMPLIANT: ValueResult.MET, Status.EXPOSED: ValueResult.NOT_MET}.get(
        status, ValueResult.UNKNOWN
    )
    assert verdict.values[0].result is expected


def test_value_key_and_name_are_case_insensitive(tmp_path: Path) -> None:
    article = _value_article(tmp_path, "exists = true", value="RULE")
    fact = ValueFact(KEY.upper(), "rule", True, "REG_SZ", "x")
    assert evaluate_article(facts(FIXED, values=(fact,)), article).status is Status.COMPLIANT


def test_value_rule_and_file_below_together_are_exposed(tmp_path: Path) -> None:
    article = _value_article(tmp_path, "exists = true")
    subject = facts(pe("Emsmta.exe", "5.5.1960.3"), values=(ValueFact(KEY, "Rule", False),))
    verdict = evaluate_article(subject, article)
    assert verdict.status is Status.EXPOSED
    assert verdict.reasons[0] == "below Q900001's 5.5 table: Emsmta.exe 5.5.1960.3"


def test_value_rule_without_registry_is_incomplete(tmp_path: Path) -> None:
    article = _value_article(tmp_path, "exists = true")
    verdict = evaluate_article(facts(FIXED, registry=None), article)
    assert verdict.status is Status.INCOMPLETE
    assert verdict.values[0].detail == "no readable registry evidence"


DATA_ONLY = """\
id = "Q900002"
title = "Data files only"
product_line = "5.5"
component = "Message Transfer Agent (MTA)"

[[files]]
name = "P2.xv2"
version = "N/A"
"""


def test_data_only_article(tmp_path: Path) -> None:
    article = load_article(write(tmp_path, "d.toml", DATA_ONLY))
    present = FileFact("P2.xv2", f"{BIN}/P2.XV2", 10)
    assert evaluate_article(facts(present), article).status is Status.COMPLIANT
    unseen = evaluate_article(facts(), article)
    assert unseen.status is Status.INCOMPLETE
    assert "none of its data files is in the evidence" in unseen.reasons[0]


def test_article_extending_q197378_keeps_the_connector_rule(tmp_path: Path) -> None:
    text = Q197398.replace('fixed_in_service_pack = "SP2"', 'extends = "q197378.toml"')
    article = load_article(write(tmp_path, "e.toml", text))
    multihomed = registry(adapter("El90x1", "10.0.0.5", "10.0.0.6"))
    subject = facts(
        *SP2_FILES[:1], pe("Mtacheck.exe", "5.5.2448.1"), pe("X400om.dll", "5.5.2448.1")
    )
    extra = FileFact("P2.xv2", f"{BIN}/P2.XV2", 10)
    subject = replace(subject, files=(*subject.files, extra), registry=SINGLE)
    single = evaluate_article(subject, article)
    assert single.status is Status.COMPLIANT
    exposed = evaluate_article(
        replace(subject, registry=multihomed), article, inventory(("EXCH01", "TCP to B"))
    )
    assert exposed.status is Status.EXPOSED
    assert exposed.connectors[0].connector == "TCP to B"


def test_fix_level_labels(q197398: Article) -> None:
    mixed = facts(
        pe("Emsmta.exe", "5.5.2650.24"),
        pe("Mtacheck.exe", "5.5.2448.0"),
        pe("X400om.dll", "5.5.2448.0"),
    )
    verdict = evaluate_catalogue(mixed, [q197398], service_packs=SP2Only())
    assert verdict.builds == (ComponentBuild("MTA", "5.5.2448.0", "SP2", "Mtacheck.exe"),)
    assert [a.article_id for a in verdict.articles] == ["Q197398"]
    assert evaluate_catalogue(mixed, [q197398]).builds[0].label is None  # no table to name it


TWO_COMPONENTS = """\
id = "Q232391"
title = "Two components"
product_line = "5.5"

[[files]]
name = "Emsmta.exe"
kind = "pe"
version = "5.5.2448.0"
component = "MTA"

[[files]]
name = "Store.exe"
kind = "pe"
version = "5.5.2448.0"
component = "Information Store"
"""


def _with_services(*names: str | None) -> RegistryFacts:
    shown = None if names == (None,) else tuple(n for n in names if n)
    return replace(SINGLE, exchange_services=shown)


def test_other_component_absent_is_not_applicable(tmp_path: Path) -> None:
    text = TWO_COMPONENTS.split("[[files]]")[0] + "[[files]]" + TWO_COMPONENTS.split("[[files]]")[2]
    store = load_article(write(tmp_path, "is.toml", text))
    absent = evaluate_article(facts(registry=_with_services("MSExchangeMTA")), store)
    assert absent.status is Status.NOT_APPLICABLE
    assert absent.reasons == (
        "component not installed: no MSExchangeIS service and none of its files",
    )
    unknown = evaluate_article(facts(registry=_with_services(None)), store)
    assert unknown.status is Status.INCOMPLETE  # an export of a few keys shows no absence
    there = evaluate_article(facts(registry=_with_services("MSExchangeIS")), store)
    assert there.status is Status.INCOMPLETE


def test_an_absent_component_of_several_is_left_out(tmp_path: Path) -> None:
    article = load_article(write(tmp_path, "two.toml", TWO_COMPONENTS))
    subject = facts(pe("Emsmta.exe", "5.5.2448.0"), registry=_with_services("MSExchangeMTA"))
    verdict = evaluate_article(subject, article)
    assert verdict.status is Status.COMPLIANT
    assert verdict.reasons[-1].startswith("Information Store: component not installed")
    both = evaluate_article(
        replace(subject, registry=_with_services("MSExchangeMTA", "MSExchangeIS")), article
    )
    assert both.status is Status.INCOMPLETE
    assert "Store.exe is not in the evidence" in both.reasons


def test_a_component_whose_data_files_are_there_is_not_shown_absent(q197398: Article) -> None:
    """As a plain run reads it: the MTA's data files without its binaries are a collection
    that missed the rest, not an MTA that is not installed (the plain run says incomplete)."""
    data = FileFact("P2.xv2", f"{BIN}/P2.xv2", 100)
    subject = facts(data, mta_service=False)
    assert evaluate(subject, load_baseline(default_baseline_path())).status is Status.INCOMPLETE
    verdict = evaluate_article(subject, q197398)
    assert verdict.status is Status.INCOMPLETE
    assert "Emsmta.exe is not in the evidence" in verdict.reasons


def test_a_component_of_several_whose_data_files_are_there_is_kept(tmp_path: Path) -> None:
    text = TWO_COMPONENTS + '\n[[files]]\nname = "Mdbdata.cfg"\nversion = "N/A"\n'
    text += 'component = "Information Store"\n'
    article = load_article(write(tmp_path, "two.toml", text))
    subject = facts(
        pe("Emsmta.exe", "5.5.2448.0"),
        FileFact("Mdbdata.cfg", f"{BIN}/Mdbdata.cfg", 100),
        registry=_with_services("MSExchangeMTA"),
    )
    verdict = evaluate_article(subject, article)
    assert verdict.status is Status.INCOMPLETE
    assert "Store.exe is not in the evidence" in verdict.reasons


def test_an_8dot3_image_path_is_resolved_for_catalogue_articles_as_for_q197378(
    q197398: Article,
) -> None:
    """The MTA runs from C:\\EXCHAN~1\\bin, whose one candidate is 'Exchange Server'; an old
    copy elsewhere is a stray there, as a plain run judges it, not the copy judged."""
    folder = "C$/Exchange Server/bin"
    subject = facts(
        *(replace(f, path=f"{folder}/{f.name}") for f in SP2_FILES),
        replace(pe("Emsmta.exe", "5.5.2232.18"), path="D$/old/bin/Emsmta.exe"),
        registry=registry(
            adapter("El90x1", "10.0.0.5"), image_path="C:\\EXCHAN~1\\bin\\emsmta.exe"
        ),
    )
    plain = evaluate(subject, load_baseline(default_baseline_path()))
    judged = {f.path for f in plain.files if f.name == "Emsmta.exe" and f.result is FileResult.OK}
    assert judged == {f"{folder}/Emsmta.exe"}
    verdict = evaluate_article(subject, q197398, service_packs=SP2Only())
    assert verdict.status is Status.COMPLIANT, verdict.reasons
    assert any("EXCHAN~1 as 'Exchange Server'" in warning for warning in verdict.warnings)


IMC_55 = """\
id = "Q999001"
title = "IMS: an Internet Mail Service fix"
product_line = "5.5"
component = "Internet Mail Service (IMC)"

[[files]]
name = "Msexcimc.exe"
version = "5.5.2448.0"
"""
IMC_FOLDER = "C$/exchsrvr/connect/msexcimc/bin"


def test_only_a_stray_copy_of_another_line_is_not_not_applicable(q197398: Article) -> None:
    # A 5.0 backup on D: and none of the article's files in the MTA's folder: what the
    # server runs is not shown, so the article is not said not to apply (a false green);
    # the one copy seen is judged against the article's table, and is below it.
    backup = FileFact("Emsmta.exe", "D$/backup/EMSMTA.EXE", 1000, "5.0.1461.81", "5.0.1461.81")
    verdict = evaluate_article(facts(backup), q197398)
    assert verdict.status is Status.BELOW_BASELINE
    # The same backup beside a 5.0 MTA folder: the server runs 5.0, the article does not apply.
    five_oh = evaluate_article(facts(backup, pe("X400om.dll", "5.0.1461.81")), q197398)
    assert five_oh.status is Status.NOT_APPLICABLE


def test_a_server_of_another_line_is_read_from_the_mta_folder(tmp_path: Path) -> None:
    article = load_article(write(tmp_path, "imc.toml", IMC_55))
    imc_50 = FileFact(
        "Msexcimc.exe", f"{IMC_FOLDER}/MSEXCIMC.EXE", 1000, "5.0.1460.8", "5.0.1460.8"
    )
    # The IMC's own folder is not the MTA's: the 5.0 MTA beside it shows the server's line.
    on_five_oh = evaluate_article(facts(imc_50, pe("Emsmta.exe", "5.0.1461.81")), article)
    assert on_five_oh.status is Status.NOT_APPLICABLE
    # A 5.0 IMC copy on a server whose MTA is 5.5 is judged, and is below.
    on_five_five = evaluate_article(facts(imc_50, pe("Emsmta.exe", "5.5.2448.1")), article)
    assert on_five_five.status is Status.BELOW_BASELINE
    # Without any readable file in the MTA's folder, the line is not known.
    unknown = evaluate_article(facts(imc_50), article)
    assert unknown.status is not Status.NOT_APPLICABLE


def test_none_of_the_files_and_another_line_only_outside_the_mta_folder(tmp_path: Path) -> None:
    article = load_article(write(tmp_path, "imc.toml", IMC_55))
    backup = FileFact("Emsmta.exe", "D$/old/EMSMTA.EXE", 1000, "5.0.1461.81", "5.0.1461.81")
    verdict = evaluate_article(facts(backup, registry=_with_services("MSExchangeIMC")), article)
    assert verdict.status is not Status.NOT_APPLICABLE
    five_oh = evaluate_article(
        facts(pe("Emsmta.exe", "5.0.1461.81"), registry=_with_services("MSExchangeIMC")), article
    )
    assert five_oh.status is Status.NOT_APPLICABLE
    assert "product line 5.0" in five_oh.reasons[0]


def test_the_mta_version_is_read_whatever_the_article_calls_its_file(tmp_path: Path) -> None:
    text = Q197398.replace('name = "Emsmta.exe"', 'name = "EMSMTA.EXE"')
    assert 'name = "EMSMTA.EXE"' in text
    article = load_article(write(tmp_path, "upper.toml", text))
    verdict = evaluate_article(facts(*SP2_FILES), article)
    assert verdict.mta_version == "5.5.2448.1"


def test_a_backup_named_like_the_mta_folder_does_not_show_the_line(q197398: Article) -> None:
    # No ImagePath: the MTA's folder is known by its tail only (exchsrvr\bin), which a 5.0
    # backup at D:\backup\exchsrvr\bin shares.
    backup = FileFact(
        "Emsmta.exe", "D$/backup/exchsrvr/bin/EMSMTA.EXE", 1000, "5.0.1461.81", "5.0.1461.81"
    )
    for registry_facts in (registry(image_path=None), None):
        verdict = evaluate_article(facts(backup, registry=registry_facts), q197398)
        assert verdict.status is not Status.NOT_APPLICABLE
