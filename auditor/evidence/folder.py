"""Evidence kept in a folder per server."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from auditor.errors import EvidenceError
from auditor.evidence.interface import EvidenceFile, EvidenceSource, display_name

__all__ = ["MAX_FILES", "FolderSource"]

MAX_FILES = 100_000
"""More files than any server's evidence needs; past this the listing stops with a problem."""

_HAS_PREAD = hasattr(os, "pread")  # POSIX; Windows reads through a file object
_SMALL_READ = 64 * 1024


class FolderSource(EvidenceSource):
    """A server folder: drive mirrors (``C$/`` or ``C/``) and ``registry/`` below it."""

    cpu_bound = True

    def __init__(self, root: Path, server: str | None = None) -> None:
        self.root = root
        self.server = server or display_name(root.name)
        self.location = display_name(str(root))
        self._real_root = root.resolve()
        self._root_text = str(root)
        self._raw_paths: dict[str, str] = {}
        """Display path -> path on disk, for names that were not valid UTF-8."""

    def list_files(self) -> tuple[list[EvidenceFile], list[str]]:
        files: list[EvidenceFile] = []
        problems: list[str] = []

        def on_error(error: OSError) -> None:
            problems.append(f"{display_name(str(error.filename))}: cannot list: {error.strerror}")

        # Symlinks are not followed: evidence must not reach outside its folder. Paths are
        # handled as text here: a Path per file and three stat calls cost more than the
        # rest of listing a server.
        for folder, dirs, names in os.walk(self._root_text, onerror=on_error):
            dirs.sort()
            below = folder[len(self._root_text) + 1 :].replace(os.sep, "/")
            for name in dirs:
                if Path(folder, name).is_symlink():  # os.walk lists it and never enters it
                    raw = f"{below}/{name}" if below else name
                    problems.append(
                        f"{self.location}/{display_name(raw)}: a link to a folder; not followed"
                    )
            for name in sorted(names):
                if len(files) >= MAX_FILES:
                    problems.append(
                        f"{self.location}: more than {MAX_FILES} files; listing stopped"
                    )
                    return files, problems
                raw = f"{below}/{name}" if below else name
                entry = self._entry(f"{folder}/{name}", raw, problems)
                if entry is not None:
                    files.append(entry)
        return files, problems

    def _entry(self, full: str, raw: str, problems: list[str]) -> EvidenceFile | None:
        relative = display_name(raw)
        where = f"{self.location}/{relative}"
        try:
            status = os.lstat(full)
            if stat.S_ISLNK(status.st_mode):
                link = Path(full)
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
            # A PE version costs three or four small reads; a file object for each cost
            # more than the reads did, so they go to the descriptor directly.
            descriptor = os.open(
                f"{self._root_text}/{self._raw_paths.get(path, path)}", os.O_RDONLY
            )
            try:
                if length > _SMALL_READ:  # read_all asks for its limit: allocate what exists
                    length = min(length, max(0, os.fstat(descriptor).st_size - offset))
                return os.pread(descriptor, length, offset)
            finally:
                os.close(descriptor)
        except OSError as error:
            raise EvidenceError(f"{self.location}/{path}: cannot read: {error.strerror}") from error
