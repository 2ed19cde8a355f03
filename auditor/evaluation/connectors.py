"""Judging each X.400 connector's Stack IP Address Override."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from auditor.baseline import RegistryRule
from auditor.evaluation.network import Network, is_dotted_ipv4
from auditor.facts import OverrideFact
from auditor.parsing.connectors_csv import ConnectorEntry, ConnectorInventory
from auditor.verdicts import ConnectorFinding, ConnectorResult

__all__ = ["ConnectorsOutcome", "judge_connectors"]

# The MTA's other stacks; the override is for TCP/IP only. RFC 1006 carries TP0 over TCP/IP,
# so a transport that names TCP, IP or RFC 1006 is TCP/IP whatever else it says, and only a
# clearly other stack (X.25, TP4, CLNP, RAS) is excused. An unknown spelling, a bare TP0 or
# OSI included, counts as TCP/IP, so that a typo cannot excuse a missing override.
_TCP = re.compile(r"tcp|\bip\b|rfc\s*-?\s*1006", re.IGNORECASE)
_OTHER_STACKS = re.compile(r"\b(x\.?25|tp4|clnp|clns|ras)\b", re.IGNORECASE)
_INVALID = {
    ConnectorResult.MISSING,
    ConnectorResult.WRONG_TYPE,
    ConnectorResult.MALFORMED,
    ConnectorResult.FOREIGN_ADDRESS,
}


@dataclass
class ConnectorsOutcome:
    findings: list[ConnectorFinding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    remediation: list[str] = field(default_factory=list)
    source: str = "override keys"
    """"inventory" or "override keys": where the connector list came from."""
    covered: bool = False
    """The connectors inventory says which connectors the server has (rows, or "none")."""
    unknown: bool = False
    """Multihomed, and not covered: which connectors need an override cannot be known."""

    @property
    def invalid(self) -> list[ConnectorFinding]:
        return [finding for finding in self.findings if finding.result in _INVALID]


def judge_connectors(
    server: str,
    overrides: tuple[OverrideFact, ...],
    network: Network,
    rule: RegistryRule,
    inventory: ConnectorInventory | None,
) -> ConnectorsOutcome:
    """Every connector of the server, from the inventory or, where it does not cover the
    server, from the override keys: those show the connectors that got a key, not those
    that did not, so the outcome is then not ``covered``."""
    outcome = ConnectorsOutcome()
    by_name = {fact.connector.casefold(): fact for fact in overrides}
    if inventory is None or not inventory.covers(server):
        outcome.unknown = bool(network.multihomed)
        for fact in overrides:
            outcome.findings.append(_judge(fact.connector, None, fact, network, rule, outcome))
        return outcome
    outcome.source, outcome.covered = "inventory", True
    entries = inventory.of(server)
    for entry in entries:
        keyed = by_name.pop(entry.rdn.casefold(), None)
        finding = _judge(entry.rdn, entry, keyed, network, rule, outcome)
        finding = replace(finding, peer_address=_peer_expects(server, entry, inventory))
        outcome.findings.append(finding)
        _cross_check(server, entry, finding, inventory, outcome)
    for orphan in by_name.values():
        outcome.findings.append(_orphan(orphan))
        outcome.warnings.append(
            f"override key {orphan.connector!r} matches no connector of {server} in the inventory"
        )
    return outcome


def _judge(
    name: str,
    entry: ConnectorEntry | None,
    fact: OverrideFact | None,
    network: Network,
    rule: RegistryRule,
    outcome: ConnectorsOutcome,
) -> ConnectorFinding:
    value = fact.value if fact else None
    value_type = fact.value_type if fact else None
    own = ", ".join(network.addresses)
    key = f"HKLM\\SYSTEM\\CurrentControlSet\\Services\\{rule.service}\\{rule.override_key}\\{name}"

    def finding(result: ConnectorResult, detail: str, step: str | None = None) -> ConnectorFinding:
        if step and network.multihomed:
            outcome.remediation.append(step)
        return ConnectorFinding(
            connector=name,
            obj_dist_name=entry.obj_dist_name if entry else None,
            override_value=value,
            value_type=value_type,
            result=result,
            detail=detail,
        )

    if entry is not None and _other_stack(entry.transport):
        return finding(ConnectorResult.NOT_REQUIRED, f"transport {entry.transport}: not TCP/IP")
    if network.multihomed is False:
        return finding(ConnectorResult.NOT_REQUIRED, "the server is not multihomed")
    create = f"Create the {rule.override_type} value {rule.override_value!r} under {key}"
    if value is None:
        return finding(
            ConnectorResult.MISSING,
            "no override value",
            f"{create} set to one of this server's addresses: {own}",
        )
    if value_type != rule.override_type:
        return finding(
            ConnectorResult.WRONG_TYPE,
            f"{value_type}, not {rule.override_type}",
            f"Delete the {value_type} value {rule.override_value!r} of connector {name!r} "
            f"and {create[0].lower()}{create[1:]} set to one of: {own}",
        )
    if not is_dotted_ipv4(value):
        return finding(
            ConnectorResult.MALFORMED,
            f"{value!r} is not a dotted IPv4 address",
            f"Fix the override value {value!r} of connector {name!r}: it is not an IPv4 "
            f"address; use one of this server's addresses: {own}",
        )
    if network.multihomed is None:
        return finding(
            ConnectorResult.UNKNOWN, "the server's own addresses are not in the evidence"
        )
    if value not in network.addresses:
        return finding(
            ConnectorResult.FOREIGN_ADDRESS,
            f"{value} is not an address of this server",
            f"Fix the override value {value} of connector {name!r} because it is not an address "
            f"of this server; use one of: {own}",
        )
    return finding(ConnectorResult.VALID, f"pinned to own address {value}")


def _other_stack(transport: str) -> bool:
    return not _TCP.search(transport) and _OTHER_STACKS.search(transport) is not None


def _cross_check(
    server: str,
    entry: ConnectorEntry,
    finding: ConnectorFinding,
    inventory: ConnectorInventory,
    outcome: ConnectorsOutcome,
) -> None:
    """The receiving connector on the peer must expect the address this server is pinned to."""
    if finding.result is not ConnectorResult.VALID or not entry.remote_server:
        return
    for peer in inventory.of(entry.remote_server):
        expected = peer.remote_address
        facing_us = peer.remote_server.casefold() == server.casefold()
        if facing_us and expected and expected != finding.override_value:
            outcome.warnings.append(
                f"connector {entry.rdn!r} is pinned to {finding.override_value}, but "
                f"{peer.server}'s connector {peer.rdn!r} expects {expected}: "
                f"set the receiving connector's Stack page to {finding.override_value}"
            )


def _peer_expects(server: str, entry: ConnectorEntry, inventory: ConnectorInventory) -> str | None:
    """What the receiving connector on the peer is configured to expect of this server."""
    if not entry.remote_server:
        return None
    for peer in inventory.of(entry.remote_server):
        if peer.remote_server.casefold() == server.casefold() and peer.remote_address:
            return peer.remote_address
    return None


def _orphan(fact: OverrideFact) -> ConnectorFinding:
    return ConnectorFinding(
        connector=fact.connector,
        obj_dist_name=None,
        override_value=fact.value,
        value_type=fact.value_type,
        result=ConnectorResult.NO_CONNECTOR,
        detail="no connector of this name in the inventory",
    )
