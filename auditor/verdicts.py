"""What evaluation returns: findings per file and connector, and one verdict per server."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from auditor.baseline import Baseline
from auditor.events.model import EventSummary
from auditor.requirements import Article
from auditor.waivers import Waiver

__all__ = [
    "AppliedWaiver",
    "ArticleChange",
    "ArticleVerdict",
    "AuditResult",
    "Change",
    "ComponentBuild",
    "ConnectorFinding",
    "ConnectorResult",
    "FileFinding",
    "FileResult",
    "RunCounts",
    "ServerChange",
    "ServerVerdict",
    "Status",
    "Trend",
    "ValueFinding",
    "ValueResult",
    "WaiverOutcome",
    "WaiverState",
    "quarter_of",
]


class Status(StrEnum):
    """A server's status. The values are the JSON ids; members are listed most severe first."""

    EXPOSED = "exposed"
    BELOW_BASELINE = "below-baseline"
    INCOMPLETE = "incomplete"
    WAIVED = "waived"
    """One of the statuses above, with the risk accepted until a date (a waiver)."""
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
    NOT_CHECKED = "not-checked"
    """Data file present, but not hashed when collected: the collection's baseline had no
    reference hash for it (a warning)."""
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
    peer_address: str | None = None
    """The address the peer's receiving connector expects of this server, from the
    connectors inventory; None when it does not say."""


class ValueResult(StrEnum):
    """The result of one plain registry value requirement on one server."""

    MET = "met"
    NOT_MET = "not-met"
    """Absent, of the wrong type, or with other data."""
    UNKNOWN = "unknown"
    """Not in the evidence read, or unreadable: the server is incomplete for it."""


@dataclass(frozen=True)
class ValueFinding:
    """One plain registry value requirement checked on one server."""

    key: str
    value: str
    value_type: str | None
    data: str | None
    result: ValueResult
    detail: str


@dataclass(frozen=True)
class ComponentBuild:
    """A component's fix level on one server: the lowest version of its judged PE files."""

    component: str
    version: str
    label: str | None
    """"SP2"…, from the service packs' own builds or the build table; None when unknown."""
    lowest: str
    """The file that holds the lowest version."""


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
    connectors_unknown: bool = False
    """Multihomed, and the connectors inventory does not say which connectors it has: the
    server cannot be judged compliant until it does."""
    site: str = ""
    """From the fleet inventory, passed through from the facts; empty without one."""
    owner: str = ""
    """From the fleet inventory, passed through from the facts; empty without one."""
    waiver: AppliedWaiver | None = None
    """Set when the status is WAIVED: the status underneath and the waivers that cover it."""
    values: tuple[ValueFinding, ...] = ()
    """Plain registry value requirements (catalogue articles); empty for Q197378."""
    articles: tuple[ArticleVerdict, ...] = ()
    """A catalogue run: the verdict per article, in the run's article order; the status
    above is the most severe of them. Empty in a run of one baseline."""
    builds: tuple[ComponentBuild, ...] = ()
    """A catalogue run: the fix level of each component found."""
    windows: str | None = None
    """"Windows NT 4.0 build 1381, Service Pack 6" from a SOFTWARE hive; None without one."""
    refused_connections: int | None = None
    """9301 pairs attributed to it as sender; 0 where a receiver's log covers it and none
    were seen; None where no receiver joined to it had its log read (not covered)."""

    @property
    def underlying_status(self) -> Status:
        """The status as judged, before any waiver."""
        return self.waiver.underlying if self.waiver else self.status


@dataclass(frozen=True)
class ArticleVerdict:
    """One server judged against one article of a catalogue run."""

    article_id: str
    verdict: ServerVerdict


@dataclass(frozen=True)
class AppliedWaiver:
    """Why a server shows WAIVED rather than the status it was judged."""

    underlying: Status
    """The status the evidence gives (exposed, below-baseline or incomplete)."""
    waivers: tuple[Waiver, ...]
    """The waivers that together cover every failing finding, in file order."""

    @property
    def reason(self) -> str:
        return "; ".join(
            f"{w.reason} (approved by {w.approved_by}, until {w.expires})" for w in self.waivers
        )


class WaiverState(StrEnum):
    """What became of one waiver in one run."""

    APPLIED = "applied"
    EXPIRED = "expired"
    """Its date has passed: it no longer applies."""
    UNUSED = "unused"
    """It matched no failing server or finding."""
    NOT_COVERING = "not-covering"
    """Its server fails for a finding that no active waiver names, so it stays failing."""


