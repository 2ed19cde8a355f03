from __future__ import annotations

import pytest

from auditor.evaluation.image_path import DEFAULT_FOLDER, mta_folder


@pytest.mark.parametrize(
    ("image_path", "inside", "outside"),
    [
        (
            "C:\\exchsrvr\\bin\\emsmta.exe",
            "C$/EXCHSRVR/Bin/EMSMTA.EXE",
            "D$/exchsrvr/bin/emsmta.exe",
        ),
        (
            "C:\\exchsrvr\\bin\\emsmta.exe",
            "c/exchsrvr/bin/emsmta.exe",
            "C$/exchsrvr/bin.old/emsmta.exe",
        ),
        (
            '"D:\\Exchange Server\\bin\\emsmta.exe" -x',
            "D$/exchange server/bin/a",
            "C$/exchsrvr/bin/a",
        ),
        ("D:\\Exch\\bin\\emsmta.exe /service", "D$/Exch/bin/a", "D$/Exch/a"),
        ("\\??\\C:\\exchsrvr\\bin\\emsmta.exe", "C$/exchsrvr/bin/a", "C$/bin/a"),
        ("%SystemRoot%\\..\\exchsrvr\\bin\\emsmta.exe", "E$/exchsrvr/bin/a", "C$/exchsrvr/a"),
        ("%ExchangeRoot%\\bin\\emsmta.exe", "C$/anything/bin/a", "C$/bin.old/a"),
        (None, "C$/exchsrvr/bin/a", "C$/exchsrvr/bin.old/a"),
        ("emsmta.exe", "Z$/exchsrvr/bin/a", "C$/winnt/a"),
    ],
)
def test_the_folder_of_the_image_path(image_path: str | None, inside: str, outside: str) -> None:
    folder = mta_folder(image_path)
    assert folder.holds(inside)
    assert not folder.holds(outside)


def test_an_unresolvable_path_falls_back_to_exchsrvr_bin() -> None:
    assert mta_folder("") == DEFAULT_FOLDER
    assert mta_folder("%X%\\emsmta.exe") == DEFAULT_FOLDER


def _reference_holds(drive: str | None, parts: tuple[str, ...], evidence_path: str) -> bool:
    """The rule spelled out without the cache: the file's folder, after an optional drive
    mirror (C$ or C), is the MTA's folder, or ends with it when the drive is unknown."""
    folder = [part.casefold() for part in evidence_path.split("/")][:-1]
    if (
        folder
        and len(folder[0]) in (1, 2)
        and folder[0][0].isalpha()
        and folder[0][1:] in ("", "$")
    ):
        mirror, rest = folder[0][0], folder[1:]
    else:
        mirror, rest = None, folder
    if drive is not None:
        return mirror == drive and tuple(rest) == parts
    return tuple(rest[len(rest) - len(parts) :]) == parts if len(rest) >= len(parts) else False


@pytest.mark.parametrize(
    "image_path",
    [
        "C:\\exchsrvr\\bin\\emsmta.exe",
        "D:\\exchsrvr\\bin\\emsmta.exe",
        "%SystemRoot%\\..\\exchsrvr\\bin\\emsmta.exe",
        "%ExchangeRoot%\\bin\\emsmta.exe",
        "C:\\bin\\emsmta.exe",
    ],
)
def test_holds_agrees_with_the_rule_on_every_path_however_often_asked(image_path: str) -> None:
    folder = mta_folder(image_path)
    paths = [
        "C$/exchsrvr/bin/EMSMTA.EXE",
        "c/EXCHSRVR/BIN/x",
        "D$/exchsrvr/bin/x",
        "E$/other/exchsrvr/bin/x",
        "C$/exchsrvr/bin.old/x",
        "C$/bin/x",
        "bin/x",
        "x",
        "/x",
        "CC/exchsrvr/bin/x",
        "registry/exchsrvr/bin/x",
    ]
    for _ in range(2):  # the second round is answered from the cache
        for path in paths:
            assert folder.holds(path) == _reference_holds(folder.drive, folder.parts, path), path
