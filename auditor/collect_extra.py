"""The catalogue's part of collection: plain registry values and the Windows version, read
from the registry evidence collect() merged."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from auditor.facts import ServerFacts
from auditor.parsing.extra_registry import read_values, read_windows
from auditor.parsing.registry import RegistryTree
from auditor.requirements import ValueRequirement

__all__ = ["add_extra_registry"]


def add_extra_registry(
    facts: ServerFacts, tree: RegistryTree, values: Sequence[ValueRequirement]
) -> ServerFacts:
    """``facts`` with the Windows version and the values asked for, where there are any."""
    where = ", ".join(facts.registry.sources) if facts.registry else facts.source
    windows = read_windows(tree, facts.source)
    found = read_values(tree, values, where) if values and facts.registry else ()
    if windows is None and not found:
        return facts
    return replace(facts, windows=windows, values=found)
