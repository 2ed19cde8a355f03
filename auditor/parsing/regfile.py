"""Parse regedit exports (``REGEDIT4`` and ``Windows Registry Editor Version 5.00``).

The two formats differ in encoding only: REGEDIT4 is ANSI (cp1252) text whose hex(1)/hex(2)/
hex(7) payloads are ANSI bytes; version 5.00 is UTF-16LE text with a BOM whose payloads are
UTF-16LE. Both yield the same operations, in file order, for ``RegistryTree.apply``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.errors import ParseError
from auditor.parsing.registry import (
    DeleteKey,
    DeleteValue,
    EnsureKey,
    RegData,
    RegOperation,
    RegType,
    RegValue,
    SetValue,
)

__all__ = ["MAX_LINES", "MAX_OPERATIONS", "looks_like_reg", "parse_reg"]

MAX_LINES = 1_000_000
"""More lines than a whole SYSTEM export holds; a longer file is refused before it is read."""
MAX_OPERATIONS = 200_000
"""More keys and values than a whole SYSTEM export holds; about 50 MB of operations."""
MAX_LINE = 4 * 1024 * 1024
"""Characters in one line, continuations joined. A value of the registry's standard format
(NT4, Windows 2000) holds at most 1 MB, which regedit writes as 3 Mi characters of hex."""

_V4 = "REGEDIT4"
_V5 = "Windows Registry Editor Version 5.00"
_BOM_UTF16LE = b"\xff\xfe"
_BOM_UTF16BE = b"\xfe\xff"
_BOM_UTF8 = b"\xef\xbb\xbf"
_ANSI = "cp1252"
_WIDE = "utf-16-le"
_WS = " \t\r"

# Windows maps the five bytes cp1252 leaves undefined to the C1 control of the same value;
# Python refuses them. Decoding with surrogateescape and folding the escapes back matches Windows.
_CP1252_HOLE_BYTES = (0x81, 0x8D, 0x8F, 0x90, 0x9D)
_CP1252_HOLES = {0xDC00 + byte: byte for byte in _CP1252_HOLE_BYTES}

_HEX_DIGITS = re.compile(r"[0-9A-Fa-f]*")

# Every spelling a sniffer may meet; parse_reg then accepts only the ones regedit writes.
_SIGNATURES = tuple(
    bom + header.encode(encoding)
    for header in (_V4, _V5)
    for bom, encoding in (
        (b"", "ascii"),
        (_BOM_UTF8, "ascii"),
        (b"", "utf-16-le"),
        (_BOM_UTF16LE, "utf-16-le"),
        (_BOM_UTF16BE, "utf-16-be"),
    )
)


def looks_like_reg(head: bytes) -> bool:
    """True when ``head`` (the first 80 bytes or more of a file) starts with a .reg header.

    Deliberately tolerant of encodings regedit never writes (a BOM on REGEDIT4, UTF-16
    without a BOM, big-endian), so that such a file reaches ``parse_reg`` and is reported
    as broken rather than silently ignored as not being registry evidence.
    """
    for signature in _SIGNATURES:
        size = min(len(head), len(signature))
        if size >= min(len(signature), 16) and head[:size] == signature[:size]:
            return True
    return False


def parse_reg(
    data: bytes, origin: str, *, max_operations: int = MAX_OPERATIONS
) -> list[RegOperation]:
    """The operations of a .reg export, in file order. Raise ParseError naming ``origin``.

    Key paths are kept as written (hive names are not normalised). NUL characters in names
    are accepted as characters, since the registry stores counted strings. A file of more
    than MAX_LINES lines or ``max_operations`` operations is refused, so that one export
    cannot hold the process for long or fill its memory.
    """
    text, payload_encoding = _decode(data, origin)
    lines = text.count("\n") + 1
    if lines > MAX_LINES:
        raise ParseError(f"{origin}: {lines} lines, more than the {MAX_LINES} read in one export")
    operations: list[RegOperation] = []
    key: str | None = None
    numbered = _lines(text, origin)
    for number, raw in numbered:
        try:
            line = raw.strip(_WS)
            if line.endswith("\\") and line.startswith(('"', "@")):
                line = _join_continuations(line, numbered)
            key = _parse_line(line, key, payload_encoding, operations)
        except ValueError as exc:
            raise ParseError(f"{origin}: line {number}: {exc}") from exc
        if len(operations) > max_operations:
            raise ParseError(
                f"{origin}: line {number}: more than {max_operations} keys and values to read"
            )
    return operations


def _lines(text: str, origin: str) -> Iterator[tuple[int, str]]:
    """(line number in the file, line) after the header; lazily, so no list of them is held.

    What follows the final line end is not a line.
    """
    start, number = 0, 2
    while start < len(text):
        end = text.find("\n", start)
        if end < 0:
            end = len(text)
        if end - start > MAX_LINE:
            raise ParseError(f"{origin}: line {number}: longer than {MAX_LINE} characters")
        yield number, text[start:end]
        start, number = end + 1, number + 1


def _decode(data: bytes, origin: str) -> tuple[str, str]:
    """The text after the header line, and the encoding of hex(1)/hex(2)/hex(7) payloads."""
    if data.startswith(_BOM_UTF16LE):
        text, bom = _strict(data[2:], _WIDE, origin), "a UTF-16 byte-order mark"
    elif data.startswith(_BOM_UTF8):
        text, bom = _strict(data[3:], "utf-8", origin), "a UTF-8 byte-order mark"
    elif data.startswith(_BOM_UTF16BE):
        raise ParseError(f"{origin}: line 1: UTF-16 big-endian text; regedit writes UTF-16LE")
    elif len(data) >= 2 and data[0] != 0 and data[1] == 0:
        raise ParseError(f"{origin}: line 1: UTF-16 text without a byte-order mark")
    else:
        text, bom = _decode_ansi(data), ""
    header, _, rest = text.partition("\n")
    header = header.rstrip(_WS)
    if header == _V5:
        # A v5 file saved as ANSI or UTF-8 by an editor: its payloads are still UTF-16LE.
        return (rest if bom else _strict(data, "utf-8", origin).partition("\n")[2]), _WIDE
    if header == _V4 and not bom:
        return rest, _ANSI
    if header == _V4:
        raise ParseError(f"{origin}: line 1: REGEDIT4 header after {bom}; REGEDIT4 is ANSI")
    if not data:
        raise ParseError(f"{origin}: line 1: empty file, no .reg header")
    raise ParseError(f"{origin}: line 1: unknown header {_clip(header)}")


def _strict(data: bytes, encoding: str, origin: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].decode(encoding, errors="replace").count("\n") + 1
        raise ParseError(f"{origin}: line {line}: not valid {encoding} text") from exc


def _decode_ansi(data: bytes) -> str:
    text = data.decode(_ANSI, errors="surrogateescape")
    # translate copies the text: skip it when none of the five bytes is there.
    if any(byte in data for byte in _CP1252_HOLE_BYTES):
        return text.translate(_CP1252_HOLES)
    return text


def _join_continuations(first: str, lines: Iterator[tuple[int, str]]) -> str:
    """A value line ending in ``\\`` with the indented lines it continues on."""
    parts = [first]
    length = len(first)
    while parts[-1].endswith("\\"):
        parts[-1] = parts[-1][:-1]
        following = next(lines, None)
        if following is None:
            raise ValueError("line continuation at end of file")
        parts.append(following[1].strip(_WS))
        length += len(parts[-1])
        if length > MAX_LINE:
            raise ValueError(f"continued beyond {MAX_LINE} characters")
    return "".join(parts)


def _parse_line(
    line: str, key: str | None, encoding: str, operations: list[RegOperation]
) -> str | None:
    """Append the line's operation, if any; return the key that following values belong to."""
    if not line or line.startswith(";"):
        return key
    if line.startswith("["):
        return _parse_key(line, operations)
    if not line.startswith(('"', "@")):
        raise ValueError(f"unexpected text {_clip(line)}")
    if key is None:
        raise ValueError("value line outside a key (before any [key] line, or after [-key])")
    name, data = _split_value(line)
    if data == "-":
        operations.append(DeleteValue(key, name))
    else:
        value_type, value = _parse_data(data, encoding)
        operations.append(SetValue(key, RegValue(name, value_type, value)))
    return key


