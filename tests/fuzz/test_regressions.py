"""Every input a fuzzer found, run again through the target that found it.

The inputs live in tests/assets/hostile/fuzz/TARGET/; each once crashed, hung or ran away
with memory. The targets accept only the reader's own errors, so a regression raises here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fuzz.seeds import SEEDS, write_seeds
from tests.fuzz.targets import TARGETS

FOUND = Path(__file__).resolve().parents[1] / "assets" / "hostile" / "fuzz"
INPUTS = sorted(path for path in FOUND.glob("*/*") if path.is_file())


def test_every_target_has_seeds_and_a_home_for_its_findings() -> None:
    assert set(SEEDS) == set(TARGETS)
    assert {path.parent.name for path in INPUTS} <= set(TARGETS)


@pytest.mark.parametrize("path", INPUTS, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_a_past_finding_is_handled(path: Path) -> None:
    TARGETS[path.parent.name](path.read_bytes())


@pytest.mark.parametrize("target", sorted(SEEDS))
def test_the_seeds_are_read_without_a_finding(target: str, tmp_path: Path) -> None:
    assert write_seeds(target, tmp_path) >= 2
    for seed in sorted(tmp_path.iterdir()):
        TARGETS[target](seed.read_bytes())
