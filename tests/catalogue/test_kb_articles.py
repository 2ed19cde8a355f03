"""The importer on every real article in tests/assets/kb (copied from ../shared/kb).

The expectations were written by reading each article's text and the archive README's
list of traits, table by table: (product line, component, platform, number of rows, the
version every row prints). They are not the parser's output copied back.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.catalogue.article import Article, read_article
from auditor.catalogue.export import article_json

KB = Path(__file__).resolve().parent.parent / "assets" / "kb"
MTA = "Message Transfer Agent (MTA)"

Table = tuple[str | None, str | None, str | None, int, str]
"""product_line, component, platform, rows, the version printed on every row."""

EXPECTED: dict[str, tuple[list[Table], str | None]] = {
    "Q192983": (
        [
            ("4.0", "MTA", None, 14, "4.0.997.0"),
            ("5.0", "MTA", None, 15, "5.0.1461.45"),
            ("5.5", "MTA", None, 13, "5.5.2329.0"),
        ],
        "SP2",
    ),
    "Q193049": ([("5.5", MTA, None, 13, "5.5.2363.0")], "SP2"),
    "Q193221": ([("5.5", "Message Transfer Agent", None, 13, "5.5.2331.0")], "SP2"),
    "Q193345": ([("5.5", "Message Transfer Agent", None, 13, "5.5.2401.0")], "SP2"),
    "Q193534": ([("5.0", None, None, 2, "1459.73")], None),
    "Q193762": ([("5.5", MTA, None, 13, "5.5.2391.0")], "SP2"),
    "Q193894": (
        [("5.0", MTA, None, 16, "5.0.1461.66"), ("5.5", MTA, None, 13, "5.5.2410.0")],
        "SP2",
    ),
    "Q193961": ([("5.5", MTA, None, 13, "5.5.2421.0")], "SP2"),
    "Q194031": ([("5.5", MTA, None, 13, "5.5.2410.0")], "SP2"),
    "Q194504": (
        [("5.0", MTA, None, 16, "5.0.1461.71"), ("5.5", MTA, None, 13, "5.5.2424.0")],
        "SP2",
    ),
    "Q194651": (
        [("5.0", MTA, None, 16, "5.0.1461.72"), ("5.5", MTA, None, 13, "5.5.2428.0")],
        "SP2",
    ),
    "Q194750": ([("5.5", MTA, None, 13, "5.5.2427.0")], "SP2"),
    "Q195124": ([("5.5", MTA, None, 13, "5.5.2427.0")], "SP2"),
    "Q195200": ([("5.5", MTA, None, 13, "5.5.2436.0")], "SP2"),
    "Q195731": ([("5.5", MTA, None, 13, "5.5.2409.0")], "SP2"),
    "Q195742": ([("5.5", MTA, None, 14, "5.5.2500.0")], "SP3"),
    "Q195905": ([("5.5", MTA, None, 13, "5.5.2410.0")], "SP2"),
    "Q195971": (
        [
            ("5.5", "Information Store", None, 3, "5.5.2446.0"),
            ("5.0", "Information Store", None, 2, "5.0.1461.91"),
        ],
        "SP2",
    ),
    "Q196045": ([("5.5", MTA, None, 13, "5.5.2419.0")], "SP2"),
    "Q196663": ([("5.5", MTA, None, 13, "5.5.2500.0")], "SP3"),
    "Q196664": ([("5.5", MTA, None, 14, "5.5.2510.0")], "SP3"),
    "Q196665": ([("5.5", MTA, None, 13, "5.5.2500.0")], "SP3"),
    "Q196669": ([("5.5", MTA, None, 13, "5.5.2500.0")], "SP3"),
    "Q197281": ([("5.5", MTA, None, 13, "5.5.2441.0")], "SP2"),
    "Q197378": ([("5.5", MTA, None, 13, "5.5.2431.0")], "SP2"),
    "Q197398": ([("5.5", MTA, None, 13, "5.5.2448.1")], "SP2"),
    "Q198392": (
        [("5.0", MTA, None, 17, "5.0.1461.81"), ("5.5", MTA, None, 14, "5.5.2512.0")],
        "SP3",
    ),
    "Q217195": ([("5.5", "Internet Mail Service", None, 2, "5.5.2558.0")], "SP3"),
    "Q232391": (
        [
            ("5.5", "Information Store", None, 4, "5.5.2621.0"),
            ("5.5", "MTA", None, 15, "5.5.2621.0"),
        ],
        "SP3",
    ),
    "Q234745": ([("5.5", "Microsoft Lotus cc:Mail Connector", None, 2, "2623.0")], "SP3"),
    "Q312273": ([("5.5", None, None, 1, "5.5.2655.79")], None),
}
NO_TABLE = {"Q243604", "Q248253"}


def test_every_article_in_the_folder_is_expected() -> None:
    found = {path.stem for path in KB.glob("Q*.txt")}
    assert found == set(EXPECTED) | NO_TABLE | {"Q280411"}


@pytest.mark.parametrize("article_id", sorted(EXPECTED))
def test_tables_of_each_article(article_id: str) -> None:
    article = read_article(KB / f"{article_id}.txt")
    tables, service_pack = EXPECTED[article_id]
    assert article.error is None
    assert article.warnings == ()
    assert article.id == article_id
    got = [
        (t.product_line, t.component, t.platform, len(t.files), {f.version for f in t.files})
        for t in article.tables
    ]
    assert got == [
        (line, comp, plat, count, {printed}) for line, comp, plat, count, printed in tables
    ]
    assert article.fixed_in_service_pack == service_pack


@pytest.mark.parametrize("article_id", sorted(NO_TABLE))
def test_articles_without_a_fix_table_are_errors(article_id: str) -> None:
    article = read_article(KB / f"{article_id}.txt")
    assert article.tables == ()
    assert article.error is not None and "no file table" in article.error
    assert article.error.startswith(str(KB / f"{article_id}.txt"))


def test_titles_from_both_layouts() -> None:
    jekyll = read_article(KB / "Q193049.txt")
    assert jekyll.title == "XCON: MTA Stops; Events 2110, 2171, & 9299 Appear in Event Log"
    plain = read_article(KB / "Q197378.txt")
    assert plain.title == "XCON: MTA Generates 9301 Events on Incoming Connections"


def test_the_seed_article_lists_its_thirteen_files_in_order() -> None:
    article = read_article(KB / "Q197378.txt")
    names = [file.name for file in article.tables[0].files]
    assert names == [
        "Dbserver.sch", "Dcprods.cat", "Ems_rid.dll", "Emsmta.exe", "Info4log.cfg",
        "Infodlog.cfg", "Infollog.cfg", "Infotlog.cfg", "Mtacheck.exe", "Mtamsg.dll",
        "P2.xv2", "X400om.dll", "X400omv1.dll",
    ]  # fmt: skip


def test_order_as_printed_emsmta_before_ems_rid() -> None:
    names = [file.name for file in read_article(KB / "Q193961.txt").tables[0].files]
    assert names.index("Emsmta.exe") == names.index("Ems_rid.dll") - 1


def test_files_only_the_50_table_has() -> None:
    article = read_article(KB / "Q198392.txt")
    ex50, ex55 = ({file.name for file in table.files} for table in article.tables)
    assert {"Address.dll", "Mmiext.dll", "P3.tpl", "P772.tpl"} <= ex50 - ex55
    assert "Infoblog.cfg" in ex55


def test_two_components_in_grids_of_one_product_line() -> None:
    store, mta = read_article(KB / "Q232391.txt").tables
    assert [f.name for f in store.files] == ["Store.exe", "Mdbmsg.dll", "Gapi32.dll", "Netif.dll"]
    assert mta.files[0].name == "Dbserver.sch" and mta.files[-1].name == "X400omv1.dll"


def test_grid_without_a_header_row() -> None:
    (table,) = read_article(KB / "Q217195.txt").tables
    assert [(f.name, f.version) for f in table.files] == [
        ("Imcmsg.dll", "5.5.2558.0"),
        ("Msexcimc.exe", "5.5.2558.0"),
    ]


def test_name_last_and_version_third_with_date_time_and_size() -> None:
    (table,) = read_article(KB / "Q312273.txt").tables
    assert [(f.name, f.version) for f in table.files] == [("Cdo.dll", "5.5.2655.79")]


def test_download_package_table_is_not_a_requirement() -> None:
    article = read_article(KB / "Q280411.txt")
    assert article.error is None
    (table,) = article.tables
    assert (table.product_line, table.component, table.platform) == ("5.5", None, None)
    names = [f.name for f in table.files]
    assert not any(name.startswith("Q280411") for name in names)
    assert len(names) == 17  # the rows under "After the hotfix is installed"
    na = {f.name for f in table.files if f.version == "N/A"}
    assert na == {"Dbserver.sch", "Dcprods.cat", "P2.xv2", "P42.tpl", "P772.tpl"}
    emsmta = [(f.version, f.platform) for f in table.files if f.name == "Emsmta.exe"]
    assert emsmta == [("5.5.2654.35", "Intel"), ("5.5.2654.35", "Alpha")]
    assert {f.platform for f in table.files if f.version == "N/A"} == {None}


def test_json_of_the_platform_column_has_one_entry_per_file_and_version() -> None:
    document = article_json(read_article(KB / "Q280411.txt"))
    files = document["tables"][0]["files"]
    assert {"name": "Ems_rid.dll", "version": "5.5.2654.35"} in files
    assert len(files) == 11
    assert [f["name"] for f in files].count("X400om.dll") == 1


def test_the_workaround_after_a_table_is_not_read_as_rows() -> None:
    article: Article = read_article(KB / "Q195905.txt")
    assert len(article.tables[0].files) == 13
