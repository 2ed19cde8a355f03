"""The fuzz targets as plain functions: bytes in, and only the reader's own errors out.

Kept free of atheris so that the regression tests run every committed finding through the
very function the fuzzer ran, in the normal suite.
"""

from __future__ import annotations

import atexit
import contextlib
import shutil
import struct
import tempfile
from collections.abc import Callable
from pathlib import Path

from auditor.catalogue.article import parse_article
from auditor.catalogue.source import decode_article
from auditor.errors import EvidenceError, ParseError
from auditor.evidence.zip import ZipSource
from auditor.parsing.evt import read_evt
from auditor.parsing.hive import read_system_hive
from auditor.parsing.pe_version import read_pe_version
from auditor.parsing.regfile import parse_reg
from tests.builders.hive import hive_checksum

__all__ = ["TARGETS", "article", "evt", "hive", "hive_log", "pe", "reg", "zip_source"]

_SERVICES = ("MSExchangeMTA", "ClusSvc")
_BASE_BLOCK = 4096
_DIRTY = Path(__file__).resolve().parent.parent / "assets" / "hives" / "dirty.SYSTEM"
# regipy opens hives by path only; one scratch file, in memory where the system offers it.
_SHM = Path("/dev/shm")
_SCRATCH = Path(tempfile.mkdtemp(prefix="fixlevel-fuzz-", dir=_SHM if _SHM.is_dir() else None))
atexit.register(shutil.rmtree, _SCRATCH, ignore_errors=True)


def pe(data: bytes) -> None:
    with contextlib.suppress(ParseError):
        read_pe_version(lambda offset, length: data[offset : offset + length], len(data), "fuzz")


def reg(data: bytes) -> None:
    with contextlib.suppress(ParseError):
        parse_reg(data, "fuzz")


def hive(data: bytes) -> None:
    path = _SCRATCH / "SYSTEM"
    path.write_bytes(_checksummed(data))
    with contextlib.suppress(ParseError):
        read_system_hive(path, "fuzz", _SERVICES)


def hive_log(data: bytes) -> None:
    """``data`` as the transaction log of a dirty hive, replayed and the result read."""
    path = _SCRATCH / "SYSTEM"
    path.write_bytes(_DIRTY.read_bytes())
    log = data
    if len(data) >= 512:  # the checksum made right, so that mutations reach the replay
        log = data[:508] + struct.pack("<I", hive_checksum(data[:508])) + data[512:]
    with contextlib.suppress(ParseError):
        read_system_hive(path, "fuzz", _SERVICES, [("SYSTEM.LOG", log)], 1 << 22)


def _checksummed(data: bytes) -> bytes:
    """The hive with its base block checksum made right, so that a mutation of the base
    block reaches the reader instead of stopping at the checksum (tested on its own)."""
    if data[:4] != b"regf" or len(data) < _BASE_BLOCK:
        return data
    checksum = hive_checksum(data[:508])
    return data[:508] + struct.pack("<I", checksum) + data[512:]


def zip_source(data: bytes) -> None:
    """List the bundle, then read every member whole and in a range, as collect does."""
    path = _SCRATCH / "EXCH01.zip"
    path.write_bytes(data)
    source = ZipSource(path)
    try:
        files, _ = source.list_files()
        for file in files[:32]:
            with contextlib.suppress(EvidenceError):
                source.read_at(file.path, max(file.size - 64, 0), 128)
                source.read_all(file.path, 1 << 20)
    finally:
        source.close()


def article(data: bytes) -> None:
    """A KB article's bytes, decoded and parsed: never an exception, the error is data."""
    with contextlib.suppress(ParseError):
        parse_article(decode_article(data, "fuzz"), "fuzz")


def evt(data: bytes) -> None:
    """A classic event log (the format is circular: offsets and lengths are the attack)."""
    with contextlib.suppress(ParseError):
        read_evt(data, "fuzz", "fuzz")


TARGETS: dict[str, Callable[[bytes], None]] = {
    "article": article,
    "evt": evt,
    "pe": pe,
    "reg": reg,
    "hive": hive,
    "hive_log": hive_log,
    "zip": zip_source,
}
