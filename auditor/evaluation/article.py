"""One server against one catalogue article: the verdict table of section 2, per article.

An article of Q197378's shape (with its per-connector override rule) is judged by
``evaluate`` as before, so that its verdicts and reasons do not change. Any other article
is a set of file requirements (per product line) and plain registry values.
"""

from __future__ import annotations

from dataclasses import replace

from auditor.baseline import Baseline, BaselineFile, FileKind, RegistryRule
from auditor.evaluation.files import FilesOutcome, judge_files
from auditor.evaluation.image_path import MtaFolder
from auditor.evaluation.mta_location import locate_mta_folder
from auditor.evaluation.network import network_of
from auditor.evaluation.values import ValuesOutcome, judge_values
from auditor.evaluation.verdict import evaluate
from auditor.facts import FileFact, RegistryFacts, ServerFacts
from auditor.parsing.connectors_csv import ConnectorInventory
from auditor.requirements import PE_EXTENSIONS, Article, FileRequirement, ServicePacks
from auditor.service_path import COMPONENT_SERVICES
from auditor.verdicts import ServerVerdict, Status
from auditor.versions import Version

__all__ = ["NOT_INSTALLED", "evaluate_article"]

NOT_INSTALLED = "component not installed"
_MTA_WORDS = ("mta", "message transfer agent")
_MTA_SERVICE = "MSExchangeMTA"
_MTA_BINARY = "emsmta.exe"
# Component names as the articles print them, and the service key each installs.
_BINARIES = {
    "emsmta.exe": _MTA_SERVICE,
    "store.exe": "MSExchangeIS",
    "dsamain.exe": "MSExchangeDS",
    "msexcimc.exe": "MSExchangeIMC",
}
_SERVICES = (
    (("information store",), "MSExchangeIS"),
    (("directory",), "MSExchangeDS"),
    (("internet mail", "imc", "internet mail connector"), "MSExchangeIMC"),
    (("cc:mail",), "MSExchangeCCMC"),
    (("system attendant",), "MSExchangeSA"),
    (("event service",), "MSExchangeES"),
    (("key management",), "MSExchangeKMS"),
)


def evaluate_article(
    facts: ServerFacts,
    article: Article,
    inventory: ConnectorInventory | None = None,
    service_packs: ServicePacks | None = None,
) -> ServerVerdict:
    """Judge one server against one article. Pure, as ``evaluate``."""
    if article.legacy is not None:
        return evaluate(facts, article.legacy, inventory)
    article, left_out = _installed_part(facts, article)
    pe_names = {item.name.casefold() for item in article.files if item.kind is FileKind.PE}
    copies = [fact for fact in facts.files if fact.name.casefold() in pe_names]
    readable = [fact for fact in copies if fact.fixed_version and not fact.error]
    registry = facts.registry
    folder, folder_notes = locate_mta_folder(
        registry.image_path if registry else None, (fact.path for fact in facts.files)
    )
    not_applicable = (
        None if facts.problems else _not_applicable(facts, article, copies, readable, folder)
    )
    if not_applicable:
        return _verdict(facts, Status.NOT_APPLICABLE, [not_applicable], [], None, None)
    line = _product_line(article, readable)
    required, sp_notes = _requirements(article, line, service_packs)
    files = judge_files(facts.files, _shim(article, line, required), folder, other_product=False)
    files.warnings[:0] = folder_notes  # where a plain run says them: before the files'
    values = judge_values(facts, article.values)
    status, reasons, remediation = _status(facts, article, line, files, values, sp_notes)
    reasons += left_out
    return _verdict(facts, status, reasons, remediation, files, values)


def _not_applicable(
    facts: ServerFacts,
    article: Article,
    copies: list[FileFact],
    readable: list[FileFact],
    folder: MtaFolder,
) -> str | None:
    """Why the article does not apply, or None. Absence is said only where it is shown,
    and another product line only where the MTA's own folder shows the server runs it."""
    if not copies:
        other_line = _server_of_other_line(facts, article, folder)
        if other_line:
            return other_line
        service = _service_of(article)
        if service is None or not _service_absent(facts.registry, service):
            return None
        if _any_seen(facts, article.files):
            return None  # its data files without its binaries: a collection that missed them
        return f"{NOT_INSTALLED}: no {service} service and none of its files"
    if len(readable) < len(copies):
        return None  # an unreadable copy could be of any product line
    lines = {Version.parse(fact.fixed_version or "").product_line for fact in readable}
    if lines & set(article.product_lines) or _server_of_other_line(facts, article, folder) is None:
        # A stray copy of another line (a 5.0 backup on D:) says nothing of what the server
        # runs when its MTA's folder shows no line, or the article's own.
        return None
    return (
        f"the files are from product line {', '.join(sorted(lines))}; {article.article_id} "
        f"has tables for {', '.join(article.product_lines)} only: it does not apply"
    )


