"""The network address of a 9301: hex digits, eight for an IPv4 address, more for a name.

"91F5C11B" is 145.245.193.27, one byte per pair; "52656d6f74654d5441" is "RemoteMTA", a
Stack page that names a host (DESIGN.md section 1b).
"""

from __future__ import annotations

import re

__all__ = ["DecodedAddress", "decode_address", "stack_server"]

_HEX = re.compile(r"(?:[0-9A-Fa-f]{2})+")
_SERVER_IN_DN = re.compile(r"/cn=Servers/cn=([^/]+)", re.IGNORECASE)


class DecodedAddress:
    """An address as the report shows it."""

    __slots__ = ("is_name", "text")

    def __init__(self, text: str, is_name: bool) -> None:
        self.text = text
        self.is_name = is_name

    def __repr__(self) -> str:
        return f"DecodedAddress({self.text!r}, is_name={self.is_name})"


def decode_address(logged: str) -> DecodedAddress:
    """Decode the logged address; text that is not hex is kept as a name, as logged."""
    text = logged.strip()
    if not _HEX.fullmatch(text):
        return DecodedAddress(text, is_name=True)
    raw = bytes.fromhex(text)
    if len(raw) == 4:
        return DecodedAddress(".".join(str(byte) for byte in raw), is_name=False)
    name = raw.rstrip(b"\0")
    if name and all(0x20 < byte < 0x7F for byte in name):
        return DecodedAddress(name.decode("ascii"), is_name=True)
    # Not a host name in ASCII: shown as logged rather than guessed at.
    return DecodedAddress(text, is_name=True)


def stack_server(dn: str) -> str:
    """The server of ``/o=ORG/ou=SITE/cn=Configuration/cn=Servers/cn=SERVER/cn=TCP (MTA)``."""
    found = _SERVER_IN_DN.search(dn)
    return found.group(1) if found else ""
