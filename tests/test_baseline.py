"""The baseline loader is strict and names the file and line of what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.baseline import FileKind, default_baseline_path, load_baseline
from auditor.errors import BaselineError
from auditor.versions import Version
from tests.builders.mta_files import DATA_FILES, PE_FILES

SHIPPED = default_baseline_path()


KB = Path(__file__).resolve().parents[1] / ".." / "shared" / "kb"


def test_the_shipped_baseline_has_the_articles_own_title() -> None:
    article = KB / "Q197378.txt"
    if not article.is_file():
        pytest.skip(f"{article} is absent (expected a 'shared' folder beside the repo)")
    first_line = article.read_text(encoding="utf-8").splitlines()[0].strip()
    assert load_baseline(SHIPPED).title == first_line
    assert first_line == "XCON: MTA Generates 9301 Events on Incoming Connections"


def test_the_shipped_baseline_holds_the_article() -> None:
    baseline = load_baseline(SHIPPED)
    assert baseline.article_id == "Q197378"
    assert baseline.fixed_build == Version.parse("5.5.2431.0")
    assert baseline.product_line == "5.5"
    kinds = {f.name: f.kind for f in baseline.files}
    assert len(kinds) == 13
    assert [name for name, kind in kinds.items() if kind is FileKind.PE] == [
        "Ems_rid.dll", "Emsmta.exe", "Mtacheck.exe", "Mtamsg.dll", "X400om.dll", "X400omv1.dll",
    ]  # fmt: skip
    assert all(
        f.min_version == baseline.fixed_build for f in baseline.files if f.kind is FileKind.PE
    )
    assert baseline.registry.override_value == "Stack IP Address Override"
    assert baseline.registry.override_type == "REG_SZ"


@pytest.mark.parametrize(
    ("version", "label"),
    [
        ("5.5.1960.3", "5.5 RTM"),
        ("5.5.2232.18", "SP1"),
        ("5.5.2400.0", "SP1 + post-SP1 hotfix"),
        ("5.5.2448.1", "SP2"),
        ("5.5.2650.24", "SP3"),
        ("5.5.2653.0", "SP4"),
        ("5.5.2654.5", "SP4 + post-SP4 fix"),
        ("5.0.1461.0", "Exchange 5.0"),
        ("4.0.1.0", None),
    ],
)
def test_build_labels(version: str, label: str | None) -> None:
    assert load_baseline(SHIPPED).label_for(Version.parse(version)) == label


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    text = SHIPPED.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "broken.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _line_of(path: Path, needle: str, occurrence: int = 1) -> int:
    hits = [n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line]
    return hits[occurrence - 1]


def test_an_unknown_key_names_the_file_and_line(tmp_path: Path) -> None:
    path = _broken(tmp_path, 'kind = "data"', 'kind = "data"\nchecksum = "x"')
    with pytest.raises(BaselineError, match=r"unknown key 'checksum'") as caught:
        load_baseline(path)
    assert str(caught.value).startswith(f"{path}:{_line_of(path, 'checksum')}:")


def test_a_malformed_version_names_the_file_and_line(tmp_path: Path) -> None:
    path = _broken(tmp_path, 'fixed_build = "5.5.2431.0"', 'fixed_build = "5.5.24x1.0"')
    with pytest.raises(BaselineError, match="malformed version") as caught:
        load_baseline(path)
    assert str(caught.value).startswith(f"{path}:{_line_of(path, '5.5.24x1.0')}:")


def test_a_duplicate_file_names_the_second_occurrence(tmp_path: Path) -> None:
    path = _broken(tmp_path, 'name = "Mtamsg.dll"', 'name = "EMSMTA.EXE"')
    with pytest.raises(BaselineError, match=r"duplicate file 'EMSMTA\.EXE'") as caught:
        load_baseline(path)
    assert str(caught.value).startswith(f"{path}:{_line_of(path, 'EMSMTA.EXE')}:")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('kind = "pe"', 'kind = "exe"', "must be 'pe' or 'data'"),
        ("[registry]", "[registri]", "unknown top-level key 'registri'"),
        ('label = "SP2"', "", "lacks the key 'label'"),
        (
            'name = "P2.xv2"\nkind = "data"',
            'name = "P2.xv2"\nkind = "data"\nsha256 = "abc"',
            "64 hex",
        ),
        ('id = "Q197378"', 'id = "Q197378"\nid = "again"', "not valid TOML"),
    ],
)
def test_other_mistakes_are_baseline_errors(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    with pytest.raises(BaselineError, match=message):
        load_baseline(_broken(tmp_path, old, new))


def test_a_missing_baseline_is_a_baseline_error(tmp_path: Path) -> None:
    with pytest.raises(BaselineError, match="cannot read"):
        load_baseline(tmp_path / "nope.toml")


def test_the_shipped_baseline_lists_the_articles_files() -> None:
    baseline = load_baseline(SHIPPED)
    assert {f.name for f in baseline.files if f.kind is FileKind.PE} == set(PE_FILES)
    assert {f.name for f in baseline.files if f.kind is FileKind.DATA} == set(DATA_FILES)
