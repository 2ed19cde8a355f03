"""Fixtures shared across the test tree."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_FLEET = REPO / "examples" / "fleet"
SHARED = REPO.parent / "shared"


@pytest.fixture
def fleet(tmp_path: Path) -> Path:
    """A private copy of the example fleet, for tests that add or break servers."""
    target = tmp_path / "fleet"
    shutil.copytree(EXAMPLE_FLEET, target)
    return target


@pytest.fixture
def shared_samples() -> Path:
    """The independently made samples beside the repo, or a skip that says why."""
    samples = SHARED / "samples"
    if not samples.is_dir():
        pytest.skip(f"{samples} is absent: the cross-checks against real samples need it")
    return samples
