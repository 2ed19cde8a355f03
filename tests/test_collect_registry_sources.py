"""Registry sources of one server: absence shown only where the evidence shows the key above,
and sources that disagree on what the audit reads never merged silently (DESIGN.md,
"Registry evidence"). Evidence is written by the test builders, not by the readers."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.baseline import Baseline, default_baseline_path, load_baseline
from auditor.collect import collect
from auditor.evaluation import evaluate
from auditor.evidence import FolderSource
from auditor.facts import ServerFacts
from auditor.parsing.registry import RegType, RegValue
from auditor.verdicts import ServerVerdict, Status
from examples.make_fleet import install
from tests.builders.hive import build_hive
from tests.builders.mta_files import DATA_FILES
from tests.builders.regtext import write_reg
from tests.evaluation.test_connectors_known import connectors

CCS = "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services"
MTA = "MSExchangeMTA"
OVERRIDE = "Stack IP Address Override"
ODN = "/o=Org/ou=Site/cn=Configuration/cn=Connections/cn="


@pytest.fixture(scope="module")
def baseline() -> Baseline:
    return load_baseline(default_baseline_path())


def sz(name: str, text: str) -> RegValue:
    return RegValue(name, RegType.SZ, text)


def dword(name: str, number: int) -> RegValue:
    return RegValue(name, RegType.DWORD, number)


def ip(*addresses: str) -> list[RegValue]:
    return [dword("EnableDHCP", 0), RegValue("IPAddress", RegType.MULTI_SZ, addresses)]


def services(control_set: str, keys: dict[str, list[RegValue]]) -> dict[str, list[RegValue]]:
    return {f"{control_set}\\Services\\{path}": values for path, values in keys.items()}


ONE_NIC = {
    MTA: [RegValue("ImagePath", RegType.EXPAND_SZ, "C:\\exchsrvr\\bin\\emsmta.exe")],
    f"{MTA}\\Parameters\\TCP to B": [sz(OVERRIDE, "10.0.0.5")],
    "El90x1\\Parameters\\Tcpip": ip("10.0.0.5"),
    "Tcpip\\Linkage": [RegValue("Bind", RegType.MULTI_SZ, ("\\Device\\El90x1",))],
}


def hive(keys: dict[str, list[RegValue]]) -> bytes:
    return build_hive({"Select": [dword("Current", 1)], **services("ControlSet001", keys)})


def export(keys: dict[str, list[RegValue]], fmt: str = "regedit4") -> bytes:
    paths = {f"{CCS}\\{path}" if path else CCS: values for path, values in keys.items()}
    return write_reg(paths, fmt)


def collected(tmp_path: Path, files: dict[str, bytes], with_mta: bool = True) -> ServerFacts:
    root = tmp_path / "EXCH01"
    for relative, data in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(data)
    if with_mta:
        install(root, "5.5.2650.24")
    return collect(FolderSource(root), load_baseline(default_baseline_path()))


def judged(facts: ServerFacts, baseline: Baseline, tmp_path: Path) -> ServerVerdict:
    return evaluate(facts, baseline, connectors(tmp_path, f"EXCH01,{ODN}TCP to B,TCP,,"))


# --- sources that disagree ---------------------------------------------------------------


def test_an_old_export_that_says_ras_is_disabled_does_not_outvote_the_hive(
    tmp_path: Path, baseline: Baseline
) -> None:
    ras = {**ONE_NIC, "RemoteAccess": [dword("Start", 2)]}
    facts = collected(
        tmp_path,
        {
            "registry/SYSTEM": hive(ras),
            "registry/old-ras.reg": export({"RemoteAccess": [dword("Start", 4)]}),
        },
    )
    verdict = judged(facts, baseline, tmp_path)
    assert verdict.status is Status.INCOMPLETE
    (problem,) = facts.problems
    assert "Services\\RemoteAccess: 'Start' is REG_DWORD '2' in " in problem
    assert "registry/SYSTEM but REG_DWORD '4' in " in problem
    assert "old-ras.reg" in problem


def test_an_old_export_holding_an_override_that_the_current_one_lacks(
    tmp_path: Path, baseline: Baseline
) -> None:
    two = {**ONE_NIC, "El90x1\\Parameters\\Tcpip": ip("10.0.0.5", "10.0.0.6")}
    current = {key: value for key, value in two.items() if "TCP to B" not in key}
    current[f"{MTA}\\Parameters"] = []
    facts = collected(
        tmp_path,
        {"registry/a-old.reg": export(two), "registry/b-current.reg": export(current, "v5")},
    )
    assert any(
        "Services\\MSExchangeMTA\\Parameters\\TCP to B is in " in problem
        and "a-old.reg but not in " in problem
        and "b-current.reg" in problem
        for problem in facts.problems
    )
    assert judged(facts, baseline, tmp_path).status is Status.INCOMPLETE


def test_sources_that_agree_are_merged_without_a_word(tmp_path: Path, baseline: Baseline) -> None:
    facts = collected(
        tmp_path,
        {
            "registry/SYSTEM": hive(ONE_NIC),
            "registry/mta.reg": export({k: v for k, v in ONE_NIC.items() if MTA in k}, "v5"),
            "registry/w3svc.reg": export({"W3SVC": [dword("Start", 2)]}),
        },
    )
    assert facts.problems == ()
    assert judged(facts, baseline, tmp_path).status is Status.COMPLIANT


def test_a_partial_export_does_not_contradict_what_it_does_not_show(
    tmp_path: Path, baseline: Baseline
) -> None:
    # The export names only the adapter's key: it says nothing of the MTA or of RAS.
    facts = collected(
        tmp_path,
        {
            "registry/SYSTEM": hive({**ONE_NIC, "RemoteAccess": [dword("Start", 4)]}),
            "registry/nic.reg": export({"El90x1\\Parameters\\Tcpip": ip("10.0.0.5")}),
        },
    )
    assert facts.problems == ()
    assert judged(facts, baseline, tmp_path).status is Status.COMPLIANT


# --- absence must be shown ----------------------------------------------------------------


def test_an_export_of_tcpip_alone_does_not_make_a_server_not_applicable(
    tmp_path: Path, baseline: Baseline
) -> None:
    facts = collected(
        tmp_path, {"registry/tcpip.reg": export({"Tcpip\\Linkage": []})}, with_mta=False
    )
    assert facts.registry is not None and facts.registry.mta_service is None
    verdict = evaluate(facts, baseline)
    assert verdict.status is Status.INCOMPLETE
    assert "Emsmta.exe is not in the evidence" in verdict.reasons


def test_an_export_of_services_without_the_mta_is_not_applicable(
    tmp_path: Path, baseline: Baseline
) -> None:
    keys = {"": [], "El90x1\\Parameters\\Tcpip": ip("10.0.0.5")}
    facts = collected(tmp_path, {"registry/services.reg": export(keys)}, with_mta=False)
    assert facts.registry is not None and facts.registry.mta_service is False
    assert evaluate(facts, baseline).status is Status.NOT_APPLICABLE


def test_a_hive_without_the_mta_is_not_applicable_but_not_beside_its_data_files(
    tmp_path: Path, baseline: Baseline
) -> None:
    no_mta = hive({"El90x1\\Parameters\\Tcpip": ip("10.0.0.5")})
    alone = collected(tmp_path / "a", {"registry/SYSTEM": no_mta}, with_mta=False)
    assert evaluate(alone, baseline).status is Status.NOT_APPLICABLE
    data = {f"C$/exchsrvr/bin/{name}": b"; data\r\n" for name in DATA_FILES}
    beside = collected(tmp_path / "b", {"registry/SYSTEM": no_mta, **data}, with_mta=False)
    verdict = evaluate(beside, baseline)
    assert verdict.status is Status.INCOMPLETE
    assert "Emsmta.exe is not in the evidence" in verdict.reasons
