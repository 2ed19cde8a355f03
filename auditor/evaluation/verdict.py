"""The verdict table of DESIGN.md section 2, applied to one server."""

from __future__ import annotations

from auditor.baseline import Baseline, FileKind
from auditor.evaluation.connectors import ConnectorsOutcome, judge_connectors
from auditor.evaluation.files import FilesOutcome, judge_files
from auditor.evaluation.image_path import mta_folder
from auditor.evaluation.network import Network, network_of
from auditor.facts import ServerFacts
from auditor.parsing.connectors_csv import ConnectorInventory
from auditor.verdicts import ServerVerdict, Status
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
    not_applicable = _not_applicable(facts, baseline)
    folder = mta_folder(registry.image_path if registry else None)
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
    warnings = [*files.warnings, *network.warnings, *connectors.warnings, *facts.notes]
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
        reasons.append(f"below the fix build {baseline.fixed_build}: {', '.join(files.below)}")
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
    if network.multihomed and (files.below or invalid):
        return Status.EXPOSED, [_multihomed(network), *reasons, *also], remediation
    if files.below:
        if network.multihomed is None:
            reasons.append("could not tell whether it is multihomed; if it is, it is exposed")
        else:
            reasons.append("not multihomed, so the override is not needed")
        return Status.BELOW_BASELINE, [*reasons, *also], remediation
    if unknown:
        steps = ["Collect the missing evidence and scan again", *remediation]
        return Status.INCOMPLETE, unknown, steps
    return Status.COMPLIANT, _compliant_reasons(baseline, network, connectors), []


def _not_applicable(facts: ServerFacts, baseline: Baseline) -> str | None:
    """Why the article does not apply, or None. Never said on evidence that is unreadable."""
    if facts.problems:
        return None
    pe_names = {f.name.casefold() for f in baseline.files if f.kind is FileKind.PE}
    copies = [fact for fact in facts.files if fact.name.casefold() in pe_names]
    if any(fact.error or not fact.fixed_version for fact in copies):
        return None
    if not copies:
        registry = facts.registry
        if registry is not None and not registry.mta_service:
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
    elif network.multihomed and connectors.source == "override keys" and not connectors.findings:
        unknown.append(
            "multihomed, but there is no connectors inventory and no override key: "
            "cannot tell which X.400 connectors need an override (supply connectors.csv)"
        )
    return unknown


def _multihomed(network: Network) -> str:
    return f"multihomed ({', '.join(network.addresses)})"


def _compliant_reasons(
    baseline: Baseline, network: Network, connectors: ConnectorsOutcome
) -> list[str]:
    reasons = [f"every MTA file is at or above {baseline.fixed_build}"]
    if network.multihomed and not connectors.findings:
        reasons.append(f"{_multihomed(network)}; the inventory lists no X.400 connector for it")
    elif network.multihomed:
        reasons.append(f"{_multihomed(network)}; every connector has a valid override")
        reasons.append(RESTART_CAVEAT)
    else:
        reasons.append("not multihomed, so no override is needed")
    return reasons
