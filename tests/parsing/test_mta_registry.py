"""From a merged registry view to RegistryFacts: the W2K Bind list and the RAS service."""

from __future__ import annotations

from auditor.baseline import default_baseline_path, load_baseline
from auditor.facts import RegistryFacts
from auditor.parsing.mta_registry import extract_registry_facts
from auditor.parsing.registry import EnsureKey, RegistryTree, RegType, RegValue, SetValue

SERVICES = "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services"
INTERFACES = f"{SERVICES}\\Tcpip\\Parameters\\Interfaces"
BOUND, REMOVED = "{4D36E972-E325-11CE-BFC1-08002BE10318}", "{8A1F3B2C-0000-4B1E-9C3D-2F1E0A9B8C7D}"


def facts(*operations: SetValue | EnsureKey) -> RegistryFacts:
    tree = RegistryTree()
    tree.apply([EnsureKey(f"{SERVICES}\\MSExchangeMTA"), *operations])
    return extract_registry_facts(tree, load_baseline(default_baseline_path()).registry, ("x",))


def ip(key: str, *addresses: str) -> SetValue:
    return SetValue(key, RegValue("IPAddress", RegType.MULTI_SZ, addresses))


def test_windows_2000_interfaces_are_bound_when_linkage_bind_lists_their_device() -> None:
    bind = (f"\\Device\\{BOUND}", "\\Device\\NdisWanIp")
    result = facts(
        SetValue(f"{SERVICES}\\Tcpip\\Linkage", RegValue("Bind", RegType.MULTI_SZ, bind)),
        ip(f"{INTERFACES}\\{BOUND}", "10.0.0.5"),
        ip(f"{INTERFACES}\\{REMOVED}", "10.0.0.6"),
    )
    bound = {adapter.name: adapter.bound for adapter in result.adapters}
    assert bound == {BOUND: True, REMOVED: False}


def test_without_a_bind_list_binding_is_unknown_not_false() -> None:
    result = facts(ip(f"{INTERFACES}\\{BOUND}", "10.0.0.5"))
    assert [adapter.bound for adapter in result.adapters] == [None]


def test_the_remote_access_service_start_is_read() -> None:
    assert facts().remote_access_start is None
    enabled = SetValue(f"{SERVICES}\\RemoteAccess", RegValue("Start", RegType.DWORD, 2))
    assert facts(enabled).remote_access_start == 2
    assert facts(EnsureKey(f"{SERVICES}\\RemoteAccess")).remote_access_start == -1
    as_text = SetValue(f"{SERVICES}\\RemoteAccess", RegValue("Start", RegType.SZ, "4"))
    assert facts(as_text).remote_access_start == -1
