"""The fleet's 9301 events judged: who called whom from which address, why it was refused,
and what that says of each server (DESIGN.md section 1b; issue 14).

This runs over the whole fleet after each server is judged: an address means something only
next to every server's own addresses, and a receiver's log covers the senders that the
connectors inventory joins to it. It adds to verdicts and never changes a status.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from auditor.events.address import decode_address, stack_server
from auditor.events.model import Cause, EventSummary, GatewayEvent
from auditor.facts import OverrideFact, ServerFacts
from auditor.parsing.connectors_csv import ConnectorInventory
from auditor.verdicts import ServerVerdict, Status

__all__ = ["PAIR_WINDOW", "SILENT_BUILDS", "judge_events", "logs_9301", "pair_count"]

PAIR_WINDOW = timedelta(seconds=60)
"""A second 9301 this soon after the first, for the same address, is the failed reverse
lookup that follows it: the connection was refused (Q189345, Q193380)."""
SILENT_BUILDS = range(2354, 2621)
"""MTA builds that do not log 9301 (Q234962); 2621 and later do."""
SILENT_TEXT = "does not log 9301 (Q234962): no evidence either way"
RESTART_TEXT = "the MTA has not picked up the override: restart it"


@dataclass(frozen=True)
class _Server:
    facts: ServerFacts
    verdict: ServerVerdict


def judge_events(
    facts: Sequence[ServerFacts],
    verdicts: Sequence[ServerVerdict],
    inventory: ConnectorInventory | None,
) -> tuple[list[ServerVerdict], tuple[EventSummary, ...]]:
    """The verdicts with what the events add, and one summary per (receiver, address)."""
    servers = {v.server.casefold(): _Server(f, v) for f, v in zip(facts, verdicts, strict=True)}
    owners: dict[str, list[str]] = defaultdict(list)
    for server in servers.values():
        for address in server.verdict.addresses:
            owners[address].append(server.verdict.server)
    summaries: list[EventSummary] = []
    grouped: dict[tuple[str, str], list[GatewayEvent]] = {}
    for server in servers.values():
        for event in server.facts.events:
            key = (server.verdict.server, decode_address(event.address).text)
            grouped.setdefault(key, []).append(event)
    for (receiver, address), events in sorted(grouped.items(), key=_order):
        summaries.append(_summary(receiver, address, events, servers, owners))
    added = _Additions()
    for summary in summaries:
        if summary.sender is not None and summary.refused:
            added.reason(summary.sender, _observed(summary))
    # Indexed once: per server, a scan of the inventory or of the summaries would make a
    # large fleet quadratic.
    peers = _peers(inventory)
    covered = _covered(servers, peers)
    by_sender: dict[str, list[EventSummary]] = defaultdict(list)
    for summary in summaries:
        if summary.sender is not None:
            by_sender[summary.sender.casefold()].append(summary)
    for folded, server in servers.items():
        build = _build(server.verdict)
        if build in SILENT_BUILDS and (server.facts.event_logs or peers.get(folded)):
            added.warning(server.verdict.server, SILENT_TEXT)
        _restart(server, by_sender.get(folded, []), inventory, added)
    result = [
        added.apply(verdict, _refused(verdict.server, by_sender, covered)) for verdict in verdicts
    ]
    return result, tuple(summaries)


def pair_count(times: Sequence[datetime]) -> int:
    """Refused connections among one address's events: in time order, greedily, an event and
    the next one at most PAIR_WINDOW later make a pair; a lone event is not one."""
    ordered = sorted(times)
    pairs, index = 0, 0
    while index + 1 < len(ordered):
        if ordered[index + 1] - ordered[index] <= PAIR_WINDOW:
            pairs += 1
            index += 2
        else:
            index += 1
    return pairs


def logs_9301(verdict: ServerVerdict) -> bool:
    """The MTA build is known and not one of Q234962's silent builds."""
    build = _build(verdict)
    return build is not None and build not in SILENT_BUILDS


def _order(item: tuple[tuple[str, str], list[GatewayEvent]]) -> tuple[str, str]:
    (receiver, address), _ = item
    return receiver.casefold(), address.casefold()


def _summary(
    receiver: str,
    address: str,
    events: list[GatewayEvent],
    servers: dict[str, _Server],
    owners: dict[str, list[str]],
) -> EventSummary:
    times = sorted(datetime.fromisoformat(event.when) for event in events)
    decoded = decode_address(events[0].address)
    sender, cause = _cause(address, decoded.is_name, servers, owners)
    stacks = sorted({stack_server(event.stack) for event in events if event.stack})
    return EventSummary(
        receiver=receiver,
        sender=sender,
        address=address,
        cause=cause,
        first_seen=times[0].isoformat(),
        last_seen=times[-1].isoformat(),
        count=len(times),
        refused=pair_count(times),
        stack_server=", ".join(stacks),
    )


