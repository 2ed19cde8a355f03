"""A fleet made of the hostile corpus, one server per bad input, and what each must report.

Each server holds one bad file where the audit will read it. ``CASES`` maps the server to
the evidence path (relative to the server) and a fragment of the problem its reason must
name; the test checks that the reason names both.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from tests.builders.bundle import zip_members
from tests.builders.hostile import (
    make_long_line_reg,
    make_many_members_zip,
    make_sparse,
    make_wide_subkey_list,
)
from tests.builders.pe import build_pe

CORPUS = Path(__file__).resolve().parents[1] / "assets" / "hostile"
EMSMTA = "C$/exchsrvr/bin/Emsmta.exe"
REG = "registry/SYSTEM.reg"
HIVE = "registry/SYSTEM"
GIB2 = 2 * 1024**3
DATA_COPIES = 40
"""Copies of a 2 GB sparse Dbserver.sch in one server: each must be refused unread."""


@dataclass(frozen=True)
class Case:
    """One hostile server: where its bad file sits and what its reason must say."""

    evidence: str
    """Relative to the server; "" when the problem is the bundle itself."""
    problem: str


CASES: dict[str, Case] = {
    "pe-e-lfanew-outside": Case(EMSMTA, "e_lfanew 0x7ffffff0 points outside the file"),
    "pe-empty": Case(EMSMTA, "truncated: the DOS header needs bytes up to 0x40"),
    "pe-resource-loop": Case(EMSMTA, "loop in the resource tree"),
    # The loader reads three levels; the fourth is a directory where it wants data.
    "pe-resource-nested-1000": Case(EMSMTA, "ID 1 has no language entry with data"),
    "pe-section-table-past-end": Case(EMSMTA, "the PE headers run to 0x280150"),
    "pe-truncated-in-dos-header": Case(EMSMTA, "truncated: the DOS header"),
    "pe-truncated-in-before-pe-signature": Case(EMSMTA, "e_lfanew 0x80 points outside"),
    "pe-truncated-in-file-header": Case(EMSMTA, "truncated: the PE file header"),
    "pe-truncated-in-optional-header": Case(EMSMTA, "truncated: the section table"),
    "pe-truncated-in-section-table": Case(EMSMTA, "truncated: the section table"),
    "pe-truncated-in-headers-end": Case(EMSMTA, "resource directory at 0x600 is outside"),
    "pe-truncated-in-resource-directory": Case(EMSMTA, "runs past the resource data"),
    "pe-truncated-in-version-info": Case(EMSMTA, "runs past its data"),
    "pe-version-length-past-data": Case(EMSMTA, "VS_VERSIONINFO length 65520 runs past"),
    "pe-sparse-2gb": Case(EMSMTA, "not a PE file: no MZ signature"),
    "pe-sparse-2gb-headers-at-end": Case(EMSMTA, "the PE headers run to 0x7fff"),
    "pe-symlink-outside": Case(EMSMTA, "a link that leaves the evidence folder"),
    "reg-garbage": Case(REG, "neither a .reg export nor a registry hive"),
    # regedit skips each unreadable line; before any key line, each could be the MTA's.
    "reg-garbage-after-header": Case(REG, "line 3 skipped, as regedit would: text regedit"),
    "reg-utf16-without-bom": Case(REG, "UTF-16 text without a byte-order mark"),
    "reg-utf16-bom-regedit4": Case(REG, "REGEDIT4 header after a UTF-16 byte-order mark"),
    "reg-utf8-bom-regedit4": Case(REG, "REGEDIT4 header after a UTF-8 byte-order mark"),
    "reg-unterminated-string": Case(REG, "line 4 skipped, as regedit would: unterminated string"),
    "reg-long-line": Case(REG, "line 4: longer than 4194304 characters"),
    "hive-truncated": Case(HIVE, "truncated hive"),
    "hive-bad-checksum": Case(HIVE, "the base block checksum does not match"),
    "hive-cell-offset-outside": Case(HIVE, "a cell offset (0x7fff0000) points past the end"),
    "hive-subkey-list-loop": Case(HIVE, "loops back to a key above it"),
    "hive-select-current-missing": Case(HIVE, "Select\\Current names ControlSet005"),
    "hive-wide-subkey-list": Case(HIVE, "more than 20000 keys and values"),  # not minutes
    "zip-slip-dotdot": Case("", "a member that climbs out of its folder ('..')"),
    "zip-slip-absolute": Case("", "/etc/cron.d/evil: a member with an absolute path"),
    "zip-bomb": Case("", "registry/SYSTEM: a compression bomb"),
    "zip-encrypted-member": Case(EMSMTA, "encrypted in the bundle"),
    "zip-100000-members": Case("", "more than 10000 members need"),
    # Read through a temporary copy (regipy opens paths only), which must not outlive it.
    "zip-hive-in-bundle": Case(HIVE, "a cell offset (0x7fff0000) points past the end"),
}
"""Servers whose one bad file must make them incomplete, with a reason naming it."""

ACCEPTED = {
    "reg-nul-in-names": REG,
    "reg-sound-v5": REG,
    # regedit imports both (Wine's test_basic_import, Wine17c; and its hex parser takes a
    # one-digit byte), so the auditor reads them too: test_corpus checks the values.
    "reg-continuation-at-end": REG,
    "reg-hex-odd-digits": REG,
}
"""Servers whose odd evidence is read: they must be reported like any other."""


def build_fleet(root: Path) -> Path:
    """Lay out every case under ``root`` (made if needed); return it."""
    root.mkdir(parents=True, exist_ok=True)
    kinds = {"pe": EMSMTA, "reg": REG, "hive": HIVE}
    for kind, target in kinds.items():
        for file in sorted((CORPUS / kind).iterdir()):
            _place(root / f"{kind}-{file.stem}" / target, file.read_bytes())
    for file in sorted((CORPUS / "zip").iterdir()):
        _place(root / f"zip-{file.name}", file.read_bytes())
    _place(root / "zip-100000-members.zip", make_many_members_zip(100_000))
    hive = (CORPUS / "hive" / "cell-offset-outside").read_bytes()
    zip_members(root / "zip-hive-in-bundle.zip", {HIVE: hive})
    _place(root / "reg-long-line" / REG, make_long_line_reg(10))
    _place(root / "hive-wide-subkey-list" / HIVE, make_wide_subkey_list())
    for copy in range(DATA_COPIES):
        make_sparse(
            _folder(root / "data-sparse-copies" / f"C$/backup{copy}") / "Dbserver.sch", GIB2
        )
    emsmta = root / "pe-sparse-2gb" / EMSMTA
    emsmta.parent.mkdir(parents=True)
    make_sparse(emsmta, GIB2)
    _headers_at_end(root / "pe-sparse-2gb-headers-at-end" / EMSMTA)
    (root / "pe-directory" / EMSMTA).mkdir(parents=True)
    (root / "pe-directory" / EMSMTA / "inside.txt").write_bytes(b"a folder, not the binary")
    outside = root.parent / "outside-the-fleet.exe"
    outside.write_bytes(build_pe("5.5.2650.24"))
    link = root / "pe-symlink-outside" / EMSMTA
    link.parent.mkdir(parents=True)
    link.symlink_to(outside)
    return root


def _folder(path: Path) -> Path:
    path.mkdir(parents=True)
    return path


def _place(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _headers_at_end(path: Path) -> None:
    """A 2 GB sparse file whose e_lfanew points at PE headers 4 KiB before its end."""
    good = build_pe("5.5.2431.0")
    at = GIB2 - 4096
    head = bytearray(good[:0x40])
    struct.pack_into("<I", head, 0x3C, at)
    path.parent.mkdir(parents=True)
    make_sparse(path, GIB2, bytes(head))
    with path.open("r+b") as handle:
        handle.seek(at)
        handle.write(good[0x80:0x400])


def is_sparse(path: Path) -> bool:
    """True when ``path`` takes far less disk than its size (the file system made a hole)."""
    stat = path.stat()
    return stat.st_blocks * 512 < min(stat.st_size, 64 * 1024 * 1024)
