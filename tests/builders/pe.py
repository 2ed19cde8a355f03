"""A minimal PE32 image with a version resource, written with struct only.

An independent route to fixtures: it shares no code with the reader under test, and does
not use pefile. The layout follows what Microsoft's linker and cvtres write:

    0x000  DOS header ("MZ", e_lfanew = 0x80) and a stub of zeros
    0x080  "PE\\0\\0", IMAGE_FILE_HEADER, IMAGE_OPTIONAL_HEADER32 with 16 data directories
    0x178  section table: .text, .rsrc
    0x400  .text: a ``ret`` followed by ``pad_before_resources`` filler bytes
    ...    .rsrc: directories for RT_STRING (6), RT_VERSION (16) and RT_MANIFEST (24),
           then data entries, then data; RT_VERSION/1/1033 holds VS_VERSIONINFO with
           VS_FIXEDFILEINFO, StringFileInfo "040904b0" and VarFileInfo Translation,
           with UTF-16 keys (or 8-bit ones, as pywin32 228 wrote them).

Use :func:`build_pe` for the bytes, or :func:`build_pe_layout` when a test needs to know
where a structure sits in order to patch it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

__all__ = ["BuiltPe", "build_pe", "build_pe_layout", "version_info"]

E_LFANEW = 0x80
FILE_ALIGNMENT = 0x200
SECTION_ALIGNMENT = 0x1000
TEXT_RVA = 0x1000
HEADERS_SIZE = 0x400
RT_STRING, RT_VERSION, RT_MANIFEST = 6, 16, 24
LANG_EN_US = 1033
_SUBDIRECTORY = 0x80000000
_MANIFEST = b'<assembly xmlns="urn:schemas-microsoft-com:asm.v1" manifestVersion="1.0"/>'


@dataclass(frozen=True)
class BuiltPe:
    """A built image and the file offsets of the parts tests patch."""

    data: bytes
    """The whole file."""
    section_table_end: int
    """File offset just past the last section header."""
    rsrc_offset: int
    """File offset of the root resource directory (the start of .rsrc)."""
    version_type_entry: int | None
    """File offset of the root directory entry for RT_VERSION (8 bytes: id, offset)."""
    version_data_entry: int | None
    """File offset of RT_VERSION's IMAGE_RESOURCE_DATA_ENTRY (RVA, Size, CodePage, 0)."""
    version_info_offset: int | None
    """File offset of VS_VERSIONINFO; its first WORD is wLength."""

    @property
    def e_lfanew(self) -> int:
        """File offset of the "PE\\0\\0" signature."""
        return E_LFANEW


def build_pe(
    fixed_version: str | None,
    string_version: str | None = None,
    *,
    pad_before_resources: int = 0,
    dll: bool = False,
    version_resource: bool = True,
    other_resource_size: int = 32,
    version_blob: bytes | None = None,
) -> bytes:
    """Return a PE32 file whose VS_FIXEDFILEINFO FileVersion is ``fixed_version``.

    - ``fixed_version``: dotted, 1 to 4 parts ("5.5.2431.0"); None writes 0.0.0.0.
    - ``string_version``: the StringFileInfo FileVersion (and ProductVersion) text.
      None copies ``fixed_version``; if both are None no FileVersion string is written.
    - ``pad_before_resources``: filler bytes in .text, pushing .rsrc towards the end of a
      large file (a 1.5 MB Emsmta.exe has its resources last).
    - ``dll``: set IMAGE_FILE_DLL and VS_FIXEDFILEINFO's file type to VFT_DLL.
    - ``version_resource``: False leaves RT_VERSION out, keeping the other resources.
    - ``other_resource_size``: bytes of RT_STRING data placed before the version data;
      make it large to force a reader to walk the resource tree rather than read it whole.
    - ``version_blob``: RT_VERSION's data as given (from :func:`version_info` with another
      encoding, say) instead of the blob built from the versions.
    """
    return build_pe_layout(
        fixed_version,
        string_version,
        pad_before_resources=pad_before_resources,
        dll=dll,
        version_resource=version_resource,
        other_resource_size=other_resource_size,
        version_blob=version_blob,
    ).data


