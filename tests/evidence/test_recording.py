"""What a source read, kept as a folder, is judged again the same offline."""

from __future__ import annotations

import shutil
from pathlib import Path

from auditor.audit import scan
from auditor.baseline import Baseline, default_baseline_path, load_baseline
from auditor.collect import collect
from auditor.evidence import EvidenceFile, EvidenceSource, FolderSource, discover_fleet
from auditor.evidence.recording import RecordingSource
from tests.conftest import EXAMPLE_FLEET


def baseline() -> Baseline:
    return load_baseline(default_baseline_path())


def test_every_example_server_is_judged_the_same_from_its_recording(tmp_path: Path) -> None:
    saved = tmp_path / "saved"
    rules = baseline()
    for source in discover_fleet(EXAMPLE_FLEET):
        collect(RecordingSource(source, saved), rules)
    original = scan(EXAMPLE_FLEET, rules)
    again = scan(saved, rules)
    assert [(v.server, v.status, v.reasons, v.files) for v in again.servers] == [
        (v.server, v.status, v.reasons, v.files) for v in original.servers
    ]


def test_only_the_ranges_read_are_filled(tmp_path: Path) -> None:
    server = tmp_path / "EXCH01"
    shutil.copytree(EXAMPLE_FLEET / "exposed-sp1-multihomed", server)
    binary = server / "C$" / "exchsrvr" / "bin" / "EMSMTA.EXE"
    original = bytearray(binary.read_bytes())
    middle = len(original) // 2
    original[middle : middle + 4096] = b"\xaa" * 4096  # filler the version reader skips
    binary.write_bytes(original)
    facts = collect(RecordingSource(FolderSource(server), tmp_path / "saved"), baseline())
    copy = (tmp_path / "saved" / "EXCH01" / "C$" / "exchsrvr" / "bin" / "EMSMTA.EXE").read_bytes()
    assert len(copy) == len(original)
    assert copy[middle : middle + 4096] == bytes(4096)
    assert all(copy[i] == original[i] for i in range(len(copy)) if copy[i])
    emsmta = next(fact for fact in facts.files if fact.name == "Emsmta.exe")
    assert emsmta.fixed_version == "5.5.2232.18"


class Hostile(EvidenceSource):
    """A source whose names try to leave the folder."""

    server = "EVIL"
    location = "smb://evil"

    def list_files(self) -> tuple[list[EvidenceFile], list[str]]:
        return [EvidenceFile("C$/../../escape.txt", 3), EvidenceFile("C$/ok.txt", 3)], []

    def read_at(self, path: str, offset: int, length: int) -> bytes:
        return b"abc"[offset : offset + length]


def test_a_path_that_would_leave_the_folder_is_not_kept(tmp_path: Path) -> None:
    recording = RecordingSource(Hostile(), tmp_path / "saved")
    files, problems = recording.list_files()
    assert len(files) == 2
    assert problems == []
    assert recording.notes == (
        f"smb://evil: the evidence could not be kept in {tmp_path / 'saved' / 'EVIL'}: "
        "'C$/../../escape.txt' is not a safe path; not kept",
    )
    assert recording.read_at("C$/../../escape.txt", 0, 3) == b"abc"
    assert recording.read_at("C$/ok.txt", 0, 3) == b"abc"
    assert not (tmp_path / "escape.txt").exists()
    assert (tmp_path / "saved" / "EVIL" / "C$" / "ok.txt").read_bytes() == b"abc"


def test_a_second_server_of_the_same_name_is_not_mixed_into_the_first(tmp_path: Path) -> None:
    RecordingSource(Hostile(), tmp_path).list_files()
    second = RecordingSource(Hostile(), tmp_path)
    _, problems = second.list_files()
    assert problems == []
    assert second.notes == (
        f"smb://evil: the evidence could not be kept in {tmp_path / 'EVIL'}: "
        "it exists already (two servers of this name?)",
    )
