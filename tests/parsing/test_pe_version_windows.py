"""The PE version reader reads what Windows reads: RT_VERSION ID 1 only, in the language
the loader picks, the fixed info found by its signature whatever the key's encoding.

The fixtures in tests/assets/pe/ are built by mingw-w64's windres and gcc from .rc files
that state the version Windows reports (make_pe.py); wine.tsv holds what the Windows API,
as Wine implements it, said of each. pefile is a third opinion, right where it reads as
Windows does and listed where it does not.
"""

from __future__ import annotations

import csv
import re
import shutil
import struct
from pathlib import Path

import pefile
import pytest

from auditor.audit import scan
from auditor.baseline import default_baseline_path, load_baseline
from auditor.collect import collect
from auditor.errors import ParseError
from auditor.evidence import FolderSource
from auditor.parsing.pe_version import PeVersion, read_pe_version
from auditor.verdicts import Status
from auditor.versions import Version
from tests.builders.pe import build_pe, build_pe_layout, version_info

ASSETS = Path(__file__).resolve().parents[1] / "assets" / "pe"
SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "pe"
FIXTURES = sorted(ASSETS.glob("*.rc"))
NO_RESOURCE = "no version resource"
NO_FIXED = "no fixed version"

WINE_DIFFERS = {
    "no-signature.exe": "VerQueryValue does not check the signature; without it the auditor "
    "takes no fixed version (incomplete) rather than bytes that may not be one",
}
PEFILE_DIFFERS = {
    "id2-only.exe": "pefile reads the first name under RT_VERSION, whatever its ID",
    "named-only.exe": "pefile reads the first name under RT_VERSION, whatever its ID",
    "named-and-id1.exe": "pefile reads the first name, here the named entry before ID 1",
    "languages-de-en.exe": "pefile's first VS_FIXEDFILEINFO is the first language's",
    "ansi-key.exe": "pefile wants a UTF-16 'VS_VERSION_INFO' key",
    "win16-key.exe": "pefile wants a UTF-16 'VS_VERSION_INFO' key",
    "no-signature.exe": "pefile does not check the signature",
}


def expectations(rc: Path) -> dict[str, str]:
    """The "// expect: ..." and "// expect-string: ..." lines of a fixture's .rc."""
    text = rc.read_text(encoding="utf-8")
    return dict(re.findall(r"^// (expect(?:-string)?): (.+)$", text, flags=re.MULTILINE))


def read(data: bytes, origin: str) -> PeVersion:
    return read_pe_version(lambda offset, length: data[offset : offset + length], len(data), origin)


def answer(exe: Path) -> str:
    """The reader's answer in the words of the .rc files and wine.tsv."""
    try:
        result = read(exe.read_bytes(), exe.name)
    except ParseError as error:
        assert str(error).startswith(f"{exe.name}: ")
        assert NO_RESOURCE in str(error), error
        return NO_RESOURCE
    return NO_FIXED if result.fixed is None else str(result.fixed)


def pefile_answer(exe: Path) -> str:
    pe = pefile.PE(str(exe))  # a full load: the slow, independent reading
    if not getattr(pe, "VS_FIXEDFILEINFO", None):
        return NO_RESOURCE
    fixed = pe.VS_FIXEDFILEINFO[0]
    return str(Version.from_ms_ls(fixed.FileVersionMS, fixed.FileVersionLS))


