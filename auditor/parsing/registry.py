"""One registry view fed by .reg exports and offline hives alike.

Key and value names compare without regard to case, as Windows does; trailing spaces are
kept, because Windows keeps them. Paths are backslash-separated and start below the hive
root that the evidence names, e.g. ``SYSTEM\\CurrentControlSet\\Services``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "DeleteKey",
    "DeleteValue",
    "EnsureKey",
    "RegOperation",
    "RegType",
    "RegValue",
    "RegistryKey",
    "RegistryTree",
    "SetValue",
    "multi_string_data",
    "selected_control_set",
    "split_path",
    "string_data",
]


class RegType(StrEnum):
    """Registry value types by their Windows names."""

    NONE = "REG_NONE"
    SZ = "REG_SZ"
    EXPAND_SZ = "REG_EXPAND_SZ"
    BINARY = "REG_BINARY"
    DWORD = "REG_DWORD"
    DWORD_BIG_ENDIAN = "REG_DWORD_BIG_ENDIAN"
    LINK = "REG_LINK"
    MULTI_SZ = "REG_MULTI_SZ"
    RESOURCE_LIST = "REG_RESOURCE_LIST"
    FULL_RESOURCE_DESCRIPTOR = "REG_FULL_RESOURCE_DESCRIPTOR"
    RESOURCE_REQUIREMENTS_LIST = "REG_RESOURCE_REQUIREMENTS_LIST"
    QWORD = "REG_QWORD"

    @classmethod
    def from_code(cls, code: int) -> RegType:
        """The type for its numeric code (hex(N) in a .reg file). Raise ValueError."""
        try:
            return _BY_CODE[code]
        except KeyError:
            raise ValueError(f"no registry type has the code {code:#x}") from None

    @property
    def code(self) -> int:
        """The numeric code, as .reg files and hives store it."""
        return _CODES[self]


# The members are declared in the order of their codes, REG_NONE = 0 to REG_QWORD = 11.
_BY_CODE: dict[int, RegType] = dict(enumerate(RegType))
_CODES: dict[RegType, int] = {kind: code for code, kind in _BY_CODE.items()}

RegData = str | tuple[str, ...] | int | bytes


@dataclass(frozen=True)
class RegValue:
    """One named value. ``name`` is "" for a key's default value (``@`` in a .reg file)."""

    name: str
    type: RegType
    data: RegData
    """str for SZ/EXPAND_SZ, tuple[str, ...] for MULTI_SZ, int for DWORD/QWORD, else bytes."""


@dataclass(frozen=True)
class SetValue:
    """Create the key if needed and set one value in it."""

    key: str
    value: RegValue


@dataclass(frozen=True)
class EnsureKey:
    """Create a key (a ``[key]`` line of a .reg file) without touching its values."""

    key: str
    values_read: bool = True
    """False where the evidence names the key but its values were not read (a hive's list of
    installed components): a value missing there is unknown, not absent."""


@dataclass(frozen=True)
class DeleteKey:
    """Remove a key and everything below it (``[-key]``)."""

    key: str


@dataclass(frozen=True)
class DeleteValue:
    """Remove one value (``"name"=-``)."""

    key: str
    name: str


RegOperation = SetValue | EnsureKey | DeleteKey | DeleteValue


def string_data(text: str) -> str:
    """A registry string ends at its first NUL: Windows, hivex and regedit ignore what
    follows, and real XP and Windows 7 hives hold leftover bytes there."""
    return text.partition("\0")[0]


def multi_string_data(data: str | Iterable[str]) -> tuple[str, ...]:
    """A REG_MULTI_SZ: NUL-terminated strings ended by an empty one; what follows it is
    leftover bytes (hivex's hivex_value_multiple_strings stops there too). ``data`` is the
    decoded text, or strings already split."""
    kept: list[str] = []
    for item in data.split("\0") if isinstance(data, str) else data:
        item = string_data(item)
        if not item:
            break
        kept.append(item)
    return tuple(kept)


_ROOT_ALIASES = {"hklm": "HKEY_LOCAL_MACHINE"}
_CURRENT_CONTROL_SET = ["hkey_local_machine", "system", "currentcontrolset"]


