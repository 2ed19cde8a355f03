"""The verdict table of DESIGN.md section 2, applied to one server."""

from __future__ import annotations

from auditor.baseline import Baseline, FileKind
from auditor.evaluation.connectors import ConnectorsOutcome, judge_connectors
from auditor.evaluation.files import FilesOutcome, describe_below, judge_files
from auditor.evaluation.image_path import MtaFolder
from auditor.evaluation.mta_location import locate_mta_folder
from auditor.evaluation.network import Network, network_of
from auditor.facts import ServerFacts
from auditor.parsing.connectors_csv import ConnectorInventory
from auditor.verdicts import ConnectorResult, ServerVerdict, Status
from auditor.versions import Version

__all__ = ["evaluate"]

RESTART_CAVEAT = (
    "an override takes effect only after the MTA service restarts, which evidence cannot show"
)


def evaluate(
    facts: ServerFacts, baseline: Baseline, inventory: ConnectorInventory | None = None
) -> ServerVerdict:
    """Judge one server. Pure: the same facts, baseline and inventory give the same verdict."""
    registry = facts.registry
    folder, folder_notes = locate_mta_folder(
        registry.image_path if registry else None, (fact.path for fact in facts.files)
    )
    not_applicable = _not_applicable(facts, baseline, folder)
    files = judge_files(facts.files, baseline, folder, other_product=not_applicable is not None)
    network = network_of(registry)
    connectors = judge_connectors(
        facts.server, registry.overrides if registry else (), network, baseline.registry, inventory
    )
    if not_applicable:
        status, reasons, remediation = Status.NOT_APPLICABLE, [not_applicable], list[str]()
    else:
        status, reasons, remediation = _status(
            facts, baseline, files, network, connectors, inventory
        )
    mta = files.judged.get(baseline.registry.service_binary)
    mta_version = mta.fixed_version if mta and not mta.error else None
    warnings = [
        *facts.notes,
        *folder_notes,
        *files.warnings,
        *network.warnings,
        *connectors.warnings,
    ]
    if registry is not None and registry.cluster_service:
        warnings.append("cluster node (ClusSvc): the override needs the cluster workaround Q169113")
    return ServerVerdict(
        server=facts.server,
        status=status,
        reasons=tuple(reasons),
        remediation=tuple(remediation),
        warnings=tuple(warnings),
        files=tuple(files.findings),
        connectors=tuple(connectors.findings),
        mta_version=mta_version,
        build_label=baseline.label_for(Version.parse(mta_version)) if mta_version else None,
        multihomed=network.multihomed,
        addresses=network.addresses,
        connector_source=connectors.source,
        connectors_unknown=connectors.unknown,
        site=facts.site,
        owner=facts.owner,
    )


def _status(
    facts: ServerFacts,
    baseline: Baseline,
    files: FilesOutcome,
    network: Network,
    connectors: ConnectorsOutcome,
    inventory: ConnectorInventory | None,
) -> tuple[Status, list[str], list[str]]:
    reasons: list[str] = []
    remediation: list[str] = []
    if files.below:
        reasons.append(describe_below(files, baseline.fixed_build))
        remediation.append(f"{baseline.remediation} (below: {', '.join(files.below)})")
    invalid = connectors.invalid if network.multihomed else []
    for finding in invalid:
        reasons.append(f"connector {finding.connector!r}: {finding.detail}")
    if invalid:
        remediation += connectors.remediation
        remediation.append(baseline.registry.remediation)
    unknown = _unknowns(facts, files, network, connectors, inventory)
    # What could not be read is listed even where the rest already proves the status.
    also = [f"also: {item}" for item in unknown]
    if connectors.unknown:
        # Once the fix is in, the overrides are the next step, and they need the list.
        remediation.append(_list_connectors_step(facts.server))
    if network.multihomed and (files.below or invalid):
        return Status.EXPOSED, [network.describe(), *reasons, *also], remediation
    if files.below:
        if network.multihomed is None:
            reasons.append("could not tell whether it is multihomed; if it is, it is exposed")
        else:
            reasons.append("not multihomed, so the override is not needed")
        return Status.BELOW_BASELINE, [*reasons, *also], remediation
    if unknown:
        missing = len(unknown) > (1 if connectors.unknown else 0)  # besides the list
        steps = [
            *(["Collect the missing evidence and scan again"] if missing else []),
            *remediation,
        ]
        why = [network.describe(), *unknown] if connectors.unknown else unknown
        return Status.INCOMPLETE, why, steps
    return Status.COMPLIANT, _compliant_reasons(baseline, network, connectors), []


