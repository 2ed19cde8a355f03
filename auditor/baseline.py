"""Baselines: the requirements of one article, kept as TOML data and loaded strictly.

An unknown key, a missing key, a malformed version or a duplicate file is a BaselineError
that names the file and, where the text shows it, the line.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from auditor.errors import BaselineError
from auditor.versions import Version

__all__ = [
    "Baseline",
    "BaselineFile",
    "BuildLabel",
    "FileKind",
    "RegistryRule",
    "default_baseline_path",
    "load_baseline",
]

DEFAULT_BASELINE = "q197378.toml"


class FileKind(StrEnum):
    PE = "pe"
    """A binary with a version resource, judged by version."""
    DATA = "data"
    """A file without a version resource, judged by presence and reference hash."""


@dataclass(frozen=True)
class BaselineFile:
    """One file the fix ships."""

    name: str
    kind: FileKind
    min_version: Version | None
    """The required version (PE files): the article's fixed build unless set per file."""
    sha256: str | None
    """A reference digest from a known-good server (data files); None when not recorded."""


@dataclass(frozen=True)
class RegistryRule:
    """Where the per-connector override lives and what it must be."""

    service: str
    service_binary: str
    override_key: str
    override_value: str
    override_type: str
    remediation: str


@dataclass(frozen=True)
class BuildLabel:
    """A release name for the versions from ``build`` up to the next label."""

    build: Version
    label: str


@dataclass(frozen=True)
class Baseline:
    """The requirements of one Knowledge Base article."""

    article_id: str
    title: str
    product: str
    product_line: str
    """"5.5": files of another major.minor are another product and not applicable."""
    fixed_build: Version
    remediation: str
    files: tuple[BaselineFile, ...]
    registry: RegistryRule
    builds: tuple[BuildLabel, ...]
    """Sorted by build."""
    source: str
    """The file it was loaded from."""
    parent: str | None = None
    """The baseline this one extends (a reference capture names q197378.toml); None if none."""

    def label_for(self, version: Version) -> str | None:
        """The build label for a version, or None below every known build."""
        found = None
        for label in self.builds:
            if label.build <= version:
                found = label.label
        return found


def default_baseline_path() -> Path:
    """The shipped Q197378 baseline, whether installed from a wheel or run from a checkout."""
    package = Path(__file__).resolve().parent
    for folder in (package / "baselines", package.parent / "baselines"):
        if (folder / DEFAULT_BASELINE).is_file():
            return folder / DEFAULT_BASELINE
    raise BaselineError(f"{package}: the default baseline {DEFAULT_BASELINE} is not installed")


_SCHEMA: dict[str, set[str]] = {
    "": {"article", "files", "registry", "builds"},
    "article": {"id", "title", "product", "product_line", "fixed_build", "remediation"},
    "files": {"name", "kind", "min_version", "sha256"},
    "registry": {
        "service",
        "service_binary",
        "override_key",
        "override_value",
        "override_type",
        "remediation",
    },
    "builds": {"build", "label"},
}
_OPTIONAL = {"files": {"min_version", "sha256"}}
_SHA256_RE = re.compile(r"[0-9a-fA-F]{64}")