def build_pe_layout(
    fixed_version: str | None,
    string_version: str | None = None,
    *,
    pad_before_resources: int = 0,
    dll: bool = False,
    version_resource: bool = True,
    other_resource_size: int = 32,
    version_blob: bytes | None = None,
) -> BuiltPe:
    """Like :func:`build_pe`, but also return where the parts were put."""
    text = b"\xc3" + b"\xcc" * 15 + b"\0" * pad_before_resources
    text_raw = _align(len(text), FILE_ALIGNMENT)
    rsrc_offset = HEADERS_SIZE + text_raw
    rsrc_rva = _align(TEXT_RVA + len(text), SECTION_ALIGNMENT)

    resources: dict[int, bytes] = {
        RT_STRING: b"\0" * other_resource_size,
        RT_MANIFEST: _MANIFEST,
    }
    if version_resource:
        strings = string_version if string_version is not None else fixed_version
        resources[RT_VERSION] = version_blob or version_info(
            fixed_version or "0.0.0.0", strings, dll=dll
        )
    rsrc, version = _resource_section(resources, rsrc_rva)

    sections = [
        (b".text", text, TEXT_RVA, HEADERS_SIZE, 0x60000020),
        (b".rsrc", rsrc, rsrc_rva, rsrc_offset, 0x40000040),
    ]
    image_size = _align(rsrc_rva + len(rsrc), SECTION_ALIGNMENT)
    headers = _headers(sections, image_size, rsrc_rva, len(rsrc), dll=dll)
    data = headers + _pad(text, FILE_ALIGNMENT) + _pad(rsrc, FILE_ALIGNMENT)
    return BuiltPe(
        data=data,
        section_table_end=E_LFANEW + 24 + 224 + 40 * len(sections),
        rsrc_offset=rsrc_offset,
        version_type_entry=None if version is None else rsrc_offset + version[0],
        version_data_entry=None if version is None else rsrc_offset + version[1],
        version_info_offset=None if version is None else rsrc_offset + version[2],
    )


# --- headers ---------------------------------------------------------------------------


def _headers(
    sections: list[tuple[bytes, bytes, int, int, int]],
    image_size: int,
    rsrc_rva: int,
    rsrc_size: int,
    *,
    dll: bool,
) -> bytes:
    dos = bytearray(E_LFANEW)
    dos[0:2] = b"MZ"
    struct.pack_into("<I", dos, 0x3C, E_LFANEW)
    characteristics = 0x0102 | (0x2000 if dll else 0)  # EXECUTABLE_IMAGE | 32BIT_MACHINE
    file_header = struct.pack(
        "<4sHHIIIHH", b"PE\0\0", 0x14C, len(sections), 0, 0, 0, 224, characteristics
    )
    directories = [(0, 0)] * 16
    directories[2] = (rsrc_rva, rsrc_size)
    optional = struct.pack(
        "<HBBIIIIIIIIIHHHHHHIIIIHHIIIIII",
        0x10B, 6, 0,  # PE32, linker 6.0
        _align(len(sections[0][1]), FILE_ALIGNMENT), 0, 0,  # code, data, bss sizes
        TEXT_RVA, TEXT_RVA, rsrc_rva,  # entry point, base of code, base of data
        0x10000000 if dll else 0x400000, SECTION_ALIGNMENT, FILE_ALIGNMENT,
        4, 0, 0, 0, 4, 0,  # OS, image and subsystem versions
        0, image_size, HEADERS_SIZE, 0,  # Win32VersionValue, image, headers, checksum
        2, 0,  # GUI subsystem, DllCharacteristics
        0x100000, 0x1000, 0x100000, 0x1000, 0, 16,  # stack, heap, loader flags, dirs
    )  # fmt: skip
    optional += b"".join(struct.pack("<II", rva, size) for rva, size in directories)
    table = b"".join(
        struct.pack(
            "<8sIIIIIIHHI",
            *(name, len(body), rva, _align(len(body), FILE_ALIGNMENT), offset),
            *(0, 0, 0, 0, flags),  # no relocations or line numbers
        )
        for name, body, rva, offset, flags in sections
    )
    headers = bytes(dos) + file_header + optional + table
    return headers + b"\0" * (HEADERS_SIZE - len(headers))


# --- resources -------------------------------------------------------------------------


