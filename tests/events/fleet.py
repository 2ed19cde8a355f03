"""A fleet of three for the 9301 tests: a multihomed sender and two receivers.

- MTA-A sends: SP3, addresses 10.0.0.5 and 10.0.0.6, both connectors pinned to 10.0.0.5 by
  an override written (the hive's last-write time) at OVERRIDE_WRITTEN. Compliant.
- MTA-B receives: SP3 (logs 9301), single-homed 10.0.1.5; its AppEvent.Evt holds the events.
- MTA-C receives: SP2, build 2448, one of the builds that do not log 9301 (Q234962).

Built with the test builders (PE, hive, .evt), none of which shares code with the readers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path

from auditor.parsing.registry import RegType, RegValue
from tests.builders.evt import EvtLog, EvtRecord, ipv4_hex, mta_9301, name_hex, utc
from tests.builders.hive import build_hive
from tests.builders.mta_files import DATA_FILES, PE_FILES
from tests.builders.pe import build_pe

SP2, SP3 = "5.5.2448.1", "5.5.2650.24"
MTA = "MSExchangeMTA"
ODN = "/o=ORG/ou=SITE/cn=Configuration/cn=Connections/cn="
OVERRIDE_WRITTEN = utc(2000, 3, 1, 12, 0, 0)
CONNECTORS = (
    "server,obj_dist_name,transport,remote_server,remote_address\r\n"
    f"MTA-A,{ODN}TCP to B,TCP,MTA-B,10.0.1.5\r\n"
    f"MTA-A,{ODN}TCP to C,TCP,MTA-C,10.0.2.5\r\n"
    f"MTA-B,{ODN}TCP to A,TCP,MTA-A,10.0.0.5\r\n"
    f"MTA-C,{ODN}TCP to A,TCP,MTA-A,10.0.0.5\r\n"
)


def filetime(when: datetime) -> int:
    return int((when - utc(1601, 1, 1)).total_seconds()) * 10_000_000


def system_hive(
    addresses: Sequence[str],
    overrides: Mapping[str, str] = {},
    written: datetime | None = None,
    cluster: bool = False,
) -> bytes:
    services = "ControlSet001\\Services"
    keys: dict[str, list[RegValue]] = {
        "Select": [RegValue("Current", RegType.DWORD, 1)],
        f"{services}\\{MTA}": [
            RegValue("ImagePath", RegType.EXPAND_SZ, "C:\\exchsrvr\\bin\\emsmta.exe")
        ],
        f"{services}\\{MTA}\\Parameters": [],
        f"{services}\\El90x1\\Parameters\\Tcpip": [
            RegValue("EnableDHCP", RegType.DWORD, 0),
            RegValue("IPAddress", RegType.MULTI_SZ, tuple(addresses)),
        ],
        f"{services}\\Tcpip\\Linkage": [RegValue("Bind", RegType.MULTI_SZ, ("\\Device\\El90x1",))],
    }
    if cluster:
        keys[f"{services}\\ClusSvc"] = [RegValue("Start", RegType.DWORD, 2)]
    times = {}
    for connector, address in overrides.items():
        path = f"{services}\\{MTA}\\Parameters\\{connector}"
        keys[path] = [RegValue("Stack IP Address Override", RegType.SZ, address)]
        if written is not None:
            times[path] = filetime(written)
    return build_hive(keys, written=times)


def install(server: Path, version: str) -> None:
    target = server / "C$/exchsrvr/bin"
    target.mkdir(parents=True, exist_ok=True)
    for name in PE_FILES:
        (target / name.upper()).write_bytes(build_pe(version, dll=name.endswith(".dll")))
    for name in DATA_FILES:
        (target / name.upper()).write_bytes(f"; {name}\r\n".encode())


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def b_events() -> EvtLog:
    """What MTA-B logged, with the counts the Events sheet must show."""
    log = EvtLog()
    before = OVERRIDE_WRITTEN - timedelta(days=2)
    after = OVERRIDE_WRITTEN + timedelta(days=1)

    def at(start: datetime, *seconds: int, address: str) -> None:
        log.add(*(mta_9301(start + timedelta(seconds=s), address) for s in seconds))

    # 10.0.0.6, MTA-A's other address: 3 pairs before the override and 1 after it, plus a
    # lone event (accepted after a reverse lookup): 9 events, 4 refused.
    at(before, 0, 5, 600, 630, 1200, 1259, address=ipv4_hex("10.0.0.6"))
    at(after, 0, 60, 3000, address=ipv4_hex("10.0.0.6"))
    # A name that does not resolve: one pair.
    at(before, 100, 101, address=name_hex("RemoteMTA"))
    # An address no audited server owns: two lone events 61 s apart, no refusal.
    at(before, 200, 261, address=ipv4_hex("192.168.7.9"))
    # Noise: other sources and ids.
    log.add(EvtRecord(9301, before, source="MSExchangeIS", strings=("0A000006",)))
    log.add(EvtRecord(0xC000_0000 | 9302, before, strings=(ipv4_hex("10.0.0.6"),)))
    return log


def build_fleet(root: Path) -> Path:
    install(root / "MTA-A", SP3)
    write(
        root / "MTA-A/registry/SYSTEM",
        system_hive(
            ("10.0.0.5", "10.0.0.6"),
            {"TCP to B": "10.0.0.5", "TCP to C": "10.0.0.5"},
            written=OVERRIDE_WRITTEN,
        ),
    )
    install(root / "MTA-B", SP3)
    write(root / "MTA-B/registry/SYSTEM", system_hive(("10.0.1.5",)))
    write(root / "MTA-B/C$/WINNT/system32/config/AppEvent.Evt", b_events().linear())
    install(root / "MTA-C", SP2)
    write(root / "MTA-C/registry/SYSTEM", system_hive(("10.0.2.5",)))
    c_log = EvtLog().add(EvtRecord(1000, OVERRIDE_WRITTEN, source="Application Popup"))
    write(root / "MTA-C/logs/application.bin", c_log.linear())  # found by content
    (root / "connectors.csv").write_text(CONNECTORS, encoding="ascii")
    return root