def _server_of_other_line(facts: ServerFacts, article: Article, folder: MtaFolder) -> str | None:
    """Every Exchange PE file in the MTA's folder (read without error) is of a product line
    the article has no table for: the server runs another Exchange than the article fixes,
    whose setup upgrades every component at once (a 5.0 IMC article on a 5.5 server). Any
    unreadable copy there, or none, decides nothing; copies elsewhere (a backup) neither."""
    pe = [
        fact
        for fact in facts.files
        if fact.name.casefold().endswith(PE_EXTENSIONS) and folder.certainly_holds(fact.path)
    ]
    if not pe or any(fact.error or not fact.fixed_version for fact in pe):
        return None
    lines: dict[str, FileFact] = {}
    for fact in pe:
        lines.setdefault(Version.parse(fact.fixed_version or "").product_line, fact)
    if set(lines) & set(article.product_lines):
        return None
    shown = ", ".join(f"{fact.name} {fact.fixed_version}" for fact in lines.values())
    return (
        f"the server's Exchange files are of product line {', '.join(sorted(lines))} ({shown}) "
        f"and none of {article.article_id}'s is here; it has tables for "
        f"{', '.join(article.product_lines)} only: it does not apply"
    )


def _service_of(article: Article) -> str | None:
    """The service whose key shows the component installed; None when the component's
    name says none (then its absence cannot be shown, only its files' presence)."""
    texts = [article.component or "", *(item.component or "" for item in article.files)]
    return _service_for(texts, [item.name for item in article.files])


def _service_for(texts: list[str], names: list[str]) -> str | None:
    folded = " ".join(texts).casefold()
    if any(word in folded for word in _MTA_WORDS):
        return _MTA_SERVICE
    for words, service in _SERVICES:
        if any(word in folded for word in words):
            return service
    found = [_BINARIES[n.casefold()] for n in names if n.casefold() in _BINARIES]
    return found[0] if found else None


def _service_absent(registry: RegistryFacts | None, service: str) -> bool:
    """The evidence shows the service's key missing."""
    if registry is None:
        return False
    if service == _MTA_SERVICE:
        return registry.mta_service is False
    if service.casefold() not in {name.casefold() for name in COMPONENT_SERVICES}:
        return False  # live collection does not ask for it: its absence is never shown
    shown = registry.exchange_services
    return shown is not None and service.casefold() not in {n.casefold() for n in shown}


def _installed_part(facts: ServerFacts, article: Article) -> tuple[Article, list[str]]:
    """An article of several components without those shown not installed (no service
    key, none of their files), and a sentence for each one left out."""
    groups: dict[str, list[FileRequirement]] = {}
    for item in article.files:
        groups.setdefault(item.component or article.component or "", []).append(item)
    if len(groups) < 2:
        return article, []
    kept: list[FileRequirement] = []
    notes: list[str] = []
    for component, items in groups.items():
        service = _service_for([component], [item.name for item in items])
        if service and not _any_seen(facts, items) and _service_absent(facts.registry, service):
            notes.append(
                f"{component}: {NOT_INSTALLED} (no {service} service and none of its files): "
                "its files are not required"
            )
        else:
            kept += items
    if not kept:
        return article, []
    return replace(article, files=tuple(kept)), notes


def _any_seen(
    facts: ServerFacts, items: tuple[FileRequirement, ...] | list[FileRequirement]
) -> bool:
    """Any of these files, PE or data, is in the evidence: the component left traces."""
    present = {fact.name.casefold() for fact in facts.files}
    return any(item.name.casefold() in present for item in items)


def _product_line(article: Article, readable: list[FileFact]) -> str:
    """The table that applies: the highest product line both the server and the article
    have. A stray 5.0 DLL on a 5.5 server is then compared with the 5.5 table, and is below."""
    lines = {Version.parse(fact.fixed_version or "").product_line for fact in readable}
    shared = [line for line in article.product_lines if line in lines]
    if not shared:
        return (
            article.product_line
            if article.product_line in article.product_lines
            else (article.product_lines[0])
        )
    return max(shared, key=lambda line: Version.parse(line))


