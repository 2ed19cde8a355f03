"""The importer on synthetic articles: one per table layout, in both article layouts."""

from __future__ import annotations

import pytest

from auditor.catalogue.article import Article, FileTable, full_version, parse_article
from auditor.versions import Version
from tests.catalogue.articles import INTRO, MTA_55, article_text, grid_table, plain_table


def parse(body: str, **kwargs: object) -> Article:
    return parse_article(article_text(body, **kwargs), "synthetic.txt")  # type: ignore[arg-type]


def rows(table: FileTable) -> list[tuple[str, str]]:
    return [(file.name, file.version) for file in table.files]


@pytest.mark.parametrize("layout", ["plain", "jekyll"])
@pytest.mark.parametrize("table", [plain_table(MTA_55), grid_table(MTA_55)])
def test_plain_and_grid_tables_in_both_layouts(layout: str, table: str) -> None:
    body = f"{INTRO}\nComponent: Message Transfer Agent (MTA)\n\n{table}\n"
    article = parse(body, layout=layout, title="XCON: Fish & Chips")
    assert article.error is None
    assert article.id == "Q900001"
    assert article.title == "XCON: Fish & Chips"
    (only,) = article.tables
    assert (only.product_line, only.component, only.platform) == (
        "5.5",
        "Message Transfer Agent (MTA)",
        None,
    )
    assert rows(only) == MTA_55


def test_a_grid_without_a_header_row() -> None:
    (table,) = parse(f"{INTRO}\n{grid_table(MTA_55, header=False)}").tables
    assert rows(table) == MTA_55


def test_extra_columns_in_any_order() -> None:
    table = (
        "  Date         Time   Version      Size     File name\n"
        "  ---------------------------------------------------\n"
        "  06-Dec-2001  12:13  5.5.2655.79  801,040  Cdo.dll\n"
        "  06-Dec-2001  12:13  5.5.2655.80   41,040  Mapi32.dll\n"
    )
    other = (
        "  File name    Size      Version       Date\n"
        "  -------------------------------------------\n"
        "  Store.exe    2,624,272 5.5.2656.1    12/01/01\n"
    )
    article = parse(f"{INTRO}\n{table}\n\nComponent: Information Store\n\n{other}")
    first, second = article.tables
    assert rows(first) == [("Cdo.dll", "5.5.2655.79"), ("Mapi32.dll", "5.5.2655.80")]
    # The row's cells do not line up with the header (one space before the version):
    # each cell is then recognised by what it holds.
    assert rows(second) == [("Store.exe", "5.5.2656.1")]
    assert second.component == "Information Store"


def test_tab_separated_columns() -> None:
    body = f"{INTRO}\nFile name\tVersion\nEmsmta.exe\t5.5.2431.0\nMtamsg.dll\t5.5.2431.0\n"
    (table,) = parse(body).tables
    assert rows(table) == [("Emsmta.exe", "5.5.2431.0"), ("Mtamsg.dll", "5.5.2431.0")]


def test_a_platform_column_keeps_intel_and_alpha_rows_in_one_table() -> None:
    table = (
        "  Version       Size        File name      Platform\n"
        "  -------------------------------------------------\n"
        "  N/A              41,254   Dbserver.sch   Intel and alpha\n"
        "  5.5.2654.35   1,931,024   Emsmta.exe     x86\n"
        "  5.5.2654.36   3,557,648   Emsmta.exe     Alpha\n"
    )
    (only,) = parse(f"{INTRO}\n{table}").tables
    assert only.platform is None
    assert [(f.name, f.version, f.platform) for f in only.files] == [
        ("Dbserver.sch", "N/A", None),
        ("Emsmta.exe", "5.5.2654.35", "Intel"),
        ("Emsmta.exe", "5.5.2654.36", "Alpha"),
    ]


