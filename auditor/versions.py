"""Four-part Windows file versions, compared component by component as integers."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

__all__ = ["Version"]

_VERSION_RE = re.compile(r"\d{1,5}(?:\.\d{1,5}){0,3}")
_MAX_PART = 0xFFFF


@dataclass(frozen=True, order=True)
class Version:
    """A version as VS_FIXEDFILEINFO holds it: four 16-bit parts, major first.

    Ordering compares the parts as integers, so 5.5.999.0 < 5.5.2431.0, which a text
    comparison gets wrong.
    """

    parts: tuple[int, int, int, int]

    @classmethod
    def parse(cls, text: str) -> Version:
        """Parse "5.5.2431" or "5.5.2431.0"; missing parts are 0. Raise ValueError."""
        return _parsed(text) if cls is Version else cls(_parse_parts(text))

    @classmethod
    def from_ms_ls(cls, ms: int, ls: int) -> Version:
        """Build from VS_FIXEDFILEINFO's FileVersionMS and FileVersionLS dwords."""
        return cls((ms >> 16 & _MAX_PART, ms & _MAX_PART, ls >> 16 & _MAX_PART, ls & _MAX_PART))

    @property
    def is_zero(self) -> bool:
        """0.0.0.0 means the file carries no version."""
        return self.parts == (0, 0, 0, 0)

    @property
    def product_line(self) -> str:
        """ "5.5" for 5.5.2431.0: the major and minor parts."""
        return f"{self.parts[0]}.{self.parts[1]}"

    def __str__(self) -> str:
        return _dotted(self.parts)


# Judging writes each server's versions into findings and reasons, a few dozen times.
@functools.lru_cache(maxsize=1024)
def _dotted(parts: tuple[int, int, int, int]) -> str:
    return ".".join(str(part) for part in parts)


# A fleet holds a handful of distinct versions, each parsed again for every server; a
# Version is immutable, so one object serves every copy of the same text.
@functools.lru_cache(maxsize=1024)
def _parsed(text: str) -> Version:
    return Version(_parse_parts(text))


# A fleet holds a handful of distinct versions, each parsed again for every server.
@functools.lru_cache(maxsize=1024)
def _parse_parts(text: str) -> tuple[int, int, int, int]:
    stripped = text.strip()
    if not _VERSION_RE.fullmatch(stripped):
        raise ValueError(f"not a dotted version of 1 to 4 numbers: {text!r}")
    numbers = [int(part) for part in stripped.split(".")]
    if any(number > _MAX_PART for number in numbers):
        raise ValueError(f"version part above {_MAX_PART}: {text!r}")
    numbers += [0] * (4 - len(numbers))
    return (numbers[0], numbers[1], numbers[2], numbers[3])
