"""A Knowledge Base article's file tables, read from its text: what the text says and no more.

The tables that count follow a line such as "The English version of this fix should have the
following file attributes or later:". Each takes its product line from the section it sits
in ("Exchange Server 5.0" underlined), else from the article's "applies to" lines, else from
the versions it prints in full; its component from the "Component:" line above it; its
processor from an "Intel"/"Alpha" label above it. A table of the download package itself,
followed by "After the hotfix is installed, the following files ...", is not a requirement.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from auditor.catalogue.metadata import ArticleMetadata, read_metadata
from auditor.catalogue.source import ArticleText, decode_article, split_layout
from auditor.catalogue.tables import (
    FILE_NAME,
    MAX_TABLE_LINE,
    VERSION,
    is_table_line,
    normalise_platform,
    read_table,
)
from auditor.errors import ParseError
from auditor.versions import Version

__all__ = [
    "PE_EXTENSIONS",
    "Article",
    "ArticleFile",
    "FileTable",
    "full_version",
    "parse_article",
    "read_article",
]

PE_EXTENSIONS = frozenset({"exe", "dll", "ocx", "cpl", "sys", "drv"})
"""Files judged by version (DESIGN.md 2b); any other file is a data file."""

_INTRO = re.compile(
    r"(?:file|listed|following)\s+attributes|attributes\s+(?:are\s+)?(?:listed|shown)"
    r"|following\s+files?\s+(?:will\s+)?(?:have|has)",
    re.IGNORECASE,
)
_AFTER_INSTALL = re.compile(r"after\s+the\s+(?:hot\s*fix|fix|update)\s+is\s+installed", re.I)
_COMPONENT = re.compile(r"^\s*Component\s*:\s*(?P<name>.*?)\s*$", re.IGNORECASE)
_UNDERLINE = re.compile(r"^\s*(?P<mark>-{3,}|={3,})\s*$")
_LINE_IN_HEADING = re.compile(r"\b(\d{1,2}\.\d{1,2})\b")
_PLATFORM_LABEL_WORDS = 6


@dataclass(frozen=True)
class ArticleFile:
    """One row of a file table."""

    name: str
    version: str
    """Exactly as printed: "5.5.2431.0", "2623.0", "N/A"."""
    platform: str | None = None
    """From a Platform column: "Intel" or "Alpha"; None for both, or without the column."""

    @property
    def is_pe(self) -> bool:
        """Judged by version (exe, dll, ...); else a data file, judged by presence."""
        return self.name.rsplit(".", 1)[-1].casefold() in PE_EXTENSIONS


@dataclass(frozen=True)
class FileTable:
    """The files of one component, product line and processor, as one table prints them."""

    product_line: str | None
    """ "5.5": from the table's section, else the article's "applies to" lines."""
    component: str | None
    """The text after "Component:", or None."""
    platform: str | None
    """ "Intel" or "Alpha" where the article splits tables by processor, else None."""
    files: tuple[ArticleFile, ...]


@dataclass(frozen=True)
class Article:
    """What one article says about the files of its fix."""

    id: str
    """ "Q197378": from the text, else from the file name."""
    title: str
    tables: tuple[FileTable, ...]
    error: str | None
    """Why the article gives no usable requirement (no file table, unreadable); else None."""
    source: str
    """The file it was read from."""
    keywords: tuple[str, ...] = ()
    fixed_in: tuple[str, str] | None = None
    """(product line, service pack), e.g. ("5.5", "SP2"), where the keywords or the status
    name the service pack that first corrected the problem."""
    warnings: tuple[str, ...] = field(default=())
    """What was read but not understood (a table line that is not a row, a short version
    without a product line); each starts with the source."""

    @property
    def fixed_in_service_pack(self) -> str | None:
        return self.fixed_in[1] if self.fixed_in else None


def full_version(printed: str, product_line: str | None) -> Version | None:
    """The four-part version a printed one stands for; None for "N/A" or when unknowable.

    A 5.5 article's "2623.0" is 5.5.2623.0: a two-part version is a build and a revision,
    below the product line of its table.
    """
    if not VERSION.fullmatch(printed):
        return None
    parts = printed.split(".")
    if len(parts) == 2:
        if product_line is None:
            return None
        printed = f"{product_line}.{printed}"
    try:
        return Version.parse(printed)
    except ValueError:
        return None


def read_article(path: Path) -> Article:
    """Read and parse one article file. Never raises for bad content: the error is data."""
    fallback = _id_from_name(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        return _failed(fallback, str(path), f"{path}: cannot read the article: {error}")
    try:
        text = decode_article(data, str(path))
    except ParseError as error:
        return _failed(fallback, str(path), str(error))
    return parse_article(text, str(path), fallback_id=fallback)


def _failed(article_id: str, source: str, error: str) -> Article:
    return Article(id=article_id, title="", tables=(), error=error, source=source)


def _id_from_name(path: Path) -> str:
    found = re.match(r"(?:Q|KB)\d+", path.stem, re.IGNORECASE)
    return found.group(0).upper() if found else path.stem


def parse_article(text: str, source: str, *, fallback_id: str = "") -> Article:
    """Parse an article's text (either layout). Problems become ``error`` and ``warnings``."""
    layout = split_layout(text)
    meta = read_metadata(layout)
    walker = _Walker(layout, meta, source)
    walker.walk()
    tables, warnings = walker.result()
    article_id = meta.article_id or fallback_id or Path(source).stem
    error = None
    if not tables:
        error = f"{source}: no file table (no file names with versions after a line such as "
        error += '"The English version of this fix should have the following file attributes")'
        if walker.package_tables:
            error += "; only the download package itself is listed"
    else:
        error = _unusable_versions(tables, source)
    return Article(
        id=article_id,
        title=meta.title or layout.title or "",
        tables=tables,
        error=error,
        source=source,
        keywords=meta.keywords,
        fixed_in=meta.fixed_in,
        warnings=tuple(warnings),
    )


