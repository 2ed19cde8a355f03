"""The .reg parser against what regedit imports and drops, case by case.

Each case is an export, the operations it must give and the lines it must skip. The
expectations are those of Wine's ``programs/regedit/tests/regedit.c`` (the version carried
in ReactOS ``modules/rostests/winetests/regedit``), whose assertions hold on Windows: each
comment names the test function and the values it checks, ``verify_reg`` (imported) or
``verify_reg_nonexist`` / ``verify_key_nonexist`` (dropped). Wine's inputs use LF line ends
and REGEDIT4; the second half of the module replays them as version 5 files.

Two rulings of our own, on the safe side, are marked OURS: values after a key line regedit
cannot read are skipped (Wine files them under the previous key), and a value of a type the
auditor does not know is reported as not read (regedit imports it).
"""

from __future__ import annotations

import pytest

from auditor.parsing.regfile import SkippedLine, parse_reg
from auditor.parsing.registry import (
    DeleteKey,
    DeleteValue,
    EnsureKey,
    RegOperation,
    RegType,
    RegValue,
    SetValue,
)

K = "HKEY_CURRENT_USER\\Software\\Wine\\regedit_test"
HEAD = "REGEDIT4\n\n"
KEY = f"[{K}]\n"
"""Line 3 of every case built on ``HEAD + KEY``; its values start on line 4."""

SZ, EXPAND, MULTI, DWORD, BINARY, NONE = (
    RegType.SZ,
    RegType.EXPAND_SZ,
    RegType.MULTI_SZ,
    RegType.DWORD,
    RegType.BINARY,
    RegType.NONE,
)


def val(name: str, kind: RegType, data: str | tuple[str, ...] | int | bytes) -> SetValue:
    return SetValue(K, RegValue(name, kind, data))


def skip(
    line: int, reason: str, key: str | None = K, *, uncertain: bool = False, imported: bool = False
) -> tuple[int, str, str | None, bool, bool]:
    """A skipped line: its number, a fragment of its reason, the key it was under."""
    return (line, reason, key, uncertain, imported)


Skip = tuple[int, str, str | None, bool, bool]
Case = tuple[str, tuple[RegOperation, ...], tuple[Skip, ...]]

