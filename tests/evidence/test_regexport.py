"""The live registry export reads back through the .reg parser to the values sent."""

from __future__ import annotations

import struct

import pytest

from auditor.evidence.regexport import RawKey, RawValue, write_export
from auditor.parsing.regfile import parse_reg
from auditor.parsing.registry import EnsureKey, RegType, RegValue, SetValue

KEY = "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\MSExchangeMTA"


def wide(text: str) -> bytes:
    return text.encode("utf-16-le")


CASES = [
    # (raw value as the server sends it, the value the parser must give back)
    (RawValue("ImagePath", 2, wide("C:\\exchsrvr\\bin\\emsmta.exe\0")),
     RegValue("ImagePath", RegType.EXPAND_SZ, "C:\\exchsrvr\\bin\\emsmta.exe")),
    (RawValue("Stack IP Address Override", 1, wide("10.0.0.5\0")),
     RegValue("Stack IP Address Override", RegType.SZ, "10.0.0.5")),
    (RawValue('quote " and \\ back', 1, wide('say "hi" C:\\x\\\0')),
     RegValue('quote " and \\ back', RegType.SZ, 'say "hi" C:\\x\\')),
    (RawValue("", 1, wide("default\0")), RegValue("", RegType.SZ, "default")),
    (RawValue("Rhône", 1, wide("Connecteur Rhône 東京\0")),
     RegValue("Rhône", RegType.SZ, "Connecteur Rhône 東京")),
    (RawValue("IPAddress", 7, wide("10.0.0.5\x0010.0.0.6\0\0")),
     RegValue("IPAddress", RegType.MULTI_SZ, ("10.0.0.5", "10.0.0.6"))),
    (RawValue("Empty", 7, wide("\0")), RegValue("Empty", RegType.MULTI_SZ, ())),
    (RawValue("Start", 4, struct.pack("<I", 2)), RegValue("Start", RegType.DWORD, 2)),
    (RawValue("Big", 4, struct.pack("<I", 0xFFFFFFFF)), RegValue("Big", RegType.DWORD, 2**32 - 1)),
    (RawValue("Q", 11, struct.pack("<Q", 2**40)), RegValue("Q", RegType.QWORD, 2**40)),
    (RawValue("Bin", 3, bytes(range(40))), RegValue("Bin", RegType.BINARY, bytes(range(40)))),
    (RawValue("None", 0, b""), RegValue("None", RegType.NONE, b"")),
    # A REG_SZ that a quoted string cannot say exactly goes as hex(1); read back, it ends
    # at its first NUL, as Windows reads it.
    (RawValue("Nul inside", 1, wide("a\0b\0")), RegValue("Nul inside", RegType.SZ, "a")),
    # Leftover bytes after the terminator, as real hives hold them, are not part of it.
    (RawValue("Stack IP Address Override", 1, wide("10.0.0.5\0") + b"\xde\xad\x00\x00junk"),
     RegValue("Stack IP Address Override", RegType.SZ, "10.0.0.5")),
    (RawValue("ImagePath", 2, wide("C:\\x.exe\0") + wide("old\0")),
     RegValue("ImagePath", RegType.EXPAND_SZ, "C:\\x.exe")),
    (RawValue("IPAddress", 7, wide("10.0.0.5\0\0") + wide("10.9.9.9\0\0")),
     RegValue("IPAddress", RegType.MULTI_SZ, ("10.0.0.5",))),
    (RawValue("Line", 1, wide("one\r\ntwo\0")), RegValue("Line", RegType.SZ, "one\r\ntwo")),
    (RawValue("Odd", 1, b"a\0b"), RegValue("Odd", RegType.SZ, "a")),
]  # fmt: skip


@pytest.mark.parametrize(("raw", "expected"), CASES, ids=[raw.name or "@" for raw, _ in CASES])
def test_a_value_round_trips(raw: RawValue, expected: RegValue) -> None:
    export = parse_reg(write_export([RawKey(KEY, (raw,))]), "live.reg")
    assert export.operations == (EnsureKey(KEY), SetValue(KEY, expected))
    assert export.skipped == ()


def test_the_export_is_regedit_version_5() -> None:
    data = write_export([RawKey(KEY)])
    assert data.startswith(b"\xff\xfe" + wide("Windows Registry Editor Version 5.00\r\n"))
    assert data.endswith(wide("\r\n"))


def test_what_a_reg_file_cannot_hold_is_left_out_with_a_comment() -> None:
    keys = [
        RawKey(KEY + "\\bad\nkey", (RawValue("x", 1, wide("1\0")),)),
        RawKey(KEY, (RawValue("type 0x20", 0x20, b"\1"), RawValue("bad\nname", 1, b""))),
        RawKey(KEY + "\\ok", (RawValue("kept", 4, struct.pack("<I", 7)),)),
    ]
    data = write_export(keys)
    text = data.decode("utf-16-le")
    assert "cannot be written" in text
    assert "unknown type 0x20" in text
    assert parse_reg(data, "live.reg").operations == (
        EnsureKey(KEY),
        EnsureKey(KEY + "\\ok"),
        SetValue(KEY + "\\ok", RegValue("kept", RegType.DWORD, 7)),
    )
