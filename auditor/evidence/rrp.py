"""The registry values the MTA verdict needs, read over MS-RRP (the ``\\winreg`` pipe).

Only the keys the registry facts use are read, by name, never a whole hive: the MTA
service with its override subkeys, the cluster service's presence, the adapters TCP/IP
is bound to (NT4) and the interfaces (Windows 2000). Names come back NUL-terminated, and
an enumeration ends with ERROR_NO_MORE_ITEMS.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from impacket.dcerpc.v5 import rrp

from auditor.evidence.regexport import RawKey, RawValue

__all__ = ["CLUSTER_SERVICE", "MAX_KEYS", "RegistryReader", "read_mta_keys"]

CLUSTER_SERVICE = "ClusSvc"
MAX_KEYS = 2000
"""More keys than the MTA's connectors and a server's adapters need; past it reading stops."""

_HKLM = "HKEY_LOCAL_MACHINE"
_SERVICES = "SYSTEM\\CurrentControlSet\\Services"
_ERROR_FILE_NOT_FOUND = 2
_ERROR_NO_MORE_ITEMS = 0x103
_REG_MULTI_SZ = 7


class RegistryReader:
    """Keys below HKLM over one bound ``\\winreg`` DCE/RPC connection."""

    def __init__(self, dce: object, before_call: Callable[[], None] = lambda: None) -> None:
        """``before_call`` runs before every request: a deadline check, say."""
        self._dce = dce
        self._before_call = before_call
        before_call()
        self._root = rrp.hOpenLocalMachine(dce, samDesired=rrp.KEY_READ)["phKey"]
        self.keys_read = 0

    @contextmanager
    def open(self, path: str) -> Iterator[Any | None]:
        """The key's handle, or None when there is no such key; closed on leaving."""
        self._before_call()
        try:
            handle = rrp.hBaseRegOpenKey(self._dce, self._root, path, samDesired=rrp.KEY_READ)[
                "phkResult"
            ]
        except rrp.DCERPCSessionError as error:
            if error.get_error_code() == _ERROR_FILE_NOT_FOUND:
                yield None
                return
            raise
        self.keys_read += 1
        try:
            yield handle
        finally:
            self._before_call()
            rrp.hBaseRegCloseKey(self._dce, handle)

    def values(self, handle: object) -> tuple[RawValue, ...]:
        found: list[RawValue] = []
        for index in _indexes():
            self._before_call()
            try:
                answer = rrp.hBaseRegEnumValue(self._dce, handle, index)
            except rrp.DCERPCSessionError as error:
                if error.get_error_code() == _ERROR_NO_MORE_ITEMS:
                    return tuple(found)
                raise
            size = answer["lpcbData"]
            data = b"".join(answer["lpData"])[:size]
            found.append(RawValue(_name(answer["lpValueNameOut"]), answer["lpType"], data))
        raise AssertionError("unreachable")  # pragma: no cover

    def subkeys(self, handle: object) -> list[str]:
        names: list[str] = []
        for index in _indexes():
            self._before_call()
            try:
                answer = rrp.hBaseRegEnumKey(self._dce, handle, index)
            except rrp.DCERPCSessionError as error:
                if error.get_error_code() == _ERROR_NO_MORE_ITEMS:
                    return names
                raise
            names.append(_name(answer["lpNameOut"]))
        raise AssertionError("unreachable")  # pragma: no cover

    def key(self, path: str, *, with_values: bool = True) -> RawKey | None:
        with self.open(path) as handle:
            if handle is None:
                return None
            return RawKey(f"{_HKLM}\\{path}", self.values(handle) if with_values else ())

    def tree(self, path: str, depth: int, keys: list[RawKey]) -> None:
        """The key, its values, and its subkeys ``depth`` levels down, appended to ``keys``."""
        with self.open(path) as handle:
            if handle is None:
                return
            keys.append(RawKey(f"{_HKLM}\\{path}", self.values(handle)))
            children = self.subkeys(handle) if depth > 0 else []
        for child in children:
            if len(keys) >= MAX_KEYS:
                raise OverflowError(f"{_HKLM}\\{path}: more than {MAX_KEYS} keys; reading stopped")
            self.tree(f"{path}\\{child}", depth - 1, keys)

    def string(self, path: str, name: str) -> str | None:
        """One REG_SZ or REG_EXPAND_SZ value as text, or None."""
        with self.open(path) as handle:
            if handle is None:
                return None
            self._before_call()
            try:
                kind, data = rrp.hBaseRegQueryValue(self._dce, handle, name)
            except rrp.DCERPCSessionError as error:
                if error.get_error_code() == _ERROR_FILE_NOT_FOUND:
                    return None
                raise
        return data.rstrip("\0") if kind in (1, 2) and isinstance(data, str) else None

    def close(self) -> None:
        self._before_call()
        rrp.hBaseRegCloseKey(self._dce, self._root)


def read_mta_keys(reader: RegistryReader, service: str, override_key: str) -> list[RawKey]:
    """What ``extract_registry_facts`` reads, as keys below HKEY_LOCAL_MACHINE.

    ``Select`` comes first, so that a reader of the export files the CurrentControlSet keys
    under the control set it names, as an offline hive of the same server would hold them.
    Raise rrp.DCERPCSessionError (access denied and the like) or OverflowError.
    """
    keys = [key for key in [reader.key("SYSTEM\\Select")] if key is not None]
    mta = reader.key(f"{_SERVICES}\\{service}")
    if mta is not None:
        keys.append(mta)
        reader.tree(f"{_SERVICES}\\{service}\\{override_key}", 1, keys)
    cluster = reader.key(f"{_SERVICES}\\{CLUSTER_SERVICE}", with_values=False)
    keys += [cluster] if cluster is not None else []
    linkage = reader.key(f"{_SERVICES}\\Tcpip\\Linkage")
    if linkage is not None:
        keys.append(linkage)
        for adapter in _bound_adapters(linkage):
            tcpip = reader.key(f"{_SERVICES}\\{adapter}\\Parameters\\Tcpip")
            keys += [tcpip] if tcpip is not None else []
    reader.tree(f"{_SERVICES}\\Tcpip\\Parameters\\Interfaces", 1, keys)
    return keys


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
