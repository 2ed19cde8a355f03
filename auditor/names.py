"""Server names as they are shown and matched: no hidden characters, one Unicode form.

A name from evidence (a folder, a zip, a row of an inventory) may hold characters that
change how it displays: a right-to-left override makes ``SAFE<U+202E>01-HCXE`` read as
another server, a zero-width space or a no-break space makes two names that look the same.
Such characters are shown as ``<U+XXXX>`` wherever a name appears. Windows forbids ``<`` and
``>`` in file and NetBIOS names, so the shown form cannot be confused with a real one.

Names are compared after NFC normalisation and case folding: ``Café`` typed (NFC) and
``Café`` from a Mac's file system (NFD) are one server.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["HIDDEN_WARNING", "holds_hidden", "name_key", "server_name"]

_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cn", "Co", "Cs", "Zl", "Zp", "Zs"})
"""Controls, format characters (bidi controls, zero-width), noncharacters (U+FFFF, which no
XML may hold) and unassigned code points, private use, surrogates, line and paragraph
separators, and every space but the plain one."""
_SHOWN = re.compile(r"<U\+[0-9A-F]{4,6}>")

HIDDEN_WARNING = (
    "the server's name holds characters that are invisible or change the direction of text; "
    "they are shown as <U+XXXX>: check the name against the evidence"
)


def server_name(text: str) -> str:
    """The name in NFC, with each hidden character shown as ``<U+XXXX>``."""
    normal = unicodedata.normalize("NFC", text)
    if normal.isascii() and normal.isprintable():
        return normal
    return "".join(f"<U+{ord(ch):04X}>" if _hidden(ch) else ch for ch in normal)


def name_key(text: str) -> str:
    """What two names must share to be one server: the shown form, NFC, case-folded."""
    return unicodedata.normalize("NFC", server_name(text).casefold())


def holds_hidden(name: str) -> bool:
    """True when a shown name carries a hidden character (``server_name`` made it visible)."""
    return bool(_SHOWN.search(name))


def _hidden(ch: str) -> bool:
    return ch != " " and unicodedata.category(ch) in _HIDDEN_CATEGORIES
