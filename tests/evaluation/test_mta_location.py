"""8.3 aliases and UNC paths in the MTA's ImagePath."""

from __future__ import annotations

import pytest

from auditor.baseline import Baseline, default_baseline_path, load_baseline
from auditor.evaluation import evaluate
from auditor.evaluation.mta_location import could_be_alias, locate_mta_folder
from auditor.verdicts import Status
from tests.evaluation.facts_builder import adapter, files, registry, server

# Short names Windows is documented to give (KB142982 and the FAT specification's
# examples), and names that are their own short name.
ALIASES = [
    ("PROGRA~1", "Program Files", True),
    ("EXCHAN~1", "Exchange Server", True),
    ("DOCUME~1", "Documents and Settings", True),
    ("THISIS~1.TXT", "This is a long file name.txt", True),
    ("ABC~1.TXT", "a.b.c.txt", True),
    ("X_Y~1.TXT", "x+y.txt", True),
    ("LONGFI~1.HTM", "Long File Name.html", True),
    ("EXCHA~10", "Exchange Server", True),
    ("EXCHSR~1", "exchsrvr", False),  # valid 8.3 already: its short name is EXCHSRVR
    ("README~1.TXT", "readme.txt", False),
    ("EXCHAN~1", "Exchange Backup.old", False),  # the extension differs
    ("EXCHAN~1", "Exch Server", False),
    ("EXCHSR~1", "EXCHSR~1", True),  # a folder that is literally so named
]


@pytest.mark.parametrize(("alias", "long_name", "expected"), ALIASES)
def test_whether_a_long_name_can_have_an_alias(alias: str, long_name: str, expected: bool) -> None:
    assert could_be_alias(alias, long_name) is expected


PATHS = [
    "C$/Exchange Server/bin/EMSMTA.EXE",
    "C$/Exchange Server/bin.old/EMSMTA.EXE",
    "C$/exchsrvr/bin/EMSMTA.EXE",
]


def test_a_unique_alias_is_resolved_and_said() -> None:
    folder, notes = locate_mta_folder("C:\\EXCHAN~1\\bin\\emsmta.exe", PATHS)
    assert [path for path in PATHS if folder.holds(path)] == [PATHS[0]]
    assert len(notes) == 1 and "EXCHAN~1 as 'Exchange Server'" in notes[0]


@pytest.mark.parametrize(
    ("image_path", "said"),
    [
        ("C:\\EXCHSR~1\\bin\\emsmta.exe", "no folder of the evidence can have that 8.3 name"),
        ("C:\\EXCHAN~2\\bin\\emsmta.exe", "another name took ~1 first"),
    ],
)
def test_an_alias_the_evidence_cannot_decide_is_said(image_path: str, said: str) -> None:
    folder, notes = locate_mta_folder(image_path, PATHS)
    assert not any(folder.holds(path) for path in PATHS)
    assert len(notes) == 1 and said in notes[0]


def test_two_candidates_are_ambiguous_whatever_the_number() -> None:
    paths = [*PATHS, "C$/Exchange Servers/bin/EMSMTA.EXE"]
    folder, notes = locate_mta_folder("C:\\EXCHAN~1\\bin\\emsmta.exe", paths)
    assert not any(folder.holds(path) for path in paths)
    assert "'Exchange Server', 'Exchange Servers' could each have it" in notes[0]


@pytest.mark.parametrize(
    ("image_path", "inside", "said"),
    [
        ("\\\\EXCH01\\C$\\exchsrvr\\bin\\emsmta.exe", PATHS[2], "taken as drive C:"),
        ("\\\\?\\UNC\\EXCH01\\C$\\exchsrvr\\bin\\emsmta.exe", PATHS[2], "taken as drive C:"),
        ("\\\\fs\\mta\\exchsrvr\\bin\\emsmta.exe", PATHS[2], "network share \\\\fs\\mta"),
    ],
)
def test_a_unc_image_path(image_path: str, inside: str, said: str) -> None:
    folder, notes = locate_mta_folder(image_path, PATHS)
    assert [path for path in PATHS if folder.holds(path)] == [inside]
    assert said in notes[0]


@pytest.fixture(scope="module")
def baseline() -> Baseline:
    return load_baseline(default_baseline_path())


def test_an_alias_makes_the_running_copy_count_not_the_lowest(baseline: Baseline) -> None:
    running = files(folder="C$/Exchange Server/bin")
    backup = files("5.5.2232.18", folder="C$/Exchange Server/bin.old")
    facts = server(
        file_facts=running + backup,
        registry_facts=registry(
            adapter("El90x1", "10.0.0.5"), image_path="C:\\EXCHAN~1\\BIN\\EMSMTA.EXE"
        ),
    )
    verdict = evaluate(facts, baseline)
    assert verdict.status is Status.COMPLIANT
    assert verdict.mta_version == "5.5.2448.0"
    assert any("EXCHAN~1 as 'Exchange Server'" in warning for warning in verdict.warnings)
