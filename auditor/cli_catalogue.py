"""What `auditor baseline import` prints: a line per article, its problems, what was written."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from auditor.catalogue.article import Article

__all__ = ["print_imported"]


def print_imported(articles: Sequence[Article], written: Sequence[Path], out: TextIO) -> None:
    for article in articles:
        files = sum(len(table.files) for table in article.tables)
        tables = len(article.tables)
        head = (
            f"{_printable(article.id)}: {tables} table{'s' * (tables != 1)}, "
            f"{files} file{'s' * (files != 1)}"
        )
        if article.error:
            print(f"{head}; ! {_printable(article.error)}", file=out)
        else:
            print(f"{head} ({_printable(article.title)})", file=out)
        for warning in article.warnings:
            print(f"  warning: {_printable(warning)}", file=out)
    for path in written:
        print(f"wrote {path}", file=out)


def _printable(text: str) -> str:
    """Article text on a terminal: no control characters (escape sequences), bounded length."""
    clean = "".join(ch if ch.isprintable() else "?" for ch in text)
    return clean if len(clean) <= 200 else clean[:197] + "..."
