"""An article of another product line than the server's Exchange, none of whose files is
in the evidence: not-applicable where every Exchange file read says which line the server
runs, incomplete where anything leaves it open (DESIGN.md 2b: a table of another product
line than the server's does not apply)."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.evaluation.article import evaluate_article
from auditor.facts import FileFact, ServerFacts
from auditor.requirements import Article, load_article
from auditor.verdicts import Status
from tests.evaluation.facts_builder import BIN, registry, server
from tests.evaluation.requirement_articles import write

# Q193534's table, copied from the article: the 5.0 Internet Mail Connector.
Q193534 = """\
id = "Q193534"
title = "Medium Protocol Level Logs Same Data as Maximum"
product_line = "5.0"

[[files]]
name = "Msexcimc.exe"
version = "5.0.1459.73"

[[files]]
name = "Imcmsg.dll"
version = "5.0.1459.73"
"""


def pe(name: str, version: str | None, error: str | None = None) -> FileFact:
    return FileFact(name, f"{BIN}/{name}", 1000, version, version, error=error)


def facts(*copies: FileFact) -> ServerFacts:
    # An export of the MTA's keys only: it cannot show the IMC's service absent.
    return server(file_facts=copies, registry_facts=registry())


@pytest.fixture
def q193534(tmp_path: Path) -> Article:
    return load_article(write(tmp_path, "q193534.toml", Q193534))


def test_a_55_server_against_a_50_article_is_not_applicable(q193534: Article) -> None:
    verdict = evaluate_article(
        facts(pe("Emsmta.exe", "5.5.2448.1"), pe("X400om.dll", "5.5.2448.0")), q193534
    )
    assert verdict.status is Status.NOT_APPLICABLE
    assert verdict.reasons == (
        "the server's Exchange files are of product line 5.5 (Emsmta.exe 5.5.2448.1) and none "
        "of Q193534's is here; it has tables for 5.0 only: it does not apply",
    )


def test_without_any_exchange_file_it_is_incomplete(q193534: Article) -> None:
    verdict = evaluate_article(facts(), q193534)
    assert verdict.status is Status.INCOMPLETE
    assert "Msexcimc.exe is not in the evidence" in verdict.reasons


def test_an_unreadable_copy_leaves_the_line_open(q193534: Article) -> None:
    copies = (pe("Emsmta.exe", "5.5.2448.1"), pe("X400om.dll", None, "truncated"))
    verdict = evaluate_article(facts(*copies), q193534)
    assert verdict.status is Status.INCOMPLETE


def test_a_copy_of_the_articles_line_leaves_it_open(q193534: Article) -> None:
    """A 5.0 file beside 5.5 ones: the server's line is not one, so nothing is decided."""
    copies = (pe("Emsmta.exe", "5.5.2448.1"), pe("X400om.dll", "5.0.1460.8"))
    verdict = evaluate_article(facts(*copies), q193534)
    assert verdict.status is Status.INCOMPLETE


def test_a_server_of_the_articles_line_is_still_judged(q193534: Article) -> None:
    verdict = evaluate_article(facts(pe("Emsmta.exe", "5.0.1460.8")), q193534)
    assert verdict.status is Status.INCOMPLETE
    assert "Imcmsg.dll is not in the evidence" in verdict.reasons
