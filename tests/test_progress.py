"""The terminal progress line."""

from __future__ import annotations

import io

from auditor.progress import terminal_progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_draws_done_total_and_rate_in_place_and_ends_the_line() -> None:
    stream = Terminal()
    with terminal_progress(stream) as progress:
        assert progress is not None
        progress(0, 3)
        progress(3, 3)  # the last figures are always drawn, however soon
    text = stream.getvalue()
    assert text.startswith("\r  scanned 0/3 servers")
    assert "\r  scanned 3/3 servers, " in text and "servers/s" in text
    assert text.endswith("\n")


def test_redraws_are_spaced_out() -> None:
    stream = Terminal()
    with terminal_progress(stream) as progress:
        assert progress is not None
        for done in range(1000):
            progress(done, 1000)
    assert stream.getvalue().count("\r") < 10


def test_nothing_when_quiet_or_not_a_terminal() -> None:
    for stream, quiet in [(Terminal(), True), (io.StringIO(), False)]:
        with terminal_progress(stream, quiet=quiet) as progress:
            assert progress is None
        assert stream.getvalue() == ""
