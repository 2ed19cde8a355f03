"""The files each Exchange 5.5 service pack installs, kept as data (from Q243604).

A server with a service pack's own files has every fix that service pack contains, so an
article fixed in SP2 is satisfied by a file at or above SP2's own version of it (DESIGN.md
2b): SP2 ships Emsmta.exe 5.5.2448.1 and the other MTA files at 5.5.2448.0. The same data
names a version's build: 5.5.2448.0 is "SP2", 5.5.2431.0 "SP1 + hotfix".

The data file is generated from the article's text::

    python -m auditor.catalogue.servicepacks Q243604.txt baselines/servicepacks/exchange55.toml
"""

from __future__ import annotations

import re
import sys
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from auditor.catalogue.source import decode_article, split_layout
from auditor.errors import BaselineError, ParseError
from auditor.versions import Version

__all__ = [
    "LATER_SERVICE_PACKS",
    "ServicePack",
    "ServicePacks",
    "default_service_packs_path",
    "load_service_packs",
    "parse_file_listing",
    "service_packs_toml",
]

LATER_SERVICE_PACKS = (("SP4", "5.5.2653", "Q191014"),)
"""Releases after Q243604 was written: build only, no file list (DESIGN.md 1, Builds)."""

DEFAULT_FILE = Path("servicepacks") / "exchange55.toml"

_ROW = re.compile(
    r"^\s*(?P<path>[A-Za-z]:\\\S+)\s+(?P<size>[\d,]+)\s+(?P<date>\d{1,2}/\d{1,2}/\d{2,4})"
    r"\s+(?P<version>\d+(?:\.\d+){1,3})\s*$"
)
_BASE = re.compile(r"\b(?:Base|No\s+Service\s+Packs?)\b", re.IGNORECASE)
_SERVICE_PACK = re.compile(r"\bService\s+Pack\s+(?P<number>\d+)\b", re.IGNORECASE)
_SP_LABEL = re.compile(r"RTM|SP\d+")


@dataclass(frozen=True)
class ServicePack:
    label: str
    """ "RTM", "SP1", ..."""
    build: Version
    """The release's build, 5.5.2448.0 for SP2: the most common build among its files."""
    files: dict[str, Version]
    """Case-folded file name to the version the release installs; empty when not listed."""
    source: str
    """The article the list comes from."""


@dataclass(frozen=True)
class ServicePacks:
    """The releases of one product line, oldest first."""

    product_line: str
    releases: tuple[ServicePack, ...]

    def version_of(self, label: str, filename: str) -> Version | None:
        """The version ``label`` ("SP2") installs of ``filename`` (any case); None if unlisted."""
        for release in self.releases:
            if release.label.casefold() == label.casefold():
                return release.files.get(filename.casefold())
        return None

    def label_for(self, version: Version) -> str | None:
        """ "SP2" for a build of SP2, "SP1 + hotfix" between SP1 and SP2; None below the first
        release or for another product line."""
        if version.product_line != self.product_line:
            return None
        build = version.parts[:3]
        found = None
        for release in self.releases:
            if release.build.parts[:3] <= build:
                found = release
        if found is None:
            return None
        return found.label if found.build.parts[:3] == build else f"{found.label} + hotfix"


def parse_file_listing(text: str, source: str) -> ServicePacks:
    """Read Q243604's lists (path, size, date, version under a heading per release)."""
    releases: dict[str, dict[str, Version]] = {}
    current: str | None = None
    for line in split_layout(text).lines:
        row = _ROW.match(line)
        if row is None:
            if line.strip() and not set(line.strip()) <= set("-="):
                current = _release_named(line) or current
            continue
        if current is None:
            raise ParseError(f"{source}: a file listed before any release heading: {line.strip()}")
        name = row.group("path").rsplit("\\", 1)[-1].casefold()
        version = Version.parse(row.group("version"))
        files = releases.setdefault(current, {})
        # Cdo.dll and Cdonts.dll are listed twice per release; where the two printings differ
        # (SP2's Cdo.dll: 5.5.2448.0, then 5.5.2248.0) every server of it has the lower.
        files[name] = min(version, files.get(name, version))
    if not releases:
        raise ParseError(f"{source}: no release file lists found")
    packs = [
        ServicePack(label, _build_of(files), dict(sorted(files.items())), source)
        for label, files in releases.items()
    ]
    line = Counter(v.product_line for p in packs for v in p.files.values()).most_common(1)[0][0]
    for label, build, origin in LATER_SERVICE_PACKS:
        packs.append(ServicePack(label, Version.parse(build), {}, origin))
    packs.sort(key=lambda pack: pack.build)
    return ServicePacks(line, tuple(packs))


