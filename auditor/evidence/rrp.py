"""The registry values the MTA verdict needs, read over MS-RRP (the ``\\winreg`` pipe).

Only the values the registry facts use are read, each by name, never a whole key or hive:
every request is a round trip, and a live MTA's Parameters key alone holds dozens of
tuning values. Read: the MTA service's ImagePath, the override value and the last-write
time of each connector subkey (BaseRegQueryInfoKey, one request per key), the presence of
the Exchange components' service keys and of the cluster service, the RemoteAccess
service's Start, and the addresses of the adapters TCP/IP is bound to (NT4) and of the
interfaces (Windows 2000). Names come back NUL-terminated, and an enumeration ends with
ERROR_NO_MORE_ITEMS.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

from impacket.dcerpc.v5 import rrp
from impacket.dcerpc.v5.rpcrt import DCERPCException

from auditor.evidence.regexport import RawKey, RawValue
from auditor.service_path import CLUSTER_SERVICE, COMPONENT_SERVICES, REMOTE_ACCESS_SERVICE

__all__ = [
    "CLUSTER_SERVICE",
    "MAX_KEYS",
    "REMOTE_ACCESS_SERVICE",
    "RegistryReader",
    "filetime_text",
    "read_mta_keys",
]

MAX_KEYS = 2000
"""More keys than the MTA's connectors and a server's adapters need; past it reading stops."""

_HKLM = "HKEY_LOCAL_MACHINE"
_SERVICES = "SYSTEM\\CurrentControlSet\\Services"
_ERROR_FILE_NOT_FOUND = 2
_ERROR_MORE_DATA = 0xEA
_ERROR_NO_MORE_ITEMS = 0x103
_REG_MULTI_SZ = 7
_ADDRESS_VALUES = ("IPAddress", "EnableDHCP", "DhcpIPAddress")
_FIRST_GUESS = 512
"""Bytes asked for at first; a larger value costs one more round trip."""
_FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)
_EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
"""Before any Exchange MTA: a key "written" earlier is a clock or a server that says nothing."""
_SKEW = timedelta(days=1)


class RegistryReader:
    """Keys below HKLM over one bound ``\\winreg`` DCE/RPC connection."""

    def __init__(
        self,
        dce: object,
        before_call: Callable[[], None] = lambda: None,
        now: Callable[[], float] = time.time,
    ) -> None:
        """``before_call`` runs before every request: a deadline check, say. ``now`` is the
        wall clock a key's last-write time must not be a day past."""
        self._dce = dce
        self._before_call = before_call
        self._now = now
        self._no_times = False
        before_call()
        self._root = rrp.hOpenLocalMachine(dce, samDesired=rrp.KEY_READ)["phKey"]
        self.keys_read = 0

    def open(self, path: str) -> object | None:
        """The key's handle, or None when there is no such key.

        Handles are not closed one by one: a close is a round trip (two, on the pipe) and
        the server frees every handle of the connection when the pipe closes, moments later.
        """
        self._before_call()
        try:
            handle = rrp.hBaseRegOpenKey(self._dce, self._root, path, samDesired=rrp.KEY_READ)
        except rrp.DCERPCSessionError as error:
            if error.get_error_code() == _ERROR_FILE_NOT_FOUND:
                return None
            raise
        self.keys_read += 1
        key: object = handle["phkResult"]
        return key

    def query(self, handle: object, name: str) -> RawValue | None:
        """One value as stored (impacket's helper decodes, and fails on odd-sized strings)."""
        request = rrp.BaseRegQueryValue()
        request["hKey"] = handle
        request["lpValueName"] = rrp.checkNullString(name)
        size = _FIRST_GUESS
        for _ in range(3):  # a value may grow between the two calls, rarely twice
            request["lpData"] = b" " * size
            request["lpcbData"] = size
            request["lpcbLen"] = size
            self._before_call()
            try:
                answer = self._dce.request(request)  # type: ignore[attr-defined]
            except rrp.DCERPCSessionError as error:
                if error.get_error_code() == _ERROR_FILE_NOT_FOUND:
                    return None
                if error.get_error_code() != _ERROR_MORE_DATA:
                    raise
                size = error.get_packet()["lpcbData"]
                continue
            data = b"".join(answer["lpData"])[: answer["lpcbData"]]
            return RawValue(name, answer["lpType"], data)
        raise OverflowError(f"value {name!r} kept growing while it was read")

    def last_written(self, handle: object) -> str | None:
        """The key's last-write time (ISO 8601 UTC), or None when it is unknown: refused,
        zero, or absurd. A server that faults the call is not asked again."""
        if self._no_times:
            return None
        request = rrp.BaseRegQueryInfoKey()
        request["hKey"] = handle
        # The class buffer as one NUL: Samba 4.17 faults (rpc_x_bad_stub_data) on impacket's
        # empty one, and Windows checks that its counts agree, as they do here (1 of 1).
        request["lpClassIn"] = "\0"
        self._before_call()
        try:
            answer = self._dce.request(request)  # type: ignore[attr-defined]
        except rrp.DCERPCSessionError:
            return None  # the time only informs a warning; the values were read already
        except DCERPCException:  # a fault: the pipe still serves, but this call will not
            self._no_times = True
            return None
        stamp = answer["lpftLastWriteTime"]
        # impacket declares the high half signed (LONG); the FILETIME is unsigned.
        value = (int(stamp["dwHighDateTime"]) & 0xFFFF_FFFF) << 32
        return filetime_text(value | int(stamp["dwLowDateTime"]), self._now())

    def subkeys(self, handle: object) -> list[str]:
        names: list[str] = []
        for index in _indexes():
            if index >= MAX_KEYS:
                raise OverflowError(f"more than {MAX_KEYS} subkeys; reading stopped")
            self._before_call()
            try:
                answer = rrp.hBaseRegEnumKey(self._dce, handle, index)
            except rrp.DCERPCSessionError as error:
                if error.get_error_code() == _ERROR_NO_MORE_ITEMS:
                    return names
                raise
            names.append(_name(answer["lpNameOut"]))
        raise AssertionError("unreachable")  # pragma: no cover

    def key(self, path: str, names: tuple[str, ...], *, written: bool = False) -> RawKey | None:
        """The key with those of ``names`` it holds, and its last-write time when
        ``written`` asks for it (one more request); None when there is no such key."""
        handle = self.open(path)
        if handle is None:
            return None
        found = [self.query(handle, name) for name in names]
        values = tuple(value for value in found if value is not None)
        when = self.last_written(handle) if written else None
        return RawKey(f"{_HKLM}\\{path}", values, when)

    def children(self, path: str) -> list[str] | None:
        """The names of the key's subkeys; None when there is no such key."""
        handle = self.open(path)
        return None if handle is None else self.subkeys(handle)

    def string(self, path: str, name: str) -> str | None:
        """One REG_SZ or REG_EXPAND_SZ value as text, or None."""
        key = self.key(path, (name,))
        value = key.values[0] if key is not None and key.values else None
        if value is None or value.type_code not in (1, 2):
            return None
        # A registry string ends at its first NUL (as parsing.registry.string_data reads it).
        return (
            value.data[: len(value.data) // 2 * 2].decode("utf-16-le", "replace").partition("\0")[0]
        )


def read_mta_keys(
    reader: RegistryReader, service: str, override_key: str, override_value: str
) -> list[RawKey]:
    """What ``extract_registry_facts`` reads, as keys below HKEY_LOCAL_MACHINE.

    ``Select`` comes first, so that a reader of the export files the CurrentControlSet keys
    under the control set it names, as an offline hive of the same server would hold them.
    Raise rrp.DCERPCSessionError (access denied and the like) or OverflowError.
    """
    # Services is listed (as a key, without its values): every key below it that the audit
    # reads was asked for by name, so one that is not in the export is not on the server.
    found: list[RawKey | None] = [
        reader.key("SYSTEM\\Select", ("Current",)),
        RawKey(f"{_HKLM}\\{_SERVICES}"),
    ]
    mta = reader.key(f"{_SERVICES}\\{service}", ("ImagePath",))
    if mta is not None:
        parameters = f"{_SERVICES}\\{service}\\{override_key}"
        connectors = reader.children(parameters)
        found.append(mta)
        if connectors is not None:
            found.append(RawKey(f"{_HKLM}\\{parameters}"))
            # Their times show whether 9301 events came after an override was written.
            found += [
                reader.key(f"{parameters}\\{name}", (override_value,), written=True)
                for name in connectors
            ]
    # Services is listed, so a component's key left out would read as not installed.
    found += [reader.key(f"{_SERVICES}\\{name}", ()) for name in COMPONENT_SERVICES]
    found.append(reader.key(f"{_SERVICES}\\{CLUSTER_SERVICE}", ()))
    found.append(reader.key(f"{_SERVICES}\\{REMOTE_ACCESS_SERVICE}", ("Start",)))
    linkage = reader.key(f"{_SERVICES}\\Tcpip\\Linkage", ("Bind",))
    if linkage is not None:
        found.append(linkage)
        for adapter in _bound_adapters(linkage):
            found.append(reader.key(f"{_SERVICES}\\{adapter}\\Parameters\\Tcpip", _ADDRESS_VALUES))
    interfaces = f"{_SERVICES}\\Tcpip\\Parameters\\Interfaces"
    names = reader.children(interfaces) or []
    found += [reader.key(f"{interfaces}\\{name}", _ADDRESS_VALUES) for name in names]
    return [key for key in found if key is not None]


def filetime_text(value: int, now: float) -> str | None:
    """A FILETIME (100 ns since 1601, UTC) as ISO 8601 UTC; None for 0 (a server that
    keeps no time: Samba, say) or a time before 1990 or more than a day after ``now``."""
    latest = datetime.fromtimestamp(now, UTC) + _SKEW
    # Bounds first, in integers: 2**64 ticks is past the last year a datetime holds.
    if not _ticks(_EARLIEST) <= value <= _ticks(latest):
        return None
    return (_FILETIME_EPOCH + timedelta(microseconds=value // 10)).isoformat()


def _ticks(when: datetime) -> int:
    return (when - _FILETIME_EPOCH) // timedelta(microseconds=1) * 10


def _bound_adapters(linkage: RawKey) -> list[str]:
    """``\\Device\\El90x1`` entries of ``Linkage\\Bind`` -> ``El90x1``, each once."""
    names: list[str] = []
    for value in linkage.values:
        if value.name.casefold() != "bind" or value.type_code != _REG_MULTI_SZ:
            continue
        text = value.data[: len(value.data) // 2 * 2].decode("utf-16-le", errors="replace")
        for entry in text.split("\0"):
            name = entry.rsplit("\\", 1)[-1]
            if name and name.casefold() not in {known.casefold() for known in names}:
                names.append(name)
    return names


def _name(raw: str) -> str:
    """Names come back with their terminating NUL."""
    return raw[:-1] if raw.endswith("\0") else raw


def _indexes() -> Iterator[int]:
    index = 0
    while True:
        yield index
        index += 1
