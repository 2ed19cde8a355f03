"""Event logs in a server's evidence: found by content, bounded, and never fatal."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from auditor import collect_events
from auditor.collect import collect
from auditor.evidence import FolderSource
from tests import scenarios
from tests.builders.evt import EvtLog, ipv4_hex, mta_9301, utc
from tests.events.fleet import SP3, install, system_hive, write

T0 = utc(2000, 3, 1)


def a_log() -> bytes:
    return EvtLog().add(mta_9301(T0, ipv4_hex("10.0.0.6")), mta_9301(T0, "41")).linear()


def gathered(root: Path):
    return collect(FolderSource(root), scenarios.baseline())


def server(root: Path) -> Path:
    install(root, SP3)
    write(root / "registry/SYSTEM", system_hive(("10.0.1.5",)))
    return root


@pytest.mark.parametrize(
    "where",
    ["C$/WINNT/system32/config/AppEvent.Evt", "c/winnt/system32/config/APPEVENT.EVT",
     "logs/app", "AppEvent.Evt", "registry/app.evt"],
)  # fmt: skip
def test_a_log_is_read_wherever_it_lies(tmp_path: Path, where: str) -> None:
    write(server(tmp_path) / where, a_log())
    facts = gathered(tmp_path)
    assert [log.source for log in facts.event_logs] == [where]
    assert [e.address for e in facts.events] == ["0A000006"]
    assert facts.problems == ()


def test_inside_a_drive_only_files_named_evt_are_examined(tmp_path: Path) -> None:
    write(server(tmp_path) / "C$/WINNT/system32/config/AppEvent.log", a_log())
    assert gathered(tmp_path).event_logs == ()


def test_a_file_named_evt_that_is_not_a_log_is_left_alone(tmp_path: Path) -> None:
    write(server(tmp_path) / "C$/WINNT/system32/config/AppEvent.Evt", b"not a log at all")
    facts = gathered(tmp_path)
    assert facts.event_logs == () and facts.problems == ()


def test_a_damaged_log_is_a_note_and_changes_nothing_else(tmp_path: Path) -> None:
    data = bytearray(EvtLog().add(*(mta_9301(T0, "0A000006") for _ in range(9))).linear())
    first = struct.unpack_from("<I", data, 0x30)[0]
    struct.pack_into("<I", data, 0x30 + first, 0xFFFF_FFF0)
    write(server(tmp_path) / "AppEvent.Evt", bytes(data))
    facts = gathered(tmp_path)
    assert facts.problems == ()
    assert not facts.event_logs[0].complete
    assert any("AppEvent.Evt: damaged or cut short" in note for note in facts.notes)


def test_a_log_past_the_cap_is_named_not_read(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(collect_events, "MAX_EVT", 100)
    write(server(tmp_path) / "AppEvent.Evt", a_log())
    facts = gathered(tmp_path)
    assert facts.event_logs == ()
    assert any("AppEvent.Evt: event log not read" in note for note in facts.notes)
