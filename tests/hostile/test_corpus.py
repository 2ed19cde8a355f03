"""The hostile corpus, one test per case: each bad input is a problem naming its file.

A module-scoped fleet holds every case as a server (tests/hostile/fleet.py); it is scanned
once and each case is checked against the server's verdict.
"""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from auditor.audit import scan
from auditor.baseline import Baseline, FileKind
from auditor.collect import collect
from auditor.evidence import FolderSource
from auditor.parsing.connectors_csv import parse_connectors
from auditor.parsing.registry import RegType
from auditor.verdicts import AuditResult, ConnectorResult, ServerVerdict, Status
from tests.builders.hostile import corpus
from tests.hostile.fleet import ACCEPTED, CASES, CORPUS, DATA_COPIES, GIB2, is_sparse


@pytest.fixture(scope="module")
def fleet(hostile_fleet: Path) -> Path:
    return hostile_fleet


@pytest.fixture(scope="module")
def result(fleet: Path, baseline: Baseline) -> AuditResult:
    return scan(fleet, baseline)


def verdict_of(result: AuditResult, server: str) -> ServerVerdict:
    return next(verdict for verdict in result.servers if verdict.server == server)


def test_the_generator_rebuilds_the_committed_corpus(tmp_path: Path) -> None:
    script = CORPUS / "make_corpus.py"
    subprocess.run([sys.executable, str(script), str(tmp_path)], check=True, capture_output=True)
    made = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    committed = {
        p.relative_to(CORPUS).as_posix()
        for p in CORPUS.rglob("*")
        if p.is_file() and p.parts[len(CORPUS.parts)] != "fuzz" and p.suffix != ".py"
    }
    assert made == committed == set(corpus())
    for name in made:
        new, old = (tmp_path / name).read_bytes(), (CORPUS / name).read_bytes()
        if name.endswith(".zip"):  # deflate's bytes may differ between zlib builds
            assert _members(new) == _members(old), name
        else:
            assert new == old, f"{name}: run python tests/assets/hostile/make_corpus.py"