def _release_named(line: str) -> str | None:
    number = _SERVICE_PACK.search(line)
    if number is not None and not re.search(r"No\s+Service", line, re.IGNORECASE):
        return f"SP{int(number.group('number'))}"
    if _BASE.search(line):
        return "RTM"
    return None


def _build_of(files: dict[str, Version]) -> Version:
    builds = Counter(version.parts[:3] for version in files.values())
    major, minor, build = builds.most_common(1)[0][0]
    return Version((major, minor, build, 0))


def service_packs_toml(packs: ServicePacks) -> str:
    lines = [
        "# The files each Exchange Server 5.5 release installs, generated from Q243604 by",
        "# python -m auditor.catalogue.servicepacks. A release without files is known by its",
        "# build only. Names are in lower case; Windows file names are case-insensitive.",
        f'product_line = "{packs.product_line}"',
    ]
    for pack in packs.releases:
        lines += ["", "[[releases]]", f'label = "{pack.label}"', f'build = "{pack.build}"']
        lines += [f'source = "{pack.source}"', "", "[releases.files]"]
        lines += [f'"{name}" = "{version}"' for name, version in pack.files.items()]
    return "\n".join(lines) + "\n"


def default_service_packs_path() -> Path:
    """The shipped data file, whether installed from a wheel or run from a checkout."""
    package = Path(__file__).resolve().parent.parent
    for folder in (package / "baselines", package.parent / "baselines"):
        if (folder / DEFAULT_FILE).is_file():
            return folder / DEFAULT_FILE
    raise BaselineError(f"{package}: the service packs data {DEFAULT_FILE} is not installed")


def load_service_packs(path: Path) -> ServicePacks:
    """Load the data file. Raise BaselineError naming the file for anything malformed."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise BaselineError(f"{path}: cannot read the service packs: {error}") from error
    try:
        if set(document) != {"product_line", "releases"}:
            raise ValueError(f"top-level keys must be product_line and releases: {set(document)}")
        releases = []
        for item in document["releases"]:
            if set(item) != {"label", "build", "source", "files"}:
                raise ValueError(f"a release has the keys {sorted(item)}")
            if not _SP_LABEL.fullmatch(item["label"]):
                raise ValueError(f"label {item['label']!r} is not RTM or SPn")
            files = {str(n).casefold(): Version.parse(v) for n, v in item["files"].items()}
            build = Version.parse(item["build"])
            releases.append(ServicePack(item["label"], build, files, str(item["source"])))
    except (ValueError, TypeError, AttributeError, KeyError) as error:
        raise BaselineError(f"{path}: malformed service packs: {error}") from error
    releases.sort(key=lambda pack: pack.build)
    return ServicePacks(str(document["product_line"]), tuple(releases))


def main(argv: list[str]) -> int:
    """Generate the data file: ``python -m auditor.catalogue.servicepacks KB.txt OUT.toml``."""
    if len(argv) != 2:
        print("usage: python -m auditor.catalogue.servicepacks Q243604.txt OUT.toml")
        return 2
    source, out = Path(argv[0]), Path(argv[1])
    packs = parse_file_listing(decode_article(source.read_bytes(), str(source)), source.stem)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(service_packs_toml(packs), encoding="utf-8")
    print(f"wrote {out}: {', '.join(pack.label for pack in packs.releases)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
