"""Build a synthetic fleet of N servers of realistic evidence, for the benchmarks.

Run from the repository root:  python benchmarks/make_fleet.py N DIR

Each server gets the thirteen MTA files at realistic sizes (Emsmta.exe about 1.5 MB with
its resource section last, behind a string table the reader must walk past), and registry
evidence in one of three forms, in turn: a REGEDIT4 export, a version 5 (UTF-16) export,
or an offline SYSTEM hive. Multihomed servers appear in ``DIR/connectors.csv``.

Files with identical contents are stored once in ``DIR/.store`` and hard-linked into each
server (the scan skips dot-folders and cannot tell a link from a copy); registry evidence
differs per server and is written per server. The output is deterministic. The status each
server must get is recorded in ``DIR/.expected.json`` and the mix is printed, so that the
benchmark can check the scan got every verdict right while it timed it.

The status mix, repeating every 20 servers (see ``PLAN``): 60 % compliant (a quarter of them
multihomed and pinned, one in twelve with a stray SP1 copy in bin.old, one in twelve with a
FileVersion string that disagrees), 15 % exposed (SP1 multihomed, or a connector without
its override), 10 % below the baseline (SP1 single-homed), 10 % incomplete (a missing
Mtamsg.dll, a truncated Emsmta.exe) and 5 % not applicable (Exchange 5.0).
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import sys
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from auditor.parsing.registry import RegType, RegValue  # noqa: E402
from tests.builders.hive import build_hive  # noqa: E402
from tests.builders.mta_files import DATA_FILES, PE_FILES  # noqa: E402
from tests.builders.pe import build_pe  # noqa: E402
from tests.builders.regtext import write_reg  # noqa: E402

__all__ = ["PLAN", "build_fleet"]

SP1, SP2, SP3, EX50 = "5.5.2232.18", "5.5.2448.1", "5.5.2650.24", "5.0.1461.0"
MTA = "MSExchangeMTA"
ODN = "/o=Contoso/ou=Europe/cn=Configuration/cn=Connections/cn="

PE_SIZES = {
    "Ems_rid.dll": 24_576,
    "Emsmta.exe": 1_511_424,
    "Mtacheck.exe": 61_440,
    "Mtamsg.dll": 147_456,
    "X400om.dll": 204_800,
    "X400omv1.dll": 155_648,
}
"""Approximate sizes of the Exchange 5.5 MTA binaries; the padding sits before .rsrc."""
DATA_SIZES = {
    "Dbserver.sch": 143_360,
    "Dcprods.cat": 8_192,
    "Info4log.cfg": 3_072,
    "Infodlog.cfg": 3_072,
    "Infollog.cfg": 3_072,
    "Infotlog.cfg": 3_072,
    "P2.xv2": 40_960,
}
# String tables, dialogs and icons come before RT_VERSION in a real MTA's resources.
OTHER_RESOURCES = 24 * 1024

Keys = dict[str, list[RegValue]]


@dataclass(frozen=True)
class Kind:
    """One kind of server in the plan: what is installed and how its registry looks."""

    status: str
    version: str
    multihomed: bool
    pinned: bool = True
    missing: str | None = None
    truncated: bool = False
    stray: bool = False
    string_version: str | None = None


PLAN: tuple[Kind, ...] = (
    *(Kind("compliant", SP3, multihomed=False) for _ in range(5)),
    Kind("compliant", SP2, multihomed=False),
    Kind("compliant", SP3, multihomed=True),
    Kind("compliant", SP3, multihomed=True),
    Kind("compliant", SP2, multihomed=True),
    Kind("compliant", SP3, multihomed=False, stray=True),
    Kind("compliant", SP2, multihomed=False, string_version="5.5.2448.0 (lab build)"),
    Kind("exposed", SP1, multihomed=True),
    Kind("exposed", SP1, multihomed=True),
    Kind("exposed", SP3, multihomed=True, pinned=False),
    Kind("below-baseline", SP1, multihomed=False),
    Kind("below-baseline", SP1, multihomed=False),
    Kind("incomplete", SP3, multihomed=False, missing="Mtamsg.dll"),
    Kind("incomplete", SP3, multihomed=False, truncated=True),
    Kind("not-applicable", EX50, multihomed=False),
    Kind("compliant", SP3, multihomed=False),
)
"""Server i is of kind PLAN[i % 20]."""


class Store:
    """Each distinct file content written once, then hard-linked where it is needed."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True)
        self._made: dict[str, Path] = {}

    def link(self, key: str, target: Path, make: Callable[[], bytes]) -> None:
        source = self._made.get(key)
        if source is None:
            source = self.folder / key
            source.write_bytes(make())
            self._made[key] = source
        try:
            os.link(source, target)
        except OSError as error:
            if error.errno != errno.EMLINK:
                raise
            # A file system's limit of links to one file (65,000 on ext4): a fresh copy
            # takes the next links, so that fleets of 100,000 servers can be built.
            fresh = source.with_name(f"{key}.{source.stat().st_nlink}")
            shutil.copyfile(source, fresh)
            self._made[key] = fresh
            os.link(fresh, target)


