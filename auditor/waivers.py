"""Waivers: accepted risks with an approver and an expiry date, kept as TOML and loaded strictly.

```toml
[[waiver]]
server = "MTA-LONDON"          # the server's name, case-insensitive
reason = "replaced in January; the connector is down until then"
approved_by = "J. Smith, IT risk"
expires = 2027-01-31           # a TOML date; the waiver holds through that day
finding = "TCP to MTA B"       # optional: one baseline file name or one connector RDN
article = "Q197378"            # optional, in a catalogue run: the one article it covers
```

An unknown key, a missing key, an empty text or an expiry that is not a date is a
WaiverError naming the file and the line. Loading never reads the clock: whether a waiver has
expired is decided by evaluation, against the day it is given.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from auditor.errors import WaiverError
from auditor.names import server_name

__all__ = ["MAX_WAIVERS", "WAIVERS_FILE", "Waiver", "WaiverFile", "load_waivers"]

MAX_WAIVERS = 10_000
"""Waivers a file may hold: each is judged and reported, so a runaway file must not."""

WAIVERS_FILE = "waivers.toml"
"""The waivers file looked for at the fleet root when none is named."""

_KEYS = {"server", "reason", "approved_by", "expires", "finding", "article"}
_REQUIRED = _KEYS - {"finding", "article"}


@dataclass(frozen=True)
class Waiver:
    """One accepted risk."""

    server: str
    reason: str
    approved_by: str
    expires: date
    """The last day the waiver holds."""
    finding: str | None
    """A baseline file name or connector RDN the waiver is narrowed to; None for the server."""
    source: str
    """"waivers.toml:12": the file and line of the entry, to name it in reports."""
    article: str | None = None
    """In a catalogue run, the one article the waiver is narrowed to; None for all."""

    def names_article(self, article_id: str) -> bool:
        """Whether this waiver applies to an article's verdict."""
        return self.article is None or self.article.casefold() == article_id.casefold()

    def covers(self, finding: str) -> bool:
        """Whether this waiver covers a failing file or connector of its server."""
        return self.finding is None or self.finding.casefold() == finding.casefold()

    @property
    def scope(self) -> str:
        """What the waiver covers, in words."""
        return self.finding if self.finding is not None else "(whole server)"


@dataclass(frozen=True)
class WaiverFile:
    """The waivers of one file, and what loading had to say about them."""

    source: str
    waivers: tuple[Waiver, ...]
    notes: tuple[str, ...] = ()
    """Duplicates: reported, not silently merged."""


def load_waivers(path: Path) -> WaiverFile:
    """Load and check a waivers file. Raise WaiverError naming the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise WaiverError(f"{path}: cannot read the waivers: {error}") from error
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise WaiverError(f"{path}: not valid TOML: {error}") from error
    unknown = sorted(set(document) - {"waiver"})
    if unknown:
        raise WaiverError(f"{_where(path, text, unknown[0])}: unknown top-level key {unknown[0]!r}")
    entries = document.get("waiver", [])
    if not isinstance(entries, list):
        raise WaiverError(f"{_where(path, text, 'waiver')}: waiver must be [[waiver]] tables")
    if len(entries) > MAX_WAIVERS:
        raise WaiverError(
            f"{path}: {len(entries):,} waivers, more than {MAX_WAIVERS:,}: "
            "a waiver accepts one server's risk; is this the waivers file?"
        )
    starts = [n for n, line in enumerate(text.splitlines(), 1) if _ENTRY.match(line)]
    waivers: list[Waiver] = []
    notes: list[str] = []
    seen: dict[tuple[str, ...], str] = {}
    for index, entry in enumerate(entries):
        line = starts[index] if index < len(starts) else 0
        waiver = _waiver(path, text, entry, line)
        key: tuple[str, ...] = (waiver.server.casefold(), (waiver.finding or "").casefold())
        if waiver.article is not None:
            key = (*key, waiver.article.casefold())
        if key in seen:
            notes.append(f"{waiver.source}: repeats the waiver at {seen[key]}; both are listed")
        seen.setdefault(key, waiver.source)
        waivers.append(waiver)
    return WaiverFile(str(path), tuple(waivers), tuple(notes))


_ENTRY = re.compile(r"\s*\[\[\s*waiver\s*\]\]")


def _where(path: Path, text: str, needle: str, after: int = 0) -> str:
    pattern = re.compile(rf"(^|[\s\"'\[.]){re.escape(needle)}($|[\s\"'\]=.])")
    for number, line in enumerate(text.splitlines()[after:], start=after + 1):
        if pattern.search(line.split("#", 1)[0]):
            return f"{path}:{number}"
    return str(path)


def _waiver(path: Path, text: str, entry: object, line: int) -> Waiver:
    at = f"{path}:{line}" if line else str(path)
    if not isinstance(entry, dict):
        raise WaiverError(f"{at}: a waiver must be a table")
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        where = _where(path, text, unknown[0], max(line - 1, 0))
        raise WaiverError(f"{where}: unknown key {unknown[0]!r} in [[waiver]]")
    missing = sorted(_REQUIRED - set(entry))
    if missing:
        raise WaiverError(f"{at}: the waiver lacks the key {missing[0]!r}")
    texts = {}
    for key in ("server", "reason", "approved_by", "finding", "article"):
        value = entry.get(key)
        if key in ("finding", "article") and value is None:
            continue
        if not isinstance(value, str) or not value.strip():
            raise WaiverError(f"{_where(path, text, key, max(line - 1, 0))}: {key} must be text")
        texts[key] = value.strip()
    expires = entry["expires"]
    # A TOML datetime is a date too in Python; a waiver holds for whole days only.
    if not isinstance(expires, date) or isinstance(expires, datetime):
        where = _where(path, text, "expires", max(line - 1, 0))
        raise WaiverError(f"{where}: expires must be a date such as 2027-01-31, not {expires!r}")
    return Waiver(
        server=server_name(texts["server"]),
        reason=texts["reason"],
        approved_by=texts["approved_by"],
        expires=expires,
        finding=texts.get("finding"),
        source=at,
        article=texts.get("article"),
    )
