"""Reference hashes: capture a known-good server, then scan with the captured baseline."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from auditor.baseline import FileKind, default_baseline_path, load_baseline
from auditor.cli import ExitCode, main
from auditor.errors import BaselineError
from tests.conftest import EXAMPLE_FLEET

GOOD = "compliant-sp2-single-homed"
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), stdout=out, stderr=err, now=NOW), out.getvalue(), err.getvalue()


def bin_file(server: Path, name: str) -> Path:
    return next(p for p in (server / "C$" / "exchsrvr" / "bin").iterdir() if p.name == name)


@pytest.fixture
def reference(tmp_path) -> Path:
    out = tmp_path / "baselines" / "local-reference.toml"
    code, text, err = run("baseline", "capture", str(EXAMPLE_FLEET / GOOD), "--out", str(out))
    assert code == ExitCode.OK, err
    assert f"{out}: reference hashes of 13 files" in text
    return out


def test_the_capture_extends_the_shipped_baseline_with_every_hash(reference):
    loaded = load_baseline(reference)
    shipped = load_baseline(default_baseline_path())
    assert loaded.parent == shipped.source
    assert loaded.source == str(reference)
    assert [(f.name, f.kind, f.min_version) for f in loaded.files] == [
        (f.name, f.kind, f.min_version) for f in shipped.files
    ]
    # Hashed here with hashlib over the example files, not through the evidence readers.
    for file in loaded.files:
        expected = hashlib.sha256(bin_file(EXAMPLE_FLEET / GOOD, file.name.upper()).read_bytes())
        assert file.sha256 == expected.hexdigest(), file.name
    assert {f.kind for f in loaded.files} == {FileKind.PE, FileKind.DATA}


def test_a_scan_with_the_capture_catches_a_changed_and_a_missing_data_file(reference, tmp_path):
    fleet = tmp_path / "fleet"
    for name in ("same", "edited", "lacking"):
        shutil.copytree(EXAMPLE_FLEET / GOOD, fleet / name)
    with bin_file(fleet / "edited", "INFOTLOG.CFG").open("ab") as stream:
        stream.write(b"\r\n; edited by an administrator\r\n")
    bin_file(fleet / "lacking", "P2.XV2").unlink()
    saved = tmp_path / "run.json"
    code, _, err = run("scan", str(fleet), "--baseline", str(reference), "--json", str(saved))
    assert code == ExitCode.OK, err  # warnings never change the status
    servers = {s["server"]: s for s in json.loads(saved.read_text("utf-8"))["servers"]}
    assert {s["status"] for s in servers.values()} == {"compliant"}

    def results(server: str) -> dict[str, str]:
        return {f["name"]: f["result"] for f in servers[server]["files"] if f["kind"] == "data"}

    assert set(results("same").values()) == {"matches-reference"}
    assert results("edited")["Infotlog.cfg"] == "differs-from-reference"
    assert any("Infotlog.cfg" in w and "differs" in w for w in servers["edited"]["warnings"])
    assert results("lacking")["P2.xv2"] == "missing"
    assert any("P2.xv2: data file not found" in w for w in servers["lacking"]["warnings"])
    assert servers["same"]["warnings"] == []


def judged_data_files(tmp_path: Path, reference: Path, collected_with: Path) -> dict[str, object]:
    """Collect the good server's fleet against ``collected_with``, judge against the capture."""
    fleet = tmp_path / "fleet"
    if not fleet.exists():
        shutil.copytree(EXAMPLE_FLEET / GOOD, fleet / GOOD)
    facts, report = tmp_path / f"facts-{collected_with.stem}.json", tmp_path / "run.json"
    code, _, err = run(
        "collect", str(fleet), "--baseline", str(collected_with), "--facts", str(facts)
    )
    assert code == ExitCode.OK, err
    snapshot = json.loads(facts.read_text("utf-8"))
    code, _, err = run("judge", str(facts), "--baseline", str(reference), "--json", str(report))
    assert code == ExitCode.OK, err  # warnings never change the status
    document = json.loads(report.read_text("utf-8"))
    [server] = document["servers"]
    return {"snapshot": snapshot, "server": server, "notes": document["notes"]}