def _parse_key(line: str, operations: list[RegOperation]) -> str | None:
    if not line.endswith("]"):
        raise ValueError(f"key line without a closing bracket: {_clip(line)}")
    path = line[1:-1]
    deleted = path.startswith("-")
    if deleted:
        path = path[1:]
    if not path.strip(_WS + "\\"):
        raise ValueError("empty key name")
    if deleted:
        operations.append(DeleteKey(path))
        return None
    operations.append(EnsureKey(path))
    return path


def _split_value(line: str) -> tuple[str, str]:
    """``"name"=data`` or ``@=data`` -> (name, data)."""
    if line.startswith("@"):
        name, end = "", 1
    else:
        name, end = _read_quoted(line, "unterminated quoted value name")
    rest = line[end:].lstrip(_WS)
    if not rest.startswith("="):
        raise ValueError(f"expected '=' after the value name, found {_clip(rest)}")
    return name, rest[1:].lstrip(_WS)


def _parse_data(data: str, encoding: str) -> tuple[RegType, RegData]:
    if data.startswith('"'):
        text, end = _read_quoted(data, "unterminated string")
        if data[end:].strip(_WS):
            raise ValueError(f"unexpected text after the string: {_clip(data[end:])}")
        return RegType.SZ, text
    prefix = data[:16].lower()  # lowercasing the whole of a 10 MB payload would be waste
    if prefix.startswith("dword:"):
        return RegType.DWORD, int(_hex_number(data[6:], 8, "dword"), 16)
    if prefix.startswith("hex:"):
        return RegType.BINARY, _parse_hex(data[4:])
    if prefix.startswith("hex("):
        code, _, payload = data[4:].partition("):")
        value_type = _value_type(_hex_number(code, 8, "hex(N) type"))
        return value_type, _convert(value_type, _parse_hex(payload), encoding)
    raise ValueError(f"unknown value data {_clip(data)}")