def _not_applicable(facts: ServerFacts, baseline: Baseline, folder: MtaFolder) -> str | None:
    """Why the article does not apply, or None. Never said on evidence that is unreadable."""
    if facts.problems:
        return None
    pe_names = {f.name.casefold() for f in baseline.files if f.kind is FileKind.PE}
    copies = [fact for fact in facts.files if fact.name.casefold() in pe_names]
    if any(fact.error or not fact.fixed_version for fact in copies):
        return None
    if copies:
        # The product line is that of the MTA's own binaries: an old copy elsewhere (a 5.0
        # backup) says nothing of what runs when the MTA's folder holds none.
        copies = [fact for fact in copies if folder.certainly_holds(fact.path)]
        if not copies:
            return None
    if not copies:
        registry = facts.registry
        # Absence must be shown: an export of Tcpip alone says nothing of the MTA, and the
        # MTA's data files without its binaries are a collection that missed the rest.
        data_files = any(fact.name.casefold() not in pe_names for fact in facts.files)
        if registry is not None and registry.mta_service is False and not data_files:
            return f"no {baseline.registry.service} service and no MTA binaries"
        return None
    lines = sorted({Version.parse(fact.fixed_version or "").product_line for fact in copies})
    if baseline.product_line in lines:
        return None
    return (
        f"the MTA binaries are from product line {', '.join(lines)}, not "
        f"{baseline.product_line}: {baseline.article_id} does not apply"
    )


def _unknowns(
    facts: ServerFacts,
    files: FilesOutcome,
    network: Network,
    connectors: ConnectorsOutcome,
    inventory: ConnectorInventory | None,
) -> list[str]:
    """Why the evidence cannot support a verdict, each in plain words."""
    unknown = [*facts.problems, *files.unknown]
    if network.multihomed and inventory is not None:
        if inventory.error:
            unknown.append(f"the connectors inventory is unusable: {inventory.error}")
        unknown += [
            f"a connector row could not be used: {why}"
            for why in inventory.rejected_of(facts.server)
        ]
    if facts.registry is None:
        unknown.append("no readable registry evidence: the overrides and addresses are unknown")
    elif network.multihomed is None:
        unknown.append("the registry evidence holds no configured IPv4 address")
    elif connectors.unknown:
        unknown.append(_uncovered(facts.server, connectors, inventory))
    return unknown


def _uncovered(
    server: str, connectors: ConnectorsOutcome, inventory: ConnectorInventory | None
) -> str:
    """Override keys show the connectors that got one, never a connector that did not."""
    if inventory is None:
        why = "there is no connectors inventory (connectors.csv)"
    elif inventory.error:
        why = "the connectors inventory is unusable"
    else:
        why = f"the connectors inventory does not list {server}"
    keys = [f"{finding.connector!r} ({finding.detail})" for finding in connectors.findings]
    found = f"override keys found: {', '.join(keys)}" if keys else "no override key found"
    return (
        f"{why}: which X.400 connectors it has is unknown, so it cannot be shown that each "
        f"one is pinned to an own address ({found})"
    )


def _list_connectors_step(server: str) -> str:
    return (
        f"List the X.400 connectors of {server} in connectors.csv (each one's Obj-Dist-Name, "
        "from the Exchange Administrator in raw mode), or one row with an empty obj_dist_name "
        "if it has none, and scan again"
    )


def _compliant_reasons(
    baseline: Baseline, network: Network, connectors: ConnectorsOutcome
) -> list[str]:
    reasons = [f"every MTA file is at or above {baseline.fixed_build}"]
    listed = [f for f in connectors.findings if f.result is not ConnectorResult.NO_CONNECTOR]
    if network.multihomed and not listed:
        reasons.append(f"{network.describe()}; the inventory declares no X.400 connector for it")
    elif network.multihomed:
        pinned = sum(1 for f in listed if f.result is ConnectorResult.VALID)
        excused = len(listed) - pinned
        pinned_text = (
            "its TCP/IP connector in the inventory has"
            if pinned == 1
            else f"each of its {pinned} TCP/IP connectors in the inventory has"
        )
        excused_text = (
            "1 on another transport needs none"
            if excused == 1
            else f"{excused} on other transports need none"
        )
        reasons.append(
            f"{network.describe()}; "
            + (f"{pinned_text} a valid override" if pinned else "it has no TCP/IP connector")
            + (f" ({excused_text})" if excused else "")
        )
        reasons.append(RESTART_CAVEAT)
    else:
        reasons.append("not multihomed, so no override is needed")
    return reasons
