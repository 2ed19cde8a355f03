"""Hostile and broken evidence, made from the other builders by patching their output.

``corpus()`` gives the small files committed under ``tests/assets/hostile/`` (rebuilt by
``tests/assets/hostile/make_corpus.py``; a test checks the two agree). What cannot or
should not be committed (a 2 GB sparse file, a 10 MB line, links, a folder where a file
should be, names with control characters) is made at test time by the ``make_*`` helpers.

Every patch is made at an offset the builders report or that the public format fixes, so
that a corpus file breaks exactly the structure its name says.
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
from pathlib import Path

from auditor.parsing.registry import RegType, RegValue
from tests.builders.bundle import patch
from tests.builders.hive import build_hive, hive_checksum
from tests.builders.pe import E_LFANEW, build_pe, build_pe_layout
from tests.builders.regtext import RegFormat, write_reg

__all__ = [
    "MTA_KEY",
    "SERVER_NAMES",
    "corpus",
    "hive_keys",
    "make_long_line_reg",
    "make_many_members_zip",
    "make_sparse",
    "make_wide_subkey_list",
]

MTA_KEY = "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\MSExchangeMTA"
_SUBDIRECTORY = 0x80000000
_NESTING = 1000
_BASE_BLOCK = 4096
_NK_NAME = 76  # bytes of an nk cell's fixed part, before its name


def corpus() -> dict[str, bytes]:
    """Relative path -> bytes of every committed corpus file."""
    files: dict[str, bytes] = {}
    files.update({f"pe/{name}": data for name, data in _pe_files().items()})
    files.update({f"reg/{name}": data for name, data in _reg_files().items()})
    files.update({f"hive/{name}": data for name, data in _hive_files().items()})
    files.update({f"connectors/{name}": data for name, data in _connector_files().items()})
    files.update({f"names/{name}": data for name, data in _name_files().items()})
    files.update({f"zip/{name}": data for name, data in _zip_files().items()})
    return files


# --- PE ---------------------------------------------------------------------------------


def _pe_files() -> dict[str, bytes]:
    layout = build_pe_layout("5.5.2431.0")
    good = layout.data
    assert layout.version_type_entry and layout.version_data_entry and layout.version_info_offset
    file_header = E_LFANEW + 4
    optional_header = file_header + 20
    cuts = {
        "dos-header": 0x20,
        "before-pe-signature": 0x40,
        "file-header": file_header + 10,
        "optional-header": optional_header + 100,
        "section-table": layout.section_table_end - 20,
        "headers-end": layout.section_table_end,
        "resource-directory": layout.rsrc_offset + 20,
        "version-info": layout.version_info_offset + 40,
    }
    files = {f"truncated-in-{name}.exe": good[:cut] for name, cut in cuts.items()}
    files["e-lfanew-outside.exe"] = _patch(good, 0x3C, "<I", 0x7FFF_FFF0)
    files["section-table-past-end.exe"] = _patch(good, file_header + 2, "<H", 0xFFFF)
    # The RT_VERSION entry of the root directory points back at the root.
    files["resource-loop.exe"] = _patch(good, layout.version_type_entry + 4, "<I", _SUBDIRECTORY)
    files["resource-nested-1000.exe"] = _nested_resources()
    files["version-length-past-data.exe"] = _patch(good, layout.version_info_offset, "<H", 0xFFF0)
    files["empty.exe"] = b""
    return files


def _nested_resources() -> bytes:
    """RT_VERSION leads through 1,000 one-entry directories before its data entry.

    The chain overwrites the RT_STRING data, which the builder puts just after the three
    data entries (RT_STRING, RT_VERSION, RT_MANIFEST; RT_VERSION's is the second).
    """
    layout = build_pe_layout("5.5.2431.0", other_resource_size=24 * _NESTING)
    assert layout.version_type_entry and layout.version_data_entry
    rsrc, type_entry, data_entry = (
        layout.rsrc_offset,
        layout.version_type_entry,
        layout.version_data_entry,
    )
    out = bytearray(layout.data)
    chain = data_entry - rsrc + 32  # relative to the resource root
    for level in range(_NESTING):
        at = rsrc + chain + 24 * level
        target = _SUBDIRECTORY | (chain + 24 * (level + 1))
        if level == _NESTING - 1:
            target = data_entry - rsrc
        out[at : at + 24] = struct.pack("<IIHHHHII", 0, 0, 4, 0, 0, 1, 1, target)
    struct.pack_into("<I", out, type_entry + 4, _SUBDIRECTORY | chain)
    return bytes(out)


def _patch(data: bytes, offset: int, layout: str, value: int) -> bytes:
    out = bytearray(data)
    struct.pack_into(layout, out, offset, value)
    return bytes(out)


def make_sparse(path: Path, size: int, head: bytes = b"") -> None:
    """A file of ``size`` bytes holding ``head`` and then a hole: it takes no disk space."""
    with path.open("wb") as handle:
        handle.write(head)
        handle.truncate(size)


# --- .reg -------------------------------------------------------------------------------

_V4 = b"REGEDIT4\r\n\r\n"
_V5_TEXT = "Windows Registry Editor Version 5.00\r\n\r\n"


def _reg_files() -> dict[str, bytes]:
    key = f"[{MTA_KEY}]\r\n"
    garbage = random.Random(6).randbytes(4096)
    v5_values = {MTA_KEY: [RegValue("ImagePath", RegType.SZ, "C:\\exchsrvr\\bin\\emsmta.exe")]}
    return {
        "garbage.reg": garbage,
        "garbage-after-header.reg": _V4 + garbage,
        "utf16-without-bom.reg": (_V5_TEXT + key).encode("utf-16-le"),
        "utf16-bom-regedit4.reg": b"\xff\xfe" + ("REGEDIT4\r\n\r\n" + key).encode("utf-16-le"),
        "utf8-bom-regedit4.reg": b"\xef\xbb\xbf" + _V4 + key.encode(),
        "continuation-at-end.reg": _V4 + key.encode() + b'"Blob"=hex:01,02,\\\r\n',
        "unterminated-string.reg": _V4 + key.encode() + b'"ImagePath"="C:\\\\exchsrvr\r\n',
        "hex-odd-digits.reg": _V4 + key.encode() + b'"Blob"=hex:01,2,03\r\n',
        "nul-in-names.reg": _nul_names(),
        # A sound export, to show that its neighbours' damage stays theirs.
        "sound-v5.reg": write_reg(v5_values, RegFormat.V5),
    }


def _nul_names() -> bytes:
    key = f"{MTA_KEY}\\Parameters\\TCP\0to MTA B"
    values = {key: [RegValue("Stack IP\0Address Override", RegType.SZ, "10.0.0.5")]}
    return write_reg(values, RegFormat.V5)


def make_long_line_reg(megabytes: int = 10) -> bytes:
    """A REGEDIT4 export whose one value line is ``megabytes`` MB of hex, broken at its end."""
    payload = b"41," * (megabytes * 1024 * 1024 // 3)
    return _V4 + f"[{MTA_KEY}]\r\n".encode() + b'"Blob"=hex:' + payload + b"4G\r\n"


# --- hives ------------------------------------------------------------------------------


def hive_keys(current: int = 1) -> dict[str, list[RegValue]]:
    """A small SYSTEM hive: Select, an MTA service with one connector, one adapter."""
    services = f"ControlSet{current:03d}\\Services"
    return {
        "Select": [RegValue("Current", RegType.DWORD, current)],
        f"{services}\\MSExchangeMTA": [
            RegValue("ImagePath", RegType.EXPAND_SZ, "C:\\exchsrvr\\bin\\emsmta.exe")
        ],
        f"{services}\\MSExchangeMTA\\Parameters\\TCP to MTA B": [
            RegValue("Stack IP Address Override", RegType.SZ, "10.0.0.5")
        ],
        f"{services}\\El90x1\\Parameters\\Tcpip": [
            RegValue("IPAddress", RegType.MULTI_SZ, ("10.0.0.5", "10.0.0.6"))
        ],
    }


def _hive_files() -> dict[str, bytes]:
    good = build_hive(hive_keys())
    missing_set = build_hive({**hive_keys(), "Select": [RegValue("Current", RegType.DWORD, 5)]})
    return {
        "truncated": good[: _BASE_BLOCK + 200],
        "bad-checksum": _rechecked(good, 508, b"\x5a\x5a\x5a\x5a", fix=False),
        "cell-offset-outside": _value_data_outside(good, "ImagePath"),
        "subkey-list-loop": _subkey_loop(good, "MSExchangeMTA"),
        "select-current-missing": missing_set,
    }


def _rechecked(data: bytes, offset: int, patch: bytes, *, fix: bool = True) -> bytes:
    out = bytearray(data)
    out[offset : offset + len(patch)] = patch
    if fix:
        struct.pack_into("<I", out, 508, hive_checksum(bytes(out[:_BASE_BLOCK])))
    return bytes(out)


def _cell_of_name(data: bytes, signature: bytes, name: str, name_at: int) -> int:
    """File offset of the payload of the first ``signature`` cell named ``name``."""
    encoded = name.encode("ascii")
    at = data.find(encoded, _BASE_BLOCK)
    while at >= 0:
        payload = at - name_at
        if data[payload : payload + 2] == signature:
            return payload
        at = data.find(encoded, at + 1)
    raise ValueError(f"no {signature!r} cell named {name!r}")


def _value_data_outside(data: bytes, value: str) -> bytes:
    """The vk cell of ``value`` points its data at an offset past the end of the file."""
    vk = _cell_of_name(data, b"vk", value, 20)
    return _rechecked(data, vk + 8, struct.pack("<I", 0x7FFF_0000))


def _subkey_loop(data: bytes, key: str) -> bytes:
    """The first entry of ``key``'s subkey list points at ``key`` itself."""
    nk = _cell_of_name(data, b"nk", key, _NK_NAME)
    (subkey_list,) = struct.unpack_from("<I", data, nk + 28)
    first_entry = _BASE_BLOCK + subkey_list + 4 + 4  # cell size, then "lh" and a count
    return _rechecked(data, first_entry, struct.pack("<I", nk - 4 - _BASE_BLOCK))


def make_wide_subkey_list(services: int = 1000, entries: int = 0xFFFF) -> bytes:
    """A hive whose Services list names the El90x1 adapter ``services`` times, and whose
    El90x1 key (one subkey by its count) has a subkey list of ``entries`` entries, each its
    Parameters key. regipy parses that whole list each time the adapter is looked into."""
    data = bytearray(build_hive(hive_keys()))
    services_nk = _cell_of_name(bytes(data), b"nk", "Services", _NK_NAME)
    adapter = _cell_of_name(bytes(data), b"nk", "El90x1", _NK_NAME)
    (adapter_parameters,) = struct.unpack_from("<I", data, adapter + 28)  # its one-entry lh
    parameters = struct.unpack_from("<I", data, _BASE_BLOCK + adapter_parameters + 8)[0]
    (bins,) = struct.unpack_from("<I", data, 40)
    wide = _lh_cell([parameters] * entries)
    repeated = _lh_cell([adapter - 4 - _BASE_BLOCK] * services)
    cells = wide + repeated
    hbin_size = (32 + len(cells) + 4 + 4095) // 4096 * 4096
    hbin = bytearray(hbin_size)
    struct.pack_into("<4sII", hbin, 0, b"hbin", bins, hbin_size)
    hbin[32 : 32 + len(cells)] = cells
    struct.pack_into("<i", hbin, 32 + len(cells), hbin_size - 32 - len(cells))  # free tail
    struct.pack_into("<I", data, adapter + 28, bins + 32)
    struct.pack_into("<I", data, services_nk + 28, bins + 32 + len(wide))
    struct.pack_into("<I", data, 40, bins + hbin_size)
    struct.pack_into("<I", data, 508, hive_checksum(bytes(data[:_BASE_BLOCK])))
    return bytes(data + hbin)


def _lh_cell(offsets: list[int]) -> bytes:
    size = (4 + 4 + 8 * len(offsets) + 7) // 8 * 8
    body = struct.pack("<i2sH", -size, b"lh", len(offsets))
    body += b"".join(struct.pack("<II", offset, 0) for offset in offsets)
    return body.ljust(size, b"\0")


# --- zips -------------------------------------------------------------------------------

_REG_MEMBER = "registry/SYSTEM.reg"


def _zip_files() -> dict[str, bytes]:
    export = write_reg(hive_keys_as_export(), RegFormat.REGEDIT4)
    encrypted = _zip({"C$/exchsrvr/bin/Emsmta.exe": build_pe("5.5.2431.0"), _REG_MEMBER: export})
    return {
        "slip-dotdot.zip": _zip({_REG_MEMBER: export, "../../../outside.reg": export}),
        "slip-absolute.zip": _zip({_REG_MEMBER: export, "/etc/cron.d/evil": export}),
        # 8 MB of zeros deflate about 1000 to 1: a bomb by its ratio, small enough to commit.
        "bomb.zip": _zip({"registry/SYSTEM": bytes(8 << 20)}),
        "encrypted-member.zip": patch(encrypted, "C$/exchsrvr/bin/Emsmta.exe", "flags", 0x1),
    }


def hive_keys_as_export() -> dict[str, list[RegValue]]:
    """hive_keys() as an export names them: under HKEY_LOCAL_MACHINE\\SYSTEM."""
    return {f"HKEY_LOCAL_MACHINE\\SYSTEM\\{key}": values for key, values in hive_keys().items()}


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for name, data in members.items():
            # A fixed date: the corpus is rebuilt byte for byte.
            info = zipfile.ZipInfo(name, date_time=(1999, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            bundle.writestr(info, data)
    return buffer.getvalue()


def make_many_members_zip(members: int) -> bytes:
    """A stored zip of ``members`` empty files, written by struct: zipfile takes seconds."""
    local, central = bytearray(), bytearray()
    for number in range(members):
        name = f"registry/{number:06d}.reg".encode()
        central += struct.pack(
            "<4s6H3I5H2I", b"PK\x01\x02", 20, 20, 0, 0, 0, 0x21, 0, 0, 0, len(name), 0, 0, 0, 0,
            0, len(local),
        ) + name  # fmt: skip
        local += struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, 0, 0, 0x21, 0, 0, 0, len(name), 0)
        local += name
    count = min(members, 0xFFFF)
    end = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, count, count, len(central), len(local), 0)
    return bytes(local + central + end)


# --- connectors inventory ----------------------------------------------------------------

_HEADER = "server,obj_dist_name,transport,remote_server,remote_address\r\n"
_ODN = "/o=Contoso/ou=Europe/cn=Configuration/cn=Connections/cn="


def _connector_files() -> dict[str, bytes]:
    row = f"MTA-A,{_ODN}TCP to MTA B,TCP,MTA-B,10.0.0.9\r\n"
    return {
        "missing-columns.csv": b"server,transport\r\nMTA-A,TCP\r\n",
        "duplicate-rows.csv": (_HEADER + row + row).encode(),
        "rdn-backslash.csv": (_HEADER + f"MTA-A,{_ODN}TCP\\to MTA B,TCP,MTA-B,\r\n").encode(),
        "bom.csv": b"\xef\xbb\xbf" + (_HEADER + row).encode(),
        "cp1252.csv": (_HEADER + f"MTA-A,{_ODN}Connecteur Rhône,TCP,MTA-B,\r\n").encode("cp1252"),
    }


# --- names ------------------------------------------------------------------------------

FORMULAS = ('=HYPERLINK("http://evil.example/","x")', "+SUM(1,2)", "-2+3", "@SUM(A1)")
CONTROLS = "bell\x07 escape\x1b[31m red\x1b[0m nul\0 del\x7f csi\x9b2J"
LONG = "L" * 40_000


def _name_files() -> dict[str, bytes]:
    parameters = f"{MTA_KEY}\\Parameters"
    text = f"{FORMULAS[0]}{CONTROLS.replace(chr(0), '')}"
    keys: dict[str, list[RegValue]] = {MTA_KEY: [RegValue("ImagePath", RegType.SZ, text)]}
    for name in (*FORMULAS, CONTROLS, LONG):
        keys[f"{parameters}\\{name}"] = [RegValue("Stack IP Address Override", RegType.SZ, text)]
    rows = [_HEADER]
    for name in (*FORMULAS, CONTROLS.replace("\0", "")):
        rows.append(f'"{_quoted(name)}",{_ODN}{FORMULAS[1]},TCP,,\r\n')
        rows.append(f'names,"{_ODN}{_quoted(name)}",TCP,,\r\n')
    rows.append(f"{LONG},{_ODN}{FORMULAS[3]},TCP,,\r\n")
    return {
        "SYSTEM.reg": write_reg(keys, RegFormat.V5),
        "connectors.csv": "".join(rows).encode(),
    }


def _quoted(text: str) -> str:
    return text.replace('"', '""')


SERVER_NAMES = (
    "=1+2",
    '=HYPERLINK("evil")',
    "+SUM(1,2)",
    "-2+3",
    "@SUM(A1)",
    "bell\x07 escape\x1b[31m del\x7f csi\x9b",
    "nonchar\uffff\ufffe",
)
"""Folder names for servers: formulas, control characters and the two code points XML
cannot hold (a name holds no NUL or /)."""
