"""The NetBIOS session service (RFC 1002 section 4.3): the session request NT4 wants first.

Windows NT 4.0 has no SMB on TCP 445. On TCP 139 a client first asks for a session with
the server's NetBIOS name, the *called name*; the server grants it (0x82), refuses it
(0x83 and a reason byte) or names another address (0x84). A server refuses a called name
it does not own with reason 0x82, "called name not present"; the name is then tried once
more as the wildcard ``*SMBSERVER``, which Windows clients send when they know no name.
"""

from __future__ import annotations

import ipaddress
import socket
import struct
import time

__all__ = [
    "NETBIOS_PORT",
    "WILDCARD",
    "SessionRefused",
    "called_names",
    "encode_name",
    "netbios_name",
    "request_session",
    "session_request",
]

NETBIOS_PORT = 139
WILDCARD = "*SMBSERVER"
_NAME_BYTES = 15
"""A NetBIOS name is 15 bytes, space-padded, then one byte of service type."""
_SERVER, _WORKSTATION = 0x20, 0x00
_REQUEST, _POSITIVE, _NEGATIVE, _RETARGET, _KEEPALIVE = 0x81, 0x82, 0x83, 0x84, 0x85
_REASONS = {
    0x80: "not listening on the called name",
    0x81: "not listening for the calling name",
    0x82: "called name not present",
    0x83: "called name present, but insufficient resources",
    0x8F: "unspecified error",
}
_NAME_REFUSALS = frozenset({0x80, 0x82})
"""Refusals of the called name itself; only these are worth a try as ``*SMBSERVER``."""


class SessionRefused(Exception):
    """A negative or retargeting answer to the session request, in words for a report."""

    def __init__(self, called: str, reason: str, code: int | None = None) -> None:
        super().__init__(f"the NetBIOS session service refused {called}: {reason}")
        self.called = called
        self.reason = reason
        self.code = code

    @property
    def name_refused(self) -> bool:
        """The server does not answer to this name (another name may do)."""
        return self.code in _NAME_REFUSALS


def netbios_name(server: str) -> str | None:
    """The NetBIOS name a server's name stands for, or None when it has none to offer.

    NetBIOS names are upper case and at most 15 bytes. A DNS name's first label is the
    host's own name; an IP address, or a name outside ASCII, offers nothing better than
    the wildcard.
    """
    name = server.strip()
    try:
        ipaddress.ip_address(name)
    except ValueError:
        pass
    else:
        return None
    name = name.split(".", 1)[0].upper()[:_NAME_BYTES]
    if not name or not name.isascii() or not name.isprintable():
        return None
    return name


def called_names(server: str) -> tuple[str, ...]:
    """The called names to try, in order: the server's NetBIOS name, then the wildcard."""
    name = netbios_name(server)
    return (name, WILDCARD) if name and name != WILDCARD else (WILDCARD,)


def encode_name(name: str, service: int) -> bytes:
    """RFC 1001 section 14.1: each nibble of the padded name as a letter from 'A', with
    its length in front and the empty scope after it."""
    raw = name.encode("ascii").ljust(_NAME_BYTES, b" ")[:_NAME_BYTES] + bytes([service])
    letters = bytes(ord("A") + half for byte in raw for half in (byte >> 4, byte & 0x0F))
    return bytes([len(letters)]) + letters + b"\0"


def session_request(called: str, calling: str) -> bytes:
    """The session request packet: the called name as a server, the calling one as a
    workstation."""
    names = encode_name(called, _SERVER) + encode_name(calling, _WORKSTATION)
    return struct.pack(">BBH", _REQUEST, 0, len(names)) + names


def calling_name() -> str:
    """This machine's NetBIOS name, as the server's session list will show it."""
    return netbios_name(socket.gethostname()) or "FIXLEVEL"


def request_session(sock: socket.socket, called: str, timeout: float) -> None:
    """Ask for a session with ``called``; return once granted, else raise SessionRefused.

    A server that closes the connection raises ConnectionResetError, one that has not
    answered in ``timeout`` seconds TimeoutError: the whole exchange is bounded, not each
    wait, so keep-alives (0x85) or a byte at a time do not hold it past ``timeout``.
    """
    ends = time.monotonic() + timeout
    sock.settimeout(timeout)
    sock.sendall(session_request(called, calling_name()))
    while True:
        kind, flags, length = struct.unpack(">BBH", _read(sock, 4, ends))
        body = _read(sock, ((flags & 1) << 16) | length, ends)
        if kind == _POSITIVE:
            return
        if kind == _NEGATIVE:
            code = body[0] if body else 0x8F
            reason = _REASONS.get(code, "unknown reason")
            raise SessionRefused(called, f"{reason} ({code:#04x})", code)
        if kind == _RETARGET and len(body) >= 6:
            where = f"{socket.inet_ntoa(body[:4])}:{struct.unpack('>H', body[4:6])[0]}"
            raise SessionRefused(called, f"it points to {where} instead; not followed")
        if kind != _KEEPALIVE:
            raise SessionRefused(called, f"an answer of type {kind:#04x}, not a session answer")


def _read(sock: socket.socket, length: int, ends: float) -> bytes:
    data = b""
    while len(data) < length:
        left = ends - time.monotonic()
        if left <= 0:
            raise TimeoutError("no session answer in time")
        sock.settimeout(left)
        chunk = sock.recv(length - len(data))
        if not chunk:
            raise ConnectionResetError("the server closed the connection")
        data += chunk
    return data
