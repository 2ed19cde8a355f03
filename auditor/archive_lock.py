"""One run at a time on a report archive: a second is refused before it reads any server.

Two runs writing one archive would each compare with, and replace, what the other writes.
The lock is an advisory ``flock`` on a file in the archive folder: the kernel releases it
when its holder ends, however it ends, so a killed run never leaves the archive locked (a
stale lock file of a killed run is simply locked again).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from auditor.errors import ReportError

__all__ = ["LOCK_FILE", "ArchiveBusy", "archive_lock"]

LOCK_FILE = ".fixlevel.lock"


class ArchiveBusy(ReportError):
    """Another run holds the archive: nothing was read or written by this one."""


@contextmanager
def archive_lock(folder: Path) -> Iterator[None]:
    """Hold the archive in ``folder`` for the block. Raise ArchiveBusy when another run does.

    The lock file is removed on release, and the folder too if this run made it and left it
    empty: a run refused for a usage error leaves nothing behind.
    """
    made = not folder.exists()
    path = folder / LOCK_FILE
    handle = _locked(folder, path)
    try:
        # The pid is for the message of a run refused; the lock itself is the flock.
        os.ftruncate(handle, 0)
        os.pwrite(handle, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        # Unlinked while held: a run that opened this file before the unlink finds, once
        # it holds it, that the path names another file or none, and starts again.
        with suppress(OSError):
            path.unlink()
        os.close(handle)  # closing releases the flock
        if made:
            with suppress(OSError):
                folder.rmdir()


def _locked(folder: Path, path: Path) -> int:
    """An open descriptor of the lock file, locked, and still the file at ``path``."""
    while True:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise ReportError(
                f"{path}: cannot lock the report archive: {error.strerror}"
            ) from error
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(handle)
            os.close(handle)
            raise ArchiveBusy(
                f"{folder}: another fixlevel run{holder} is writing this report archive; "
                "wait for it to end, or name other outputs with --xlsx, --csv and --json"
            ) from None
        if _same_file(handle, path):
            return handle
        os.close(handle)


def _same_file(handle: int, path: Path) -> bool:
    try:
        named = path.stat()
    except OSError:
        return False
    held = os.fstat(handle)
    return (held.st_dev, held.st_ino) == (named.st_dev, named.st_ino)


def _holder(handle: int) -> str:
    try:
        text = os.pread(handle, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return ""
    return f" (pid {text})" if text.isdigit() else ""
