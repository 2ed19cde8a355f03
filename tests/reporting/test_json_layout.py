"""The JSON report's layout: the C encoder below the outer levels, the same data as before.

The reference is the standard library's own json.dump(indent=2), which the report used
until issue 15, written through the same errors="replace" stream.
"""

from __future__ import annotations

import io
import json
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from auditor.reporting import build_report, render_json
from auditor.reporting.json import to_json_dict, write_layout
from tests import scenarios

# Every code point, lone surrogates included: a file name that was not valid UTF-8.
TEXT = st.text(st.characters(exclude_categories=()), max_size=12)
SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=25,
)


def through_stream(write: object) -> str:
    """What a UTF-8 file opened with errors="replace" holds after ``write`` ran on it."""
    buffer = io.BytesIO()
    stream = io.TextIOWrapper(buffer, encoding="utf-8", errors="replace")
    write(stream)  # type: ignore[operator]
    stream.flush()
    return buffer.getvalue().decode("utf-8")


@given(VALUES)
def test_loads_to_what_the_pure_python_encoder_wrote(value: object) -> None:
    ours = through_stream(lambda stream: write_layout(value, stream.write))
    theirs = through_stream(lambda stream: json.dump(value, stream, ensure_ascii=False, indent=2))
    assert json.loads(ours) == json.loads(theirs)


def test_a_report_loads_to_what_json_dump_indent_wrote(scenario, tmp_path) -> None:
    path = tmp_path / "r.json"
    render_json(scenario.result, scenario.report, path)
    document = to_json_dict(scenario.result, scenario.report)
    reference = json.dumps(document, ensure_ascii=False, indent=2)
    assert json.loads(path.read_text(encoding="utf-8")) == json.loads(reference)


def test_a_lone_surrogate_is_written_as_a_question_mark(tmp_path) -> None:
    result = scenarios.one_of_each()
    first = replace(result.servers[0], warnings=("bad name \udcff here",))
    result = replace(result, servers=(first, *result.servers[1:]))
    path = tmp_path / "r.json"
    render_json(result, build_report(result), path)
    servers = json.loads(path.read_text(encoding="utf-8"))["servers"]
    assert ["bad name ? here"] in [server["warnings"] for server in servers]


def test_one_server_a_line_and_the_outer_keys_indented(tmp_path) -> None:
    result = scenarios.one_of_each()
    path = tmp_path / "r.json"
    render_json(result, build_report(result), path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "{" and lines[-1] == "}"
    assert '  "generated_at": "2000-03-14T09:30:00+00:00",' in lines
    start = lines.index('  "servers": [') + 1
    servers = lines[start : start + len(result.servers)]
    assert lines[start + len(result.servers)] == "  ],"
    assert [json.loads(line.rstrip(","))["server"] for line in servers] == [
        server["server"] for server in json.loads("\n".join(lines))["servers"]
    ]


def test_each_server_is_made_as_it_is_written(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    # All the servers' objects at once were the largest step of a run's memory: each is
    # made when its line is written, so at most one is held.
    import auditor.reporting.json as json_report

    made: list[str] = []
    real = json_report._server

    def counting(verdict, labelled):  # type: ignore[no-untyped-def]
        made.append(verdict.server)
        return real(verdict, labelled)

    monkeypatch.setattr(json_report, "_server", counting)
    result = scenarios.one_of_each()
    seen: list[int] = []
    real_layout = json_report.write_layout

    def watching(value: object, write, depth: int = 0) -> None:  # type: ignore[no-untyped-def]
        if depth == 2 and isinstance(value, dict) and "files" in value:  # a server
            seen.append(len(made))  # made so far, when this server is written
        real_layout(value, write, depth)

    monkeypatch.setattr(json_report, "write_layout", watching)
    render_json(result, build_report(result), tmp_path / "r.json")
    assert len(result.servers) > 2
    assert seen == list(range(1, len(result.servers) + 1))
