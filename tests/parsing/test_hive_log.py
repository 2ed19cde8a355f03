"""Transaction logs: told from hives by content, replayed by the specification's rules.

References: the Windows registry file format specification (M. Suhanov) for the layout and
the replay rules, and, for Marvin32, an entry header that Windows 10 wrote (regipy's test
data, UsrClass.dat.LOG1): its Hash-2 is the Marvin32 of its first 32 bytes.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from auditor.errors import ParseError
from auditor.parsing import hive_log
from auditor.parsing.hive import read_system_hive
from auditor.parsing.hive_base import SNIFF_HIVE, is_log, read_base_block
from auditor.parsing.hive_log import replay_logs
from auditor.parsing.registry import RegistryTree, RegType, RegValue
from tests.builders.hive import build_hive, hive_checksum
from tests.builders.hive_log import make_dirty, old_format_log

# The first 40 bytes of the first HvLE entry of a log written by Windows 10.
WINDOWS_ENTRY = bytes.fromhex(
    "48764c45003e0000000000001f01000000302b000300000079ec51cdcf8932ef355e27a94d6c65ed"
)
OVERRIDE = "Stack IP Address Override"
PARAMS = "ControlSet001\\Services\\MSExchangeMTA\\Parameters\\TCP to MTA B"
LIMIT = 1 << 26


def system(address: str) -> bytes:
    return build_hive(
        {
            "Select": [RegValue("Current", RegType.DWORD, 1)],
            PARAMS: [RegValue(OVERRIDE, RegType.SZ, address)],
        }
    )


def override_of(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "SYSTEM"
    path.write_bytes(data)
    tree = RegistryTree()
    tree.apply(read_system_hive(path, "SYSTEM", ("MSExchangeMTA",)).operations)
    key = tree.find(f"HKEY_LOCAL_MACHINE\\SYSTEM\\{PARAMS}")
    assert key is not None
    value = key.value(OVERRIDE)
    assert value is not None and isinstance(value.data, str)
    return value.data


def test_marvin32_matches_what_windows_wrote() -> None:
    (hash2,) = struct.unpack_from("<Q", WINDOWS_ENTRY, 32)
    assert hive_log._marvin32(WINDOWS_ENTRY[:32]) == hash2
    assert hive_log._marvin32(WINDOWS_ENTRY[:31]) != hash2


def _log_head(hive: bytes, file_type: int, magic: bytes, at_4096: bytes = b"") -> bytes:
    head = bytearray(hive[:512])
    struct.pack_into("<I", head, 28, file_type)
    struct.pack_into("<I", head, 508, hive_checksum(bytes(head)))
    body = magic.ljust(4096 - 512, b"\0") + at_4096
    return bytes(head) + body


@pytest.mark.parametrize(
    ("file_type", "magic", "at_4096", "log"),
    [
        (0, b"", b"hbin", False),  # a primary hive
        (1, b"DIRT", b"", True),  # XP to Windows 8: old format
        (6, b"HvLE", b"", True),  # Windows 8.1 on: new format
        (2, b"DIRT", b"", True),  # NT4 and Windows 2000 numbered a log 2
        (1, b"", b"", True),  # a log cut short before its dirty vector
        (1, b"", b"hbin", False),  # a mirror (NT4 numbered "alternate" 1): a hive
        (2, b"", b"hbin", False),  # a RegSaveKey copy as XP numbers it: a hive
    ],
)
def test_a_log_is_known_by_its_content(
    file_type: int, magic: bytes, at_4096: bytes, log: bool
) -> None:
    head = _log_head(system("10.0.0.5"), file_type, magic, at_4096)
    assert is_log(head[:SNIFF_HIVE]) is log


def test_an_old_log_is_applied_when_it_matches_the_hive(tmp_path: Path) -> None:
    dirty = make_dirty(system("10.0.0.4"), 41, 40)
    replay = replay_logs(dirty, [("SYSTEM.LOG", old_format_log(dirty, system("10.0.0.5")))], LIMIT)
    assert (replay.applied, replay.refused) == (("SYSTEM.LOG",), ())
    base = read_base_block(replay.data)
    assert base is not None
    assert (base.dirty, base.checksum_ok, base.file_type) == (False, True, 0)
    assert override_of(replay.data, tmp_path) == "10.0.0.5"


@pytest.mark.parametrize(
    ("spoil", "reason"),
    [
        (lambda log: log[:12] + b"\1" + log[13:], "its base block is damaged"),
        (lambda log: _rehead(log, 4, 42), "its own write was interrupted"),
        (lambda log: _rehead(log, 12, 7), "it belongs to another write of the hive"),
        (lambda log: log[:1024], "it is shorter than its dirty vector says"),
    ],
    ids=["checksum", "torn-log", "other-write", "truncated"],
)
def test_an_old_log_that_does_not_match_is_refused(
    tmp_path: Path, spoil: object, reason: str
) -> None:
    dirty = make_dirty(system("10.0.0.4"), 41, 40)
    log = old_format_log(dirty, system("10.0.0.5"))
    assert callable(spoil)
    replay = replay_logs(dirty, [("SYSTEM.LOG", spoil(log))], LIMIT)
    assert replay.applied == ()
    assert replay.data == dirty
    (refused,) = replay.refused
    assert refused.startswith(f"SYSTEM.LOG: {reason}")
    path = tmp_path / "SYSTEM"
    path.write_bytes(dirty)
    reading = read_system_hive(path, "SRV/SYSTEM", (), [("SYSTEM.LOG", spoil(log))])
    (note,) = reading.notes
    assert "no transaction log beside it that applies" in note and reason in note


def _rehead(log: bytes, offset: int, number: int) -> bytes:
    head = bytearray(log[:512])
    struct.pack_into("<I", head, offset, number)
    struct.pack_into("<I", head, 508, hive_checksum(bytes(head)))
    return bytes(head) + log[512:]


def test_old_log_pages_start_after_a_dirty_vector_of_several_sectors() -> None:
    """Over 2 MB of hive bins the vector passes one sector; the pages start after it (regipy
    reads them from offset 1024 whatever the vector's length)."""
    bins = 3 * 1024 * 1024  # a 768-byte vector: pages start at 512 + 1024
    hive = bytearray(4096 + bins)
    hive[:4] = b"regf"
    struct.pack_into("<IIQ", hive, 4, 41, 40, 99)
    struct.pack_into("<I", hive, 40, bins)
    struct.pack_into("<I", hive, 508, hive_checksum(bytes(hive[:512])))
    head = bytearray(hive[:512])
    struct.pack_into("<III", head, 4, 41, 41, 99)  # sequence numbers, timestamp's low half
    struct.pack_into("<I", head, 28, 1)
    struct.pack_into("<I", head, 508, hive_checksum(bytes(head)))
    vector = bytearray(bins // 4096)
    vector[-1] = 0x80  # the last 512-byte page of the bins
    page = b"P" * 512
    log = bytes(head) + (b"DIRT" + vector).ljust(1024, b"\0") + page
    replay = replay_logs(bytes(hive), [("SYSTEM.LOG", log)], LIMIT)
    assert replay.applied == ("SYSTEM.LOG",)
    assert replay.data[-512:] == page
    assert replay.data[4096:-512] == bytes(bins - 512)


def test_an_old_log_may_not_grow_the_hive_past_the_limit() -> None:
    dirty = make_dirty(system("10.0.0.4"), 41, 40)
    log = old_format_log(dirty, system("10.0.0.5"))
    replay = replay_logs(dirty, [("L", log)], len(dirty) - 1)
    assert replay.applied == ()
    assert "bytes of hive bins" in replay.refused[0]


# New format: entries built here by the specification, hashed with the Marvin32 that the
# Windows-written entry above checks.


def entry(sequence: int, hive: bytes, blocks: list[int], *, torn: bool = False) -> bytes:
    (bins,) = struct.unpack_from("<I", hive, 40)
    refs = b"".join(struct.pack("<II", block * 4096, 4096) for block in blocks)
    pages = b"".join(hive[4096 + block * 4096 : 8192 + block * 4096] for block in blocks)
    body = (refs + pages).ljust(-(-(40 + len(refs) + len(pages)) // 512) * 512 - 40, b"\0")
    size = 40 + len(body)
    head = struct.pack("<4sIIIII", b"HvLE", size, 0, sequence, bins, len(blocks))
    head += struct.pack("<Q", hive_log._marvin32(body))
    head += struct.pack("<Q", hive_log._marvin32(head))
    if torn:
        body = body[:-1] + b"\xff"
    return head + body


def new_log(hive: bytes, entries: list[bytes]) -> bytes:
    return _log_head(hive, 6, b"")[:512] + b"".join(entries)


def changed_blocks(old: bytes, new: bytes) -> list[int]:
    return [
        i
        for i in range(len(new) // 4096 - 1)
        if old[4096 * (i + 1) :][:4096] != new[4096 * (i + 1) :][:4096]
    ]


def test_new_log_entries_apply_in_sequence_across_both_logs(tmp_path: Path) -> None:
    old, mid, new = system("10.0.0.4"), system("10.0.0.6"), system("10.0.0.5")
    dirty = make_dirty(old, 8, 7)
    log1 = new_log(new, [entry(5, old, [0]), entry(7, mid, changed_blocks(old, mid))])
    log2 = new_log(new, [entry(8, new, changed_blocks(mid, new))])
    replay = replay_logs(dirty, [("SYSTEM.LOG1", log1), ("SYSTEM.LOG2", log2)], LIMIT)
    assert replay.applied == ("SYSTEM.LOG1", "SYSTEM.LOG2")
    base = read_base_block(replay.data)
    assert base is not None
    assert (base.primary_sequence, base.secondary_sequence, base.checksum_ok) == (8, 8, True)
    assert override_of(replay.data, tmp_path) == "10.0.0.5"


def test_new_log_replay_stops_at_a_torn_entry(tmp_path: Path) -> None:
    old, mid, new = system("10.0.0.4"), system("10.0.0.6"), system("10.0.0.5")
    dirty = make_dirty(old, 8, 7)
    log1 = new_log(
        new,
        [
            entry(7, mid, changed_blocks(old, mid)),
            entry(8, new, changed_blocks(mid, new), torn=True),
        ],
    )
    replay = replay_logs(dirty, [("SYSTEM.LOG1", log1)], LIMIT)
    assert replay.applied == ("SYSTEM.LOG1",)
    assert "fails its hash" in replay.refused[0]
    assert override_of(replay.data, tmp_path) == "10.0.0.6"


def test_new_log_without_the_hives_next_entry_is_not_applied() -> None:
    """Windows stops when the first entry is not the hive's secondary sequence number."""
    old, new = system("10.0.0.4"), system("10.0.0.5")
    dirty = make_dirty(old, 8, 7)
    log1 = new_log(new, [entry(9, new, changed_blocks(old, new))])
    replay = replay_logs(dirty, [("SYSTEM.LOG1", log1)], LIMIT)
    assert (replay.applied, replay.data) == ((), dirty)
    assert replay.refused == ("SYSTEM.LOG1: no entry carries the hive's next sequence number (7)",)


def test_a_hive_named_system_without_select_is_still_a_damaged_system_hive(
    tmp_path: Path,
) -> None:
    path = tmp_path / "SYSTEM"
    path.write_bytes(build_hive({"ControlSet001\\Services": []}, file_name=""))
    with pytest.raises(ParseError, match="no Select key"):
        read_system_hive(path, "SRV/SYSTEM", ())
    path.write_bytes(build_hive({"Setup": []}))  # the base block names SYSTEM
    with pytest.raises(ParseError, match="no Select key"):
        read_system_hive(path, "SRV/SYSTEM", ())


def test_a_hive_without_a_name_is_named_by_its_root_keys(tmp_path: Path) -> None:
    path = tmp_path / "NTUSER.DAT"
    keys = ["AppEvents", "Console", "Control Panel", "Environment", "Software"]
    path.write_bytes(build_hive({key: [] for key in keys}, file_name=""))
    reading = read_system_hive(path, "SRV/registry/NTUSER.DAT", ())
    assert (reading.system, reading.operations) == (False, ())
    assert reading.notes == (
        "SRV/registry/NTUSER.DAT: a hive whose root holds AppEvents, Console, Control Panel, "
        "Environment, ..., not SYSTEM: not registry evidence for this audit",
    )
