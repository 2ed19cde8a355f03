"""An article's header: its number, title, keywords, the products it applies to, and the
service pack that first corrected the problem where the keywords or the status say so."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from auditor.catalogue.source import ArticleText

__all__ = ["ArticleMetadata", "read_metadata"]

_ARTICLE_ID = re.compile(r"^\s*Article(?:\s+ID)?\s*:\s*(?P<id>(?:Q|KB)\d{3,8})\b", re.I)
_KEYWORDS = re.compile(r"^\s*Keywords?(?:\(s\))?\s*:\s*(?P<words>.*)$", re.IGNORECASE)
_VERSIONS = re.compile(r"^\s*Version(?:\(s\))?\s*:\s*(?P<versions>.*)$", re.IGNORECASE)
_APPLIES = re.compile(r"applies\s+to\s*:?\s*$", re.IGNORECASE)
_BULLET = re.compile(r"^\s*[-*\u2022]\s+(?P<text>.+?)\s*$")
_RULE = re.compile(r"^\s*[-=]{10,}\s*$")
_PRODUCT_LINE = re.compile(r"(?<![\d.])(\d{1,2}\.\d{1,2})(?![\d.])")
# exc55sp2fix, EXC55SP3Fix: Exchange 5.5, service pack 2 (or 3).
_SP_KEYWORD = re.compile(r"^exc(?P<major>\d)(?P<minor>\d)?sp(?P<sp>\d+)fix$", re.IGNORECASE)
_SP_STATUS = re.compile(
    r"first\s+(?:corrected|fixed)\s+in\s+(?:Microsoft\s+)?Exchange\s+Server\s+"
    r"(?:version\s+)?(?P<line>\d+\.\d+)\s+Service\s+Pack\s+(?P<sp>\d+)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ArticleMetadata:
    article_id: str | None
    title: str | None
    keywords: tuple[str, ...]
    product_lines: tuple[str, ...]
    """ "5.0", "5.5": from the "applies to" lines (else the Version(s) line), in order."""
    fixed_in: tuple[str, str] | None
    """(product line, "SP2"): the highest service pack the keywords or status name."""


def read_metadata(layout: ArticleText) -> ArticleMetadata:
    article_id = None
    keywords: list[str] = []
    versions_line: list[str] = []
    for line in layout.lines[:400]:
        found = _ARTICLE_ID.match(line)
        if found and article_id is None:
            article_id = found.group("id").upper()
        words = _KEYWORDS.match(line)
        if words:
            keywords += [w for w in words.group("words").split() if w not in keywords]
        versions = _VERSIONS.match(line)
        if versions and not versions_line:
            versions_line = _PRODUCT_LINE.findall(versions.group("versions"))
    # The footer's "Keywords : ..." repeats the header's; both are read, once each.
    for line in layout.lines[-60:]:
        words = _KEYWORDS.match(line)
        if words:
            keywords += [w for w in words.group("words").split() if w not in keywords]
    lines = _applies_to(layout.lines) or _unique(versions_line)
    return ArticleMetadata(
        article_id=article_id,
        title=_title(layout),
        keywords=tuple(keywords),
        product_lines=lines,
        fixed_in=_fixed_in(keywords, layout.lines),
    )


def _title(layout: ArticleText) -> str | None:
    if layout.title is None:
        return None
    # A plain copy's first line may be the article number itself on some saved pages.
    title = layout.title.strip()
    return None if _ARTICLE_ID.match(title) else title


def _applies_to(lines: tuple[str, ...]) -> tuple[str, ...]:
    bullets: list[str] = []
    start = next((i for i, line in enumerate(lines[:400]) if _APPLIES.search(line)), None)
    if start is None:
        return ()
    for line in lines[start + 1 : start + 40]:
        if _RULE.match(line):
            break
        found = _BULLET.match(line)
        if found:
            bullets.append(found.group("text"))
    exchange = [text for text in bullets if "exchange" in text.casefold()]
    return _unique(line for text in (exchange or bullets) for line in _PRODUCT_LINE.findall(text))


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    seen: list[str] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return tuple(seen)


def _fixed_in(keywords: list[str], lines: tuple[str, ...]) -> tuple[str, str] | None:
    found: list[tuple[str, int]] = []
    for word in keywords:
        match = _SP_KEYWORD.match(word)
        if match:
            minor = match.group("minor") or "0"
            found.append((f"{match.group('major')}.{minor}", int(match.group("sp"))))
    status = " ".join(line.strip() for line in lines if len(line) < 500)
    for match in _SP_STATUS.finditer(status):
        found.append((match.group("line"), int(match.group("sp"))))
    if not found:
        return None
    # Service packs are cumulative: the latest one named certainly contains the fix.
    line, number = max(found, key=lambda pair: (pair[0], pair[1]))
    return line, f"SP{number}"
