"""The PE version reader: sample files, builder cross-checks, broken inputs, byte budget."""

from __future__ import annotations

import csv
import random
import re
import struct
from dataclasses import dataclass
from pathlib import Path

import pefile
import pytest

from auditor.errors import ParseError
from auditor.parsing.pe_version import PeVersion, read_pe_version, read_pe_version_from_path
from auditor.versions import Version
from tests.builders.pe import build_pe, build_pe_layout

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "pe"
ORIGIN = "SERVER-A/C$/exchsrvr/bin/emsmta.exe"
BYTE_BUDGET = 4096
READ_BUDGET = 5


@dataclass
class CountingReader:
    """A read_at over bytes that counts what it hands out, independently of the reader."""

    data: bytes
    bytes_read: int = 0
    reads: int = 0

    def __call__(self, offset: int, length: int) -> bytes:
        chunk = self.data[offset : offset + length]
        self.reads += 1
        self.bytes_read += len(chunk)
        return chunk


def read(data: bytes, origin: str = ORIGIN) -> PeVersion:
    return read_pe_version(CountingReader(data), len(data), origin)


def pefile_version(data: bytes) -> Version:
    pe = pefile.PE(data=data)  # a full load: the slow, independent reading
    fixed = pe.VS_FIXEDFILEINFO[0]
    return Version.from_ms_ls(fixed.FileVersionMS, fixed.FileVersionLS)


def manifest_rows() -> list[dict[str, str]]:
    manifest = SAMPLES / "MANIFEST.tsv"
    if not manifest.is_file():
        return []
    with manifest.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


requires_samples = pytest.mark.skipif(
    not (SAMPLES / "MANIFEST.tsv").is_file(),
    reason=f"shared PE samples not found at {SAMPLES} (the shared folder beside the repo)",
)


# --- shared samples --------------------------------------------------------------------


@requires_samples
@pytest.mark.parametrize("row", manifest_rows(), ids=lambda row: row["file"])
def test_sample_versions_match_manifest(row: dict[str, str]) -> None:
    data = (SAMPLES / row["file"]).read_bytes()
    counter = CountingReader(data)
    if not row["fixed_version"]:
        with pytest.raises(ParseError, match="no version resource") as caught:
            read_pe_version(counter, len(data), row["file"])
        assert str(caught.value).startswith(f"{row['file']}: ")
        return
    result = read_pe_version(counter, len(data), row["file"])
    assert result.fixed == Version.parse(row["fixed_version"])
    assert result.string == row["string_version"]
    assert (result.bytes_read, result.reads) == (counter.bytes_read, counter.reads)
    assert counter.bytes_read <= BYTE_BUDGET
    assert counter.reads <= READ_BUDGET


@requires_samples
def test_large_sample_is_read_within_budget() -> None:
    data = (SAMPLES / "emsmta-fix.exe").read_bytes()
    assert len(data) > 1_000_000
    counter = CountingReader(data)
    result = read_pe_version(counter, len(data), "emsmta-fix.exe")
    assert result.fixed == Version.parse("5.5.2431.0")
    assert counter.bytes_read <= BYTE_BUDGET
    assert counter.reads <= READ_BUDGET


@requires_samples
def test_sample_string_disagrees_with_fixed() -> None:
    result = read_pe_version_from_path(SAMPLES / "mtacheck-disagrees.exe")
    assert result.fixed == Version.parse("5.5.2232.0")
    assert result.string == "5.5.2448.0 (sp2 lab)"


# --- builder cross-check ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixed", "string", "options"),
    [
        ("5.5.2431.0", None, {}),
        ("5.5.2232.18", "5.5.2232.18", {"dll": True}),
        ("5.0.1461.0", None, {"dll": True}),
        ("5.5.2650.24", "5.5.2650.24", {"pad_before_resources": 100_000}),
        ("65535.65535.65535.65535", None, {}),
        ("5.5.2653.1", None, {"other_resource_size": 6000}),
    ],
)
def test_builder_read_by_us_and_by_pefile_agree(
    fixed: str, string: str | None, options: dict[str, int]
) -> None:
    data = build_pe(fixed, string, **options)  # type: ignore[arg-type]
    ours = read(data)
    assert ours.fixed == pefile_version(data) == Version.parse(fixed)
    assert ours.string == (string or fixed)


