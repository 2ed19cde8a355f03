"""Property tests of version comparison, against an independent statement of the rule:
component by component as integers, missing parts 0 (DESIGN.md, "Versions")."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from auditor.versions import Version

parts = st.lists(st.integers(0, 0xFFFF), min_size=1, max_size=4)


def dotted(numbers: list[int]) -> str:
    return ".".join(str(number) for number in numbers)


def padded(numbers: list[int]) -> tuple[int, ...]:
    return tuple(numbers + [0] * (4 - len(numbers)))


@given(parts, parts)
def test_order_is_the_order_of_the_padded_integers(low: list[int], high: list[int]) -> None:
    a, b = Version.parse(dotted(low)), Version.parse(dotted(high))
    assert (a < b) == (padded(low) < padded(high))
    assert (a == b) == (padded(low) == padded(high))


@given(parts)
def test_text_round_trips_with_four_parts(numbers: list[int]) -> None:
    version = Version.parse(dotted(numbers))
    assert str(version) == dotted(list(padded(numbers)))
    assert Version.parse(str(version)) == version


@given(parts)
def test_ms_ls_round_trips(numbers: list[int]) -> None:
    a, b, c, d = padded(numbers)
    assert Version.from_ms_ls(a << 16 | b, c << 16 | d) == Version.parse(dotted(numbers))


@given(parts, st.integers(0, 3), st.integers(0x10000, 0x10_0000))
def test_a_part_above_a_word_is_refused(numbers: list[int], at: int, big: int) -> None:
    numbers = list(padded(numbers))
    numbers[at] = big
    try:
        Version.parse(dotted(numbers))
    except ValueError:
        return
    raise AssertionError(f"{dotted(numbers)} was accepted")


@given(st.text(alphabet="0123456789.", max_size=24))
def test_text_is_a_version_only_when_dotted_numbers(text: str) -> None:
    pieces = text.split(".")
    well_formed = 1 <= len(pieces) <= 4 and all(
        piece.isdigit() and len(piece) <= 5 and int(piece) <= 0xFFFF for piece in pieces
    )
    try:
        Version.parse(text)
    except ValueError:
        assert not well_formed, text
    else:
        assert well_formed, text
