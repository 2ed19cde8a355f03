from __future__ import annotations

import csv
import re

import pytest

from auditor.errors import ReportError
from auditor.reporting import build_report, render_csv
from tests import scenarios

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def read_back(path):
    with path.open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.reader(stream))


def expected_text(value) -> str:
    if value is None:
        return ""
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", str(value))
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def test_servers_round_trip(scenario, tmp_path):
    path = tmp_path / "servers.csv"
    render_csv(scenario.report, path)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = read_back(path)
    table = scenario.report.servers
    assert rows[0] == list(table.columns)
    assert len(rows) - 1 == len(table)
    for actual, expected in zip(rows[1:], table.rows, strict=True):
        assert actual == [expected_text(value) for value in expected]


def test_injection_prefixes(tmp_path):
    path = tmp_path / "hostile.csv"
    render_csv(build_report(scenarios.hostile_text()), path)
    rows = {row[0]: row for row in read_back(path)[1:]}
    assert set(rows) >= {"'=1+2", "'@SUM(A1)", "'+MTA", "'-MTA"}
    below = rows["'-MTA"]
    assert below[4] == "'\r5.5"  # MTA version
    assert below[5] == "'\tSP1"  # Build label
    assert rows["'+MTA"][2] == '\'-2+3; =HYPERLINK("http://evil")'
    # Commas, quotes and newlines survive through quoting, unprefixed.
    assert 'MTA, "quoted"\nnewline' in rows
    assert rows['MTA, "quoted"\nnewline'][2] == 'a, b; "c"'
    # Control characters (terminal escapes) are removed; tab, CR and LF are kept.
    assert rows["'=1+2"][2] == "Emsmta.exe is below 5.5.2431.0[0m"


def test_non_ascii_is_utf8(tmp_path):
    path = tmp_path / "non-ascii.csv"
    render_csv(build_report(scenarios.non_ascii()), path)
    text = path.read_bytes().decode("utf-8-sig")
    assert "Connecteur Rhône: missing" in text
    assert "東京-MTA" in text


def test_unwritable_path_is_a_report_error(tmp_path):
    path = tmp_path / "missing-folder" / "servers.csv"
    with pytest.raises(ReportError, match=re.escape(str(path))) as raised:
        render_csv(build_report(scenarios.one_of_each()), path)
    assert isinstance(raised.value.__cause__, OSError)