def _requirements(
    article: Article, line: str, service_packs: ServicePacks | None
) -> tuple[list[BaselineFile], list[str]]:
    """The files of the table for ``line`` and the data files, with the service pack rule:
    a file at or above the fixing service pack's own version of it satisfies the article."""
    sp = article.fixed_in_service_pack
    required: list[BaselineFile] = []
    eased: list[str] = []
    seen: set[str] = set()
    for item in article.files:
        if item.product_line not in (None, line) or item.name.casefold() in seen:
            continue
        seen.add(item.name.casefold())
        minimum = item.version
        if minimum is not None and sp and service_packs is not None:
            own = service_packs.version_of(sp, item.name)
            if own is not None and own.product_line == line and own < minimum:
                eased.append(f"{item.name} {own}")
                minimum = own
        required.append(BaselineFile(item.name, item.kind, minimum, None))
    notes = []
    if eased:
        notes.append(
            f"fixed in {sp}, whose own versions count where the table is stricter: "
            + ", ".join(eased)
        )
    return required, notes


def _shim(article: Article, line: str, files: list[BaselineFile]) -> Baseline:
    """The shape judge_files reads: the files and the product line, nothing of a registry."""
    versions = [item.min_version for item in files if item.min_version is not None]
    return Baseline(
        article_id=article.article_id,
        title=article.title,
        product="",
        product_line=line,
        fixed_build=max(versions) if versions else Version((0, 0, 0, 0)),
        remediation="",
        files=tuple(files),
        registry=RegistryRule("", "", "", "", "", ""),
        builds=(),
        source=article.source,
    )


def _status(
    facts: ServerFacts,
    article: Article,
    line: str,
    files: FilesOutcome,
    values: ValuesOutcome,
    sp_notes: list[str],
) -> tuple[Status, list[str], list[str]]:
    table = f"{article.article_id}'s {line} table"
    fix = _fix_step(article, line)
    remediation: list[str] = []
    reasons: list[str] = []
    if files.below:
        reasons.append(f"below {table}: {', '.join(files.below)}")
        remediation.append(f"{fix} (below: {', '.join(files.below)})")
    reasons += values.not_met
    if values.not_met:
        remediation.append(f"Set the registry values {article.article_id} requires")
    unknown = [*facts.problems, *files.unknown, *values.unknown]
    also = [f"also: {item}" for item in unknown]
    if values.not_met:
        return Status.EXPOSED, [*reasons, *also, *sp_notes], remediation
    if files.below:
        return Status.BELOW_BASELINE, [*reasons, *also, *sp_notes], remediation
    if unknown:
        return Status.INCOMPLETE, unknown, ["Collect the missing evidence and scan again"]
    pe = [item for item in files.findings if item.kind == FileKind.PE]
    met = [f"every PE file of {table} is at or above its version"] if pe else []
    if not pe:
        if not files.judged:  # nothing of the article was seen: never green on that
            why = f"{table} lists no PE file and none of its data files is in the evidence"
            return Status.INCOMPLETE, [why], ["Collect the missing evidence and scan again"]
        met = [f"{table} lists no PE file; its data files are present or warned about"]
    return Status.COMPLIANT, [*met, *sp_notes, *values.met], []


def _fix_step(article: Article, line: str) -> str:
    # The fixing service pack belongs to the article's own product line (an Exchange 5.5
    # service pack does not fix a 5.0 server), as the importer writes it.
    if article.fixed_in_service_pack and line == article.product_line:
        return (
            f"Install service pack {article.fixed_in_service_pack} or later, or the fix of "
            f"{article.article_id}"
        )
    return f"Install the fix of {article.article_id} or a later cumulative fix"


def _verdict(
    facts: ServerFacts,
    status: Status,
    reasons: list[str],
    remediation: list[str],
    files: FilesOutcome | None,
    values: ValuesOutcome | None,
) -> ServerVerdict:
    network = network_of(facts.registry)
    # Keyed by the article's spelling of the name, which need not be the MTA baseline's.
    judged = files.judged.items() if files else ()
    mta = next((fact for name, fact in judged if name.casefold() == _MTA_BINARY), None)
    warnings = [*facts.notes, *(files.warnings if files else ())]
    return ServerVerdict(
        server=facts.server,
        status=status,
        reasons=tuple(reasons),
        remediation=tuple(remediation),
        warnings=tuple(warnings),
        files=tuple(files.findings) if files else (),
        connectors=(),
        mta_version=mta.fixed_version if mta and not mta.error else None,
        build_label=None,
        multihomed=network.multihomed,
        addresses=network.addresses,
        connector_source="",
        site=facts.site,
        owner=facts.owner,
        values=tuple(values.findings) if values else (),
    )


def requirement_component(item: FileRequirement, article: Article) -> str:
    """The component a file belongs to, for the fix level: its own, the article's, or MTA."""
    text = item.component or article.component
    if text:
        return text
    return "Message Transfer Agent (MTA)" if _service_of(article) else "(unnamed component)"
