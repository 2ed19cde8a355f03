"""The connectors inventory: ``server,obj_dist_name[,transport,remote_server,remote_address]``.

A row per X.400 connector of each server; a row with the server and an empty
``obj_dist_name`` declares that the server has no X.400 connector. An override key in the
registry names a connector that was configured once, but a connector that never got a key
leaves no trace there: only the inventory tells which connectors a server has.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TypeVar

from auditor.errors import ParseError
from auditor.names import server_name
from auditor.parsing.csv_text import read_csv_text

__all__ = ["MAX_ROWS", "ConnectorEntry", "ConnectorInventory", "parse_connectors", "rdn_of"]

REQUIRED = ("server", "obj_dist_name")
OPTIONAL = ("transport", "remote_server", "remote_address")

V = TypeVar("V")


@dataclass(frozen=True)
class ConnectorEntry:
    """One X.400 connector of one server."""

    server: str
    obj_dist_name: str
    rdn: str
    """The last ``cn=`` of the Obj-Dist-Name: the name of the override's registry key."""
    transport: str
    remote_server: str
    remote_address: str
    """The address this connector's Stack page expects of the remote MTA."""


@dataclass(frozen=True)
class ConnectorInventory:
    """Every connector of the fleet, and the rows that could not be used."""

    source: str
    entries: tuple[ConnectorEntry, ...]
    problems: tuple[str, ...]
    """Rows that could not be used, each naming the file and line."""
    error: str | None = None
    """Why the whole inventory is unusable; then no server can be judged compliant by it."""
    rejected: tuple[tuple[str, str], ...] = ()
    """(server, why) for each row of a named server that could not be used: a connector lost."""
    without_connectors: tuple[str, ...] = ()
    """Servers declared to have no X.400 connector (a row with an empty obj_dist_name)."""

    @classmethod
    def unusable(cls, source: str, error: str) -> ConnectorInventory:
        return cls(source, (), (), error)

    def of(self, server: str) -> tuple[ConnectorEntry, ...]:
        return self._entries_by_server.get(server.casefold(), ())

    def rejected_of(self, server: str) -> tuple[str, ...]:
        return self._rejected_by_server.get(server.casefold(), ())

    def covers(self, server: str) -> bool:
        """The inventory says which X.400 connectors ``server`` has: rows, or "none"."""
        if self.error:
            return False
        folded = server.casefold()
        return folded in self._entries_by_server or folded in self._declared_without

    @cached_property
    def _declared_without(self) -> frozenset[str]:
        return frozenset(server.casefold() for server in self.without_connectors)

    # Indexed once: every server of the fleet looks itself and its peers up, and a scan
    # through all entries each time made judging a 10,000-server fleet quadratic.
    @cached_property
    def _entries_by_server(self) -> dict[str, tuple[ConnectorEntry, ...]]:
        return _group((entry.server, entry) for entry in self.entries)

    @cached_property
    def _rejected_by_server(self) -> dict[str, tuple[str, ...]]:
        return _group(self.rejected)


def _group(pairs: Iterable[tuple[str, V]]) -> dict[str, tuple[V, ...]]:
    """Values by casefolded name, in their original order."""
    groups: dict[str, list[V]] = {}
    for name, value in pairs:
        groups.setdefault(name.casefold(), []).append(value)
    return {name: tuple(values) for name, values in groups.items()}


def rdn_of(obj_dist_name: str) -> str:
    """``/o=Org/ou=Site/cn=Configuration/cn=Connections/cn=TCP to MTA B`` -> ``TCP to MTA B``."""
    for part in reversed(obj_dist_name.split("/")):
        label, _, value = part.partition("=")
        if label.strip().casefold() == "cn" and value:
            return value
    raise ValueError(f"no cn= part in {obj_dist_name!r}")


MAX_ROWS = 500_000
"""Rows an inventory may hold: each becomes data of the run (about 500 bytes), so a runaway
file must not. Servers it names without evidence are one note, not servers, whatever the
count; this bound only caps memory, well above a real fleet (100,000 servers with three
connectors on each multihomed one are 60,000 rows)."""


def parse_connectors(path: Path) -> ConnectorInventory:
    """Read the inventory (UTF-8, with or without BOM, or cp1252). Raise ParseError."""
    text = read_csv_text(path, "connectors inventory")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = [(name or "").strip().casefold() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise ParseError(f"{path}: the header lacks the column {missing[0]!r}")
    reader.fieldnames = columns
    entries: list[ConnectorEntry] = []
    problems: list[str] = []
    rejected: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    declared: dict[str, tuple[str, int]] = {}
    for line, row in enumerate(reader, start=2):
        if line > MAX_ROWS + 1:
            raise ParseError(
                f"{path}: more than {MAX_ROWS:,} rows, far more X.400 connectors than any "
                "Exchange 5.5 organisation has: is this the connectors inventory?"
            )
        server = (row.get("server") or "").strip()
        if server and _declares_none(row):
            server = server_name(server)
            declared.setdefault(server.casefold(), (server, line))
            continue
        entry = _entry(row, f"{path}:{line}", problems)
        if entry is None:
            server = (row.get("server") or "").strip()
            if server:
                rejected.append((server_name(server), problems[-1]))
            continue
        key = (entry.server.casefold(), entry.rdn.casefold())
        if key in seen:
            problems.append(f"{path}:{line}: duplicate connector {entry.rdn!r} of {entry.server!r}")
            continue
        seen.add(key)
        entries.append(entry)
    with_rows = {entry.server.casefold() for entry in entries}
    for folded, (server, line) in declared.items():
        if folded in with_rows:
            # Both "no connector" and a connector: which is true is not ours to guess.
            why = f"{path}:{line}: {server!r} is declared to have no X.400 connector, "
            why += "yet other rows list connectors of it"
            problems.append(why)
            rejected.append((server, why))
    return ConnectorInventory(
        str(path),
        tuple(entries),
        tuple(problems),
        None,
        tuple(rejected),
        tuple(server for folded, (server, _) in declared.items() if folded not in with_rows),
    )


def _declares_none(row: dict[str, str | None]) -> bool:
    """A row of the server alone, every other column present and empty: "no X.400 connector".

    A row cut short (fewer fields than the header) or with a transport or peer but no
    Obj-Dist-Name is a connector whose name was lost, not a declaration.
    """
    others = [name for name in row if name != "server"]
    return bool(others) and all(
        value is not None and not value.strip() for name, value in row.items() if name != "server"
    )


def _entry(row: dict[str, str | None], where: str, problems: list[str]) -> ConnectorEntry | None:
    # Trailing spaces are significant in an RDN, as in the registry key it names.
    values = {name: (row.get(name) or "").strip() for name in (*REQUIRED, *OPTIONAL)}
    values["obj_dist_name"] = (row.get("obj_dist_name") or "").lstrip()
    values["server"] = server_name(values["server"])
    if not values["server"]:
        problems.append(f"{where}: a row without a server name")
        return None
    if not values["obj_dist_name"]:
        problems.append(
            f"{where}: a connector without an obj_dist_name (a row declaring that the server "
            "has no X.400 connector leaves every column but the server empty)"
        )
        return None
    try:
        rdn = rdn_of(values["obj_dist_name"])
    except ValueError as error:
        problems.append(f"{where}: {error}")
        return None
    return ConnectorEntry(rdn=rdn, **values)
