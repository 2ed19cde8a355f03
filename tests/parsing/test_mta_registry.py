"""Which keys the MTA facts are read from, how strings are read from the values, the W2K Bind
list and the RAS service."""

from __future__ import annotations

import pytest

from auditor.baseline import default_baseline_path, load_baseline
from auditor.facts import RegistryFacts
from auditor.parsing.mta_registry import (
    could_hold_audited_value,
    extract_registry_facts,
    value_text,
)
from auditor.parsing.registry import EnsureKey, RegistryTree, RegType, RegValue, SetValue

CCS = "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet"
MTA = "MSExchangeMTA"

# (key, uncertain, could hold a value the audit reads)
KEYS = [
    (f"{CCS}\\Services\\MSExchangeMTA", False, True),
    (f"{CCS}\\Services\\MSExchangeMTA\\Parameters\\TCP to B", False, True),
    ("hklm\\system\\controlset002\\services\\msexchangemta\\parameters", False, True),
    ("HKEY_LOCAL_MACHINE\\SYSTEM\\Select", False, True),
    (f"{CCS}\\Services\\Tcpip\\Parameters\\Interfaces\\{{GUID}}", False, True),
    (f"{CCS}\\Services\\Tcpip\\Linkage", False, True),
    (f"{CCS}\\Services\\ClusSvc", False, True),
    (f"{CCS}\\Services\\RemoteAccess\\Parameters", False, True),
    (f"{CCS}\\Services\\El90x1\\Parameters\\Tcpip", False, True),
    (f"{CCS}\\Services\\El90x1\\Parameters\\Tcpip\\Deeper", False, False),
    (f"{CCS}\\Services\\El90x1\\Parameters", False, False),
    (f"{CCS}\\Services\\W3SVC", False, False),
    (f"{CCS}\\Services", False, False),
    (f"{CCS}\\Control", False, False),
    ("HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet1\\Services\\MSExchangeMTA", False, False),
    ("HKEY_LOCAL_MACHINE\\SYSTEM\\Select\\Sub", False, False),
    ("HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft", False, False),
    ("HKEY_CURRENT_USER\\Software\\Wine", False, False),
    # The text of a key line regedit could not read: it counts unless it is ruled out.
    (None, True, True),
    ("", True, True),
    ("HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentCon", True, True),  # cut short
    ("HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet00", True, True),
    (f"-{CCS}\\Services\\MSExchangeMTA", True, True),
    (f"{CCS}\\Services\\MSExchangeMTA\\Parameters\\TCP to B ;x", True, True),
    (f"{CCS}\\Services\\El90x1\\Param", True, True),
    ("HKEY_LOCAL_MACHINE\\SYSTEM", True, True),  # an ancestor: the rest may be lost
    ("HKEY_CURRENT_USER\\Software\\Wine", True, False),
    ("HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft", True, False),
    (f"{CCS}\\Control\\Session Manager", True, False),
    (f"{CCS}\\Services\\El90x1\\Linkage", True, False),
]


@pytest.mark.parametrize(("key", "uncertain", "expected"), KEYS)
def test_could_hold_audited_value(key: str | None, uncertain: bool, expected: bool) -> None:
    assert could_hold_audited_value(key, MTA, uncertain=uncertain) is expected


def test_the_baseline_names_the_mta_service() -> None:
    key = f"{CCS}\\Services\\MSExchangeMTA2"
    assert could_hold_audited_value(key, "MSExchangeMTA2")
    assert not could_hold_audited_value(key, MTA)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (RegValue("a", RegType.SZ, "10.0.0.5\0junk"), "10.0.0.5"),
        (RegValue("a", RegType.EXPAND_SZ, "C:\\x\0\0"), "C:\\x"),
        (RegValue("a", RegType.SZ, "10.0.0.5\0junk".encode("utf-16-le")), "10.0.0.5"),
        (RegValue("a", RegType.MULTI_SZ, ("a", "", "junk")), "a"),
        (RegValue("a", RegType.MULTI_SZ, ("a\0b", "c")), "a,c"),
        (RegValue("a", RegType.DWORD, 16), "16"),
        (RegValue("a", RegType.BINARY, b"\x01\x00"), "01,00"),
    ],
)
def test_value_text_ends_strings_at_their_first_nul(value: RegValue, text: str) -> None:
    assert value_text(value) == text


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
