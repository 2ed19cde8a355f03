"""Live Samba servers for the SMB/RRP tests: one smbd per scenario and protocol, shared by
the whole session and started only when a test asks for it."""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from auditor.evidence.credentials import Credentials
from auditor.parsing.connectors_csv import ConnectorEntry, ConnectorInventory
from auditor.parsing.registry import RegType, RegValue
from tests.builders.mta_files import DATA_FILES, PE_FILES
from tests.builders.pe import build_pe
from tests.builders.regtext import write_reg
from tests.evidence.samba import PASSWORD, SambaServer, missing_tools

SP1, SP3 = "5.5.2232.18", "5.5.2650.24"
PAD = 256 * 1024
"""A real Emsmta.exe is 1.5 MB with its resources last; the reader must not fetch the middle."""
SERVICES = "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services"
MTA = "MSExchangeMTA"
MTA_ON_D = "MSExchangeMTAonD"
"""A second service whose ImagePath is on D:, a drive the server does not share."""
MTA_ON_E = "MSExchangeMTAonE"
"""A third, on E:, a share the account is refused."""
ADAPTERS = {"El90x1": ("10.0.4.5",), "E100B2": ("10.0.4.6", "10.0.4.7")}
OVERRIDE = "10.0.4.6"

SCENARIOS = {"compliant": SP3, "exposed": SP1}
PROTOCOLS = ["SMB1", "SMB2"]
NT4 = "NT4"
"""Not a protocol of its own: SMB1 through the NetBIOS session service, as NT4 serves it."""
NT4_NAME = "EXCH01"


def mta_registry(fmt: str) -> bytes:
    """The MTA service, its override and an NT4 multihomed network, as regedit exports them.

    Samba serves ``Services\\Tcpip\\Parameters`` from a virtual backend, so the adapters are
    in the NT4 layout only.
    """
    sz, expand = RegType.SZ, RegType.EXPAND_SZ
    keys: dict[str, list[RegValue]] = {
        f"{SERVICES}\\{MTA}": [
            RegValue("Type", RegType.DWORD, 0x10),
            RegValue("Start", RegType.DWORD, 2),
            RegValue("ImagePath", expand, "C:\\exchsrvr\\bin\\emsmta.exe"),
            RegValue("DisplayName", sz, "Microsoft Exchange Message Transfer Agent"),
        ],
        f"{SERVICES}\\{MTA}\\Parameters": [RegValue("Kernel Check Interval", RegType.DWORD, 60)],
        f"{SERVICES}\\{MTA}\\Parameters\\TCP to LONDON": [
            RegValue("Stack IP Address Override", sz, OVERRIDE)
        ],
        f"{SERVICES}\\{MTA_ON_D}": [
            RegValue("ImagePath", expand, "D:\\exchsrvr\\bin\\emsmta.exe"),
        ],
        f"{SERVICES}\\{MTA_ON_E}": [
            RegValue("ImagePath", expand, "E:\\exchsrvr\\bin\\emsmta.exe"),
        ],
        f"{SERVICES}\\Tcpip\\Linkage": [
            RegValue("Bind", RegType.MULTI_SZ, tuple(f"\\Device\\{name}" for name in ADAPTERS))
        ],
    }
    for adapter, addresses in ADAPTERS.items():
        keys[f"{SERVICES}\\{adapter}\\Parameters\\Tcpip"] = [
            RegValue("EnableDHCP", RegType.DWORD, 0),
            RegValue("IPAddress", RegType.MULTI_SZ, addresses),
        ]
    return write_reg(keys, fmt)


def install_mta(folder: Path, version: str) -> None:
    folder.mkdir(parents=True)
    for name in PE_FILES:
        pad = PAD if name == "Emsmta.exe" else 0
        data = build_pe(version, dll=name.endswith(".dll"), pad_before_resources=pad)
        (folder / name.upper()).write_bytes(data)
    for name in DATA_FILES:
        (folder / name.upper()).write_bytes(f"; {name} shipped with the MTA\r\n".encode())


@pytest.fixture(scope="session")
def samba(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[[str, str], SambaServer]]:
    """``samba(scenario, protocol)``: a running smbd, started on first use; protocol is one
    of PROTOCOLS or NT4."""
    why = missing_tools()
    if why:
        pytest.skip(why)
    running: dict[tuple[str, str], SambaServer] = {}

    def get(scenario: str, protocol: str) -> SambaServer:
        key = (scenario, protocol)
        if key not in running:
            root = tmp_path_factory.mktemp(f"samba-{scenario}-{protocol}")
            name = NT4_NAME if protocol == NT4 else None
            server = SambaServer(root, smb1=protocol == "SMB1", netbios_name=name)
            running[key] = server
            server.configure()
            install_mta(server.share / "exchsrvr" / "bin", SCENARIOS[scenario])
            # One scenario in each export format; REGEDIT4 is ANSI and needs enc=CP1252.
            fmt = "v5" if scenario == "compliant" else "regedit4"
            reg = root / f"{scenario}.reg"
            reg.write_bytes(mta_registry(fmt))
            server.import_registry(reg, ansi=fmt == "regedit4")
            server.start()
        return running[key]

    yield get
    for server in running.values():
        server.stop()


@pytest.fixture(scope="session")
def credentials() -> Credentials:
    return Credentials(getpass.getuser(), PASSWORD)


def london_connector(*servers: str) -> ConnectorInventory:
    """The connectors inventory of the scenarios: one TCP connector each, 'TCP to LONDON'."""
    odn = "/o=Org/ou=Site/cn=Configuration/cn=Connections/cn=TCP to LONDON"
    entries = tuple(
        ConnectorEntry(server, odn, "TCP to LONDON", "TCP", "", "") for server in servers
    )
    return ConnectorInventory("connectors.csv", entries, ())