CASES: dict[str, Case] = {
    # --- test_basic_import ----------------------------------------------------------------
    # TestValue4: lines may end in a lone CR.
    "cr-only-line-ends": (
        f"REGEDIT4\r\r[{K}]\r\"TestValue4\"=\"DValue\"\r",
        (EnsureKey(K), val("TestValue4", SZ, "DValue")),
        (),
    ),
    # TestValue/TestValue2 (LF, CRLF), TestValue4 (CR): any mix of the three.
    "mixed-line-ends": (
        f"REGEDIT4\r\n\r[{K}]\n\"a\"=\"1\"\r\"b\"=hex:01,\\\r\n  02\n\"c\"=\"3\"",
        (EnsureKey(K), val("a", SZ, "1"), val("b", BINARY, b"\1\2"), val("c", SZ, "3")),
        (),
    ),
    # Line1-Line4: blank lines between values.
    "blank-lines": (
        HEAD + KEY + '"Line1"="Value1"\n\n"Line2"="Value2"\n\n\n\n"Line3"="Value3"\n\n',
        (EnsureKey(K), val("Line1", SZ, "Value1"), val("Line2", SZ, "Value2"),
         val("Line3", SZ, "Value3")),
        (),
    ),
    # Wine1-Wine4: '#' and ';' comment lines; a hex(7) continued on an indented line.
    "comment-lines-and-continuation": (
        HEAD + KEY + '"Wine1"=dword:00000782\n\n"Wine2"="Test Value"\n'
        '"Wine3"=hex(7):4c,69,6e,65,20,\\\n  63,6f,6e,63,61,74,65,6e,61,74,69,6f,6e,00,00\n'
        '#comment\n@="Test"\n;comment\n\n"Wine4"=dword:12345678\n\n',
        (EnsureKey(K), val("Wine1", DWORD, 0x782), val("Wine2", SZ, "Test Value"),
         val("Wine3", MULTI, ("Line concatenation",)), val("", SZ, "Test"),
         val("Wine4", DWORD, 0x12345678)),
        (),
    ),
    # Wine5-Wine7: no line end after the last line.
    "no-final-line-end": (
        HEAD + KEY + '"Wine6"=dword:00000050\n\n"Wine7"="No newline"',
        (EnsureKey(K), val("Wine6", DWORD, 0x50), val("Wine7", SZ, "No newline")),
        (),
    ),
    # Wine8a/b: a dword of fewer than 8 digits.
    "short-dwords": (
        HEAD + KEY + '"Wine8a"=dword:1\n"Wine8b"=dword:4444\n',
        (EnsureKey(K), val("Wine8a", DWORD, 1), val("Wine8b", DWORD, 0x4444)),
        (),
    ),
    # Wine9a-g: a backslash without a comma before it drops the value (9c) and the next line
    # is read afresh (9d); with the comma, the next line is taken as hex, is not, and both
    # go (9e, 9f).
    "backslash-without-comma-and-swallowed-line": (
        HEAD + KEY + '"Wine9a"=hex(2):4c,69,6e,65,00\n"Wine9b"="Value 1"\n'
        '"Wine9c"=hex(2):4c,69,6e,65\\\n"Wine9d"="Value 2"\n'
        '"Wine9e"=hex(2):4c,69,6e,65,\\\n"Wine9f"="Value 3"\n"Wine9g"="Value 4"\n\n',
        (EnsureKey(K), val("Wine9a", EXPAND, "Line"), val("Wine9b", SZ, "Value 1"),
         val("Wine9d", SZ, "Value 2"), val("Wine9g", SZ, "Value 4")),
        (skip(6, "bad hex data at '\\\\'"), skip(8, "continued on a line that is not hex"),
         skip(9, "taken by regedit as the continuation of line 8")),
    ),
    # Wine10a/b/d: a continuation; one whose line does not end in a backslash stops there:
    # the value keeps what it has, and the indented line after it is read as a line of its
    # own, which regedit passes over (reported here).
    "continuation-cut-short": (
        HEAD + KEY + '"Wine10a"=hex(0):56,00,61,00,6c,00,75,00,65,00,00,00\n'
        '"Wine10b"=hex(0):56,00,61,00,6c,00,\\\n  75,00,65,00,00,00\n'
        '"Wine10d"=hex(0):56,00,61,00,\\;comment\n  6c,00,75,00,\n  65,00,00,00\n',
        (EnsureKey(K), val("Wine10a", NONE, b"V\0a\0l\0u\0e\0\0\0"),
         val("Wine10b", NONE, b"V\0a\0l\0u\0e\0\0\0"), val("Wine10d", NONE, b"V\0a\0l\0u\0")),
        (skip(9, "text regedit does not read: '65,00,00,00'"),),
    ),
    # Wine13a-l: hex(0) to hex(ffffffff) are imported; hex(100000000), hex(0x2), hex(x2) are
    # not. OURS: types past REG_QWORD are imported by regedit but not read by the auditor.
    "hex-type-range": (
        HEAD + KEY + '"Wine13a"=hex(0):56,61,6c,75,65,00\n"Wine13b"=hex(10):56,61\n'
        '"Wine13h"=hex(ffffffff):56\n"Wine13i"=hex(100000000):56\n"Wine13j"=hex(0x2):56\n'
        '"Wine13l"=hex(x2):56\n"Wine13m"=hex(b):01,00,00,00,00,00,00,00\n',
        (EnsureKey(K), val("Wine13a", NONE, b"Value\0"), val("Wine13m", RegType.QWORD, 1)),
        (skip(5, "type hex(10)", imported=True), skip(6, "type hex(ffffffff)", imported=True),
         skip(7, "bad hex(N) type"), skip(8, "bad hex(N) type"), skip(9, "bad hex(N) type")),
    ),
    # Wine14a/b: blanks before the continuation backslash; Wine15: a trailing comma;
    # Wine16: the data starts on the next line.
    "blanks-before-backslash-trailing-comma": (
        HEAD + KEY + '"Wine14a"=hex(7):4c,69,6e,65,20,  \\\n  63,6f,6e,00,00\n'
        '"Wine14b"=hex(7):4c,69,6e,65,20,\t\\\n  63,6f,6e,00,00\n'
        '"Wine15"=hex(2):25,50,41,54,48,25,00,\n\n"Wine16"=hex(2):\\\n  25,48,4f,4d,45,25,00\n',
        (EnsureKey(K), val("Wine14a", MULTI, ("Line con",)), val("Wine14b", MULTI, ("Line con",)),
         val("Wine15", EXPAND, "%PATH%"), val("Wine16", EXPAND, "%HOME%")),
        (),
    ),
    # Wine17a-e: a continuation that runs to the end of the file ends the value.
    "continuation-to-end-of-file": (
        HEAD + KEY + '"Wine17c"=hex:11,22,33,44,55,\\',
        (EnsureKey(K), val("Wine17c", BINARY, b"\x11\x22\x33\x44\x55")),
        (),
    ),
    "continuation-to-end-of-file-after-blank-lines": (
        HEAD + KEY + '"Wine17b"=hex(2):25,50,41,54,48,25,\\\n\n;comment\n',
        (EnsureKey(K), val("Wine17b", EXPAND, "%PATH%")),
        (),
    ),
    # Wine18d, Wine20a-f, Wine21a-d: string data with or without its terminators.
    "string-terminators": (
        HEAD + KEY + '"Wine18d"=hex(7):4c,69,6e,65,20,\\;comment\n  63,6f,6e,63,61,74,\n'
        '"Wine20a"=hex(7):4c,69,6e,65\n"Wine20e"=hex(7):4c,69,6e,65,00,00\n'
        '"Wine21a"=hex(2):25,50,41,54,48,25\n"Wine21d"=hex(2):25,50,41,54,48,25,00,\n',
        (EnsureKey(K), val("Wine18d", MULTI, ("Line concat",)), val("Wine20a", MULTI, ("Line",)),
         val("Wine20e", MULTI, ("Line",)), val("Wine21a", EXPAND, "%PATH%"),
         val("Wine21d", EXPAND, "%PATH%")),
        (),
    ),
    # --- test_invalid_import ---------------------------------------------------------------
    # TestNoEndQuote ... MixedQuotes: every one is dropped.
    "quotes": (
        HEAD + KEY + '"TestNoEndQuote"="Asdffdsa\n"TestNoBeginQuote"=Asdffdsa"\n'
        '"TestNoQuotes"=Asdffdsa\n"NameNoEndQuote="Asdffdsa"\nNameNoBeginQuote"="Asdffdsa"\n'
        'NameNoQuotes="Asdffdsa"\n"MixedQuotes=Asdffdsa"\n',
        (EnsureKey(K),),
        (skip(4, "unterminated string"), skip(5, "unknown value data"),
         skip(6, "unknown value data"), skip(7, "no '=' after the value name"),
         skip(8, "text regedit does not read"), skip(9, "text regedit does not read"),
         skip(10, "no '=' after the value name")),
    ),
    # Multi-Line1/2: the comma belongs before the backslash, not on the next line.
    "comma-on-the-next-line": (
        HEAD + KEY + '"Multi-Line1"=hex(7):4c,69,6e,65,20\\\n,63,6f,6e,00,00\n\n'
        '"Multi-Line2"=hex(7):4c,69,6e,65,20\\\n  ,63,6f,6e,00,00\n',
        (EnsureKey(K),),
        (skip(4, "bad hex data"), skip(5, "text regedit does not read"),
         skip(7, "bad hex data"), skip(8, "text regedit does not read")),
    ),
    # Test12a-e, Test13a/b, Test14a-c: bad dwords; Wine9a (whitespace): blanks before digits.
    "bad-dwords": (
        HEAD + KEY + '"Test12a"=dword:\n"Test12b"=dword:hello\n"Test12c"=dword:123456789\n'
        '"Test12e"=dword:000000001\n"Test13a"=dword:12345678abc\n"Test13b"=dword:12345678 abc\n'
        '"Test14a"=dword:0x123\n"Test14b"=dword:123 456\n"Wine9a"=dword:  00000008\n',
        (EnsureKey(K), val("Wine9a", DWORD, 8)),
        tuple(skip(line, "bad dword") for line in range(4, 12)),
    ),
    # Test15a/b: text after the closing quote; Test16a-d: no data, or an escaped quote.
    "bad-strings": (
        HEAD + KEY + '"Test15a"="foo"bar"\n"Test15b"="foo""bar"\n"Test16a"=\n"Test16b"=\\"\n'
        '"Test16d"=\\"Value"\n',
        (EnsureKey(K),),
        (skip(4, "text after the string"), skip(5, "text after the string"),
         skip(6, "unknown value data"), skip(7, "unknown value data"),
         skip(8, "unknown value data")),
    ),
    # Subkey1, Test17a-c, Test18a/b: key names, value names, dwords and strings do not
    # continue on the next line. OURS: Subkey1's text is kept as the key of what follows.
    "no-continuation-outside-hex": (
        HEAD + KEY + '"Test\\\n17a"="Value 1"\n"Test17b"="Value 2"\n"Test18a"=dword:1234\\\n'
        '5678\n"Test18b"="Test \\\nValue"\n' + f"[{K}\\\nSubkey1]\n" + '"x"="1"\n',
        (EnsureKey(K), val("Test17b", SZ, "Value 2")),
        (skip(4, "unterminated value name"), skip(5, "text regedit does not read"),
         skip(7, "bad dword"), skip(8, "text regedit does not read"),
         skip(9, "unterminated string"), skip(10, "text regedit does not read"),
         skip(11, "without a closing bracket", f"{K}\\", uncertain=True),
         skip(12, "text regedit does not read", f"{K}\\", uncertain=True),
         skip(13, "after the key line regedit could not read (line 11)", f"{K}\\",
              uncertain=True)),
    ),
    # Test19a-f / Test20 / Test21: broken hex continuations (a comma on the wrong line, a
    # byte cut in two, '#' after the backslash).
    "broken-hex-continuations": (
        HEAD + KEY + '"Test21c"=hex:11,22,33,44\\\n  55,66\n"Test21d"=hex:11,22,33,4\\\n4,55\n'
        '"Test21f"=hex:11,22,33,\\;comment\n  44,55,66,\\#comment\n  77,88\n',
        (EnsureKey(K),),
        (skip(4, "bad hex data"), skip(5, "text regedit does not read"),
         skip(6, "bad hex data"), skip(7, "text regedit does not read"),
         skip(8, "text after the continuation backslash"),
         skip(10, "text regedit does not read")),
    ),
    # Wine22a/b: bytes over 0xff; Wine23a-k: backslashes inside hex data; Wine32a/b: an
    # empty byte; Wine30: a slash for a backslash.
    "bad-hex-bytes": (
        HEAD + KEY + '"Wine22a"=hex(0):25,50,100,54\n"Wine23a"=hex(2):25,48\\,4f\n'
        '"Wine23b"=hex(2):25,48,\\4f,4d\n"Wine23e"=hex(2):\\25,48\n"Wine23i"=hex(2):25,50,\\,41\n'
        '"Wine23k"=hex(2):,\\\n  25,48\n"Wine32b"=hex(7):4c,\\\n  63,,6f\n'
        '"Wine30a"=hex(0):25,48,/\n',
        (EnsureKey(K),),
        (skip(4, "more than two digits"), skip(5, "bad hex data"),
         skip(6, "text after the continuation backslash"),
         skip(7, "text after the continuation backslash"),
         skip(8, "text after the continuation backslash"), skip(9, "bad hex data"),
         skip(10, "text regedit does not read"), skip(11, "bad hex data"),
         skip(13, "bad hex data")),
    ),
    # Wine24a: a continuation takes the key line that follows, which is not opened. OURS: the
    # values after it are skipped rather than filed under the previous key. Wine24b: without
    # the comma the value is dropped alone and the key line is read.
    "continuation-takes-a-key-line": (
        HEAD + KEY + f'"Wine24a"=hex(2):4c,69,\\\n[{K}\\Subkey1]\n"x"="1"\n'
        f'"Wine24b"=hex(2):4c,69\\\n[{K}\\Subkey2]\n"y"="2"\n',
        (EnsureKey(K), EnsureKey(f"{K}\\Subkey2"), SetValue(f"{K}\\Subkey2",
                                                            RegValue("y", SZ, "2"))),
        (skip(4, "continued on a line that is not hex"),
         skip(5, "taken by regedit as the continuation of line 4", f"{K}\\Subkey1",
              uncertain=True),
         skip(6, "after a key line regedit did not read (line 5)", f"{K}\\Subkey1",
              uncertain=True),
         skip(7, "bad hex data", f"{K}\\Subkey1", uncertain=True)),
    ),
    # Wine25c-f, Wine28c: inside a continuation a ';' line is passed over, a '#' line ends the
    # value (and is consumed), a blank line is passed over.
    "comments-inside-continuations": (
        HEAD + KEY + '"Wine25c"=hex(2):4c,69,\\\n;comment\n"Wine25d"="Test value"\n'
        '"Wine25e"=hex(2):4c,69,\\\n#comment\n"Wine25f"="Test value"\n'
        '"Wine25g"=hex(2):4c,69,\\\n\n"Wine25h"="Test value"\n',
        (EnsureKey(K), val("Wine25f", SZ, "Test value")),
        (skip(4, "continued on a line that is not hex"),
         skip(6, "taken by regedit as the continuation of line 4"),
         skip(7, "continued on a line that is not hex"),
         skip(10, "continued on a line that is not hex"),
         skip(12, "taken by regedit as the continuation of line 10")),
    ),
    # Wine29a/b: a line holding only a backslash is not hex data.
    "backslash-alone-on-a-line": (
        HEAD + KEY + '"Wine29a"=hex:11,22,33,\\\n\\\n  44,55,66\n',
        (EnsureKey(K),),
        (skip(4, "continued on a line that is not hex"),
         skip(5, "taken by regedit as the continuation of line 4"),
         skip(6, "text regedit does not read")),
    ),
    # Wine31: a backslash without a comma at the end of the file.
    "backslash-without-comma-at-end": (
        HEAD + KEY + '"Wine31"=hex(7):4c,69,6e,65,20\\',
        (EnsureKey(K),),
        (skip(4, "bad hex data"),),
    ),
    # --- test_comments ------------------------------------------------------------------------
    # Wine1/2: a comment line ending in a backslash continues nothing. Wine3-6, Wine26a-d:
    # after a value, ';' starts a comment and '#' does not.
    "comments-after-values": (
        HEAD + KEY + '#comment\\\n"Wine1"="Line 1"\n"Wine3"="Value 1"#comment\n'
        '"Wine4"="Value 2";comment\n"Wine5"=dword:01020304 #comment\n'
        '"Wine6"=dword:02040608 ;comment\n"Wine26b"="Value2"\t\t;comment\n'
        '"Wine26c"="Value3"  #comment\n',
        (EnsureKey(K), val("Wine1", SZ, "Line 1"), val("Wine4", SZ, "Value 2"),
         val("Wine6", DWORD, 0x2040608), val("Wine26b", SZ, "Value2")),
        (skip(6, "text after the string"), skip(8, "bad dword"),
         skip(11, "text after the string")),
    ),
    # Wine7-10: '#' inside a continuation drops the value and its last line is read alone;
    # ';' is passed over.
    "comment-line-inside-continuation": (
        HEAD + KEY + '"Wine7"=hex(7):4c,69,\\\n  #comment\n  6e,00,00\n"Wine8"="A valid line"\n'
        '"Wine9"=hex(7):4c,69,\\\n  ;comment\n  6e,00,00\n',
        (EnsureKey(K), val("Wine8", SZ, "A valid line"), val("Wine9", MULTI, ("Lin",))),
        (skip(4, "continued on a line that is not hex"), skip(6, "text regedit does not read")),
    ),
    # Comment1-6, Wine13-24: comments in place of a line, a name, the data.
    "comments-in-every-place": (
        HEAD + KEY + '#"Comment1"="Value 1"\n    ;"Comment4"="Value 4"\n'
        '"Wine11"="Value 6"#"Comment5"="Value 5"\n"Wine12"="Value 7";"Comment6"="Value 6"\n'
        '"Wine13"=#"Value 8"\n"Wine14"=;"Value 9"\n"Wine15"="#comment1"\n'
        '"Wine18"="Value;comment4"\n"Wine21"=#dword:00000001\n"Wine23"=dword:00000003#comment\n'
        '"Wine24"=dword:00000004;comment\n',
        (EnsureKey(K), val("Wine12", SZ, "Value 7"), val("Wine15", SZ, "#comment1"),
         val("Wine18", SZ, "Value;comment4"), val("Wine24", DWORD, 4)),
        (skip(6, "text after the string"), skip(8, "unknown value data"),
         skip(9, "unknown value data"), skip(12, "unknown value data"), skip(13, "bad dword")),
    ),
    # Wine25a-d: ';' after dword digits is a comment, '#' is not.
    "dword-comments": (
        HEAD + KEY + '"Wine25a"=dword:1234;5678\n"Wine25b"=dword:1234 ;5678\n'
        '"Wine25c"=dword:1234#5678\n"Wine25d"=dword:1234 #5678\n',
        (EnsureKey(K), val("Wine25a", DWORD, 0x1234), val("Wine25b", DWORD, 0x1234)),
        (skip(6, "bad dword"), skip(7, "bad dword")),
    ),
    # Multi-Line2/5/6: a line without its backslash ends the data; '#' after the backslash
    # drops the value; blank lines and ';' comments inside the continuation are passed over.
    "multi-line-comments": (
        HEAD + KEY + '"Multi-Line2"=hex(7):4c,69,6e,65,20,\\\n  63,6f,6e,\\;comment\n'
        '  63,61,74,;comment\n  65,6e,61,74,69,6f,6e,00,00\n'
        '"Multi-Line5"=hex(7):4c,69,6e,\\;comment\n  63,61,74,\\#comment\n  65,00,00\n'
        '"Multi-Line6"=hex(7):4c,69,6e,65,20,\\\n  63,6f,6e,\\;comment\n  63,61,74,\\\n\n'
        '  65,6e,\\;comment\n\n  61,74,69,6f,6e,00,00\n',
        (EnsureKey(K), val("Multi-Line2", MULTI, ("Line concat",)),
         val("Multi-Line6", MULTI, ("Line concatenation",))),
        (skip(7, "text regedit does not read"),
         skip(8, "text after the continuation backslash"),
         skip(10, "text regedit does not read")),
    ),
    # Wine27a-d: comments after hex data; Wine28a-f: blanks around the backslash.
    "hex-comments-and-blanks": (
        HEAD + KEY + '"Wine27a"=hex(2):25,50,41,54,48,25,00  ;comment\n'
        '"Wine27c"=hex(2):25,50,41,54,48,25,00  #comment\n'
        '"Wine28c"=hex(2):25,48,4f,4d,45,25,5c,  \\  ;comment\n  25,50,41,54,48,25,00\n'
        '"Wine28d"=hex(2):25,48,4f,4d,45,25,5c  \\  ;comment\n  25,50,41,54,48,25,00\n',
        (EnsureKey(K), val("Wine27a", EXPAND, "%PATH%"), val("Wine28c", EXPAND, "%HOME%\\%PATH%")),
        (skip(5, "bad hex data"), skip(8, "bad hex data"), skip(9, "text regedit does not read")),
    ),
    # --- test_import_with_whitespace ------------------------------------------------------
    # Wine1-Wine10: blanks before the header, the key and the values, around '=', after the
    # data, and blank lines (with blanks) inside a continuation; blanks inside names and
    # strings are kept (Wine6a-c, Wine7a/b).
    "whitespace": (
        f" \t REGEDIT4\n\n\t\t[{K}]\n"
        '\t    "Wine4a"="Tab and four spaces"\n    "Wine4b"=dword:00112233\n'
        '\t\t"Wine5b"\t\t="Leading tabs"\n    "Wine5d"    \t    =    \t    "More whitespace"\n'
        '  "  Wine6c  "  =  "  Spaces everywhere  "  \n"Wine8b"="Trailing"\t  \t\n'
        '\t@\t=\tdword:\t00000008\t\n'
        '"Wine10b"=hex(7):4c,69,6e,65,20,\\\n  63,6f,6e,\\\n \n\t\n  00,00\n',
        (EnsureKey(K), val("Wine4a", SZ, "Tab and four spaces"), val("Wine4b", DWORD, 0x112233),
         val("Wine5b", SZ, "Leading tabs"), val("Wine5d", SZ, "More whitespace"),
         val("  Wine6c  ", SZ, "  Spaces everywhere  "), val("Wine8b", SZ, "Trailing"),
         val("", DWORD, 8), val("Wine10b", MULTI, ("Line con",))),
        (),
    ),
    # --- test_key_creation_and_deletion ---------------------------------------------------
    # No_Opening_Bracket, No_Closing_Bracket, Subkey1a/1b ("[ " and "[\t"), Subkey1c (a
    # trailing blank is part of the name), Subkey1e (a trailing backslash is kept as
    # written; RegistryTree drops it).
    "key-lines": (
        HEAD + f"{K}\\No_Opening_Bracket]\n[{K}\\No_Closing_Bracket\n[ {K}\\Subkey1a]\n"
        f"[{K}\\Subkey1c ]\n[{K}\\Subkey1e\\]\n",
        (EnsureKey(f"{K}\\Subkey1c "), EnsureKey(f"{K}\\Subkey1e\\")),
        (skip(3, "text regedit does not read", None, uncertain=True),
         skip(4, "without a closing bracket", f"{K}\\No_Closing_Bracket", uncertain=True),
         skip(5, "a blank after '['", f"{K}\\Subkey1a", uncertain=True)),
    ),
    # Subkey2a/2b: "[ -key]" and "[- key]" delete nothing; "[-key]" deletes. Wine1a: a value
    # after "[-key]" goes nowhere. A value before any key line goes nowhere either.
    "key-deletion": (
        HEAD + '"before"="any key"\n'
        f"[ -{K}\\Subkey2a]\n[- {K}\\Subkey2a]\n[-{K}\\Subkey2b]\n" + '"Wine1a"=dword:12345678\n',
        (DeleteKey(f"{K}\\Subkey2b"),),
        (skip(3, "before any [key] line", None, uncertain=True),
         skip(4, "a blank after '['", f"-{K}\\Subkey2a", uncertain=True),
         skip(5, "regedit deletes nothing", f" {K}\\Subkey2a", uncertain=True),
         skip(7, "after [-key]", f"{K}\\Subkey2b")),
    ),
    # --- test_value_deletion --------------------------------------------------------------
    # Wine46a-f: "=-" deletes, blanks and a ';' comment may follow; text or '#' may not.
    "value-deletion": (
        HEAD + KEY + '"Wine46a"=-\n"Wine46b"=  -\n"Wine46c"=  \t-\t  \n"Wine46d"=-"Test"\n'
        '"Wine46e"=- ;comment\n"Wine46f"=- #comment\n@=-\n',
        (EnsureKey(K), DeleteValue(K, "Wine46a"), DeleteValue(K, "Wine46b"),
         DeleteValue(K, "Wine46c"), DeleteValue(K, "Wine46e"), DeleteValue(K, "")),
        (skip(7, "text after '=-'"), skip(9, "text after '=-'")),
    ),
    # --- strings end at their first NUL (DESIGN.md "Registry evidence") ------------------
    "strings-end-at-the-first-nul": (
        HEAD + KEY + '"q"="10.0.0.5\0junk"\n"s"=hex(1):31,00,6a,00\n"e"=hex(2):25,50,25,00,78,78\n'
        '"m"=hex(7):61,00,62,00,00,6a,75,6e,6b,00,00\n',
        (EnsureKey(K), val("q", SZ, "10.0.0.5"), val("s", SZ, "1"), val("e", EXPAND, "%P%"),
         val("m", MULTI, ("a", "b"))),
        (),
    ),
}  # fmt: skip