@pytest.mark.parametrize(
    ("intel", "alpha"),
    [
        ("Intel:", "Alpha:"),
        ("For x86-based computers:", "For Alpha-based computers:"),
        ("Intel\n-----", "Alpha\n-----"),
    ],
)
def test_tables_split_by_processor(intel: str, alpha: str) -> None:
    intel_rows = [("Emsmta.exe", "5.5.2431.0")]
    alpha_rows = [("Emsmta.exe", "5.5.2431.1")]
    body = (
        f"{intel}\n\n{INTRO}\n{plain_table(intel_rows)}\n{alpha}\n\n{INTRO}\n"
        f"{plain_table(alpha_rows)}"
    )
    if "\n" not in intel:  # labels under one introducing line
        body = (
            f"{INTRO}\n{intel}\n\n{plain_table(intel_rows)}\n{alpha}\n\n{plain_table(alpha_rows)}"
        )
    first, second = parse(body).tables
    assert (first.platform, rows(first)) == ("Intel", intel_rows)
    assert (second.platform, rows(second)) == ("Alpha", alpha_rows)


def test_sections_per_product_line_and_components_per_section() -> None:
    body = (
        "Exchange Server 5.0\n-------------------\n\nA fix is available.\n\n"
        f"{INTRO}\n  Component: MTA\n\n{plain_table([('Emsmta.exe', '5.0.1461.66')])}\n"
        "Exchange Server 5.5\n-------------------\n\nObtain the latest service pack.\n\n"
        f"{INTRO}\nComponent: MTA\n\n{grid_table([('Emsmta.exe', '5.5.2410.0')])}\n"
        f"Component: Information Store\n\n{grid_table([('Store.exe', '5.5.2410.1')])}"
    )
    article = parse(body, applies=("5.0", "5.5"))
    assert [(t.product_line, t.component, rows(t)) for t in article.tables] == [
        ("5.0", "MTA", [("Emsmta.exe", "5.0.1461.66")]),
        ("5.5", "MTA", [("Emsmta.exe", "5.5.2410.0")]),
        ("5.5", "Information Store", [("Store.exe", "5.5.2410.1")]),
    ]


def test_a_section_heading_resets_the_component() -> None:
    body = (
        f"Exchange Server 5.5\n-------------------\n\n{INTRO}\nComponent: MTA\n\n"
        f"{plain_table(MTA_55)}\nExchange Server 5.0\n-------------------\n\n{INTRO}\n"
        f"{plain_table([('Store.exe', '5.0.1461.91')])}"
    )
    first, second = parse(body, applies=("5.0", "5.5")).tables
    assert (first.component, second.component) == ("MTA", None)
    assert (first.product_line, second.product_line) == ("5.5", "5.0")


def test_the_download_package_table_is_left_out() -> None:
    package = (
        "  Date          Time    Version      Size        File name\n"
        "  -------------------------------------------------------\n"
        "  Aug-12-2000   10:37   0.0.0.0000   2,953,216   Fixpack.exe\n"
    )
    body = (
        "This fix should have the following file attributes:\n\n"
        f"{package}\nAfter the hotfix is installed, the following files will have the listed\n"
        f"attributes or later:\n\n{plain_table(MTA_55)}"
    )
    (table,) = parse(body).tables
    assert rows(table) == MTA_55


def test_a_package_named_after_the_article_is_left_out_without_the_after_line() -> None:
    body = f"{INTRO}\n{plain_table([('Q900001i.exe', '0.0.0.0000')])}"
    article = parse(body)
    assert article.tables == ()
    assert article.error is not None and "download package" in article.error


def test_not_applicable_versions_of_data_files() -> None:
    table = plain_table([("Dbserver.sch", "N/A"), ("Emsmta.exe", "5.5.2431.0")])
    (only,) = parse(f"{INTRO}\n{table}").tables
    assert rows(only) == [("Dbserver.sch", "N/A"), ("Emsmta.exe", "5.5.2431.0")]
    assert [f.is_pe for f in only.files] == [False, True]


