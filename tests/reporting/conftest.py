"""Every test that takes ``scenario`` runs once per named scenario of the shared corpus."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from auditor.reporting import Report, build_report
from auditor.verdicts import AuditResult
from tests.scenarios import SCENARIOS


@dataclass(frozen=True)
class Scenario:
    name: str
    result: AuditResult
    report: Report


@pytest.fixture(params=sorted(SCENARIOS))
def scenario(request: pytest.FixtureRequest) -> Scenario:
    result = SCENARIOS[request.param]()
    return Scenario(request.param, result, build_report(result))
