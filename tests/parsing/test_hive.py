"""The offline SYSTEM hive reader, on hivex-made samples and on hives from tests.builders."""

from __future__ import annotations

import random
import struct
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from regipy.registry import RegistryHive

from auditor.errors import EvidenceError, ParseError
from auditor.parsing import hive
from auditor.parsing.hive import looks_like_hive, read_system_hive
from auditor.parsing.registry import RegistryTree, RegType, RegValue
from tests.builders.hive import build_hive, hive_checksum

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "registry"
SERVICES = ("MSExchangeMTA", "ClusSvc")
SYSTEM = "HKEY_LOCAL_MACHINE\\SYSTEM"
OVERRIDE = "Stack IP Address Override"
W2K_NIC1 = "{4D36E972-E325-11CE-BFC1-08002BE10318}"
W2K_NIC2 = "{8A1F3B2C-0D4E-4F5A-9B6C-7D8E9F0A1B2C}"


def sz(name: str, data: str) -> RegValue:
    return RegValue(name, RegType.SZ, data)


def dword(name: str, data: int) -> RegValue:
    return RegValue(name, RegType.DWORD, data)


def multi(name: str, *data: str) -> RegValue:
    return RegValue(name, RegType.MULTI_SZ, data)


def read(path: Path, services: Sequence[str] = SERVICES) -> RegistryTree:
    tree = RegistryTree()
    tree.apply(read_system_hive(path, path.name, services).operations)
    return tree


def data(tree: RegistryTree, key: str, name: str) -> object:
    found = tree.find(f"{SYSTEM}\\{key}")
    assert found is not None, key
    value = found.value(name)
    assert value is not None, f"{key}: {name}"
    return value.data


def write(tmp_path: Path, keys: Mapping[str, Sequence[RegValue]], **options: object) -> Path:
    path = tmp_path / "SYSTEM"
    path.write_bytes(build_hive(keys, **options))  # type: ignore[arg-type]
    return path


def sample(name: str) -> Path:
    path = SAMPLES / name
    if not path.is_file():
        pytest.skip(f"shared sample {path} is absent (it lives beside the repository)")
    return path


def mta(cs: int, override: str) -> dict[str, list[RegValue]]:
    base = f"ControlSet{cs:03d}\\Services\\MSExchangeMTA"
    image = RegValue("ImagePath", RegType.EXPAND_SZ, "C:\\exchsrvr\\bin\\emsmta.exe")
    return {
        base: [image, dword("Start", 2)],
        f"{base}\\Parameters\\TCP to MTA B": [sz(OVERRIDE, override)],
    }


def nt4_keys(current: int) -> dict[str, list[RegValue]]:
    adapter = "ControlSet001\\Services\\El90x1\\Parameters\\Tcpip"
    return {
        "Select": [dword("Current", current), dword("Default", 1), dword("LastKnownGood", 2)],
        **mta(1, "10.0.0.5"),
        adapter: [multi("IPAddress", "10.0.0.5", "10.0.0.6"), dword("EnableDHCP", 0)],
        "ControlSet001\\Services\\Tcpip\\Linkage": [multi("Bind", "\\Device\\El90x1")],
        "ControlSet001\\Services\\Browser": [sz("DisplayName", "Computer Browser")],
        **mta(2, "10.0.0.99"),
        "ControlSet002\\Services\\Tcpip\\Linkage": [multi("Bind")],
    }


def w2k_keys() -> dict[str, list[RegValue]]:
    interfaces = "ControlSet001\\Services\\Tcpip\\Parameters\\Interfaces"
    return {
        "Select": [dword("Current", 1)],
        **mta(1, "10.0.0.5"),
        f"{interfaces}\\{W2K_NIC1}": [multi("IPAddress", "10.0.0.5"), dword("EnableDHCP", 0)],
        f"{interfaces}\\{W2K_NIC2}": [multi("IPAddress", "10.0.0.6", "10.0.0.7")],
        **mta(2, "10.0.0.99"),
    }


# -- the current control set, on samples and built hives -----------------------------------