def test_short_versions_take_the_product_line() -> None:
    (table,) = parse(f"{INTRO}\n{grid_table([('Ccmc.exe', '2623.0')])}").tables
    assert rows(table) == [("Ccmc.exe", "2623.0")]
    assert full_version("2623.0", table.product_line) == Version.parse("5.5.2623.0")
    assert full_version("N/A", "5.5") is None
    assert full_version("5.0.1461.66", "5.5") == Version.parse("5.0.1461.66")


def test_short_versions_without_a_product_line_are_an_error() -> None:
    article = parse(f"{INTRO}\n{grid_table([('Ccmc.exe', '2623.0')])}", applies=("5.0", "5.5"))
    assert article.tables[0].product_line is None
    assert article.error is not None and "Ccmc.exe 2623.0" in article.error


def test_full_versions_name_the_product_line_when_applies_to_names_several() -> None:
    (table,) = parse(f"{INTRO}\n{plain_table(MTA_55)}", applies=("5.0", "5.5")).tables
    assert table.product_line == "5.5"


def test_rows_go_on_after_a_blank_line_but_prose_ends_the_table() -> None:
    body = (
        f"{INTRO}\n  File Name      Version\n  ----------------------\n"
        "  Emsmta.exe     5.5.2431.0\n\n  Mtamsg.dll     5.5.2431.0\n\n"
        "This hotfix has been posted as Psp2mtai.zip and 5.5.2431.0 fixes it.\n\n"
        "  Other.dll     5.5.9999.0\n"
    )
    (table,) = parse(body).tables
    assert rows(table) == [("Emsmta.exe", "5.5.2431.0"), ("Mtamsg.dll", "5.5.2431.0")]


def test_tables_without_an_introducing_line_are_not_requirements() -> None:
    article = parse(f"The list of files of the release:\n\n{plain_table(MTA_55)}")
    assert article.tables == ()
    assert article.error is not None and article.error.startswith("synthetic.txt: no file table")


def test_no_table_at_all() -> None:
    article = parse("Obtain the latest service pack.\n")
    assert (article.tables, article.id) == ((), "Q900001")
    assert article.error is not None


def test_an_unreadable_grid_row_is_a_warning() -> None:
    table = "\n".join(
        line.replace("5.5.2431.0", " " * 10) if "Mtamsg" in line else line
        for line in grid_table(MTA_55).splitlines()
    )
    article = parse(f"{INTRO}\n{table}")
    assert [f.name for f in article.tables[0].files] == ["Dbserver.sch", "Emsmta.exe", "X400om.dll"]
    assert len(article.warnings) == 1 and "Mtamsg.dll" in article.warnings[0]


@pytest.mark.parametrize(
    ("keywords", "status", "expected"),
    [
        ("exc55sp2fix exc55sp1", "", ("5.5", "SP2")),
        ("exc55 EXC55SP3Fix", "", ("5.5", "SP3")),
        ("exc55", "It was first corrected in Exchange Server\n5.5 Service Pack 2.", ("5.5", "SP2")),
        ("exc55sp2fix", "first corrected in Exchange Server 5.5 Service Pack 3.", ("5.5", "SP3")),
        ("kbExchange550preSP5fix", "", None),
    ],
)  # fmt: skip
def test_the_fixing_service_pack(
    keywords: str, status: str, expected: tuple[str, str] | None
) -> None:
    article = parse(f"{INTRO}\n{plain_table(MTA_55)}\n{status}\n", keywords=keywords)
    assert article.fixed_in == expected


def test_the_id_comes_from_the_file_name_when_the_text_has_none() -> None:
    text = f"A title\n\n{INTRO}\n{plain_table(MTA_55)}"
    article = parse_article(text, "kb/Q900002.txt", fallback_id="Q900002")
    assert (article.id, article.title, article.error) == ("Q900002", "A title", None)
