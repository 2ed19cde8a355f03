"""Wine for the kit's tests: one booted prefix per session, a clone of it per test."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.kit.wine import WINE, WINESERVER, WineServer, boot_prefix, running


@pytest.fixture(scope="session")
def wine_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if WINE is None or WINESERVER is None:
        pytest.skip(
            "wine is not installed (Debian: apt-get install wine; .ci/run installs it): "
            "the collection kit's tests run collect.cmd under it"
        )
    prefix = tmp_path_factory.mktemp("wine") / "base"
    started = time.monotonic()
    try:
        boot_prefix(prefix)
    except subprocess.CalledProcessError as error:
        pytest.fail(f"{prefix}: wineboot failed: {error.stderr!r}")
    print(f"wine prefix booted in {time.monotonic() - started:.1f} s")
    return prefix


@pytest.fixture
def machine(wine_base: Path, tmp_path: Path) -> Iterator[WineServer]:
    with running(wine_base, tmp_path / "prefix") as server:
        yield server
