"""Parse regedit exports (``REGEDIT4`` and ``Windows Registry Editor Version 5.00``).

The two formats differ in encoding only: REGEDIT4 is ANSI (cp1252) text whose hex(1)/hex(2)/
hex(7) payloads are ANSI bytes; version 5.00 is UTF-16LE text with a BOM whose payloads are
UTF-16LE. Both yield the same operations, in file order, for ``RegistryTree.apply``.

A file is read the way regedit imports it: a line regedit cannot parse is dropped and the
rest is imported (Wine's ``programs/regedit/tests`` record what Windows' regedit does; the
value line grammar is in ``regline``). Each dropped line is kept as a ``SkippedLine``, so
that the audit can say what it did not see. One departure, on the safe side: after a key
line regedit cannot read (``[key`` with no closing bracket, ``[ key]``, one swallowed by a
hex continuation), Wine's regedit leaves the previous key open and files the values that
follow under it. The file names no key for them, so they are skipped instead of being
credited to a key they may not belong to.

Only what makes the whole file unreadable raises ParseError: no or an unknown header, text
that is not in the header's encoding, and the size caps.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from auditor.errors import ParseError
from auditor.parsing.registry import (
    DeleteKey,
    DeleteValue,
    EnsureKey,
    RegOperation,
    SetValue,
    split_path,
)
from auditor.parsing.regline import (
    ANSI,
    BLANK,
    WIDE,
    LineSkipped,
    clip,
    decode_ansi,
    parse_value_line,
)

__all__ = [
    "MAX_LINES",
    "MAX_OPERATIONS",
    "RegExport",
    "SkippedLine",
    "looks_like_reg",
    "parse_reg",
]

MAX_LINES = 1_000_000
"""More lines than a whole SYSTEM export holds; a longer file is refused before it is read."""
MAX_OPERATIONS = 200_000
"""More keys, values and skipped lines than a whole SYSTEM export holds; about 50 MB."""
MAX_LINE = 4 * 1024 * 1024
"""Characters in one line, continuations joined. A value of the registry's standard format
(NT4, Windows 2000) holds at most 1 MB, which regedit writes as 3 Mi characters of hex."""

_V4 = "REGEDIT4"
_V5 = "Windows Registry Editor Version 5.00"
_BOM_UTF16LE = b"\xff\xfe"
_BOM_UTF16BE = b"\xfe\xff"
_BOM_UTF8 = b"\xef\xbb\xbf"
_HEX_CHARS = frozenset("0123456789abcdefABCDEF")
# regedit ends a line at CR LF, at a lone CR and at a lone LF (test_basic_import's "\r\r").
_LINE_END = re.compile(r"\r\n|\r|\n")

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


@dataclass(frozen=True)
class SkippedLine:
    """A line of the export that regedit would not import (or that the auditor cannot read)."""

    line: int
    """Its number in the file, the header being line 1."""
    key: str | None
    """The key the line was under, as written; for a key line regedit cannot read, and the
    lines after it, the text that line tried to open; None before any key line."""
    reason: str
    """Why, in plain words."""
    key_uncertain: bool = False
    """True when ``key`` is not a key regedit opened or deleted but only the text of a key
    line it could not read (or None): the line's real key is not known."""
    imported: bool = False
    """True when regedit imports the line but the auditor cannot read it (a value of a
    type it does not know); False when regedit drops the line."""

    def describe(self) -> str:
        """``line 12 skipped, as regedit would: bad dword 'x' (under HKEY_...\\TCP to B)``."""
        verb = "not read" if self.imported else "skipped, as regedit would"
        if self.key is None:
            place = "no key open"
        elif self.key_uncertain:
            place = f"key line text {clip(self.key, 120)}"
        else:
            place = f"under {self.key}"
        return f"line {self.line} {verb}: {self.reason} ({place})"


@dataclass(frozen=True)
class RegExport:
    """What an export holds: the operations regedit would apply, and the lines it would not."""

    operations: tuple[RegOperation, ...]
    skipped: tuple[SkippedLine, ...] = ()


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


def parse_reg(data: bytes, origin: str, *, max_operations: int = MAX_OPERATIONS) -> RegExport:
    """The operations of a .reg export in file order, and the lines regedit would skip.

    Raise ParseError naming ``origin`` when the file as a whole cannot be read. Key paths
    are kept as written (hive names are not normalised). NUL characters in names are
    accepted as characters, since the registry stores counted strings. A file of more than
    MAX_LINES lines, or ``max_operations`` operations and skipped lines, is refused, so
    that one export cannot hold the process for long or fill its memory.
    """
    text, encoding = _decode(data, origin)
    lines = _count_lines(text)
    if lines > MAX_LINES:
        raise ParseError(f"{origin}: {lines} lines, more than the {MAX_LINES} read in one export")
    reader = _Import(_Lines(text, origin), encoding)
    for number in reader.run():
        if len(reader.operations) + len(reader.skipped) > max_operations:
            raise ParseError(
                f"{origin}: line {number}: more than {max_operations} keys, values and "
                "skipped lines to read"
            )
    return RegExport(tuple(reader.operations), tuple(reader.skipped))