class _Loader:
    """Checks one parsed TOML document against the schema, naming file and line on error."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def fail(self, message: str, needle: str | None = None, after: int = 0) -> BaselineError:
        line = self.line_of(needle, after) if needle else None
        where = f"{self.path}:{line}" if line else str(self.path)
        return BaselineError(f"{where}: {message}")

    def line_of(self, needle: str, after: int = 0) -> int | None:
        """The first line (1-based) after line ``after`` that mentions ``needle``."""
        pattern = re.compile(rf"(^|[\s\"'\[.]){re.escape(needle)}($|[\s\"'\]=.])")
        for number, line in enumerate(self.lines[after:], start=after + 1):
            if pattern.search(line.split("#", 1)[0]):
                return number
        return None

    def table(self, data: object, section: str) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise self.fail(f"[{section}] must be a table", section)
        unknown = sorted(set(data) - _SCHEMA[section])
        if unknown:
            raise self.fail(f"unknown key {unknown[0]!r} in [{section}]", unknown[0])
        missing = sorted(_SCHEMA[section] - _OPTIONAL.get(section, set()) - set(data))
        if missing:
            raise self.fail(f"[{section}] lacks the key {missing[0]!r}", section)
        return data

    def text(self, data: dict[str, Any], key: str, section: str) -> str:
        value = data[key]
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{section}.{key} must be a non-empty string", key)
        return value

    def version(self, data: dict[str, Any], key: str, section: str) -> Version:
        raw = data[key]
        try:
            return Version.parse(raw if isinstance(raw, str) else repr(raw))
        except ValueError as error:
            needle = raw if isinstance(raw, str) else key
            raise self.fail(f"malformed version in {section}.{key}: {error}", needle) from error

    def array(self, data: object, section: str) -> list[dict[str, Any]]:
        if not isinstance(data, list) or not data:
            raise self.fail(f"[[{section}]] must be a non-empty array of tables", section)
        return [self.table(item, section) for item in data]


_CHILD_SCHEMA: dict[str, set[str]] = {
    "": {"extends", "capture", "files"},
    "capture": {"server", "source", "captured_at"},
    "files": {"name", "sha256"},
}
MAX_PARENTS = 8
"""Deeper chains of ``extends`` than any real use; past this a loop is assumed."""


def load_baseline(path: Path, *, _depth: int = 0) -> Baseline:
    """Load and check a baseline file. Raise BaselineError naming the file and line.

    A baseline with ``extends = "q197378.toml"`` takes everything from that parent (found
    beside it, else among the shipped baselines) and only adds reference hashes::

        extends = "q197378.toml"
        [[files]]
        name = "Dbserver.sch"
        sha256 = "..."
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise BaselineError(f"{path}: cannot read the baseline: {error}") from error
    loader = _Loader(path, text)
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise BaselineError(f"{path}: not valid TOML: {error}") from error

    if "extends" in document:
        return _load_child(path, loader, document, _depth)
    unknown = sorted(set(document) - _SCHEMA[""])
    if unknown:
        raise loader.fail(f"unknown top-level key {unknown[0]!r}", unknown[0])
    for section in ("article", "files", "registry", "builds"):
        if section not in document:
            raise loader.fail(f"the section [{section}] is missing")

    article = loader.table(document["article"], "article")
    fixed_build = loader.version(article, "fixed_build", "article")
    files = _files(loader, document["files"], fixed_build)
    registry = loader.table(document["registry"], "registry")
    builds = sorted(
        (
            BuildLabel(
                loader.version(item, "build", "builds"), loader.text(item, "label", "builds")
            )
            for item in loader.array(document["builds"], "builds")
        ),
        key=lambda label: label.build,
    )
    return Baseline(
        article_id=loader.text(article, "id", "article"),
        title=loader.text(article, "title", "article"),
        product=loader.text(article, "product", "article"),
        product_line=loader.text(article, "product_line", "article"),
        fixed_build=fixed_build,
        remediation=loader.text(article, "remediation", "article"),
        files=files,
        registry=RegistryRule(**{key: loader.text(registry, key, "registry") for key in registry}),
        builds=tuple(builds),
        source=str(path),
    )


