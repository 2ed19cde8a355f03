"""Evidence kept in a folder per server."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

from auditor.errors import EvidenceError
from auditor.evidence.interface import EvidenceFile, EvidenceSource, display_name

__all__ = ["MAX_FILES", "FolderSource"]

MAX_FILES = 100_000
"""More files than any server's evidence needs; past this the listing stops with a problem."""

_HAS_PREAD = hasattr(os, "pread")  # POSIX; Windows reads through a file object
_SMALL_READ = 64 * 1024


def _is_folder(entry: os.DirEntry[str]) -> bool:
    """What os.walk takes for a folder: a folder, or a link to one."""
    try:
        return entry.is_dir()
    except OSError:
        return False


class FolderSource(EvidenceSource):
    """A server folder: drive mirrors (``C$/`` or ``C/``) and ``registry/`` below it."""

    cpu_bound = True

    def __init__(self, root: Path, server: str | None = None) -> None:
        self.root = root
        self.server = server or display_name(root.name)
        self.location = display_name(str(root))
        self._root_text = str(root)
        self._raw_paths: dict[str, str] = {}
        """Display path -> path on disk, for names that were not valid UTF-8."""
        self._open: tuple[str, int] | None = None
        """The file last read and its descriptor, kept for the next range of it."""

    def list_files(self) -> tuple[list[EvidenceFile], list[str]]:
        files: list[EvidenceFile] = []
        problems: list[str] = []
        # Symlinks are not followed: evidence must not reach outside its folder. Listed
        # with scandir, whose entries know their type from the listing itself: a regular
        # file costs one lstat (its size), and only a link costs more. Paths are handled as
        # text: a Path per file cost more than the rest of listing a server. The order is
        # os.walk's: a folder's files by name, then its subfolders by name, depth first.
        pending = [(self._root_text, "")]
        while pending:
            folder, below = pending.pop()
            try:
                with os.scandir(folder) as listing:
                    entries = sorted(listing, key=lambda entry: entry.name)
            except OSError as error:
                problems.append(
                    f"{display_name(str(error.filename))}: cannot list: {error.strerror}"
                )
                continue
            subfolders: list[tuple[str, str]] = []
            names: list[os.DirEntry[str]] = []
            for entry in entries:
                if not _is_folder(entry):
                    names.append(entry)
                    continue
                raw = f"{below}/{entry.name}" if below else entry.name
                if entry.is_symlink():  # os.walk listed it and never entered it
                    problems.append(
                        f"{self.location}/{display_name(raw)}: a link to a folder; not followed"
                    )
                else:
                    subfolders.append((f"{folder}/{entry.name}", raw))
            for entry in names:
                if len(files) >= MAX_FILES:
                    problems.append(
                        f"{self.location}: more than {MAX_FILES} files; listing stopped"
                    )
                    return files, problems
                raw = f"{below}/{entry.name}" if below else entry.name
                found = self._entry(entry, raw, problems)
                if found is not None:
                    files.append(found)
            pending.extend(reversed(subfolders))
        return files, problems

    def _entry(self, entry: os.DirEntry[str], raw: str, problems: list[str]) -> EvidenceFile | None:
        relative = display_name(raw)
        where = f"{self.location}/{relative}"
        try:
            status = entry.stat(follow_symlinks=False)
            if stat.S_ISLNK(status.st_mode):
                link = Path(entry.path)
                if not link.resolve().is_relative_to(self._real_root):
                    problems.append(f"{where}: a link that leaves the evidence folder; not read")
                    return None
                status = link.stat()
        except OSError as error:
            problems.append(f"{where}: cannot read: {error.strerror}")
            return None
        if not stat.S_ISREG(status.st_mode):
            # A pipe or a device would block or never end if read: said, never opened.
            problems.append(f"{where}: not a regular file (a pipe, socket or device); not read")
            return None
        if relative != raw:
            self._raw_paths[relative] = raw
        return EvidenceFile(relative, status.st_size)

    @cached_property
    def _real_root(self) -> Path:
        """Resolved only when a link is met: most servers hold none."""
        return self.root.resolve()

    def _full(self, path: str) -> Path:
        return self.root / self._raw_paths.get(path, path)

    @contextmanager
    def local_copy(self, path: str, limit: int) -> Iterator[Path]:
        full = self._full(path)
        try:
            size = full.stat().st_size
        except OSError as error:
            raise EvidenceError(f"{self.location}/{path}: cannot read: {error.strerror}") from error
        if size > limit:
            raise EvidenceError(f"{self.location}/{path}: larger than {limit} bytes")
        yield full

    def read_at(self, path: str, offset: int, length: int) -> bytes:
        try:
            if not _HAS_PREAD:
                with self._full(path).open("rb") as handle:
                    handle.seek(offset)
                    return handle.read(length)
            # A PE version costs three or four small reads: the file stays open between
            # them (and a file object for each cost more than the reads did).
            descriptor = self._descriptor(path)
            if length > _SMALL_READ:  # read_all asks for its limit: allocate what exists
                length = min(length, max(0, os.fstat(descriptor).st_size - offset))
            return os.pread(descriptor, length, offset)
        except OSError as error:
            raise EvidenceError(f"{self.location}/{path}: cannot read: {error.strerror}") from error

    def _descriptor(self, path: str) -> int:
        """The open file of ``path``; the one open before it, if another, is closed."""
        if self._open is not None:
            if self._open[0] == path:
                return self._open[1]
            self.close()
        # O_NONBLOCK: a file swapped for a pipe since the listing fails to read instead of
        # waiting forever for a writer; it changes nothing for a regular file.
        descriptor = os.open(
            f"{self._root_text}/{self._raw_paths.get(path, path)}", os.O_RDONLY | os.O_NONBLOCK
        )
        self._open = (path, descriptor)
        return descriptor

    def close(self) -> None:
        if self._open is not None:
            descriptor, self._open = self._open[1], None
            os.close(descriptor)

    def __getstate__(self) -> dict[str, object]:
        # A descriptor means nothing in another process: a copy starts with none open.
        return {**self.__dict__, "_open": None}