@dataclass(frozen=True)
class WaiverOutcome:
    """One waiver and what it did."""

    waiver: Waiver
    state: WaiverState
    detail: str


def quarter_of(when: datetime) -> str:
    """ "2026-Q4": the calendar quarter a run belongs to, as the reports archive names it."""
    return f"{when.year}-Q{(when.month - 1) // 3 + 1}"


@dataclass(frozen=True)
class RunCounts:
    """One audit run as the trend shows it: when, and how many servers had each status."""

    generated_at: datetime
    counts: tuple[tuple[Status, int], ...]
    """Every status, in Status order."""
    exposed: int
    """Servers exposed underneath any waiver (a waived exposed server counts)."""
    source: str
    """The JSON the run was read from; "" for the run being reported."""

    @property
    def quarter(self) -> str:
        return quarter_of(self.generated_at)

    @property
    def total(self) -> int:
        return sum(count for _, count in self.counts)

    def count(self, status: Status) -> int:
        return dict(self.counts).get(status, 0)


class Change(StrEnum):
    """How a server moved between the previous run and this one. Values are the JSON keys."""

    NEWLY_EXPOSED = "newly_exposed"
    """Exposed now, in the previous run but not exposed there."""
    REMEDIATED = "remediated"
    """Exposed in the previous run, compliant or not applicable now."""
    STILL_EXPOSED = "still_exposed"
    """Exposed in both runs."""
    ADDED = "added"
    """Not in the previous run."""
    REMOVED = "removed"
    """In the previous run, not in this one."""
    OTHER = "other"
    """Any other change of status (say, exposed to incomplete); listed, not in ``changes``."""


@dataclass(frozen=True)
class ServerChange:
    """One server's row of the Changes sheet."""

    server: str
    change: Change
    previous: Status | None
    """Its status (underneath any waiver) in the previous run; None when it was not there."""
    current: Status | None
    """Its status (underneath any waiver) now; None when it is gone."""
    exposed_runs: int
    """Audits in a row it has been exposed, this one included; 0 when not exposed now."""


@dataclass(frozen=True)
class ArticleChange:
    """One (server, article) whose status moved between the previous run and this one."""

    server: str
    article_id: str
    change: Change
    previous: Status | None
    """None when the previous run did not judge the server against the article."""
    current: Status | None
    """None when this run did not judge it against the article (server or article gone)."""


@dataclass(frozen=True)
class Trend:
    """This run against the previous one and the archive."""

    previous: RunCounts | None
    """The run compared with; None when there is none (then there are no changes)."""
    changes: tuple[ServerChange, ...]
    """Every server whose status moved, sorted by change then name."""
    history: tuple[RunCounts, ...]
    """The newest run of every archived quarter and this run, oldest first."""
    article_changes: tuple[ArticleChange, ...] = ()
    """A catalogue run: each (server, article) whose status moved since the previous run
    (underneath any waiver), sorted by change, server and article; empty otherwise."""

    def names(self, change: Change) -> list[str]:
        return [row.server for row in self.changes if row.change is change]


@dataclass(frozen=True)
class AuditResult:
    """One run: the baseline applied, when, and a verdict per server."""

    baseline: Baseline
    generated_at: datetime
    servers: tuple[ServerVerdict, ...]
    notes: tuple[str, ...] = ()
    """Fleet-wide remarks: unusable inventory rows, evidence that names no server."""
    waivers: tuple[WaiverOutcome, ...] = ()
    """Every waiver of the waivers file and what it did, in file order."""
    judged_on: date | None = None
    """The day waivers were judged against; None when no waivers file was used."""
    trend: Trend | None = None
    """The comparison with earlier runs; None when it was not asked for."""
    fleet: str | None = None
    """Which fleet the run audited: the resolved path of its fleet inventory, else of its
    fleet folder; None when unknown (a judged snapshot). The trend compares only runs of
    the same fleet."""
    articles: tuple[Article, ...] = ()
    """A catalogue run: every article audited, in order; empty in a run of one baseline."""
    events: tuple[EventSummary, ...] = ()
    """The 9301 events of the fleet's logs, one summary per (receiver, address)."""

    def count(self, status: Status) -> int:
        return sum(1 for verdict in self.servers if verdict.status is status)
