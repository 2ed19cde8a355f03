"""The progress line a terminal shows while a fleet is scanned: done out of total, and rate.

The library reports progress through a callback (auditor.pool.Progress); this is the one
the CLI renders. It draws only on a terminal, so logs and pipes never fill with it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from auditor.pool import Progress

__all__ = ["terminal_progress"]

INTERVAL = 0.2
"""Seconds between redraws: often enough to look alive, rarely enough to cost nothing."""


@contextmanager
def terminal_progress(stream: TextIO, *, quiet: bool = False) -> Iterator[Progress | None]:
    """A progress callback drawing on ``stream``; None when quiet or not a terminal."""
    if quiet or not _is_terminal(stream):
        yield None
        return
    line = _ProgressLine(stream)
    try:
        yield line
    finally:
        line.close()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or odd stream is no terminal
        return False


class _ProgressLine:
    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._start = time.monotonic()
        self._drawn_at = 0.0
        self._drawn = False

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self._drawn_at < INTERVAL:
            return
        self._drawn_at = now
        elapsed = now - self._start
        rate = f", {done / elapsed:.0f} servers/s" if elapsed > 0 and done else ""
        # \r and erase-to-end-of-line redraw the line in place.
        self._stream.write(f"\r  scanned {done}/{total} servers{rate}\x1b[K")
        self._stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:  # leave the last figures on screen, and the cursor on a new line
            self._stream.write("\n")
            self._stream.flush()
