"""From the merged SYSTEM registry evidence to RegistryFacts for the MTA.

Reads the current control set: ``CurrentControlSet`` as exports name it, or, in an offline
hive that has none, the ``ControlSet%03d`` that ``Select\\Current`` names.
"""

from __future__ import annotations

import re

from auditor.baseline import RegistryRule
from auditor.errors import ParseError
from auditor.facts import AdapterFact, OverrideFact, RegistryFacts
from auditor.parsing.registry import (
    RegistryKey,
    RegistryTree,
    RegType,
    RegValue,
    multi_string_data,
    selected_control_set,
    split_path,
    string_data,
)
from auditor.service_path import CLUSTER_SERVICE, REMOTE_ACCESS_SERVICE

__all__ = [
    "CLUSTER_SERVICE",
    "REMOTE_ACCESS_SERVICE",
    "SYSTEM_KEY",
    "audited_services",
    "could_hold_audited_value",
    "current_control_set",
    "extract_registry_facts",
    "value_text",
]

SYSTEM_KEY = "HKEY_LOCAL_MACHINE\\SYSTEM"


def audited_services(service: str) -> tuple[str, ...]:
    """The services below ``Services`` whose keys the facts are read from, whole: the
    baseline's MTA ``service``, Tcpip, the cluster service and RemoteAccess. (Adapters'
    ``Parameters\\Tcpip`` are read besides.)"""
    return (service, "Tcpip", CLUSTER_SERVICE, REMOTE_ACCESS_SERVICE)


def extract_registry_facts(
    tree: RegistryTree, rule: RegistryRule, sources: tuple[str, ...]
) -> RegistryFacts:
    """The MTA service, its overrides and the adapters' addresses. Raise ParseError."""
    where = ", ".join(sources)
    system = tree.find(SYSTEM_KEY)
    if system is None:
        raise ParseError(f"{where}: no HKEY_LOCAL_MACHINE\\SYSTEM key in the registry evidence")
    name, control_set = current_control_set(system, where)
    services = control_set.find("Services")
    service = services.subkey(rule.service) if services else None
    # The service's absence is shown only where the evidence names Services or a key above it.
    above = (tree.find("HKEY_LOCAL_MACHINE"), system, control_set, services)
    shown = any(key is not None and key.listed for key in above)
    return RegistryFacts(
        sources=sources,
        control_set=name,
        mta_service=True if service is not None else (False if shown else None),
        image_path=_text(service.value("ImagePath")) if service else None,
        overrides=_overrides(service.find(rule.override_key), rule) if service else (),
        adapters=_adapters(services) if services else (),
        cluster_service=services is not None and services.subkey(CLUSTER_SERVICE) is not None,
        remote_access_start=_start(services.subkey(REMOTE_ACCESS_SERVICE)) if services else None,
        exchange_services=_exchange_services(services) if services and shown else None,
    )


def _exchange_services(services: RegistryKey) -> tuple[str, ...]:
    return tuple(
        key.name for key in services.subkeys() if key.name.casefold().startswith("msexchange")
    )


def _start(service: RegistryKey | None) -> int | None:
    """The service's Start value; -1 for a service key without a DWORD Start."""
    if service is None:
        return None
    start = service.value("Start")
    return start.data if start is not None and isinstance(start.data, int) else -1


def current_control_set(system: RegistryKey, where: str) -> tuple[str, RegistryKey]:
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
    """A REG_MULTI_SZ (or a lone REG_SZ) as its strings, up to the empty one that ends it."""
    if value is None:
        return ()
    if isinstance(value.data, tuple):
        return multi_string_data(value.data)
    text = _text(value)
    return (text,) if text else ()


def _text(value: RegValue | None) -> str | None:
    return value_text(value) if value is not None else None


def value_text(value: RegValue) -> str:
    """Any value as text for a report: strings as they are, numbers in decimal, bytes in hex."""
    data = value.data
    if isinstance(data, str):
        return string_data(data)
    if isinstance(data, tuple):
        return ",".join(multi_string_data(data))
    if isinstance(data, int):
        return str(data)
    if value.type in (RegType.SZ, RegType.EXPAND_SZ):
        return string_data(data.decode("utf-16-le", errors="replace"))
    return data.hex(",")


_ANY = "*"
_CONTROL_SETS = ("currentcontrolset", "controlset###")
_CONTROL_SET_NUMBER = re.compile(r"controlset\d{3}")
_HKLM_SYSTEM = (("hkey_local_machine",), ("system",))


def could_hold_audited_value(key: str | None, service: str, *, uncertain: bool = False) -> bool:
    """Whether a line under ``key`` could hold a value that extract_registry_facts reads.

    It reads ``HKEY_LOCAL_MACHINE\\SYSTEM\\Select``, and under ``Services`` of
    ``CurrentControlSet`` or a ``ControlSetNNN``: the keys of ``service`` (the baseline's
    MTA), ``Tcpip``, ``ClusSvc`` and ``RemoteAccess`` and everything below them, and any
    adapter's ``Parameters\\Tcpip``. Names compare without regard to case; ``HKLM`` is
    ``HKEY_LOCAL_MACHINE``.

    With ``uncertain``, ``key`` is only the text of a key line regedit could not read (or
    None, before any key): it may be cut short or carry junk, so it counts as long as it
    cannot be ruled out, that is, unless it leaves every path above.
    """
    if key is None:
        return True
    parts = [part.casefold() for part in split_path(key.strip(" \t-" if uncertain else ""))]
    if uncertain and not parts:
        return True
    services = tuple(name.casefold() for name in audited_services(service))
    services_key = (*_HKLM_SYSTEM, _CONTROL_SETS, ("services",))
    patterns: tuple[tuple[tuple[tuple[str, ...], ...], bool], ...] = (
        ((*_HKLM_SYSTEM, ("select",)), False),
        ((*services_key, services), True),
        ((*services_key, (_ANY,), ("parameters",), ("tcpip",)), False),
    )
    return any(_fits(parts, pattern, below, uncertain) for pattern, below in patterns)


def _fits(
    parts: list[str], pattern: tuple[tuple[str, ...], ...], below: bool, uncertain: bool
) -> bool:
    """``parts`` name a key of ``pattern`` (or below it, when ``below``); when uncertain, a
    key that could be one once its cut-short last part is completed, or an ancestor."""
    if len(parts) > len(pattern) and not below:
        return False
    if len(parts) < len(pattern) and not uncertain:
        return False
    last = min(len(parts), len(pattern)) - 1
    return all(
        _part_fits(part, choices, uncertain and index == last)
        for index, (part, choices) in enumerate(zip(parts, pattern, strict=False))
    )


def _part_fits(part: str, choices: tuple[str, ...], cut_short: bool) -> bool:
    for choice in choices:
        if choice == _ANY or part == choice:
            return True
        if choice == "controlset###":
            if _CONTROL_SET_NUMBER.fullmatch(part):
                return True
            if cut_short and part.startswith("controlset") and part[10:].isdigit():
                return True
            choice = "controlset"
        if cut_short and choice.startswith(part):
            return True
    return False
