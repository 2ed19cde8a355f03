"""The grammar of one .reg value line, as regedit imports it.

``parse_value_line`` reads ``"name"=data`` or ``@=data`` and returns the value, or raises
``LineSkipped`` with the reason regedit drops the line. Hex data may continue on the lines
that follow (a ``\\`` at the end of a line); the caller hands those over through a
``next_line`` callable, so that the lines a continuation swallows are consumed exactly as
regedit consumes them.

What regedit accepts and drops is taken from Wine's ``programs/regedit/tests/regedit.c``,
whose assertions were checked against Windows: the test and value names in the comments
below (``Wine9c``, ``Test12c``...) are those of that file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from auditor.parsing.registry import RegData, RegType, RegValue, multi_string_data, string_data

__all__ = [
    "ANSI",
    "BLANK",
    "WIDE",
    "LineSkipped",
    "ParsedValue",
    "clip",
    "decode_ansi",
    "parse_value_line",
    "read_quoted",
]

ANSI = "cp1252"
WIDE = "utf-16-le"
BLANK = " \t"
"""The only characters regedit skips between the parts of a line."""

# Windows maps the five bytes cp1252 leaves undefined to the C1 control of the same value;
# Python refuses them. Decoding with surrogateescape and folding the escapes back matches Windows.
_CP1252_HOLE_BYTES = (0x81, 0x8D, 0x8F, 0x90, 0x9D)
_CP1252_HOLES = {0xDC00 + byte: byte for byte in _CP1252_HOLE_BYTES}
_HEX_DIGITS = re.compile(r"[0-9A-Fa-f]+")
_HEX_CHARS = frozenset("0123456789abcdefABCDEF")
_MAX_TYPE = 0xFFFFFFFF


class LineSkipped(Exception):
    """Regedit drops this line (or, with ``imported``, imports what the auditor cannot read)."""

    def __init__(self, reason: str, *, imported: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.imported = imported


@dataclass(frozen=True)
class ParsedValue:
    """A value line read whole: the value to set, or None for ``"name"=-``."""

    name: str
    value: RegValue | None


NextLine = Callable[[], str | None]
"""The next physical line of the file, consumed; None at its end."""


def parse_value_line(line: str, encoding: str, next_line: NextLine) -> ParsedValue:
    """``line`` (blanks stripped at its start) as a value. Raise LineSkipped."""
    if line.startswith("@"):
        name, rest = "", line[1:]
    else:
        name, end = read_quoted(line)
        if end < 0:
            raise LineSkipped("unterminated value name")
        rest = line[end:]
    rest = rest.lstrip(BLANK)
    if not rest.startswith("="):
        raise LineSkipped(f"no '=' after the value name, but {clip(rest)}")
    data = rest[1:].strip(BLANK)
    if data.startswith("-"):
        # "x"=- ;comment deletes; "x"=-"Test" and "x"=- #comment do not (test_value_deletion).
        if _is_comment_or_end(data[1:]):
            return ParsedValue(name, None)
        raise LineSkipped(f"text after '=-': {clip(data)}")
    return ParsedValue(name, RegValue(name, *_parse_data(data, encoding, next_line)))


def _parse_data(data: str, encoding: str, next_line: NextLine) -> tuple[RegType, RegData]:
    if data.startswith('"'):
        text, end = read_quoted(data)
        if end < 0:
            raise LineSkipped("unterminated string")  # TestNoEndQuote, Test18b
        if not _is_comment_or_end(data[end:]):
            # "Value 1"#comment and "foo"bar" are dropped; "Value 2";comment is not (test_comments).
            raise LineSkipped(f"text after the string: {clip(data[end:])}")
        return RegType.SZ, string_data(text)
    # regedit writes the type tags in lower case; hand-edited exports are read as before.
    prefix = data[:16].lower()  # lowercasing the whole of a 10 MB payload would be waste
    if prefix.startswith("dword:"):
        return RegType.DWORD, _dword(data[6:])
    if prefix.startswith("hex:"):
        return RegType.BINARY, _hex_payload(data[4:], next_line)
    if prefix.startswith("hex("):
        code, payload = _hex_type(data[4:])
        # The payload is read (and its continuation lines consumed) before any verdict on
        # the type, as regedit reads it.
        raw = _hex_payload(payload, next_line)
        return _typed(code, raw, encoding)
    raise LineSkipped(f"unknown value data {clip(data)}")  # Test16a-d, TestNoQuotes, Wine13/14


def _is_comment_or_end(text: str) -> bool:
    rest = text.lstrip(BLANK)
    return not rest or rest.startswith(";")


def _dword(text: str) -> int:
    """Up to 8 hex digits, blanks before, then nothing but blanks and a ``;`` comment.

    Test12a-e (empty, 'hello', 9 digits), Test13 ('12345678abc'), Test14 ('0x123',
    '123 456'), Wine25a-d (';5678' is a comment, '#5678' is not), Wine9a (leading blanks).
    """
    body = text.lstrip(BLANK)
    end = _hex_run_end(body, 0, 9)
    if not 1 <= end <= 8 or not _is_comment_or_end(body[end:]):
        raise LineSkipped(f"bad dword {clip(text.strip(BLANK))}: expected 1 to 8 hex digits")
    return int(body[:end], 16)


def _hex_run_end(text: str, start: int, limit: int) -> int:
    """Where the hex digits from ``start`` end, looking no further than ``limit`` digits."""
    end, stop = start, min(len(text), start + limit)
    while end < stop and text[end] in _HEX_CHARS:
        end += 1
    return end


def _hex_type(text: str) -> tuple[int, str]:
    """``7):payload`` -> (7, payload). Wine13a-l: hex(0) to hex(ffffffff); not hex(0x2)."""
    code, close, payload = text.partition("):")
    if not close or not _HEX_DIGITS.fullmatch(code) or int(code, 16) > _MAX_TYPE:
        raise LineSkipped(f"bad hex(N) type {clip('hex(' + text[:20])}")
    return int(code, 16), payload


def _hex_payload(first: str, next_line: NextLine) -> bytes:
    """The bytes of hex data and of the lines it continues on.

    A continuation line is consumed even when it turns out not to be hex data: regedit
    drops the value and that line with it (Wine9e/9f, Wine25-28). Blank lines and ``;``
    comments inside a continuation are passed over (Multi-Line6, Wine29a/b); a ``#`` line
    is not a comment there (Wine29c/d). A continuation that runs to the end of the file
    ends the data (Wine17a-e).
    """
    chunks = []
    data, more = _hex_segment(first)
    chunks.append(data)
    while more:
        line = next_line()
        if line is None:
            break
        line = line.strip(BLANK)
        if not line or line.startswith(";"):
            continue
        if line[0] not in _HEX_CHARS:
            raise LineSkipped(f"continued on a line that is not hex data: {clip(line)}")
        data, more = _hex_segment(line)
        chunks.append(data)
    return b"".join(chunks)


def _hex_segment(text: str) -> tuple[bytes, bool]:
    """One line's hex bytes, and whether it ends in a continuation backslash."""
    more = text.endswith(",\\") or text == "\\"
    body = text[:-1] if more else text
    core = body[:-1] if body.endswith(",") else body
    commas = len(core) // 3
    digits = core.replace(",", "")
    # The common case, regedit's own layout, in a few passes over the text: a 10 MB value
    # must not take one Python step per byte.
    if not body or (
        len(core) % 3 == 2
        and core[2::3] == "," * commas
        and len(digits) == 2 * commas + 2
        and _HEX_DIGITS.fullmatch(digits) is not None
    ):
        return bytes.fromhex(digits), more
    return _hex_items(text)