def pe_bytes(name: str, version: str, string_version: str | None, *, truncated: bool) -> bytes:
    """A PE file of about its real size; the version resource sits in its last section."""
    bare = build_pe(version, string_version, dll=name.endswith(".dll"))
    pad = max(0, PE_SIZES[name] - len(bare) - OTHER_RESOURCES)
    data = build_pe(
        version,
        string_version,
        dll=name.endswith(".dll"),
        pad_before_resources=pad,
        other_resource_size=OTHER_RESOURCES,
    )
    return data[: len(data) - 4096] if truncated else data


def data_bytes(name: str) -> bytes:
    line = f"; {name} shipped with the MTA (synthetic benchmark content)\r\n".encode()
    return (line * (DATA_SIZES[name] // len(line) + 1))[: DATA_SIZES[name]]


def install(store: Store, server: Path, kind: Kind) -> None:
    folder = server / "C$" / "exchsrvr" / "bin"
    folder.mkdir(parents=True)
    for name in PE_FILES:
        if name == kind.missing:
            continue
        truncated = kind.truncated and name == "Emsmta.exe"
        key = f"{name}-{kind.version}-{kind.string_version}-{truncated}".replace(" ", "_")
        make = partial(pe_bytes, name, kind.version, kind.string_version, truncated=truncated)
        store.link(key, folder / name.upper(), make)
    for name in DATA_FILES:
        if name != kind.missing:
            store.link(name, folder / name.upper(), partial(data_bytes, name))
    if kind.stray:
        old = server / "C$" / "exchsrvr" / "bin.old"
        old.mkdir()
        stray = partial(pe_bytes, "Emsmta.exe", SP1, None, truncated=False)
        store.link(f"Emsmta.exe-{SP1}-None-False", old / "EMSMTA.EXE", stray)


def sz(name: str, text: str, kind: RegType = RegType.SZ) -> RegValue:
    return RegValue(name, kind, text)


def dword(name: str, number: int) -> RegValue:
    return RegValue(name, RegType.DWORD, number)


def addresses(index: int, count: int) -> list[str]:
    return [f"10.{index // 250 % 250}.{index % 250}.{10 + n}" for n in range(count)]


def connectors(index: int) -> list[str]:
    return [f"TCP to HUB{index % 7}", f"TCP to SITE{index % 13}"]


def system_keys(index: int, kind: Kind, control_set: str, *, nt4: bool) -> Keys:
    """The MTA service, overrides and adapters of server ``index`` below one control set."""
    services = f"{control_set}\\Services"
    own = addresses(index, 2 if kind.multihomed else 1)
    keys: Keys = {
        f"{services}\\{MTA}": [
            dword("Type", 0x10),
            dword("Start", 2),
            sz("ImagePath", "C:\\exchsrvr\\bin\\emsmta.exe", RegType.EXPAND_SZ),
            sz("DisplayName", "Microsoft Exchange Message Transfer Agent"),
        ],
        f"{services}\\{MTA}\\Parameters": [dword("Kernel Min Threads", 4)],
    }
    if kind.multihomed:
        pinned = connectors(index) if kind.pinned else connectors(index)[:1]
        for connector in pinned:
            keys[f"{services}\\{MTA}\\Parameters\\{connector}"] = [
                sz("Stack IP Address Override", own[0])
            ]
    adapters = {"El90x1": own[:1], "E100B2": own[1:]} if kind.multihomed else {"El90x1": own}
    for adapter, adapter_addresses in adapters.items():
        where = (
            f"{services}\\{adapter}\\Parameters\\Tcpip"
            if nt4
            else f"{services}\\Tcpip\\Parameters\\Interfaces\\{{{adapter}-0000}}"
        )
        keys[where] = [
            dword("EnableDHCP", 0),
            RegValue("IPAddress", RegType.MULTI_SZ, tuple(adapter_addresses)),
            RegValue("SubnetMask", RegType.MULTI_SZ, ("255.255.255.0",) * len(adapter_addresses)),
        ]
    if nt4:
        bound = tuple(f"\\Device\\{adapter}" for adapter in adapters)
        keys[f"{services}\\Tcpip\\Linkage"] = [RegValue("Bind", RegType.MULTI_SZ, bound)]
    return keys


def write_registry(server: Path, index: int, kind: Kind) -> str:
    """Registry evidence in the form index % 3 picks; return the form's name."""
    folder = server / "registry"
    folder.mkdir()
    form = ("regedit4", "v5", "hive")[index % 3]
    if form == "hive":
        keys = system_keys(index, kind, "ControlSet002", nt4=index % 2 == 0)
        select = [dword("Current", 2), dword("Default", 2), dword("LastKnownGood", 1)]
        (folder / "SYSTEM").write_bytes(build_hive({"Select": select, **keys}))
    else:
        keys = system_keys(index, kind, "CurrentControlSet", nt4=True)
        text = write_reg({f"HKEY_LOCAL_MACHINE\\SYSTEM\\{k}": v for k, v in keys.items()}, form)
        (folder / "system.reg").write_bytes(text)
    return form


def build_fleet(count: int, fleet: Path) -> dict[str, str]:
    """Write ``count`` servers into ``fleet`` (replaced); return server -> expected status."""
    if fleet.exists():
        shutil.rmtree(fleet)
    fleet.mkdir(parents=True)
    store = Store(fleet / ".store")
    expected: dict[str, str] = {}
    inventory = ["server,obj_dist_name,transport,remote_server,remote_address"]
    for index in range(count):
        kind = PLAN[index % len(PLAN)]
        name = f"EXMTA{index:05d}"
        server = fleet / name
        install(store, server, kind)
        write_registry(server, index, kind)
        expected[name] = kind.status
        if kind.multihomed:
            inventory += [f"{name},{ODN}{c},TCP,," for c in connectors(index)]
    (fleet / "connectors.csv").write_bytes(("\r\n".join(inventory) + "\r\n").encode())
    (fleet / ".expected.json").write_text(json.dumps(expected, indent=0, sort_keys=True))
    return expected


def describe(expected: Mapping[str, str]) -> str:
    counts = Counter(expected.values())
    total = len(expected) or 1
    return ", ".join(
        f"{status} {counts[status]} ({100 * counts[status] / total:.0f} %)"
        for status in sorted(counts, key=lambda s: -counts[s])
    )


def main(argv: Sequence[str]) -> int:
    if len(argv) != 2 or not argv[0].isdigit():
        print("usage: python benchmarks/make_fleet.py N DIR", file=sys.stderr)
        return 2
    count, fleet = int(argv[0]), Path(argv[1])
    expected = build_fleet(count, fleet)
    print(f"{fleet}: {count} servers; status mix: {describe(expected)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
