"""The evidence seam: one source per server, listing files and reading byte ranges."""

from __future__ import annotations

import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from auditor.errors import EvidenceError

__all__ = ["EvidenceFile", "EvidenceSource", "UnsupportedSource", "display_name"]


def display_name(text: str) -> str:
    """A name fit for reports: bytes that were not UTF-8 (kept by Python as lone
    surrogates) become U+FFFD, so that no report writer fails on them."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


@dataclass(frozen=True)
class EvidenceFile:
    """One file in a server's evidence."""

    path: str
    """Relative to the server's evidence root, forward slashes, case as found."""
    size: int

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def parts(self) -> list[str]:
        return self.path.split("/")


class EvidenceSource(ABC):
    """A server's evidence: a folder, a zip, a live connection."""

    server: str
    """The server's name, as the evidence names it."""
    location: str
    """Where the evidence is, for messages: a path or a host."""
    notes: tuple[str, ...] = ()
    """Remarks from the last listing that bear on no verdict (the port a live server
    answered on), each naming the location."""
    cpu_bound: ClassVar[bool] = False
    """True when collecting is local parsing rather than waiting on a network: the scan
    then runs it in worker processes, so such a source must pickle. False keeps it in
    a thread of the scanning process."""

    keeps_reads: ClassVar[bool] = False
    """True when what is read is kept for a later scan (RecordingSource): collection then
    reads data files whole even where the baseline has no reference hash for them, so that
    the kept copy can be hashed against one later."""

    @abstractmethod
    def list_files(self) -> tuple[list[EvidenceFile], list[str]]:
        """Every regular file, and the problems met while listing (each a sentence)."""

    @abstractmethod
    def read_at(self, path: str, offset: int, length: int) -> bytes:
        """Up to ``length`` bytes from ``offset``. Raise EvidenceError naming the path."""

    def read_all(self, path: str, limit: int) -> bytes:
        """The whole file, refusing one larger than ``limit`` bytes."""
        data = self.read_at(path, 0, limit + 1)
        if len(data) > limit:
            raise EvidenceError(f"{self.location}/{path}: larger than {limit} bytes")
        return data

    @contextmanager
    def local_copy(self, path: str, limit: int) -> Iterator[Path]:
        """The file as a local path, for readers that only open paths (regipy)."""
        data = self.read_all(path, limit)
        with tempfile.TemporaryDirectory(prefix="fixlevel-") as folder:
            copy = Path(folder) / "evidence"
            copy.write_bytes(data)
            yield copy

    def close(self) -> None:  # noqa: B027 - most sources hold nothing open
        """Release what the source holds open. Reading again afterwards reopens it."""


class UnsupportedSource(EvidenceSource):
    """A server whose evidence this version cannot open; it is still reported, never dropped."""

    def __init__(self, server: str, location: str, reason: str) -> None:
        self.server = server
        self.location = location
        self.reason = reason

    def list_files(self) -> tuple[list[EvidenceFile], list[str]]:
        return [], [f"{self.location}: {self.reason}"]

    def read_at(self, path: str, offset: int, length: int) -> bytes:
        raise EvidenceError(f"{self.location}/{path}: {self.reason}")
