"""The fix catalogue: many articles, each a set of requirements (DESIGN.md section 2b).

Two TOML shapes load as an :class:`Article`:

- a baseline of Q197378's shape (``[article]``, ``[[files]]``, ``[registry]``, ``[[builds]]``,
  or ``extends`` with reference hashes): loaded by :func:`auditor.baseline.load_baseline`
  and judged exactly as before;
- a catalogue article, as ``auditor baseline import`` writes it::

      id = "Q197398"
      title = "XFOR: ..."
      product_line = "5.5"
      platform = "Intel"                # optional
      component = "Message Transfer Agent (MTA)"   # optional
      fixed_in_service_pack = "SP2"     # optional
      extends = "q197378.toml"          # optional: takes that baseline's registry rule
      [[files]]
      name = "Emsmta.exe"
      version = "5.5.2448.1"           # "N/A" or absent for data files
      component = "..."                 # optional
      [[registry_values]]               # optional: a plain value, OVAL registry_test style
      key = 'HKLM\\SYSTEM\\CurrentControlSet\\Services\\MSExchangeMTA\\Parameters'
      value = "TCP/IP port for RPC"
      type = "REG_DWORD"
      at_least = "135"                  # or equals = "...", or exists = true

A file's product line is the major and minor of its version: an article's 5.0 and 5.5 tables
sit in one ``[[files]]`` list.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from auditor.baseline import (
    Baseline,
    BaselineFile,
    FileKind,
    default_baseline_path,
    load_baseline,
)
from auditor.errors import BaselineError
from auditor.versions import Version

__all__ = [
    "PE_EXTENSIONS",
    "Article",
    "FileRequirement",
    "ServicePacks",
    "ValueCheck",
    "ValueRequirement",
    "collection_baseline",
    "expand_baseline_paths",
    "load_article",
    "load_articles",
]

PE_EXTENSIONS = (".exe", ".dll", ".ocx", ".cpl", ".sys", ".drv")
"""Files with a version resource (DESIGN.md 2b); any other file is a data file."""

_KEYS = {
    "id",
    "title",
    "product_line",
    "platform",
    "component",
    "fixed_in_service_pack",
    "extends",
    "files",
    "registry_values",
}
_REQUIRED = {"id", "title", "product_line", "files"}
_FILE_KEYS = {"name", "version", "component", "kind", "product_line", "platform"}
_VALUE_KEYS = {"key", "value", "type", "equals", "at_least", "exists"}
_NO_VERSION = {"", "n/a", "na", "-"}


class ServicePacks(Protocol):
    """The files each service pack ships (Q243604); issue 13a's loader provides it."""

    def version_of(self, sp: str, name: str) -> Version | None:
        """The version of ``name`` that service pack ``sp`` ships; None if it ships none."""
        ...

    def label_for(self, version: Version) -> str | None:
        """ "SP2" for a version that is a service pack's own build; None otherwise."""
        ...


class ValueCheck(StrEnum):
    """What a plain registry value must satisfy."""

    EQUALS = "equals"
    AT_LEAST = "at-least"
    """Numeric data (REG_DWORD, or decimal text) at or above the given number."""
    EXISTS = "exists"


@dataclass(frozen=True)
class FileRequirement:
    """One file of an article's table."""

    name: str
    kind: FileKind
    version: Version | None
    """The fixed version (PE files); None for data files."""
    component: str | None
    table_line: str | None = None
    """The product line of the table it was printed in (the section's, else that of the
    version printed, a data file's "5.0.1461.71" too); None when nothing says."""
    platform: str | None = None
    """"Intel" or "Alpha" where the article splits a table by processor; None otherwise."""

    @property
    def product_line(self) -> str | None:
        return self.table_line or (self.version.product_line if self.version else None)


@dataclass(frozen=True)
class ValueRequirement:
    """A registry value below HKLM that must exist, equal, or be at least some data."""

    key: str
    """The key path below HKLM, without the hive prefix: 'SYSTEM\\CurrentControlSet\\...'."""
    value: str
    type: str | None
    """The registry type the value must have ("REG_DWORD"); None when any type will do."""
    check: ValueCheck
    data: str | None
    """The data to compare with; None for EXISTS."""

    @property
    def label(self) -> str:
        return f"{self.key}\\{self.value}"


@dataclass(frozen=True)
class Article:
    """The requirements of one Knowledge Base article."""

    article_id: str
    title: str
    product_line: str
    platform: str | None
    component: str | None
    fixed_in_service_pack: str | None
    files: tuple[FileRequirement, ...]
    values: tuple[ValueRequirement, ...]
    source: str
    legacy: Baseline | None = None
    """A baseline of Q197378's shape (with its per-connector override rule): judged by
    auditor.evaluation.evaluate exactly as a run of that baseline alone."""

    @property
    def product_lines(self) -> tuple[str, ...]:
        """The product lines the article has tables for, in order."""
        lines: dict[str, None] = {}
        for item in self.files:
            if item.product_line:
                lines.setdefault(item.product_line)
        return tuple(lines) or (self.product_line,)


