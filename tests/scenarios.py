"""A shared corpus of named audit results, built by hand, that every renderer runs over.

The verdicts are written out literally rather than produced by evaluation, so that a
renderer test fails only when the renderer is wrong. Hostile and unusual text (formula-like
names, control characters, a 40,000-character warning, non-ASCII) sits next to the ordinary
cases so that every format meets it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from functools import cache

from auditor.baseline import Baseline, default_baseline_path, load_baseline
from auditor.verdicts import (
    AppliedWaiver,
    AuditResult,
    Change,
    ConnectorFinding,
    ConnectorResult,
    FileFinding,
    FileResult,
    RunCounts,
    ServerChange,
    ServerVerdict,
    Status,
    Trend,
    WaiverOutcome,
    WaiverState,
)
from auditor.waivers import Waiver
from tests.builders.mta_files import DATA_FILES, PE_FILES

WHEN = datetime(2000, 3, 14, 9, 30, tzinfo=UTC)
LONG_WARNING = "stray copy " + "x" * 39_989  # 40,000 characters, beyond Excel's 32,767
CONTROL_REASON = "Emsmta.exe\x07 is below 5.5.2431.0\x1b[0m"


@cache
def baseline() -> Baseline:
    return load_baseline(default_baseline_path())


def files(version: str, result: FileResult = FileResult.OK) -> tuple[FileFinding, ...]:
    """All thirteen files of the fix, the PE files at one version and result."""
    pe = tuple(
        FileFinding(
            name=name,
            kind="pe",
            path=f"C$/exchsrvr/bin/{name}",
            fixed_version=version,
            string_version=f"{version} (build lab)",
            required_version="5.5.2431.0",
            result=result,
            detail=f"{version} against 5.5.2431.0",
        )
        for name in PE_FILES
    )
    data = tuple(
        FileFinding(
            name=name,
            kind="data",
            path=f"C$/exchsrvr/bin/{name}",
            fixed_version=None,
            string_version=None,
            required_version=None,
            result=FileResult.PRESENT,
            detail="present; no reference hash",
        )
        for name in DATA_FILES
    )
    return pe + data


def connector(
    rdn: str, result: ConnectorResult, value: str | None = "10.0.0.1"
) -> ConnectorFinding:
    return ConnectorFinding(
        connector=rdn,
        obj_dist_name=f"/o=Org/ou=Site/cn=Configuration/cn=Connections/cn={rdn}",
        override_value=value,
        value_type="REG_SZ" if value else None,
        result=result,
        detail=f"override {result.value}",
    )


def verdict(server: str, status: Status, **changes: object) -> ServerVerdict:
    """A plausible verdict for a status; keyword arguments replace fields."""
    fields: dict[str, object] = {
        "server": server,
        "status": status,
        "reasons": (f"{server} is {status.value}",),
        "remediation": ("Install Exchange Server 5.5 Service Pack 2 or later",),
        "warnings": (),
        "files": files("5.5.2448.0"),
        "connectors": (connector("TCP to MTA B", ConnectorResult.VALID),),
        "mta_version": "5.5.2448.0",
        "build_label": "SP2",
        "multihomed": True,
        "addresses": ("10.0.0.1", "192.168.1.1"),
        "connector_source": "inventory",
    }
    fields.update(changes)
    return ServerVerdict(**fields)  # type: ignore[arg-type]


def audit(*servers: ServerVerdict) -> AuditResult:
    return AuditResult(baseline=baseline(), generated_at=WHEN, servers=servers)


WAIVER = Waiver(
    server="MTA-WAIVED",
    reason="decommissioned in Q1; connector & address kept until then",
    approved_by="J. Smith, IT risk",
    expires=date(2000, 6, 30),
    finding=None,
    source="waivers.toml:1",
)
EXPIRED = Waiver("MTA-EXPOSED", "old risk", "A. Jones", date(2000, 1, 31), "X", "waivers.toml:7")


def one_of_each() -> AuditResult:
    result = _one_of_each()
    waived = verdict(
        "MTA-WAIVED",
        Status.WAIVED,
        files=files("5.5.2232.18", FileResult.BELOW),
        waiver=AppliedWaiver(Status.EXPOSED, (WAIVER,)),
    )
    return replace(
        result,
        servers=(*result.servers, waived),
        judged_on=WHEN.date(),
        waivers=(
            WaiverOutcome(WAIVER, WaiverState.APPLIED, "MTA-WAIVED is waived"),
            WaiverOutcome(EXPIRED, WaiverState.EXPIRED, "expired on 2000-01-31"),
        ),
    )


def _one_of_each() -> AuditResult:
    # Listed out of order, so that sorting by severity then name is visible.
    return audit(
        verdict("MTA-COMPLIANT", Status.COMPLIANT, remediation=()),
        verdict(
            "MTA-NA",
            Status.NOT_APPLICABLE,
            files=files("5.0.1461.0", FileResult.OTHER_PRODUCT),
            connectors=(),
            mta_version="5.0.1461.0",
            build_label="Exchange 5.0",
            multihomed=None,
            addresses=(),
        ),
        verdict(
            "MTA-INCOMPLETE",
            Status.INCOMPLETE,
            files=files("0.0.0.0", FileResult.UNREADABLE),
            mta_version=None,
            build_label=None,
            multihomed=None,
            connector_source="override keys",
        ),
        verdict(
            "MTA-BELOW",
            Status.BELOW_BASELINE,
            files=files("5.5.2232.18", FileResult.BELOW),
            connectors=(connector("TCP to MTA B", ConnectorResult.NOT_REQUIRED, None),),
            mta_version="5.5.2232.18",
            build_label="SP1",
            multihomed=False,
            addresses=("10.0.0.1",),
        ),
        verdict(
            "MTA-EXPOSED",
            Status.EXPOSED,
            reasons=("multihomed", "Emsmta.exe is below 5.5.2431.0", "X lacks an override"),
            remediation=("Install SP2", "Set the override on X"),
            warnings=("a stray copy in bin.old", "Infolog.cfg differs from the reference"),
            connectors=(
                connector("TCP to MTA B", ConnectorResult.VALID),
                connector("X", ConnectorResult.MISSING, None),
                connector("Y", ConnectorResult.FOREIGN_ADDRESS, "172.16.0.9"),
            ),
        ),
    )


def _run(when: datetime, *counts: int) -> RunCounts:
    return RunCounts(when, tuple(zip(Status, counts, strict=True)), counts[0], f"{when:%Y}.json")


def with_trend() -> AuditResult:
    """A fourth quarter compared with the third, three earlier quarters archived."""
    result = one_of_each()
    history = (
        _run(datetime(1999, 6, 30, tzinfo=UTC), 4, 1, 0, 0, 1, 0),
        _run(datetime(1999, 9, 30, tzinfo=UTC), 3, 1, 1, 0, 1, 0),
        _run(datetime(1999, 12, 31, tzinfo=UTC), 2, 1, 0, 1, 2, 0),
        replace(_run(WHEN, 1, 1, 1, 1, 1, 1), source=""),
    )
    changes = (
        ServerChange("MTA-EXPOSED", Change.STILL_EXPOSED, Status.EXPOSED, Status.EXPOSED, 3),
        ServerChange("MTA-COMPLIANT", Change.REMEDIATED, Status.EXPOSED, Status.COMPLIANT, 0),
        ServerChange("MTA-NA", Change.ADDED, None, Status.NOT_APPLICABLE, 0),
        ServerChange("MTA-OLD", Change.REMOVED, Status.COMPLIANT, None, 0),
    )
    return replace(result, trend=Trend(history[2], changes, history))


def hostile_text() -> AuditResult:
    return audit(
        verdict("=1+2", Status.EXPOSED, reasons=(CONTROL_REASON,)),
        verdict("@SUM(A1)", Status.COMPLIANT, warnings=(LONG_WARNING,)),
        verdict(
            "+MTA",
            Status.INCOMPLETE,
            reasons=("-2+3", '=HYPERLINK("http://evil")'),
            connectors=(connector("=cmd|' /C calc'!A0", ConnectorResult.MALFORMED, "=1"),),
        ),
        verdict("-MTA", Status.BELOW_BASELINE, build_label="\tSP1", mta_version="\r5.5"),
        verdict('MTA, "quoted"\nnewline', Status.NOT_APPLICABLE, reasons=('a, b; "c"',)),
        verdict("#N/A", Status.COMPLIANT, warnings=("#REF!",)),
    )


def non_ascii() -> AuditResult:
    return audit(
        verdict(
            "SERVEUR-ÉTÉ",
            Status.EXPOSED,
            connectors=(connector("Connecteur Rhône", ConnectorResult.MISSING, None),),
            warnings=("Ünïcødé warning: 東京 MTA 🚀",),
        ),
        verdict("東京-MTA", Status.COMPLIANT),
    )


def empty_fleet() -> AuditResult:
    return audit()


def large_fleet(servers: int = 1000) -> AuditResult:
    """Many servers with all thirteen files each, cycling through the statuses."""
    statuses = [status for status in Status if status is not Status.WAIVED]
    return audit(
        *(
            verdict(f"MTA-{number:05d}", statuses[number % len(statuses)])
            for number in range(servers)
        )
    )


def inventory_labels() -> AuditResult:
    """Site and owner from a fleet inventory; one left blank, one formula-like."""
    return audit(
        verdict("MTA-A", Status.EXPOSED, site="Europe", owner="=cmd|' /C calc'!A0"),
        verdict("MTA-B", Status.COMPLIANT, site="", owner="Ops\x07 team"),
        verdict("MTA-C", Status.INCOMPLETE),
    )


SCENARIOS: dict[str, Callable[[], AuditResult]] = {
    "one-of-each": one_of_each,
    "with-trend": with_trend,
    "hostile-text": hostile_text,
    "non-ascii": non_ascii,
    "empty-fleet": empty_fleet,
    "fleet-of-50": lambda: large_fleet(50),
    "inventory-labels": inventory_labels,
}