def assert_current_is_cs2(tree: RegistryTree) -> None:
    key = "ControlSet002\\Services\\MSExchangeMTA\\Parameters\\TCP to MTA B"
    assert data(tree, key, OVERRIDE) == "10.0.0.99"
    assert tree.find(f"{SYSTEM}\\ControlSet001") is None, "only the current set is read"
    services = tree.find(f"{SYSTEM}\\ControlSet002\\Services")
    assert services is not None
    assert {k.name for k in services.subkeys()} <= {"MSExchangeMTA", "Tcpip"}, "no adapters"
    assert data(tree, "select", "current") == 2


def assert_w2k(tree: RegistryTree) -> None:
    interfaces = "controlset001\\services\\tcpip\\parameters\\interfaces"
    assert data(tree, f"{interfaces}\\{W2K_NIC1.lower()}", "ipaddress") == ("10.0.0.5",)
    assert data(tree, f"{interfaces}\\{W2K_NIC2}", "IPAddress") == ("10.0.0.6", "10.0.0.7")
    key = "CONTROLSET001\\SERVICES\\MSEXCHANGEMTA\\PARAMETERS\\tcp to mta b"
    assert data(tree, key, OVERRIDE.upper()) == "10.0.0.5"
    mta_key = tree.find(f"{SYSTEM}\\ControlSet001\\Services\\MSExchangeMTA")
    assert mta_key is not None
    image = mta_key.value("imagepath")
    assert image == RegValue("ImagePath", RegType.EXPAND_SZ, "C:\\exchsrvr\\bin\\emsmta.exe")
    assert tree.find(f"{SYSTEM}\\ControlSet002") is None


def test_sample_nt4_reads_controlset002_not_001() -> None:
    assert_current_is_cs2(read(sample("nt4-current-is-cs2.SYSTEM")))


def test_sample_w2k() -> None:
    assert_w2k(read(sample("w2k.SYSTEM")))


def test_built_w2k(tmp_path: Path) -> None:
    assert_w2k(read(write(tmp_path, w2k_keys())))


@pytest.mark.parametrize("index", ["lf", "lh"])
def test_built_nt4_current_is_cs2(tmp_path: Path, index: str) -> None:
    assert_current_is_cs2(read(write(tmp_path, nt4_keys(current=2), index=index)))


@pytest.mark.parametrize("index", ["lf", "lh"])
def test_built_nt4_adapters_and_only_what_is_asked(tmp_path: Path, index: str) -> None:
    tree = read(write(tmp_path, nt4_keys(current=1), index=index))
    adapter = "ControlSet001\\Services\\El90x1\\Parameters\\Tcpip"
    assert data(tree, adapter, "IPAddress") == ("10.0.0.5", "10.0.0.6")
    assert data(tree, adapter, "EnableDHCP") == 0
    assert data(tree, "ControlSet001\\Services\\Tcpip\\Linkage", "Bind") == ("\\Device\\El90x1",)
    assert tree.find(f"{SYSTEM}\\ControlSet001\\Services\\Browser") is None
    assert tree.find(f"{SYSTEM}\\ControlSet002") is None


def test_names_match_without_case_and_keep_their_spelling(tmp_path: Path) -> None:
    keys = {
        "SELECT": [dword("CURRENT", 3)],
        "CONTROLSET003\\SERVICES\\msexchangemta\\Parameters\\X": [sz(OVERRIDE, "10.0.0.1")],
        "CONTROLSET003\\SERVICES\\clussvc": [dword("Start", 2)],
    }
    operations = read_system_hive(write(tmp_path, keys), "srv", SERVICES).operations
    keys_seen = {operation.key for operation in operations}
    assert f"{SYSTEM}\\CONTROLSET003\\SERVICES\\msexchangemta\\Parameters\\X" in keys_seen
    assert f"{SYSTEM}\\CONTROLSET003\\SERVICES\\clussvc" in keys_seen
    assert f"{SYSTEM}\\SELECT" in keys_seen


