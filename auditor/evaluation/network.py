"""Which addresses are a server's own, and whether it is multihomed."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from auditor.facts import RegistryFacts

__all__ = ["Network", "is_dotted_ipv4", "network_of"]

_DOTTED = re.compile(r"(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}")


def is_dotted_ipv4(text: str) -> bool:
    """Four decimal octets, no spaces, no leading zeros (which Windows would read as octal)."""
    return _DOTTED.fullmatch(text) is not None


SERVICE_DISABLED = 4
"""A service's Start value when it is disabled."""


@dataclass(frozen=True)
class Network:
    addresses: tuple[str, ...]
    """Distinct configured IPv4 addresses that count, in evidence order."""
    multihomed: bool | None
    """More than one address, or a RAS server with one; None when the evidence holds no
    address at all, so it cannot tell."""
    warnings: tuple[str, ...]
    remote_access: bool = False
    """The RemoteAccess service (RAS, RRAS) is installed and not disabled."""

    def describe(self) -> str:
        """Why the server needs the override, for its reasons."""
        own = ", ".join(self.addresses)
        if self.remote_access and len(self.addresses) == 1:
            return f"RAS server: in effect dual-homed, Q255991 ({own} and the WAN adapter's)"
        if self.remote_access:
            return f"multihomed ({own}), and a RAS server"
        return f"multihomed ({own})"


def network_of(registry: RegistryFacts | None) -> Network:
    """A server is multihomed with more than one distinct address; 0.0.0.0 and 127/8 don't count.

    A RAS or RRAS server (the RemoteAccess service installed and not disabled) gives its WAN
    adapter an address of its own when a call is up, so the MTA may pick it: with one LAN
    address it is in effect dual-homed (Q255991, Q256844).
    """
    if registry is None:
        return Network((), None, ())
    addresses: list[str] = []
    warnings: list[str] = []
    for adapter in registry.adapters:
        configured = list(adapter.addresses)
        if adapter.dhcp and adapter.dhcp_address:
            configured.append(adapter.dhcp_address)
        if adapter.bound is False:
            if any(_counts(address) for address in configured):
                warnings.append(
                    f"adapter {adapter.name} is not bound to TCP/IP (Tcpip\\Linkage\\Bind); "
                    f"its addresses {', '.join(configured)} are not counted"
                )
            continue
        for address in configured:
            if _counts(address) and address not in addresses:
                addresses.append(address)
            elif not is_dotted_ipv4(address):
                warnings.append(f"adapter {adapter.name} has a malformed address {address!r}")
    start = registry.remote_access_start
    remote_access = start is not None and start != SERVICE_DISABLED
    multihomed = (len(addresses) > 1 or remote_access) if addresses else None
    return Network(tuple(addresses), multihomed, tuple(warnings), remote_access)


def _counts(address: str) -> bool:
    if not is_dotted_ipv4(address):
        return False
    parsed = ipaddress.IPv4Address(address)
    return not (parsed.is_unspecified or parsed.is_loopback)
