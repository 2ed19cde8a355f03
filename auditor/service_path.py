"""The services the audit reads, and the binary a service's ImagePath names.

Live collection reads these services by name and follows the ImagePath to the admin share;
parsing reads the same services from exports and hives, and evaluation follows the ImagePath
to the copy of a file that counts. Both sides must agree, so this lives below both.
"""

from __future__ import annotations

import re

__all__ = [
    "CLUSTER_SERVICE",
    "COMPONENT_SERVICES",
    "DRIVE",
    "REMOTE_ACCESS_SERVICE",
    "binary_of",
]

CLUSTER_SERVICE = "ClusSvc"
"""A cluster node's service: the override needs the cluster workaround (Q169113)."""
REMOTE_ACCESS_SERVICE = "RemoteAccess"
"""RAS (NT4) and Routing and Remote Access (Windows 2000): a server running it is in
effect dual-homed (Q255991, Q256844)."""
COMPONENT_SERVICES = (
    "MSExchangeIS",
    "MSExchangeDS",
    "MSExchangeIMC",
    "MSExchangeCCMC",
    "MSExchangeSA",
    "MSExchangeES",
    "MSExchangeKMS",
)
"""Exchange components other than the MTA whose service key alone may show a catalogue
article's component not installed. Live collection lists the MTA folder only, so their
files are never in live evidence, and it reads Services by name: it asks for each of
these, and evaluation says "not installed" of no other."""

DRIVE = re.compile(r"[A-Za-z]:")
"""A drive component, ``C:``."""
_EXE_END = re.compile(r"\.exe(?=\s|$)", re.IGNORECASE)


def binary_of(image_path: str) -> str:
    """The binary's path: quotes, arguments and a leading ``\\??\\`` taken off."""
    text = image_path.strip().removeprefix("\\??\\")
    if text.startswith('"'):
        return text[1:].split('"', 1)[0]
    end = _EXE_END.search(text)
    if end:
        return text[: end.end()]
    return text.split()[0] if text.split() else ""
