from __future__ import annotations

import pytest

from auditor.versions import Version


@pytest.mark.parametrize(
    ("low", "high"),
    [
        ("5.5.999.0", "5.5.2431.0"),  # wrong as text, right as numbers
        ("5.5.2431", "5.5.2431.1"),
        ("5.5.2232.18", "5.5.2431.0"),
        ("5.0.1461.9", "5.5.0.0"),
        ("5.5.2431.0", "5.5.2448.1"),
    ],
)
def test_versions_compare_as_integers(low: str, high: str) -> None:
    assert Version.parse(low) < Version.parse(high)


def test_missing_parts_are_zero() -> None:
    assert Version.parse("5.5") == Version.parse("5.5.0.0")
    assert str(Version.parse("5.5.2431")) == "5.5.2431.0"


def test_from_ms_ls() -> None:
    assert Version.from_ms_ls(0x00050005, 0x097F0000) == Version.parse("5.5.2431.0")
    assert Version.from_ms_ls(0, 0).is_zero


@pytest.mark.parametrize("text", ["", "5.5.x", "5..5", "1.2.3.4.5", "5.5.70000.0", " ", "v5.5"])
def test_malformed_versions_are_rejected(text: str) -> None:
    with pytest.raises(ValueError):
        Version.parse(text)
