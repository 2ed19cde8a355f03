"""Hostile servers on 127.0.0.1 for the deadline tests: each plays one way a network can
hold a client for ever.

The packets are built here from the specifications (RFC 1002 for NetBIOS session packets,
MS-SMB2 section 2.2.1.2 for the asynchronous header of a STATUS_PENDING interim answer),
not by the code under test. The faults that need a real negotiation first relay it to a
Samba smbd and turn hostile at the session setup, the first message after it.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator

from tests.evidence.listeners import Handler, Listener, read_exactly, read_session_request

KEEPALIVE = b"\x85\x00\x00\x00"
STATUS_PENDING = 0x00000103
SMB2_SESSION_SETUP = 0x0001
SMB1_SESSION_SETUP_ANDX = 0x73
_FOR_EVER = 600.0
"""Longer than any test: a fault stops only when the client goes."""


def read_packet(conn: socket.socket) -> bytes:
    """One NetBIOS session packet: its 4-byte header and its body."""
    header = read_exactly(conn, 4)
    kind, flags, length = struct.unpack(">BBH", header)
    if kind == 0x00:
        length |= (flags & 0x01) << 16
    return header + read_exactly(conn, length)


def is_session_setup(packet: bytes) -> bool:
    body = packet[4:]
    if body[:4] == b"\xfeSMB":
        return bool(struct.unpack_from("<H", body, 12)[0] == SMB2_SESSION_SETUP)
    return body[:4] == b"\xffSMB" and body[4] == SMB1_SESSION_SETUP_ANDX


def pending_answer(request: bytes) -> bytes:
    """An interim STATUS_PENDING answer to an SMB2 request (MS-SMB2 2.2.1.2, 2.2.2)."""
    body = request[4:]
    command, message_id = struct.unpack_from("<H", body, 12)[0], body[24:32]
    flags = 0x00000001 | 0x00000002  # SERVER_TO_REDIR | ASYNC_COMMAND
    header = (
        b"\xfeSMB"
        + struct.pack("<HHIHHII", 64, 0, STATUS_PENDING, command, 1, flags, 0)
        + message_id
        + struct.pack("<Q", 0x1234)  # AsyncId
        + body[40:48]  # SessionId
        + bytes(16)  # Signature
    )
    error = struct.pack("<HBBI", 9, 0, 0, 0) + b"\0"
    packet = header + error
    return struct.pack(">BBH", 0, 0, len(packet)) + packet


Fault = Callable[[socket.socket, bytes], None]
"""What to do with the client once it sends its session setup (given that packet)."""


def pending_for_ever(client: socket.socket, setup: bytes) -> None:
    end = time.monotonic() + _FOR_EVER
    while time.monotonic() < end:
        client.sendall(pending_answer(setup))
        time.sleep(0.2)


def keepalives_for_ever(client: socket.socket, _setup: bytes) -> None:
    end = time.monotonic() + _FOR_EVER
    while time.monotonic() < end:
        client.sendall(KEEPALIVE)
        time.sleep(0.1)


def drip_for_ever(client: socket.socket, _setup: bytes) -> None:
    """A session message of 60,000 bytes announced, then one byte a second."""
    client.sendall(struct.pack(">BBH", 0, 0, 60000))
    end = time.monotonic() + _FOR_EVER
    while time.monotonic() < end:
        client.sendall(b"\0")
        time.sleep(1.0)


def stall(client: socket.socket, _setup: bytes) -> None:
    """Answers the negotiation, then nothing."""
    with contextlib.suppress(OSError):
        client.settimeout(_FOR_EVER)
        while client.recv(4096):
            pass


def after_negotiation(smbd_port: int, fault: Fault) -> Callable[[Listener], Handler]:
    """Relay the negotiation to a real smbd, then play ``fault`` at the session setup."""

    def make(_listener: Listener) -> Handler:
        def handle(client: socket.socket) -> None:
            client.settimeout(_FOR_EVER)
            with socket.create_connection(("127.0.0.1", smbd_port), timeout=10) as smbd:
                while True:
                    packet = read_packet(client)
                    if is_session_setup(packet):
                        fault(client, packet)
                        return
                    smbd.sendall(packet)
                    client.sendall(read_packet(smbd))

        return handle

    return make


def session_keepalives(_listener: Listener) -> Handler:
    """A NetBIOS session service that answers the session request with keep-alives only."""

    def handle(client: socket.socket) -> None:
        client.settimeout(_FOR_EVER)
        read_session_request(client)
        keepalives_for_ever(client, b"")

    return handle


def tarpit(_listener: Listener) -> Handler:
    """Accepts, reads, and never answers."""

    def handle(client: socket.socket) -> None:
        client.settimeout(_FOR_EVER)
        while client.recv(4096):
            pass

    return handle


@contextlib.contextmanager
def silent_dns() -> Iterator[Callable[[str], str]]:
    """A resolver that asks nobody and never answers: the in-process seam's silent DNS."""
    never = threading.Event()

    def lookup(_host: str) -> str:
        never.wait(_FOR_EVER)
        raise socket.gaierror(socket.EAI_AGAIN, "no answer")

    try:
        yield lookup
    finally:
        never.set()