def _count_lines(text: str) -> int:
    return text.count("\n") + text.count("\r") - text.count("\r\n") + 1


class _Lines:
    """(line number, line) after the header, lazily, so that no list of them is held.

    What follows the final line end is not a line. ``take`` hands a hex continuation its
    next line, and remembers the last one taken so that a swallowed line can be reported.
    """

    def __init__(self, text: str, origin: str) -> None:
        self._text, self._origin = text, origin
        self._position, self._number = 0, 1
        self.value_start, self.value_length = 0, 0
        self.last_taken: tuple[int, str] | None = None

    def __iter__(self) -> Iterator[tuple[int, str]]:
        return self

    def __next__(self) -> tuple[int, str]:
        if self._position >= len(self._text):
            raise StopIteration
        end = _LINE_END.search(self._text, self._position)
        stop = end.start() if end else len(self._text)
        self._number += 1
        if stop - self._position > MAX_LINE:
            raise ParseError(
                f"{self._origin}: line {self._number}: longer than {MAX_LINE} characters"
            )
        line = self._text[self._position : stop]
        self._position = end.end() if end else len(self._text)
        return self._number, line

    def start_value(self, number: int, line: str) -> None:
        self.value_start, self.value_length, self.last_taken = number, len(line), None

    def take(self) -> str | None:
        taken = next(self, None)
        if taken is None:
            return None
        self.last_taken = taken
        self.value_length += len(taken[1])
        if self.value_length > MAX_LINE:
            raise ParseError(
                f"{self._origin}: line {self.value_start}: continued beyond {MAX_LINE} characters"
            )
        return taken[1]