def wine_rows() -> list[dict[str, str]]:
    with (ASSETS / "wine.tsv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


# --- mingw fixtures --------------------------------------------------------------------


def test_every_fixture_is_built_and_asked_of_wine() -> None:
    assert len(FIXTURES) >= 10
    built = {exe.stem for exe in ASSETS.glob("*.exe")}
    assert built == {rc.stem for rc in FIXTURES}
    assert {row["file"] for row in wine_rows()} == {f"{stem}.exe" for stem in built}


@pytest.mark.skipif(shutil.which("i686-w64-mingw32-windres") is None, reason="no mingw-w64")
def test_committed_fixtures_are_what_make_pe_builds(tmp_path: Path) -> None:
    from tests.assets.pe.make_pe import build

    (tmp_path / "work").mkdir()
    for exe in build(tmp_path / "work", tmp_path):
        assert exe.read_bytes() == (ASSETS / exe.name).read_bytes(), exe.name


@pytest.mark.parametrize("rc", FIXTURES, ids=lambda rc: rc.stem)
def test_fixture_reads_as_its_rc_states(rc: Path) -> None:
    expected = expectations(rc)
    exe = rc.with_suffix(".exe")
    assert answer(exe) == expected["expect"]
    if expected["expect"] == NO_RESOURCE:
        return
    data = exe.read_bytes()
    result = read(data, exe.name)
    string = expected["expect-string"]
    assert result.string == (None if string == "none" else string)
    # The economy holds: headers, then the resource tree and the blob, in a few reads.
    assert result.bytes_read <= 2048
    assert result.reads <= 3


def test_only_id_1_is_read_and_the_reason_says_so() -> None:
    exe = ASSETS / "id2-only.exe"
    with pytest.raises(ParseError, match=r"RT_VERSION has ID 2 but no directory with ID 1"):
        read(exe.read_bytes(), exe.name)
    exe = ASSETS / "named-only.exe"
    with pytest.raises(ParseError, match=r"RT_VERSION has 1 named entry but no directory"):
        read(exe.read_bytes(), exe.name)


@pytest.mark.parametrize("row", wine_rows(), ids=lambda row: row["file"])
def test_reader_agrees_with_the_windows_api_as_wine_implements_it(row: dict[str, str]) -> None:
    ours = answer(ASSETS / row["file"])
    wine = NO_RESOURCE if row["wine_reports"].startswith("error") else row["wine_reports"]
    if row["file"] in WINE_DIFFERS:
        assert (ours, Version.parse(wine)) == (NO_FIXED, Version.parse(wine))
    else:
        assert ours == wine


@pytest.mark.parametrize("rc", FIXTURES, ids=lambda rc: rc.stem)
def test_pefile_agrees_except_where_it_reads_otherwise_than_windows(rc: Path) -> None:
    exe = rc.with_suffix(".exe")
    if exe.name in PEFILE_DIFFERS:
        assert pefile_answer(exe) != answer(exe), PEFILE_DIFFERS[exe.name]
    else:
        assert pefile_answer(exe) == answer(exe)


# --- builder: the 8-bit and 16-bit layouts ---------------------------------------------


def windows_value_offset(blob: bytes) -> int:
    """Where version.dll puts the root's value, computed apart from the reader: a blob
    whose byte 4 is text is a 16-bit one (key at 4, 8-bit); otherwise the key is UTF-16
    at 6 (Wine's VersionInfoIs16 and VersionInfo16/32_Value)."""
    if blob[4] >= 0x20:
        return (blob.index(b"\0", 4) + 1 + 3) & ~3
    end = next(p for p in range(6, len(blob), 2) if blob[p : p + 2] == b"\0\0")
    return (end + 2 + 3) & ~3


@pytest.mark.parametrize(
    ("options", "at", "string"),
    [
        ({}, 40, "5.5.2431.7 (lab)"),
        ({"encoding": "latin-1"}, 24, None),
        ({"encoding": "latin-1", "word_type": False}, 20, None),
    ],
    ids=["utf-16", "pywin32-228", "16-bit"],
)
def test_fixed_info_is_found_where_windows_finds_it(
    options: dict[str, object], at: int, string: str | None
) -> None:
    blob = version_info("5.5.2431.7", "5.5.2431.7 (lab)", **options)  # type: ignore[arg-type]
    assert windows_value_offset(blob) == at
    assert struct.unpack_from("<I", blob, at)[0] == 0xFEEF04BD
    # The same fixed info whatever the key's encoding: only the keys and text differ.
    assert blob[at : at + 52] == version_info("5.5.2431.7", None)[40:92]
    result = read(build_pe("5.5.2431.7", version_blob=blob), "built.exe")
    assert (result.fixed, result.string) == (Version.parse("5.5.2431.7"), string)


def test_builder_and_mingw_trees_around_one_8bit_blob_read_alike() -> None:
    blob = version_info("5.5.2653.1", "5.5.2653.1", encoding="latin-1")
    mingw = (ASSETS / "ansi-key.exe").read_bytes()
    assert blob in mingw  # make_pe.py embedded this very blob
    built = read(build_pe(None, version_blob=blob, pad_before_resources=50_000), "built.exe")
    assert built.fixed == read(mingw, "ansi-key.exe").fixed == Version.parse("5.5.2653.1")


@pytest.mark.skipif(not (SAMPLES / "MANIFEST.tsv").is_file(), reason="no shared PE samples")
def test_builder_utf16_layout_matches_a_microsoft_built_sample() -> None:
    """The 8-bit layouts are the builder's UTF-16 one with other keys; that one is
    Microsoft's: the sample's blob has the same header, key and place for the fixed info."""
    pe = pefile.PE(str(SAMPLES / "emsmta-fix.exe"))
    entry = pe.DIRECTORY_ENTRY_RESOURCE.entries
    version = next(e for e in entry if e.id == 16).directory.entries[0].directory.entries[0]
    sample = pe.get_data(version.data.struct.OffsetToData, version.data.struct.Size)
    ours = version_info("5.5.2431.0", "5.5.2431.0")
    assert sample[2:40] == ours[2:40]  # wValueLength, wType, key and padding
    assert sample[40:56] == ours[40:56]  # signature, structure version, 5.5.2431.0


def test_a_language_that_is_a_directory_is_passed_over() -> None:
    """The loader wants data at the language level; a directory there is no match."""
    built = build_pe_layout("5.5.2431.0")
    assert built.version_data_entry is not None and built.version_type_entry is not None
    data = bytearray(built.data)
    rsrc = built.rsrc_offset
    # The RT_VERSION name directory's one language entry, pointed at a directory.
    (names,) = struct.unpack_from("<I", data, built.version_type_entry + 4)
    (languages,) = struct.unpack_from("<I", data, rsrc + (names & 0x7FFFFFFF) + 20)
    language_entry = rsrc + (languages & 0x7FFFFFFF) + 16
    struct.pack_into("<I", data, language_entry + 4, 0x80000000 | (names & 0x7FFFFFFF))
    with pytest.raises(ParseError, match="ID 1 has no language entry with data"):
        read(bytes(data), "built.exe")


# --- through the audit -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "status", "reason"),
    [
        ("id2-only.exe", Status.INCOMPLETE, "RT_VERSION has ID 2 but no directory with ID 1"),
        ("named-only.exe", Status.INCOMPLETE, "no directory with ID 1"),
        ("no-signature.exe", Status.INCOMPLETE, "VS_FIXEDFILEINFO is absent or 0.0.0.0"),
        ("ansi-key.exe", Status.COMPLIANT, None),  # 5.5.2653.1, above the fix
    ],
)
def test_a_version_windows_does_not_report_never_passes(
    fleet: Path, fixture: str, status: Status, reason: str | None
) -> None:
    server = "compliant-sp2-single-homed"
    shutil.copyfile(ASSETS / fixture, fleet / server / "C$/exchsrvr/bin/EMSMTA.EXE")
    (verdict,) = [
        v for v in scan(fleet, load_baseline(default_baseline_path())).servers if v.server == server
    ]
    assert verdict.status is status
    if reason is not None:
        assert any("Emsmta.exe" in line and reason in line for line in verdict.reasons), verdict


