"""benchmarks/compare_reports.py: equal whatever the run's time, unequal on any change."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from auditor.audit import ReportPaths, write_reports
from auditor.verdicts import AuditResult, Status
from benchmarks.compare_reports import compare
from tests import scenarios


def written(result: AuditResult, folder: Path) -> Path:
    folder.mkdir()
    paths = ReportPaths(*(folder / f"r.{kind}" for kind in ("xlsx", "csv", "json")))
    write_reports(result, paths)
    return folder / "r.json"


def test_two_runs_at_other_times_compare_equal(tmp_path: Path) -> None:
    result = scenarios.one_of_each()
    later = replace(result, generated_at=result.generated_at + timedelta(hours=5, seconds=7))
    problems, compared = compare(written(result, tmp_path / "a"), written(later, tmp_path / "b"))
    assert problems == []
    assert compared == ["JSON", "CSV", "XLSX"]


def test_one_changed_status_shows_in_every_format(tmp_path: Path) -> None:
    result = scenarios.one_of_each()
    servers = list(result.servers)
    at = next(i for i, v in enumerate(servers) if v.status is Status.EXPOSED)
    servers[at] = replace(servers[at], status=Status.COMPLIANT)
    changed = replace(result, servers=tuple(servers))
    problems, _ = compare(written(result, tmp_path / "a"), written(changed, tmp_path / "b"))
    text = "\n".join(problems)
    assert "JSON data differs" in text and "under servers" in text
    assert "CSV differs" in text
    assert "sheet Servers holds other values" in text
