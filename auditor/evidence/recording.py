"""Keep what a source read, in the folder layout a later offline scan reads again.

Each listed file is created at its full size and only the ranges actually read are filled
in; the rest is a hole, so a 1.5 MB binary of which 2 KiB were read takes 2 KiB on disk
(on file systems with sparse files). Reading the copy back at the same ranges gives the
same bytes, and so the same facts and the same verdict.
"""

from __future__ import annotations

from pathlib import Path

from auditor.errors import EvidenceError
from auditor.evidence.interface import EvidenceFile, EvidenceSource

__all__ = ["RecordingSource"]


class RecordingSource(EvidenceSource):
    """Serve ``inner``'s evidence and write what was read under ``folder/<server>/``."""

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
        where = f"{self.location}: cannot keep the evidence in {self.target}"
        if not _is_folder_name(self.server):
            return files, [*problems, f"{where}: the server's name is not a folder name"]
        try:
            self.target.mkdir(parents=True)
        except FileExistsError:
            return files, [*problems, f"{where}: it exists already (two servers of this name?)"]
        except OSError as error:
            return files, [*problems, f"{where}: {error.strerror}"]
        for file in files:
            copy = self.target.joinpath(*file.parts)
            if not all(_is_folder_name(part) for part in file.parts):
                problems.append(f"{where}: {file.path!r} is not a safe path; not kept")
                continue
            try:
                copy.parent.mkdir(parents=True, exist_ok=True)
                with copy.open("xb") as handle:
                    handle.truncate(file.size)
            except OSError as error:
                problems.append(f"{where}/{file.path}: {error.strerror}")
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
                raise EvidenceError(
                    f"{self.location}/{path}: read, but cannot be kept in {copy}: {error.strerror}"
                ) from error
        return data

    def close(self) -> None:
        self.inner.close()


def _is_folder_name(name: str) -> bool:
    """One path component that stays where it is put: no separators, no ``..``, no NUL."""
    return name not in ("", ".", "..") and not any(ch in name for ch in "/\\\0")
