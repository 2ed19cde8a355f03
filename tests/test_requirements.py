"""Loading catalogue articles and choosing a run's baselines."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.baseline import FileKind, default_baseline_path
from auditor.cli_baselines import load_run_baselines
from auditor.errors import BaselineError
from auditor.requirements import ValueCheck, collection_baseline, load_article, load_articles
from auditor.versions import Version
from tests.evaluation.requirement_articles import Q197398, TWO_LINES, VALUE_RULE, write


def test_catalogue_article_keys(tmp_path: Path) -> None:
    article = load_article(write(tmp_path, "a.toml", Q197398))
    assert (article.article_id, article.fixed_in_service_pack, article.legacy) == (
        "Q197398",
        "SP2",
        None,
    )
    assert [(f.name, f.kind, f.version) for f in article.files] == [
        ("Emsmta.exe", FileKind.PE, Version.parse("5.5.2448.1")),
        ("Mtacheck.exe", FileKind.PE, Version.parse("5.5.2448.1")),
        ("X400om.dll", FileKind.PE, Version.parse("5.5.2448.1")),
        ("P2.xv2", FileKind.DATA, None),
    ]


def test_product_lines_come_from_the_versions(tmp_path: Path) -> None:
    assert load_article(write(tmp_path, "a.toml", TWO_LINES)).product_lines == ("5.0", "5.5")


def test_value_rule_loads(tmp_path: Path) -> None:
    text = VALUE_RULE.format(value="Rule", rule='type = "REG_DWORD"\nat_least = 30')
    (rule,) = load_article(write(tmp_path, "a.toml", text)).values
    assert (rule.key, rule.check, rule.data, rule.type) == (
        "SYSTEM\\CurrentControlSet\\Services\\MSExchangeMTA\\Parameters",
        ValueCheck.AT_LEAST,
        "30",
        "REG_DWORD",
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (Q197398.replace("fixed_in_service_pack", "fixed_in"), "unknown top-level key 'fixed_in'"),
        (Q197398.replace('id = "Q197398"\n', ""), "the key 'id' is missing"),
        (
            Q197398.replace('version = "5.5.2448.1"', 'version = "N/A"', 1),
            "Emsmta.exe is a PE file and needs a version",
        ),
        (
            Q197398.replace('version = "5.5.2448.1"', 'version = "5.5.x"', 1),
            "Emsmta.exe: malformed version",
        ),
        (
            Q197398.replace('name = "P2.xv2"', 'name = "P2.xv2"\nsize = 3'),
            "unknown key 'size' in [[files]]",
        ),
        (
            VALUE_RULE.format(value="R", rule="exists = true\nequals = 1"),
            "give exactly one of equals, at_least, exists",
        ),
        (VALUE_RULE.format(value="R", rule='at_least = "many"'), "at_least must be a whole number"),
        (VALUE_RULE.format(value="R", rule="exists = false"), "exists must be true"),
    ],
)
def test_bad_articles_name_the_file(tmp_path: Path, text: str, message: str | None) -> None:
    path = write(tmp_path, "bad.toml", text)
    with pytest.raises(BaselineError) as caught:
        load_article(path)
    assert str(caught.value).startswith(str(path))
    if message:
        assert message in str(caught.value)


def test_extends_takes_the_parent_registry_rule(tmp_path: Path) -> None:
    text = Q197398.replace('fixed_in_service_pack = "SP2"', 'extends = "q197378.toml"')
    article = load_article(write(tmp_path, "a.toml", text))
    assert article.legacy is not None
    assert article.legacy.registry.override_value == "Stack IP Address Override"
    assert article.legacy.article_id == "Q197398"
    assert article.legacy.fixed_build == Version.parse("5.5.2448.1")
    assert [f.name for f in article.legacy.files] == [
        "Emsmta.exe",
        "Mtacheck.exe",
        "X400om.dll",
        "P2.xv2",
    ]


def test_folder_and_duplicates(tmp_path: Path) -> None:
    write(tmp_path, "b.toml", TWO_LINES)
    write(tmp_path, "a.toml", Q197398)
    write(tmp_path, "notes.txt", "not a baseline")
    assert [a.article_id for a in load_articles([tmp_path])] == ["Q197398", "Q198392"]
    again = write(tmp_path / "..", "again.toml", Q197398)
    with pytest.raises(BaselineError, match="article Q197398 is also in"):
        load_articles([tmp_path, again])
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(BaselineError, match="without any"):
        load_articles([empty])


def test_run_baselines_of_one_legacy_file_is_a_plain_run() -> None:
    assert load_run_baselines(None).articles == ()
    assert load_run_baselines([default_baseline_path()]).articles == ()


def test_run_baselines_of_a_folder_is_a_catalogue_run(tmp_path: Path) -> None:
    write(tmp_path, "a.toml", Q197398)
    chosen = load_run_baselines([tmp_path])
    assert [a.article_id for a in chosen.articles] == ["Q197398"]
    assert chosen.primary.article_id == "Q197378"  # the registry reads come from it


def test_collection_reads_every_article_file(tmp_path: Path) -> None:
    write(tmp_path, "a.toml", Q197398.replace("P2.xv2", "Extra.cfg"))
    chosen = load_run_baselines([tmp_path, default_baseline_path()])
    names = [f.name for f in collection_baseline(chosen.primary, chosen.articles).files]
    assert names.count("Emsmta.exe") == 1
    assert names[-1] == "Extra.cfg"
