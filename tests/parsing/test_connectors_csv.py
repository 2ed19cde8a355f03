from __future__ import annotations

from pathlib import Path

import pytest

from auditor.errors import ParseError
from auditor.parsing.connectors_csv import parse_connectors, rdn_of

HEADER = "server,obj_dist_name,transport,remote_server,remote_address\r\n"
ODN = "/o=Org/ou=Site/cn=Configuration/cn=Connections/cn="


def write(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "connectors.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_rdn_is_the_last_cn() -> None:
    assert rdn_of(f"{ODN}TCP to MTA B") == "TCP to MTA B"
    assert rdn_of("/o=Org/ou=Site/CN=Connections/Cn=X400 Link") == "X400 Link"
    with pytest.raises(ValueError, match="no cn="):
        rdn_of("/o=Org/ou=Site")


def test_rows_with_all_columns(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + f"EXCH01,{ODN}TCP to MTA B,TCP,EXCH02,10.0.1.1\r\n")
    inventory = parse_connectors(path)
    (entry,) = inventory.entries
    assert (entry.server, entry.rdn, entry.transport) == ("EXCH01", "TCP to MTA B", "TCP")
    assert (entry.remote_server, entry.remote_address) == ("EXCH02", "10.0.1.1")
    assert inventory.of("exch01") == (entry,)
    assert inventory.problems == ()


def test_the_optional_columns_may_be_absent_and_a_bom_is_read(tmp_path: Path) -> None:
    path = write(tmp_path, "\ufeffServer,Obj_Dist_Name\n" + f"EXCH01,{ODN}Link\n")
    assert [e.rdn for e in parse_connectors(path).entries] == ["Link"]


def test_a_cp1252_file_is_read(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + f"EXCH01,{ODN}Connecteur Rhône,TCP,,\r\n", "cp1252")
    assert [e.rdn for e in parse_connectors(path).entries] == ["Connecteur Rhône"]


def test_trailing_spaces_of_an_rdn_are_kept(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + f'EXCH01,"{ODN}Link ",TCP,,\r\n')
    assert [e.rdn for e in parse_connectors(path).entries] == ["Link "]


def test_bad_rows_are_problems_naming_the_line(tmp_path: Path) -> None:
    text = HEADER + f"EXCH01,{ODN}A\r\n,{ODN}B\r\nEXCH01,/o=Org\r\nexch01,{ODN}a\r\n"
    inventory = parse_connectors(write(tmp_path, text))
    assert [e.rdn for e in inventory.entries] == ["A"]
    assert len(inventory.problems) == 3
    assert any(":3:" in p and "without a server name" in p for p in inventory.problems)
    assert any(":4:" in p and "no cn=" in p for p in inventory.problems)
    assert any(":5:" in p and "duplicate" in p for p in inventory.problems)


def test_a_missing_column_is_a_parse_error(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match="lacks the column 'obj_dist_name'"):
        parse_connectors(write(tmp_path, "server,dn\r\nEXCH01,x\r\n"))


def test_an_unusable_row_is_kept_against_its_server(tmp_path: Path) -> None:
    inventory = parse_connectors(write(tmp_path, HEADER + "EXCH01,/o=Org/ou=Links/Link\r\n"))
    assert inventory.entries == ()
    (why,) = inventory.rejected_of("exch01")
    assert ":2:" in why
