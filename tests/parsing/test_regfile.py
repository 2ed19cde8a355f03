"""The .reg parser: real samples, hand-written snippets, writer round trips, broken input."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from auditor.errors import ParseError
from auditor.parsing.regfile import MAX_LINE, looks_like_reg, parse_reg
from auditor.parsing.registry import (
    DeleteKey,
    DeleteValue,
    EnsureKey,
    RegistryTree,
    RegOperation,
    RegType,
    RegValue,
    SetValue,
)
from tests.builders.regtext import RegFormat, write_operations, write_reg

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "samples" / "registry"
SAMPLE_NAMES = ["regedit4-cp1252.reg", "v5-utf16.reg"]
MTA = r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\MSExchangeMTA"
ADAPTER = r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\El90x1\Parameters\Tcpip"
V4 = b"REGEDIT4\r\n\r\n"


def sample(name: str) -> bytes:
    path = SAMPLES / name
    if not path.is_file():
        pytest.skip(f"shared sample {path} is absent (expected a 'shared' folder beside the repo)")
    return path.read_bytes()


def values_of(operations: Iterable[RegOperation]) -> dict[tuple[str, str], RegValue]:
    return {(op.key, op.value.name): op.value for op in operations if isinstance(op, SetValue)}


def operations_of(data: bytes, origin: str = "snippet.reg") -> list[RegOperation]:
    """The operations of a file that must have no skipped line."""
    export = parse_reg(data, origin)
    assert export.skipped == ()
    return list(export.operations)


def v5(text: str) -> bytes:
    return b"\xff\xfe" + ("Windows Registry Editor Version 5.00\r\n\r\n" + text).encode("utf-16-le")


def v4(text: str) -> bytes:
    return V4 + text.encode("cp1252")


def only_value(data: bytes) -> RegValue:
    [value] = values_of(operations_of(data)).values()
    return value


# --- real samples -------------------------------------------------------------------------


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_sample_values(name: str) -> None:
    values = values_of(operations_of(sample(name), name))
    params = MTA + r"\Parameters"
    expected = {
        (MTA, "ImagePath"): (RegType.EXPAND_SZ, r"%SystemRoot%\..\exchsrvr\bin\emsmta.exe"),
        (MTA, "Type"): (RegType.DWORD, 0x10),
        (params, ""): (RegType.SZ, "default value"),
        (params, 'Comment "quoted"'): (RegType.SZ, "C:\\exchsrvr\\mtadata\\"),
        (params + r"\TCP to MTA B", "Stack IP Address Override"): (RegType.SZ, "10.0.0.5"),
        (params + r"\Connecteur Rhône", "Stack IP Address Override"): (RegType.SZ, "10.0.0.6"),
        (ADAPTER, "IPAddress"): (RegType.MULTI_SZ, ("10.0.0.5", "10.0.0.6")),
        (ADAPTER, "EnableDHCP"): (RegType.DWORD, 0),
    }
    for where, (value_type, data) in expected.items():
        assert (values[where].type, values[where].data) == (value_type, data), where


def test_samples_give_identical_operations() -> None:
    first, second = (operations_of(sample(name), name) for name in SAMPLE_NAMES)
    assert first == second
    assert first[0] == EnsureKey(MTA)


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_samples_are_sniffed(name: str) -> None:
    assert looks_like_reg(sample(name)[:80])


def test_tree_lookup_is_case_insensitive() -> None:
    tree = RegistryTree()
    tree.apply(operations_of(sample("v5-utf16.reg"), "v5-utf16.reg"))
    key = tree.find(r"hkey_local_machine\system\currentcontrolset\services\msexchangemta")
    assert key is not None
    image_path = key.value("IMAGEPATH")
    assert image_path is not None
    assert image_path.data == r"%SystemRoot%\..\exchsrvr\bin\emsmta.exe"


# --- hand-written snippets, one feature each ------------------------------------------------


@pytest.mark.parametrize("encode", [v4, v5], ids=["regedit4", "v5"])
def test_continuation_lines(encode: Callable[[str], bytes]) -> None:
    data = encode('[K]\r\n"Bin"=hex:01,02,\\\r\n  03,04,\\\r\n  05\r\n')
    assert only_value(data) == RegValue("Bin", RegType.BINARY, b"\x01\x02\x03\x04\x05")


def test_escapes_in_names_and_data() -> None:
    data = v4('[K]\r\n"a \\"b\\" \\\\c"="x\\\\\\"y\\\\"\r\n')
    assert only_value(data) == RegValue('a "b" \\c', RegType.SZ, 'x\\"y\\')


def test_unknown_escape_is_kept_as_written() -> None:
    assert only_value(v4('[K]\r\n"p"="C:\\temp"\r\n')).data == "C:\\temp"


def test_default_value() -> None:
    assert only_value(v4('[K]\r\n@="dflt"\r\n')) == RegValue("", RegType.SZ, "dflt")


def test_deletions() -> None:
    data = v4('[-HKEY_LOCAL_MACHINE\\Gone]\r\n\r\n[K]\r\n"x"=-\r\n@=-\r\n')
    assert operations_of(data, "d.reg") == [
        DeleteKey("HKEY_LOCAL_MACHINE\\Gone"),
        EnsureKey("K"),
        DeleteValue("K", "x"),
        DeleteValue("K", ""),
    ]


def test_dword() -> None:
    assert only_value(v4('[K]\r\n"d"=dword:FFFFFFFE\r\n')).data == 0xFFFFFFFE
    assert only_value(v4('[K]\r\n"d"=dword:10\r\n')).data == 16


def test_hex_types() -> None:
    data = v4(
        '[K]\r\n"b"=hex:de,ad\r\n"q"=hex(b):01,00,00,00,00,00,00,80\r\n"n"=hex(0):\r\n'
        '"d4"=hex(4):10,00,00,00\r\n"m"=hex(7):61,00,00,62,00,00,00\r\n"s"=hex(1):61,00,00\r\n'
    )
    values = {value.name: value for value in values_of(operations_of(data, "h.reg")).values()}
    assert values["b"] == RegValue("b", RegType.BINARY, b"\xde\xad")
    assert values["q"] == RegValue("q", RegType.QWORD, 0x8000000000000001)
    assert values["n"] == RegValue("n", RegType.NONE, b"")
    assert values["d4"] == RegValue("d4", RegType.DWORD, 16)
    assert values["m"].data == ("a",)  # the list ends at its first empty string
    assert values["s"] == RegValue("s", RegType.SZ, "a")  # the string ends at its first NUL


def test_v5_hex_payload_is_utf16() -> None:
    value = only_value(v5('[K]\r\n"e"=hex(2):52,00,68,00,f4,00,6e,00,65,00,00,00\r\n'))
    assert value == RegValue("e", RegType.EXPAND_SZ, "Rhône")


def test_regedit4_hex_payload_is_ansi() -> None:
    value = only_value(v4('[K]\r\n"e"=hex(2):52,68,f4,6e,65,80,00\r\n'))
    assert value.data == "Rhône€"


def test_comments_and_blank_lines_are_skipped() -> None:
    data = v4('; top\r\n\r\n[K]\r\n; "x"="not a value"\r\n   \r\n"y"="1"\r\n')
    assert operations_of(data, "c.reg") == [
        EnsureKey("K"),
        SetValue("K", RegValue("y", RegType.SZ, "1")),
    ]


def test_lf_line_ends() -> None:
    data = b'REGEDIT4\n\n[K]\n"b"=hex:01,\\\n  02\n"s"="x"\n'
    assert operations_of(data, "lf.reg") == [
        EnsureKey("K"),
        SetValue("K", RegValue("b", RegType.BINARY, b"\x01\x02")),
        SetValue("K", RegValue("s", RegType.SZ, "x")),
    ]


def test_key_paths_are_kept_as_written() -> None:
    data = v4("[HKEY_LOCAL_MACHINE\\SYSTEM\\Trailing ]\r\n[HKLM\\x]\r\n")
    assert operations_of(data, "k.reg") == [
        EnsureKey("HKEY_LOCAL_MACHINE\\SYSTEM\\Trailing "),
        EnsureKey("HKLM\\x"),
    ]


def test_utf8_bom_v5_is_tolerated() -> None:
    data = b"\xef\xbb\xbf" + 'Windows Registry Editor Version 5.00\r\n[K]\r\n"ô"="é"\r\n'.encode()
    assert only_value(data) == RegValue("ô", RegType.SZ, "é")


def test_nul_in_names_is_accepted() -> None:
    assert only_value(v5('[K\0]\r\n"a\0b"="c"\r\n')).name == "a\0b"
    assert operations_of(V4 + b'[K]\r\n"a\0b"="c"\r\n', "nul.reg")[1] == SetValue(
        "K", RegValue("a\0b", RegType.SZ, "c")
    )


def test_cp1252_holes_decode_like_windows() -> None:
    assert only_value(V4 + b'[K]\r\n"\x81"="\x9d"\r\n') == RegValue("\x81", RegType.SZ, "\x9d")


def test_sniffing() -> None:
    assert looks_like_reg(b"REGEDIT4\r\n")
    assert looks_like_reg(v5("")[:40])  # a short head is enough once 16 bytes agree
    assert looks_like_reg("Windows Registry Editor Version 5.00".encode("utf-16-le"))
    assert looks_like_reg(b"\xef\xbb\xbfWindows Registry Editor Version 5.00\r\n")
    assert not looks_like_reg(b"regf\x00\x00\x00\x00")
    assert not looks_like_reg(b"REG")
    assert not looks_like_reg(b"")
    assert not looks_like_reg(b"MZ\x90\x00")


# --- writer round trips -----------------------------------------------------------------------

ROUND_TRIP_KEYS: dict[str, list[RegValue]] = {
    MTA: [
        RegValue("ImagePath", RegType.EXPAND_SZ, r"%SystemRoot%\..\exchsrvr\bin\emsmta.exe"),
        RegValue("Type", RegType.DWORD, 0x10),
        RegValue("", RegType.SZ, "default"),
    ],
    MTA + r"\Parameters\Connecteur Rhône ": [
        RegValue("Stack IP Address Override", RegType.SZ, "10.0.0.6"),
        RegValue('Comment "quoted" \\ back\\', RegType.SZ, 'C:\\x\\"y"\\'),
        RegValue("Zürich €uro ", RegType.MULTI_SZ, ("10.0.0.5", "Ärger")),
        RegValue("empty", RegType.MULTI_SZ, ()),
        RegValue("lines", RegType.SZ, "one\r\ntwo"),
        RegValue("q", RegType.QWORD, 2**64 - 1),
        RegValue("big", RegType.BINARY, bytes(range(256)) * 3),
        RegValue("none", RegType.NONE, b""),
        RegValue("be", RegType.DWORD_BIG_ENDIAN, b"\x00\x00\x00\x01"),
        RegValue("res", RegType.RESOURCE_LIST, b"\x01\x02"),
        RegValue("\x81hole", RegType.SZ, "\x9d"),
    ],
}


@pytest.mark.parametrize("fmt", list(RegFormat))
def test_round_trip(fmt: RegFormat) -> None:
    operations = operations_of(write_reg(ROUND_TRIP_KEYS, fmt), f"round-trip.{fmt}")
    rebuilt: dict[str, list[RegValue]] = {}
    for operation in operations:
        if isinstance(operation, EnsureKey):
            rebuilt[operation.key] = []
        elif isinstance(operation, SetValue):
            rebuilt[operation.key].append(operation.value)
    assert rebuilt == ROUND_TRIP_KEYS


def test_round_trip_v5_beyond_cp1252() -> None:
    keys = {"K\\日本": [RegValue("Ωmega", RegType.EXPAND_SZ, "%P%\\ü€日")]}
    assert values_of(operations_of(write_reg(keys, "v5"), "u.reg")) == {
        ("K\\日本", "Ωmega"): keys["K\\日本"][0]
    }


@pytest.mark.parametrize("fmt", list(RegFormat))
def test_round_trip_deletions(fmt: RegFormat) -> None:
    operations: list[RegOperation] = [
        DeleteKey("HKLM\\Old"),
        EnsureKey("HKLM\\New"),
        DeleteValue("HKLM\\New", "x"),
        SetValue("HKLM\\New", RegValue("y", RegType.DWORD, 1)),
    ]
    assert operations_of(write_operations(operations, fmt), "del.reg") == operations


def test_writer_wraps_like_regedit() -> None:
    text = write_reg({"K": [RegValue("ImagePath", RegType.BINARY, bytes(60))]}, "regedit4")
    lines = text.decode("cp1252").split("\r\n")
    hex_lines = [line for line in lines if line.startswith(('"', "  "))]
    assert [len(line) for line in hex_lines] == [80, 78, 43]
    assert all(line.endswith(",\\") for line in hex_lines[:-1])


# --- broken input -------------------------------------------------------------------------

# What makes the whole file unreadable: no header regedit knows, or text not in its encoding.
BROKEN_FILES = {
    "garbage": b"\x00\x01\x02garbage\xff\xfe",
    "empty": b"",
    "utf16-without-bom": "Windows Registry Editor Version 5.00\r\n".encode("utf-16-le"),
    "utf16-bom-regedit4": b"\xff\xfe" + "REGEDIT4\r\n".encode("utf-16-le"),
    "utf8-bom-regedit4": b"\xef\xbb\xbfREGEDIT4\r\n",
    "utf16-big-endian": b"\xfe\xff" + "REGEDIT4\r\n".encode("utf-16-be"),
    "utf16-lone-surrogate": v5("[K]\r\n") + b"\x00\xd8",
    "utf16-odd-length": v5("[K]\r\n") + b"x",
    # test_invalid_import: regedit imports nothing under these headers.
    "lowercase-header": b"regedit4\r\n[K]\r\n",
    "regedit3": b"REGEDIT3\r\n[K]\r\n",
    "regedit-space-4": b"REGEDIT 4\r\n[K]\r\n",
    "regedit4foo": b"REGEDIT4FOO\r\n[K]\r\n",
    "version-4": b"Windows Registry Editor Version 4.00\r\n[K]\r\n",
    "version-5-lowercase": b"Windows Registry Editor version 5.00\r\n[K]\r\n",
}


@pytest.mark.parametrize("name", BROKEN_FILES)
def test_an_unreadable_file_raises_parse_error(name: str) -> None:
    with pytest.raises(ParseError, match=r"^SERVER-A/registry/.*\.reg: line \d+: "):
        parse_reg(BROKEN_FILES[name], f"SERVER-A/registry/{name}.reg")


def test_a_skipped_line_names_its_line_key_and_reason() -> None:
    export = parse_reg(V4 + b'[K]\r\n"b"=hex:01,\\\r\n  2x\r\n"c"="d"\r\n', "x.reg")
    assert export.operations == (EnsureKey("K"), SetValue("K", RegValue("c", RegType.SZ, "d")))
    [skipped] = export.skipped
    assert skipped.describe() == ("line 4 skipped, as regedit would: bad hex data at 'x' (under K)")


def test_mutated_samples_raise_only_parse_error() -> None:
    rng = random.Random(197378)
    seeds = [sample(name) for name in SAMPLE_NAMES]
    seeds += [V4 + rng.randbytes(300), v5("[K]\r\n") + rng.randbytes(300)]
    for _ in range(3000):
        data = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 4)):
            position = rng.randrange(len(data))
            action = rng.randrange(3)
            if action == 0:
                data[position] = rng.randrange(256)
            elif action == 1:
                del data[position : position + rng.randint(1, 8)]
            else:
                data[position:position] = rng.choice([b"\\", b'"', b",", b"\r\n", b"\x00", b"["])
        with contextlib.suppress(ParseError):
            parse_reg(bytes(data), "fuzz.reg")


def test_huge_lines_stay_fast() -> None:
    escapes = V4 + b'[K]\r\n"s"="' + b'\\"' * 1_000_000 + b'"\r\n'
    assert only_value(escapes).data == '"' * 1_000_000
    unterminated = parse_reg(V4 + b'[K]\r\n"s"="' + b"\\a" * 1_000_000 + b"\r\n", "big.reg")
    assert [line.reason for line in unterminated.skipped] == ["unterminated string"]
    binary = V4 + b'[K]\r\n"b"=hex:' + b"ab," * 1_000_000 + b"cd\r\n"
    assert only_value(binary).data == b"\xab" * 1_000_000 + b"\xcd"
    spaced = V4 + b'[K]\r\n"b"=hex:' + b"ab, " * 300_000 + b"cd\r\n"
    assert only_value(spaced).data == b"\xab" * 300_000 + b"\xcd"


def test_the_caps_stay_fatal() -> None:
    with pytest.raises(ParseError, match=r"^c\.reg: line 6: more than 3 keys, values and skipped"):
        parse_reg(V4 + b"[K]\r\nx\r\ny\r\nz\r\n", "c.reg", max_operations=3)
    wrapped = b"41," * 1000 + b"\\\r\n"
    long_value = V4 + b'[K]\r\n"b"=hex:' + wrapped * (MAX_LINE // 3000 + 1) + b"41\r\n"
    with pytest.raises(ParseError, match=r"^l\.reg: line 4: continued beyond"):
        parse_reg(long_value, "l.reg")