def _resource_section(
    resources: dict[int, bytes], rsrc_rva: int
) -> tuple[bytes, tuple[int, int, int] | None]:
    """Lay out type/name/language directories, data entries and data, as cvtres does.

    Return the section and, if there is an RT_VERSION, the offsets (from the section's
    start) of its root entry, its data entry and its data.
    """
    types = sorted(resources)
    root_size = 16 + 8 * len(types)
    level_size = 16 + 8  # one entry per name or language directory
    names_at = root_size
    languages_at = names_at + level_size * len(types)
    entries_at = languages_at + level_size * len(types)
    data_at = entries_at + 16 * len(types)

    out = bytearray(_directory_header(len(types)))
    for index, kind in enumerate(types):
        out += struct.pack("<II", kind, _SUBDIRECTORY | (names_at + level_size * index))
    for index in range(len(types)):  # name level: id 1
        language_directory = languages_at + level_size * index
        out += _directory_header(1) + struct.pack("<II", 1, _SUBDIRECTORY | language_directory)
    for index in range(len(types)):  # language level: 1033 -> data entry
        out += _directory_header(1) + struct.pack("<II", LANG_EN_US, entries_at + 16 * index)
    placed: dict[int, int] = {}
    position = data_at
    for kind in types:
        placed[kind] = position
        out += struct.pack("<IIII", rsrc_rva + position, len(resources[kind]), 0, 0)
        position = _align(position + len(resources[kind]), 8)
    for kind in types:
        out += b"\0" * (placed[kind] - len(out)) + resources[kind]
    if RT_VERSION not in resources:
        return bytes(out), None
    index = types.index(RT_VERSION)
    return bytes(out), (16 + 8 * index, entries_at + 16 * index, placed[RT_VERSION])


def _directory_header(id_entries: int) -> bytes:
    return struct.pack("<IIHHHH", 0, 0, 4, 0, 0, id_entries)


# --- VS_VERSIONINFO --------------------------------------------------------------------


def version_info(
    fixed_version: str,
    string_version: str | None,
    *,
    dll: bool = False,
    encoding: str = "utf-16-le",
    word_type: bool = True,
) -> bytes:
    """Return a VS_VERSIONINFO blob: fixed info, StringFileInfo and VarFileInfo.

    - ``encoding``: of every key and text value. "utf-16-le" is what rc.exe and windres
      write; "latin-1" is the 8-bit layout pywin32 228's win32verstamp wrote.
    - ``word_type``: False leaves out wType, as a 16-bit (Windows 3.x) VS_VERSION_INFO does.
    """
    ms, ls = _ms_ls(fixed_version)
    fixed = struct.pack(
        "<13I",
        0xFEEF04BD, 0x00010000, ms, ls, ms, ls,  # signature, struct version, file, product
        0x3F, 0, 0x00040004, 2 if dll else 1, 0, 0, 0,  # flags, NT/Win32, type, date
    )  # fmt: skip
    form = _Form(encoding, word_type)
    strings = [("CompanyName", "Fixture builder (not Microsoft)")]
    if string_version is not None:
        strings += [("FileVersion", string_version), ("ProductVersion", string_version)]
    table = form.block("040904b0", b"", 0, 1, [form.string(key, value) for key, value in strings])
    translation = form.block("Translation", struct.pack("<HH", LANG_EN_US, 0x04B0), 4, 0, [])
    children = [
        form.block("StringFileInfo", b"", 0, 1, [table]),
        form.block("VarFileInfo", b"", 0, 1, [translation]),
    ]
    return form.block("VS_VERSION_INFO", fixed, len(fixed), 0, children)


@dataclass(frozen=True)
class _Form:
    """How the blocks of one VS_VERSIONINFO are written."""

    encoding: str
    word_type: bool

    def string(self, key: str, value: str) -> bytes:
        text = (value + "\0").encode(self.encoding)
        return self.block(key, text, len(text) // 2, 1, [])

    def block(
        self, key: str, value: bytes, value_length: int, kind: int, children: list[bytes]
    ) -> bytes:
        """wLength counts the header, key, value and children, not trailing padding."""
        header = 6 if self.word_type else 4
        body = _pad(bytes(header) + (key + "\0").encode(self.encoding), 4) + value
        for child in children:
            body = _pad(body, 4) + child
        fields = (len(body), value_length, kind)[: header // 2]
        return struct.pack(f"<{header // 2}H", *fields) + body[header:]


def _ms_ls(version: str) -> tuple[int, int]:
    parts = [int(part) for part in version.split(".")] + [0, 0, 0]
    return parts[0] << 16 | parts[1], parts[2] << 16 | parts[3]


def _align(value: int, alignment: int) -> int:
    return (value + alignment - 1) // alignment * alignment


def _pad(data: bytes, alignment: int) -> bytes:
    return data + b"\0" * (_align(len(data), alignment) - len(data))
