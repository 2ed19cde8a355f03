"""--save-evidence onto a full disk: a side channel that fails, never a verdict changed."""

from __future__ import annotations

import io
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.cli import main


def _scan(fleet: Path, out: Path, *extra: str) -> tuple[int, dict[str, object]]:
    stdout, stderr = io.StringIO(), io.StringIO()
    code = main(["scan", str(fleet), f"--json={out}", *extra], stdout=stdout, stderr=stderr)
    assert code in (0, 1), stderr.getvalue()
    return code, json.loads(out.read_text())


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A tmpfs of 16 KiB: room for a few pages of the fleet's evidence, not for all of it."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_a_full_disk_under_save_evidence_is_a_run_note_and_changes_no_verdict(
    fleet: Path, tmp_path: Path, small_disk: Path
) -> None:
    code, plain = _scan(fleet, tmp_path / "plain.json")
    saved_code, saved = _scan(
        fleet, tmp_path / "saved.json", f"--save-evidence={small_disk / 'kept'}"
    )
    statuses = {s["server"]: s["status"] for s in plain["servers"]}  # type: ignore[union-attr, index]
    assert {s["server"]: s["status"] for s in saved["servers"]} == statuses  # type: ignore[union-attr, index]
    assert "exposed" in statuses.values() and saved_code == code
    notes = saved["notes"]
    run_notes = [n for n in notes if n.startswith(f"{small_disk / 'kept'}: ")]  # type: ignore[union-attr]
    assert len(run_notes) == 1 and "No space left on device" in run_notes[0]
    assert "their verdicts come from what was read" in run_notes[0]
    # A copy that could not be written whole is not left behind with holes.
    warned = [w for s in saved["servers"] for w in s["warnings"] if "could not be kept" in w]  # type: ignore[union-attr, index]
    assert warned
    for warning in warned:
        if ": read, but the evidence could not be kept in " in warning:
            copy = warning.split(" could not be kept in ", 1)[1].split(": No space", 1)[0]
            assert not Path(copy).exists()
