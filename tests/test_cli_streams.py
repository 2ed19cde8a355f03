"""The CLI as a Unix tool: reports on stdout, no abbreviations, -V everywhere, a mistyped
option answered with that command's usage, and the trend kept to one fleet."""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from auditor.cli import ExitCode, main
from auditor.cli_parser import build_parser
from tests.conftest import EXAMPLE_FLEET
from tests.test_cli import _subcommands

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def run(*argv: str, now: datetime = NOW) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err, now=now)
    return code, out.getvalue(), err.getvalue()


def test_json_to_stdout_is_the_json_file_and_nothing_else(tmp_path: Path) -> None:
    code, piped, err = run("scan", str(EXAMPLE_FLEET), "--json", "-", "--previous", "none")
    assert code == ExitCode.FINDINGS
    written = tmp_path / "r.json"
    run("scan", str(EXAMPLE_FLEET), "--json", str(written), "--previous", "none")
    # stdout is the document alone: json.loads fails on any summary line around it.
    assert json.loads(piped) == json.loads(written.read_text(encoding="utf-8"))
    assert "servers are exposed to Q197378" in err  # the summary moved to stderr
    assert not (Path.cwd() / "-").exists()


def test_csv_to_stdout_has_no_bom_and_the_files_still_get_written(tmp_path: Path) -> None:
    workbook = tmp_path / "r.xlsx"
    code, piped, err = run(
        "scan", str(EXAMPLE_FLEET), "--csv", "-", "--xlsx", str(workbook), "--previous", "none"
    )
    assert code == ExitCode.FINDINGS
    assert not piped.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(piped)))
    assert rows[0][:2] == ["Server", "Status"]
    assert len(rows) == 1 + 10  # the example fleet's ten servers
    assert workbook.is_file() and f"wrote {workbook}" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--xlsx", "-"], "--xlsx -: a workbook is not text"),
        (["--csv", "-", "--json", "-"], "only one report can go to stdout"),
    ],
)
def test_stdout_misuse_is_a_usage_error(argv: list[str], message: str) -> None:
    code, out, err = run("scan", str(EXAMPLE_FLEET), *argv)
    assert code == ExitCode.USAGE and message in err and out == ""


def test_report_rerenders_the_csv_to_stdout(tmp_path: Path) -> None:
    saved = tmp_path / "r.json"
    run("scan", str(EXAMPLE_FLEET), "--json", str(saved), "--previous", "none")
    code, piped, _ = run("report", str(saved), "--csv", "-")
    assert code == ExitCode.OK
    assert piped.startswith("Server,")


def test_abbreviations_are_errors(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run("scan", str(EXAMPLE_FLEET), "--js", "x.json")
    assert code == ExitCode.USAGE
    err = capsys.readouterr().err
    assert err.startswith("usage: auditor scan ")  # the command's usage, not the top one
    assert "unrecognized arguments: --js" in err


@pytest.mark.parametrize("command", sorted(_subcommands(build_parser())))
def test_every_command_has_a_version_option(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for flag in ("-V", "--version"):
        assert run(*command.split(), flag)[0] == ExitCode.OK
        assert capsys.readouterr().out.startswith("fixlevel ")


@pytest.mark.parametrize("command", sorted(_subcommands(build_parser())))
def test_an_unknown_option_shows_that_commands_usage(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    required = {"collect": ["--facts", "f.json"], "baseline capture": ["--out", "b.toml"]}
    argv = [*command.split(), "ARG", *required.get(command, []), "--no-such-option"]
    assert run(*argv)[0] == ExitCode.USAGE
    err = capsys.readouterr().err
    assert err.startswith(f"usage: auditor {command} ")
    assert "--no-such-option" in err


def _copy_fleet(root: Path, names: dict[str, str]) -> Path:
    root.mkdir(parents=True)
    for name, example in names.items():
        shutil.copytree(EXAMPLE_FLEET / example, root / name)
    return root


def test_the_trend_compares_only_runs_of_the_same_fleet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    europe = _copy_fleet(tmp_path / "europe", {"lon": "exposed-sp1-multihomed"})
    asia = _copy_fleet(tmp_path / "asia", {"tyo": "compliant-sp2-single-homed"})
    run("scan", str(europe), now=datetime(2026, 8, 11, tzinfo=UTC))
    _, out, _ = run("scan", str(asia), "--json", "asia.json")
    data = json.loads(Path("asia.json").read_text(encoding="utf-8"))
    assert data["fleet"] == str(asia.resolve())
    assert data["trend"]["previous"] is None  # Europe's run is not Asia's past
    assert data["changes"]["removed"] == []
    assert "1 archived run of another fleet" in out
    _code, out, _ = run("scan", str(europe), "--json", "europe.json")
    data = json.loads(Path("europe.json").read_text(encoding="utf-8"))
    assert data["trend"]["previous"]["quarter"] == "2026-Q3"
    assert "another fleet" not in out


def test_previous_none_turns_the_comparison_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    fleet = _copy_fleet(tmp_path / "fleet", {"lon": "exposed-sp1-multihomed"})
    run("scan", str(fleet), now=datetime(2026, 8, 11, tzinfo=UTC))
    code, _, err = run("scan", str(fleet), "--json", "r.json", "--previous", "none")
    assert code == ExitCode.FINDINGS, err
    data = json.loads(Path("r.json").read_text(encoding="utf-8"))
    assert data["trend"] is None
    assert data["changes"] == {
        key: [] for key in ("newly_exposed", "remediated", "still_exposed", "added", "removed")
    }


def test_console_counts_agree_with_their_nouns(tmp_path: Path) -> None:
    one = _copy_fleet(tmp_path / "one", {"lon": "exposed-sp1-multihomed"})
    _, out, _ = run("scan", str(one), "--json", str(tmp_path / "r.json"), "--previous", "none")
    assert "): 1 server\n" in out
    _, out, _ = run("collect", str(one), "--facts", str(tmp_path / "f.json"))
    assert "collected 1 server," in out


def test_long_console_lines_are_cut_between_words() -> None:
    from auditor.cli_console import _printable

    text = " ".join(f"File{n}.dll 5.5.2232.18" for n in range(30))
    cut = _printable(text)
    assert len(cut) <= 200 and cut.endswith("...")
    kept = cut.removesuffix("...").split(" ")
    assert all(word in text.split(" ") for word in kept)  # no word cut in the middle
