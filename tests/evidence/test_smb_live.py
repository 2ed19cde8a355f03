"""Live collection against a real Samba smbd on 127.0.0.1, over SMB1 and over SMB2/3."""

from __future__ import annotations

import socket
import threading
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from impacket.smbconnection import SessionError, SMBConnection

from auditor.audit import ReportPaths, scan, write_reports
from auditor.baseline import Baseline, FileKind, default_baseline_path, load_baseline
from auditor.collect import collect
from auditor.errors import EvidenceError
from auditor.evaluation import evaluate
from auditor.evidence.credentials import Credentials
from auditor.evidence.recording import RecordingSource
from auditor.evidence.regexport import LIVE_KEY_TIMES
from auditor.evidence.smb import REGISTRY_FILE, SmbSource
from auditor.facts import ServerFacts
from auditor.parsing.regfile import parse_reg
from auditor.parsing.registry import RegistryTree, RegType, RegValue
from auditor.verdicts import AuditResult, Status
from tests.builders.mta_files import PE_FILES
from tests.evidence.conftest import (
    ADAPTERS,
    MTA,
    MTA_ON_D,
    MTA_ON_E,
    OVERRIDE,
    PAD,
    PROTOCOLS,
    SERVICES,
    london_connector,
)
from tests.evidence.samba import SambaServer

Samba = Callable[[str, str], SambaServer]
CANARY = "Wr0ng-canary-p4ssw0rd"
WHEN = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def baseline() -> Baseline:
    return load_baseline(default_baseline_path())


def source(
    server: SambaServer,
    credentials: Credentials,
    baseline: Baseline,
    name: str = "EXCH01",
    **options: object,
) -> SmbSource:
    names = [item.name for item in baseline.files]
    return SmbSource(
        name, "127.0.0.1", server.port, credentials, file_names=names, timeout=30, **options
    )  # type: ignore[arg-type]


