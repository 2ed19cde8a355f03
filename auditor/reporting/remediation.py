"""The Remediation worklist: one row per thing to do, for an engineer to filter and act on.

Each row names the kind of action (install the fix, set the override, restart the MTA,
collect evidence), what it acts on (a file, a registry key, the connectors inventory) and
the value to set. Built from the verdict's findings, not from its sentences, so that the
target and the value are columns of their own.
"""

from __future__ import annotations

from collections.abc import Iterable

from auditor.baseline import Baseline
from auditor.reporting.regfix import FOLDER, needs_override, safe_file_name
from auditor.reporting.table import Row, Table
from auditor.verdicts import FileResult, ServerVerdict, Status

__all__ = ["ACTIONS", "REMEDIATION_COLUMNS", "action_summary", "remediation_table"]

REMEDIATION_COLUMNS = (
    "Priority",
    "Site",
    "Owner",
    "Server",
    "Status",
    "Action",
    "File or registry key",
    "Value to set",
    "Detail",
)
INSTALL, OVERRIDE, RESTART, COLLECT = (
    "install the fix",
    "set the override",
    "restart the MTA",
    "collect evidence",
)
ACTIONS = (INSTALL, OVERRIDE, RESTART, COLLECT)
_UNSEEN = frozenset({FileResult.MISSING, FileResult.UNREADABLE})
_NETWORK = ("multihomed (", "not multihomed", "RAS server")
"""How the reasons that describe the network, not what is missing, begin."""


def remediation_table(verdicts: Iterable[ServerVerdict], baseline: Baseline) -> Table:
    """Every action item, worst server first; Priority numbers the servers in that order."""
    rows: list[Row] = []
    priority = 0
    for verdict in verdicts:
        actions = list(_actions(verdict, baseline))
        if not actions:
            continue
        priority += 1
        status = verdict.status.value
        if verdict.waiver:
            status = f"{status} ({verdict.underlying_status.value})"
        head = (priority, verdict.site or None, verdict.owner or None, verdict.server, status)
        rows += [(*head, *action) for action in actions]
    return Table.of(REMEDIATION_COLUMNS, rows)


def action_summary(verdict: ServerVerdict, baseline: Baseline) -> str:
    """The kinds of action a server needs, for its Servers row: "install the fix; set the
    override (2 connectors); restart the MTA". The steps are on the Remediation sheet."""
    counts: dict[str, int] = {}
    for action in _actions(verdict, baseline):
        counts[action[0]] = counts.get(action[0], 0) + 1
    overrides = counts.get(OVERRIDE, 0)
    words = [
        f"{kind} ({overrides} connectors)" if kind == OVERRIDE and overrides > 1 else kind
        for kind in counts
    ]
    return "; ".join(words)


Action = tuple[str, str | None, str | None, str]
"""Action kind, file or registry key, value to set, detail."""


def _actions(verdict: ServerVerdict, baseline: Baseline) -> Iterable[Action]:
    if verdict.underlying_status in (Status.COMPLIANT, Status.NOT_APPLICABLE):
        return
    below = [f for f in verdict.files if f.result is FileResult.BELOW]
    if below:
        names = ", ".join(f"{f.name} {f.fixed_version}" for f in below)
        folder = _folder(below[0].path)
        yield INSTALL, folder, str(baseline.fixed_build), f"{baseline.remediation} ({names})"
    overrides = needs_override(verdict)
    rule = baseline.registry
    key = rf"HKLM\SYSTEM\CurrentControlSet\Services\{rule.service}\{rule.override_key}"
    for finding in overrides:
        value = finding.peer_address if finding.peer_address in verdict.addresses else None
        choice = value or f"one of {', '.join(verdict.addresses)} (the address the peer expects)"
        yield (
            OVERRIDE,
            f"{key}\\{finding.connector}",
            f"{rule.override_type} {rule.override_value!r} = {choice}",
            f"{finding.detail}; ready to import: {FOLDER}/{safe_file_name(verdict.server)}",
        )
    if overrides:
        yield (
            RESTART,
            rf"{rule.service} service",
            None,
            "the override takes effect only after a restart, which evidence cannot show",
        )
    yield from _missing(verdict)


def _missing(verdict: ServerVerdict) -> Iterable[Action]:
    """What could not be seen: each file by name and path, then every other gap in words."""
    unseen = [f for f in verdict.files if f.result in _UNSEEN]
    seen = next((f.path for f in verdict.files if f.path and f.result not in _UNSEEN), None)
    folder = _folder(seen)
    for finding in unseen:
        expected = f"{folder}/{finding.name}" if folder else finding.name
        where = finding.path or expected
        yield COLLECT, where, None, f"{finding.name}: {finding.detail}"
    named = {finding.name.casefold() for finding in unseen}
    if verdict.connectors_unknown:
        yield (
            COLLECT,
            "connectors.csv",
            f"a row per X.400 connector of {verdict.server} (its Obj-Dist-Name)",
            "which X.400 connectors it has is unknown: see the README, the connectors inventory",
        )
    for reason in verdict.reasons if verdict.underlying_status is Status.INCOMPLETE else ():
        words = reason.removeprefix("also: ")
        if words.startswith(_NETWORK) or "connectors inventory" in words:
            continue
        if words.split(" ", 1)[0].casefold() in named:
            continue  # already a row of its own, with its path
        yield COLLECT, _registry_hint(words), None, words
    for reason in verdict.reasons if verdict.underlying_status is not Status.INCOMPLETE else ():
        words = reason.removeprefix("also: ")
        if words == reason or "connectors inventory" in words:
            continue
        if words.split(" ", 1)[0].casefold() not in named:
            yield COLLECT, _registry_hint(reason[6:]), None, reason[6:]


def _registry_hint(reason: str) -> str | None:
    lowered = reason.casefold()
    if "registry" in lowered or "address" in lowered or "hive" in lowered:
        return "registry evidence (SYSTEM hive or .reg export)"
    return None


def _folder(path: str | None) -> str | None:
    if not path:
        return None
    return path.rsplit("/", 1)[0] if "/" in path else path
