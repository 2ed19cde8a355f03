"""The Application log read live over MS-EVEN, from a private Samba smbd whose log
eventlogadm fills, and the RPC layer alone against a scripted pipe."""

from __future__ import annotations

import struct
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.baseline import Baseline, default_baseline_path, load_baseline
from auditor.collect import collect
from auditor.evidence import eventlog_rpc
from auditor.evidence.credentials import Credentials
from auditor.evidence.eventlog_rpc import (
    EVENTS_FILE,
    read_application_log,
    records_to_evt,
    split_records,
)
from auditor.evidence.smb import SmbSource
from auditor.parsing.evt import read_evt
from tests.builders.evt import EvtRecord, ipv4_hex, mta_9301, pack_record
from tests.evidence.conftest import SP3, install_mta
from tests.evidence.samba import EVENTLOGADM, SambaServer, missing_tools

NOW = int(time.time())
STACK = "/o=ORG/ou=SITE/cn=Configuration/cn=Servers/cn=MTA-B/cn=TCP (MTA)"


def eventlogadm_record(seconds: int, address: str, event_id: int = 9301) -> str:
    """One record in eventlogadm's format (its manual page: RS1 must be 1699505740)."""
    return (
        f"LEN: 0\nRS1: 1699505740\nRCN: 0\nTMG: {seconds}\nTMW: {seconds}\nEID: {event_id}\n"
        "ETP: WARNING\nECT: 2\nRS2: 0\nCRN: 0\nUSL: 0\nSRC: MSExchangeMTA\nSRN: MTA-B\n"
        f"STR: {address}\nSTR: {STACK}\nDAT:\n\n"
    )


@pytest.fixture(scope="module")
def receiver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SambaServer]:
    why = missing_tools() or (None if EVENTLOGADM else "Samba's eventlogadm is not installed")
    if why:
        pytest.skip(why)
    server = SambaServer(tmp_path_factory.mktemp("samba-eventlog"), smb1=False)
    server.configure()
    install_mta(server.share / "exchsrvr" / "bin", SP3)
    # Samba prunes records older than the log's retention: the times are recent.
    server.write_events(
        eventlogadm_record(NOW - 7200, ipv4_hex("10.0.0.6"))
        + eventlogadm_record(NOW - 7190, ipv4_hex("10.0.0.6"))
        + eventlogadm_record(NOW - 3000, ipv4_hex("10.0.0.7"), event_id=1000)
        + eventlogadm_record(NOW - 60, ipv4_hex("10.0.0.8"))
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def baseline() -> Baseline:
    return load_baseline(default_baseline_path())


def source(
    server: SambaServer, credentials: Credentials, days: int | None, wall: float = NOW
) -> SmbSource:
    return SmbSource(
        "MTA-B",
        "127.0.0.1",
        server.port,
        credentials,
        events_days=days,
        wall_clock=lambda: wall,
    )


def test_the_live_log_gives_the_9301_events_in_the_window(
    receiver: SambaServer, credentials: Credentials, baseline: Baseline
) -> None:
    live = source(receiver, credentials, 90)
    try:
        facts = collect(live, baseline)
    finally:
        live.close()
    assert [log.source for log in facts.event_logs] == [EVENTS_FILE]
    assert facts.event_logs[0].records == 4 and facts.event_logs[0].complete
    assert [(e.address, e.stack) for e in facts.events] == [
        ("0A000006", STACK),
        ("0A000006", STACK),
        ("0A000008", STACK),
    ]
    assert facts.problems == () and not [n for n in facts.notes if "Application" in n]


def test_the_window_counts_back_from_now(
    receiver: SambaServer, credentials: Credentials, baseline: Baseline
) -> None:
    # One day back from a clock a day ahead, less 30 minutes: only the newest event is in.
    live = source(receiver, credentials, 1, wall=NOW + 86_400 - 1800)
    try:
        facts = collect(live, baseline)
    finally:
        live.close()
    assert [e.address for e in facts.events] == ["0A000008"]


def test_reading_the_log_costs_a_few_round_trips(
    receiver: SambaServer, credentials: Credentials, baseline: Baseline
) -> None:
    trips = {}
    for days in (None, 90):
        live = source(receiver, credentials, days)
        try:
            collect(live, baseline)
        finally:
            live.close()
        trips[days] = live.stats.round_trips
    # Pipe open, bind, close, and two each for ElfrOpenELW, the count, the oldest, one read
    # (4 KB first), the close: 15 against Samba.
    extra = trips[90] - trips[None]
    assert 0 < extra <= 16, trips
    print(f"round trips per server: {trips[None]} without the log, {trips[90]} with it")


def test_a_server_without_the_log_gets_a_note_not_a_problem(
    tmp_path: Path, credentials: Credentials, baseline: Baseline
) -> None:
    server = SambaServer(tmp_path, smb1=False)
    server.configure()
    server.conf.write_text(server.conf.read_text().replace("  eventlog list = Application\n", ""))
    install_mta(server.share / "exchsrvr" / "bin", SP3)
    server.start()
    try:
        live = source(server, credentials, 90)
        try:
            facts = collect(live, baseline)
        finally:
            live.close()
    finally:
        server.stop()
    assert facts.problems == () and facts.event_logs == ()
    assert any("cannot read the Application log" in note for note in facts.notes)


# --- the RPC layer against a scripted pipe ------------------------------------------------


class FakeEven:
    """ElfrReadELW as MS-EVEN 3.1.4.7 describes it: records from RecordOffset backwards,
    as many whole ones as fit; STATUS_END_OF_FILE past the oldest."""

    def __init__(self, records: list[bytes], oldest: int = 1, answer_size: int = 0) -> None:
        self.records = records
        self.oldest = oldest
        self.calls: list[tuple[int, int]] = []
        self.answer_size = answer_size

    def read(self, number: int, size: int) -> dict[str, object]:
        from impacket.dcerpc.v5 import even

        self.calls.append((number, size))
        index = number - self.oldest
        if index < 0 or index >= len(self.records):
            raise even.DCERPCSessionError(error_code=0xC0000011)
        out = b""
        while index >= 0 and len(out) + len(self.records[index]) <= size:
            out += self.records[index]
            index -= 1
        if not out:
            error = even.DCERPCSessionError(error_code=0xC0000023)
            error.packet = {"MinNumberOfBytesNeeded": len(self.records[index])}
            raise error
        return {"Buffer": [bytes([b]) for b in out], "NumberOfBytesRead": len(out)}


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEven]:
    from impacket.dcerpc.v5 import even

    pipe = FakeEven([])
    monkeypatch.setattr(even, "hElfrOpenELW", lambda dce, *_: {"LogHandle": b"h"})
    monkeypatch.setattr(even, "hElfrCloseEL", lambda dce, handle: None)
    monkeypatch.setattr(
        even, "hElfrNumberOfRecords", lambda dce, h: {"NumberOfRecords": len(pipe.records)}
    )
    monkeypatch.setattr(
        even, "hElfrOldestRecordNumber", lambda dce, h: {"OldestRecordNumber": pipe.oldest}
    )
    monkeypatch.setattr(
        even, "hElfrReadELW", lambda dce, h, flags, number, size: pipe.read(number, size)
    )
    yield pipe


