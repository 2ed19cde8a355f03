"""ServerFacts: everything known about one server, and nothing judged.

Facts serialise to JSON and back, so evidence can be gathered once and judged again later,
against the same or another baseline.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from auditor.events.model import EventLogFact, GatewayEvent, event_facts_from_dict
from auditor.names import server_name

__all__ = [
    "AdapterFact",
    "FileFact",
    "OverrideFact",
    "RegistryFacts",
    "ServerFacts",
    "ValueFact",
    "WindowsFacts",
]


@dataclass(frozen=True)
class FileFact:
    """One copy of a baseline file found in a server's evidence."""

    name: str
    """The baseline's spelling of the file name, e.g. "Emsmta.exe"."""
    path: str
    """Path inside the evidence, forward slashes, case as found: "C$/exchsrvr/bin/EMSMTA.EXE"."""
    size: int
    """Size in bytes."""
    fixed_version: str | None = None
    """VS_FIXEDFILEINFO FileVersion, e.g. "5.5.2431.0"; None when there is none."""
    string_version: str | None = None
    """The StringFileInfo FileVersion string, recorded but never used to decide."""
    sha256: str | None = None
    """Hex digest of the content; taken for data files."""
    error: str | None = None
    """Why the version or content could not be read; None when it could."""
    bytes_read: int = 0
    """Bytes read from the evidence to establish these facts."""
    note: str | None = None
    """A remark on how the version was read that does not stop it being judged."""


@dataclass(frozen=True)
class OverrideFact:
    """A subkey of the MTA's Parameters key: a connector that may carry an override."""

    connector: str
    """The subkey name: the connector's RDN."""
    value: str | None
    """The Stack IP Address Override value as text; None when the value is absent."""
    value_type: str | None
    """Its registry type ("REG_SZ"…); None when absent."""
    last_written: str | None = None
    """The key's last-write time, ISO 8601 UTC, where the evidence keeps one (a hive,
    MS-RRP); None from a .reg export, which has none."""


@dataclass(frozen=True)
class AdapterFact:
    """One network adapter (NT4) or interface (Windows 2000) with its IPv4 configuration."""

    name: str
    addresses: tuple[str, ...]
    """Static IPAddress entries, in order, empty strings dropped."""
    dhcp: bool
    """EnableDHCP is 1."""
    dhcp_address: str | None
    """DhcpIPAddress, counted only when ``dhcp`` is set."""
    bound: bool | None
    """Listed in Tcpip\\Linkage\\Bind (``\\Device\\El90x1`` on NT4, ``\\Device\\{GUID}`` on
    Windows 2000); None where the evidence has no Bind list."""


@dataclass(frozen=True)
class RegistryFacts:
    """What the SYSTEM registry evidence says, from the current control set."""

    sources: tuple[str, ...]
    """The evidence files that were merged, in the order applied."""
    control_set: str
    """"CurrentControlSet" in an export, or "ControlSet002" when resolved via Select\\Current."""
    mta_service: bool | None
    """The MSExchangeMTA service key exists; None when the evidence does not show the
    Services key itself (an export of a few keys below it), so its absence is not shown."""
    image_path: str | None
    """The service's ImagePath as stored (may hold variables, quotes, arguments)."""
    overrides: tuple[OverrideFact, ...]
    adapters: tuple[AdapterFact, ...]
    cluster_service: bool
    """A ClusSvc service key exists: the server is a cluster node (Q169113)."""
    remote_access_start: int | None = None
    """The RemoteAccess service's Start value (RAS on NT4, RRAS on Windows 2000); None when
    the service is not installed, -1 when it is installed without a DWORD Start."""
    exchange_services: tuple[str, ...] | None = None
    """The MSExchange* service keys (MSExchangeIS, MSExchangeIMC...), which show the Exchange
    components installed; None where the evidence does not show the Services key whole."""


@dataclass(frozen=True)
class ValueFact:
    """A registry value a catalogue article asks about, as read (below HKLM)."""

    key: str
    """The key path below HKLM as the article names it: 'SYSTEM\\CurrentControlSet\\...'."""
    value: str
    found: bool
    """The value exists. False when the key or the value is absent from evidence that holds
    the key's parent."""
    value_type: str | None = None
    data: str | None = None
    """As text: strings as stored, REG_DWORD in decimal, REG_MULTI_SZ joined by newlines."""
    error: str | None = None
    """Why it could not be read; then ``found`` says nothing."""


@dataclass(frozen=True)
class WindowsFacts:
    """Microsoft\\Windows NT\\CurrentVersion of a SOFTWARE hive or export."""

    source: str
    current_version: str | None
    """"4.0", "5.0"."""
    csd_version: str | None
    """"Service Pack 6"; None when no service pack is installed."""
    build: str | None
    """CurrentBuildNumber, "1381"."""

    def describe(self) -> str:
        name = {"4.0": "Windows NT 4.0", "5.0": "Windows 2000"}.get(
            self.current_version or "", f"Windows {self.current_version or '(unknown version)'}"
        )
        build = f" build {self.build}" if self.build else ""
        return f"{name}{build}, {self.csd_version or 'no service pack'}"


@dataclass(frozen=True)
class ServerFacts:
    """Everything gathered about one server."""

    server: str
    source: str
    """Where the evidence came from: a folder path, a zip, a host."""
    files: tuple[FileFact, ...]
    registry: RegistryFacts | None
    """None when the server has no readable registry evidence at all."""
    problems: tuple[str, ...] = ()
    """Evidence that exists but could not be read, each naming the file and the reason."""
    notes: tuple[str, ...] = ()
    """Remarks on evidence that was read but does not bear on a verdict (a SOFTWARE hive, a
    .reg line regedit skips outside the keys the audit reads), each naming the file."""
    site: str = ""
    """From the fleet inventory, for the report; empty without one."""
    owner: str = ""
    """From the fleet inventory, for the report; empty without one."""
    values: tuple[ValueFact, ...] = ()
    """The registry values catalogue articles ask about; empty when none asks."""
    windows: WindowsFacts | None = None
    """From a SOFTWARE hive or export; None when the evidence has none."""
    event_logs: tuple[EventLogFact, ...] = ()
    """The Application logs that were read (DESIGN.md section 1b)."""
    events: tuple[GatewayEvent, ...] = ()
    """The MTA's 9301 events in them."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ServerFacts:
        registry = data.get("registry")
        event_logs, events = event_facts_from_dict(data)
        return cls(
            # As a scanned name is (names.py): a snapshot may be older, or edited by hand.
            server=server_name(data["server"]),
            source=data["source"],
            files=tuple(FileFact(**item) for item in data["files"]),
            registry=None
            if registry is None
            else RegistryFacts(
                sources=tuple(registry["sources"]),
                control_set=registry["control_set"],
                mta_service=registry["mta_service"],
                image_path=registry["image_path"],
                overrides=tuple(OverrideFact(**item) for item in registry["overrides"]),
                adapters=tuple(
                    AdapterFact(**{**item, "addresses": tuple(item["addresses"])})
                    for item in registry["adapters"]
                ),
                cluster_service=registry["cluster_service"],
                remote_access_start=registry["remote_access_start"],
                exchange_services=None
                if registry.get("exchange_services") is None
                else tuple(registry["exchange_services"]),
            ),
            problems=tuple(data.get("problems", ())),
            notes=tuple(data["notes"]),
            site=data.get("site", ""),
            owner=data.get("owner", ""),
            values=tuple(ValueFact(**item) for item in data.get("values", ())),
            windows=WindowsFacts(**data["windows"]) if data.get("windows") else None,
            event_logs=event_logs,
            events=events,
        )
