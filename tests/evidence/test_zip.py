"""Zip bundles: read like the folder they came from, and refused when hostile."""

from __future__ import annotations

import contextlib
import random
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

from auditor.audit import load_inventory, scan
from auditor.baseline import Baseline, default_baseline_path, load_baseline
from auditor.collect import collect
from auditor.errors import EvidenceError
from auditor.evaluation import evaluate
from auditor.evidence import ZipSource
from auditor.evidence import zip as zip_module
from auditor.facts import ServerFacts
from auditor.verdicts import AuditResult, ServerVerdict, Status
from tests.builders.bundle import patch, read_field, zip_folder, zip_members

REG = b"REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\X]\r\n"


@pytest.fixture(scope="module")
def baseline() -> Baseline:
    return load_baseline(default_baseline_path())


def listed(source: ZipSource) -> tuple[list[str], list[str]]:
    files, problems = source.list_files()
    return [file.path for file in files], problems


def test_a_zipped_fleet_is_judged_like_the_folders(fleet: Path, tmp_path: Path) -> None:
    zipped = tmp_path / "zipped"
    zipped.mkdir()
    shutil.copy(fleet / "connectors.csv", zipped)
    servers = sorted(entry for entry in fleet.iterdir() if entry.is_dir())
    for number, server in enumerate(servers):
        # Half with a top folder named like the zip, half without; one stored, the rest deflated.
        top = server.name if number % 2 else None
        method = zipfile.ZIP_STORED if number == 0 else zipfile.ZIP_DEFLATED
        zip_folder(server, zipped / f"{server.name}.zip", top=top, method=method)
    baseline = load_baseline(default_baseline_path())
    folders = scan(fleet, baseline, load_inventory(fleet, None))
    bundles = scan(zipped, baseline, load_inventory(zipped, None))

    def judged(result: AuditResult) -> list[tuple[tuple[object, ...], list[tuple[object, ...]]]]:
        return [
            (
                (v.server, v.status, len(v.reasons), v.warnings, v.multihomed, v.addresses),
                [(f.name, f.path, f.fixed_version, f.result) for f in v.files],
            )
            for v in result.servers
        ]

    assert len(bundles.servers) == len(servers)
    assert judged(bundles) == judged(folders)


def test_a_top_folder_is_stripped_only_when_named_like_the_zip(tmp_path: Path) -> None:
    same = zip_members(tmp_path / "EXCH01.zip", {"exch01/registry/a.reg": REG, "exch01/C$/x": b""})
    other = zip_members(tmp_path / "EXCH02.zip", {"stuff/registry/a.reg": REG, "stuff/C$/x": b""})
    assert listed(ZipSource(same)) == (["registry/a.reg", "C$/x"], [])
    assert listed(ZipSource(other)) == (["stuff/registry/a.reg", "stuff/C$/x"], [])


def test_backslashes_are_separators(tmp_path: Path, baseline: Baseline) -> None:
    bundle = zip_members(tmp_path / "EXCH01.zip", {"registry\\a.reg": REG})
    assert listed(ZipSource(bundle)) == (["registry/a.reg"], [])
    facts = collect(ZipSource(bundle), baseline)
    assert facts.registry is not None and facts.registry.sources == ("registry/a.reg",)


@pytest.mark.parametrize(
    ("member", "expected"),
    [
        ("../evil.reg", "climbs out"),
        ("registry/../../evil.reg", "climbs out"),
        ("..\\..\\evil.reg", "climbs out"),
        ("/etc/evil.reg", "absolute path"),
        ("C:/evil.reg", "absolute path"),
        ("c:\\windows\\evil.reg", "absolute path"),
        ("\\\\host\\share\\evil.reg", "absolute path"),
    ],
)
def test_a_member_outside_the_server_rejects_the_bundle(
    tmp_path: Path, baseline: Baseline, member: str, expected: str
) -> None:
    bundle = zip_members(tmp_path / "EXCH01.zip", {"registry/good.reg": REG, member: REG})
    files, problems = listed(ZipSource(bundle))
    assert files == []
    assert len(problems) == 1
    assert problems[0].startswith(f"{bundle}: ")
    assert expected in problems[0] and "not read" in problems[0]
    facts = collect(ZipSource(bundle), baseline)
    assert evaluate(facts, baseline).status is Status.INCOMPLETE


