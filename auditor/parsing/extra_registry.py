"""What catalogue runs read from the registry besides the MTA's keys: plain values an
article names, and the Windows version (``Microsoft\\Windows NT\\CurrentVersion``)."""

from __future__ import annotations

from collections.abc import Sequence

from auditor.errors import ParseError
from auditor.facts import ValueFact, WindowsFacts
from auditor.parsing.mta_registry import current_control_set
from auditor.parsing.registry import RegistryKey, RegistryTree, RegValue, split_path
from auditor.requirements import ValueRequirement

__all__ = ["CURRENT_VERSION", "read_values", "read_windows"]

CURRENT_VERSION = "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion"


def read_windows(tree: RegistryTree, where: str) -> WindowsFacts | None:
    """The Windows version and service pack, when the evidence holds the key."""
    key = tree.find(CURRENT_VERSION)
    if key is None:
        return None
    return WindowsFacts(
        source=where,
        current_version=_string(key.value("CurrentVersion")),
        csd_version=_string(key.value("CSDVersion")),
        build=_string(key.value("CurrentBuildNumber")),
    )


def read_values(
    tree: RegistryTree, requirements: Sequence[ValueRequirement], where: str
) -> tuple[ValueFact, ...]:
    """Each value as found. A value is absent only where its key is in the evidence (a key
    is exported with all its values); a key the evidence does not hold is not read."""
    facts = []
    for required in requirements:
        key = _find(tree, required.key)
        if key is None:
            error = f"{where}: the registry evidence does not hold the key {required.key}"
            facts.append(ValueFact(required.key, required.value, False, error=error))
            continue
        value = key.value(required.value)
        if value is None and not key.values_read:
            error = (
                f"{where}: the registry evidence names the key {required.key} but not its values"
            )
            facts.append(ValueFact(required.key, required.value, False, error=error))
            continue
        if value is None:
            facts.append(ValueFact(required.key, required.value, found=False))
            continue
        facts.append(ValueFact(required.key, required.value, True, str(value.type), _text(value)))
    return tuple(facts)


def _find(tree: RegistryTree, path: str) -> RegistryKey | None:
    parts = split_path(path)
    if len(parts) >= 2 and [p.casefold() for p in parts[:2]] == ["system", "currentcontrolset"]:
        system = tree.find("HKEY_LOCAL_MACHINE\\SYSTEM")
        if system is None:
            return None
        try:
            _, control_set = current_control_set(system, "")
        except ParseError:
            return None
        return control_set.find(parts[2:]) if len(parts) > 2 else control_set
    return tree.find("\\".join(["HKEY_LOCAL_MACHINE", *parts]))


def _string(value: RegValue | None) -> str | None:
    if value is None or not isinstance(value.data, str):
        return None
    return value.data


def _text(value: RegValue) -> str:
    data = value.data
    if isinstance(data, int):
        return str(data)
    if isinstance(data, str):
        return data
    if isinstance(data, tuple):
        return "\n".join(str(item) for item in data)
    return bytes(data).hex()