def records(count: int, start: int = NOW - 1000, big: int = 0) -> list[bytes]:
    made = []
    for i in range(count):
        record = mta_9301(_at(start + 10 * i), ipv4_hex(f"10.0.0.{i % 250}"))
        if big and i == big:
            record = EvtRecord(1000, _at(start + 10 * i), strings=("x" * 40_000,))
        made.append(pack_record(record, i + 1))
    return made


def _at(seconds: int):
    from datetime import UTC, datetime

    return datetime.fromtimestamp(seconds, UTC)


def test_the_log_is_read_newest_first_and_written_oldest_first(fake: FakeEven) -> None:
    fake.records = records(600)
    log = read_application_log(object(), since=0)
    assert log.records == 600 and log.stopped == "end of log"
    assert fake.calls[0][0] == 600  # the newest, by number: oldest + count - 1
    assert log.calls == len(fake.calls) > 1  # 600 records do not fit one 64 KB answer
    reading = read_evt(log.data, "x", "x")
    assert [e.record for e in reading.events] == list(range(1, 601))
    assert reading.log.complete


@pytest.mark.parametrize(
    ("kwargs", "count", "stopped"),
    [
        ({"since": NOW - 1000 + 10 * 450}, 150, "window"),
        ({"since": 0, "max_records": 99}, 99, "record cap"),
        ({"since": 0, "max_bytes": 10_000}, 10_000 // 308, "byte cap"),
    ],
)
def test_reading_stops_at_the_window_and_the_caps(
    fake: FakeEven, kwargs: dict[str, int], count: int, stopped: str
) -> None:
    fake.records = records(600)
    assert {len(record) for record in fake.records} == {308}  # the byte cap's arithmetic
    log = read_application_log(object(), **kwargs)
    assert (log.records, log.stopped) == (count, stopped)


def test_a_record_larger_than_a_read_is_asked_for_once(fake: FakeEven) -> None:
    fake.records = records(5, big=4)  # the newest is 80 KB
    log = read_application_log(object(), since=0)
    assert log.records == 5
    assert fake.calls[1][1] == len(fake.records[4])


def test_an_empty_log_and_a_hostile_buffer(fake: FakeEven) -> None:
    assert read_application_log(object(), since=0).records == 0
    good = records(3)
    bad = bytearray(b"".join(good))
    struct.pack_into("<I", bad, len(good[0]), 8)  # the second record claims 8 bytes
    assert split_records(bytes(bad)) == [good[0]]
    struct.pack_into("<I", bad, 0, 0xFFFF_FFF0)
    assert split_records(bytes(bad)) == []
    assert split_records(b"") == []


def test_the_evt_made_of_live_records_is_read_alike_by_an_independent_reader() -> None:
    import io

    from dissect.eventlog.evt import Evt

    made = records(7)
    data = records_to_evt(made)
    assert [r.RecordNumber for r in Evt(io.BytesIO(data))] == list(range(1, 8))
    assert records_to_evt([])[4:8] == b"LfLe"
    assert eventlog_rpc.MAX_LIVE_RECORDS > 0
