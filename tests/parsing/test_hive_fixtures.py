"""Hives written by hivex (tests/assets/hives), read as Windows reads them: strings end at their
first NUL, logs are not evidence, a dirty hive is replayed or read with a note, a SOFTWARE
hive is named and set aside, and a SYSTEM hive without the MTA's keys still says so."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from auditor.baseline import Baseline, default_baseline_path, load_baseline
from auditor.collect import collect
from auditor.evaluation import evaluate
from auditor.evidence import FolderSource
from auditor.evidence.interface import EvidenceSource
from auditor.evidence.zip import ZipSource
from auditor.facts import ServerFacts
from auditor.parsing.hive_log import replay_logs
from auditor.verdicts import Status

REPO = Path(__file__).resolve().parents[2]
HIVES = REPO / "tests" / "assets" / "hives"
HIVEX = shutil.which("hivexregedit")
needs_hivex = pytest.mark.skipif(
    HIVEX is None,
    reason="hivex is not installed (apt-get install libhivex-bin libwin-hivex-perl): the "
    "committed hives are read, but not rebuilt and compared",
)
DIRTY_NOTE = (
    "dirty hive (sequence numbers 41 and 40) and no transaction log beside it: read as it "
    "is; its last writes may be missing"
)


@pytest.fixture(scope="module")
def baseline() -> Baseline:
    return load_baseline(default_baseline_path())


def folder(tmp_path: Path, files: dict[str, str]) -> FolderSource:
    """A server folder EXCH01 whose ``files`` (path: fixture name) are copies of fixtures."""
    root = tmp_path / "EXCH01"
    for relative, fixture in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(HIVES / fixture, root / relative)
    return FolderSource(root)


def scan(source: EvidenceSource, baseline: Baseline) -> ServerFacts:
    facts = collect(source, baseline)
    assert facts.problems == (), facts.problems
    return facts


def override(facts: ServerFacts) -> str | None:
    assert facts.registry is not None
    (found,) = (o for o in facts.registry.overrides if o.connector == "TCP to MTA B")
    return found.value


@needs_hivex
def test_the_script_rebuilds_the_committed_hives(tmp_path: Path) -> None:
    subprocess.run(
        ["bash", str(HIVES / "make_hives.sh"), str(tmp_path)],
        check=True,
        capture_output=True,
        env={**os.environ, "PYTHON": sys.executable},
    )
    built = sorted(path.name for path in tmp_path.iterdir())
    committed = sorted(p.name for p in HIVES.iterdir() if p.suffix not in (".reg", ".sh"))
    assert built == committed
    for name in built:
        assert (tmp_path / name).read_bytes() == (HIVES / name).read_bytes(), (
            f"{name}: run tests/assets/hives/make_hives.sh and commit the result"
        )


def test_strings_end_at_their_first_nul(tmp_path: Path, baseline: Baseline) -> None:
    registry = scan(folder(tmp_path, {"registry/SYSTEM": "trailing.SYSTEM"}), baseline).registry
    assert registry is not None
    assert registry.image_path == "C:\\exchsrvr\\bin\\emsmta.exe"
    assert {(o.connector, o.value, o.value_type) for o in registry.overrides} == {
        ("TCP to MTA B", "10.0.0.5", "REG_SZ"),
        ("TCP to MTA C", "10.0.0.5", "REG_SZ"),
    }
    # The empty string ends the list: 192.168.7.7 after it is leftover, not an address.
    (adapter,) = registry.adapters
    assert (adapter.name, adapter.addresses, adapter.bound) == ("E100B1", ("10.0.0.5",), True)
    assert registry.remote_access_start == 4


def test_leftover_bytes_do_not_make_a_server_multihomed(tmp_path: Path, baseline: Baseline) -> None:
    facts = scan(folder(tmp_path, {"registry/SYSTEM": "trailing.SYSTEM"}), baseline)
    verdict = evaluate(facts, baseline)
    assert verdict.multihomed is False
    assert verdict.addresses == ("10.0.0.5",)


def test_a_log_beside_a_clean_hive_is_neither_evidence_nor_a_problem(
    tmp_path: Path, baseline: Baseline
) -> None:
    files = {"registry/SYSTEM": "trailing.SYSTEM", "registry/SYSTEM.LOG": "dirty.SYSTEM.LOG"}
    facts = scan(folder(tmp_path, files), baseline)
    assert facts.registry is not None
    assert facts.registry.sources == ("registry/SYSTEM",)
    assert facts.notes == ()


def test_a_log_alone_is_not_reported_as_a_broken_hive(tmp_path: Path, baseline: Baseline) -> None:
    facts = scan(folder(tmp_path, {"registry/SYSTEM.LOG": "dirty.SYSTEM.LOG"}), baseline)
    assert (facts.registry, facts.notes) == (None, ())


def test_a_dirty_hive_without_its_log_is_read_with_a_note(
    tmp_path: Path, baseline: Baseline
) -> None:
    source = folder(tmp_path, {"registry/SYSTEM": "dirty.SYSTEM"})
    facts = scan(source, baseline)
    assert override(facts) == "10.0.0.4"
    assert facts.notes == (f"{source.location}/registry/SYSTEM: {DIRTY_NOTE}",)
    assert facts.notes[0] in evaluate(facts, baseline).warnings


@pytest.mark.parametrize("log_name", ["SYSTEM.LOG", "system.log", "System.Log1"])
def test_a_dirty_hive_is_read_through_its_log(
    tmp_path: Path, baseline: Baseline, log_name: str
) -> None:
    source = folder(
        tmp_path, {"registry/SYSTEM": "dirty.SYSTEM", f"registry/{log_name}": "dirty.SYSTEM.LOG"}
    )
    facts = scan(source, baseline)
    assert override(facts) == "10.0.0.5"
    (note,) = facts.notes
    assert note.startswith(f"{source.location}/registry/SYSTEM: dirty hive (sequence numbers 41")
    assert f"transaction log {log_name} applied to a copy" in note
    # The evidence itself is untouched.
    evidence = (source.root / "registry" / "SYSTEM").read_bytes()
    assert evidence == (HIVES / "dirty.SYSTEM").read_bytes()


def test_a_log_in_another_folder_is_not_the_hives(tmp_path: Path, baseline: Baseline) -> None:
    files = {"registry/SYSTEM": "dirty.SYSTEM", "registry/old/SYSTEM.LOG": "dirty.SYSTEM.LOG"}
    facts = scan(folder(tmp_path, files), baseline)
    assert override(facts) == "10.0.0.4"
    assert [note.endswith(DIRTY_NOTE) for note in facts.notes] == [True]


def test_a_dirty_hive_in_a_zip_is_replayed_from_the_zip(tmp_path: Path, baseline: Baseline) -> None:
    bundle = tmp_path / "EXCH01.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.write(HIVES / "dirty.SYSTEM", "registry/SYSTEM")
        archive.write(HIVES / "dirty.SYSTEM.LOG", "registry/SYSTEM.LOG")
    facts = scan(ZipSource(bundle), baseline)
    assert override(facts) == "10.0.0.5"


@needs_hivex
def test_hivex_reads_the_replayed_hive_as_the_written_state(tmp_path: Path) -> None:
    log = (HIVES / "dirty.SYSTEM.LOG").read_bytes()
    replay = replay_logs((HIVES / "dirty.SYSTEM").read_bytes(), [("SYSTEM.LOG", log)], 1 << 26)
    assert (replay.applied, replay.refused) == (("SYSTEM.LOG",), ())
    path = tmp_path / "replayed"
    path.write_bytes(replay.data)
    exported = subprocess.run(
        [str(HIVEX), "--export", str(path), "\\"], check=True, capture_output=True, text=True
    ).stdout
    address = ",".join(f"{byte:02x}" for byte in "10.0.0.5\0".encode("utf-16-le"))
    assert f'"Stack IP Address Override"=hex(1):{address}' in exported


def test_a_system_hive_without_the_mta_is_evidence_of_no_mta(
    tmp_path: Path, baseline: Baseline
) -> None:
    facts = scan(folder(tmp_path, {"registry/SYSTEM": "plain.SYSTEM"}), baseline)
    registry = facts.registry
    assert registry is not None
    assert (registry.control_set, registry.mta_service, registry.adapters) == (
        "ControlSet002",
        False,
        (),
    )
    assert evaluate(facts, baseline).status is Status.NOT_APPLICABLE


def test_a_software_hive_beside_a_system_hive_is_a_note(tmp_path: Path, baseline: Baseline) -> None:
    alone = scan(folder(tmp_path / "a", {"registry/SYSTEM": "trailing.SYSTEM"}), baseline)
    files = {"registry/SYSTEM": "trailing.SYSTEM", "registry/SOFTWARE": "SOFTWARE"}
    source = folder(tmp_path / "b", files)
    both = scan(source, baseline)
    assert both.registry == alone.registry  # sources too: SOFTWARE is not one
    assert both.notes == (
        f"{source.location}/registry/SOFTWARE: a SOFTWARE hive, not SYSTEM: not registry "
        "evidence for this audit",
    )
    verdict, before = evaluate(both, baseline), evaluate(alone, baseline)
    assert (verdict.status, verdict.reasons) == (before.status, before.reasons)
    assert both.notes[0] in verdict.warnings


def test_a_software_hive_alone_leaves_the_server_without_registry_evidence(
    tmp_path: Path, baseline: Baseline
) -> None:
    facts = scan(folder(tmp_path, {"registry/SOFTWARE": "SOFTWARE"}), baseline)
    assert facts.registry is None
    verdict = evaluate(facts, baseline)
    assert verdict.status is Status.INCOMPLETE
    assert any("no readable registry evidence" in reason for reason in verdict.reasons)
    assert any("a SOFTWARE hive, not SYSTEM" in warning for warning in verdict.warnings)