@pytest.mark.parametrize("latin1", [False, True], ids=["utf16-names", "latin1-compressed"])
def test_non_ascii_and_trailing_space_names(tmp_path: Path, latin1: bool) -> None:
    params = "ControlSet001\\Services\\MSExchangeMTA\\Parameters"
    keys = {
        "Select": [dword("Current", 1)],
        f"{params}\\Connecteur Rhône": [sz(OVERRIDE, "10.0.0.6"), sz("Libellé", "é")],
        f"{params}\\TCP to MTA B ": [sz(OVERRIDE, "10.0.0.7")],
        f"{params}\\TCP to MTA B": [sz(OVERRIDE, "10.0.0.8")],
    }
    tree = read(write(tmp_path, keys, latin1_names=latin1))
    assert data(tree, f"{params}\\connecteur rhône", OVERRIDE) == "10.0.0.6"
    assert data(tree, f"{params}\\Connecteur Rhône", "libellé") == "é"
    assert data(tree, f"{params}\\TCP to MTA B ", OVERRIDE) == "10.0.0.7"
    assert data(tree, f"{params}\\TCP to MTA B", OVERRIDE) == "10.0.0.8"


def test_value_conversion(tmp_path: Path) -> None:
    utf16 = "10.0.0.5".encode("utf-16-le")
    values = [
        RegValue("", RegType.SZ, "default"),
        RegValue("NulTail", RegType.SZ, utf16 + b"\0\0\0\0"),
        RegValue("OddLength", RegType.SZ, utf16 + b"\0"),
        RegValue("Expand", RegType.EXPAND_SZ, "%SystemRoot%\\..\\exchsrvr\\bin\\emsmta.exe"),
        RegValue("Unterminated", RegType.MULTI_SZ, "10.0.0.5\x0010.0.0.6".encode("utf-16-le")),
        RegValue("Holes", RegType.MULTI_SZ, ("a", "", "b", "", "")),
        RegValue("Empty", RegType.MULTI_SZ, ()),
        RegValue("Dword", RegType.DWORD, 0xFFFF_FFFF),
        RegValue("Qword", RegType.QWORD, 2**40),
        RegValue("ShortDword", RegType.DWORD, b"\x01\x02"),
        RegValue("Binary", RegType.BINARY, b"\x00\x01\x02"),
        RegValue("Large", RegType.BINARY, bytes(range(256)) * 100),
        RegValue("Link", RegType.LINK, b"\\\0R\0"),
    ]
    keys = {"Select": [dword("Current", 1)], "ControlSet001\\Services\\MSExchangeMTA": values}
    tree = read(write(tmp_path, keys))
    key = tree.find(f"{SYSTEM}\\ControlSet001\\Services\\MSExchangeMTA")
    assert key is not None
    got = {value.name: value.data for value in key.values()}
    assert got == {
        "": "default",
        "NulTail": "10.0.0.5",
        "OddLength": "10.0.0.5",
        "Expand": "%SystemRoot%\\..\\exchsrvr\\bin\\emsmta.exe",
        "Unterminated": ("10.0.0.5", "10.0.0.6"),
        "Holes": ("a",),  # a REG_MULTI_SZ ends at its first empty string
        "Empty": (),
        "Dword": 0xFFFF_FFFF,
        "Qword": 2**40,
        "ShortDword": b"\x01\x02",
        "Binary": b"\x00\x01\x02",
        "Large": bytes(range(256)) * 100,
        "Link": b"\\\0R\0",
    }
    assert {value.name: value.type for value in key.values()}["Expand"] is RegType.EXPAND_SZ


@pytest.mark.parametrize("index", ["lf", "lh"])
def test_big_values_read_whole(tmp_path: Path, index: str) -> None:
    addresses = tuple(f"10.0.{n // 256}.{n % 256}" for n in range(2000))  # > 16344 bytes
    tcpip = "ControlSet001\\Services\\Tcpip\\Parameters\\Interfaces\\{X}"
    keys = {"Select": [dword("Current", 1)], tcpip: [multi("IPAddress", *addresses)]}
    assert data(read(write(tmp_path, keys, index=index)), tcpip, "IPAddress") == addresses


