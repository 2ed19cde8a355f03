"""Reads of byte ranges through a caller's ``read_at``, counted and cached.

Parsers that read only parts of a file (the PE version reader) go through this, so that a
range already fetched is never fetched twice and every round trip is counted.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["RangeReader", "ReadAt", "Unreadable"]

ReadAt = Callable[[int, int], bytes]
"""``read_at(offset, length)`` returns up to ``length`` bytes from ``offset``; fewer at EOF."""


class Unreadable(Exception):
    """A range the format needs is missing or malformed: the reason, without the origin.

    Internal to parsing: the parser that catches it prefixes the origin and raises
    ParseError, so these never reach callers.
    """


class RangeReader:
    """Serve ranges of a file of known size from ``read_at``, remembering what came back."""

    def __init__(self, read_at: ReadAt, size: int) -> None:
        self.size = size
        self.bytes_read = 0
        self.reads = 0
        self._read_at = read_at
        # (start, bytes) runs, few enough (one per round trip) to search linearly.
        self._chunks: list[tuple[int, bytes]] = []

    def fetch(
        self,
        offset: int,
        length: int,
        *,
        window: int = 0,
        limit: int | None = None,
        what: str = "data",
    ) -> bytes:
        """Return exactly ``length`` bytes at ``offset``, or raise Unreadable.

        When a read is needed it reaches at least ``window`` bytes from ``offset`` (but not
        past ``limit``), so that nearby structures come in the same round trip. Bytes
        already held are not read again.
        """
        end = offset + length
        if offset < 0 or end > self.size:
            raise Unreadable(
                f"truncated: the {what} needs bytes up to 0x{end:x}, the file has {self.size}"
            )
        held = self._held(offset)
        if len(held) >= length:
            return held[:length]
        start = offset + len(held)
        ceiling = self.size if limit is None else min(limit, self.size)
        stop = max(end, min(offset + window, ceiling))
        data = self._read_at(start, stop - start)[: stop - start]
        self.reads += 1
        self.bytes_read += len(data)
        if len(data) < end - start:
            raise Unreadable(
                f"truncated: the {what} needs bytes up to 0x{end:x}, "
                f"the file ended at 0x{start + len(data):x}"
            )
        self._store(start, data)
        return (held + data)[:length]

    def _held(self, offset: int) -> bytes:
        for start, data in self._chunks:
            if start <= offset < start + len(data):
                return data[offset - start :]
        return b""

    def _store(self, start: int, data: bytes) -> None:
        # A read that continues a held run extends it, so later requests that span the
        # join are still served from memory.
        for index, (run_start, run) in enumerate(self._chunks):
            if run_start + len(run) == start:
                self._chunks[index] = (run_start, run + data)
                return
        self._chunks.append((start, data))
