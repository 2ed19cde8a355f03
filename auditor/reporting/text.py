"""Text from evidence made safe to show: for Excel, for CSV readers, for terminals."""

from __future__ import annotations

import re

__all__ = ["ILLEGAL_CHARACTERS_RE", "MAX_CELL_CHARS", "clean_text"]

MAX_CELL_CHARS = 32_767
"""Excel keeps no more in one cell (counted in UTF-16 units)."""
_TRUNCATED = " …[truncated]"
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
"""The C0 controls openpyxl refuses (openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE, the same
pattern): copied so that the CSV and the terminal can clean text without importing it."""
# openpyxl refuses only C0 controls; DEL and the C1 controls (U+009B is a terminal's CSI)
# pass it, so they go too. Tab, LF and CR are kept: they are text.
_CONTROLS = re.compile("[\x7f-\x9f]")
# Bidi controls and zero-width characters are kept visible, as names.py shows them: dropped
# or kept raw, "SAFE\u202e01-HCXE" would read as another server's name. U+FFFE and U+FFFF
# are no characters at all: XML cannot carry them, and a workbook holding one is refused.
_INVISIBLE = re.compile(
    "[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufffe\uffff]"
)


def clean_text(text: str) -> str:
    """Text openpyxl accepts and Excel keeps whole: no control characters, at most 32,767."""
    # A file name that was not valid UTF-8 arrives with lone surrogates, which no encoder takes.
    text = text.encode("utf-8", "replace").decode("utf-8")
    text = _CONTROLS.sub("", ILLEGAL_CHARACTERS_RE.sub("", text))
    text = _INVISIBLE.sub(lambda match: f"<U+{ord(match.group()):04X}>", text)
    # Excel counts UTF-16 units, so a character outside the BMP counts twice; only a string
    # longer than half the limit can possibly be over it.
    if len(text) * 2 <= MAX_CELL_CHARS or len(text.encode("utf-16-le")) <= MAX_CELL_CHARS * 2:
        return text
    room = (MAX_CELL_CHARS - len(_TRUNCATED)) * 2
    # errors="ignore" drops a surrogate pair cut in half at the boundary.
    return text.encode("utf-16-le")[:room].decode("utf-16-le", errors="ignore") + _TRUNCATED