def _hex_items(text: str) -> tuple[bytes, bool]:
    """Item by item: bytes of one or two digits, blanks before each, a comment after.

    Dropped: '01,,02' (Wine32b), ',01' (Wine23k), '44\\' with no comma before the
    backslash (Wine9c, Test19c-21e), text after the backslash other than a ';' comment
    (Wine23b-j, Test19f-21f), '01 #x' (Wine27c), bytes over 0xff (Wine22a/b).
    """
    out = bytearray()
    position, size = 0, len(text)
    while position < size:
        start = position
        while start < size and text[start] in BLANK:
            start += 1
        end = _hex_run_end(text, start, 3)
        if end == start:
            rest = text[start:]
            if rest.startswith("\\"):
                if not _is_comment_or_end(rest[1:]):
                    raise LineSkipped(f"text after the continuation backslash: {clip(rest)}")
                return bytes(out), True
            if _is_comment_or_end(rest):
                return bytes(out), False
            raise LineSkipped(f"bad hex data at {clip(rest)}")
        if end - start > 2:
            raise LineSkipped(f"bad hex byte {clip(text[start:end])}: more than two digits")
        out.append(int(text[start:end], 16))
        if end < size and text[end] != ",":
            if not _is_comment_or_end(text[end:]):
                raise LineSkipped(f"bad hex data at {clip(text[end:])}")
            return bytes(out), False
        position = end + 1
    return bytes(out), False