def check(export_text: str, encoded: bytes, case: Case) -> None:
    operations, skipped = case[1], case[2]
    export = parse_reg(encoded, "wine.reg")
    assert export.operations == operations
    got = [(s.line, s.key, s.key_uncertain, s.imported) for s in export.skipped]
    assert got == [(line, key, unsure, imported) for line, _, key, unsure, imported in skipped]
    for line, (_, fragment, *_) in zip(export.skipped, skipped, strict=True):
        assert fragment in line.reason, (line.line, line.reason)


@pytest.mark.parametrize("name", CASES)
def test_regedit4_as_regedit_reads_it(name: str) -> None:
    text = CASES[name][0]
    check(text, text.encode("cp1252"), CASES[name])


# Wine's test_*_unicode twins: the same lines in a version 5 file, whose hex(1)/hex(2)/hex(7)
# payloads are UTF-16LE, so the cases carrying such payloads are left to the REGEDIT4 run.
_STRING_HEX = ("hex(1)", "hex(2)", "hex(7)")
V5_CASES = [name for name, case in CASES.items() if not any(t in case[0] for t in _STRING_HEX)]


@pytest.mark.parametrize("name", V5_CASES)
def test_version_5_as_regedit_reads_it(name: str) -> None:
    text = CASES[name][0]
    body = text.split("\n", 1)[1] if text.lstrip(" \t").startswith("REGEDIT4\n") else None
    if body is None:
        pytest.skip("the case spells its own header and line ends")
    v5 = "Windows Registry Editor Version 5.00\n" + body
    check(v5, b"\xff\xfe" + v5.encode("utf-16-le"), CASES[name])