@pytest.mark.parametrize(
    ("name", "judged", "noted"),
    [
        ("languages-neutral-en.exe", "5.5.2232.0", False),  # neutral: every locale reads it
        ("languages-de-en.exe", "5.5.2431.0", True),  # en-US 2431, de 2448: the lowest
        ("languages-de-en-neutral.exe", "5.5.2448.0", True),  # a German server reads 2448
        ("languages-fr-de.exe", "5.5.2448.0", True),
        ("id1-en-us.exe", "5.5.2431.0", False),
    ],
)
def test_a_version_that_depends_on_the_locale_is_judged_at_its_lowest(
    tmp_path: Path, name: str, judged: str, noted: bool
) -> None:
    server = tmp_path / "EXCH01" / "C$" / "exchsrvr" / "bin"
    server.mkdir(parents=True)
    shutil.copyfile(ASSETS / name, server / "EMSMTA.EXE")
    baseline = load_baseline(default_baseline_path())
    facts = collect(FolderSource(tmp_path / "EXCH01"), baseline)
    (emsmta,) = [fact for fact in facts.files if fact.name == "Emsmta.exe"]
    assert emsmta.fixed_version == judged
    assert (emsmta.note is not None) is noted
    if noted:
        assert emsmta.note is not None and "depends on the server's locale" in emsmta.note