def expand_baseline_paths(paths: Iterable[Path]) -> list[Path]:
    """Each path, a folder standing for its ``*.toml`` files in name order."""
    result: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(path.glob("*.toml"), key=lambda p: p.name.casefold())
            if not found:
                raise BaselineError(f"{path}: a folder without any *.toml baseline")
            result += found
        else:
            result.append(path)
    return result


def load_articles(paths: Sequence[Path]) -> tuple[Article, ...]:
    """Every article of the files and folders named; two with one id are an error."""
    articles: list[Article] = []
    seen: dict[str, str] = {}
    for path in expand_baseline_paths(paths):
        article = load_article(path)
        key = article.article_id.casefold()
        if key in seen:
            raise BaselineError(
                f"{path}: article {article.article_id} is also in {seen[key]}; name it once"
            )
        seen[key] = str(path)
        articles.append(article)
    return tuple(articles)


def load_article(path: Path) -> Article:
    """Load a baseline of either shape. Raise BaselineError naming the file."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise BaselineError(f"{path}: cannot read the baseline: {error}") from error
    except tomllib.TOMLDecodeError as error:
        raise BaselineError(f"{path}: not valid TOML: {error}") from error
    if "id" not in document and ("article" in document or "extends" in document):
        return _from_baseline(load_baseline(path))
    return _catalogue_article(path, document)


def _from_baseline(baseline: Baseline) -> Article:
    files = tuple(
        FileRequirement(item.name, item.kind, item.min_version, None) for item in baseline.files
    )
    return Article(
        article_id=baseline.article_id,
        title=baseline.title,
        product_line=baseline.product_line,
        platform=None,
        component=None,
        fixed_in_service_pack=None,
        files=files,
        values=(),
        source=baseline.source,
        legacy=baseline,
    )


def _catalogue_article(path: Path, document: dict[str, Any]) -> Article:
    unknown = sorted(set(document) - _KEYS)
    if unknown:
        raise BaselineError(f"{path}: unknown top-level key {unknown[0]!r}")
    missing = sorted(_REQUIRED - set(document))
    if missing:
        raise BaselineError(f"{path}: the key {missing[0]!r} is missing")
    texts = {key: _text(path, document, key) for key in _KEYS - {"files", "registry_values"}}
    files = tuple(
        # A file no section or version places is in the article's own product line.
        item if item.table_line else replace(item, table_line=texts["product_line"])
        for item in _file_requirements(path, document["files"])
    )
    values = _value_requirements(path, document.get("registry_values", []))
    article = Article(
        article_id=texts["id"] or "",
        title=texts["title"] or "",
        product_line=texts["product_line"] or "",
        platform=texts["platform"],
        component=texts["component"],
        fixed_in_service_pack=texts["fixed_in_service_pack"],
        files=files,
        values=values,
        source=str(path),
    )
    if texts["extends"] is None:
        return article
    return replace(article, legacy=_extended(path, texts["extends"], article))


def _extended(path: Path, parent_name: str, article: Article) -> Baseline:
    """The article's own files with the registry rule of the baseline it extends."""
    parent_path = path.parent / parent_name
    if not parent_path.is_file() or parent_path.resolve() == path.resolve():
        # The catalogue's own q197378.toml extends the shipped baseline of the same name.
        parent_path = default_baseline_path().parent / parent_name
    if not parent_path.is_file():
        raise BaselineError(f"{path}: extends {parent_name!r}, which is not there")
    parent = load_baseline(parent_path)
    if len(article.product_lines) > 1:
        raise BaselineError(
            f"{path}: an article with tables for {', '.join(article.product_lines)} cannot "
            f"extend {parent_name}, whose rule is for one product line"
        )
    pe = [item.version for item in article.files if item.version is not None]
    return replace(
        parent,
        article_id=article.article_id,
        title=article.title,
        product_line=article.product_lines[0],
        fixed_build=max(pe) if pe else parent.fixed_build,
        files=tuple(
            BaselineFile(item.name, item.kind, item.version, None) for item in article.files
        ),
        source=str(path),
        parent=parent.source,
    )


def _text(path: Path, data: dict[str, Any], key: str, section: str = "") -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        where = f"{section}.{key}" if section else key
        raise BaselineError(f"{path}: {where} must be a non-empty string")
    return value


