"""Service packs as data: Q243604's file lists, the shipped data file, build labels."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from auditor.catalogue.servicepacks import (
    default_service_packs_path,
    load_service_packs,
    parse_file_listing,
    service_packs_toml,
)
from auditor.errors import BaselineError
from auditor.versions import Version

KB = Path(__file__).resolve().parent.parent / "assets" / "kb"
SHIPPED = Path(__file__).resolve().parents[2] / "baselines" / "servicepacks" / "exchange55.toml"


def listing() -> str:
    return (KB / "Q243604.txt").read_text(encoding="utf-8")


def test_the_shipped_data_is_the_generators_output() -> None:
    assert default_service_packs_path().resolve() == SHIPPED.resolve()
    assert SHIPPED.read_text("utf-8") == service_packs_toml(
        parse_file_listing(listing(), "Q243604")
    )


@pytest.mark.parametrize(
    ("release", "name", "version"),
    [
        # DESIGN.md's table of builds (Q158530, Q243604, Q191014) and the article's rows.
        ("RTM", "Emsmta.exe", "5.5.1960.3"),
        ("SP1", "Emsmta.exe", "5.5.2232.18"),
        ("SP2", "Emsmta.exe", "5.5.2448.1"),
        ("SP2", "X400om.dll", "5.5.2448.0"),
        ("SP2", "x400omv1.DLL", "5.5.2448.0"),
        ("SP3", "EMSMTA.EXE", "5.5.2650.24"),
        ("SP1", "Edbutil.exe", "5.5.1960.3"),  # unchanged by SP1, listed at RTM's version
        ("SP3", "Cdonts.dll", "5.5.1877.30"),
        ("SP2", "Cdo.dll", "5.5.2248.0"),  # printed 5.5.2448.0 and 5.5.2248.0: the lower
    ],
)
def test_version_of(release: str, name: str, version: str) -> None:
    packs = load_service_packs(SHIPPED)
    assert packs.version_of(release, name) == Version.parse(version)


def test_files_the_article_does_not_list_are_unknown() -> None:
    packs = load_service_packs(SHIPPED)
    assert packs.version_of("SP2", "Mtamsg.dll") is None
    assert packs.version_of("SP2", "Dbserver.sch") is None
    assert packs.version_of("SP4", "Emsmta.exe") is None  # SP4: build only
    assert packs.version_of("SP9", "Emsmta.exe") is None


def test_every_row_of_the_article_is_kept() -> None:
    """Each "D:\\...\\Name.ext  size  date  version" row, read here by splitting on spaces."""
    packs = load_service_packs(SHIPPED)
    release = None
    checked = 0
    for line in listing().splitlines():
        words = line.split()
        if "Base" in line or "No Service Pack" in line:
            release = "RTM"
        elif "Service Pack" in line and not line.strip().startswith("D:"):
            release = "SP" + re.findall(r"Service Pack (\d)", line)[0]
        elif words and words[0].startswith("D:\\"):
            name = words[0].split("\\")[-1]
            found = packs.version_of(release or "", name)
            assert found is not None and found <= Version.parse(words[-1]), line
            if name.casefold() != "cdo.dll":
                assert found == Version.parse(words[-1]), line
            checked += 1
    assert checked == 368


def test_release_builds() -> None:
    packs = load_service_packs(SHIPPED)
    assert packs.product_line == "5.5"
    assert [(p.label, str(p.build)) for p in packs.releases] == [
        ("RTM", "5.5.1960.0"),
        ("SP1", "5.5.2232.0"),
        ("SP2", "5.5.2448.0"),
        ("SP3", "5.5.2650.0"),
        ("SP4", "5.5.2653.0"),
    ]


@pytest.mark.parametrize(
    ("version", "label"),
    [
        ("5.5.1960.3", "RTM"),
        ("5.5.2232.18", "SP1"),
        ("5.5.2329.0", "SP1 + hotfix"),
        ("5.5.2431.0", "SP1 + hotfix"),
        ("5.5.2448.0", "SP2"),
        ("5.5.2448.1", "SP2"),
        ("5.5.2512.0", "SP2 + hotfix"),
        ("5.5.2650.24", "SP3"),
        ("5.5.2653.0", "SP4"),
        ("5.5.2654.35", "SP4 + hotfix"),
        ("5.5.1900.0", None),
        ("5.0.1461.66", None),
    ],
)
def test_label_for(version: str, label: str | None) -> None:
    assert load_service_packs(SHIPPED).label_for(Version.parse(version)) == label


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("not toml [", "cannot read the service packs"),
        ('product_line = "5.5"', "malformed service packs"),
        ('product_line = "5.5"\nreleases = [{label = "SP2"}]', "malformed service packs"),
        (
            'product_line = "5.5"\n[[releases]]\nlabel = "SP2"\nbuild = "x"\nsource = "Q"\n'
            "[releases.files]\n",
            "malformed service packs",
        ),
        (
            'product_line = "5.5"\n[[releases]]\nlabel = "Beta"\nbuild = "5.5.1"\nsource = "Q"\n'
            "[releases.files]\n",
            "is not RTM or SPn",
        ),
    ],
)
def test_malformed_data_names_the_file(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "packs.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(BaselineError, match=f"^{re.escape(str(path))}: .*{expected}"):
        load_service_packs(path)


def test_a_listing_without_releases_is_an_error() -> None:
    from auditor.errors import ParseError

    with pytest.raises(ParseError, match=r"^x\.txt: no release file lists"):
        parse_file_listing("Nothing here\n", "x.txt")
