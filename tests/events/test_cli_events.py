"""--events-days: how far back a live server's Application log is read."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor import cli
from auditor.cli import ExitCode
from auditor.evidence.eventlog_rpc import DEFAULT_EVENT_DAYS
from tests.test_cli import run


@pytest.mark.parametrize("value", ["-1", "ten", "1.5"])
def test_events_days_must_be_a_whole_number_not_below_zero(fleet: Path, value: str) -> None:
    code, _, err = run("scan", str(fleet), f"--events-days={value}")
    assert code == ExitCode.USAGE
    # argparse itself names a value that is not an int, on the process's stderr.
    assert value != "-1" or "--events-days -1: must be 0 or more" in err


@pytest.mark.parametrize(
    ("argument", "days"),
    [((), DEFAULT_EVENT_DAYS), (("--events-days=7",), 7), (("--events-days=0",), None)],
)
def test_events_days_reaches_live_collection(
    fleet: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argument: tuple[str, ...], days
) -> None:
    seen: list[object] = []
    real = cli.live_collection

    def spy(*args, **kwargs):
        seen.append(kwargs.get("events_days"))
        return real(*args, **kwargs)

    monkeypatch.setattr(cli, "live_collection", spy)
    run("scan", str(fleet), f"--json={tmp_path / 'r.json'}", *argument)
    assert seen == [days]
    assert DEFAULT_EVENT_DAYS == 90
