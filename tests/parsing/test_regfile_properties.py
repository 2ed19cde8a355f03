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
# The file's text with one character per byte (REGEDIT4) or per UTF-16 unit (version 5),
# so that a line can be put in without re-encoding the rest.
TEXT_CODECS = {RegFormat.REGEDIT4: "latin-1", RegFormat.V5: "utf-16-le"}
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
        # NULs anywhere: the writer writes them, the reader must stop at the first.
        data = draw(text(fmt, without="", max_size=40))
    elif kind is RegType.MULTI_SZ:
        data = tuple(draw(st.lists(text(fmt, without="\0"), max_size=4)))
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


def as_windows_reads(value: RegValue) -> RegValue:
    """A string ends at its first NUL; a string list at its first empty string."""
    if isinstance(value.data, str):
        return RegValue(value.name, value.type, value.data.split("\0")[0])
    if isinstance(value.data, tuple):
        strings = list(value.data)
        if "" in strings:
            strings = strings[: strings.index("")]
        return RegValue(value.name, value.type, tuple(strings))
    return value


def expected(keys: dict[str, list[RegValue]]) -> tuple[RegOperation, ...]:
    operations: list[RegOperation] = []
    for key, key_values in keys.items():
        operations.append(EnsureKey(key))
        operations.extend(SetValue(key, as_windows_reads(value)) for value in key_values)
    return tuple(operations)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_a_registry_written_as_regedit4_parses_back(data: st.DataObject) -> None:
    keys = data.draw(registries(RegFormat.REGEDIT4))
    export = parse_reg(write_reg(keys, RegFormat.REGEDIT4), "p.reg")
    assert (export.operations, export.skipped) == (expected(keys), ())


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_a_registry_written_as_version_5_parses_back(data: st.DataObject) -> None:
    keys = data.draw(registries(RegFormat.V5))
    export = parse_reg(write_reg(keys, RegFormat.V5), "p.reg")
    assert (export.operations, export.skipped) == (expected(keys), ())


def garbage(fmt: RegFormat) -> st.SearchStrategy[str]:
    """A line that is no valid key line and continues nothing: it cannot change the key that
    the lines after it belong to, nor take them for its own."""
    alphabet = st.characters(codec="cp1252") if fmt is RegFormat.REGEDIT4 else _WIDE
    line = st.text(alphabet.filter(lambda char: char not in "\r\n\\"), max_size=30)
    starts = st.sampled_from(["", " ", "\t", '"', "@", "#", ";", "=", "0a,", "dword:", "-"])
    return st.builds(lambda start, rest: start + rest, starts, line).filter(
        lambda line: not line.lstrip(" \t").startswith("[")
    )


@settings(max_examples=80, deadline=None)
@given(st.data(), st.sampled_from(list(RegFormat)))
def test_a_garbage_line_between_valid_lines_loses_no_valid_value(
    data: st.DataObject, fmt: RegFormat
) -> None:
    keys = data.draw(registries(fmt))
    codec = TEXT_CODECS[fmt]
    written = write_reg(keys, fmt)
    bom = b"\xff\xfe" if fmt is RegFormat.V5 else b""
    lines = written[len(bom) :].decode(codec).split("\r\n")
    # Between two logical lines: before any line that is not a hex continuation ("  ...").
    places = [n for n in range(1, len(lines)) if not lines[n].startswith("  ")]
    place = data.draw(st.sampled_from(places))
    junk = data.draw(garbage(fmt))
    lines.insert(place, junk.encode("cp1252").decode(codec) if not bom else junk)
    export = parse_reg(bom + "\r\n".join(lines).encode(codec, "surrogatepass"), "g.reg")
    wanted = list(expected(keys))
    # Every valid operation is there, in order; the garbage line may add one of its own
    # (a value line that happens to parse), or be reported as skipped.
    got = iter(export.operations)
    assert all(any(op == other for other in got) for op in wanted), (junk, export)
    assert len(export.operations) - len(wanted) + len(export.skipped) <= 1
    assert all(line.line == place + 1 for line in export.skipped)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300), st.sampled_from([b"REGEDIT4\r\n", b""]))
def test_any_bytes_give_operations_or_a_parse_error(body: bytes, header: bytes) -> None:
    try:
        parse_reg(header + body, "any.reg")
    except ParseError as error:
        assert str(error).startswith("any.reg: line ")
