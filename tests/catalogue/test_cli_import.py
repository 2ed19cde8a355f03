"""`auditor baseline import`, run in-process: the JSON's exact shape, the files, exit codes."""

from __future__ import annotations

import io
import json
import tomllib
from pathlib import Path

from auditor.cli import ExitCode, main
from tests.catalogue.articles import INTRO, article_text, grid_table, plain_table

KB = Path(__file__).resolve().parent.parent / "assets" / "kb"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["baseline", "import", *argv], out, err)
    return code, out.getvalue(), err.getvalue()


def test_json_shape_exactly(tmp_path: Path) -> None:
    body = (
        "Exchange Server 5.0\n-------------------\n\n"
        f"{INTRO}\n  Component: Message Transfer Agent (MTA)\n\n"
        f"{plain_table([('Address.dll', '5.0.1461.81'), ('P3.tpl', 'N/A')])}\n"
        "Exchange Server 5.5\n-------------------\n\n"
        f"{INTRO}\nAlpha:\n\n{grid_table([('Emsmta.exe', '2512.0')], header=False)}"
    )
    article = tmp_path / "Q198392.txt"
    article.write_text(
        article_text(body, article_id="Q198392", title="XCON: NDR", applies=("5.0", "5.5")),
        encoding="utf-8",
    )
    code, out, _ = run(str(article), "--json")
    assert code == ExitCode.OK
    assert json.loads(out) == {
        "articles": [
            {
                "id": "Q198392",
                "title": "XCON: NDR",
                "tables": [
                    {
                        "product_line": "5.0",
                        "component": "Message Transfer Agent (MTA)",
                        "platform": None,
                        "files": [
                            {"name": "Address.dll", "version": "5.0.1461.81"},
                            {"name": "P3.tpl", "version": "N/A"},
                        ],
                    },
                    {
                        "product_line": "5.5",
                        "component": None,
                        "platform": "Alpha",
                        "files": [{"name": "Emsmta.exe", "version": "2512.0"}],
                    },
                ],
                "error": None,
            }
        ]
    }
    # Key order as the issue prints it.
    loaded = json.loads(out)["articles"][0]
    assert list(loaded) == ["id", "title", "tables", "error"]
    assert list(loaded["tables"][0]) == ["product_line", "component", "platform", "files"]


def test_articles_in_the_order_given_and_an_error_exits_1() -> None:
    code, out, err = run(str(KB / "Q248253.txt"), str(KB / "Q197378.txt"), "--json")
    assert code == ExitCode.FINDINGS
    first, second = json.loads(out)["articles"]
    assert (first["id"], first["tables"]) == ("Q248253", [])
    assert first["error"].startswith(f"{KB / 'Q248253.txt'}: no file table")
    assert (second["id"], second["error"]) == ("Q197378", None)
    assert second["tables"][0]["files"][3] == {"name": "Emsmta.exe", "version": "5.5.2431.0"}
    assert "Q248253: 0 tables, 0 files; ! " in err  # the summary goes to stderr with --json


def test_out_dir_writes_one_baseline_per_article_in_lower_case(tmp_path: Path) -> None:
    out_dir = tmp_path / "catalogue"
    code, out, _ = run(str(KB / "Q197398.txt"), str(KB / "Q193894.txt"), "--out-dir", str(out_dir))
    assert code == ExitCode.OK
    assert sorted(p.name for p in out_dir.iterdir()) == ["q193894.toml", "q197398.toml"]
    assert f"wrote {out_dir / 'q197398.toml'}" in out
    assert "Q193894: 2 tables, 29 files (XCON: MTA Stops Processing" in out
    document = tomllib.loads((out_dir / "q197398.toml").read_text("utf-8"))
    assert document["id"] == "Q197398" and document["fixed_in_service_pack"] == "SP2"


def test_an_article_that_is_not_there_is_a_usage_error(tmp_path: Path) -> None:
    code, out, err = run(str(KB / "Q197398.txt"), str(tmp_path / "Q1.txt"), "--json")
    assert (code, out) == (ExitCode.USAGE, "")
    assert f"{tmp_path / 'Q1.txt'}: no such article" in err


def test_an_out_dir_that_is_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, _, err = run(str(KB / "Q197398.txt"), "--out-dir", str(blocker))
    assert code == ExitCode.USAGE and "--out-dir names the folder" in err
    code, _, err = run(str(KB / "Q197398.txt"), "--out-dir", str(blocker / "below"))
    assert code == ExitCode.FAILED and "cannot write the baselines" in err


def test_no_article_is_a_usage_error() -> None:
    assert run()[0] == ExitCode.USAGE


def test_a_binary_article_is_reported_and_the_others_imported(tmp_path: Path) -> None:
    binary = tmp_path / "Q900009.txt"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    code, out, _ = run(str(binary), str(KB / "Q197398.txt"), "--json")
    assert code == ExitCode.FINDINGS
    first, second = json.loads(out)["articles"]
    assert first == {
        "id": "Q900009",
        "title": "",
        "tables": [],
        "error": f"{binary}: binary data (NUL bytes), not article text",
    }
    assert second["error"] is None