def collected(live: SmbSource, baseline: Baseline) -> ServerFacts:
    try:
        return collect(live, baseline)
    finally:
        live.close()


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize(
    ("scenario", "status"), [("compliant", Status.COMPLIANT), ("exposed", Status.EXPOSED)]
)
def test_a_live_server_gets_its_verdict(
    samba: Samba,
    credentials: Credentials,
    baseline: Baseline,
    scenario: str,
    status: Status,
    protocol: str,
) -> None:
    live = source(samba(scenario, protocol), credentials, baseline)
    facts = collected(live, baseline)
    assert facts.problems == ()
    assert live.stats.dialect == ("NT LM 0.12" if protocol == "SMB1" else live.stats.dialect)
    assert (live.stats.dialect == "NT LM 0.12") == (protocol == "SMB1")
    assert len(facts.files) == len(baseline.files)
    assert {fact.path.split("/")[:3] == ["C$", "exchsrvr", "bin"] for fact in facts.files} == {True}
    verdict = evaluate(facts, baseline, london_connector(live.server))
    assert verdict.status is status, verdict.reasons
    assert verdict.multihomed is True


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_the_registry_read_live_round_trips_through_the_reg_parser(
    samba: Samba, credentials: Credentials, baseline: Baseline, protocol: str
) -> None:
    live = source(samba("compliant", protocol), credentials, baseline)
    try:
        files, problems = live.list_files()
        assert problems == []
        assert REGISTRY_FILE in [file.path for file in files]
        export = live.read_all(REGISTRY_FILE, 1 << 20)
        # Samba 4.17 answers BaseRegQueryInfoKey with a FILETIME of 0: no time is known,
        # and the times file beside the export holds its comment line alone.
        assert LIVE_KEY_TIMES in [file.path for file in files]
        assert live.read_all(LIVE_KEY_TIMES, 1 << 20).decode().count("\n") == 1
    finally:
        live.close()
    tree = RegistryTree()
    tree.apply(parse_reg(export, REGISTRY_FILE).operations)
    mta = tree.find(f"{SERVICES}\\{MTA}")
    assert mta is not None
    assert mta.value("ImagePath") == RegValue(
        "ImagePath", RegType.EXPAND_SZ, "C:\\exchsrvr\\bin\\emsmta.exe"
    )
    # Only the values the verdict needs are read, each by name.
    assert [value.name for value in mta.values()] == ["ImagePath"]
    parameters = tree.find(f"{SERVICES}\\{MTA}\\Parameters")
    assert parameters is not None
    assert parameters.values() == []
    override = tree.find(f"{SERVICES}\\{MTA}\\Parameters\\TCP to LONDON")
    assert override is not None
    assert override.value("Stack IP Address Override") == RegValue(
        "Stack IP Address Override", RegType.SZ, OVERRIDE
    )
    linkage = tree.find(f"{SERVICES}\\Tcpip\\Linkage")
    assert linkage is not None
    bind = linkage.value("Bind")
    assert bind is not None
    assert bind.data == tuple(f"\\Device\\{name}" for name in ADAPTERS)
    for adapter, addresses in ADAPTERS.items():
        tcpip = tree.find(f"{SERVICES}\\{adapter}\\Parameters\\Tcpip")
        assert tcpip is not None
        assert tcpip.value("IPAddress") == RegValue("IPAddress", RegType.MULTI_SZ, addresses)
        assert tcpip.value("EnableDHCP") == RegValue("EnableDHCP", RegType.DWORD, 0)
    # Nor is any other service.
    assert tree.find(f"{SERVICES}\\{MTA_ON_D}") is None


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_only_the_version_ranges_of_a_pe_file_cross_the_wire(
    samba: Samba, credentials: Credentials, baseline: Baseline, protocol: str
) -> None:
    live = source(samba("compliant", protocol), credentials, baseline)
    facts = collected(live, baseline)
    pe_names = {name.casefold() for name in PE_FILES}
    pe_facts = [fact for fact in facts.files if fact.name.casefold() in pe_names]
    assert len(pe_facts) == len(PE_FILES)
    overhead = []
    for fact in pe_facts:
        counted = live.stats.files[fact.path]
        assert counted.bytes == fact.bytes_read
        assert 0 < counted.bytes <= 8 * 1024
        assert counted.reads <= 4
        overhead.append(counted.round_trips - counted.reads)
    # One open and one close a file; the first file opened on the share also bears the
    # share's tree connect (the data files, read before them, once bore it).
    assert sorted(overhead)[:-1] == [2] * (len(overhead) - 1) and overhead.count(3) <= 1
    assert max(overhead) <= 3
    emsmta = next(fact for fact in pe_facts if fact.name == "Emsmta.exe")
    assert emsmta.size > PAD
    data_facts = [fact for fact in facts.files if fact.name.casefold() not in pe_names]
    assert data_facts and all(fact.sha256 is None for fact in data_facts)
    pe_total = sum(live.stats.files[fact.path].bytes for fact in pe_facts)
    # Without a reference hash in the baseline, no data file is read: sizes come from listing.
    assert live.stats.file_bytes == pe_total


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_files_are_opened_read_only_on_a_read_only_share(
    samba: Samba, credentials: Credentials, protocol: str
) -> None:
    """The trap: impacket's default open asks for write access, which this share refuses."""
    server = samba("compliant", protocol)
    conn = SMBConnection("127.0.0.1", "127.0.0.1", sess_port=server.port, timeout=10)
    try:
        conn.login(credentials.user, credentials.password)
        tree = conn.connectTree("C$")
        with pytest.raises(SessionError):
            conn.openFile(tree, "exchsrvr\\bin\\EMSMTA.EXE")
    finally:
        conn.close()


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_wrong_password_is_a_logon_failure_and_never_reported(
    samba: Samba, credentials: Credentials, baseline: Baseline, protocol: str, tmp_path: Path
) -> None:
    wrong = replace(credentials, password=CANARY)
    live = source(samba("compliant", protocol), wrong, baseline)
    facts = collected(live, baseline)
    (problem,) = facts.problems
    assert problem.startswith(live.location)
    assert problem == (
        f"{live.location}: cannot log on as {wrong.user}: "
        "logon failure: unknown user or wrong password"
    )
    verdict = evaluate(facts, baseline)
    assert verdict.status is Status.INCOMPLETE
    result = AuditResult(baseline=baseline, generated_at=WHEN, servers=(verdict,))
    paths = ReportPaths(tmp_path / "r.xlsx", tmp_path / "r.csv", tmp_path / "r.json")
    written = write_reports(result, paths)
    texts = [repr(wrong), str(wrong), repr(facts), repr(verdict), repr(live.__dict__)]
    for text in texts:
        assert CANARY not in text
    for path in written:
        data = path.read_bytes()
        assert CANARY.encode() not in data
        assert CANARY.encode("utf-16-le") not in data
        if path.suffix == ".xlsx":  # zipped: look inside as well
            with zipfile.ZipFile(path) as book:
                for member in book.namelist():
                    assert CANARY.encode() not in book.read(member)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_missing_share_is_named(
    samba: Samba, credentials: Credentials, baseline: Baseline, protocol: str
) -> None:
    live = source(samba("compliant", protocol), credentials, baseline, service=MTA_ON_D)
    facts = collected(live, baseline)
    (problem,) = facts.problems
    assert (
        problem == f"{live.location}: cannot list \\\\127.0.0.1\\D$\\exchsrvr\\bin: no such share"
    )
    assert evaluate(facts, baseline).status is Status.INCOMPLETE


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_refused_share_is_access_denied(
    samba: Samba, credentials: Credentials, baseline: Baseline, protocol: str
) -> None:
    live = source(samba("compliant", protocol), credentials, baseline, service=MTA_ON_E)
    facts = collected(live, baseline)
    (problem,) = facts.problems
    assert (
        problem == f"{live.location}: cannot list \\\\127.0.0.1\\E$\\exchsrvr\\bin: access denied"
    )
    assert evaluate(facts, baseline).status is Status.INCOMPLETE


