"""collect.cmd as text: shipped intact, in step with the baseline, and NT 4.0's cmd only.

These run without Wine. The constructs refused below are those that Windows NT 4.0's cmd
does not have (its own help text: CALL lists %~f, %~d, %~p, %~n, %~x, %~s and %~$PATH but
not %~1, %~a, %~t or %~z; EXIT takes no /B and no code; SETLOCAL takes no argument), or
that would write outside OUT.
"""

from __future__ import annotations

import io
import re
import tomllib
from pathlib import Path

import pytest

from auditor.cli import ExitCode, main
from tests.builders.mta_files import DATA_FILES, PE_FILES

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "auditor" / "kit" / "collect.cmd"


def script_lines() -> list[str]:
    return SCRIPT.read_bytes().decode("ascii").split("\r\n")


def commands() -> list[str]:
    """The lines cmd runs: comments (REM) left out, since they may name what is refused."""
    return [line for line in script_lines() if not line.lower().startswith("rem ")]


def test_auditor_kit_writes_the_script_as_shipped(tmp_path: Path) -> None:
    out = io.StringIO()
    folder = tmp_path / "new" / "kit"
    assert main(["kit", str(folder)], out, io.StringIO()) == ExitCode.OK
    assert (folder / "collect.cmd").read_bytes() == SCRIPT.read_bytes()
    assert f"wrote {folder / 'collect.cmd'}" in out.getvalue()


def test_an_unwritable_kit_folder_fails_the_run(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    err = io.StringIO()
    assert main(["kit", str(blocker / "kit")], io.StringIO(), err) == ExitCode.FAILED
    assert err.getvalue().startswith(f"auditor: {blocker / 'kit' / 'collect.cmd'}: cannot write")


def test_every_line_ends_in_crlf_and_is_ascii() -> None:
    data = SCRIPT.read_bytes()
    data.decode("ascii")  # raises on anything else: NT's cmd reads the OEM code page
    assert data.endswith(b"\r\n")
    assert data.count(b"\n") == data.count(b"\r\n") == data.count(b"\r")


def test_the_files_it_copies_are_the_baselines() -> None:
    baseline = tomllib.loads((REPO / "baselines" / "q197378.toml").read_text(encoding="utf-8"))
    names = [item["name"] for item in baseline["files"]]
    assert sorted(names) == sorted(PE_FILES + DATA_FILES)
    loops = [line for line in commands() if line.lower().startswith("for %%f in (")]
    assert len(loops) == 2  # one copies a drive's files, one checks each was found somewhere
    for line in loops:
        listed = line[line.index("(") + 1 : line.index(")")].split()
        assert listed == names


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        (r"enabledelayedexpansion|![a-z_]+!", "delayed expansion is Windows 2000's"),
        (r"\bsetlocal\s+\S", "SETLOCAL takes no argument on NT 4.0"),
        (r"\bexit\b", "NT 4.0's EXIT closes the console and takes no code"),
        (r"%~[0-9*]", "%~1 (quotes removed) is Windows 2000's; %~f1 is NT 4.0's"),
        (r"%~[fdpnxs]*[atz]", "%~a, %~t and %~z are Windows 2000's"),
        (r"%[a-z_]+:[~]", "substrings of variables are Windows 2000's"),
        (r"\bset\s+/[ap]\b", "SET /A and /P are not to be relied on before Windows 2000"),
        (r"\breg(\.exe)?\s", "reg.exe is not part of NT 4.0"),
        (r"powershell|cscript|wscript", "NT 4.0 has none of them"),
        (r"\|", "a pipe may be made of files in %TEMP%, outside OUT"),
        (r"%temp%|%tmp%", "it writes nowhere but OUT"),
    ],
)
def test_no_construct_nt4_lacks(pattern: str, why: str) -> None:
    found = [line for line in commands() if re.search(pattern, line, re.IGNORECASE)]
    assert found == [], why


def test_every_path_it_names_is_quoted() -> None:
    """A computer name or a folder may hold spaces: every path from a variable is quoted."""
    checked = 0
    for line in commands():
        if line.lower().startswith("set "):
            continue  # an assignment opens nothing
        # What ECHO prints is text, not a path opened: only what comes before it counts.
        opened = re.split(r"\becho\b", line, maxsplit=1, flags=re.IGNORECASE)[0]
        for match in re.finditer(r"%KIT_(DIR|LOG|OUT)%", opened):
            assert opened[: match.start()].count('"') % 2 == 1, line
            checked += 1
    assert checked > 10
