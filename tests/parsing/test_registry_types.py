"""Registry type codes, as .reg files (hex(N)) and hives store them."""

from __future__ import annotations

import pytest

from auditor.parsing.registry import RegType


@pytest.mark.parametrize(
    ("code", "kind"),
    [(0, RegType.NONE), (1, RegType.SZ), (2, RegType.EXPAND_SZ), (4, RegType.DWORD),
     (7, RegType.MULTI_SZ), (11, RegType.QWORD)],
)  # fmt: skip
def test_codes_both_ways(code: int, kind: RegType) -> None:
    assert RegType.from_code(code) is kind
    assert kind.code == code


def test_an_unknown_code_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="0x12"):
        RegType.from_code(0x12)
