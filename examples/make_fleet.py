"""Build the example fleet in examples/fleet: one or more servers of every status.

Run from the repository root:  python examples/make_fleet.py [TARGET_DIR]

The output is deterministic, so a rerun gives the same bytes. Each server folder is named
after the status fixlevel must give it, then what makes it so; tests scan the fleet and
hold the tool to those names. The evidence is built with the test builders (PE files,
.reg exports in both formats, offline hives), which do not share code with the readers.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from auditor.parsing.registry import RegType, RegValue  # noqa: E402
from tests.builders.hive import build_hive  # noqa: E402
from tests.builders.mta_files import DATA_FILES, PE_FILES  # noqa: E402
from tests.builders.pe import build_pe  # noqa: E402
from tests.builders.regtext import write_reg  # noqa: E402

SP1, SP2, SP3, EX50 = "5.5.2232.18", "5.5.2448.1", "5.5.2650.24", "5.0.1461.0"
MTA = "MSExchangeMTA"
ODN = "/o=Contoso/ou=Europe/cn=Configuration/cn=Connections/cn="
# A realistic MTA binary keeps its resources at the end; kept small so the repo stays small.
PAD = 48 * 1024

Keys = dict[str, list[RegValue]]


def sz(name: str, text: str, kind: RegType = RegType.SZ) -> RegValue:
    return RegValue(name, kind, text)


def dword(name: str, number: int) -> RegValue:
    return RegValue(name, RegType.DWORD, number)


def multi(name: str, *items: str) -> RegValue:
    return RegValue(name, RegType.MULTI_SZ, tuple(items))


def system_keys(
    control_set: str,
    adapters: Mapping[str, Sequence[str]],
    overrides: Mapping[str, RegValue],
    *,
    nt4: bool = True,
    image_path: str = "C:\\exchsrvr\\bin\\emsmta.exe",
    bound: Sequence[str] | None = None,
) -> Keys:
    """The MTA service, its overrides and the adapters, below one control set.

    TCP/IP is bound to ``bound`` (Tcpip\\Linkage\\Bind), by default to every adapter on NT4
    and, on Windows 2000, to nothing listed (no Bind value).
    """
    services = f"{control_set}\\Services"
    keys: Keys = {
        f"{services}\\{MTA}": [
            dword("Type", 0x10),
            dword("Start", 2),
            sz("ImagePath", image_path, RegType.EXPAND_SZ),
            sz("DisplayName", "Microsoft Exchange Message Transfer Agent"),
        ],
        f"{services}\\{MTA}\\Parameters": [sz("", "default value")],
    }
    for connector, value in overrides.items():
        keys[f"{services}\\{MTA}\\Parameters\\{connector}"] = [value]
    for adapter, addresses in adapters.items():
        where = (
            f"{services}\\{adapter}\\Parameters\\Tcpip"
            if nt4
            else f"{services}\\Tcpip\\Parameters\\Interfaces\\{adapter}"
        )
        keys[where] = [dword("EnableDHCP", 0), multi("IPAddress", *addresses)]
    if bound is None and nt4:
        bound = list(adapters)
    if bound is not None:
        keys[f"{services}\\Tcpip\\Linkage"] = [
            multi("Bind", *(f"\\Device\\{adapter}" for adapter in bound))
        ]
    return keys


def ras_server(control_set: str) -> Keys:
    """RAS (NT4) or Routing and Remote Access (Windows 2000), set to start automatically."""
    return {f"{control_set}\\Services\\RemoteAccess": [dword("Type", 0x20), dword("Start", 2)]}


def override(address: str) -> RegValue:
    return sz("Stack IP Address Override", address)


def export(keys: Keys, fmt: str) -> bytes:
    return write_reg({f"HKEY_LOCAL_MACHINE\\SYSTEM\\{k}": v for k, v in keys.items()}, fmt)


def hive(keys: Keys, current: int) -> bytes:
    select = {"Select": [dword("Current", current), dword("Default", current),
                         dword("Failed", 0), dword("LastKnownGood", current)]}  # fmt: skip
    return build_hive({**select, **keys})


def install(server: Path, version: str, folder: str = "C$/exchsrvr/bin",
            skip: Sequence[str] = ()) -> None:  # fmt: skip
    """The thirteen MTA files at one build, as a collector would copy them (names upper-case)."""
    target = server / folder
    target.mkdir(parents=True, exist_ok=True)
    for name in PE_FILES:
        if name not in skip:
            pad = PAD if name == "Emsmta.exe" else 0
            pe = build_pe(version, dll=name.endswith(".dll"), pad_before_resources=pad)
            (target / name.upper()).write_bytes(pe)
    for name in DATA_FILES:
        if name not in skip:
            (target / name.upper()).write_bytes(f"; {name} shipped with the MTA\r\n".encode())


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def build(fleet: Path) -> None:
    if fleet.exists():
        shutil.rmtree(fleet)
    fleet.mkdir(parents=True)

    # SP1 on a multihomed NT4 server: the article's case. REGEDIT4 export.
    server = fleet / "exposed-sp1-multihomed"
    install(server, SP1)
    keys = system_keys("CurrentControlSet", {"El90x1": ["10.0.0.5"], "E100B2": ["10.0.0.6"]},
                       {"TCP to LONDON": override("10.0.0.5")})  # fmt: skip
    write(server / "registry" / "system.reg", export(keys, "regedit4"))

    # SP2, multihomed, but the connector to PARIS has no override. Version 5 export.
    server = fleet / "exposed-connector-without-override"
    install(server, SP2)
    keys = system_keys("CurrentControlSet", {"El90x1": ["10.0.1.5", "10.0.1.6"]},
                       {"TCP to LONDON": override("10.0.1.5")})  # fmt: skip
    write(server / "registry" / "mta.reg", export(keys, "v5"))

    # SP1 on a single-homed Windows 2000 server: below the fix, no override needed. A hive.
    server = fleet / "below-baseline-sp1-single-homed"
    install(server, SP1)
    keys = system_keys("ControlSet001", {"{4D36E972-E325-11CE-BFC1-08002BE10318}": ["10.0.2.5"]},
                       {}, nt4=False)  # fmt: skip
    write(server / "registry" / "SYSTEM", hive(keys, 1))

    # SP2, but the collector missed Mtamsg.dll: no verdict can be given.
    server = fleet / "incomplete-missing-mtamsg"
    install(server, SP2, skip=("Mtamsg.dll",))
    keys = system_keys("CurrentControlSet", {"El90x1": ["10.0.3.5"]}, {})
    write(server / "registry" / "system.reg", export(keys, "regedit4"))

    # SP3 on a multihomed NT4 server, pinned; Select\Current = 2, and ControlSet001 holds a
    # stale override on a foreign address that a reader assuming ControlSet001 would judge.
    # A stray SP1 copy in bin.old is a warning only.
    server = fleet / "compliant-sp3-multihomed-current-is-cs2"
    install(server, SP3)
    install(server, SP1, folder="C$/exchsrvr/bin.old", skip=PE_FILES[2:] + DATA_FILES)
    adapters = {"El90x1": ["10.0.4.5"], "E100B2": ["10.0.4.6", "10.0.4.7"]}
    stale = system_keys("ControlSet001", adapters, {"TCP to LONDON": override("10.9.9.9")})
    current = system_keys("ControlSet002", adapters, {"TCP to LONDON": override("10.0.4.6")})
    write(server / "registry" / "SYSTEM", hive({**stale, **current}, 2))

    # SP2 on a single-homed server: nothing to do. A dial-up adapter at 0.0.0.0 doesn't count.
    server = fleet / "compliant-sp2-single-homed"
    install(server, SP2)
    unconfigured = "0.0.0.0"  # noqa: S104 (an adapter's address, not a socket bind)
    keys = system_keys(
        "CurrentControlSet", {"El90x1": ["10.0.5.5"], "NdisWan4": [unconfigured]}, {}
    )
    write(server / "registry" / "system.reg", export(keys, "v5"))

    # Exchange 5.0: the fix does not apply.
    server = fleet / "not-applicable-exchange-50"
    install(server, EX50)
    keys = system_keys("CurrentControlSet", {"El90x1": ["10.0.6.5"], "E100B2": ["10.0.6.6"]}, {})
    write(server / "registry" / "system.reg", export(keys, "regedit4"))

    # SP3 and multihomed, one connector pinned, but connectors.csv has no row for the server:
    # a connector that never got an override key would be invisible, so no verdict yet.
    server = fleet / "incomplete-multihomed-connectors-unknown"
    install(server, SP3)
    keys = system_keys("CurrentControlSet", {"El90x1": ["10.0.7.5"], "E100B2": ["10.0.7.6"]},
                       {"TCP to ROME": override("10.0.7.5")})  # fmt: skip
    write(server / "registry" / "system.reg", export(keys, "regedit4"))

    # SP1 on one network card, but a RAS server: in effect dual-homed (Q255991), so exposed
    # where a plain single-homed server would only be below the baseline.
    server = fleet / "exposed-ras-server-one-nic"
    install(server, SP1)
    keys = system_keys("CurrentControlSet", {"El90x1": ["10.0.8.5"]}, {})
    write(server / "registry" / "system.reg", export({**keys, **ras_server("CurrentControlSet")},
                                                     "regedit4"))  # fmt: skip

    # SP3 on Windows 2000 with a second interface that TCP/IP is no longer bound to (a
    # removed NIC keeps its key): single-homed, so compliant with no connectors row.
    server = fleet / "compliant-sp3-w2k-unbound-second-nic"
    install(server, SP3)
    lan = "{4D36E972-E325-11CE-BFC1-08002BE10318}"
    removed = "{8A1F3B2C-5D6E-4F70-8192-A3B4C5D6E7F8}"
    keys = system_keys("ControlSet001", {lan: ["10.0.9.5"], removed: ["10.0.9.6"]}, {},
                       nt4=False, bound=[lan])  # fmt: skip
    write(server / "registry" / "SYSTEM", hive(keys, 1))

    inventory = [
        "server,obj_dist_name,transport,remote_server,remote_address",
        f"exposed-sp1-multihomed,{ODN}TCP to LONDON,TCP,,",
        f"exposed-connector-without-override,{ODN}TCP to LONDON,TCP,,",
        f"exposed-connector-without-override,{ODN}TCP to PARIS,TCP,,",
        f"compliant-sp3-multihomed-current-is-cs2,{ODN}TCP to LONDON,TCP,,",
    ]
    write(fleet / "connectors.csv", ("\r\n".join(inventory) + "\r\n").encode())


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "examples" / "fleet"
    build(target)
    print(f"wrote the example fleet to {target}")