class _Import:
    """regedit's import, line by line: which key is open, what is set, what is skipped."""

    def __init__(self, lines: _Lines, encoding: str) -> None:
        self.lines, self.encoding = lines, encoding
        self.operations: list[RegOperation] = []
        self.skipped: list[SkippedLine] = []
        self.key: str | None = None
        """The key regedit has open, which value lines go to."""
        self.under: str | None = None
        """What skipped lines are reported under: the open key, or the text that failed."""
        self.uncertain = True
        self.closed = "a value line before any [key] line: regedit has no key open"

    def run(self) -> Iterator[int]:
        """Read every line; yield each line's number once it is done with."""
        for number, raw in self.lines:
            line = raw.lstrip(BLANK)
            if not line or line[0] in ";#":
                pass  # blank lines and comments (test_comments: ';' and '#' start one)
            elif line[0] == "[":
                self._key_line(number, line[1:])
            elif line[0] in '"@':
                self._value_line(number, line)
            else:
                # regedit passes over any other line unread (Wine10d's orphaned hex line,
                # NameNoQuotes); here it could be a damaged value, so it is reported.
                self._skip(number, f"text regedit does not read: {clip(line)}")
            yield number

    def _skip(
        self, number: int, reason: str, *, imported: bool = False, key: str | None = None
    ) -> None:
        under, uncertain = (key, True) if key is not None else (self.under, self.uncertain)
        self.skipped.append(SkippedLine(number, under, reason, uncertain, imported))

    def _key_line(self, number: int, body: str) -> None:
        """``[key]`` opens a key, ``[-key]`` deletes one; text after the last ']' is ignored."""
        close = body.rfind("]")
        if close < 0:
            self._unreadable_key(number, body, "a key line without a closing bracket")
        elif body[:1] in (" ", "\t"):
            # Subkey1a/1b: "[ HKEY..." opens nothing; "[ -HKEY..." deletes nothing (Subkey2a/b).
            self._unreadable_key(number, body[:close], "a blank after '[': regedit reads no key")
        elif body.startswith("-"):
            self._delete_key(number, body[1:close])
        elif not body[:close].strip(BLANK + "\\"):
            self._unreadable_key(number, body[:close], "an empty key name")
        else:
            # Trailing blanks are part of the name (Subkey1c/1d).
            self._open(body[:close], uncertain=False)
            self.operations.append(EnsureKey(body[:close]))

    def _open(self, key: str | None, *, uncertain: bool, closed: str = "") -> None:
        self.key = None if uncertain or closed else key
        self.under, self.uncertain, self.closed = key, uncertain, closed

    def _unreadable_key(self, number: int, text: str, reason: str) -> None:
        written = text.strip(BLANK)
        self._skip(number, reason, key=written)
        self._open(
            written or None,
            uncertain=True,
            closed=f"a value line after the key line regedit could not read (line {number})",
        )

    def _delete_key(self, number: int, path: str) -> None:
        closed = "a value line after [-key]: regedit has no key open"
        if not path or path[0] in BLANK:
            # "[- HKEY...]" deletes nothing, but regedit closes the open key (Subkey2a/b).
            self._skip(number, "a blank after '[-': regedit deletes nothing", key=path or "")
            self._open(path.strip(BLANK) or None, uncertain=True, closed=closed)
        elif len(split_path(path)) < 2:
            self._skip(number, "regedit does not delete a whole hive", key=path)
            self._open(path, uncertain=True, closed=closed)
        else:
            self.operations.append(DeleteKey(path))
            self._open(path, uncertain=False, closed=closed)

    def _value_line(self, number: int, line: str) -> None:
        self.lines.start_value(number, line)
        try:
            parsed = parse_value_line(line, self.encoding, self.lines.take)
        except LineSkipped as skip:
            self._skip(number, skip.reason, imported=skip.imported)
            self._swallowed(number)
            return
        if self.key is None:
            self._skip(number, self.closed)
        elif parsed.value is None:
            self.operations.append(DeleteValue(self.key, parsed.name))
        else:
            self.operations.append(SetValue(self.key, parsed.value))

    def _swallowed(self, number: int) -> None:
        """A line that a hex continuation took for its own and that was not hex data.

        regedit consumes it with the value (Wine25a/b: the next value is lost; Wine24a: a
        key line is lost, so its key is not opened).
        """
        if self.lines.last_taken is None:
            return
        taken_number, taken = self.lines.last_taken
        taken = taken.strip(BLANK)
        if not taken or taken[0] in _HEX_CHARS or taken[0] in ";#":
            return
        reason = f"taken by regedit as the continuation of line {number}, and dropped with it"
        if taken.startswith("["):
            text = taken[1:].rsplit("]", 1)[0].strip(BLANK)
            self._skip(taken_number, reason, key=text)
            self._open(
                text or None,
                uncertain=True,
                closed=f"a value line after a key line regedit did not read (line {taken_number})",
            )
        else:
            self._skip(taken_number, reason)


def _decode(data: bytes, origin: str) -> tuple[str, str]:
    """The text after the header line, and the encoding of hex(1)/hex(2)/hex(7) payloads."""
    if data.startswith(_BOM_UTF16LE):
        text, bom = _strict(data[2:], WIDE, origin), "a UTF-16 byte-order mark"
    elif data.startswith(_BOM_UTF8):
        text, bom = _strict(data[3:], "utf-8", origin), "a UTF-8 byte-order mark"
    elif data.startswith(_BOM_UTF16BE):
        raise ParseError(f"{origin}: line 1: UTF-16 big-endian text; regedit writes UTF-16LE")
    elif len(data) >= 2 and data[0] != 0 and data[1] == 0:
        raise ParseError(f"{origin}: line 1: UTF-16 text without a byte-order mark")
    else:
        text, bom = decode_ansi(data), ""
    header, rest = _first_line(text)
    # Blanks before the header are accepted (test_import_with_whitespace); "REGEDIT 4",
    # "regedit4" and "REGEDIT4FOO" are not (test_invalid_import): regedit imports nothing.
    header = header.strip(BLANK)
    if header == _V5:
        # A v5 file saved as ANSI or UTF-8 by an editor: its payloads are still UTF-16LE.
        return (rest if bom else _first_line(_strict(data, "utf-8", origin))[1]), WIDE
    if header == _V4 and not bom:
        return rest, ANSI
    if header == _V4:
        raise ParseError(f"{origin}: line 1: REGEDIT4 header after {bom}; REGEDIT4 is ANSI")
    if not data:
        raise ParseError(f"{origin}: line 1: empty file, no .reg header")
    raise ParseError(f"{origin}: line 1: unknown header {clip(header)}")


def _first_line(text: str) -> tuple[str, str]:
    end = _LINE_END.search(text)
    return (text, "") if end is None else (text[: end.start()], text[end.end() :])


def _strict(data: bytes, encoding: str, origin: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = _count_lines(data[: exc.start].decode(encoding, errors="replace"))
        raise ParseError(f"{origin}: line {line}: not valid {encoding} text") from exc