def test_two_members_named_alike_reject_the_bundle(tmp_path: Path) -> None:
    bundle = zip_members(tmp_path / "EXCH01.zip", {"registry/a.reg": REG, "REGISTRY/A.REG": REG})
    files, problems = listed(ZipSource(bundle))
    assert files == [] and "two members" in problems[0]


def test_a_compression_bomb_is_refused_from_its_headers(tmp_path: Path) -> None:
    bundle = zip_members(tmp_path / "EXCH01.zip", {"registry/SYSTEM": bytes(8 << 20)})
    assert bundle.stat().st_size < 64 << 10  # the ratio is deflate's best, about 1000
    files, problems = listed(ZipSource(bundle))
    assert files == [] and "compression bomb" in problems[0]


def test_members_that_share_bytes_are_refused(tmp_path: Path) -> None:
    bundle = zip_members(tmp_path / "EXCH01.zip", {"a.reg": REG, "b.reg": REG})
    data = bundle.read_bytes()
    bundle.write_bytes(
        patch(data, "b.reg", "header_offset", read_field(data, "a.reg", "header_offset"))
    )
    files, problems = listed(ZipSource(bundle))
    assert files == [] and "overlap" in problems[0]


@pytest.mark.parametrize(("limit", "value"), [("MAX_MEMBERS", 3), ("MAX_TOTAL_SIZE", 100)])
def test_too_many_members_or_bytes_reject_the_bundle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: str, value: int
) -> None:
    monkeypatch.setattr(zip_module, limit, value)
    bundle = zip_members(tmp_path / "EXCH01.zip", {f"registry/{n}.reg": REG for n in range(4)})
    files, problems = listed(ZipSource(bundle))
    assert files == [] and f"more than {value}" in problems[0]


def test_an_encrypted_member_is_a_problem_with_that_member(
    tmp_path: Path, baseline: Baseline
) -> None:
    bundle = zip_members(
        tmp_path / "EXCH01.zip", {"C$/exchsrvr/bin/EMSMTA.EXE": b"MZ" * 100, "registry/a.reg": REG}
    )
    bundle.write_bytes(patch(bundle.read_bytes(), "C$/exchsrvr/bin/EMSMTA.EXE", "flags", 0x1))
    facts = collect(ZipSource(bundle), baseline)
    (emsmta,) = facts.files
    assert emsmta.error is not None and "encrypted" in emsmta.error
    assert emsmta.error.startswith(f"{bundle}/C$/exchsrvr/bin/EMSMTA.EXE: ")
    assert facts.registry is not None  # the other member was read
    assert evaluate(facts, baseline).status is Status.INCOMPLETE


def test_an_unknown_compression_method_is_named(tmp_path: Path) -> None:
    bundle = zip_members(tmp_path / "EXCH01.zip", {"registry/a.reg": REG})
    bundle.write_bytes(patch(bundle.read_bytes(), "registry/a.reg", "method", 9))  # deflate64
    source = ZipSource(bundle)
    source.list_files()
    with pytest.raises(EvidenceError, match="compression method 9"):
        source.read_at("registry/a.reg", 0, 10)


def test_a_member_over_the_size_cap_is_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(zip_module, "MAX_MEMBER_SIZE", 10)
    source = ZipSource(zip_members(tmp_path / "EXCH01.zip", {"registry/a.reg": REG}))
    assert listed(source)[0] == ["registry/a.reg"]
    with pytest.raises(EvidenceError, match="larger than 10 bytes"):
        source.read_at("registry/a.reg", 0, 1)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
