"""Collection for catalogue runs: the Windows version from a SOFTWARE hive or export, and
the plain registry values an article names. Evidence is built by the test builders (.reg
text and regf hives written byte by byte), not by the readers under test."""

from __future__ import annotations

import shutil
from pathlib import Path

from auditor.baseline import default_baseline_path, load_baseline
from auditor.collect import collect
from auditor.evidence import discover_fleet
from auditor.facts import ValueFact, WindowsFacts
from auditor.parsing.registry import RegType, RegValue
from auditor.requirements import ValueCheck, ValueRequirement
from tests.builders.hive import build_hive
from tests.builders.regtext import write_reg
from tests.conftest import REPO

SERVER = REPO / "examples" / "fleet" / "compliant-sp2-single-homed"
CURRENT = "Microsoft\\Windows NT\\CurrentVersion"
PARAMETERS = "SYSTEM\\CurrentControlSet\\Services\\MSExchangeMTA\\Parameters"
NT4_SP6 = [
    RegValue("CurrentVersion", RegType.SZ, "4.0"),
    RegValue("CSDVersion", RegType.SZ, "Service Pack 6"),
    RegValue("CurrentBuildNumber", RegType.SZ, "1381"),
]


def _server(tmp_path: Path) -> Path:
    target = tmp_path / "fleet" / SERVER.name
    shutil.copytree(SERVER, target)
    return target


def _collect(server: Path, values: tuple[ValueRequirement, ...] = ()) -> tuple[object, ...]:
    (source,) = [s for s in discover_fleet(server.parent) if s.server == server.name]
    facts = collect(source, load_baseline(default_baseline_path()), values)
    return facts.windows, facts.values, facts.registry is not None


def test_windows_from_a_software_hive(tmp_path: Path) -> None:
    server = _server(tmp_path)
    hive = build_hive({CURRENT: NT4_SP6}, file_name="\\SystemRoot\\System32\\Config\\SOFTWARE")
    (server / "registry" / "SOFTWARE").write_bytes(hive)
    windows, _, registry = _collect(server)
    assert registry
    assert isinstance(windows, WindowsFacts)
    assert (windows.current_version, windows.csd_version, windows.build) == (
        "4.0",
        "Service Pack 6",
        "1381",
    )
    assert windows.describe() == "Windows NT 4.0 build 1381, Service Pack 6"


def test_windows_from_an_export(tmp_path: Path) -> None:
    server = _server(tmp_path)
    values = [
        RegValue("CurrentVersion", RegType.SZ, "5.0"),
        RegValue("CurrentBuildNumber", RegType.SZ, "2195"),
    ]
    (server / "registry" / "software.reg").write_bytes(
        write_reg({f"HKEY_LOCAL_MACHINE\\SOFTWARE\\{CURRENT}": values})
    )
    windows, _, _ = _collect(server)
    assert isinstance(windows, WindowsFacts)
    assert windows.describe() == "Windows 2000 build 2195, no service pack"


def test_no_software_evidence_no_windows(tmp_path: Path) -> None:
    assert _collect(_server(tmp_path))[0] is None


def test_plain_values_read_from_an_export(tmp_path: Path) -> None:
    server = _server(tmp_path)
    key = f"HKEY_LOCAL_MACHINE\\{PARAMETERS}"
    (server / "registry" / "zz-params.reg").write_bytes(
        write_reg({key: [RegValue("Rule", RegType.DWORD, 45)]})
    )
    wanted = (
        ValueRequirement(PARAMETERS, "Rule", "REG_DWORD", ValueCheck.AT_LEAST, "30"),
        ValueRequirement(PARAMETERS, "Other", None, ValueCheck.EXISTS, None),
        ValueRequirement("SOFTWARE\\Vendor\\Thing", "X", None, ValueCheck.EXISTS, None),
    )
    _, values, _ = _collect(server, wanted)
    assert isinstance(values, tuple)
    assert values[0] == ValueFact(PARAMETERS, "Rule", True, "REG_DWORD", "45")
    assert values[1] == ValueFact(PARAMETERS, "Other", False)
    assert (
        values[2].error is not None
        and "does not hold the key SOFTWARE\\Vendor\\Thing" in values[2].error
    )


SERVICES = "ControlSet001\\Services"