def split_path(path: str) -> list[str]:
    """``A\\B\\C`` -> ["A", "B", "C"]; empty parts (doubled or edge backslashes) drop out.

    ``HKLM`` is spelled out, so that evidence using either name merges into one key.
    """
    parts = [part for part in path.split("\\") if part]
    if parts:
        parts[0] = _ROOT_ALIASES.get(parts[0].casefold(), parts[0])
    return parts


@dataclass
class RegistryKey:
    """A key: values and subkeys, looked up without regard to case."""

    name: str
    _values: dict[str, RegValue] = field(default_factory=dict)
    _subkeys: dict[str, RegistryKey] = field(default_factory=dict)
    values_read: bool = False
    """Its values were read whole (a ``[key]`` block of an export, a hive's copy of the
    key): a value missing from a key whose values were not read is unknown, not absent."""
    listed: bool = False
    """The evidence names this key itself (a ``[key]`` line, a hive's copy of it), not only
    a key below it: an export of a key holds its whole subtree, so a subkey that is not
    there was not there."""

    def value(self, name: str) -> RegValue | None:
        return self._values.get(name.casefold())

    def values(self) -> list[RegValue]:
        return list(self._values.values())

    def subkey(self, name: str) -> RegistryKey | None:
        return self._subkeys.get(name.casefold())

    def subkeys(self) -> list[RegistryKey]:
        return list(self._subkeys.values())

    def find(self, path: str | Iterable[str]) -> RegistryKey | None:
        """The key at ``path`` below this one, or None."""
        parts = split_path(path) if isinstance(path, str) else list(path)
        key: RegistryKey | None = self
        for part in parts:
            if key is None:
                return None
            key = key.subkey(part)
        return key

    def set_value(self, value: RegValue) -> None:
        self._values[value.name.casefold()] = value

    def delete_value(self, name: str) -> None:
        self._values.pop(name.casefold(), None)

    def ensure(self, parts: Iterable[str]) -> RegistryKey:
        key = self
        for part in parts:
            child = key._subkeys.get(part.casefold())
            if child is None:
                child = key._subkeys[part.casefold()] = RegistryKey(part)
            key = child
        return key

    def delete_subkey(self, name: str) -> None:
        self._subkeys.pop(name.casefold(), None)


class RegistryTree:
    """The merged registry evidence of one server, rooted above the hive names."""

    def __init__(self) -> None:
        self.root = RegistryKey("")

    def apply(self, operations: Iterable[RegOperation]) -> None:
        """Apply operations in order, as regedit would on import."""
        for operation in operations:
            parts = self._resolve(split_path(operation.key))
            match operation:
                case SetValue(value=value):
                    target = self.root.ensure(parts)
                    target.set_value(value)
                    target.listed = True
                case EnsureKey(values_read=values_read):
                    named = self.root.ensure(parts)
                    named.listed = True
                    named.values_read = named.values_read or values_read
                case DeleteValue(name=name):
                    key = self.root.find(parts)
                    if key is not None:
                        key.delete_value(name)
                case DeleteKey():
                    parent = self.root.find(parts[:-1])
                    if parent is not None and parts:
                        parent.delete_subkey(parts[-1])

    def find(self, path: str) -> RegistryKey | None:
        return self.root.find(path)

    def _resolve(self, parts: list[str]) -> list[str]:
        """Map ``SYSTEM\\CurrentControlSet`` onto the set ``Select\\Current`` names, if known.

        On a live system CurrentControlSet is a link to ControlSet%03d. An offline hive has
        only the real set, an export only the link: without this, an export merged after a
        hive would hide the hive's current control set instead of updating it.
        """
        if len(parts) < 3 or [p.casefold() for p in parts[:3]] != _CURRENT_CONTROL_SET:
            return parts
        system = self.root.find(parts[:2])
        selected = selected_control_set(system) if system else None
        return parts if selected is None else [*parts[:2], selected, *parts[3:]]


def selected_control_set(system: RegistryKey) -> str | None:
    """``ControlSet002`` when the SYSTEM key's ``Select\\Current`` is the DWORD 2, else None."""
    select = system.subkey("Select")
    current = select.value("Current") if select else None
    if current is None or not isinstance(current.data, int):
        return None
    return f"ControlSet{current.data:03d}"