def test_a_corrupt_zip_makes_its_server_incomplete(
    fleet: Path, tmp_path: Path, baseline: Baseline, damage: str
) -> None:
    bundle = zip_folder(fleet / "compliant-sp2-single-homed", tmp_path / "EXCH01.zip")
    data = bundle.read_bytes()
    bundle.write_bytes(
        {"garbage": b"not a zip" * 100, "truncated": data[: len(data) // 2]}.get(damage, b"")
    )
    files, problems = listed(ZipSource(bundle))
    assert files == []
    assert problems[0].startswith(f"{bundle}: not a readable zip: ")
    assert evaluate(collect(ZipSource(bundle), baseline), baseline).status is Status.INCOMPLETE


def test_a_size_that_understates_the_member_cannot_inflate_more(tmp_path: Path) -> None:
    bundle = zip_members(tmp_path / "EXCH01.zip", {"registry/a.reg": REG * 1000})
    bundle.write_bytes(patch(bundle.read_bytes(), "registry/a.reg", "size", 100))
    source = ZipSource(bundle)
    assert listed(source) == (["registry/a.reg"], [])
    # zipfile stops at the declared 100 bytes, where the CRC of the whole content fails.
    with pytest.raises(EvidenceError, match="CRC"):
        source.read_at("registry/a.reg", 0, 10_000)


@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_a_range_is_read_without_the_rest_of_the_member(tmp_path: Path, method: int) -> None:
    """The member's tail is corrupt: a read of its head succeeds only if it stops early."""
    content = random.Random(1).randbytes(256 << 10)
    bundle = zip_members(tmp_path / "EXCH01.zip", {"C$/big.bin": content}, method=method)
    data = bytearray(bundle.read_bytes())
    start = data.find(b"PK\x01\x02")  # central directory: the member's bytes end before it
    data[start - 200 : start - 100] = bytes(100)
    bundle.write_bytes(bytes(data))
    source = ZipSource(bundle)
    source.list_files()
    assert source.read_at("C$/big.bin", 1000, 64) == content[1000:1064]
    assert source.read_at("C$/big.bin", 100_000, 64) == content[100_000:100_064]
    assert source.read_at("C$/big.bin", 10, 4) == content[10:14]  # backwards after forwards
    if method == zipfile.ZIP_DEFLATED:
        with pytest.raises(EvidenceError, match="CRC"):
            source.read_all("C$/big.bin", 1 << 20)
    source.close()


def test_a_link_member_is_a_problem_and_not_listed(tmp_path: Path) -> None:
    link = zipfile.ZipInfo("registry/link.reg")
    link.create_system = 3
    link.external_attr = 0o120777 << 16
    bundle = tmp_path / "EXCH01.zip"
    with zipfile.ZipFile(bundle, "w") as writer:
        writer.writestr(link, "/etc/passwd")
        writer.writestr("registry/a.reg", REG)
    assert listed(ZipSource(bundle)) == (
        ["registry/a.reg"],
        ["" + f"{bundle}/registry/link.reg: a link; not read"],
    )


def _open_files() -> set[str]:
    found = set()
    for handle in Path("/proc/self/fd").iterdir():
        with contextlib.suppress(OSError):  # the descriptor that listed the folder is gone
            found.add(str(handle.readlink()))
    return found


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to count handles")
def test_a_scan_leaves_no_bundle_open(
    fleet: Path, tmp_path: Path, baseline: Baseline, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server's bundle is closed by the time it is judged (others may still be read, as
    judging overlaps collection), and none is open once the scan is done."""
    zipped = tmp_path / "zipped"
    zipped.mkdir()
    for server in (fleet / "compliant-sp2-single-homed", fleet / "exposed-sp1-multihomed"):
        zip_folder(server, zipped / f"{server.name}.zip")
    before = _open_files()
    judged_while_open: list[str] = []

    def counting(facts: ServerFacts, *args: Any) -> ServerVerdict:
        if str(zipped / f"{facts.server}.zip") in _open_files():
            judged_while_open.append(facts.server)
        return evaluate(facts, *args)

    monkeypatch.setattr("auditor.audit.evaluate", counting)
    result = scan(zipped, baseline)
    assert judged_while_open == []
    assert _open_files() == before
    assert [v.status for v in result.servers] == [Status.COMPLIANT, Status.EXPOSED]


def test_a_linked_zip_is_reported_not_followed(fleet: Path, tmp_path: Path) -> None:
    outside = zip_folder(fleet / "compliant-sp2-single-homed", tmp_path / "outside.zip")
    (fleet / "linked.zip").symlink_to(outside)
    verdicts = {v.server: v for v in scan(fleet, load_baseline(default_baseline_path())).servers}
    assert verdicts["linked"].status is Status.INCOMPLETE
    assert "a link to a zip; not followed" in verdicts["linked"].reasons[0]


def test_a_server_both_zipped_and_in_a_folder_is_not_guessed(fleet: Path) -> None:
    zip_folder(fleet / "compliant-sp2-single-homed", fleet / "COMPLIANT-SP2-single-homed.zip")
    verdicts = [v for v in scan(fleet, load_baseline(default_baseline_path())).servers]
    (twice,) = [v for v in verdicts if v.server.casefold() == "compliant-sp2-single-homed"]
    assert twice.status is Status.INCOMPLETE
    assert "evidence twice" in twice.reasons[0] and ".zip" in twice.reasons[0]
    assert len(verdicts) == 10