def as_pe32_plus(data: bytes) -> bytes:
    """The builder's PE32 image with a PE32+ optional header (64-bit ImageBase and stack
    sizes, no BaseOfData), laid out by hand from the PE specification."""
    optional = 0x80 + 24
    old = data[optional : optional + 224]
    image_base = struct.unpack_from("<I", old, 28)[0]
    stack = struct.unpack_from("<4I", old, 72)
    new = struct.pack("<H", 0x20B) + old[2:24] + struct.pack("<Q", image_base) + old[32:72]
    new += struct.pack("<4Q", *stack) + old[88:96] + old[96:224]
    assert len(new) == 240
    header = bytearray(data[:0x400])
    struct.pack_into("<H", header, 0x80 + 20, 240)  # SizeOfOptionalHeader
    sections = data[optional + 224 : optional + 224 + 80]
    header[optional : optional + 240 + 80] = new + sections
    return bytes(header) + data[0x400:]


@pytest.mark.parametrize("dll", [False, True])
def test_pe32_plus_headers_are_read_as_pefile_reads_them(dll: bool) -> None:
    data = as_pe32_plus(build_pe("5.5.2653.7", dll=dll, pad_before_resources=20_000))
    assert pefile.PE(data=data).PE_TYPE == 0x20B
    assert read(data).fixed == pefile_version(data) == Version.parse("5.5.2653.7")


@pytest.mark.parametrize(("section_alignment", "shift"), [(0x1000, 0x20), (0x80, 0x100)])
def test_sections_are_aligned_as_the_loader_aligns_them(section_alignment: int, shift: int) -> None:
    built = build_pe_layout("5.5.2431.0", pad_before_resources=3000)
    data = bytearray(built.data)
    # Below a page, the section alignment is ignored and the file alignment (0x200) used.
    struct.pack_into("<I", data, built.e_lfanew + 24 + 32, section_alignment)
    section_table = built.section_table_end - 80
    rsrc_header = section_table + 40
    # .rsrc's PointerToRawData 0x10 past its true start: loader and pefile round it down
    # to 0x200. Its VirtualAddress ``shift`` past the page: they round that down too.
    (rva,) = struct.unpack_from("<I", data, rsrc_header + 12)
    (raw,) = struct.unpack_from("<I", data, rsrc_header + 20)
    assert raw == built.rsrc_offset
    struct.pack_into("<I", data, rsrc_header + 20, raw + 0x10)
    struct.pack_into("<I", data, rsrc_header + 12, rva + shift)
    assert read(bytes(data)).fixed == pefile_version(bytes(data)) == Version.parse("5.5.2431.0")


def test_builder_disagreement_is_reported_not_resolved() -> None:
    data = build_pe("5.5.2232.0", "5.5.2448.0 (sp2 lab)")
    result = read(data)
    assert result.fixed == pefile_version(data) == Version.parse("5.5.2232.0")
    assert result.string == "5.5.2448.0 (sp2 lab)"


def test_zero_fixed_version_is_none() -> None:
    data = build_pe(None, "5.5.2431.0")
    assert pefile_version(data).is_zero
    result = read(data)
    assert result.fixed is None
    assert result.string == "5.5.2431.0"


def test_fixed_info_without_its_signature_is_no_version() -> None:
    # Found by its signature, not its place: without one there is no fixed version, and
    # the StringFileInfo still reads.
    built = build_pe_layout("5.5.2431.0", "5.5.2431.0")
    assert built.version_info_offset is not None
    data = patched(built.data, built.version_info_offset + 40, "<I", 0x12345678)
    assert read(built.data).fixed == Version.parse("5.5.2431.0")
    assert (read(data).fixed, read(data).string) == (None, "5.5.2431.0")


def test_missing_file_version_string_is_none() -> None:
    result = read(build_pe(None))
    assert (result.fixed, result.string) == (None, None)


@pytest.mark.parametrize("other_resource_size", [32, 6000, 60_000])
def test_large_file_with_resources_at_the_end_stays_within_budget(
    other_resource_size: int,
) -> None:
    data = build_pe(
        "5.5.2431.0", pad_before_resources=1_500_000, other_resource_size=other_resource_size
    )
    counter = CountingReader(data)
    result = read_pe_version(counter, len(data), ORIGIN)
    assert result.fixed == Version.parse("5.5.2431.0")
    assert (result.bytes_read, result.reads) == (counter.bytes_read, counter.reads)
    assert result.bytes_read <= BYTE_BUDGET
    assert result.reads <= READ_BUDGET


