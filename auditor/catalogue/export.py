"""Imported articles as the importer's JSON and as baseline TOML, one file per article.

The baseline document of a catalogue article (read by the catalogue's baseline loader)::

    id = "Q193894"                      # the article
    title = "XCON: MTA Stops ..."
    product_line = "5.5"                # of every file unless the file says otherwise
    component = "Message Transfer Agent (MTA)"   # when every table names the same one
    platform = "Intel"                  # when every table is for one processor
    fixed_in_service_pack = "SP2"       # the service pack of the top-level product line
                                        # that first corrected the problem
    extends = "q197378.toml"            # Q197378 only: its connector rule is in no table

    [[files]]
    name = "Emsmta.exe"
    kind = "pe"                         # "pe" (exe, dll, ...) or "data"
    version = "5.5.2410.0"              # PE files: four parts ("2410.0" printed in a 5.5
                                        # table is 5.5.2410.0); data files carry none
    product_line = "5.0"                # only where it differs from the top level
    component = "..."                   # only where it differs from the top level
    platform = "Alpha"                  # only where it differs from the top level
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from auditor.catalogue.article import Article, ArticleFile, FileTable, full_version, read_article
from auditor.errors import BaselineError
from auditor.versions import Version

__all__ = [
    "EXTENDS",
    "ImportResult",
    "article_json",
    "articles_json",
    "baseline_document",
    "import_articles",
    "render_toml",
    "write_baselines",
]

EXTENDS = {"Q197378": "q197378.toml"}
"""Articles whose shipped baseline carries rules no table states (Q197378's override)."""

ImportResult = tuple[Article, ...]


def import_articles(paths: Sequence[Path]) -> ImportResult:
    """Read every article in order; a second article with the same number is an error."""
    seen: dict[str, str] = {}
    articles: list[Article] = []
    for path in paths:
        article = read_article(path)
        if article.error is None:
            first = seen.setdefault(article.id, article.source)
            if first != article.source:
                article = _with_error(article, f"{path}: the article {article.id} again ({first})")
        articles.append(article)
    return tuple(articles)


def _with_error(article: Article, error: str) -> Article:
    return replace(article, error=error)


def article_json(article: Article) -> dict[str, Any]:
    """One article in the importer's JSON: versions exactly as printed, one row per file.

    A Platform column's Intel and Alpha rows of one file and version are one entry.
    """
    return {
        "id": article.id,
        "title": article.title,
        "tables": [
            {
                "product_line": table.product_line,
                "component": table.component,
                "platform": table.platform,
                "files": [
                    {"name": name, "version": version}
                    for name, version in _unique_rows(table.files)
                ],
            }
            for table in article.tables
        ],
        "error": article.error,
    }


def articles_json(articles: Sequence[Article]) -> dict[str, Any]:
    return {"articles": [article_json(article) for article in articles]}


def _unique_rows(files: Sequence[ArticleFile]) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for file in files:
        if (file.name, file.version) not in rows:
            rows.append((file.name, file.version))
    return rows


def baseline_document(article: Article) -> dict[str, Any]:
    """The article's baseline as TOML data. Raise BaselineError for an article with an error."""
    if article.error is not None:
        raise BaselineError(article.error)
    entries = _entries(article)
    document: dict[str, Any] = {"id": article.id, "title": article.title}
    lines = {entry["product_line"] for entry in entries}
    top_line = max(lines, key=_line_order)
    document["product_line"] = top_line
    shared: dict[str, Any] = {"product_line": top_line}
    for key in ("component", "platform"):
        values = {entry[key] for entry in entries}
        if len(values) == 1 and None not in values:
            document[key] = shared[key] = values.pop()
    # A service pack of another line than the top level's (a 5.0 SP named in an article
    # whose newest table is 5.5) would be read against the wrong files: left out.
    if article.fixed_in is not None and article.fixed_in[0] == top_line:
        document["fixed_in_service_pack"] = article.fixed_in[1]
    if article.id in EXTENDS:
        document["extends"] = EXTENDS[article.id]
    document["files"] = [
        {k: v for k, v in entry.items() if v is not None and shared.get(k, object()) != v}
        for entry in entries
    ]
    return document


def _line_order(line: str) -> tuple[int, ...]:
    return tuple(int(part) for part in line.split("."))


def _entries(article: Article) -> list[dict[str, Any]]:
    """One entry per file, product line and processor; a Platform column's rows of equal
    version merge, rows that differ stay apart with their processor."""
    entries: list[dict[str, Any]] = []
    for table in article.tables:
        if table.product_line is None:
            raise BaselineError(f"{article.source}: a table without a product line")
        versions: dict[str, set[str]] = {}
        for file in table.files:
            versions.setdefault(file.name.casefold(), set()).add(file.version)
        for file in table.files:
            platform = table.platform
            if len(versions[file.name.casefold()]) > 1:
                platform = file.platform or platform
            entry = _entry(file, table, platform)
            if entry not in entries:
                entries.append(entry)
    return entries


def _entry(file: ArticleFile, table: FileTable, platform: str | None) -> dict[str, Any]:
    # A data file has no version resource, whatever the table prints beside it (DESIGN.md 1).
    version: Version | None = full_version(file.version, table.product_line) if file.is_pe else None
    return {
        "name": file.name,
        "kind": "pe" if file.is_pe else "data",
        "version": str(version) if version is not None else None,
        "product_line": table.product_line,
        "component": table.component,
        "platform": platform,
    }


def render_toml(document: dict[str, Any], source: str) -> str:
    """The baseline document as TOML text, top-level keys first, then each [[files]]."""
    lines = [
        f"# Imported by fixlevel (auditor baseline import) from {_comment(source)}:",
        "# the article's file tables and nothing more.",
    ]
    for key, value in document.items():
        if key != "files":
            lines.append(f"{key} = {_quote(value)}")
    for entry in document["files"]:
        lines += ["", "[[files]]"]
        lines += [f"{key} = {_quote(value)}" for key, value in entry.items()]
    return "\n".join(lines) + "\n"


def write_baselines(articles: Sequence[Article], out_dir: Path) -> list[Path]:
    """Write ``out_dir/<id in lower case>.toml`` for each article without an error."""
    written: list[Path] = []
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for article in articles:
            if article.error is not None:
                continue
            path = out_dir / f"{article.id.lower()}.toml"
            path.write_text(render_toml(baseline_document(article), article.source), "utf-8")
            written.append(path)
    except OSError as error:
        raise BaselineError(f"{out_dir}: cannot write the baselines: {error}") from error
    return written


def _quote(text: str) -> str:
    """A TOML basic string: backslashes, quotes and control characters escaped."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in escaped) + '"'


def _comment(text: str) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in Path(text).name)
