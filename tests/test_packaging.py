"""A non-editable install must carry the default baseline, which lives outside the package."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_the_wheel_carries_the_baseline_and_the_entry_point(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    for folder in ("auditor", "baselines"):
        shutil.copytree(
            REPO / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path), "."],
        cwd=source,
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("fixlevel-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = next(n for n in names if n.endswith("entry_points.txt"))
        scripts = archive.read(entry_points).decode()
        kit = archive.read("auditor/kit/collect.cmd") if "auditor/kit/collect.cmd" in names else b""
    assert "auditor/baselines/q197378.toml" in names
    assert "auditor/baselines/catalogue/q197398.toml" in names
    assert "auditor/baselines/servicepacks/exchange55.toml" in names
    assert "auditor/catalogue/article.py" in names
    assert "auditor/cli.py" in names and "auditor/reporting/xlsx.py" in names
    assert "auditor = auditor.cli:run" in scripts
    # The collection kit, byte for byte: CRLF line ends intact (`auditor kit` writes it out).
    assert kit == (REPO / "auditor" / "kit" / "collect.cmd").read_bytes()
