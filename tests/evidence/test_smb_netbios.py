"""Reaching NT4: 445 first, then the NetBIOS session service, all on 127.0.0.1.

"445" and "139" are high ports here (``direct_port``, ``netbios_port``). The NT4 stand-in is
a Samba that speaks SMB1 only, with NetBIOS enabled. Samba grants a session to any called
name, and on a port other than 139 takes SMB without a session request too, so it cannot
show that one was sent: its log (level 2) names the called name it was sent, and the
listeners of ``tests.evidence.listeners`` decode the request themselves and refuse it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

import pytest

from auditor.baseline import Baseline, default_baseline_path, load_baseline
from auditor.collect import collect
from auditor.evaluation import evaluate
from auditor.evidence.credentials import Credentials
from auditor.evidence.smb import SmbSource
from auditor.facts import ServerFacts
from auditor.verdicts import Status
from tests.evidence.conftest import NT4, NT4_NAME, london_connector
from tests.evidence.listeners import (
    SessionRequest,
    closed_port,
    closing,
    filtered_port,
    forwarding,
    listening,
    refusing,
    silent,
)
from tests.evidence.samba import SambaServer

Samba = Callable[[str, str], SambaServer]
HOST = "127.0.0.1"


@pytest.fixture(scope="module")
def baseline() -> Baseline:
    return load_baseline(default_baseline_path())


def live(
    credentials: Credentials,
    baseline: Baseline,
    direct: int,
    netbios: int,
    port: int | None = None,
    server: str = "exch01",
    timeout: float = 30,
) -> SmbSource:
    names = [item.name for item in baseline.files]
    return SmbSource(
        server, HOST, port, credentials, file_names=names, timeout=timeout,
        direct_port=direct, netbios_port=netbios,
    )  # fmt: skip


def collected(source: SmbSource, baseline: Baseline) -> ServerFacts:
    try:
        return collect(source, baseline)
    finally:
        source.close()


def called_names_logged(samba: SambaServer) -> list[str]:
    """The called names Samba logged ("netbios connect: name1=EXCH01         0x20 ...")."""
    log = samba.root / "log" / "smbd.out"
    deadline = time.monotonic() + 5
    while True:
        lines = log.read_text(errors="replace").splitlines() if log.is_file() else []
        names = [line.split("name1=", 1)[1] for line in lines if "netbios connect: name1=" in line]
        if names or time.monotonic() > deadline:
            return [" ".join(name.split()[:2]) for name in names]
        time.sleep(0.05)


def clear_log(samba: SambaServer) -> None:
    (samba.root / "log" / "smbd.out").write_bytes(b"")


def test_an_nt4_server_is_read_on_139_after_445_is_refused(
    samba: Samba, credentials: Credentials, baseline: Baseline
) -> None:
    nt4 = samba("exposed", NT4)
    clear_log(nt4)
    with closed_port() as refused:
        source = live(credentials, baseline, refused, nt4.port)
        facts = collected(source, baseline)
    where = f"smb://{HOST}:{nt4.port}"
    note = (
        f"{where}: connected on port {nt4.port} (NetBIOS session service) "
        f"after {refused}: connection refused"
    )
    assert (facts.problems, facts.source, facts.notes) == ((), where, (note,))
    assert source.stats.dialect == "NT LM 0.12"
    assert len(facts.files) == len(baseline.files)
    verdict = evaluate(facts, baseline)
    assert verdict.status is Status.EXPOSED, verdict.reasons
    assert note in verdict.warnings
    # Samba's own reading of the session request: the server's name, upper case, type 0x20.
    assert called_names_logged(nt4) == [f"{NT4_NAME} 0x20"]


def test_port_139_given_is_the_session_service_alone(
    samba: Samba, credentials: Credentials, baseline: Baseline
) -> None:
    nt4 = samba("compliant", NT4)
    clear_log(nt4)
    with listening(silent) as direct:
        source = live(credentials, baseline, direct.port, nt4.port, port=nt4.port)
        facts = collected(source, baseline)
    assert (facts.problems, facts.notes) == ((), ())
    assert facts.source == f"smb://{HOST}:{nt4.port}"
    assert direct.accepted == 0
    assert evaluate(facts, baseline, london_connector(facts.server)).status is Status.COMPLIANT
    assert called_names_logged(nt4) == [f"{NT4_NAME} 0x20"]


def test_a_refused_called_name_is_tried_once_more_as_smbserver(
    credentials: Credentials, baseline: Baseline
) -> None:
    with closed_port() as refused, listening(refusing(0x82)) as service:
        source = live(credentials, baseline, refused, service.port, server="Exch01.contoso.com")
        facts = collected(source, baseline)
    assert [(r.called, r.called_type, r.calling_type) for r in service.requests] == [
        ("EXCH01", 0x20, 0x00),
        ("*SMBSERVER", 0x20, 0x00),
    ]
    assert all(isinstance(r, SessionRequest) and r.calling for r in service.requests)
    assert facts.problems == (
        f"smb://{HOST}: cannot connect: {refused}: connection refused; "
        f"{service.port}: the NetBIOS session service refused "
        "EXCH01: called name not present (0x82), "
        "then *SMBSERVER: called name not present (0x82)",
    )
    assert evaluate(facts, baseline).status is Status.INCOMPLETE


def test_a_refusal_that_is_not_about_the_name_is_not_retried(
    credentials: Credentials, baseline: Baseline
) -> None:
    with closed_port() as refused, listening(refusing(0x83)) as service:
        facts = collected(live(credentials, baseline, refused, service.port), baseline)
    assert [r.called for r in service.requests] == ["EXCH01"]
    (problem,) = facts.problems
    assert problem.endswith(
        f"{service.port}: the NetBIOS session service refused EXCH01: "
        "called name present, but insufficient resources (0x83)"
    )


def test_after_a_refused_name_smbserver_reaches_the_server(
    samba: Samba, credentials: Credentials, baseline: Baseline
) -> None:
    nt4 = samba("exposed", NT4)
    clear_log(nt4)
    with closed_port() as refused, listening(forwarding(NT4_NAME, nt4.port)) as service:
        source = live(credentials, baseline, refused, service.port)
        facts = collected(source, baseline)
    where = f"smb://{HOST}:{service.port}"
    assert facts.problems == ()
    assert facts.notes == (
        f"{where}: connected on port {service.port} (NetBIOS session service) "
        f"after {refused}: connection refused",
        f"{where}: the NetBIOS session service refused the called name "
        "EXCH01: called name not present (0x82); connected as *SMBSERVER",
    )
    assert [r.called for r in service.requests] == ["EXCH01", "*SMBSERVER"]
    assert called_names_logged(nt4) == ["*SMBSERVER 0x20"]
    assert evaluate(facts, baseline).status is Status.EXPOSED


def test_after_a_refused_name_another_machine_is_not_read_as_the_server(
    samba: Samba, credentials: Credentials, baseline: Baseline
) -> None:
    # The row names OTHER; the machine at the address refuses that name, answers the
    # wildcard, and names itself EXCH01 in its logon challenge: it is not OTHER's evidence.
    nt4 = samba("compliant", NT4)
    with closed_port() as refused, listening(forwarding("OTHER", nt4.port)) as service:
        facts = collected(
            live(credentials, baseline, refused, service.port, server="OTHER"), baseline
        )
    (problem,) = facts.problems
    assert f"the server at {HOST} refused the NetBIOS name OTHER and names itself 'EXCH01'" in (
        problem
    )
    assert facts.files == ()
    assert evaluate(facts, baseline).status is Status.INCOMPLETE


def test_refused_on_both_ports_says_both(credentials: Credentials, baseline: Baseline) -> None:
    with closed_port() as first, closed_port() as second:
        facts = collected(live(credentials, baseline, first, second), baseline)
    reason = (
        f"smb://{HOST}: cannot connect: {first}: connection refused; {second}: connection refused"
    )
    assert facts.problems == (reason,)
    verdict = evaluate(facts, baseline)
    assert verdict.status is Status.INCOMPLETE
    assert reason in verdict.reasons


@pytest.mark.parametrize("protocol", ["SMB1", "SMB2"])
def test_a_logon_failure_on_445_does_not_fall_back(
    samba: Samba, credentials: Credentials, baseline: Baseline, protocol: str
) -> None:
    windows = samba("compliant", protocol)
    wrong = replace(credentials, password="Wr0ng-password")
    with listening(refusing(0x82)) as fallback:
        facts = collected(live(wrong, baseline, windows.port, fallback.port), baseline)
    assert facts.problems == (
        f"smb://{HOST}:{windows.port}: cannot log on as {wrong.user}: "
        "logon failure: unknown user or wrong password",
    )
    assert facts.notes == ()
    assert fallback.accepted == 0


def test_a_connection_closed_before_the_negotiation_falls_back(
    samba: Samba, credentials: Credentials, baseline: Baseline
) -> None:
    nt4 = samba("compliant", NT4)
    with listening(closing) as direct:
        facts = collected(live(credentials, baseline, direct.port, nt4.port), baseline)
    assert facts.problems == ()
    assert facts.notes == (
        f"smb://{HOST}:{nt4.port}: connected on port {nt4.port} (NetBIOS session service) "
        f"after {direct.port}: the server closed the connection",
    )
    assert direct.accepted == 1


def test_a_445_that_answers_nothing_does_not_fall_back(
    credentials: Credentials, baseline: Baseline
) -> None:
    with listening(silent) as direct, listening(refusing(0x82)) as fallback:
        source = live(credentials, baseline, direct.port, fallback.port, timeout=0.5)
        facts = collected(source, baseline)
    assert facts.problems == (
        f"smb://{HOST}: cannot connect: {direct.port}: "
        "SMB negotiation timed out: the server took more than 0.5 s in all",
    )
    assert fallback.accepted == 0


def test_a_filtered_445_leaves_time_for_139(
    samba: Samba, credentials: Credentials, baseline: Baseline
) -> None:
    nt4 = samba("compliant", NT4)
    with filtered_port() as filtered:
        source = live(credentials, baseline, filtered, nt4.port, timeout=4)
        facts = collected(source, baseline)
    assert facts.problems == ()
    assert facts.notes == (
        f"smb://{HOST}:{nt4.port}: connected on port {nt4.port} (NetBIOS session service) "
        f"after {filtered}: timed out: no answer",
    )
    # The connection to "445" had half of the 4 s; 139 the rest.
    assert 1.9 <= source.stats.seconds < 4


def test_one_deadline_covers_both_ports(credentials: Credentials, baseline: Baseline) -> None:
    with filtered_port() as filtered, listening(silent) as service:
        source = live(credentials, baseline, filtered, service.port, timeout=1)
        started = time.monotonic()
        facts = collected(source, baseline)
        took = time.monotonic() - started
    (problem,) = facts.problems
    assert problem.startswith(f"smb://{HOST}: cannot connect: {filtered}: timed out: no answer; ")
    assert problem[problem.index("; ") + 2 :] == (
        f"{service.port}: NetBIOS session request timed out: the server took more than 1 s in all"
    )
    assert service.accepted == 1
    assert took < 1.5