def test_facts_collected_without_hashes_leave_the_data_files_not_checked(reference, tmp_path):
    judged = judged_data_files(tmp_path, reference, default_baseline_path())
    snapshot, server = judged["snapshot"], judged["server"]
    assert isinstance(snapshot, dict) and isinstance(server, dict)
    # The shipped baseline has no reference hash: nothing was hashed, and the snapshot says so.
    assert snapshot["baseline"]["hashed"] == []
    data = [f for f in snapshot["servers"][0]["files"] if f["name"].casefold().endswith(DATA)]
    assert len(data) == 7 and all(f["sha256"] is None and f["bytes_read"] == 0 for f in data)
    results = {f["name"]: f["result"] for f in server["files"] if f["kind"] == "data"}
    assert len(results) == 7 and set(results.values()) == {"not-checked"}
    not_checked = [w for w in server["warnings"] if "not checked against the reference" in w]
    assert len(not_checked) == 7
    assert all(w.endswith("collect again with this baseline") for w in not_checked)
    assert any("the collection did not hash" in note for note in judged["notes"])
    assert server["status"] == "compliant"


def test_facts_collected_with_the_reference_hashes_are_checked(reference, tmp_path):
    judged = judged_data_files(tmp_path, reference, reference)
    snapshot, server = judged["snapshot"], judged["server"]
    assert isinstance(snapshot, dict) and isinstance(server, dict)
    hashed = load_baseline(reference)
    assert snapshot["baseline"]["hashed"] == [
        f.name for f in hashed.files if f.kind is FileKind.DATA
    ]
    # Hashed here with hashlib over the example files, not through the evidence readers.
    for fact in snapshot["servers"][0]["files"]:
        if fact["name"].casefold().endswith(DATA):
            content = bin_file(EXAMPLE_FLEET / GOOD, fact["name"].upper()).read_bytes()
            assert fact["sha256"] == hashlib.sha256(content).hexdigest()
    results = {f["name"]: f["result"] for f in server["files"] if f["kind"] == "data"}
    assert len(results) == 7 and set(results.values()) == {"matches-reference"}
    assert server["warnings"] == []
    assert not any("the collection did not hash" in note for note in judged["notes"])


DATA = (".sch", ".cat", ".cfg", ".xv2")


def test_a_server_that_is_not_good_gives_no_reference(tmp_path):
    out = tmp_path / "ref.toml"
    code, _, err = run(
        "baseline", "capture", str(EXAMPLE_FLEET / "below-baseline-sp1-single-homed"),
        "--out", str(out),
    )  # fmt: skip
    assert code == ExitCode.FAILED
    assert "not a known-good server" in err and "Emsmta.exe" in err
    assert not out.exists()


def child(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "child.toml"
    path.write_text(f'extends = "q197378.toml"\n{body}', encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[[files]]\nname = "Nope.dll"\nsha256 = "' + "a" * 64 + '"\n', "not a file of"),
        ('[[files]]\nname = "P2.xv2"\nsha256 = "abc"\n', "64 hex"),
        ('[[files]]\nname = "P2.xv2"\nkind = "data"\n', "unknown key 'kind'"),
        ("[article]\nid = 'X'\n", "unknown key 'article'"),
    ],
)
def test_a_child_baseline_is_loaded_strictly(tmp_path, body, message):
    with pytest.raises(BaselineError, match=message):
        load_baseline(child(tmp_path, body))


def test_a_missing_parent_is_named(tmp_path):
    path = tmp_path / "child.toml"
    path.write_text('extends = "elsewhere/base.toml"\n', encoding="utf-8")
    with pytest.raises(BaselineError, match=r"child\.toml:1: extends 'elsewhere/base\.toml'"):
        load_baseline(path)


def test_a_loop_of_parents_is_an_error(tmp_path):
    (tmp_path / "a.toml").write_text('extends = "b.toml"\n', encoding="utf-8")
    (tmp_path / "b.toml").write_text('extends = "a.toml"\n', encoding="utf-8")
    with pytest.raises(BaselineError, match="a loop"):
        load_baseline(tmp_path / "a.toml")


def test_evidence_kept_for_later_has_its_data_files_read_and_hashed(tmp_path):
    fleet, facts, kept = tmp_path / "fleet", tmp_path / "facts.json", tmp_path / "kept"
    shutil.copytree(EXAMPLE_FLEET / GOOD, fleet / GOOD)
    code, _, err = run("collect", str(fleet), "--save-evidence", str(kept), "--facts", str(facts))
    assert code == ExitCode.OK, err
    snapshot = json.loads(facts.read_text("utf-8"))
    shipped = load_baseline(default_baseline_path())
    assert snapshot["baseline"]["hashed"] == [
        f.name for f in shipped.files if f.kind is FileKind.DATA
    ]
    for fact in snapshot["servers"][0]["files"]:
        if fact["name"].casefold().endswith(DATA):
            original = bin_file(EXAMPLE_FLEET / GOOD, fact["name"].upper()).read_bytes()
            # Kept whole, so that a later scan against a reference hash sees the same bytes.
            assert bin_file(kept / GOOD, fact["name"].upper()).read_bytes() == original
            assert fact["sha256"] == hashlib.sha256(original).hexdigest()