def _tables(path: Path, items: list[Any], section: str, keys: set[str]) -> Iterable[dict[str, Any]]:
    """Each table of an array of tables; one that is not a table, or holds a key the section
    does not know, raises BaselineError naming the file."""
    for item in items:
        if not isinstance(item, dict):
            raise BaselineError(f"{path}: each [[{section}]] must be a table")
        unknown = sorted(set(item) - keys)
        if unknown:
            raise BaselineError(f"{path}: unknown key {unknown[0]!r} in [[{section}]]")
        yield item


def _file_requirements(path: Path, items: object) -> tuple[FileRequirement, ...]:
    if not isinstance(items, list) or not items:
        raise BaselineError(f"{path}: [[files]] must be a non-empty array of tables")
    result: list[FileRequirement] = []
    seen: set[tuple[str, str | None, str | None]] = set()
    for item in _tables(path, items, "files", _FILE_KEYS):
        name = _text(path, item, "name", "files")
        if name is None:
            raise BaselineError(f"{path}: a [[files]] entry lacks its name")
        raw = _text(path, item, "version", "files")
        version = None
        if raw is not None and raw.strip().casefold() not in _NO_VERSION:
            try:
                version = Version.parse(raw)
            except ValueError as error:
                raise BaselineError(f"{path}: {name}: malformed version: {error}") from error
        kind_text = _text(path, item, "kind", "files")
        if kind_text is not None and kind_text not in ("pe", "data"):
            raise BaselineError(f"{path}: {name}: kind must be 'pe' or 'data', not {kind_text!r}")
        is_pe = kind_text == "pe" if kind_text else name.casefold().endswith(PE_EXTENSIONS)
        if is_pe and version is None:
            raise BaselineError(f"{path}: {name} is a PE file and needs a version")
        # The section the table sits in names its product line; else the printed version.
        line = _text(path, item, "product_line", "files") or (
            version.product_line if version else None
        )
        platform = _text(path, item, "platform", "files")
        key = (name.casefold(), line, platform)
        if key in seen:
            raise BaselineError(f"{path}: duplicate file {name!r} in [[files]]")
        seen.add(key)
        kind = FileKind.PE if is_pe else FileKind.DATA
        result.append(
            FileRequirement(
                name,
                kind,
                version if is_pe else None,
                _text(path, item, "component", "files"),
                line,
                platform,
            )
        )
    return tuple(result)


def _value_requirements(path: Path, items: object) -> tuple[ValueRequirement, ...]:
    if not isinstance(items, list):
        raise BaselineError(f"{path}: registry_values must be [[registry_values]] tables")
    result: list[ValueRequirement] = []
    for item in _tables(path, items, "registry_values", _VALUE_KEYS):
        key = _text(path, item, "key", "registry_values")
        value = item.get("value")
        if key is None or not isinstance(value, str):
            raise BaselineError(f"{path}: each [[registry_values]] needs a key and a value name")
        checks = [name for name in ("equals", "at_least", "exists") if name in item]
        if len(checks) != 1:
            raise BaselineError(
                f"{path}: {key}\\{value}: give exactly one of equals, at_least, exists"
            )
        check = {"equals": ValueCheck.EQUALS, "at_least": ValueCheck.AT_LEAST}.get(
            checks[0], ValueCheck.EXISTS
        )
        data = item[checks[0]]
        if check is ValueCheck.EXISTS:
            if data is not True:
                raise BaselineError(f"{path}: {key}\\{value}: exists must be true")
            data = None
        elif isinstance(data, int) and not isinstance(data, bool):
            data = str(data)
        elif not isinstance(data, str):
            raise BaselineError(f"{path}: {key}\\{value}: {checks[0]} must be text or a number")
        if check is ValueCheck.AT_LEAST and not str(data).strip().isdigit():
            raise BaselineError(f"{path}: {key}\\{value}: at_least must be a whole number")
        result.append(
            ValueRequirement(
                _strip_hive(key), value, _text(path, item, "type", "registry_values"), check, data
            )
        )
    return tuple(result)


def _strip_hive(key: str) -> str:
    for prefix in ("HKEY_LOCAL_MACHINE\\", "HKLM\\"):
        if key.upper().startswith(prefix):
            return key[len(prefix) :]
    return key


def collection_baseline(primary: Baseline, articles: Sequence[Article]) -> Baseline:
    """The baseline collection reads with: the primary's rules and registry reads, and the
    union of every article's files, so that each article finds its files in the facts."""
    known = {item.name.casefold() for item in primary.files}
    extra: list[BaselineFile] = []
    for article in articles:
        for item in article.files:
            if item.name.casefold() in known:
                continue
            known.add(item.name.casefold())
            minimum = item.version if item.kind is FileKind.PE else None
            extra.append(BaselineFile(item.name, item.kind, minimum, None))
    return replace(primary, files=(*primary.files, *extra)) if extra else primary
