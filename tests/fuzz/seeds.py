"""Seed inputs for each fuzz target, made by the test builders (never by the code under test).

Seeds are written afresh for each run rather than committed: they are generated files.
The independent samples beside the repository are added when they are there.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

from auditor.parsing.registry import RegType, RegValue
from tests.builders.evt import EvtLog, EvtRecord, ipv4_hex, mta_9301, name_hex, utc
from tests.builders.hive import build_hive
from tests.builders.pe import build_pe, version_info
from tests.builders.regtext import RegFormat, write_reg
from tests.conftest import SHARED

__all__ = ["SEEDS", "write_seeds"]

_MAX_SAMPLE = 64 * 1024
_HOSTILE = Path(__file__).resolve().parent.parent / "assets" / "hostile"
_PE_ASSETS = _HOSTILE.parent / "pe"
_MTA = "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\MSExchangeMTA"


def _pe() -> Iterator[bytes]:
    yield build_pe("5.5.2431.0")
    yield build_pe("5.5.2232.18", "5.5.2232.18 (build lab)", dll=True)
    yield build_pe(None, version_resource=False)
    yield build_pe("5.5.2448.1", other_resource_size=600)
    yield build_pe(None, version_blob=version_info("5.5.2653.1", "x", encoding="latin-1"))
    yield build_pe(None, version_blob=version_info("5.5.2650.0", None, word_type=False))
    # Several IDs and languages under RT_VERSION, built by mingw-w64 (tests/assets/pe).
    for name in ("id1-and-id2", "named-and-id1", "languages-de-en", "languages-fr-de"):
        yield (_PE_ASSETS / f"{name}.exe").read_bytes()


def _values() -> dict[str, list[RegValue]]:
    return {
        _MTA: [
            RegValue("ImagePath", RegType.EXPAND_SZ, "%SystemRoot%\\..\\exchsrvr\\bin\\emsmta.exe"),
            RegValue("Start", RegType.DWORD, 2),
        ],
        f"{_MTA}\\Parameters\\TCP to MTA B": [
            RegValue("Stack IP Address Override", RegType.SZ, "10.0.0.5"),
            RegValue("Blob", RegType.BINARY, bytes(range(40))),
        ],
        "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\El90x1\\Parameters\\Tcpip": [
            RegValue("IPAddress", RegType.MULTI_SZ, ("10.0.0.5", "10.0.0.6")),
            RegValue("EnableDHCP", RegType.DWORD, 0),
        ],
    }


def _reg() -> Iterator[bytes]:
    for fmt in RegFormat:
        yield write_reg(_values(), fmt)


def _hive() -> Iterator[bytes]:
    keys: dict[str, list[RegValue]] = {"Select": [RegValue("Current", RegType.DWORD, 1)]}
    for path, values in _values().items():
        keys[path.split("\\", 2)[2].replace("CurrentControlSet", "ControlSet001")] = values
    yield build_hive(keys, index="lh")
    yield build_hive(keys, index="lf")


def _hive_log() -> Iterator[bytes]:
    log = (_HOSTILE.parent / "hives" / "dirty.SYSTEM.LOG").read_bytes()
    yield log
    yield log[:512] + b"HvLE" + log[516:]


def _zip() -> Iterator[bytes]:
    export = next(_reg())
    pe = build_pe("5.5.2431.0")
    for method in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=method) as bundle:
            bundle.writestr("EXCH01/registry/SYSTEM.reg", export)
            bundle.writestr("EXCH01/C$/exchsrvr/bin/Emsmta.exe", pe)
        yield buffer.getvalue()


_KB = Path(__file__).resolve().parent.parent / "assets" / "kb"


def _article() -> Iterator[bytes]:
    # Real articles in both layouts (copies of ../shared/kb, committed with the tests).
    for name in ("Q197378.txt", "Q198392.txt", "Q243604.txt"):
        path = _KB / name
        if path.is_file():
            yield path.read_bytes()[:_MAX_SAMPLE]


def _evt() -> Iterator[bytes]:
    log = EvtLog().add(
        mta_9301(utc(2026, 11, 2, 10), ipv4_hex("10.0.0.6")),
        mta_9301(utc(2026, 11, 2, 10, 0, 20), ipv4_hex("10.0.0.6")),
        mta_9301(utc(2026, 11, 3, 9), name_hex("RemoteMTA")),
        EvtRecord(event_id=1000, when=utc(2026, 11, 3), source="Other", strings=("x",)),
    )
    yield log.linear()
    yield log.wrapped(2048, 1500)


SEEDS: dict[str, tuple[Callable[[], Iterator[bytes]], tuple[str, ...]]] = {
    "article": (_article, ()),
    "evt": (_evt, ()),
    "pe": (_pe, ("pe/*.exe", "pe/*.dll")),
    "reg": (_reg, ("registry/*.reg",)),
    "hive": (_hive, ("registry/*.SYSTEM",)),
    "hive_log": (_hive_log, ()),
    "zip": (_zip, ()),
}
"""Target name -> (builder of seeds, globs of samples under ../shared/samples)."""


def write_seeds(target: str, folder: Path) -> int:
    """Write the target's seeds into ``folder``; return how many."""
    build, globs = SEEDS[target]
    folder.mkdir(parents=True, exist_ok=True)
    seeds = list(build())
    samples = SHARED / "samples"
    for pattern in globs:
        seeds += [p.read_bytes() for p in sorted(samples.glob(pattern)) if _small(p)]
    # The regression inputs found by earlier runs start every later run.
    regression = _HOSTILE / "fuzz" / target
    if regression.is_dir():
        seeds += [p.read_bytes() for p in sorted(regression.iterdir()) if p.is_file()]
    for number, seed in enumerate(seeds):
        (folder / f"seed-{number:03d}").write_bytes(seed)
    return len(seeds)


def _small(path: Path) -> bool:
    return path.is_file() and path.stat().st_size <= _MAX_SAMPLE
