"""Servers the connectors inventory names but the fleet has no evidence for.

Each is reported as an incomplete server, not dropped: the fleet may lack its evidence. But
an inventory is text anyone can paste into, so what it adds is bounded: beyond a cap, the
absent servers are one note, and 100,000 rows of a mistaken file never become 100,000
servers.
"""

from __future__ import annotations

from collections.abc import Sequence

from auditor.facts import ServerFacts
from auditor.parsing.connectors_csv import ConnectorInventory

__all__ = ["INVENTORY_ONLY_CAP", "inventory_only"]

INVENTORY_ONLY_CAP = 100
"""Absent servers reported as servers; beyond it they are one note."""


def inventory_only(
    inventory: ConnectorInventory | None, gathered: Sequence[ServerFacts]
) -> tuple[list[ServerFacts], list[str]]:
    """The facts of each server only the inventory names, or one note when too many."""
    if inventory is None:
        return [], []
    known = {facts.server.casefold() for facts in gathered}
    missing: dict[str, str] = {}
    for entry in inventory.entries:
        if entry.server.casefold() not in known:
            missing.setdefault(entry.server.casefold(), entry.server)
    names = sorted(missing.values(), key=str.casefold)
    if len(names) > INVENTORY_ONLY_CAP:
        return [], [
            f"{inventory.source}: names {len(names)} servers the fleet has no evidence for, "
            f"more than the {INVENTORY_ONLY_CAP} reported as servers: is it another fleet's "
            f"inventory? They are not audited; the first are {', '.join(names[:20])}"
        ]
    return [
        ServerFacts(
            server,
            inventory.source,
            (),
            None,
            (f"{inventory.source}: names {server}, but the fleet has no evidence for it",),
        )
        for server in names
    ], []
