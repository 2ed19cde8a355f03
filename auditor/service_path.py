"""The binary a Windows service's ImagePath names.

Live collection follows it to the admin share to read, and evaluation to the copy of a file
that counts; both must read an ImagePath the same way, so the reading lives here, below both.
"""

from __future__ import annotations

import re

__all__ = ["DRIVE", "binary_of"]

DRIVE = re.compile(r"[A-Za-z]:")
"""A drive component, ``C:``."""
_EXE_END = re.compile(r"\.exe(?=\s|$)", re.IGNORECASE)


def binary_of(image_path: str) -> str:
    """The binary's path: quotes, arguments and a leading ``\\??\\`` taken off."""
    text = image_path.strip().removeprefix("\\??\\")
    if text.startswith('"'):
        return text[1:].split('"', 1)[0]
    end = _EXE_END.search(text)
    if end:
        return text[: end.end()]
    return text.split()[0] if text.split() else ""
