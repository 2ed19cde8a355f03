"""What evaluation returns: findings per file and connector, and one verdict per server."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from auditor.baseline import Baseline

__all__ = [
    "AuditResult",
    "ConnectorFinding",
    "ConnectorResult",
    "FileFinding",
    "FileResult",
    "ServerVerdict",
    "Status",
]


class Status(StrEnum):
    """A server's status. The values are the JSON ids; members are listed most severe first."""

    EXPOSED = "exposed"
    BELOW_BASELINE = "below-baseline"
    INCOMPLETE = "incomplete"
    COMPLIANT = "compliant"
    NOT_APPLICABLE = "not-applicable"

    @property
    def severity(self) -> int:
        """0 for the most severe; sort by this to list the worst first."""
        return list(Status).index(self)

    @property
    def is_failing(self) -> bool:
        """A status that a scheduled job should act on (exit code 1)."""
        return self in (Status.EXPOSED, Status.BELOW_BASELINE, Status.INCOMPLETE)


class FileResult(StrEnum):
    """The result of one baseline file on one server."""

    OK = "ok"
    """PE file at or above the required version."""
    BELOW = "below"
    """PE file below the required version."""
    PRESENT = "present"
    """Data file present; no reference hash to compare with."""
    MATCHES = "matches-reference"
    """Data file present and equal to the reference hash."""
    DIFFERS = "differs-from-reference"
    """Data file present but not equal to the reference hash (a warning)."""
    MISSING = "missing"
    """No copy in the evidence."""
    UNREADABLE = "unreadable"
    """A copy exists but its version could not be read."""
    OTHER_PRODUCT = "other-product"
    """A version from another product line (Exchange 5.0): the fix does not apply."""
    STRAY = "stray-copy"
    """A copy outside the folder the MTA runs from; listed, not judged."""


class ConnectorResult(StrEnum):
    """The result of one X.400 connector's override on one server."""

    VALID = "valid"
    MISSING = "missing"
    """No override key, or the key lacks the value."""
    WRONG_TYPE = "wrong-type"
    MALFORMED = "malformed"
    """Not a dotted IPv4 address."""
    FOREIGN_ADDRESS = "foreign-address"
    """A well-formed address that is not one of the server's own."""
    NOT_REQUIRED = "not-required"
    """The server is not multihomed, so no override is needed."""
    UNKNOWN = "unknown"
    """The server's own addresses are not in the evidence, so the value cannot be judged."""
    NO_CONNECTOR = "no-connector"
    """An override key that matches no connector in the inventory (a warning)."""


@dataclass(frozen=True)
class FileFinding:
    """One baseline file checked on one server; one row per copy found, or one if missing."""

    name: str
    """The baseline's file name."""
    kind: str
    """"pe" or "data"."""
    path: str | None
    """The evidence path of this copy; None when missing."""
    fixed_version: str | None
    string_version: str | None
    required_version: str | None
    """The version the baseline requires (PE files); None for data files."""
    result: FileResult
    detail: str
    """Plain words on the result."""


@dataclass(frozen=True)
class ConnectorFinding:
    """One X.400 connector's override checked on one server."""

    connector: str
    """The connector's RDN, which is the override's key name."""
    obj_dist_name: str | None
    """From the connectors inventory; None when the override keys stood in for it."""
    override_value: str | None
    value_type: str | None
    result: ConnectorResult
    detail: str


@dataclass(frozen=True)
class ServerVerdict:
    """A server's status with every reason for it."""

    server: str
    status: Status
    reasons: tuple[str, ...]
    """Why the status is what it is, in plain words; at least one."""
    remediation: tuple[str, ...]
    """What to do, one step per problem, from the article."""
    warnings: tuple[str, ...]
    """Findings that never change the status (stray copies, version string disagreement…)."""
    files: tuple[FileFinding, ...]
    connectors: tuple[ConnectorFinding, ...]
    mta_version: str | None
    """The judged Emsmta.exe fixed version."""
    build_label: str | None
    """"SP1", "SP2"… from the baseline's build table."""
    multihomed: bool | None
    """None when the registry evidence could not tell."""
    addresses: tuple[str, ...]
    """The server's own configured IPv4 addresses that count."""
    connector_source: str
    """"inventory" or "override keys": where the connector list came from."""
    site: str = ""
    """From the fleet inventory, passed through from the facts; empty without one."""
    owner: str = ""
    """From the fleet inventory, passed through from the facts; empty without one."""


@dataclass(frozen=True)
class AuditResult:
    """One run: the baseline applied, when, and a verdict per server."""

    baseline: Baseline
    generated_at: datetime
    servers: tuple[ServerVerdict, ...]
    notes: tuple[str, ...] = ()
    """Fleet-wide remarks: unusable inventory rows, evidence that names no server."""

    def count(self, status: Status) -> int:
        return sum(1 for verdict in self.servers if verdict.status is status)
