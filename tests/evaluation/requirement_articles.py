"""Hand-written catalogue articles, in the keys `auditor baseline import` writes.

The versions are copied by hand from the articles in ../shared/kb (Q197398's table, the
SP2 column of Q243604), not produced by the code under test.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from auditor.versions import Version

Q197398 = """\
id = "Q197398"
title = "XCON: MTA fix tagged exc55sp2fix"
product_line = "5.5"
component = "Message Transfer Agent (MTA)"
fixed_in_service_pack = "SP2"

[[files]]
name = "Emsmta.exe"
version = "5.5.2448.1"

[[files]]
name = "Mtacheck.exe"
version = "5.5.2448.1"

[[files]]
name = "X400om.dll"
version = "5.5.2448.1"

[[files]]
name = "P2.xv2"
version = "N/A"
"""

# An article with a 5.0 table and a 5.5 table (Q198392's layout).
TWO_LINES = """\
id = "Q198392"
title = "XCON: two product lines"
product_line = "5.5"
component = "Message Transfer Agent (MTA)"

[[files]]
name = "Emsmta.exe"
version = "5.0.1461.81"

[[files]]
name = "X400om.dll"
version = "5.0.1461.81"

[[files]]
name = "Emsmta.exe"
version = "5.5.2336.0"

[[files]]
name = "X400om.dll"
version = "5.5.2336.0"
"""

VALUE_RULE = """\
id = "Q900001"
title = "A plain registry value"
product_line = "5.5"
component = "Message Transfer Agent (MTA)"

[[files]]
name = "Emsmta.exe"
version = "5.5.2232.0"

[[registry_values]]
key = 'HKLM\\SYSTEM\\CurrentControlSet\\Services\\MSExchangeMTA\\Parameters'
value = "{value}"
{rule}
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@dataclass(frozen=True)
class SP2Only:
    """The SP2 column of Q243604 for the files the tests use, typed in by hand."""

    def version_of(self, sp: str, name: str) -> Version | None:
        table = {
            "emsmta.exe": "5.5.2448.1",
            "mtacheck.exe": "5.5.2448.0",
            "x400om.dll": "5.5.2448.0",
        }
        found = table.get(name.casefold()) if sp == "SP2" else None
        return Version.parse(found) if found else None

    def label_for(self, version: Version) -> str | None:
        return "SP2" if version.parts[:3] == (5, 5, 2448) else None
