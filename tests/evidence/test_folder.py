"""FolderSource: what it lists and how it reads."""

from __future__ import annotations

import os
import pickle
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


def test_lists_a_folder_s_files_before_its_subfolders_by_name(tmp_path: Path) -> None:
    root = tmp_path / "SERVER-B"
    for path in ("z.reg", "B/y.dll", "B/A/x.dll", "B/b.dll", "A/c.dll", "registry/s.reg"):
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(b"x")
    files, problems = FolderSource(root).list_files()
    # The order os.walk gave: a folder's files by name, then each subfolder, depth first.
    assert [f.path for f in files] == [
        "z.reg",
        "A/c.dll",
        "B/b.dll",
        "B/y.dll",
        "B/A/x.dll",
        "registry/s.reg",
    ]
    assert problems == []


def test_an_unlistable_folder_is_a_problem_and_the_rest_is_listed(server: Path) -> None:
    locked = server / "C$" / "locked"
    locked.mkdir()
    (locked / "Emsmta.exe").write_bytes(b"MZ")
    locked.chmod(0)
    try:
        if os.access(locked, os.R_OK):
            pytest.skip("running as a user that reads any folder (root)")
        files, problems = FolderSource(server).list_files()
    finally:
        locked.chmod(0o755)
    assert [f.path for f in files] == ["C$/exchsrvr/bin/EMSMTA.EXE", "registry/system.reg"]
    assert problems == [f"{locked}: cannot list: Permission denied"]


def test_the_ranges_of_one_file_take_one_open(
    server: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    real_open = os.open

    def counting_open(path: str, flags: int, *args: int) -> int:
        opened.append(str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", counting_open)
    source = FolderSource(server)
    for offset in (0, 512, 1000, 4):
        source.read_at("C$/exchsrvr/bin/EMSMTA.EXE", offset, 8)
    assert source.read_all("registry/system.reg", 100) == b"REGEDIT4\r\n"
    assert source.read_at("C$/exchsrvr/bin/EMSMTA.EXE", 3, 2) == bytes([3, 4])
    source.close()
    assert source.read_at("C$/exchsrvr/bin/EMSMTA.EXE", 5, 1) == bytes([5])  # reopened
    source.close()
    assert [Path(path).name for path in opened] == [
        "EMSMTA.EXE",
        "system.reg",
        "EMSMTA.EXE",
        "EMSMTA.EXE",
    ]


def test_a_copy_sent_to_a_worker_holds_no_descriptor_of_this_process(server: Path) -> None:
    source = FolderSource(server)
    source.read_at("C$/exchsrvr/bin/EMSMTA.EXE", 0, 4)
    copy = pickle.loads(pickle.dumps(source))
    source.close()  # the copy must not read through a descriptor closed (or reused) here
    assert copy.read_at("C$/exchsrvr/bin/EMSMTA.EXE", 250, 2) == bytes([250, 251])
    copy.close()


def test_a_file_become_a_pipe_after_listing_fails_to_read_and_never_waits(server: Path) -> None:
    source = FolderSource(server)
    files, _ = source.list_files()
    assert "registry/system.reg" in [f.path for f in files]
    (server / "registry" / "system.reg").unlink()
    os.mkfifo(server / "registry" / "system.reg")  # no writer: a blocking open would hang
    with pytest.raises(EvidenceError, match=r"registry/system\.reg: cannot read"):
        source.read_at("registry/system.reg", 0, 80)
    source.close()
