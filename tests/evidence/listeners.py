"""Loopback TCP listeners that play a port's part for the fallback tests: closed, filtered,
silent, closing, or a NetBIOS session service that records each session request and
refuses or forwards it.

The session requests are decoded here, by RFC 1001/1002 and not by the code under test.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

Handler = Callable[[socket.socket], None]
_WAIT = 5.0
"""No socket of a listener waits longer than this for anything."""


@dataclass(frozen=True)
class SessionRequest:
    called: str
    called_type: int
    calling: str
    calling_type: int


def decode_name(encoded: bytes) -> tuple[str, int]:
    """A second-level encoded NetBIOS name (RFC 1001 section 14): its name and type byte."""
    assert encoded[0] == 32, encoded[:1]
    assert encoded[33] == 0, "a scope, which nobody sends"
    raw = bytes(
        ((encoded[1 + 2 * i] - ord("A")) << 4) | (encoded[2 + 2 * i] - ord("A")) for i in range(16)
    )
    return raw[:15].decode("ascii").rstrip(" "), raw[15]


def read_exactly(conn: socket.socket, length: int) -> bytes:
    data = b""
    while len(data) < length:
        chunk = conn.recv(length - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def read_session_request(conn: socket.socket) -> tuple[bytes, SessionRequest | None]:
    """The first packet, raw, and the session request it is (None if it is none)."""
    header = read_exactly(conn, 4)
    kind, _flags, length = struct.unpack(">BBH", header)
    body = read_exactly(conn, length)
    if kind != 0x81:
        return header + body, None
    called, called_type = decode_name(body[:34])
    calling, calling_type = decode_name(body[34:68])
    return header + body, SessionRequest(called, called_type, calling, calling_type)


@dataclass
class Listener:
    """Accepts on 127.0.0.1 and runs ``handler`` on each connection, in a thread."""

    handler: Handler
    sock: socket.socket = field(default_factory=socket.socket)
    accepted: int = 0
    requests: list[SessionRequest] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    port: int = 0

    def start(self) -> Listener:
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.sock.listen()
        self.sock.settimeout(0.05)
        self._spawn(self._accept)
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=_WAIT)
        self.sock.close()

    def _spawn(self, target: Callable[..., None], *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            conn.settimeout(_WAIT)
            self._spawn(self._serve, conn)

    def _serve(self, conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            self.handler(conn)


@contextlib.contextmanager
def listening(make: Callable[[Listener], Handler]) -> Iterator[Listener]:
    """A listener whose handler may use the listener (to record what it saw)."""
    listener = Listener(lambda conn: None)
    listener.handler = make(listener)
    listener.start()
    try:
        yield listener
    finally:
        listener.stop()


def refusing(code: int) -> Callable[[Listener], Handler]:
    """A session service that refuses every called name with ``code``."""

    def make(listener: Listener) -> Handler:
        def handle(conn: socket.socket) -> None:
            _, request = read_session_request(conn)
            if request is not None:
                listener.requests.append(request)
            conn.sendall(bytes([0x83, 0, 0, 1, code]))

        return handle

    return make


def forwarding(refused: str, to_port: int) -> Callable[[Listener], Handler]:
    """A session service that refuses the called name ``refused`` ("called name not
    present") and hands any other session, its request included, to ``to_port``."""

    def make(listener: Listener) -> Handler:
        def handle(conn: socket.socket) -> None:
            raw, request = read_session_request(conn)
            if request is not None:
                listener.requests.append(request)
                if request.called == refused:
                    conn.sendall(bytes([0x83, 0, 0, 1, 0x82]))
                    return
            with socket.create_connection(("127.0.0.1", to_port), timeout=_WAIT) as server:
                server.sendall(raw)
                _pipe(conn, server)

        return handle

    return make


def _pipe(one: socket.socket, other: socket.socket) -> None:
    """Copy both ways until either side closes."""

    def copy(source: socket.socket, target: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                target.sendall(data)
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_WR)

    back = threading.Thread(target=copy, args=(other, one), daemon=True)
    back.start()
    copy(one, other)
    back.join(timeout=_WAIT)


def closing(listener: Listener) -> Handler:
    """Accepts, then closes before saying anything."""
    return lambda conn: None


def silent(listener: Listener) -> Handler:
    """Accepts, reads, and never answers."""

    def handle(conn: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while conn.recv(4096):
                pass

    return handle


@contextlib.contextmanager
def closed_port() -> Iterator[int]:
    """A port bound but not listening: a connection to it is refused (RST)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        yield probe.getsockname()[1]


@contextlib.contextmanager
def filtered_port() -> Iterator[int]:
    """A port whose connections go unanswered, as behind a firewall that drops them.

    Linux drops a SYN when the listen queue is full (tcp_abort_on_overflow is 0 by
    default): a backlog of 0 holds one connection, which this fills and never accepts.
    """
    with socket.socket() as listener, socket.socket() as filler:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        filler.connect(("127.0.0.1", port))
        yield port