class Clock:
    """Time that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_server_past_its_time_limit_is_read_no_further(
    samba: Samba, credentials: Credentials, baseline: Baseline, protocol: str
) -> None:
    clock = Clock()
    live = source(samba("compliant", protocol), credentials, baseline, clock=clock)
    try:
        files, problems = live.list_files()
        assert problems == []
        binary = next(file for file in files if file.name.casefold() == "emsmta.exe")
        assert live.read_at(binary.path, 0, 2) == b"MZ"
        clock.now = 30.5
        with pytest.raises(EvidenceError) as caught:
            live.read_at(binary.path, 2, 2)
        assert str(caught.value) == (
            f"{live.location}/{binary.path}: cannot read: "
            f"reading {binary.path} timed out: the server took more than 30 s in all"
        )
    finally:
        live.close()


def test_a_closed_port_is_a_refused_connection(
    credentials: Credentials, baseline: Baseline
) -> None:
    with socket.socket() as probe:  # bound, never listening: the port answers with RST
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        live = SmbSource("GONE", "127.0.0.1", port, credentials, timeout=5)
        facts = collected(live, baseline)
    assert facts.problems == (f"smb://127.0.0.1:{port}: cannot connect: connection refused",)
    assert evaluate(facts, baseline).status is Status.INCOMPLETE


def test_an_unknown_name_is_not_resolved(credentials: Credentials, baseline: Baseline) -> None:
    live = SmbSource("NOWHERE", "nowhere.invalid", None, credentials, timeout=5)
    facts = collected(live, baseline)
    (problem,) = facts.problems
    assert problem == "smb://nowhere.invalid: cannot connect: name not resolved"


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never says a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    listener.close()


def test_a_server_that_does_not_answer_times_out(
    credentials: Credentials, baseline: Baseline, silent_port: int
) -> None:
    live = SmbSource("MUTE", "127.0.0.1", silent_port, credentials, timeout=0.3)
    facts = collected(live, baseline)
    (problem,) = facts.problems
    assert problem == (
        f"{live.location}: cannot connect: "
        "SMB negotiation timed out: the server took more than 0.3 s in all"
    )


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_saved_evidence_is_judged_the_same_offline(
    samba: Samba, credentials: Credentials, baseline: Baseline, protocol: str, tmp_path: Path
) -> None:
    saved = tmp_path / "saved"
    live: dict[str, ServerFacts] = {}
    for scenario in ("compliant", "exposed"):
        inner = source(samba(scenario, protocol), credentials, baseline, name=scenario)
        live[scenario] = collected(RecordingSource(inner, saved), baseline)
    inventory = london_connector("compliant", "exposed")
    offline = scan(saved, baseline, inventory)
    assert {v.server: v.status for v in offline.servers} == {
        "compliant": Status.COMPLIANT,
        "exposed": Status.EXPOSED,
    }
    for verdict in offline.servers:
        again = evaluate(live[verdict.server], baseline, inventory)
        assert (verdict.status, verdict.reasons, verdict.files) == (
            again.status,
            again.reasons,
            again.files,
        )
    emsmta = saved / "compliant" / "C$" / "exchsrvr" / "bin" / "EMSMTA.EXE"
    fact = next(f for f in live["compliant"].files if f.name == "Emsmta.exe")
    assert emsmta.stat().st_size == fact.size
    # Only what was read is there: the padding in the middle of the binary is a hole.
    assert emsmta.read_bytes()[fact.size // 2 : fact.size // 2 + 4096] == bytes(4096)
    assert (saved / "compliant" / "registry" / "live.reg").read_bytes().startswith(b"\xff\xfe")
    assert (saved / "compliant" / LIVE_KEY_TIMES).read_bytes().startswith(b"; last-write")
    data_kind = {item.name for item in baseline.files if item.kind is FileKind.DATA}
    for fact in live["compliant"].files:
        if fact.name in data_kind:
            copy = saved / "compliant" / fact.path
            assert copy.read_bytes().startswith(b"; ")
