"""Reaching a server's SMB: direct hosting on TCP 445, or the NetBIOS session service on 139.

Windows 2000 and later answer on 445; NT4 only on 139, after a session request. With no
port in the inventory a source tries 445 and then 139, as Windows clients do. It moves on
only when nothing answers SMB on 445 (the connection refused, not answered, or closed
before the protocol negotiation): a server that answered and then refused the logon would
refuse it on 139 too.

impacket sends a session request only to port 139 itself, and resolves ``*SMBSERVER``
with a NetBIOS name query on UDP 137 that no deadline bounds. So the name is looked up,
the socket connected and the session requested here, each under the server's deadline,
whose watchdog guards the socket; impacket negotiates SMB over it.
"""

from __future__ import annotations

import errno
import os
import select
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from impacket import nmb, smb
from impacket.smbconnection import SMBConnection

from auditor.evidence.deadline import Deadline, DeadlineExpired, Lookup
from auditor.evidence.netbios import NETBIOS_PORT, SessionRefused, called_names, request_session

__all__ = [
    "DIRECT_PORT",
    "FIRST_CONNECT_LIMIT",
    "Connected",
    "Route",
    "Unanswered",
    "Unreachable",
    "connect",
    "reach",
    "routes",
]

DIRECT_PORT = 445
FIRST_CONNECT_LIMIT = 10.0
"""Seconds the connection to 445 may take while 139 is still to try (and at most half of
what is left): a port that let three SYNs go unanswered (Linux sends them at 0, 1 and 3 s,
the fourth at 7 s) is filtered, and 139 deserves the rest of the time."""
# What impacket offers: on the NetBIOS session service, no "SMB 2.???" wildcard dialect.
_NETBIOS_DIALECTS = "\x02NT LM 0.12\x00\x02SMB 2.002\x00"
_LOST = (ConnectionResetError, ConnectionAbortedError, BrokenPipeError)
_TURN = 0.1
"""Seconds between two looks at the deadline while a TCP connection is under way: a
shutdown does not end a connect, so the deadline is looked at instead."""


@dataclass(frozen=True)
class Route:
    """One way to a server's SMB."""

    port: int
    netbios: bool
    """Through the NetBIOS session service: a session request before SMB."""

    def __str__(self) -> str:
        return f"port {self.port}" + (" (NetBIOS session service)" if self.netbios else "")


def routes(
    port: int | None, direct_port: int = DIRECT_PORT, netbios_port: int = NETBIOS_PORT
) -> tuple[Route, ...]:
    """The ways to try, in order: the inventory's port alone when it gives one."""
    if port is None:
        return (Route(direct_port, netbios=False), Route(netbios_port, netbios=True))
    return (Route(port, netbios=port == netbios_port),)


class Unanswered(Exception):
    """Nothing answers SMB on this port; another port may."""


class Unreachable(Exception):
    """A failure that another port would not mend."""


@dataclass(frozen=True)
class Connected:
    """An SMB connection, negotiated and not yet logged on."""

    smb: Any
    """impacket's SMBConnection."""
    route: Route
    called: str | None
    """The NetBIOS name the session service granted; None on direct hosting."""
    refused: tuple[str, ...]
    """The called names refused before it, each with the server's reason."""


def reach(
    host: str,
    server: str,
    plan: tuple[Route, ...],
    deadline: Deadline,
    describe: Callable[[BaseException], str],
    lookup: Lookup | None = None,
) -> tuple[Connected, tuple[str, ...]]:
    """SMB negotiated by the first route of ``plan`` that answers, and what each route
    before it said ("445: connection refused"). Raise Unreachable saying what every route
    tried said; with one route, without its port. ``lookup`` stands in for the resolver."""
    try:
        address = deadline.resolve(host, lookup) if lookup else deadline.resolve(host)
    except DeadlineExpired as expired:
        raise Unreachable(str(expired)) from None
    except OSError as error:
        raise Unreachable(describe(error)) from None
    tried: list[str] = []
    for number, route in enumerate(plan):
        more = number + 1 < len(plan)
        try:
            limit = min(FIRST_CONNECT_LIMIT, _left(deadline) / 2) if more else None
            return connect(host, address, server, route, deadline, describe, limit), tuple(tried)
        except (Unanswered, Unreachable) as failure:
            tried.append(f"{route.port}: {failure}" if len(plan) > 1 else str(failure))
            if not more or isinstance(failure, Unreachable) or deadline.expired:
                raise Unreachable("; ".join(tried)) from None
    raise AssertionError("a plan has a route")