def test_looks_like_hive() -> None:
    assert looks_like_hive(b"regf\0\0\0\0")
    assert not looks_like_hive(b"REGEDIT4\r\n")
    assert not looks_like_hive(b"")


# -- broken and hostile input: always ParseError naming the origin -------------------------


def good_hive() -> bytes:
    return build_hive(nt4_keys(current=2))


def with_header(hive_bytes: bytes, offset: int, value: int) -> bytes:
    """``hive_bytes`` with one base block dword changed and the checksum made good again."""
    block = bytearray(hive_bytes[:4096])
    struct.pack_into("<I", block, offset, value)
    struct.pack_into("<I", block, 508, hive_checksum(bytes(block)))
    return bytes(block) + hive_bytes[4096:]


def assert_parse_error(tmp_path: Path, content: bytes, match: str) -> None:
    path = tmp_path / "evidence.bin"
    path.write_bytes(content)
    with pytest.raises(ParseError, match=f"^SERVER-A/SYSTEM: .*{match}"):
        read_system_hive(path, "SERVER-A/SYSTEM", SERVICES)


@pytest.mark.parametrize("cut", [0, 3, 100, 4096, 5000])
def test_truncated(tmp_path: Path, cut: int) -> None:
    assert_parse_error(tmp_path, good_hive()[:cut], "truncated|not a registry hive")


def test_truncated_with_a_consistent_header(tmp_path: Path) -> None:
    """The base block is made to agree with the cut, so the damage is met in the bins."""
    hive_bytes = with_header(good_hive(), 40, 2048)
    assert_parse_error(tmp_path, hive_bytes[: 4096 + 2048], "corrupt hive")


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (bytes(16384), "not a registry hive"),
        (b"REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM]\r\n", "not a registry hive"),
        (b"regX" + build_hive({})[4:], "not a registry hive"),
    ],
    ids=["zeros", "reg-file", "bad-magic"],
)
def test_not_a_hive(tmp_path: Path, content: bytes, match: str) -> None:
    assert_parse_error(tmp_path, content, match)


def test_bad_checksum_is_rejected(tmp_path: Path) -> None:
    hive_bytes = bytearray(good_hive())
    hive_bytes[508] ^= 0xFF
    assert_parse_error(tmp_path, bytes(hive_bytes), "checksum")


def test_unequal_sequence_numbers_are_read(tmp_path: Path) -> None:
    path = tmp_path / "SYSTEM"
    path.write_bytes(with_header(good_hive(), 4, 7))
    assert_current_is_cs2(read(path))


@pytest.mark.parametrize(
    ("keys", "match"),
    [
        ({"ControlSet001\\Services": []}, "no Select key"),
        ({"Select": [dword("Default", 1)], "ControlSet001\\Services": []}, "no Current value"),
        ({"Select": [sz("Current", "1")], "ControlSet001\\Services": []}, "not REG_DWORD"),
        (
            {"Select": [dword("Current", 5)], "ControlSet001\\Services": []},
            "Select\\\\Current names ControlSet005, which the hive does not hold",
        ),
        ({"Select": [dword("Current", 1)], "ControlSet001\\Control": []}, "no Services key"),
    ],
    ids=["no-select", "no-current", "current-not-dword", "missing-set", "no-services"],
)
def test_no_current_control_set(
    tmp_path: Path, keys: dict[str, list[RegValue]], match: str
) -> None:
    assert_parse_error(tmp_path, build_hive(keys), match)


def test_depth_is_bounded(tmp_path: Path) -> None:
    deep = "ControlSet001\\Services\\MSExchangeMTA\\" + "\\".join(["k"] * 14)
    keys = {"Select": [dword("Current", 1)], deep: []}
    assert_parse_error(tmp_path, build_hive(keys), "nested deeper than 12")


def test_size_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hive, "MAX_ITEMS", 50)
    values = [dword(f"v{n}", n) for n in range(60)]
    keys = {"Select": [dword("Current", 1)], "ControlSet001\\Services\\MSExchangeMTA": values}
    assert_parse_error(tmp_path, build_hive(keys), "more than 50 keys and values")


