"""Property tests: any registry the builder can write in either format parses back to itself.

The writer is tests/builders/regtext.py, written separately from the parser. Names and
strings are drawn from what each format can carry: cp1252 (with the five bytes Windows maps
to C1 controls) for REGEDIT4, any BMP or astral text for version 5. Line breaks appear only
where regedit can write them, inside hex(1)/hex(2)/hex(7) data.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.errors import ParseError
from auditor.parsing.regfile import parse_reg
from auditor.parsing.registry import EnsureKey, RegOperation, RegType, RegValue, SetValue
from tests.builders.regtext import RegFormat, write_reg

HOLES = "\x81\x8d\x8f\x90\x9d"
_CP1252 = st.one_of(st.characters(codec="cp1252"), st.sampled_from(HOLES))
_WIDE = st.characters(exclude_categories=("Cs",))  # a lone surrogate is no UTF-16 text
ALPHABETS = {RegFormat.REGEDIT4: _CP1252, RegFormat.V5: _WIDE}
INTEGER_SIZES = {RegType.DWORD: 32, RegType.QWORD: 64}
BYTE_TYPES = [
    RegType.NONE,
    RegType.BINARY,
    RegType.DWORD_BIG_ENDIAN,
    RegType.LINK,
    RegType.RESOURCE_LIST,
    RegType.FULL_RESOURCE_DESCRIPTOR,
    RegType.RESOURCE_REQUIREMENTS_LIST,
]


def text(fmt: RegFormat, *, without: str, max_size: int = 12) -> st.SearchStrategy[str]:
    return st.text(ALPHABETS[fmt].filter(lambda char: char not in without), max_size=max_size)


@st.composite
def values(draw: st.DrawFn, fmt: RegFormat) -> RegValue:
    name = draw(text(fmt, without="\r\n"))
    kind = draw(st.sampled_from(list(RegType)))
    data: str | tuple[str, ...] | int | bytes
    if kind in (RegType.SZ, RegType.EXPAND_SZ):
        # Trailing NULs are a terminator, which the parser strips as Windows does.
        data = draw(text(fmt, without="", max_size=40)).rstrip("\0")
    elif kind is RegType.MULTI_SZ:
        strings = draw(st.lists(text(fmt, without="\0"), max_size=4))
        while strings and not strings[-1]:  # empty strings at the end are the terminator
            strings.pop()
        data = tuple(strings)
    elif kind in INTEGER_SIZES:
        data = draw(st.integers(0, 2 ** INTEGER_SIZES[kind] - 1))
    else:
        data = draw(st.binary(max_size=120))
    return RegValue(name, kind, data)


@st.composite
def registries(draw: st.DrawFn, fmt: RegFormat) -> dict[str, list[RegValue]]:
    part = text(fmt, without="\\\r\n").filter(lambda name: name != "")
    paths = st.lists(part, min_size=1, max_size=3).map(
        lambda parts: "HKEY_LOCAL_MACHINE\\" + "\\".join(parts)
    )
    keys = draw(st.dictionaries(paths, st.lists(values(fmt), max_size=5), max_size=4))
    # One value per name in a key: a second would replace the first on import.
    return {
        key: list({value.name: value for value in key_values}.values())
        for key, key_values in keys.items()
    }


def expected(keys: dict[str, list[RegValue]]) -> list[RegOperation]:
    operations: list[RegOperation] = []
    for key, key_values in keys.items():
        operations.append(EnsureKey(key))
        operations.extend(SetValue(key, value) for value in key_values)
    return operations


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_a_registry_written_as_regedit4_parses_back(data: st.DataObject) -> None:
    keys = data.draw(registries(RegFormat.REGEDIT4))
    assert parse_reg(write_reg(keys, RegFormat.REGEDIT4), "p.reg") == expected(keys)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_a_registry_written_as_version_5_parses_back(data: st.DataObject) -> None:
    keys = data.draw(registries(RegFormat.V5))
    assert parse_reg(write_reg(keys, RegFormat.V5), "p.reg") == expected(keys)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300), st.sampled_from([b"REGEDIT4\r\n", b""]))
def test_any_bytes_give_operations_or_a_parse_error(body: bytes, header: bytes) -> None:
    try:
        parse_reg(header + body, "any.reg")
    except ParseError as error:
        assert str(error).startswith("any.reg: line ")
