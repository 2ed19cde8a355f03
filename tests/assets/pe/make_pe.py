"""Rebuild the PE fixtures in this folder: python tests/assets/pe/make_pe.py [--wine]

Each NAME.rc becomes NAME.exe, a 3 KiB i686 program built by the mingw-w64 toolchain
(apt-get install mingw-w64): windres compiles the resources, gcc links them to start.c.
Each .rc states, in its "// expect:" lines, the version Windows reports for it; the tests
check the reader against those. The built files are committed, so the tests need no mingw.

Three fixtures hold a VS_VERSIONINFO that windres cannot write (8-bit keys, a missing
signature): their .rc embeds NAME.bin as raw RT_VERSION data, written here by
tests/builders/pe.py. The resource tree and headers around them still come from mingw.

--wine also asks the Windows API itself, as Wine implements it (apt-get install wine64):
verinfo.c, built for x86-64, calls GetFileVersionInfoW and VerQueryValueW on every
fixture, and its answers are written to wine.tsv, which a test compares with the reader.
"""

from __future__ import annotations

import argparse
import os
import shutil
import struct
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from tests.builders.pe import version_info  # noqa: E402

PREFIX = "i686-w64-mingw32-"
WINE = Path("/usr/lib/wine/wine64")


def _no_signature() -> bytes:
    blob = bytearray(version_info("5.5.2431.0", "5.5.2431.0"))
    at = blob.find(struct.pack("<I", 0xFEEF04BD))
    blob[at : at + 4] = bytes(4)
    return bytes(blob)


BLOBS: dict[str, Callable[[], bytes]] = {
    "ansi-key.bin": lambda: version_info("5.5.2653.1", "5.5.2653.1", encoding="latin-1"),
    "win16-key.bin": lambda: version_info(
        "5.5.2650.24", "5.5.2650.24", encoding="latin-1", word_type=False
    ),
    "no-signature.bin": _no_signature,
}


def build(work: Path, out: Path = HERE) -> list[Path]:
    """Build every .rc here into an .exe in ``out``; return the executables."""
    for name, make in BLOBS.items():
        (work / name).write_bytes(make())
    built = []
    for rc in sorted(HERE.glob("*.rc")):
        shutil.copy(rc, work / rc.name)
        obj = work / f"{rc.stem}.o"
        exe = out / f"{rc.stem}.exe"
        subprocess.run(
            [f"{PREFIX}windres", rc.name, "-O", "coff", "-o", obj.name], cwd=work, check=True
        )
        subprocess.run(
            [
                f"{PREFIX}gcc", "-Os", "-s", "-nostdlib", "-Wl,--entry=_start",
                "-Wl,--subsystem,windows", "-Wl,--no-insert-timestamp",
                "-o", str(exe), str(HERE / "start.c"), str(obj),
            ],
            check=True,
        )  # fmt: skip
        built.append(exe)
    return built


def ask_wine(work: Path, executables: list[Path]) -> None:
    """Write wine.tsv: what GetFileVersionInfoW and VerQueryValueW say of each file."""
    checker = work / "verinfo.exe"
    source = str(HERE / "verinfo.c")
    subprocess.run(
        ["x86_64-w64-mingw32-gcc", "-municode", "-O2", "-o", str(checker), source, "-lversion"],
        check=True,
    )
    env = dict(os.environ, WINEPREFIX=str(work / "wineprefix"), WINEDEBUG="-all")
    env["LC_ALL"] = "en_US.UTF-8"  # the loader's language choice follows the locale
    names = [f"Z:{exe}".replace("/", "\\") for exe in executables]
    done = subprocess.run(
        [str(WINE), str(checker), *names], env=env, capture_output=True, text=True, check=True
    )
    rows = ["file\twine_reports"]
    for line in done.stdout.splitlines():
        path, answer = line.split("\t", 1)
        rows.append(f"{path.rsplit(chr(92), 1)[-1]}\t{answer.strip()}")
    (HERE / "wine.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--wine", action="store_true", help="also record Wine's readings")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        executables = build(work)
        if options.wine:
            ask_wine(work, executables)
    for exe in executables:
        print(f"{exe.name}\t{exe.stat().st_size} bytes")


if __name__ == "__main__":
    main()
