"""The example fleet: rebuilt by its script to the same bytes, and judged as its names promise."""

from __future__ import annotations

import filecmp
import subprocess
import sys
from pathlib import Path

from auditor.audit import load_inventory, scan
from auditor.baseline import default_baseline_path, load_baseline

REPO = Path(__file__).resolve().parent.parent
FLEET = REPO / "examples" / "fleet"
STATUSES = ("exposed", "below-baseline", "incomplete", "compliant", "not-applicable")


def promised(folder: str) -> str:
    return next(status for status in STATUSES if folder.startswith(f"{status}-"))


def test_every_example_server_gets_the_status_its_name_promises() -> None:
    result = scan(FLEET, load_baseline(default_baseline_path()), load_inventory(FLEET, None))
    got = {verdict.server: verdict.status.value for verdict in result.servers}
    assert got == {name: promised(name) for name in got}
    assert {promised(name) for name in got} == set(STATUSES)
    assert len(got) == sum(1 for entry in FLEET.iterdir() if entry.is_dir())


def test_the_generator_rebuilds_the_committed_fleet(tmp_path: Path) -> None:
    target = tmp_path / "fleet"
    subprocess.run(
        [sys.executable, str(REPO / "examples" / "make_fleet.py"), str(target)],
        check=True,
        capture_output=True,
    )
    differences = _differences(filecmp.dircmp(FLEET, target))
    assert differences == [], "run python examples/make_fleet.py and commit the result"


def _differences(comparison: filecmp.dircmp[str]) -> list[str]:
    found = [*comparison.left_only, *comparison.right_only, *comparison.funny_files]
    _, mismatch, errors = filecmp.cmpfiles(
        comparison.left, comparison.right, comparison.common_files, shallow=False
    )
    found += mismatch + errors
    for sub in comparison.subdirs.values():
        found += _differences(sub)
    return found