def connect(
    host: str,
    address: str,
    server: str,
    route: Route,
    deadline: Deadline,
    describe: Callable[[BaseException], str],
    connect_limit: float | None = None,
) -> Connected:
    """Connect to ``host`` at ``address`` by ``route`` and negotiate SMB.

    ``server`` gives the NetBIOS called name; ``deadline`` bounds every wait, and its
    watchdog guards the socket; ``connect_limit`` bounds the TCP connection alone.
    Raise Unanswered or Unreachable, in words ``describe`` gives.
    """
    refused: list[tuple[str, str]] = []
    names: tuple[str | None, ...] = called_names(server) if route.netbios else (None,)
    for called in names:
        deadline.doing(f"connection to port {route.port}")
        sock = _tcp_connect(address, route.port, deadline, connect_limit, describe)
        try:
            deadline.guard(sock)
            if called is not None:
                deadline.doing("NetBIOS session request")
                _request(sock, called, _left(deadline), describe)
            deadline.doing("SMB negotiation")
            conn = _negotiate(host, route, sock, _left(deadline), describe)
        except SessionRefused as refusal:
            sock.close()
            refused.append((refusal.called, refusal.reason))
            if refusal.name_refused and called != names[-1]:
                continue
            said = ", then ".join(f"{name}: {reason}" for name, reason in refused)
            raise Unreachable(f"the NetBIOS session service refused {said}") from None
        except BaseException:
            sock.close()
            raise
        return Connected(conn, route, called, tuple(f"{n}: {r}" for n, r in refused))
    raise AssertionError("called_names is never empty")


def _left(deadline: Deadline) -> float:
    try:
        return deadline.check()
    except DeadlineExpired as expired:
        raise Unreachable(str(expired)) from None


def _tcp_connect(
    address: str,
    port: int,
    deadline: Deadline,
    connect_limit: float | None,
    describe: Callable[[BaseException], str],
) -> socket.socket:
    """A TCP connection, made in short turns so that the watchdog and Ctrl-C end it too."""
    limit = _left(deadline) if connect_limit is None else min(_left(deadline), connect_limit)
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setblocking(False)
        code = sock.connect_ex((address, port))
        waited = 0.0
        while code in (errno.EINPROGRESS, errno.EALREADY, errno.EWOULDBLOCK):
            turn = min(_TURN, _left(deadline), limit - waited)
            if turn <= 0:
                raise Unanswered(describe(TimeoutError()))
            _, ready, _ = select.select([], [sock], [], turn)
            waited += turn
            if ready:
                code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if code:
            error = OSError(code, os.strerror(code))
            if code == errno.ECONNREFUSED:
                error = ConnectionRefusedError(code, os.strerror(code))
            raise error
        sock.setblocking(True)
        return sock
    except (Unanswered, Unreachable):
        sock.close()
        raise
    except ConnectionRefusedError as error:
        sock.close()
        raise Unanswered(describe(error)) from None
    except OSError as error:
        sock.close()
        raise Unreachable(describe(error)) from None


def _request(
    sock: socket.socket, called: str, timeout: float, describe: Callable[[BaseException], str]
) -> None:
    try:
        request_session(sock, called, timeout)
    except _LOST as error:
        raise Unanswered(describe(error)) from None
    except OSError as error:
        raise Unreachable(describe(error)) from None


def _negotiate(
    host: str,
    route: Route,
    sock: socket.socket,
    timeout: float,
    describe: Callable[[BaseException], str],
) -> _Negotiated:
    try:
        return _Negotiated(host, route, sock, timeout)
    except Exception as error:
        if _lost(error):
            raise Unanswered(describe(error)) from None
        raise Unreachable(describe(error)) from None


def _lost(error: BaseException) -> bool:
    """The connection went before the negotiation's answer came."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, _LOST):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class _Negotiated(SMBConnection):  # type: ignore[misc]  # impacket is untyped
    """impacket's SMBConnection, negotiated over a socket already connected (and, on the
    NetBIOS session service, already granted a session)."""

    def __init__(self, host: str, route: Route, sock: socket.socket, timeout: float) -> None:
        self._socket = sock
        # The inventory's host as the remote name, which impacket puts in tree paths
        # (\\exch01\C$); never "*SMBSERVER", which impacket would look up on UDP 137.
        super().__init__(host, host, sess_port=route.port, timeout=timeout,
                         manualNegotiate=True)  # fmt: skip
        if route.netbios:
            self.negotiateSession(negoData=_NETBIOS_DIALECTS)
        else:
            self.negotiateSession()

    def negotiateSessionWildcard(  # impacket's name and arguments
        self,
        myName: str | None,
        remoteName: str,
        remoteHost: str,
        sess_port: int,
        timeout: float,
        extended_security: bool = True,
        flags1: int = 0,
        flags2: int = 0,
        data: str | None = None,
    ) -> bytes:
        """One negotiate request over the socket; the answer's SMB message."""
        # Told port 445, the session sends no session request of its own.
        session = nmb.NetBIOSTCPSession(
            "", remoteName, remoteHost, nmb.TYPE_SERVER, nmb.SMB_SESSION_PORT, timeout,
            sock=self._socket,
        )  # fmt: skip
        self._nmbSession = session
        packet = smb.NewSMBPacket()
        packet["Flags1"] = flags1
        packet["Flags2"] = flags2 | smb.SMB.FLAGS2_UNICODE
        if extended_security:
            packet["Flags2"] |= smb.SMB.FLAGS2_EXTENDED_SECURITY
        command = smb.SMBCommand(smb.SMB.SMB_COM_NEGOTIATE)
        command["Data"] = data
        packet.addCommand(command)
        session.send_packet(packet.getData())
        try:
            answer: bytes = session.recv_packet(timeout).get_trailer()
        except nmb.NetBIOSError as error:  # impacket's word for a closed connection
            raise ConnectionResetError("closed before the negotiation's answer") from error
        return answer
