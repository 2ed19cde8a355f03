"""FolderSource: what it lists and how it reads."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from auditor.errors import EvidenceError
from auditor.evidence import FolderSource


@pytest.fixture
def server(tmp_path: Path) -> Path:
    root = tmp_path / "SERVER-A"
    (root / "C$" / "exchsrvr" / "bin").mkdir(parents=True)
    (root / "C$" / "exchsrvr" / "bin" / "EMSMTA.EXE").write_bytes(bytes(range(256)) * 4)
    (root / "registry").mkdir()
    (root / "registry" / "system.reg").write_bytes(b"REGEDIT4\r\n")
    return root


def test_lists_regular_files_below_the_root_with_sizes(server: Path, tmp_path: Path) -> None:
    (server / "empty-folder").mkdir()
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"secret")
    (server / "registry" / "leak.reg").symlink_to(outside)
    (server / "registry" / "inside.reg").symlink_to(server / "registry" / "system.reg")
    files, problems = FolderSource(server).list_files()
    assert [(f.path, f.size) for f in files] == [
        ("C$/exchsrvr/bin/EMSMTA.EXE", 1024),
        ("registry/inside.reg", 10),
        ("registry/system.reg", 10),
    ]
    assert problems == [
        f"{server}/registry/leak.reg: a link that leaves the evidence folder; not read"
    ]


def test_a_pipe_is_named_as_a_problem_and_never_opened(server: Path) -> None:
    pipe = server / "C$" / "exchsrvr" / "bin" / "Mtamsg.dll"
    os.mkfifo(pipe)  # opening it for reading would block until a writer came
    files, problems = FolderSource(server).list_files()
    assert "C$/exchsrvr/bin/Mtamsg.dll" not in [f.path for f in files]
    assert problems == [f"{pipe}: not a regular file (a pipe, socket or device); not read"]


def test_a_linked_folder_is_named_as_a_problem_and_not_followed(
    server: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "Emsmta.exe").write_bytes(b"MZ")
    (server / "C$" / "exchsrvr" / "bin.old").symlink_to(elsewhere)
    files, problems = FolderSource(server).list_files()
    assert all("bin.old" not in f.path for f in files)
    assert problems == [f"{server}/C$/exchsrvr/bin.old: a link to a folder; not followed"]


def test_reads_ranges_and_short_at_the_end(server: Path) -> None:
    source = FolderSource(server)
    assert source.read_at("C$/exchsrvr/bin/EMSMTA.EXE", 250, 10) == bytes(
        [250, 251, 252, 253, 254, 255, 0, 1, 2, 3]
    )
    assert source.read_at("C$/exchsrvr/bin/EMSMTA.EXE", 1020, 100) == bytes([252, 253, 254, 255])
    assert source.read_at("C$/exchsrvr/bin/EMSMTA.EXE", 2000, 10) == b""


def test_read_all_takes_a_whole_file_within_its_limit_only(server: Path) -> None:
    source = FolderSource(server)
    data = source.read_all("C$/exchsrvr/bin/EMSMTA.EXE", 10 * 1024 * 1024)
    assert data == bytes(range(256)) * 4
    assert source.read_all("C$/exchsrvr/bin/EMSMTA.EXE", 1024) == data
    with pytest.raises(EvidenceError, match=r"EMSMTA\.EXE: larger than 1023 bytes"):
        source.read_all("C$/exchsrvr/bin/EMSMTA.EXE", 1023)


def test_a_missing_file_is_an_evidence_error_naming_it(server: Path) -> None:
    with pytest.raises(EvidenceError, match=r"SERVER-A/gone\.dll: cannot read"):
        FolderSource(server).read_at("gone.dll", 0, 10)