def _unusable_versions(tables: tuple[FileTable, ...], source: str) -> str | None:
    """A PE file's version that names no four-part version cannot become a requirement."""
    for table in tables:
        for file in table.files:
            printed = file.version
            if file.is_pe and VERSION.fullmatch(printed) and not _known(printed, table):
                return (
                    f"{source}: {file.name} {printed}: a short or malformed version "
                    "in a table whose product line is unknown"
                )
    return None


def _known(printed: str, table: FileTable) -> bool:
    return full_version(printed, table.product_line) is not None


class _Walker:
    """One pass over the lines, keeping the section, component and processor in force."""

    def __init__(self, layout: ArticleText, meta: ArticleMetadata, source: str) -> None:
        self.lines = layout.lines
        self.meta = meta
        self.source = source
        self.section_line: str | None = None
        self.section_platform: str | None = None
        self.label_platform: str | None = None
        self.component: str | None = None
        self.armed = False
        self.paragraph = ""
        self.group: list[tuple[FileTable, int]] = []
        """Tables since the last introducing line, with their line numbers."""
        self.tables: list[tuple[FileTable, int]] = []
        self.package_tables: list[FileTable] = []
        self.warnings: list[str] = []

    def walk(self) -> None:
        index = 0
        while index < len(self.lines):
            line = self.lines[index]
            heading = self._heading_at(index)
            if heading is not None:
                self._enter_section(heading, self.lines[index + 1])
                index += 2
                continue
            if not line.strip():
                self.paragraph = ""
                index += 1
                continue
            if self.armed and is_table_line(line):
                index = self._table_at(index)
                continue
            self._prose(line)
            index += 1
        self.tables.extend(self.group)

    def _heading_at(self, index: int) -> str | None:
        """A heading is a short line underlined by dashes or equals of about its length."""
        if index + 1 >= len(self.lines):
            return None
        text, under = self.lines[index].strip(), _UNDERLINE.match(self.lines[index + 1])
        if not text or under is None or len(text) > 100 or is_table_line(self.lines[index]):
            return None
        if not len(text) / 2 <= len(under.group("mark")) <= len(text) * 3 / 2 + 2:
            return None
        return text

    def _enter_section(self, heading: str, underline: str) -> None:
        self._close_group()
        self.armed = False
        self.component = None
        self.label_platform = None
        self.paragraph = ""
        if underline.strip().startswith("="):
            self.section_line, self.section_platform = None, None
            return
        found = _LINE_IN_HEADING.search(heading)
        mentions_product = "exchange" in heading.casefold() or re.fullmatch(
            r"(?:version\s+)?\d+\.\d+\S*", heading, re.IGNORECASE
        )
        self.section_line = found.group(1) if found and mentions_product else None
        self.section_platform = normalise_platform(heading)

    def _prose(self, line: str) -> None:
        component = _COMPONENT.match(line)
        if component:
            self.component = component.group("name") or None
            self.paragraph = ""
            return
        if len(line) <= MAX_TABLE_LINE and len(line.split()) <= _PLATFORM_LABEL_WORDS:
            platform = normalise_platform(line)
            if platform is not None and not FILE_NAME.search(line):
                self.label_platform = platform
                return
        # Only the tail of a long paragraph is kept: an introducing phrase spans two lines
        # at most, and searching all of a huge paragraph again per line would be quadratic.
        self.paragraph = (self.paragraph[-200:] + " " + line.strip()[:MAX_TABLE_LINE]).strip()
        if _AFTER_INSTALL.search(self.paragraph):
            self._mark_package()
            self.armed = True
            self.paragraph = ""
        elif _INTRO.search(self.paragraph):
            self._close_group()
            self.armed = True
            self.paragraph = ""
        elif self.group:
            # Prose after the tables ends them ("This hotfix has been posted ..."); before
            # the first table it may be a note between the introducing line and the table.
            self._close_group()
            self.armed = False

    def _mark_package(self) -> None:
        """The tables just before "After the hotfix is installed" list the package itself."""
        self.package_tables.extend(table for table, _ in self.group)
        self.group = []

    def _close_group(self) -> None:
        self.tables.extend(self.group)
        self.group = []

    def _table_at(self, index: int) -> int:
        raw, end = read_table(self.lines, index)
        for line in raw.unread:
            self.warnings.append(f"{self.source}: a table line without a file and version: {line}")
        self.paragraph = ""
        if not raw.rows:
            return max(end, index + 1)
        files = tuple(ArticleFile(row.name, row.version, row.platform) for row in raw.rows)
        table = FileTable(
            product_line=self._product_line(files),
            component=self.component,
            platform=self.label_platform or self.section_platform,
            files=files,
        )
        if self.meta.article_id and all(
            file.name.casefold().startswith(self.meta.article_id.casefold()) for file in files
        ):
            self.package_tables.append(table)  # Q280411engi.exe: the download, not the fix
        else:
            self.group.append((table, index))
        return end

    def _product_line(self, files: tuple[ArticleFile, ...]) -> str | None:
        if self.section_line is not None:
            return self.section_line
        if len(self.meta.product_lines) == 1:
            return self.meta.product_lines[0]
        printed = Counter(
            ".".join(file.version.split(".")[:2])
            for file in files
            if VERSION.fullmatch(file.version) and file.version.count(".") >= 2
        )
        if len(printed) == 1:
            return next(iter(printed))
        return None

    def result(self) -> tuple[tuple[FileTable, ...], list[str]]:
        tables = tuple(table for table, _ in sorted(self.tables, key=lambda pair: pair[1]))
        for table in tables:
            if table.product_line is None:
                self.warnings.append(
                    f"{self.source}: a table of {table.files[0].name} and others has no "
                    "product line (no section, several in the applies-to lines)"
                )
        return tables, self.warnings