def test_damaged_bins_raise_only_parse_errors(tmp_path: Path) -> None:
    """Random damage in the bins: each read either succeeds or raises ParseError."""
    original = good_hive()
    path = tmp_path / "SYSTEM"
    rng = random.Random(197378)
    for _ in range(300):
        damaged = bytearray(original)
        for _ in range(rng.randint(1, 8)):
            damaged[rng.randrange(4096, len(damaged))] = rng.randrange(256)
        path.write_bytes(bytes(damaged))
        try:
            read_system_hive(path, "fuzz", SERVICES)
        except ParseError as error:
            assert str(error).startswith("fuzz: ")


def test_unreadable_file_is_an_evidence_error(tmp_path: Path) -> None:
    with pytest.raises(EvidenceError, match=r"^gone: cannot read"):
        read_system_hive(tmp_path / "missing", "gone", SERVICES)


# -- the builder, checked against regipy (an independent reader) ---------------------------


@pytest.mark.parametrize("index", ["lf", "lh"])
def test_builder_output_reads_back_in_regipy(tmp_path: Path, index: str) -> None:
    keys = {
        **nt4_keys(current=2),
        "ControlSet002\\Services\\MSExchangeMTA\\Parameters\\Connecteur Rhône": [
            sz(OVERRIDE, "10.0.0.6")
        ],
        "ControlSet002\\Services\\MSExchangeMTA\\Parameters\\TCP to MTA B ": [
            RegValue("Blob", RegType.BINARY, b"\x01\x02\x03\x04\x05"),
            RegValue("", RegType.SZ, "default"),
        ],
    }
    regipy_hive = RegistryHive(str(write(tmp_path, keys, index=index)))
    assert regipy_hive.root.get_security_key_info()["owner"] == "S-1-5-32-544"
    for path, values in keys.items():
        key = regipy_hive.get_key("\\" + path)
        assert key.name == path.rsplit("\\", 1)[-1]
        got = {v.name: v for v in key.iter_values(trim_values=False)}
        assert len(got) == len(values), path
        for value in values:
            read_back = got["(default)" if value.name == "" else value.name]
            assert read_back.value_type == value.type.value
            expected = list(value.data) if isinstance(value.data, tuple) else value.data
            assert read_back.value == expected, (path, value.name)


def test_builder_rejects_a_value_named_twice() -> None:
    with pytest.raises(ValueError, match="given twice"):
        build_hive({"Select": [dword("Current", 1), dword("current", 2)]})


@pytest.mark.parametrize("ticks", [0, 1, 2**63 - 1, 2**64 - 1])
def test_an_implausible_key_time_is_no_time_and_the_hive_is_still_read(
    tmp_path: Path, ticks: int
) -> None:
    # 0 is what tools that keep no time write; 2**64 - 1 is past any datetime. Neither may
    # pass for a time (the restart warning compares it with events) nor reject the hive.
    services = "ControlSet001\\Services"
    path = f"{services}\\MSExchangeMTA\\Parameters\\TCP to B"
    keys = {
        "Select": [dword("Current", 1)],
        f"{services}\\MSExchangeMTA": [sz("ImagePath", "C:\\exchsrvr\\bin\\emsmta.exe")],
        path: [sz("Stack IP Address Override", "10.0.0.5")],
    }
    hive_path = tmp_path / "SYSTEM"
    hive_path.write_bytes(build_hive(keys, written={path: ticks}))
    reading = read_system_hive(hive_path, "SYSTEM", SERVICES)
    assert not any(key.endswith("TCP to B") for key, _ in reading.written)
    assert any("TCP to B" in op.key for op in reading.operations)


def test_a_plausible_key_time_is_read() -> None:
    # 11,644,473,600 s from 1601 to the Unix epoch: another route to the same instant.
    assert hive._filetime(133_000_000_000_000_000) == "2022-06-18T04:26:40+00:00"
    assert 133_000_000_000_000_000 // 10_000_000 - 11_644_473_600 == 1655526400
