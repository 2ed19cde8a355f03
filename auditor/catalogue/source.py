"""An article's bytes as lines of text, whatever layout and encoding it was saved in.

Two layouts occur: *plain* (a page saved as text: the title on the first line) and the
archive's *jekyll* pages (front matter with the title, ``{% raw %}``, and the article
indented by one tab). Both come out as the same lines, with the title beside them.
"""

from __future__ import annotations

import codecs
import html
import re
from dataclasses import dataclass

from auditor.errors import ParseError

__all__ = ["MAX_ARTICLE_BYTES", "ArticleText", "decode_article", "split_layout"]

MAX_ARTICLE_BYTES = 4 * 1024 * 1024
"""The longest KB article is a few hundred KiB; anything far larger is not an article."""

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_FRONT_TITLE = re.compile(r"^title:\s*(?P<q>[\"']?)(?P<title>.*?)(?P=q)\s*$")
_ID_PREFIX = re.compile(r"^(?:Q|KB)\d+\s*:\s*", re.IGNORECASE)
_LIQUID = re.compile(r"^\s*\{%-?\s*(?:end)?raw\s*-?%\}\s*$")
# Control characters other than tab, line breaks and form feed do not occur in text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class ArticleText:
    """An article's lines, its layout undone."""

    lines: tuple[str, ...]
    """The text lines: no front matter, no leading layout tab, no line-break characters."""
    title: str | None
    """The title from the front matter (jekyll) or the first line (plain); None if neither."""
    layout: str
    """ "jekyll" or "plain"."""


def decode_article(data: bytes, source: str) -> str:
    """The text of an article file. Raise ParseError, naming ``source``, for what is not text.

    UTF-8 (with or without a byte-order mark) and UTF-16 with one are read as such; other
    bytes as Windows-1252, the encoding a page saved as text on Windows of the time has.
    """
    if len(data) > MAX_ARTICLE_BYTES:
        raise ParseError(
            f"{source}: {len(data):,} bytes, more than any article ({MAX_ARTICLE_BYTES:,})"
        )
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise ParseError(f"{source}: not valid UTF-16 text: {error}") from error
    if b"\x00" in data:
        raise ParseError(f"{source}: binary data (NUL bytes), not article text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as error:
            raise ParseError(
                f"{source}: neither UTF-8 nor Windows-1252 text (byte 0x{data[error.start]:02x} "
                f"at offset {error.start})"
            ) from error
    controls = len(_CONTROL.findall(text))
    if controls > max(8, len(text) // 100):
        raise ParseError(f"{source}: {controls} control characters: binary data, not text")
    return text


def split_layout(text: str) -> ArticleText:
    """Undo the jekyll layout where there is one; read the plain layout's title line."""
    lines = _LINE_BREAK.split(text)
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        if end is not None:
            return _jekyll(lines, end)
    body = [_CONTROL.sub(" ", line) for line in lines]
    title = next((line.strip() for line in body if line.strip()), None)
    return ArticleText(lines=tuple(body), title=title, layout="plain")


def _jekyll(lines: list[str], end: int) -> ArticleText:
    title = None
    for line in lines[1:end]:
        found = _FRONT_TITLE.match(line.strip())
        if found:
            title = _ID_PREFIX.sub("", html.unescape(found.group("title"))).strip() or None
    body: list[str] = []
    for line in lines[end + 1 :]:
        if _LIQUID.match(line) or line.startswith("## "):
            continue
        # The archive indents the article by exactly one tab; a deeper indent is the text's own.
        body.append(_CONTROL.sub(" ", line[1:] if line.startswith("\t") else line))
    return ArticleText(lines=tuple(body), title=title, layout="jekyll")
