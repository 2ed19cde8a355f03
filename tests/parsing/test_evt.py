"""The .evt reader, against logs our own writer makes from the format's documentation.

The writer itself is checked against a second, independent reader (dissect.eventlog, pure
Python), so that a fixture the two readers agree on is a fixture Windows would read.
"""

from __future__ import annotations

import io
import struct
import time
from datetime import timedelta

import pytest

from auditor.errors import ParseError
from auditor.parsing.evt import looks_like_evt, read_evt
from tests.builders.evt import (
    HEADER_SIZE,
    EvtLog,
    EvtRecord,
    ipv4_hex,
    mta_9301,
    name_hex,
    utc,
)

T0 = utc(2000, 3, 1, 8, 0, 0)


def a_log(count: int = 12) -> EvtLog:
    log = EvtLog(first_number=500)
    for number in range(count):
        when = T0 + timedelta(minutes=number)
        if number % 3 == 0:
            log.add(EvtRecord(1000 + number, when, source="Service Control Manager"))
        else:
            log.add(mta_9301(when, ipv4_hex(f"10.0.0.{number}")))
    return log


def dissect_records(data: bytes) -> list[tuple[int, int, str, list[str]]]:
    from dissect.eventlog.evt import Evt

    return [
        (r.RecordNumber, int(r.TimeGenerated.timestamp()), r.SourceName, list(r.Strings))
        for r in Evt(io.BytesIO(data))
    ]


def expected_records(log: EvtLog) -> list[tuple[int, int, str, list[str]]]:
    return [
        (log.first_number + i, int(r.when.timestamp()), r.source, list(r.strings))
        for i, r in enumerate(log.records)
    ]


@pytest.mark.parametrize("layout", ["linear", "wrapped-split", "wrapped-at-boundary"])
def test_the_writer_is_read_alike_by_an_independent_reader(layout: str) -> None:
    log = a_log()
    data = _layout(log, layout)
    assert dissect_records(data) == expected_records(log)


@pytest.mark.parametrize("layout", ["linear", "wrapped-split", "wrapped-at-boundary"])
def test_only_the_mtas_9301_are_kept_with_their_inserts(layout: str) -> None:
    log = a_log()
    reading = read_evt(_layout(log, layout), "B/AppEvent.Evt", "C$/AppEvent.Evt")
    wanted = [
        (log.first_number + i, r.when.isoformat(), r.strings[0], r.strings[1])
        for i, r in enumerate(log.records)
        if r.source == "MSExchangeMTA"
    ]
    got = [(e.record, e.when, e.address, e.stack) for e in reading.events]
    assert sorted(got) == wanted
    assert reading.log.records == len(log.records)
    assert reading.log.oldest == T0.isoformat()
    assert reading.log.newest == (T0 + timedelta(minutes=11)).isoformat()
    assert reading.log.complete and reading.problems == ()
    assert {e.log for e in reading.events} == {"C$/AppEvent.Evt"}


def test_event_ids_are_matched_on_their_low_16_bits_and_the_source_on_its_name() -> None:
    log = EvtLog().add(
        EvtRecord(9301, T0, source="msexchangemta", strings=("0A000006",)),  # no severity bits
        EvtRecord(9301, T0, source="MSExchangeIS", strings=("0A000007",)),  # another source
        EvtRecord(0xC000_0000 | 9300, T0, strings=("0A000008",)),  # another id
        EvtRecord(0x8001_0000 | 9301, T0, strings=("0A000009",)),  # another facility
    )
    events = read_evt(log.linear(), "x", "x").events
    assert [e.address for e in events] == ["0A000006", "0A000009"]


def test_both_address_forms_and_the_message_as_one_string() -> None:
    whole = (
        f"The message transfer gateway that uses the network address {name_hex('MTA-Z')} "
        "and the transport stack /o=ORG/ou=S/cn=Configuration/cn=Servers/cn=MTA-B/cn=TCP "
        "(MTA) could not be found. [BASE IL TCP/IP DRVR 8 218] (10)"
    )
    log = EvtLog().add(
        mta_9301(T0, ipv4_hex("145.245.193.27")),
        mta_9301(T0, name_hex("RemoteMTA")),
        EvtRecord(0xC000_0000 | 9301, T0, strings=(whole,)),
        EvtRecord(0xC000_0000 | 9301, T0, strings=("no address here",)),
    )
    reading = read_evt(log.linear(), "B/app.evt", "app.evt")
    assert [e.address for e in reading.events] == ["91F5C11B", "52656D6F74654D5441", "4D54412D5A"]
    assert reading.events[2].stack.endswith("cn=MTA-B/cn=TCP (MTA)")
    assert reading.problems == ("B/app.evt: record 4 is a 9301 without a network address",)


def test_a_log_cut_short_keeps_what_it_holds_and_says_so() -> None:
    data = a_log(30).linear()
    reading = read_evt(data[: len(data) // 2], "B/AppEvent.Evt", "AppEvent.Evt")
    assert 0 < reading.log.records < 30
    assert not reading.log.complete
    assert reading.problems[0].startswith("B/AppEvent.Evt: damaged or cut short")


@pytest.mark.parametrize("length", [0, 8, 0x38, 0xFFFF_FFF0])
def test_a_hostile_record_length_is_a_problem_not_a_hang(length: int) -> None:
    log = a_log(40)
    data = bytearray(log.linear())
    first = struct.unpack_from("<I", data, HEADER_SIZE)[0]
    struct.pack_into("<I", data, HEADER_SIZE + first, length)  # the second record's length
    started = time.perf_counter()
    reading = read_evt(bytes(data), "B/AppEvent.Evt", "AppEvent.Evt")
    assert time.perf_counter() - started < 2
    assert not reading.log.complete
    assert "damaged or cut short" in reading.problems[0]
    # Records past the damage are recovered, each once.
    assert reading.log.records <= 40
    assert len({e.record for e in reading.events}) == len(reading.events)


def test_a_header_whose_offsets_loop_is_read_once() -> None:
    data = bytearray(a_log(20).linear())
    struct.pack_into("<I", data, 20, HEADER_SIZE)  # EndOffset = StartOffset
    struct.pack_into("<I", data, 16, len(data) - 8)  # StartOffset near the end: wraps
    started = time.perf_counter()
    reading = read_evt(bytes(data), "x", "x")
    assert time.perf_counter() - started < 2
    assert reading.log.records <= 20


def test_what_is_not_an_event_log_is_refused_by_its_name() -> None:
    assert not looks_like_evt(b"regf" + b"\0" * 60)
    assert looks_like_evt(a_log(1).linear()[:8])
    with pytest.raises(ParseError, match=r"^B/x\.evt: not an event log"):
        read_evt(b"MZ" + b"\0" * 100, "B/x.evt", "x.evt")
    with pytest.raises(ParseError, match=r"^B/x\.evt: a truncated event log: 40 bytes"):
        read_evt(a_log(1).linear()[:40], "B/x.evt", "x.evt")


def _layout(log: EvtLog, layout: str) -> bytes:
    linear = log.linear()
    if layout == "linear":
        return linear
    size = len(linear) + 200
    records = [len(b) for b in _record_lengths(log)]
    if layout == "wrapped-split":
        # The oldest record starts so that a later one runs over the file's end.
        return log.wrapped(size, size - sum(records[:3]) - records[3] // 2)
    # The oldest starts where an earlier record ended exactly at the file's end.
    return log.wrapped(size, size - sum(records[:4]))


def _record_lengths(log: EvtLog) -> list[bytes]:
    from tests.builders.evt import pack_record

    return [pack_record(r, i) for i, r in enumerate(log.records)]