def _typed(code: int, payload: bytes, encoding: str) -> tuple[RegType, RegData]:
    """Payload bytes -> the Python type ``RegValue.data`` promises for the type."""
    try:
        value_type = RegType.from_code(code)
    except ValueError:
        raise LineSkipped(
            f"a value of type hex({code:x}), which regedit imports and the auditor does not read",
            imported=True,
        ) from None
    if value_type in (RegType.SZ, RegType.EXPAND_SZ):
        return value_type, string_data(_payload_text(payload, encoding))
    if value_type is RegType.MULTI_SZ:
        return value_type, multi_string_data(_payload_text(payload, encoding))
    size = {RegType.DWORD: 4, RegType.QWORD: 8}.get(value_type)
    if size is None:
        return value_type, payload
    if len(payload) != size:
        raise LineSkipped(
            f"a {value_type} of {len(payload)} bytes, which regedit imports and the auditor "
            f"does not read (it takes {size})",
            imported=True,
        )
    return value_type, int.from_bytes(payload, "little")


def _payload_text(payload: bytes, encoding: str) -> str:
    if encoding == ANSI:
        return decode_ansi(payload)
    # An odd trailing byte cannot be a character (Windows ignores it too), and a lone
    # surrogate shows up as U+FFFD.
    return payload[: len(payload) // 2 * 2].decode(WIDE, errors="replace")


def decode_ansi(data: bytes) -> str:
    """cp1252 as Windows decodes it, the five undefined bytes included."""
    text = data.decode(ANSI, errors="surrogateescape")
    # translate copies the text: skip it when none of the five bytes is there.
    if any(byte in data for byte in _CP1252_HOLE_BYTES):
        return text.translate(_CP1252_HOLES)
    return text


def read_quoted(line: str) -> tuple[str, int]:
    """The unescaped text of the string opening ``line``, and where it ends (-1: unclosed).

    Built from str.find and str.split rather than a regex or a character loop: linear, and
    a 10 MB string made only of escapes still parses in under a second.
    """
    start = 1
    while True:
        close = line.find('"', start)
        if close < 0:
            return "", -1
        # A quote is escaped when an odd run of backslashes precedes it.
        run = close - start - len(line[start:close].rstrip("\\"))
        if run % 2 == 0:
            return _unescape(line[1:close]), close + 1
        start = close + 1


def _unescape(body: str) -> str:
    # Only \\ and \" are escapes in regedit's output; any other backslash stays as written.
    return "\\".join(part.replace('\\"', '"') for part in body.split("\\\\"))


def clip(text: str, limit: int = 40) -> str:
    """A short repr for messages: the input may be a 10 MB line."""
    return repr(text if len(text) <= limit else text[:limit] + "...")
