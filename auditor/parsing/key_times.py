"""The last-write times a live read kept beside its export (``registry/live-key-times.txt``).

One line per key: its full path, a TAB, an ISO 8601 time with its offset. Lines starting
with ``;`` or ``#`` are comments. A line that does not say that is named in a note and
left out, never a failure: the times only inform the restart warning, whose key then reads
as "time unknown".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

__all__ = ["MAX_KEY_TIMES", "MAX_NAMED_LINES", "KeyTimes", "parse_key_times"]

MAX_KEY_TIMES = 1024 * 1024
"""Bytes: a line per connector key, of which a live read asks at most MAX_KEYS (2,000)."""
MAX_NAMED_LINES = 20
"""Malformed lines named one by one; the rest are counted in one note."""


@dataclass(frozen=True)
class KeyTimes:
    """What the file says."""

    written: tuple[tuple[str, str], ...]
    """(key path, last-write time in ISO 8601 UTC), as a hive reading gives them."""
    notes: tuple[str, ...] = ()
    """Lines left out, each naming the file and the line."""


def parse_key_times(data: bytes, origin: str) -> KeyTimes:
    """The file's times; ``origin`` (the file's location) starts every note."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        return KeyTimes((), (f"{origin}: not UTF-8 (byte {error.start}); no key times read",))
    written: list[tuple[str, str]] = []
    bad: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith((";", "#")):
            continue
        path, tab, stamp = line.partition("\t")
        when = _utc(stamp) if tab and path.strip() else None
        if when is None:
            bad.append(f"{origin}: line {number}: not a key path, a TAB and a time with its offset")
            continue
        written.append((path, when))
    notes = bad[:MAX_NAMED_LINES]
    if len(bad) > MAX_NAMED_LINES:
        notes.append(f"{origin}: {len(bad) - MAX_NAMED_LINES} more malformed lines left out")
    return KeyTimes(tuple(written), tuple(notes))


def _utc(stamp: str) -> str | None:
    """The time in UTC; None when it is no time, or has no offset (a local time of an
    unknown zone cannot be compared with events)."""
    try:
        when = datetime.fromisoformat(stamp.strip())
        if when.tzinfo is None or when.utcoffset() is None:
            return None
        return when.astimezone(UTC).isoformat()
    except (ValueError, OverflowError):  # OverflowError: year 9999 moved past by its offset
        return None