def _cause(
    address: str, is_name: bool, servers: dict[str, _Server], owners: dict[str, list[str]]
) -> tuple[str | None, Cause]:
    """The sender and the first cause that fits, in the order of Cause."""
    if is_name:
        named = servers.get(address.casefold())
        return (named.verdict.server if named else None), Cause.NAME_RESOLUTION
    owner_names = sorted(owners.get(address, []), key=str.casefold)
    if not owner_names:
        return None, Cause.OUTSIDE_FLEET
    sender = servers[owner_names[0].casefold()]
    registry = sender.facts.registry
    if registry is not None and registry.cluster_service:
        return sender.verdict.server, Cause.CLUSTER
    if sender.verdict.multihomed:
        return sender.verdict.server, Cause.RANDOM_SOURCE_ADDRESS
    return sender.verdict.server, Cause.STACK_MISMATCH


def _observed(summary: EventSummary) -> str:
    return (
        f"observed: {summary.refused} refused connections from {summary.address} at "
        f"{summary.receiver} between {summary.first_seen} and {summary.last_seen}"
    )


def _build(verdict: ServerVerdict) -> int | None:
    parts = (verdict.mta_version or "").split(".")
    return int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else None


def _peers(inventory: ConnectorInventory | None) -> dict[str, set[str]]:
    """Casefolded server -> the servers a connector of the inventory joins to it, either
    direction."""
    peers: dict[str, set[str]] = defaultdict(set)
    if inventory is None or inventory.error:
        return peers
    for entry in inventory.entries:
        local, remote = entry.server.casefold(), entry.remote_server.casefold()
        if remote and remote != local:
            peers[local].add(remote)
            peers[remote].add(local)
    return peers


def _covered(servers: dict[str, _Server], peers: dict[str, set[str]]) -> set[str]:
    """Senders whose calls some receiver would have logged, and whose log was read whole."""
    listening = {
        key
        for key, server in servers.items()
        if any(log.complete for log in server.facts.event_logs) and logs_9301(server.verdict)
    }
    return {key for key in servers if peers.get(key, set()) & listening}


def _refused(
    server: str, by_sender: dict[str, list[EventSummary]], covered: set[str]
) -> int | None:
    seen = sum(summary.refused for summary in by_sender.get(server.casefold(), ()))
    if seen:
        return seen
    return 0 if server.casefold() in covered else None


def _restart(
    server: _Server,
    summaries: Sequence[EventSummary],
    inventory: ConnectorInventory | None,
    added: _Additions,
) -> None:
    """A compliant multihomed sender whose other address still reaches a receiver after its
    override was written: the MTA was not restarted (the article requires it)."""
    verdict, registry = server.verdict, server.facts.registry
    if verdict.status is not Status.COMPLIANT or not verdict.multihomed or registry is None:
        return
    pinned = {o.value for o in registry.overrides if o.value}
    for summary in summaries:  # those of this sender
        if summary.cause is not Cause.RANDOM_SOURCE_ADDRESS:
            continue
        if summary.address in pinned:
            continue
        keys = _keys_towards(server, summary.receiver, inventory)
        if not keys:
            continue
        unknown = [o.connector for o in keys if o.last_written is None]
        if unknown:
            added.warning(
                verdict.server,
                f"{summary.address} appears in 9301 events at {summary.receiver} (last "
                f"{summary.last_seen}), but the last-write time of the override key "
                f"{unknown[0]!r} is not in the evidence (a .reg export keeps none): whether "
                "the MTA has picked up the override cannot be told",
            )
            continue
        written = max(datetime.fromisoformat(o.last_written or "") for o in keys)
        if datetime.fromisoformat(summary.last_seen) > written:
            added.warning(
                verdict.server,
                f"{RESTART_TEXT} ({summary.address} still appears in 9301 events at "
                f"{summary.receiver} up to {summary.last_seen}, after the override was "
                f"last written at {written.isoformat()})",
            )


def _keys_towards(
    server: _Server, receiver: str, inventory: ConnectorInventory | None
) -> list[OverrideFact]:
    """The override keys of the connectors to ``receiver``; all of them when the inventory
    does not say which connector leads there."""
    registry = server.facts.registry
    assert registry is not None
    keys = [o for o in registry.overrides if o.value]
    rdns = {
        entry.rdn.casefold()
        for entry in (inventory.of(server.verdict.server) if inventory else ())
        if entry.remote_server.casefold() == receiver.casefold()
    }
    towards = [o for o in keys if o.connector.casefold() in rdns]
    return towards or keys


class _Additions:
    """Reasons and warnings to add, per server."""

    def __init__(self) -> None:
        self.reasons: dict[str, list[str]] = defaultdict(list)
        self.warnings: dict[str, list[str]] = defaultdict(list)

    def reason(self, server: str, text: str) -> None:
        self.reasons[server.casefold()].append(text)

    def warning(self, server: str, text: str) -> None:
        self.warnings[server.casefold()].append(text)

    def apply(self, verdict: ServerVerdict, refused: int | None) -> ServerVerdict:
        key = verdict.server.casefold()
        return replace(
            verdict,
            reasons=(*verdict.reasons, *self.reasons.get(key, ())),
            warnings=(*verdict.warnings, *self.warnings.get(key, ())),
            refused_connections=refused,
        )
