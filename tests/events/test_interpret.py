"""Classification, pairing, coverage and the restart warning, over hand-built facts."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from auditor.evaluation import evaluate
from auditor.events.interpret import RESTART_TEXT, SILENT_TEXT, judge_events, pair_count
from auditor.events.model import Cause, EventLogFact, GatewayEvent
from auditor.facts import ServerFacts
from auditor.parsing.connectors_csv import ConnectorEntry, ConnectorInventory
from tests import scenarios
from tests.builders.evt import ipv4_hex, name_hex, utc
from tests.evaluation.facts_builder import adapter, files, override, registry

T0 = utc(2000, 3, 1, 12)
ODN = "/o=ORG/ou=S/cn=Configuration/cn=Connections/cn="
LOG = EventLogFact("AppEvent.Evt", 100, T0.isoformat(), T0.isoformat(), complete=True)


def server(
    name: str,
    *addresses: str,
    version: str = "5.5.2650.24",
    events: tuple[GatewayEvent, ...] = (),
    logs: tuple[EventLogFact, ...] = (),
    cluster: bool = False,
    overrides: tuple[tuple[str, str, str | None], ...] = (),
) -> ServerFacts:
    return ServerFacts(
        server=name,
        source=name,
        files=files(version),
        registry=registry(
            adapter("El90x1", *addresses),
            cluster=cluster,
            overrides=tuple(
                replace(override(rdn, value), last_written=written)
                for rdn, value, written in overrides
            ),
        ),
        event_logs=logs or ((LOG,) if events else ()),
        events=events,
    )


def events(address: str, *seconds: int, start: datetime = T0) -> tuple[GatewayEvent, ...]:
    return tuple(
        GatewayEvent((start + timedelta(seconds=s)).isoformat(), address, "", "log", n)
        for n, s in enumerate(seconds)
    )


def inventory(*pairs: tuple[str, str]) -> ConnectorInventory:
    entries = tuple(
        ConnectorEntry(a, f"{ODN}TCP to {b}", f"TCP to {b}", "TCP", b, "") for a, b in pairs
    )
    return ConnectorInventory("connectors.csv", entries, ())


def run(facts: list[ServerFacts], connectors: ConnectorInventory | None):
    verdicts = [evaluate(f, scenarios.baseline(), connectors) for f in facts]
    judged, summaries = judge_events(facts, verdicts, connectors)
    return {v.server: v for v in judged}, summaries


@pytest.mark.parametrize(
    ("seconds", "pairs"),
    [
        ((0,), 0),  # a lone event: accepted after a reverse lookup
        ((0, 60), 1),  # the window's edge is inside
        ((0, 61), 0),
        ((0, 5, 10), 1),  # greedy: the first two pair, the third is alone
        ((0, 50, 100, 150), 2),
        ((0, 100, 130, 500, 501), 2),
        ((30, 0), 1),  # order of logging does not matter, time does
    ],
)
def test_pairs_are_counted_greedily_within_60_seconds(seconds: tuple[int, ...], pairs: int) -> None:
    assert pair_count([T0 + timedelta(seconds=s) for s in seconds]) == pairs


def test_each_cause_and_its_sender() -> None:
    logged = (
        *events(ipv4_hex("10.0.0.6"), 0, 10),  # multihomed A's address
        *events(ipv4_hex("10.0.3.5"), 0, 10, 20),  # single-homed D
        *events(ipv4_hex("10.0.4.5"), 0),  # cluster node E (multihomed too)
        *events(ipv4_hex("172.16.0.1"), 0, 1),  # nobody's
        *events(name_hex("mta-a"), 0, 1),  # a name, which is a fleet server's
        *events(name_hex("ghost"), 0),
    )
    facts = [
        server("MTA-A", "10.0.0.5", "10.0.0.6"),
        server("MTA-B", "10.0.1.5", events=logged),
        server("MTA-D", "10.0.3.5"),
        server("MTA-E", "10.0.4.5", "10.0.4.6", cluster=True),
    ]
    _, summaries = run(facts, None)
    got = {(s.address, s.sender, s.cause, s.count, s.refused) for s in summaries}
    assert got == {
        ("10.0.0.6", "MTA-A", Cause.RANDOM_SOURCE_ADDRESS, 2, 1),
        ("10.0.3.5", "MTA-D", Cause.STACK_MISMATCH, 3, 1),
        ("10.0.4.5", "MTA-E", Cause.CLUSTER, 1, 0),
        ("172.16.0.1", None, Cause.OUTSIDE_FLEET, 2, 1),
        ("mta-a", "MTA-A", Cause.NAME_RESOLUTION, 2, 1),
        ("ghost", None, Cause.NAME_RESOLUTION, 1, 0),
    }
    assert {s.receiver for s in summaries} == {"MTA-B"}


def test_one_summary_per_receiver_and_address_with_times_and_offsets() -> None:
    facts = [
        server("MTA-A", "10.0.0.5", "10.0.0.6"),
        server("MTA-B", "10.0.1.5", events=events(ipv4_hex("10.0.0.6"), 300, 0, 30)),
        server("MTA-C", "10.0.2.5", events=events(ipv4_hex("10.0.0.6"), 7)),
    ]
    verdicts, summaries = run(facts, None)
    assert [(s.receiver, s.count, s.refused) for s in summaries] == [
        ("MTA-B", 3, 1),
        ("MTA-C", 1, 0),
    ]
    assert summaries[0].first_seen == "2000-03-01T12:00:00+00:00"
    assert summaries[0].last_seen == "2000-03-01T12:05:00+00:00"
    assert verdicts["MTA-A"].refused_connections == 1
    assert verdicts["MTA-A"].reasons[-1] == (
        "observed: 1 refused connections from 10.0.0.6 at MTA-B between "
        "2000-03-01T12:00:00+00:00 and 2000-03-01T12:05:00+00:00"
    )


def test_coverage_needs_a_joined_receiver_whose_log_was_read_and_logs_9301() -> None:
    sender = server("MTA-A", "10.0.0.5")
    joined = inventory(("MTA-A", "MTA-B"))
    reverse = inventory(("MTA-B", "MTA-A"))

    def refused(receiver: ServerFacts, connectors: ConnectorInventory | None) -> int | None:
        verdicts, _ = run([sender, receiver], connectors)
        return verdicts["MTA-A"].refused_connections

    read = server("MTA-B", "10.0.1.5", logs=(LOG,))
    assert refused(read, joined) == 0
    assert refused(read, reverse) == 0  # either direction
    assert refused(read, None) is None  # no inventory: nobody is joined
    assert refused(read, inventory(("MTA-A", "MTA-Z"))) is None
    assert refused(server("MTA-B", "10.0.1.5"), joined) is None  # no log read
    partial = replace(LOG, complete=False)
    assert refused(server("MTA-B", "10.0.1.5", logs=(partial,)), joined) is None
    for silent in ("5.5.2354.0", "5.5.2448.1", "5.5.2620.0"):
        assert refused(server("MTA-B", "10.0.1.5", version=silent, logs=(LOG,)), joined) is None
    for loud in ("5.5.2353.0", "5.5.2621.0", "5.5.2232.18"):
        assert refused(server("MTA-B", "10.0.1.5", version=loud, logs=(LOG,)), joined) == 0


def test_a_silent_receiver_says_so_and_changes_no_status() -> None:
    facts = [
        server("MTA-A", "10.0.0.5"),
        server("MTA-B", "10.0.1.5", version="5.5.2448.1", logs=(LOG,)),
    ]
    before = [evaluate(f, scenarios.baseline(), None) for f in facts]
    verdicts, _ = run(facts, None)
    assert SILENT_TEXT in verdicts["MTA-B"].warnings
    assert SILENT_TEXT not in verdicts["MTA-A"].warnings
    assert [v.status for v in before] == [verdicts["MTA-A"].status, verdicts["MTA-B"].status]


def sender_with_override(written: str | None) -> ServerFacts:
    return server(
        "MTA-A",
        "10.0.0.5",
        "10.0.0.6",
        overrides=(("TCP to MTA-B", "10.0.0.5", written),),
    )


def test_the_restart_warning_names_the_address_seen_after_the_override_was_written() -> None:
    written = (T0 + timedelta(hours=1)).isoformat()
    logged = events(ipv4_hex("10.0.0.6"), 0, 10, 7200)  # the last one after the write
    facts = [sender_with_override(written), server("MTA-B", "10.0.1.5", events=logged)]
    verdicts, _ = run(facts, inventory(("MTA-A", "MTA-B")))
    sender = verdicts["MTA-A"]
    assert sender.status.value == "compliant"
    (warning,) = [w for w in sender.warnings if RESTART_TEXT in w]
    assert "10.0.0.6" in warning and "MTA-B" in warning and written in warning


def test_no_restart_warning_when_every_event_came_before_the_override() -> None:
    written = (T0 + timedelta(hours=1)).isoformat()
    logged = events(ipv4_hex("10.0.0.6"), 0, 10)
    facts = [sender_with_override(written), server("MTA-B", "10.0.1.5", events=logged)]
    verdicts, _ = run(facts, inventory(("MTA-A", "MTA-B")))
    assert not [w for w in verdicts["MTA-A"].warnings if "override" in w]
    assert verdicts["MTA-A"].refused_connections == 1


def test_without_a_last_write_time_the_warning_says_it_cannot_tell() -> None:
    logged = events(ipv4_hex("10.0.0.6"), 0, 10)
    facts = [sender_with_override(None), server("MTA-B", "10.0.1.5", events=logged)]
    verdicts, _ = run(facts, inventory(("MTA-A", "MTA-B")))
    (warning,) = [w for w in verdicts["MTA-A"].warnings if "override" in w]
    assert "cannot be told" in warning and RESTART_TEXT not in warning


def test_no_restart_warning_for_a_sender_that_is_not_compliant() -> None:
    written = T0.isoformat()
    sender = replace(sender_with_override(written), files=files("5.5.2232.18"))
    logged = events(ipv4_hex("10.0.0.6"), 60, 70)
    facts = [sender, server("MTA-B", "10.0.1.5", events=logged)]
    verdicts, _ = run(facts, inventory(("MTA-A", "MTA-B")))
    assert verdicts["MTA-A"].status.value == "exposed"
    assert not [w for w in verdicts["MTA-A"].warnings if RESTART_TEXT in w]