def _members(data: bytes) -> list[tuple[str, int, int, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as bundle:
        return [
            (info.filename, info.flag_bits, info.file_size, _raw(bundle, info))
            for info in bundle.infolist()
        ]


def _raw(bundle: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    if info.flag_bits & 1:  # the encrypted flag is set on plain data: compare the headers only
        return b""
    return bundle.read(info)


def test_the_big_files_are_sparse(fleet: Path) -> None:
    for server in ("pe-sparse-2gb", "pe-sparse-2gb-headers-at-end"):
        emsmta = fleet / server / CASES[server].evidence
        assert emsmta.stat().st_size == GIB2
        if not is_sparse(emsmta):
            pytest.skip(f"{emsmta}: this file system made no hole; the 2 GB file is real")


@pytest.mark.parametrize("server", sorted(CASES))
def test_a_bad_input_makes_its_server_incomplete_with_a_reason_naming_it(
    result: AuditResult, fleet: Path, server: str
) -> None:
    case = CASES[server]
    verdict = verdict_of(result, server)
    assert verdict.status is Status.INCOMPLETE
    location = fleet / server if (fleet / server).exists() else fleet / f"{server}.zip"
    where = f"{location}/{case.evidence}".rstrip("/")
    naming = [reason for reason in verdict.reasons if where in reason and case.problem in reason]
    assert naming, f"no reason names {where} and {case.problem!r}: {verdict.reasons}"


def test_a_folder_named_like_a_binary_is_not_read_as_one(result: AuditResult) -> None:
    verdict = verdict_of(result, "pe-directory")
    assert "Emsmta.exe is not in the evidence" in verdict.reasons
    assert [f.path for f in verdict.files if f.path] == []


def test_names_with_nul_characters_are_kept(fleet: Path, baseline: Baseline) -> None:
    facts = collect(FolderSource(fleet / "reg-nul-in-names"), baseline)
    assert facts.problems == ()
    assert facts.registry is not None
    [override] = facts.registry.overrides
    assert override.connector == "TCP\0to MTA B"
    assert override.value is None  # the value's name holds a NUL: it is not the override


@pytest.mark.parametrize(
    ("server", "blob"),
    [("reg-continuation-at-end", b"\x01\x02"), ("reg-hex-odd-digits", b"\x01\x02\x03")],
)
def test_exports_regedit_imports_are_read_as_it_reads_them(
    fleet: Path, server: str, blob: bytes
) -> None:
    from auditor.parsing.regfile import parse_reg

    export = parse_reg((fleet / server / ACCEPTED[server]).read_bytes(), server)
    assert export.skipped == ()
    assert [op.value.data for op in export.operations if hasattr(op, "value")] == [blob]


def test_a_skipped_line_under_the_mta_key_is_a_problem_of_collect(
    fleet: Path, baseline: Baseline
) -> None:
    facts = collect(FolderSource(fleet / "reg-unterminated-string"), baseline)
    assert [problem for problem in facts.problems if "unterminated string" in problem] == [
        f"{fleet / 'reg-unterminated-string'}/{CASES['reg-unterminated-string'].evidence}: "
        "line 4 skipped, as regedit would: unterminated string (under "
        "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\MSExchangeMTA)"
    ]
    assert facts.registry is not None and facts.registry.image_path is None


def test_every_accepted_input_is_reported(result: AuditResult) -> None:
    for server in ACCEPTED:
        assert verdict_of(result, server).status is Status.INCOMPLETE  # no MTA files at all


# --- connectors inventory ---------------------------------------------------------------


def inventory(name: str) -> Path:
    return CORPUS / "connectors" / name


def test_an_inventory_without_its_columns_is_a_named_note(tmp_path: Path) -> None:
    from auditor.audit import load_inventory

    loaded = load_inventory(tmp_path, inventory("missing-columns.csv"))
    assert loaded is not None and loaded.error is not None
    assert str(inventory("missing-columns.csv")) in loaded.error
    assert "lacks the column 'obj_dist_name'" in loaded.error


def test_a_duplicate_row_is_a_problem_naming_its_line() -> None:
    loaded = parse_connectors(inventory("duplicate-rows.csv"))
    assert len(loaded.entries) == 1
    assert loaded.problems == (
        f"{inventory('duplicate-rows.csv')}:3: duplicate connector 'TCP to MTA B' of 'MTA-A'",
    )


@pytest.mark.parametrize(
    ("name", "rdn"), [("bom.csv", "TCP to MTA B"), ("cp1252.csv", "Connecteur Rhône")]
)
def test_a_bom_or_cp1252_inventory_is_read(name: str, rdn: str) -> None:
    loaded = parse_connectors(inventory(name))
    assert [(e.server, e.rdn) for e in loaded.entries] == [("MTA-A", rdn)]
    assert loaded.problems == ()


def test_an_rdn_with_a_backslash_matches_no_nested_key(tmp_path: Path, baseline: Baseline) -> None:
    """``TCP\\to MTA B`` cannot name a registry key; it must not find ``TCP`` -> ``to MTA B``."""
    from auditor.audit import load_inventory

    server = tmp_path / "fleet" / "MTA-A" / "registry"
    server.mkdir(parents=True)
    nested = "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\MSExchangeMTA\\Parameters"
    (server / "SYSTEM.reg").write_bytes(
        b"REGEDIT4\r\n\r\n"
        + f"[{nested}\\TCP\\to MTA B]\r\n".encode()
        + b'"Stack IP Address Override"="10.0.0.5"\r\n'
        + b"[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\El90x1"
        + b"\\Parameters\\Tcpip]\r\n"
        + b'"IPAddress"=hex(7):31,30,2e,30,2e,30,2e,35,00,31,30,2e,30,2e,30,2e,36,00,00\r\n'
    )
    loaded = load_inventory(tmp_path / "fleet", inventory("rdn-backslash.csv"))
    verdict = verdict_of(scan(tmp_path / "fleet", baseline, loaded), "MTA-A")
    results = {finding.connector: finding.result for finding in verdict.connectors}
    assert results == {
        "TCP\\to MTA B": ConnectorResult.MISSING,
        "TCP": ConnectorResult.NO_CONNECTOR,
    }
    assert verdict.status is Status.EXPOSED
    assert "connector 'TCP\\\\to MTA B': no override value" in verdict.reasons


def test_the_names_export_is_read_with_its_odd_names(fleet: Path, baseline: Baseline) -> None:
    server = fleet.parent / "names-only" / "registry"
    server.mkdir(parents=True, exist_ok=True)
    (server / "SYSTEM.reg").write_bytes((CORPUS / "names" / "SYSTEM.reg").read_bytes())
    facts = collect(FolderSource(server.parent), baseline)
    assert facts.problems == ()
    assert facts.registry is not None
    names = {override.connector for override in facts.registry.overrides}
    assert "L" * 40_000 in names and any("\x1b" in name for name in names)
    assert RegType.SZ.value in {override.value_type for override in facts.registry.overrides}


# --- bounds on one server's evidence -------------------------------------------------------


def test_files_past_the_open_limit_are_one_problem(
    tmp_path: Path, baseline: Baseline, monkeypatch: pytest.MonkeyPatch
) -> None:
    """100,000 planted copies would take minutes; the cap is lowered here to keep the test small."""
    from auditor import collect as collect_module

    monkeypatch.setattr(collect_module, "MAX_OPENED", 3)
    server = tmp_path / "MANY"
    for number in range(5):
        copy = server / "C$" / f"copy{number}" / "Emsmta.exe"
        copy.parent.mkdir(parents=True)
        copy.write_bytes(b"MZ")
    facts = collect(FolderSource(server), baseline)
    assert len(facts.files) == 3
    assert facts.problems == (
        f"{server}: more than 3 copies of the baseline's files and candidate registry files; "
        "2 files from C$/copy3/Emsmta.exe on not examined",
    )


def test_registry_evidence_past_the_budget_is_named_and_not_read(
    tmp_path: Path, baseline: Baseline, monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditor import collect as collect_module

    export = (CORPUS / "reg" / "sound-v5.reg").read_bytes()
    monkeypatch.setattr(collect_module, "MAX_REGISTRY_BYTES", len(export) + 10)
    registry = tmp_path / "SRV" / "registry"
    registry.mkdir(parents=True)
    for name in ("a.reg", "b.reg"):
        (registry / name).write_bytes(export)
    facts = collect(FolderSource(registry.parent), baseline)
    assert facts.registry is not None and facts.registry.sources == ("registry/a.reg",)
    [problem] = facts.problems
    assert problem.startswith(f"{registry}/b.reg: not read: the server's registry evidence")


def test_the_operation_budget_spans_a_server_s_exports(
    tmp_path: Path, baseline: Baseline, monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditor import collect as collect_module

    monkeypatch.setattr(collect_module, "MAX_OPERATIONS", 3)  # sound-v5.reg holds 2
    registry = tmp_path / "SRV" / "registry"
    registry.mkdir(parents=True)
    for name in ("a.reg", "b.reg"):
        (registry / name).write_bytes((CORPUS / "reg" / "sound-v5.reg").read_bytes())
    facts = collect(FolderSource(registry.parent), baseline)
    [problem] = facts.problems
    assert problem.startswith(f"{registry}/b.reg: line ")
    assert problem.endswith("more than 1 keys, values and skipped lines to read")


def test_data_files_are_refused_by_their_size_unread(
    result: AuditResult, hostile_fleet: Path, baseline: Baseline
) -> None:
    assert verdict_of(result, "data-sparse-copies").status is Status.INCOMPLETE
    source = FolderSource(hostile_fleet / "data-sparse-copies")
    facts = collect(source, _with_reference_hashes(baseline))
    assert len(facts.files) == DATA_COPIES
    for fact in facts.files:
        assert fact.bytes_read == 0 and fact.error is not None
        assert fact.error.endswith(
            ": 2147483648 bytes, larger than the 67108864 a data file is hashed up to"
        )
    # Without a reference hash to compare with, no data file is read at all.
    unhashed = collect(source, baseline)
    assert len(unhashed.files) == DATA_COPIES
    assert all(f.bytes_read == 0 and f.error is None and f.sha256 is None for f in unhashed.files)


def _with_reference_hashes(baseline: Baseline) -> Baseline:
    """The baseline with a reference hash on every data file: data files are then hashed."""
    files = tuple(
        replace(item, sha256="0" * 64) if item.kind is FileKind.DATA else item
        for item in baseline.files
    )
    return replace(baseline, files=files)


def test_data_files_past_the_server_budget_are_not_hashed(
    tmp_path: Path, baseline: Baseline, monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditor import collect as collect_module

    monkeypatch.setattr(collect_module, "MAX_DATA_BYTES", 150)
    for copy in range(3):
        data = tmp_path / "SRV" / "C$" / f"copy{copy}" / "Dbserver.sch"
        data.parent.mkdir(parents=True)
        data.write_bytes(b"x" * 60)
    facts = collect(FolderSource(tmp_path / "SRV"), _with_reference_hashes(baseline))
    hashed = [fact for fact in facts.files if fact.sha256]
    refused = [fact.error for fact in facts.files if fact.error]
    assert len(hashed) == 2
    assert refused == [
        f"{tmp_path}/SRV/C$/copy2/Dbserver.sch: not hashed: the server's data files pass "
        "150 bytes in all"
    ]
