"""One server against many articles: a verdict per article, one status over them all.

The server's status is the most severe of its articles' (DESIGN.md 2b). Its reasons are
those of the articles that give it, each prefixed with the article's id. Its fix level per
component is the lowest version among that component's judged PE files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

from auditor.evaluation.article import evaluate_article, requirement_component
from auditor.facts import ServerFacts
from auditor.parsing.connectors_csv import ConnectorInventory
from auditor.requirements import Article, FileRequirement, ServicePacks
from auditor.verdicts import (
    ArticleVerdict,
    ComponentBuild,
    FileFinding,
    FileResult,
    ServerVerdict,
    Status,
)
from auditor.versions import Version

__all__ = ["combine", "evaluate_catalogue", "fix_levels", "status_counts"]

Labeller = Callable[[Version], str | None]
_JUDGED = {FileResult.OK, FileResult.BELOW, FileResult.OTHER_PRODUCT}


def evaluate_catalogue(
    facts: ServerFacts,
    articles: Sequence[Article],
    inventory: ConnectorInventory | None = None,
    service_packs: ServicePacks | None = None,
) -> ServerVerdict:
    """Judge one server against every article. Pure."""
    verdicts = [
        ArticleVerdict(
            article.article_id, evaluate_article(facts, article, inventory, service_packs)
        )
        for article in articles
    ]
    combined = combine(verdicts)
    builds = fix_levels(verdicts, articles, _labeller(articles, service_packs))
    windows = facts.windows.describe() if facts.windows else None
    return replace(combined, builds=builds, windows=windows)


def combine(verdicts: Sequence[ArticleVerdict]) -> ServerVerdict:
    """The server's verdict over its articles' (waived ones included)."""
    if not verdicts:
        raise ValueError("a catalogue run needs at least one article")
    worst = min((item.verdict.status for item in verdicts), key=lambda s: s.severity)
    base = next((item.verdict for item in verdicts if item.verdict.connectors), verdicts[0].verdict)
    reasons: list[str] = []
    remediation: list[str] = []
    for item in verdicts:
        if item.verdict.status is worst:
            reasons += [f"{item.article_id}: {reason}" for reason in item.verdict.reasons]
        remediation += [f"{item.article_id}: {step}" for step in item.verdict.remediation]
    return replace(
        base,
        status=worst,
        reasons=tuple(reasons),
        remediation=tuple(remediation),
        warnings=tuple(_unique(w for item in verdicts for w in item.verdict.warnings)),
        files=_files(verdicts),
        values=tuple(value for item in verdicts for value in item.verdict.values),
        waiver=None,
        articles=tuple(verdicts),
    )


def fix_levels(
    verdicts: Sequence[ArticleVerdict], articles: Sequence[Article], label: Labeller | None
) -> tuple[ComponentBuild, ...]:
    """Each component's lowest judged PE version, with its build label."""
    component_of: dict[str, str] = {}
    for article in articles:
        for required in article.files:
            component_of.setdefault(required.name.casefold(), _component(required, article))
    lowest: dict[str, tuple[Version, str]] = {}
    for item in verdicts:
        for finding in item.verdict.files:
            if finding.kind != "pe" or finding.result not in _JUDGED or not finding.fixed_version:
                continue
            component = component_of.get(finding.name.casefold(), "(unnamed component)")
            version = Version.parse(finding.fixed_version)
            if component not in lowest or version < lowest[component][0]:
                lowest[component] = (version, finding.name)
    return tuple(
        ComponentBuild(name, str(version), label(version) if label else None, file)
        for name, (version, file) in sorted(lowest.items())
    )


def _component(item: FileRequirement, article: Article) -> str:
    text = requirement_component(item, article)
    folded = text.casefold()
    return "MTA" if "mta" in folded or "message transfer agent" in folded else text


def _labeller(articles: Sequence[Article], service_packs: ServicePacks | None) -> Labeller | None:
    """Service packs' own builds label first; the build table of a Q197378-shaped
    baseline (SP1 + post-SP1 hotfix…) names the builds between them."""
    tables = [article.legacy for article in articles if article.legacy is not None]

    def label(version: Version) -> str | None:
        own = service_packs.label_for(version) if service_packs is not None else None
        return own or (tables[0].label_for(version) if tables else None)

    return label if tables or service_packs is not None else None


def _files(verdicts: Sequence[ArticleVerdict]) -> tuple[FileFinding, ...]:
    """Every article's file findings, each copy once: the first article's finding stands."""
    seen: set[tuple[str, str | None]] = set()
    result: list[FileFinding] = []
    for item in verdicts:
        for finding in item.verdict.files:
            key = (finding.name.casefold(), finding.path)
            if key not in seen:
                seen.add(key)
                result.append(finding)
    return tuple(result)


def _unique(items: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item)
    return list(seen)


def status_counts(verdicts: Sequence[ServerVerdict], article_id: str) -> dict[Status, int]:
    """How many servers have each status for one article."""
    counts = dict.fromkeys(Status, 0)
    for verdict in verdicts:
        for item in verdict.articles:
            if item.article_id == article_id:
                counts[item.verdict.status] += 1
    return counts
