"""remediation/<server>.reg: read back by our own .reg parser, as regedit would import it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from auditor.baseline import default_baseline_path, load_baseline
from auditor.parsing.regfile import parse_reg
from auditor.parsing.registry import RegistryTree, RegType
from auditor.reporting.regfix import FOLDER, reg_fixes, safe_file_name, write_reg_files
from auditor.verdicts import ConnectorFinding, ConnectorResult, ServerVerdict, Status

BASELINE = load_baseline(default_baseline_path())
PARAMETERS = r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\MSExchangeMTA\Parameters"


def connector(name: str, result: ConnectorResult, peer: str | None = None) -> ConnectorFinding:
    return ConnectorFinding(name, None, None, None, result, "detail", peer_address=peer)


def verdict(name: str, *connectors: ConnectorFinding, multihomed: bool = True) -> ServerVerdict:
    return ServerVerdict(
        server=name,
        status=Status.EXPOSED,
        reasons=("r",),
        remediation=(),
        warnings=(),
        files=(),
        connectors=connectors,
        mta_version=None,
        build_label=None,
        multihomed=multihomed,
        addresses=("10.0.0.5", "10.0.0.6"),
        connector_source="inventory",
    )


def read_back(path: Path) -> RegistryTree:
    export = parse_reg(path.read_bytes(), str(path))
    assert export.skipped == ()  # nothing regedit would refuse
    tree = RegistryTree()
    tree.apply(export.operations)
    return tree


def test_each_connector_without_a_valid_override_gets_its_key(tmp_path: Path) -> None:
    server = verdict(
        "MTA-A",
        connector("TCP to PARIS", ConnectorResult.MISSING, peer="10.0.0.6"),
        connector("TCP to ROME", ConnectorResult.FOREIGN_ADDRESS),
        connector("TCP to OSLO", ConnectorResult.VALID),
        connector("X25 to BONN", ConnectorResult.NOT_REQUIRED),
        connector('Quote " and ; semicolon ', ConnectorResult.WRONG_TYPE, peer="10.0.0.5"),
    )
    (path,) = write_reg_files(reg_fixes([server], BASELINE), tmp_path)
    assert path == tmp_path / FOLDER / "MTA-A.reg"
    raw = path.read_bytes()
    assert raw.startswith(b"REGEDIT4\r\n\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    tree = read_back(path)
    paris = tree.find(rf"{PARAMETERS}\TCP to PARIS")
    assert paris is not None
    value = paris.value("Stack IP Address Override")
    assert value is not None and (value.type, value.data) == (RegType.SZ, "10.0.0.6")
    # The peer's expectation is unknown: the key is there, the value a commented choice.
    rome = tree.find(rf"{PARAMETERS}\TCP to ROME")
    assert rome is not None and rome.value("Stack IP Address Override") is None
    text = raw.decode("cp1252")
    assert "; CHOOSE:" in text and "one of: 10.0.0.5, 10.0.0.6" in text
    assert tree.find(rf"{PARAMETERS}\TCP to OSLO") is None
    assert tree.find(rf"{PARAMETERS}\X25 to BONN") is None
    quoted = tree.find(rf'{PARAMETERS}\Quote " and ; semicolon ')  # trailing space kept
    assert quoted is not None
    assert quoted.value("Stack IP Address Override").data == "10.0.0.5"  # type: ignore[union-attr]


def test_a_peer_address_that_is_not_the_servers_own_is_not_written(tmp_path: Path) -> None:
    server = verdict("MTA-A", connector("TCP to PARIS", ConnectorResult.MISSING, "192.0.2.1"))
    (path,) = write_reg_files(reg_fixes([server], BASELINE), tmp_path)
    tree = read_back(path)
    key = tree.find(rf"{PARAMETERS}\TCP to PARIS")
    assert key is not None and key.value("Stack IP Address Override") is None
    assert "the peer expects 192.0.2.1" in path.read_text(encoding="cp1252")


def test_no_file_for_a_single_homed_or_fine_server(tmp_path: Path) -> None:
    single = verdict("ONE", connector("T", ConnectorResult.MISSING), multihomed=False)
    fine = verdict("FINE", connector("T", ConnectorResult.VALID))
    assert write_reg_files(reg_fixes([single, fine], BASELINE), tmp_path) == []


@pytest.mark.parametrize(
    "name", ["..", "../../etc/passwd", "a/b", "a\\b", '=HYPERLINK("http://x")', "CON", ".hidden"]
)
def test_hostile_server_names_stay_in_the_folder(tmp_path: Path, name: str) -> None:
    server = verdict(name, connector("TCP to PARIS", ConnectorResult.MISSING, "10.0.0.5"))
    (path,) = write_reg_files(reg_fixes([server], BASELINE), tmp_path)
    assert path.parent == tmp_path / FOLDER
    assert not path.name.startswith((".", "="))
    assert path.name == safe_file_name(name) != f"{name}.reg"
    assert path.stem.split("-")[-1].isalnum()  # the hash that keeps mapped names apart
    assert read_back(path).find(rf"{PARAMETERS}\TCP to PARIS") is not None


def test_distinct_hostile_names_get_distinct_files() -> None:
    names = ["a/b", "a\\b", "a:b", "a_b"]
    assert len({safe_file_name(name) for name in names}) == len(names)
    assert safe_file_name("MTA-LONDON") == "MTA-LONDON.reg"  # a plain name is kept


def test_a_later_run_replaces_only_the_files_fixlevel_wrote(tmp_path: Path) -> None:
    server = verdict("OLD", connector("T", ConnectorResult.MISSING, "10.0.0.5"))
    write_reg_files(reg_fixes([server], BASELINE), tmp_path)
    mine = tmp_path / FOLDER / "mine.reg"
    mine.write_bytes(b"REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\X]\r\n")
    fixed = replace(server, connectors=(connector("T", ConnectorResult.VALID),))
    assert write_reg_files(reg_fixes([fixed], BASELINE), tmp_path) == []
    assert sorted(p.name for p in (tmp_path / FOLDER).iterdir()) == ["mine.reg"]
