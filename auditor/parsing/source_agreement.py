"""Several registry sources of one server, compared on what the audit reads.

Exports and hives are merged into one view, as a later import would merge them. But an old
export that still holds an override, beside a current hive that lacks it, must not hide the
absence (DESIGN.md, "Registry evidence"): each source is also read on its own, and where two
of them show the same key and disagree on a value the audit reads, or one holds a key that
the other shows absent, the server cannot be judged on them. Neither an export nor a hive
copy says when it was taken, so neither is preferred.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import combinations

from auditor.baseline import RegistryRule
from auditor.errors import ParseError
from auditor.parsing.mta_registry import (
    CLUSTER_SERVICE,
    REMOTE_ACCESS_SERVICE,
    SYSTEM_KEY,
    current_control_set,
    value_text,
)
from auditor.parsing.registry import RegistryKey, RegistryTree, RegOperation

__all__ = ["MAX_DISAGREEMENTS", "disagreements"]

MAX_DISAGREEMENTS = 10
"""Disagreements named one by one; the rest are counted."""

_ANY = "*"
_ADDRESS_VALUES = ("IPAddress", "EnableDHCP", "DhcpIPAddress")

Path = tuple[str, ...]
"""Key names below the current control set's Services key, case-folded."""


@dataclass(frozen=True)
class _View:
    """What one source says of the keys and values the audit reads."""

    origin: str
    services: RegistryKey | None
    shown_above: bool
    """Services itself, or a key above it, is named by the source: it shows every key below."""
    keys: dict[Path, str]
    """Each audited key the source holds, with its name as written."""
    values: dict[tuple[Path, str], tuple[str, str]]
    """Each audited value the source holds: its name as written, and its type and text."""

    def shows(self, path: Path) -> bool:
        """The source shows what is at ``path``: a key missing there is missing."""
        if self.shown_above:
            return True
        key = self.services
        for name in path:
            key = key.subkey(name) if key is not None else None
            if key is None:
                return False
            if key.listed:
                return True
        return False


def disagreements(
    sources: Sequence[tuple[str, Sequence[RegOperation]]], rule: RegistryRule
) -> list[str]:
    """Where two sources (origin, operations) disagree on what the audit reads, in words."""
    views = [view for origin, ops in sources if (view := _view(origin, ops, rule)) is not None]
    found: list[str] = []
    for first, second in combinations(views, 2):
        found += _between(first, second)
    if len(found) > MAX_DISAGREEMENTS:
        rest = len(found) - MAX_DISAGREEMENTS
        found = [*found[:MAX_DISAGREEMENTS], f"and {rest} more disagreements between them"]
    return found


def _patterns(rule: RegistryRule) -> tuple[tuple[Path, tuple[str, ...]], ...]:
    """The keys below Services that extract_registry_facts reads, and the values it reads."""
    return (
        ((rule.service,), ("ImagePath",)),
        ((rule.service, rule.override_key, _ANY), (rule.override_value,)),
        ((CLUSTER_SERVICE,), ()),
        ((REMOTE_ACCESS_SERVICE,), ("Start",)),
        (("Tcpip", "Linkage"), ("Bind",)),
        (("Tcpip", "Parameters", "Interfaces", _ANY), _ADDRESS_VALUES),
        ((_ANY, "Parameters", "Tcpip"), _ADDRESS_VALUES),
    )


def _view(origin: str, operations: Sequence[RegOperation], rule: RegistryRule) -> _View | None:
    tree = RegistryTree()
    tree.apply(operations)
    system = tree.find(SYSTEM_KEY)
    if system is None:
        return None
    try:
        _, control_set = current_control_set(system, origin)
    except ParseError:
        return None  # the merged view reports it; alone it cannot be compared
    services = control_set.find("Services")
    above = (tree.find("HKEY_LOCAL_MACHINE"), system, control_set, services)
    keys: dict[Path, str] = {}
    values: dict[tuple[Path, str], tuple[str, str]] = {}
    for pattern, names in _patterns(rule):
        for path, key in _matches(services, pattern, ()):
            folded = tuple(part.casefold() for part in path)
            keys[folded] = "\\".join(path)
            for name in names:
                value = key.value(name)
                if value is not None:
                    text = f"{value.type} {value_text(value)!r}"
                    values[(folded, name.casefold())] = (value.name, text)
    shown_above = any(key is not None and key.listed for key in above)
    return _View(origin, services, shown_above, keys, values)


def _matches(
    key: RegistryKey | None, pattern: Path, path: Path
) -> Iterator[tuple[Path, RegistryKey]]:
    if key is None:
        return
    if not pattern:
        yield path, key
        return
    head, rest = pattern[0], pattern[1:]
    children = key.subkeys() if head == _ANY else [key.subkey(head)]
    for child in children:
        if child is not None:
            yield from _matches(child, rest, (*path, child.name))


def _between(first: _View, second: _View) -> list[str]:
    found: list[str] = []
    missing: set[Path] = set()
    for one, other in ((first, second), (second, first)):
        for path, name in one.keys.items():
            lost = any(path[:depth] in missing for depth in range(1, len(path) + 1))
            if path not in other.keys and other.shows(path) and not lost:
                missing.add(path)
                found.append(
                    f"Services\\{name} is in {one.origin} but not in {other.origin}; "
                    "which of the two is current cannot be told"
                )
    for item in sorted({*first.values, *second.values}):
        path = item[0]
        lost = any(path[:depth] in missing for depth in range(1, len(path) + 1))
        if lost or not (first.shows(path) and second.shows(path)):
            continue
        held = [view.values.get(item) for view in (first, second)]
        said = [value[1] if value else "absent" for value in held]
        if said[0] != said[1]:
            key = first.keys.get(path) or second.keys[path]
            name = next(value[0] for value in held if value)
            found.append(
                f"Services\\{key}: {name!r} is {said[0]} in {first.origin} but "
                f"{said[1]} in {second.origin}; which of the two is current cannot be told"
            )
    return found
