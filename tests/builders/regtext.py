"""Write .reg files the way regedit exports them, for test fixtures and example fleets.

    write_reg({r"HKEY_LOCAL_MACHINE\\SYSTEM\\...\\MSExchangeMTA": [RegValue(...)]}, "v5")

``"regedit4"`` gives cp1252 text whose hex(1)/hex(2)/hex(7) payloads are ANSI bytes; ``"v5"``
gives UTF-16LE text with a BOM whose payloads are UTF-16LE. Lines end in CRLF and hex data
wraps with ``,\\`` continuations at regedit's width.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum

from auditor.parsing.registry import (
    DeleteKey,
    DeleteValue,
    EnsureKey,
    RegOperation,
    RegType,
    RegValue,
    SetValue,
)

__all__ = ["RegFormat", "write_operations", "write_reg"]


class RegFormat(StrEnum):
    """The two formats regedit exports."""

    REGEDIT4 = "regedit4"
    V5 = "v5"


_HEADERS = {RegFormat.REGEDIT4: "REGEDIT4", RegFormat.V5: "Windows Registry Editor Version 5.00"}
_PAYLOAD_ENCODINGS = {RegFormat.REGEDIT4: "cp1252", RegFormat.V5: "utf-16-le"}
# regedit (and Wine, which copies it) breaks hex data once a line reaches 77 characters.
_HEX_WIDTH = 77
_CONTINUATION = "\\\r\n  "
# Windows gives the five bytes cp1252 leaves undefined to the C1 controls; Python does not.
_CP1252_HOLES = {byte: 0xDC00 + byte for byte in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}


def write_reg(keys: Mapping[str, Sequence[RegValue]], fmt: str = RegFormat.V5) -> bytes:
    """A .reg file with one ``[key]`` block per entry, values in the order given."""
    operations: list[RegOperation] = []
    for key, values in keys.items():
        operations.append(EnsureKey(key))
        operations.extend(SetValue(key, value) for value in values)
    return write_operations(operations, fmt)


def write_operations(operations: Iterable[RegOperation], fmt: str = RegFormat.V5) -> bytes:
    """A .reg file holding ``operations``, deletions included.

    A value whose key differs from the previous line's opens a new ``[key]`` block, so the
    file read back holds an ``EnsureKey`` before it even where ``operations`` did not.
    """
    form = RegFormat(fmt)
    lines = [_HEADERS[form]]
    current: str | None = None
    for operation in operations:
        match operation:
            case EnsureKey(key=key):
                lines += ["", f"[{key}]"]
                current = key
            case DeleteKey(key=key):
                lines += ["", f"[-{key}]"]
                current = None
            case SetValue(key=key) | DeleteValue(key=key) as line_op:
                if key != current:
                    lines += ["", f"[{key}]"]
                    current = key
                lines.append(_value_line(line_op, form))
    lines.append("")
    return _encode("\r\n".join(lines) + "\r\n", form)


def _value_line(operation: SetValue | DeleteValue, form: RegFormat) -> str:
    if isinstance(operation, DeleteValue):
        return f"{_name(operation.name)}=-"
    value = operation.value
    name, data = _name(value.name), value.data
    if value.type is RegType.SZ and isinstance(data, str) and not set(data) & set("\0\r\n"):
        return f'{name}="{_escape(data)}"'
    if value.type is RegType.DWORD and isinstance(data, int):
        return f"{name}=dword:{data:08x}"
    prefix = "hex:" if value.type is RegType.BINARY else f"hex({value.type.code:x}):"
    return _hex_line(f"{name}={prefix}", _payload(value, _PAYLOAD_ENCODINGS[form]))


def _payload(value: RegValue, encoding: str) -> bytes:
    data = value.data
    match value.type, data:
        case RegType.SZ | RegType.EXPAND_SZ, str():
            return _encode_text(data + "\0", encoding)
        case RegType.MULTI_SZ, tuple():
            return _encode_text("".join(item + "\0" for item in data) + "\0", encoding)
        case RegType.DWORD, int():
            return data.to_bytes(4, "little")
        case RegType.QWORD, int():
            return data.to_bytes(8, "little")
        case _, bytes():
            return data
    raise TypeError(f"{value.type} cannot hold {type(data).__name__} data: {value!r}")


def _hex_line(head: str, payload: bytes) -> str:
    parts = [head]
    width = len(head)
    for index, byte in enumerate(payload):
        parts.append(f"{byte:02x}")
        if index == len(payload) - 1:
            break
        parts.append(",")
        width += 3
        if width >= _HEX_WIDTH:
            parts.append(_CONTINUATION)
            width = 2
    return "".join(parts)


def _name(name: str) -> str:
    return "@" if name == "" else f'"{_escape(name)}"'


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _encode(text: str, form: RegFormat) -> bytes:
    if form is RegFormat.V5:
        return b"\xff\xfe" + text.encode("utf-16-le")
    return _encode_text(text, "cp1252")


def _encode_text(text: str, encoding: str) -> bytes:
    if encoding != "cp1252":
        return text.encode(encoding)
    return text.translate(_CP1252_HOLES).encode("cp1252", errors="surrogateescape")