def test_version_5_string_payloads_are_utf16() -> None:
    # Wine9a/Wine20e/Wine21d of test_basic_import_unicode, and the first-NUL rule.
    text = (
        "Windows Registry Editor Version 5.00\n\n"
        + KEY
        + '"Wine9a"=hex(2):4c,00,69,00,6e,00,65,00,00,00\n'
        + '"Wine20e"=hex(7):4c,00,69,00,00,00,00,00,6a,00,00,00\n'
        + '"Wine21d"=hex(2):25,00,50,00,25,00,00,00,6a,00,75,00,\n'
        + '"Wine4c"=hex(7):4c,00,69,00,\\\n  6e,00,65,00,00,00,00,00\n'
    )
    export = parse_reg(b"\xff\xfe" + text.encode("utf-16-le"), "wine.reg")
    assert export.skipped == ()
    assert export.operations == (
        EnsureKey(K), val("Wine9a", EXPAND, "Line"), val("Wine20e", MULTI, ("Li",)),
        val("Wine21d", EXPAND, "%P%"), val("Wine4c", MULTI, ("Line",)),
    )  # fmt: skip


def test_skipped_line_is_a_frozen_record() -> None:
    line = SkippedLine(4, K, "bad dword 'x'")
    assert line.describe() == f"line 4 skipped, as regedit would: bad dword 'x' (under {K})"
    with pytest.raises(AttributeError):
        line.line = 5  # type: ignore[misc]
