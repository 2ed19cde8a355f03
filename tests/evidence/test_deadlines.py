"""A live server's time limit holds whatever the server does (issue 16, point 1).

Each hostile server of ``faults`` holds impacket's waits for ever; each test asserts that
the server is given up within its --timeout plus one second, and that the reason names
the step that timed out.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.baseline import Baseline, default_baseline_path, load_baseline
from auditor.collect import collect
from auditor.evidence.credentials import Credentials
from auditor.evidence.smb import SmbSource
from auditor.facts import ServerFacts
from tests.evidence import faults
from tests.evidence.listeners import listening
from tests.evidence.samba import SambaServer

Samba = Callable[[str, str], SambaServer]
TIMEOUT = 1.5
SLACK = 1.0
"""The target: a server is given up at most this long after its timeout."""


@pytest.fixture(scope="module")
def baseline() -> Baseline:
    return load_baseline(default_baseline_path())


def timed(live: SmbSource, baseline: Baseline) -> tuple[ServerFacts, float]:
    """Collect, and the wall time from the first packet to the connection's close."""
    start = time.monotonic()
    try:
        facts = collect(live, baseline)
    finally:
        live.close()
    return facts, time.monotonic() - start


def only_problem(facts: ServerFacts) -> str:
    (problem,) = facts.problems
    return problem


def test_a_tarpit_is_given_up_at_the_deadline(credentials: Credentials, baseline: Baseline) -> None:
    with listening(faults.tarpit) as pit:
        live = SmbSource("PIT", "127.0.0.1", pit.port, credentials, timeout=TIMEOUT)
        facts, took = timed(live, baseline)
    assert took <= TIMEOUT + SLACK
    assert only_problem(facts) == (
        f"smb://127.0.0.1:{pit.port}: cannot connect: "
        f"SMB negotiation timed out: the server took more than {TIMEOUT:g} s in all"
    )


def test_keepalives_for_ever_in_the_session_request_are_cut_off(
    credentials: Credentials, baseline: Baseline
) -> None:
    with listening(faults.session_keepalives) as service:
        live = SmbSource(
            "EXCH01", "127.0.0.1", service.port, credentials, timeout=TIMEOUT,
            netbios_port=service.port,
        )  # fmt: skip
        facts, took = timed(live, baseline)
    assert took <= TIMEOUT + SLACK
    assert only_problem(facts) == (
        f"smb://127.0.0.1:{service.port}: cannot connect: "
        f"NetBIOS session request timed out: the server took more than {TIMEOUT:g} s in all"
    )


@pytest.mark.parametrize(
    "fault",
    [faults.pending_for_ever, faults.keepalives_for_ever, faults.drip_for_ever, faults.stall],
    ids=["STATUS_PENDING", "keep-alives", "drip", "stall"],
)
def test_a_server_that_holds_the_logon_is_given_up_at_the_deadline(
    samba: Samba,
    credentials: Credentials,
    baseline: Baseline,
    fault: faults.Fault,
) -> None:
    smbd = samba("compliant", "SMB2")
    with listening(faults.after_negotiation(smbd.port, fault)) as relay:
        live = SmbSource("EXCH01", "127.0.0.1", relay.port, credentials, timeout=TIMEOUT)
        facts, took = timed(live, baseline)
    assert took <= TIMEOUT + SLACK, took
    assert only_problem(facts) == (
        f"smb://127.0.0.1:{relay.port}: cannot log on as {credentials}: "
        f"logon timed out: the server took more than {TIMEOUT:g} s in all"
    )


def test_a_silent_resolver_is_given_up_at_the_deadline(
    credentials: Credentials, baseline: Baseline
) -> None:
    with faults.silent_dns() as lookup:
        live = SmbSource(
            "EXCH01", "exch01.fault.test", None, credentials, timeout=TIMEOUT, lookup=lookup
        )
        facts, took = timed(live, baseline)
    assert took <= TIMEOUT + SLACK
    assert only_problem(facts) == (
        "smb://exch01.fault.test: cannot connect: "
        f"name lookup timed out: the server took more than {TIMEOUT:g} s in all"
    )


_IN_NAMESPACE = textwrap.dedent(
    """
    import json, socket, sys, time
    from auditor.baseline import default_baseline_path, load_baseline
    from auditor.collect import collect
    from auditor.evidence.credentials import Credentials
    from auditor.evidence.smb import SmbSource

    dns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    dns.bind(("127.0.0.1", 53))  # the resolver's server: it reads, and never answers
    baseline = load_baseline(default_baseline_path())
    live = SmbSource("EXCH01", "exch01.fault.test", None, Credentials("u", "p"),
                     timeout=float(sys.argv[1]))
    start = time.monotonic()
    facts = collect(live, baseline)
    live.close()
    print(json.dumps({"took": time.monotonic() - start, "problems": facts.problems}))
    """
)


def test_a_silent_dns_server_is_given_up_at_the_deadline(tmp_path: Path) -> None:
    """The real resolver, in a private network namespace whose resolv.conf names a UDP
    socket that never answers (glibc waits 5 s a try, twice, without a deadline)."""
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        pytest.skip("needs unshare and ip (util-linux, iproute2)")
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.1\noptions timeout:5 attempts:2\n")
    script = tmp_path / "probe.py"
    script.write_text(_IN_NAMESPACE)
    shell = (
        f"ip link set lo up && mount --bind {resolv} /etc/resolv.conf && "
        f"exec {sys.executable} {script} {TIMEOUT}"
    )
    done = subprocess.run(
        ["unshare", "-rnm", "sh", "-c", shell],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    if done.returncode != 0 and "unshare" in done.stderr:
        pytest.skip(f"no private namespace here: {done.stderr.strip()}")
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["took"] <= TIMEOUT + SLACK
    assert seen["problems"] == [
        "smb://exch01.fault.test: cannot connect: "
        f"name lookup timed out: the server took more than {TIMEOUT:g} s in all"
    ]
