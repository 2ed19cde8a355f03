"""From the merged SYSTEM registry evidence to RegistryFacts for the MTA.

Reads the current control set: ``CurrentControlSet`` as exports name it, or, in an offline
hive that has none, the ``ControlSet%03d`` that ``Select\\Current`` names.
"""

from __future__ import annotations

from auditor.baseline import RegistryRule
from auditor.errors import ParseError
from auditor.facts import AdapterFact, OverrideFact, RegistryFacts
from auditor.parsing.registry import (
    RegistryKey,
    RegistryTree,
    RegType,
    RegValue,
    selected_control_set,
)

__all__ = [
    "CLUSTER_SERVICE",
    "REMOTE_ACCESS_SERVICE",
    "SYSTEM_KEY",
    "extract_registry_facts",
    "value_text",
]

SYSTEM_KEY = "HKEY_LOCAL_MACHINE\\SYSTEM"
CLUSTER_SERVICE = "ClusSvc"
REMOTE_ACCESS_SERVICE = "RemoteAccess"
"""RAS (NT4) and Routing and Remote Access (Windows 2000): a server running it is in
effect dual-homed (Q255991, Q256844)."""


def extract_registry_facts(
    tree: RegistryTree, rule: RegistryRule, sources: tuple[str, ...]
) -> RegistryFacts:
    """The MTA service, its overrides and the adapters' addresses. Raise ParseError."""
    where = ", ".join(sources)
    system = tree.find(SYSTEM_KEY)
    if system is None:
        raise ParseError(f"{where}: no HKEY_LOCAL_MACHINE\\SYSTEM key in the registry evidence")
    name, control_set = _current_control_set(system, where)
    services = control_set.find("Services")
    service = services.subkey(rule.service) if services else None
    return RegistryFacts(
        sources=sources,
        control_set=name,
        mta_service=service is not None,
        image_path=_text(service.value("ImagePath")) if service else None,
        overrides=_overrides(service.find(rule.override_key), rule) if service else (),
        adapters=_adapters(services) if services else (),
        cluster_service=services is not None and services.subkey(CLUSTER_SERVICE) is not None,
        remote_access_start=_start(services.subkey(REMOTE_ACCESS_SERVICE)) if services else None,
    )


def _start(service: RegistryKey | None) -> int | None:
    """The service's Start value; -1 for a service key without a DWORD Start."""
    if service is None:
        return None
    start = service.value("Start")
    return start.data if start is not None and isinstance(start.data, int) else -1


def _current_control_set(system: RegistryKey, where: str) -> tuple[str, RegistryKey]:
    current = system.subkey("CurrentControlSet")
    if current is not None:
        return current.name, current
    name = selected_control_set(system)
    if name is None:
        raise ParseError(
            f"{where}: neither CurrentControlSet nor a DWORD Select\\Current is in the evidence"
        )
    control_set = system.subkey(name)
    if control_set is None:
        raise ParseError(f"{where}: Select\\Current names {name}, which the evidence does not hold")
    return control_set.name, control_set


def _overrides(parameters: RegistryKey | None, rule: RegistryRule) -> tuple[OverrideFact, ...]:
    if parameters is None:
        return ()
    facts = []
    for connector in parameters.subkeys():
        value = connector.value(rule.override_value)
        facts.append(
            OverrideFact(
                connector=connector.name,
                value=value_text(value) if value else None,
                value_type=str(value.type) if value else None,
            )
        )
    return tuple(sorted(facts, key=lambda fact: fact.connector.casefold()))


def _adapters(services: RegistryKey) -> tuple[AdapterFact, ...]:
    """NT4 adapters (``Services\\<Adapter>\\Parameters\\Tcpip``) and W2K interfaces."""
    bind = services.find("Tcpip\\Linkage")
    bind_value = bind.value("Bind") if bind else None
    bound_names = (
        {entry.rsplit("\\", 1)[-1].casefold() for entry in _strings(bind_value)}
        if bind_value
        else None
    )
    adapters = [
        _adapter(adapter.name, tcpip, bound_names)
        for adapter in services.subkeys()
        if (tcpip := adapter.find("Parameters\\Tcpip")) is not None
    ]
    interfaces = services.find("Tcpip\\Parameters\\Interfaces")
    if interfaces is not None:
        # Windows 2000 lists bound interfaces as \Device\{GUID}: one it does not list (a
        # removed or disabled NIC) keeps its key and addresses but carries no traffic.
        adapters += [_adapter(key.name, key, bound_names) for key in interfaces.subkeys()]
    return tuple(adapters)


def _adapter(name: str, key: RegistryKey, bound_names: set[str] | None) -> AdapterFact:
    enable_dhcp = key.value("EnableDHCP")
    dhcp_address = key.value("DhcpIPAddress")
    return AdapterFact(
        name=name,
        addresses=_strings(key.value("IPAddress")),
        dhcp=enable_dhcp is not None and enable_dhcp.data == 1,
        dhcp_address=_text(dhcp_address),
        bound=None if bound_names is None else name.casefold() in bound_names,
    )


def _strings(value: RegValue | None) -> tuple[str, ...]:
    """A REG_MULTI_SZ (or a lone REG_SZ) as its strings: a REG_MULTI_SZ ends at its first
    empty string, as Windows reads it, and what follows is leftover bytes."""
    if value is None:
        return ()
    if isinstance(value.data, tuple):
        strings = [_first_string(item) for item in value.data]
        return tuple(strings[: strings.index("")] if "" in strings else strings)
    text = _text(value)
    return (text,) if text else ()


def _text(value: RegValue | None) -> str | None:
    return value_text(value) if value is not None else None


def value_text(value: RegValue) -> str:
    """Any value as text for a report: strings as they are, numbers in decimal, bytes in hex."""
    data = value.data
    if isinstance(data, str):
        return _first_string(data)
    if isinstance(data, tuple):
        return ",".join(data)
    if isinstance(data, int):
        return str(data)
    if value.type in (RegType.SZ, RegType.EXPAND_SZ):
        return _first_string(data[: len(data) // 2 * 2].decode("utf-16-le", errors="replace"))
    return data.hex(",")


def _first_string(text: str) -> str:
    """A string ends at its first NUL; Windows ignores the leftover bytes after it."""
    return text.split("\0", 1)[0]