def _hex_number(text: str, max_digits: int, what: str) -> str:
    if not 1 <= len(text) <= max_digits or not _HEX_DIGITS.fullmatch(text):
        raise ValueError(f"bad {what} {_clip(text)}: expected 1 to {max_digits} hex digits")
    return text


def _value_type(code: str) -> RegType:
    try:
        return RegType.from_code(int(code, 16))
    except ValueError as exc:
        raise ValueError(f"unsupported value type hex({code})") from exc


def _parse_hex(payload: str) -> bytes:
    """``25,53,79`` -> bytes. Regedit writes two digits a byte, commas between, no spaces."""
    if payload.endswith(","):  # harmless, and what a hand edit of a continuation leaves
        payload = payload[:-1]
    if not payload:
        return b""
    digits = payload.replace(",", "")
    commas = len(payload) // 3
    if (
        len(payload) % 3 == 2
        and payload[2::3] == "," * commas
        and _HEX_DIGITS.fullmatch(digits) is not None
    ):
        return bytes.fromhex(digits)
    for item in payload.split(","):
        if len(item) != 2 or _HEX_DIGITS.fullmatch(item) is None:
            raise ValueError(f"bad hex byte {_clip(item)}: expected two hex digits")
    raise ValueError(f"bad hex data {_clip(payload)}")


def _convert(value_type: RegType, payload: bytes, encoding: str) -> RegData:
    """Payload bytes -> the Python type ``RegValue.data`` promises for ``value_type``."""
    if value_type in (RegType.SZ, RegType.EXPAND_SZ):
        return _payload_text(payload, encoding).rstrip("\0")
    if value_type is RegType.MULTI_SZ:
        strings = _payload_text(payload, encoding).split("\0")
        while strings and not strings[-1]:
            strings.pop()
        return tuple(strings)
    size = {RegType.DWORD: 4, RegType.QWORD: 8}.get(value_type)
    if size is None:
        return payload
    if len(payload) != size:
        raise ValueError(f"{value_type} data must be {size} bytes, got {len(payload)}")
    return int.from_bytes(payload, "little")


def _payload_text(payload: bytes, encoding: str) -> str:
    if encoding == _ANSI:
        return _decode_ansi(payload)
    # One damaged value must not discard a whole export: an odd trailing byte cannot be a
    # character (Windows ignores it too), and a lone surrogate shows up as U+FFFD.
    return payload[: len(payload) // 2 * 2].decode(_WIDE, errors="replace")


def _read_quoted(line: str, problem: str) -> tuple[str, int]:
    """The unescaped text of the string opening ``line``, and where it ends.

    Built from str.find and str.split rather than a regex or a character loop: linear, and
    a 10 MB string made only of escapes still parses in under a second.
    """
    start = 1
    while True:
        close = line.find('"', start)
        if close < 0:
            raise ValueError(problem)
        # A quote is escaped when an odd run of backslashes precedes it.
        run = close - start - len(line[start:close].rstrip("\\"))
        if run % 2 == 0:
            return _unescape(line[1:close]), close + 1
        start = close + 1


def _unescape(body: str) -> str:
    # Only \\ and \" are escapes in regedit's output; any other backslash stays as written.
    return "\\".join(part.replace('\\"', '"') for part in body.split("\\\\"))


def _clip(text: str, limit: int = 40) -> str:
    """A short repr for messages: the input may be a 10 MB line."""
    return repr(text if len(text) <= limit else text[:limit] + "...")
