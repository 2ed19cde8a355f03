"""Hostile article files: each gives a clear error naming the file, never a crash or a hang."""

from __future__ import annotations

import codecs
import os
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.catalogue.article import parse_article, read_article
from auditor.catalogue.source import MAX_ARTICLE_BYTES
from tests.catalogue.articles import INTRO, MTA_55, article_text, plain_table

GOOD = article_text(f"{INTRO}\n{plain_table(MTA_55)}")


def write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "Q900001.txt"
    path.write_bytes(data)
    return path


def test_binary_data(tmp_path: Path) -> None:
    article = read_article(write(tmp_path, os.urandom(4096) + b"\x00"))
    assert article.tables == () and article.id == "Q900001"
    assert article.error == f"{tmp_path / 'Q900001.txt'}: binary data (NUL bytes), not article text"


def test_utf16_without_a_byte_order_mark_is_binary(tmp_path: Path) -> None:
    article = read_article(write(tmp_path, GOOD.encode("utf-16-le")))
    assert article.error is not None and "NUL bytes" in article.error


def test_utf16_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    article = read_article(write(tmp_path, codecs.BOM_UTF16_LE + GOOD.encode("utf-16-le")))
    assert article.error is None and len(article.tables[0].files) == 4


def test_utf8_with_a_byte_order_mark_and_windows_1252(tmp_path: Path) -> None:
    text = GOOD.replace("A Synthetic", "A Caf\u00e9")
    for data in (codecs.BOM_UTF8 + text.encode("utf-8"), text.encode("cp1252")):
        article = read_article(write(tmp_path, data))
        assert (article.error, article.title) == (None, "XCON: A Caf\u00e9 MTA Problem")


def test_bytes_neither_utf8_nor_windows_1252(tmp_path: Path) -> None:
    article = read_article(write(tmp_path, GOOD.encode() + b"\x81\x8d\x8f"))
    assert article.error is not None
    assert "neither UTF-8 nor Windows-1252 text (byte 0x81" in article.error


def test_control_characters(tmp_path: Path) -> None:
    article = read_article(write(tmp_path, bytes(range(1, 32)) * 200))
    assert article.error is not None and "control characters" in article.error


def test_too_large(tmp_path: Path) -> None:
    article = read_article(write(tmp_path, b"a" * (MAX_ARTICLE_BYTES + 1)))
    assert article.error is not None and "more than any article" in article.error


def test_unreadable_file(tmp_path: Path) -> None:
    folder = tmp_path / "Q900003.txt"
    folder.mkdir()
    article = read_article(folder)
    assert article.error is not None and article.error.startswith(f"{folder}: cannot read")
    assert article.id == "Q900003"


def test_escape_sequences_in_a_title_are_dropped() -> None:
    article = parse_article(GOOD.replace("A Synthetic", "A \x1b[31mred"), "x.txt")
    assert "\x1b" not in article.title


@pytest.mark.parametrize(
    "hostile",
    [
        "x" * 3_000_000,
        "attributes " * 300_000,
        ("| a | b |\n" * 100_000),
        (INTRO + "\n" + "  Emsmta.exe   5.5.2431.0\n" * 100_000),
        (INTRO + "\n" + "+" + "-" * 3_000_000 + "+\n"),
        ("Exchange Server 5.5\n" + "-" * 19 + "\n") * 50_000,
        ("a." * 1_000_000 + "exe  5.5.1.1\n"),
    ],
    ids=[
        "long-line",
        "long-paragraph",
        "grid-noise",
        "many-rows",
        "long-border",
        "headings",
        "dots",
    ],
)
def test_huge_inputs_finish_quickly(hostile: str) -> None:
    started = time.perf_counter()
    article = parse_article(article_text(hostile), "huge.txt")
    assert time.perf_counter() - started < 10
    assert article.error is None or article.error.startswith("huge.txt: ")


def test_many_rows_are_all_read() -> None:
    article = parse_article(
        article_text(INTRO + "\n" + "  Emsmta.exe   5.5.2431.0\n" * 20_000), "m"
    )
    assert len(article.tables[0].files) == 20_000


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400))
def test_any_text_gives_an_article_or_an_error(noise: str) -> None:
    article = parse_article(article_text(f"{INTRO}\n{noise}\n{plain_table(MTA_55)}"), "fuzz.txt")
    if article.error is None:
        assert article.tables and all(table.files for table in article.tables)
