"""One live server's SMB connection, under the deadline of that server.

It reaches the server (port 445, else the NetBIOS session service on 139), logs on,
confirms a server that answered the wildcard name is the one asked for, and reads the
MTA's registry keys (``\\winreg``) and the Application log (``\\eventlog``) over named
pipes. Every network wait is bounded by what is left of the server's ``Deadline``; every
failure is a ``SmbFailure`` in words fit for a report. ``SmbSource`` (``smb``) builds the
evidence layout on it.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import Any

from impacket.dcerpc.v5 import even, rrp, transport

from auditor.evidence.credentials import DEFAULT_TIMEOUT, Credentials
from auditor.evidence.deadline import Deadline, DeadlineExpired, Lookup
from auditor.evidence.eventlog_rpc import read_application_log
from auditor.evidence.failures import describe_failure
from auditor.evidence.netbios import NETBIOS_PORT, WILDCARD, netbios_name
from auditor.evidence.regexport import RawKey
from auditor.evidence.rrp import RegistryReader, read_mta_keys
from auditor.evidence.share_path import SYSTEM_ROOT, image_path_of
from auditor.evidence.smb_stats import SmbStats, count_traffic
from auditor.evidence.smb_transport import DIRECT_PORT, Connected, Unreachable, reach, routes

__all__ = ["SmbFailure", "SmbSession", "location_of"]

_SYSTEM_ROOT_KEY = "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion"


class SmbFailure(Exception):
    """A failure already described in words fit for a report."""


class SmbSession:
    """One server's connection: ``_connect`` reaches it and logs on; ``_tick`` bounds each
    wait by what is left of ``timeout``; the registry and the log are read over its pipes."""

    def __init__(
        self,
        server: str,
        host: str,
        port: int | None,
        credentials: Credentials,
        *,
        service: str,
        override_key: str,
        override_value: str,
        timeout: float = DEFAULT_TIMEOUT,
        clock: Callable[[], float] = time.monotonic,
        direct_port: int = DIRECT_PORT,
        netbios_port: int = NETBIOS_PORT,
        lookup: Lookup | None = None,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.server = server
        self.host = host
        self.port = port
        self.routes = routes(port, direct_port, netbios_port)
        self.location = location_of(host, port)
        self.notes: tuple[str, ...] = ()
        self.stats = SmbStats()
        self._credentials = credentials
        self._service = service
        self._override_key = override_key
        self._override_value = override_value
        self._timeout = timeout
        self._clock = clock
        self._lookup = lookup
        self._started: float | None = None
        self._deadline: Deadline | None = None
        self._conn: Any = None
        self._connected: Connected | None = None
        self._wall_clock = wall_clock

    # --- connection --------------------------------------------------------------------

    def _connect(self) -> None:
        """Connect and log on; raise SmbFailure saying which of the two failed, and why."""
        deadline = self._deadline or Deadline(self._timeout, self._clock)
        try:
            connected, tried = reach(
                self.host, self.server, self.routes, deadline, self._reason, self._lookup
            )
        except Unreachable as failure:
            raise SmbFailure(f"cannot connect: {failure}") from None
        finally:
            self._lap()
        self._connected, self._conn = connected, connected.smb
        self.location = location_of(self.host, connected.route.port)
        self.notes = tuple(self._notes(connected, tried))
        count_traffic(self._conn, self.stats)
        dialect = self._conn.getDialect()
        self.stats.dialect = dialect if isinstance(dialect, str) else f"{dialect:#x}"
        credentials = self._credentials
        deadline.doing("logon")
        try:
            self._tick()
            self._conn.login(credentials.user, credentials.password, credentials.domain)
        except SmbFailure as failure:
            raise SmbFailure(f"cannot log on as {credentials}: {failure}") from None
        except Exception as error:
            raise SmbFailure(f"cannot log on as {credentials}: {self._reason(error)}") from None
        finally:
            self._lap()
        self._confirm_identity(connected)

    def _confirm_identity(self, connected: Connected) -> None:
        """A server that refused our server's name and answered the wildcard may be another
        machine at that address: read it only when it names itself as the row's server."""
        expected = netbios_name(self.server)
        if connected.called != WILDCARD or not connected.refused or expected is None:
            return
        answered = str(self._conn.getServerName() or "").strip()
        if answered.casefold() != expected.casefold():
            said = f"names itself {answered!r}" if answered else "does not name itself"
            raise SmbFailure(
                f"the server at {self.host} refused the NetBIOS name {expected} and {said}: "
                f"it may not be {self.server}; not read"
            )

    def _notes(self, connected: Connected, tried: tuple[str, ...]) -> list[str]:
        """How the server was reached, where it was not the plain way."""
        after = "; ".join(tried)
        notes = [f"{self.location}: connected on {connected.route} after {after}"] if tried else []
        return notes + [
            f"{self.location}: the NetBIOS session service refused the called name {refused}; "
            f"connected as {connected.called}"
            for refused in connected.refused
        ]

    def _left(self) -> float:
        """Seconds left of this server's budget, zero or less when none are."""
        return self._deadline.left() if self._deadline is not None else self._timeout

    def _remaining(self) -> float:
        """Seconds left of this server's budget; raise SmbFailure when none are."""
        if self._deadline is None:
            return self._timeout
        try:
            return self._deadline.check()
        except DeadlineExpired as expired:
            raise SmbFailure(str(expired)) from None

    def _tick(self) -> None:
        """Bound the next network wait by what is left of the budget."""
        self._conn.setTimeout(self._remaining())

    def _lap(self) -> None:
        if self._started is not None:
            self.stats.seconds = self._clock() - self._started

    def _reason(self, error: BaseException) -> str:
        """Past the deadline the library's error is only its echo (a closed socket): the
        reason is the timeout, and the step it cut short."""
        if self._deadline is not None and self._deadline.expired:
            return self._deadline.reason()
        return describe_failure(error)

    # --- registry ----------------------------------------------------------------------

    @contextlib.contextmanager
    def _rpc(self, pipe_name: str, interface: bytes, step: str) -> Iterator[Any]:
        """A DCE/RPC binding over a named pipe of this session, under the deadline: a
        failure in our own words, the pipe closed and the lap timed whatever happens."""
        dce: Any = None
        if self._deadline is not None:
            self._deadline.doing(step)
        try:
            self._tick()
            port = self._connected.route.port if self._connected else DIRECT_PORT
            pipe = transport.SMBTransport(self.host, port, pipe_name, smb_connection=self._conn)
            dce = pipe.get_dce_rpc()
            dce.connect()
            dce.bind(interface)
            yield dce
        except SmbFailure:
            raise
        except Exception as error:
            raise SmbFailure(self._reason(error)) from None
        finally:
            if dce is not None:
                with contextlib.suppress(Exception):  # the pipe may have failed already
                    dce.disconnect()
            self._lap()

    def _read_registry(self) -> tuple[list[RawKey], str | None]:
        """The MTA's keys, and the SystemRoot its ImagePath may need."""
        with self._rpc(r"\winreg", rrp.MSRPC_UUID_RRP, "reading the registry") as dce:
            reader = RegistryReader(dce, before_call=self._tick, now=self._wall_clock)
            keys = read_mta_keys(reader, self._service, self._override_key, self._override_value)
            system_root = None
            if SYSTEM_ROOT.search(image_path_of(keys, self._service) or ""):
                system_root = reader.string(_SYSTEM_ROOT_KEY, "SystemRoot")
            self.stats.registry_keys = reader.keys_read
            return keys, system_root

    def _read_events(self, days: int) -> bytes:
        """The Application log of the last ``days`` days, as a .evt file."""
        with self._rpc(r"\eventlog", even.MSRPC_UUID_EVEN, "reading the Application log") as dce:
            since = int(self._wall_clock()) - days * 86_400
            return read_application_log(dce, since=since, before_call=self._tick).data


def location_of(host: str, port: int | None) -> str:
    return f"smb://{host}" + (f":{port}" if port not in (None, DIRECT_PORT) else "")
