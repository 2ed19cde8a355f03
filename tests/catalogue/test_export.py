"""Imported articles as baseline TOML: the document's content, read back with tomllib."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from auditor.catalogue.article import parse_article, read_article
from auditor.catalogue.export import (
    baseline_document,
    import_articles,
    render_toml,
    write_baselines,
)
from auditor.errors import BaselineError
from auditor.requirements import load_articles
from tests.catalogue.articles import INTRO, MTA_55, article_text, plain_table

KB = Path(__file__).resolve().parent.parent / "assets" / "kb"
CATALOGUE = Path(__file__).resolve().parents[2] / "baselines" / "catalogue"


def toml_of(article_id: str) -> dict[str, object]:
    article = read_article(KB / f"{article_id}.txt")
    return tomllib.loads(render_toml(baseline_document(article), article.source))


def test_the_seed_article_extends_the_shipped_baseline() -> None:
    document = toml_of("Q197378")
    assert document["extends"] == "q197378.toml"
    assert (document["id"], document["product_line"]) == ("Q197378", "5.5")
    assert document["component"] == "Message Transfer Agent (MTA)"
    assert document["fixed_in_service_pack"] == "SP2"
    files = document["files"]
    assert isinstance(files, list) and len(files) == 13
    assert {"name": "Emsmta.exe", "kind": "pe", "version": "5.5.2431.0"} in files
    # A data file has no version resource: the printed 5.5.2431.0 is not a requirement.
    assert {"name": "Dbserver.sch", "kind": "data"} in files


def test_other_articles_gain_no_registry_rule() -> None:
    document = toml_of("Q197398")
    assert "extends" not in document and "registry" not in document
    assert {"name": "X400om.dll", "kind": "pe", "version": "5.5.2448.1"} in document["files"]  # type: ignore[operator]


def test_two_product_lines_keep_the_newest_at_the_top_and_mark_the_other() -> None:
    document = toml_of("Q193894")
    assert document["product_line"] == "5.5"
    files = document["files"]
    assert isinstance(files, list) and len(files) == 16 + 13
    assert {"name": "Address.dll", "kind": "pe", "version": "5.0.1461.66", "product_line": "5.0"} in files  # fmt: skip # noqa: E501
    assert {"name": "Emsmta.exe", "kind": "pe", "version": "5.5.2410.0"} in files
    assert sum(1 for f in files if f.get("product_line") == "5.0") == 16


def test_short_versions_become_four_parts() -> None:
    document = toml_of("Q234745")
    assert document["files"] == [
        {"name": "Ccmc.exe", "kind": "pe", "version": "5.5.2623.0"},
        {"name": "Ccmsg.dll", "kind": "pe", "version": "5.5.2623.0"},
    ]
    assert toml_of("Q193534")["files"] == [
        {"name": "Msexcimc.exe", "kind": "pe", "version": "5.0.1459.73"},
        {"name": "Imcmsg.dll", "kind": "pe", "version": "5.0.1459.73"},
    ]


def test_two_components_are_named_per_file() -> None:
    document = toml_of("Q232391")
    assert "component" not in document
    files = document["files"]
    assert isinstance(files, list)
    assert {"name": "Store.exe", "kind": "pe", "version": "5.5.2621.0", "component": "Information Store"} in files  # fmt: skip # noqa: E501
    assert {"name": "Emsmta.exe", "kind": "pe", "version": "5.5.2621.0", "component": "MTA"} in files  # fmt: skip # noqa: E501


def test_platform_rows_of_one_version_merge_and_na_data_files_have_no_version() -> None:
    document = toml_of("Q280411")
    files = document["files"]
    assert isinstance(files, list) and len(files) == 11
    assert {"name": "Emsmta.exe", "kind": "pe", "version": "5.5.2654.35"} in files
    assert {"name": "P42.tpl", "kind": "data"} in files


def test_platform_rows_of_different_versions_stay_apart() -> None:
    table = (
        "  Version       File name      Platform\n  ------------------------------------\n"
        "  5.5.2654.35   Emsmta.exe     Intel\n  5.5.2654.36   Emsmta.exe     Alpha\n"
    )
    article = parse_article(article_text(f"{INTRO}\n{table}"), "p.txt")
    assert baseline_document(article)["files"] == [
        {"name": "Emsmta.exe", "kind": "pe", "version": "5.5.2654.35", "platform": "Intel"},
        {"name": "Emsmta.exe", "kind": "pe", "version": "5.5.2654.36", "platform": "Alpha"},
    ]


def test_tables_split_by_processor_name_it_at_the_top_when_they_agree() -> None:
    body = f"{INTRO}\nAlpha:\n\n{plain_table(MTA_55)}"
    document = baseline_document(parse_article(article_text(body), "a.txt"))
    assert document["platform"] == "Alpha"
    assert all("platform" not in entry for entry in document["files"])


def test_quotes_and_backslashes_survive_the_round_trip() -> None:
    title = 'XCON: "Quoted" C:\\exchsrvr\\bin & \u00e9'
    article = parse_article(article_text(f"{INTRO}\n{plain_table(MTA_55)}", title=title), "q.txt")
    assert tomllib.loads(render_toml(baseline_document(article), "q.txt"))["title"] == title


def test_an_article_with_an_error_has_no_baseline(tmp_path: Path) -> None:
    articles = import_articles([KB / "Q248253.txt", KB / "Q197398.txt"])
    with pytest.raises(BaselineError, match="no file table"):
        baseline_document(articles[0])
    assert write_baselines(articles, tmp_path / "out") == [tmp_path / "out" / "q197398.toml"]


def test_the_same_article_twice_is_an_error_on_the_second(tmp_path: Path) -> None:
    copy = tmp_path / "copy.txt"
    copy.write_bytes((KB / "Q197398.txt").read_bytes())
    first, second = import_articles([KB / "Q197398.txt", copy])
    assert first.error is None
    assert second.error == f"{copy}: the article Q197398 again ({KB / 'Q197398.txt'})"
    # An unreadable file that only borrows the number from its name takes nothing away.
    broken = tmp_path / "Q197398.txt"
    broken.write_bytes(b"\x00")
    failed, good = import_articles([broken, KB / "Q197398.txt"])
    assert failed.error is not None and good.error is None


def test_an_unwritable_folder_names_itself(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(BaselineError, match=f"^{blocker}: cannot write the baselines"):
        write_baselines(import_articles([KB / "Q197398.txt"]), blocker)


def test_the_shipped_catalogue_is_the_importers_output(tmp_path: Path) -> None:
    articles = import_articles(sorted(KB.glob("Q*.txt")))
    written = write_baselines(articles, tmp_path)
    assert sorted(p.name for p in CATALOGUE.glob("*.toml")) == sorted(p.name for p in written)
    for path in written:
        assert (CATALOGUE / path.name).read_text("utf-8") == path.read_text("utf-8"), path.name


def test_every_catalogue_baseline_loads_as_the_article_it_was_imported_from() -> None:
    paths = sorted(CATALOGUE.glob("*.toml"))
    articles = load_articles(paths)
    assert [article.article_id for article in articles] == [path.stem.upper() for path in paths]
    for path, article in zip(paths, articles, strict=True):
        document = tomllib.loads(path.read_text("utf-8"))
        printed = {(item["name"].casefold(), item.get("version")) for item in document["files"]}
        loaded = {
            (item.name.casefold(), str(item.version) if item.version else None)
            for item in article.files
        }
        assert loaded == printed, path.name
    # Q197378's own article keeps the connector rule, by extending the shipped baseline
    # rather than itself.
    q197378 = next(article for article in articles if article.article_id == "Q197378")
    assert q197378.legacy is not None
    assert q197378.legacy.registry.override_value == "Stack IP Address Override"