def test_reads_from_path_with_default_origin(tmp_path: Path) -> None:
    path = tmp_path / "EMSMTA.EXE"
    path.write_bytes(build_pe("5.5.2431.0", pad_before_resources=200_000))
    assert read_pe_version_from_path(path).fixed == Version.parse("5.5.2431.0")
    path.write_bytes(b"")
    with pytest.raises(ParseError, match=f"^{re.escape(str(path))}: "):
        read_pe_version_from_path(path)


# --- broken inputs ---------------------------------------------------------------------


def patched(data: bytes, offset: int, fmt: str, *values: int) -> bytes:
    out = bytearray(data)
    struct.pack_into(fmt, out, offset, *values)
    return bytes(out)


def broken_inputs() -> dict[str, tuple[bytes, str]]:
    built = build_pe_layout("5.5.2431.0", pad_before_resources=4096)
    data = built.data
    assert built.version_type_entry is not None and built.version_data_entry is not None
    assert built.version_info_offset is not None
    return {
        "empty": (b"", "truncated"),
        "random": (random.Random(197378).randbytes(4096), "no MZ"),
        "mz-only": (b"MZ", "truncated"),
        "cut-at-64": (data[:64], "outside the file"),
        "cut-at-e_lfanew": (data[: built.e_lfanew], "outside the file"),
        "cut-after-pe-signature": (data[: built.e_lfanew + 4], "truncated"),
        "cut-at-e_lfanew+24": (data[: built.e_lfanew + 24], "truncated"),
        "cut-inside-section-table": (data[: built.section_table_end - 1], "truncated"),
        "cut-at-section-table-end": (data[: built.section_table_end], "outside the file"),
        "cut-inside-rsrc": (data[: built.rsrc_offset + 100], "runs past the resource data"),
        "cut-inside-version-info": (data[: built.version_info_offset + 200], "runs past"),
        "e_lfanew-past-eof": (patched(data, 0x3C, "<I", len(data) + 16), "outside the file"),
        "rsrc-raw-data-past-eof": (
            patched(data, built.section_table_end - 40 + 20, "<I", 0x10000000),
            "resource directory at 0x10000000 is outside the file",
        ),
        "resource-rva-in-no-section": (
            patched(data, built.e_lfanew + 24 + 96 + 8 * 2, "<I", 0x7000000),
            "lies in no section",
        ),
        "too-many-root-entries": (patched(data, built.rsrc_offset + 14, "<H", 0xFFFF), "65535"),
        "empty-version-data": (
            patched(data, built.version_data_entry + 4, "<I", 0),
            "0 bytes, too short",
        ),
        "version-data-rva-past-section": (
            patched(data, built.version_data_entry + 4, "<I", 0x8000),
            "runs past its data",
        ),
        "no-pe-signature": (patched(data, built.e_lfanew, "<I", 0x4E45), "no PE signature"),
        "resource-loop": (
            patched(data, built.version_type_entry + 4, "<I", 0x80000000),
            "loop in the resource tree",
        ),
        "version-info-length-past-data": (
            patched(data, built.version_info_offset, "<H", 0xFFF0),
            "VS_VERSIONINFO length 65520 runs past its data",
        ),
        "no-rt-version": (build_pe("5.5.2431.0", version_resource=False), "no version resource"),
    }


@pytest.mark.parametrize(("data", "reason"), broken_inputs().values(), ids=broken_inputs().keys())
def test_broken_input_raises_parse_error_naming_origin(data: bytes, reason: str) -> None:
    with pytest.raises(ParseError) as caught:
        read(data)
    message = str(caught.value)
    assert message.startswith(f"{ORIGIN}: ")
    assert reason in message


def test_read_at_returning_less_than_size_is_truncation() -> None:
    data = build_pe("5.5.2431.0", pad_before_resources=4096)
    with pytest.raises(ParseError, match="truncated"):
        read_pe_version(CountingReader(data[:3000]), len(data), ORIGIN)


def test_read_at_errors_pass_through() -> None:
    def failing(offset: int, length: int) -> bytes:
        raise OSError("connection reset")

    with pytest.raises(OSError, match="connection reset"):
        read_pe_version(failing, 4096, ORIGIN)


@pytest.mark.parametrize("error", [struct.error("short"), IndexError("index"), ValueError("value")])
def test_unpacking_errors_become_parse_errors_with_cause(
    monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr("auditor.parsing.pe_version._unpack_headers", explode)
    with pytest.raises(ParseError, match=f"^{re.escape(ORIGIN)}: malformed PE file") as caught:
        read(build_pe("5.5.2431.0"))
    assert caught.value.__cause__ is error