def _load_child(path: Path, loader: _Loader, document: dict[str, Any], depth: int) -> Baseline:
    """A baseline that extends a parent: the parent's rules with reference hashes added."""
    unknown = sorted(set(document) - _CHILD_SCHEMA[""])
    if unknown:
        raise loader.fail(
            f"unknown key {unknown[0]!r} in a baseline that extends another", unknown[0]
        )
    parent_name = document["extends"]
    if not isinstance(parent_name, str) or not parent_name.strip():
        raise loader.fail("extends must name a baseline file", "extends")
    if depth >= MAX_PARENTS:
        raise loader.fail(f"more than {MAX_PARENTS} baselines extend each other: a loop?")
    parent_path = path.parent / parent_name
    if not parent_path.is_file() and Path(parent_name).name == parent_name:
        shipped = default_baseline_path().parent / parent_name
        parent_path = shipped if shipped.is_file() else parent_path
    if not parent_path.is_file():
        raise loader.fail(f"extends {parent_name!r}, which is not there", "extends")
    parent = load_baseline(parent_path, _depth=depth + 1)
    if "capture" in document:
        _check_keys(loader, document["capture"], "capture")
    hashes: dict[str, str] = {}
    last_line = 0
    items = document.get("files", [])
    if not isinstance(items, list):
        raise loader.fail("files must be [[files]] tables", "files")
    for item in items:
        _check_keys(loader, item, "files")
        name, sha256 = item.get("name"), item.get("sha256")
        line = loader.line_of(f'"{name}"', last_line) or last_line
        last_line = line
        if not isinstance(name, str) or not isinstance(sha256, str):
            raise loader.fail("each [[files]] needs a name and a sha256", "files", last_line)
        if name.casefold() not in {f.name.casefold() for f in parent.files}:
            raise loader.fail(f"{name!r} is not a file of {parent_name}", f'"{name}"', line - 1)
        if not _SHA256_RE.fullmatch(sha256):
            raise loader.fail(f"files.sha256 of {name!r} is not 64 hex digits", "sha256", line - 1)
        if name.casefold() in hashes:
            raise loader.fail(f"duplicate file {name!r} in [[files]]", f'"{name}"', line - 1)
        hashes[name.casefold()] = sha256.lower()
    files = tuple(
        replace(file, sha256=hashes.get(file.name.casefold(), file.sha256)) for file in parent.files
    )
    return replace(parent, files=files, source=str(path), parent=parent.source)


def _check_keys(loader: _Loader, data: object, section: str) -> None:
    if not isinstance(data, dict):
        raise loader.fail(f"[{section}] must be a table", section)
    unknown = sorted(set(data) - _CHILD_SCHEMA[section])
    if unknown:
        raise loader.fail(f"unknown key {unknown[0]!r} in [{section}]", unknown[0])


def _files(loader: _Loader, data: object, fixed_build: Version) -> tuple[BaselineFile, ...]:
    files: list[BaselineFile] = []
    seen: set[str] = set()
    last_line = 0
    for item in loader.array(data, "files"):
        name = loader.text(item, "name", "files")
        line = loader.line_of(f'"{name}"', last_line) or last_line
        if name.casefold() in seen:
            raise loader.fail(f"duplicate file {name!r} in [[files]]", f'"{name}"', last_line)
        seen.add(name.casefold())
        last_line = line
        kind_text = loader.text(item, "kind", "files")
        try:
            kind = FileKind(kind_text)
        except ValueError:
            raise loader.fail(
                f"files.kind of {name!r} must be 'pe' or 'data', not {kind_text!r}", kind_text
            ) from None
        min_version = (
            loader.version(item, "min_version", "files") if "min_version" in item else None
        )
        sha256 = item.get("sha256")
        if sha256 is not None and not (isinstance(sha256, str) and _SHA256_RE.fullmatch(sha256)):
            raise loader.fail(f"files.sha256 of {name!r} is not 64 hex digits", "sha256", line - 1)
        if kind is FileKind.PE and sha256 is not None:
            raise loader.fail(f"{name!r}: a reference sha256 is for data files", "sha256", line - 1)
        if kind is FileKind.DATA and min_version is not None:
            raise loader.fail(f"{name!r}: data files carry no version", "min_version", line - 1)
        files.append(
            BaselineFile(
                name=name,
                kind=kind,
                min_version=min_version or (fixed_build if kind is FileKind.PE else None),
                sha256=sha256.lower() if sha256 else None,
            )
        )
    return tuple(files)
