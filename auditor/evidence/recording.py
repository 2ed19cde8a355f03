"""Keep what a source read, in the folder layout a later offline scan reads again.

Each listed file is created at its full size and only the ranges actually read are filled
in; the rest is a hole, so a 1.5 MB binary of which 2 KiB were read takes 2 KiB on disk
(on file systems with sparse files). Reading the copy back at the same ranges gives the
same bytes, and so the same facts and the same verdict.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import suppress
from pathlib import Path

from auditor.evidence.interface import EvidenceFile, EvidenceSource

__all__ = ["KEEP_FAILED", "RecordingSource", "keeping_note"]

KEEP_FAILED = "the evidence could not be kept"
"""In every note of a failure to keep evidence, so that the run can count them."""


class RecordingSource(EvidenceSource):
    """Serve ``inner``'s evidence and write what was read under ``folder/<server>/``.

    Keeping a copy is a side channel: where it fails (a full disk, a name that is not a
    folder name), the server's notes say so, and the verdict still comes from the bytes
    that were read. A copy that could not be written whole is removed, so that a later scan
    of the folder finds the file missing rather than judging a copy with holes.
    """

    keeps_reads = True

    def __init__(self, inner: EvidenceSource, folder: Path) -> None:
        self.inner = inner
        self.server = inner.server
        self.location = inner.location
        self.target = folder / inner.server
        self._saved: dict[str, Path] = {}
        """Evidence path -> its copy; only files that could be created are here."""

    def list_files(self) -> tuple[list[EvidenceFile], list[str]]:
        files, problems = self.inner.list_files()
        # A live source names the port it answered on once connected.
        self.location, self.notes = self.inner.location, self.inner.notes
        where = f"{self.location}: {KEEP_FAILED} in {self.target}"
        if not _is_folder_name(self.server):
            self._unkept(f"{where}: the server's name is not a folder name")
            return files, problems
        try:
            self.target.mkdir(parents=True)
        except FileExistsError:
            self._unkept(f"{where}: it exists already (two servers of this name?)")
            return files, problems
        except OSError as error:
            self._unkept(f"{where}: {error.strerror}")
            return files, problems
        for file in files:
            copy = self.target.joinpath(*file.parts)
            if not all(_is_folder_name(part) for part in file.parts):
                self._unkept(f"{where}: {file.path!r} is not a safe path; not kept")
                continue
            try:
                copy.parent.mkdir(parents=True, exist_ok=True)
                with copy.open("xb") as handle:
                    handle.truncate(file.size)
            except OSError as error:
                self._unkept(f"{where}/{file.path}: {error.strerror}")
                continue
            self._saved[file.path] = copy
        return files, problems

    def read_at(self, path: str, offset: int, length: int) -> bytes:
        data = self.inner.read_at(path, offset, length)
        copy = self._saved.get(path)
        if copy is not None and data:
            try:
                with copy.open("r+b") as handle:
                    handle.seek(offset)
                    handle.write(data)
            except OSError as error:
                del self._saved[path]
                with suppress(OSError):
                    copy.unlink()
                self._unkept(
                    f"{self.location}/{path}: read, but {KEEP_FAILED} in {copy}: "
                    f"{error.strerror}; removed from the kept evidence"
                )
        return data

    def close(self) -> None:
        self.inner.close()

    def _unkept(self, note: str) -> None:
        self.notes = (*self.notes, note)


def keeping_note(folder: Path, servers: Iterable[tuple[str, Iterable[str]]]) -> str | None:
    """One run-level note on evidence that could not be kept, from each (server, notes)."""
    unkept = [(server, found) for server, notes in servers if (found := _unkept(notes))]
    if not unkept:
        return None
    count = len(unkept)
    return (
        f"{folder}: {KEEP_FAILED} in full for {count} server{'s' if count != 1 else ''} "
        f"(first: {unkept[0][1][0]}); their verdicts come from what was read, and a scan of "
        "this folder would lack what was not kept"
    )


def _unkept(notes: Iterable[str]) -> list[str]:
    return [note for note in notes if KEEP_FAILED in note]


def _is_folder_name(name: str) -> bool:
    """One path component that stays where it is put: no separators, no ``..``, no NUL."""
    return name not in ("", ".", "..") and not any(ch in name for ch in "/\\\0")
