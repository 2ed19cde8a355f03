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