def _only_a_system_hive(tmp_path: Path, more: dict[str, list[RegValue]] | None = None) -> Path:
    """The example server with its exports replaced by a SYSTEM hive: the MTA's service,
    MSExchangeIS with a value, and the keys of ``more`` (paths below Services)."""
    server = _server(tmp_path)
    for export in (server / "registry").glob("*.reg"):
        export.unlink()
    keys = {
        "Select": [RegValue("Current", RegType.DWORD, 1)],
        f"{SERVICES}\\MSExchangeMTA": [
            RegValue("ImagePath", RegType.EXPAND_SZ, "C:\\exchsrvr\\bin\\emsmta.exe")
        ],
        f"{SERVICES}\\MSExchangeIS": [RegValue("Start", RegType.DWORD, 2)],
        **{f"{SERVICES}\\{path}": values for path, values in (more or {}).items()},
    }
    (server / "registry" / "SYSTEM").write_bytes(build_hive(keys))
    return server


def test_exchange_services_shown_by_a_system_hive(tmp_path: Path) -> None:
    server = _only_a_system_hive(
        tmp_path,
        {
            "W3SVC": [RegValue("Start", RegType.DWORD, 2)],
            "El90x1\\Parameters\\Tcpip": [RegValue("IPAddress", RegType.MULTI_SZ, ("10.0.5.5",))],
        },
    )
    (source,) = [s for s in discover_fleet(server.parent) if s.server == server.name]
    facts = collect(source, load_baseline(default_baseline_path()))
    assert facts.registry is not None
    assert facts.registry.exchange_services == ("MSExchangeMTA", "MSExchangeIS")


def test_exchange_services_unknown_from_an_export_of_a_few_keys() -> None:
    (source,) = [s for s in discover_fleet(SERVER.parent) if s.server == SERVER.name]
    facts = collect(source, load_baseline(default_baseline_path()))
    assert facts.registry is not None
    assert facts.registry.exchange_services is None


def test_a_value_of_a_key_the_hive_only_lists_is_unknown_not_absent(tmp_path: Path) -> None:
    # The hive reader lists the MSExchange* service keys (which components are installed)
    # without reading their values: a value asked of one is not in the evidence, which is
    # not the same as not on the server (that would be a false "exposed").
    server = _only_a_system_hive(tmp_path)
    listed_only = "SYSTEM\\CurrentControlSet\\Services\\MSExchangeIS"
    copied = "SYSTEM\\CurrentControlSet\\Services\\MSExchangeMTA"
    wanted = (
        ValueRequirement(listed_only, "Start", None, ValueCheck.EXISTS, None),
        ValueRequirement(copied, "ImagePath", None, ValueCheck.EXISTS, None),
        ValueRequirement(copied, "Missing", None, ValueCheck.EXISTS, None),
    )
    _, values, _ = _collect(server, wanted)
    assert isinstance(values, tuple)
    assert values[0].found is False
    assert values[0].error is not None and "not its values" in values[0].error
    assert values[1].found is True
    assert values[2] == ValueFact(copied, "Missing", False)  # a copied key: truly absent


def test_a_value_the_live_read_did_not_ask_for_is_unknown_not_absent(tmp_path: Path) -> None:
    # registry/live.reg is what live collection (and a saved copy of it) holds: each key
    # with only the values the audit asked for. The same text under another name is an
    # export of whole keys, where a missing value is missing from the server.
    key = f"HKEY_LOCAL_MACHINE\\{PARAMETERS}"
    wanted = (ValueRequirement(PARAMETERS, "Other", None, ValueCheck.EXISTS, None),)
    found = {}
    for name in ("live.reg", "zz-whole.reg"):
        server = _server(tmp_path / name)
        for export in (server / "registry").glob("*.reg"):
            export.unlink()  # the server's own export holds the key whole
        (server / "registry" / name).write_bytes(
            write_reg({key: [RegValue("Rule", RegType.DWORD, 45)]})
        )
        _, values, _ = _collect(server, wanted)
        assert isinstance(values, tuple)
        found[name] = values[0]
    assert found["live.reg"].error is not None and "not its values" in found["live.reg"].error
    assert found["zz-whole.reg"] == ValueFact(PARAMETERS, "Other", False)
