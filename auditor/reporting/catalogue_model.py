"""The catalogue run's tables: the fix level per (server, article), the inventory, and the
count of servers per status for each article. Empty in a run of one baseline."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from auditor.baseline import FileKind
from auditor.evaluation.catalogue import status_counts
from auditor.reporting.table import Cell, Row, Table
from auditor.requirements import Article
from auditor.trend import CATALOGUE
from auditor.verdicts import AuditResult, FileResult, ServerVerdict, Status

__all__ = ["CatalogueTables", "catalogue_baseline_rows", "catalogue_names", "catalogue_tables"]

_JUDGED = {FileResult.OK, FileResult.BELOW, FileResult.OTHER_PRODUCT, FileResult.UNREADABLE}


@dataclass(frozen=True)
class CatalogueTables:
    fix_level: Table
    """Server, Status, the fix level, then one column per article holding its status id."""
    article_columns: tuple[str, ...]
    """The columns of ``fix_level`` that hold an article's status (coloured as statuses)."""
    inventory: Table
    """Server, Windows, the fix level per component, then one column per file's version."""
    article_counts: Table
    """Article, Title, then one column per status: servers with that status."""


def catalogue_tables(
    result: AuditResult, verdicts: Sequence[ServerVerdict]
) -> CatalogueTables | None:
    """The tables, servers in the report's order; None in a run of one baseline."""
    if not result.articles:
        return None
    ids = tuple(article.article_id for article in result.articles)
    fix_rows: list[Row] = []
    for verdict in verdicts:
        statuses = {item.article_id: item.verdict.status.value for item in verdict.articles}
        mta_version, mta_label = _mta_build(verdict)
        fix_rows.append(
            (
                verdict.server,
                verdict.status.value,
                mta_version,
                mta_label,
                *(statuses.get(article_id) for article_id in ids),
            )
        )
    fix_level = Table.of(("Server", "Status", "MTA build", "Build label", *ids), fix_rows)
    files = _file_names(result)
    components = sorted({b.component for v in verdicts for b in v.builds})
    inventory_rows: list[Row] = []
    for verdict in verdicts:
        builds = {b.component: b for b in verdict.builds}
        found = _versions(verdict)
        row: list[Cell] = [verdict.server, verdict.site or None, verdict.windows]
        for component in components:
            build = builds.get(component)
            row += [build.version if build else None, build.label if build else None]
        row += [found.get(name.casefold()) for name in files]
        inventory_rows.append(tuple(row))
    columns = ["Server", "Site", "Windows"]
    for component in components:
        columns += [f"{component} build", f"{component} label"]
    inventory = Table.of((*columns, *files), inventory_rows)
    count_rows: list[Row] = []
    for article in result.articles:
        counts = status_counts(result.servers, article.article_id)
        count_rows.append(
            (article.article_id, article.title, *(counts[status] for status in Status))
        )
    article_counts = Table.of(
        ("Article", "Title", *(status.value for status in Status)), count_rows
    )
    return CatalogueTables(fix_level, ids, inventory, article_counts)


def _mta_build(verdict: ServerVerdict) -> tuple[str | None, str | None]:
    for build in verdict.builds:
        if build.component == "MTA":
            return build.version, build.label
    return None, None


def _file_names(result: AuditResult) -> list[str]:
    """Every PE file of every article, then every data file, each once, in article order."""
    names: dict[str, str] = {}
    for kind in (FileKind.PE, FileKind.DATA):
        for article in result.articles:
            for item in article.files:
                if item.kind is kind:
                    names.setdefault(item.name.casefold(), item.name)
    return list(names.values())


def _versions(verdict: ServerVerdict) -> dict[str, str]:
    """The judged copy's version of each PE file; a data file's result."""
    found: dict[str, str] = {}
    for finding in verdict.files:
        key = finding.name.casefold()
        if finding.kind == FileKind.PE and finding.result in _JUDGED:
            found.setdefault(key, finding.fixed_version or finding.result.value)
        elif finding.kind == FileKind.DATA and finding.result is not FileResult.STRAY:
            found.setdefault(key, finding.result.value)
        elif finding.result is FileResult.MISSING:
            found.setdefault(key, "missing")
    return found


def catalogue_names(result: AuditResult) -> tuple[str, str, str] | None:
    """The Summary's Baseline and Fixed build rows of a catalogue run: what was audited is
    the set of articles, not the one whose registry rule collection read; None otherwise."""
    if not result.articles:
        return None
    ids = [article.article_id for article in result.articles]
    # A cell of the Summary: a long list would widen the page it prints on.
    named = ", ".join(ids) if len(ids) <= 6 else f"{ids[0]} to {ids[-1]}, on the Baseline sheet"
    title = f"{len(ids)} article{'s' * (len(ids) != 1)} (each server's worst): {named}"
    return CATALOGUE, title, "per article: see the Baseline and Fix level sheets"


def catalogue_baseline_rows(articles: Sequence[Article]) -> Iterable[Row]:
    """The Baseline sheet of a catalogue run: each article's requirements, its id in the
    Section column so that one article's rows can be filtered."""
    for article in articles:
        section = article.article_id
        yield (section, "Title", None, None, None, article.title)
        yield (section, "Product lines", None, ", ".join(article.product_lines), None, None)
        if article.component:
            yield (section, "Component", None, None, None, article.component)
        if article.fixed_in_service_pack:
            sp = article.fixed_in_service_pack
            yield (section, "Fixed in service pack", None, None, None, sp)
        yield (section, "Baseline file", None, None, None, _file_name(article.source))
        for item in article.files:
            version = str(item.version) if item.version else None
            where = ", ".join(
                text
                for text in (item.product_line and f"{item.product_line} table", item.platform,
                             item.component)
                if text
            )  # fmt: skip
            yield (section, item.name, item.kind.value, version, None, where or None)
        for value in article.values:
            data = value.check.value + (f" {value.data}" if value.data is not None else "")
            yield (section, value.label, value.type, None, None, data)


def _file_name(source: str) -> str:
    return source.replace("\\", "/").rsplit("/", 1)[-1]
