"""The fleet inventory: ``server,host[,port,site,owner,evidence]``, one row per server.

What makes the file as a whole unusable raises ParseError, and the run stops: a missing or
unknown column, a row without a server name, the same server twice, a row with more fields
than the header. Each of those leaves a row that the report could not account for under
one name. What only stops one server from being collected (a malformed port) is a problem
on that row: its server is reported incomplete with the
reason, and the rest of the fleet is audited. A row may leave both ``host`` and
``evidence`` empty when a fleet folder scanned with it holds the server.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from auditor.errors import ParseError
from auditor.evidence.inventory import FleetEntry, FleetInventory
from auditor.names import server_name
from auditor.parsing.csv_text import read_csv_text

__all__ = ["COLUMNS", "REQUIRED", "parse_fleet"]

REQUIRED = ("server", "host")
COLUMNS = (*REQUIRED, "port", "site", "owner", "evidence")


def parse_fleet(path: Path) -> FleetInventory:
    """Read the inventory (UTF-8, with or without BOM, or cp1252). Raise ParseError.

    Relative ``evidence`` paths are resolved against the inventory file's folder.
    """
    text = read_csv_text(path, "fleet inventory")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise ParseError(f"{path}: empty; the header must name the columns server,host")
    columns = _columns(path, header)
    entries: list[FleetEntry] = []
    lines: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if not any(field.strip() for field in row):
            continue
        if len(row) > len(columns):
            raise ParseError(
                f"{path}:{line}: {len(row)} fields but {len(columns)} columns; "
                "quote a value that holds a comma"
            )
        values = dict.fromkeys(COLUMNS, "") | {
            name: field.strip() for name, field in zip(columns, row, strict=False)
        }
        entry = _entry(values, path, f"{path}:{line}")
        first = lines.setdefault(entry.server.casefold(), line)
        if first != line:
            raise ParseError(f"{path}:{line}: {entry.server} is already on line {first}")
        entries.append(entry)
    return FleetInventory(str(path), tuple(entries))


def _columns(path: Path, header: list[str]) -> list[str]:
    columns = [name.strip().casefold() for name in header]
    for name in columns:
        if name not in COLUMNS:
            raise ParseError(
                f"{path}: unknown column {name!r}; the columns are {', '.join(COLUMNS)}"
            )
        if columns.count(name) > 1:
            raise ParseError(f"{path}: the column {name!r} appears twice")
    for name in REQUIRED:
        if name not in columns:
            raise ParseError(f"{path}: the header lacks the column {name!r}")
    return columns


def _entry(values: dict[str, str], path: Path, origin: str) -> FleetEntry:
    if not values["server"]:
        raise ParseError(f"{origin}: a row without a server name")
    port, problem = _port(values["port"])
    evidence = path.parent / values["evidence"] if values["evidence"] else None
    return FleetEntry(
        server=server_name(values["server"]),
        host=values["host"],
        port=port,
        site=values["site"],
        owner=values["owner"],
        evidence=evidence,
        origin=origin,
        problem=problem,
    )


def _port(text: str) -> tuple[int | None, str | None]:
    if not text:
        return None, None
    if text.isascii() and text.isdigit() and 1 <= int(text) <= 65535:
        return int(text), None
    return None, f"port {text!r} is not a number from 1 to 65535"
