"""The hostile fleet, built once per session: its 2 GB files are sparse, but not free."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.baseline import Baseline, default_baseline_path, load_baseline
from tests.hostile.fleet import build_fleet


@pytest.fixture(scope="session")
def baseline() -> Baseline:
    return load_baseline(default_baseline_path())


@pytest.fixture(scope="session")
def hostile_fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_fleet(tmp_path_factory.mktemp("hostile") / "fleet")
