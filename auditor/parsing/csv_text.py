"""The text of an inventory CSV, as the spreadsheets and scripts of the era save it."""

from __future__ import annotations

from pathlib import Path

from auditor.errors import ParseError

__all__ = ["MAX_BYTES", "read_csv_text"]

MAX_BYTES = 32 * 1024 * 1024
"""Far beyond any inventory; a larger file is not one."""


def read_csv_text(path: Path, what: str) -> str:
    """UTF-8 (with or without a BOM), else cp1252, which decodes any byte. Raise ParseError."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ParseError(f"{path}: cannot read the {what}: {error.strerror}") from error
    if len(data) > MAX_BYTES:
        raise ParseError(f"{path}: larger than {MAX_BYTES} bytes")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")
