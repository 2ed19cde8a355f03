"""A server without Exchange gets one verdict live and from its saved copy (issue 16,
point 12): the MTA folder's absence is a fact the live listing learns, not a failure."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.audit import scan
from auditor.baseline import Baseline, default_baseline_path, load_baseline
from auditor.collect import collect
from auditor.evaluation import evaluate
from auditor.evidence.credentials import Credentials
from auditor.evidence.recording import RecordingSource
from auditor.evidence.smb import SmbSource
from auditor.parsing.registry import RegType, RegValue
from auditor.verdicts import Status
from tests.builders.regtext import write_reg
from tests.evidence.conftest import SERVICES
from tests.evidence.samba import SambaServer, missing_tools


@pytest.fixture(scope="module")
def file_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SambaServer]:
    """A plain file server: TCP/IP on one adapter, no MSExchangeMTA, no exchsrvr folder."""
    why = missing_tools()
    if why:
        pytest.skip(why)
    root = tmp_path_factory.mktemp("samba-no-exchange")
    server = SambaServer(root, smb1=False)
    server.configure()
    server.share.mkdir(parents=True, exist_ok=True)
    (server.share / "WINNT").mkdir()
    reg = root / "plain.reg"
    keys = {
        f"{SERVICES}\\Tcpip\\Linkage": [RegValue("Bind", RegType.MULTI_SZ, ("\\Device\\El90x1",))],
        f"{SERVICES}\\El90x1\\Parameters\\Tcpip": [
            RegValue("EnableDHCP", RegType.DWORD, 0),
            RegValue("IPAddress", RegType.MULTI_SZ, ("10.0.9.5",)),
        ],
    }
    reg.write_bytes(write_reg(keys, "v5"))
    server.import_registry(reg)
    server.start()
    yield server
    server.stop()


def test_no_exchange_is_not_applicable_live_and_saved(
    file_server: SambaServer, credentials: Credentials, tmp_path: Path
) -> None:
    baseline: Baseline = load_baseline(default_baseline_path())
    saved = tmp_path / "saved"
    names = [item.name for item in baseline.files]
    live = SmbSource("FILES01", "127.0.0.1", file_server.port, credentials, file_names=names)
    try:
        facts = collect(RecordingSource(live, saved), baseline)
    finally:
        live.close()
    assert facts.problems == ()
    assert facts.notes == (
        f"smb://127.0.0.1:{file_server.port}: \\\\127.0.0.1\\C$\\exchsrvr\\bin does not exist",
    )
    assert evaluate(facts, baseline).status is Status.NOT_APPLICABLE
    offline = scan(saved, baseline)
    assert [(v.server, v.status) for v in offline.servers] == [("FILES01", Status.NOT_APPLICABLE)]
