"""The fleet inventory file: strict about what makes a row ambiguous, lenient about the rest."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.errors import ParseError
from auditor.parsing.fleet_csv import parse_fleet


def inventory(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "lists" / "fleet.csv"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(text.replace("\n", "\r\n").encode(encoding))
    return path


def test_every_column_is_read_in_any_order_and_case(tmp_path: Path) -> None:
    path = inventory(
        tmp_path,
        "\ufeffOwner , HOST,server,Evidence,port,site\n"
        "Ops,10.0.0.5,EXCH01,,445,Europe\n"
        "\n"
        '"Smith, J.",,EXCH02,../bundles/EXCH02.zip,,\n'
        ",exch03.example,EXCH03,/abs/EXCH03,,\n",
    )
    entries = parse_fleet(path).entries
    assert [(e.server, e.host, e.port, e.site, e.owner) for e in entries] == [
        ("EXCH01", "10.0.0.5", 445, "Europe", "Ops"),
        ("EXCH02", "", None, "", "Smith, J."),
        ("EXCH03", "exch03.example", None, "", ""),
    ]
    assert [e.evidence for e in entries] == [
        None,
        tmp_path / "lists" / ".." / "bundles" / "EXCH02.zip",
        Path("/abs/EXCH03"),
    ]
    assert [e.origin for e in entries] == [f"{path}:2", f"{path}:4", f"{path}:5"]
    assert all(e.problem is None for e in entries)


def test_only_the_required_columns_and_cp1252(tmp_path: Path) -> None:
    path = inventory(tmp_path, "server,host\nSERVEUR-ÉTÉ,10.0.0.9\n", encoding="cp1252")
    (entry,) = parse_fleet(path).entries
    assert (entry.server, entry.site, entry.evidence) == ("SERVEUR-ÉTÉ", "", None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "empty"),
        ("server,port\nA,1\n", "lacks the column 'host'"),
        ("server,host,rack\nA,h,1\n", "unknown column 'rack'"),
        ("server,host,host\nA,h,h\n", "'host' appears twice"),
        ("server,host\nA,h\nb,h\na,h2\n", ":4: a is already on line 2"),
        ("server,host\n,h\n", ":2: a row without a server name"),
        ("server,host,owner\nA,h,Smith, J.\n", ":2: 4 fields but 3 columns"),
    ],
)
def test_what_makes_the_file_ambiguous_stops_the_run(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = inventory(tmp_path, text)
    with pytest.raises(ParseError, match=expected) as caught:
        parse_fleet(path)
    assert str(caught.value).startswith(str(path))


@pytest.mark.parametrize("port", ["abc", "0", "65536", "-1", "44 5", "\u0664\u0664\u0665"])
def test_a_bad_port_is_a_problem_of_its_row(tmp_path: Path, port: str) -> None:
    path = inventory(tmp_path, f"server,host,port\nA,h,{port}\nB,h,139\n")
    bad, good = parse_fleet(path).entries
    assert bad.port is None and bad.problem is not None
    assert repr(port) in bad.problem and "1 to 65535" in bad.problem
    assert (good.port, good.problem) == (139, None)


def test_an_unreadable_file_is_a_parse_error(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match="cannot read the fleet inventory"):
        parse_fleet(tmp_path)
