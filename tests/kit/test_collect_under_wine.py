"""collect.cmd run by Wine's cmd.exe on a stand-in server, then judged by ``auditor scan``.

The servers' files come from our PE builder and their registry from hand-written REGEDIT4
files imported with ``regedit /s``; what the kit exports is Wine's regedit's own version 5
(UTF-16) text, so the audit reads an export no test code wrote.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import zipfile
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.kit import write_kit
from tests.builders.mta_files import DATA_FILES, PE_FILES
from tests.builders.pe import build_pe
from tests.kit.wine import WineServer, read_only_wrapper, running, windows_path

SERVICES = r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services"
V5_HEADER = "\ufeffWindows Registry Editor Version 5.00\r\n".encode("utf-16-le")
LONDON = "/o=Contoso/ou=Europe/cn=Configuration/cn=Connections/cn=TCP to LONDON"


def _hex(data: bytes) -> str:
    return ",".join(f"{byte:02x}" for byte in data)


def expand_sz(text: str) -> str:
    return "hex(2):" + _hex(text.encode("cp1252") + b"\0")


def multi_sz(*items: str) -> str:
    return "hex(7):" + _hex("".join(f"{item}\0" for item in items).encode("cp1252") + b"\0")


def write_regedit4(path: Path, keys: dict[str, list[str]]) -> Path:
    """REGEDIT4 as NT 4.0's regedit writes it: cp1252, CRLF, a blank line between keys."""
    lines = ["REGEDIT4", ""]
    for key, values in keys.items():
        lines += [f"[{SERVICES}\\{key}]", *values, ""]
    path.write_bytes("\r\n".join(lines).encode("cp1252") + b"\r\n")
    return path


def mta_service(image_path: str = r"C:\exchsrvr\bin\emsmta.exe") -> dict[str, list[str]]:
    return {
        "MSExchangeMTA": [
            '"Type"=dword:00000010',
            '"Start"=dword:00000002',
            f'"ImagePath"={expand_sz(image_path)}',
            '"DisplayName"="Microsoft Exchange Message Transfer Agent"',
        ]
    }


def install_mta(folder: Path, version: str, emsmta: str, *, upper: bool = False) -> None:
    """The thirteen files, PE ones at ``version`` (Emsmta.exe at ``emsmta``)."""
    folder.mkdir(parents=True)
    for name in PE_FILES:
        fixed = emsmta if name == "Emsmta.exe" else version
        data = build_pe(fixed, dll=name.endswith(".dll"))
        (folder / (name.upper() if upper else name)).write_bytes(data)
    for name in DATA_FILES:
        (folder / name).write_bytes(f"{name} as shipped\r\n".encode())


def collect(machine: WineServer, work: Path, out: Path, *drives: str) -> tuple[int, str]:
    """``auditor kit`` into a folder whose name holds a space, then ``collect.cmd OUT`` run
    from it, as from a floppy or a share: the exit code and the console's text."""
    kit = work / "fixlevel kit"
    if not kit.exists():
        assert main(["kit", str(kit)], io.StringIO(), io.StringIO()) == 0
    done = machine.wine("cmd", "/c", "collect.cmd", windows_path(out), *drives, cwd=kit)
    return done.returncode, done.stdout.decode("cp1252")


def collect_quoted(machine: WineServer, work: Path, out: Path) -> tuple[int, str]:
    """The kit run from elsewhere by ``cmd /c``, whose rule strips the first and the last
    quote of its command: the whole command is quoted once more, as the README says."""
    kit = windows_path(work / "fixlevel kit" / "collect.cmd")
    wrapper = work / "run-kit.cmd"
    wrapper.write_bytes(f'@cmd /c ""{kit}" "{windows_path(out)}""\r\n'.encode("cp1252"))
    done = machine.wine("cmd", "/c", windows_path(wrapper))
    return done.returncode, done.stdout.decode("cp1252")


def scan(fleet: Path, work: Path) -> dict[str, dict[str, object]]:
    report = work / "report.json"
    err = io.StringIO()
    main(["scan", str(fleet), f"--json={report}", "--quiet"], io.StringIO(), err)
    servers = json.loads(report.read_text(encoding="utf-8"))["servers"]
    return {server["server"]: server for server in servers}


def tree(*roots: Path) -> dict[str, tuple[int, int]]:
    """Every file and folder below ``roots`` with its size and modification time."""
    found: dict[str, tuple[int, int]] = {}
    for root in roots:
        for folder, folders, files in os.walk(root):
            for name in folders + files:
                path = Path(folder, name)
                status = path.lstat()
                found[str(path)] = (status.st_size, status.st_mtime_ns)
    return found


def test_an_exposed_multihomed_nt4_server(machine: WineServer, tmp_path: Path) -> None:
    install_mta(machine.drive_c / "exchsrvr" / "bin", "5.5.2232.0", "5.5.2232.18", upper=True)
    stray = tmp_path / "disk-d"
    (stray / "exchsrvr" / "bin").mkdir(parents=True)  # a fixed copy left on another disk
    (stray / "exchsrvr" / "bin" / "Emsmta.exe").write_bytes(build_pe("5.5.2650.24"))
    machine.map_drive("D", stray)
    keys = mta_service()
    keys[r"MSExchangeMTA\Parameters\TCP to LONDON"] = ['"Stack IP Address Override"="10.0.0.5"']
    for adapter, address in (("El90x1", "10.0.0.5"), ("E100B2", "10.0.0.6")):
        keys[f"{adapter}\\Parameters\\Tcpip"] = [
            '"EnableDHCP"=dword:00000000',
            f'"IPAddress"={multi_sz(address)}',
        ]
    bind = multi_sz(r"\Device\El90x1", r"\Device\E100B2")
    keys[r"Tcpip\Linkage"] = [f'"Bind"={bind}']
    machine.import_registry(write_regedit4(tmp_path / "exch-lon.reg", keys))
    machine.set_computer_name("EXCH-LON", tmp_path)
    out = tmp_path / "evidence"
    write_kit(tmp_path / "fixlevel kit")
    before = tree(tmp_path)

    code, console = collect(machine, tmp_path, out)

    assert code == 0, console
    # Nothing written but OUT: not on C: or D:, not beside the kit, not in Wine's prefix.
    after = tree(tmp_path)
    assert {k: v for k, v in after.items() if not k.startswith(str(out))} == before
    server = out / "EXCH-LON"
    copied = sorted(path.name.casefold() for path in (server / "C$/exchsrvr/bin").iterdir())
    assert copied == sorted(name.casefold() for name in PE_FILES + DATA_FILES)
    assert [p.name for p in (server / "D$/exchsrvr/bin").iterdir()] == ["Emsmta.exe"]
    export = (server / "registry" / "services.reg").read_bytes()
    assert export.startswith(V5_HEADER)  # Windows 2000's format, as Wine's regedit writes
    assert (server / "ipconfig.txt").is_file()
    log = (server / "collect.log").read_text(encoding="cp1252")
    assert "copied: D:\\exchsrvr\\bin\\Emsmta.exe" in log and "result: complete" in log
    assert "FAILED" not in log

    (out / "connectors.csv").write_text(f"server,obj_dist_name\nEXCH-LON,{LONDON}\n")
    verdict = scan(out, tmp_path)["EXCH-LON"]
    assert verdict["status"] == "exposed", verdict
    assert any("below 5.5.2431.0" in reason for reason in verdict["reasons"]), verdict
    # The MTA's own copy (xcopy keeps the case the file has on the server) is judged.
    emsmta = {
        item["path"].casefold(): item for item in verdict["files"] if item["name"] == "Emsmta.exe"
    }
    assert emsmta["c$/exchsrvr/bin/emsmta.exe"]["fixed_version"] == "5.5.2232.18"
    assert emsmta["c$/exchsrvr/bin/emsmta.exe"]["result"] == "below"
    # The stray copy on D: is fixed; it is named, never judged in place of the MTA's own.
    assert any("D$/exchsrvr/bin/Emsmta.exe" in warning for warning in verdict["warnings"])

    # Carried back zipped, under one folder named like the zip: the same verdict.
    carried = tmp_path / "carried"
    carried.mkdir()
    shutil.copy(out / "connectors.csv", carried)
    with zipfile.ZipFile(carried / "EXCH-LON.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(server.rglob("*")):
            archive.write(path, path.relative_to(out).as_posix())
    assert scan(carried, tmp_path)["EXCH-LON"]["status"] == "exposed"

    # Drives named after OUT are the only ones searched.
    code, console = collect(machine, tmp_path, tmp_path / "c-only", "C")
    assert code == 0, console
    assert sorted(p.name for p in (tmp_path / "c-only" / "EXCH-LON").iterdir()) == [
        "C$",
        "collect.log",
        "ipconfig.txt",
        "registry",
    ]


def test_a_compliant_single_homed_w2k_server_whose_name_holds_a_space(
    machine: WineServer, tmp_path: Path
) -> None:
    install_mta(machine.drive_c / "exchsrvr" / "bin", "5.5.2448.0", "5.5.2448.1")
    nic = "{4D36E972-E325-11CE-BFC1-08002BE10318}"
    keys = mta_service(r"%SystemDrive%\exchsrvr\bin\EMSMTA.EXE")
    keys[f"Tcpip\\Parameters\\Interfaces\\{nic}"] = [
        '"EnableDHCP"=dword:00000000',
        f'"IPAddress"={multi_sz("192.168.1.10")}',
    ]
    bind = multi_sz("\\Device\\" + nic)
    keys[r"Tcpip\Linkage"] = [f'"Bind"={bind}']
    machine.import_registry(write_regedit4(tmp_path / "exch-par.reg", keys))
    machine.set_computer_name("EXCH PAR", tmp_path)
    out = tmp_path / "evidence out"

    code, console = collect(machine, tmp_path, out)

    assert code == 0, console
    assert sorted(p.name for p in out.iterdir()) == ["EXCH PAR"]
    verdict = scan(out, tmp_path)["EXCH PAR"]
    assert verdict["status"] == "compliant", verdict

    # A second run must not mix new evidence with the old: it refuses, and writes nothing.
    before = tree(out)
    code, console = collect_quoted(machine, tmp_path, out)
    assert code == 1
    assert f"{windows_path(out)}\\EXCH PAR already exists" in console
    assert tree(out) == before


def test_a_server_without_exchsrvr_fails_the_collection(
    machine: WineServer, tmp_path: Path
) -> None:
    """The MTA service is registered but its files are nowhere the kit looks."""
    machine.import_registry(write_regedit4(tmp_path / "mta.reg", mta_service()))
    machine.set_computer_name("EXCH-ROM", tmp_path)
    out = tmp_path / "evidence"

    code, console = collect(machine, tmp_path, out)

    assert code == 1, console
    log = (out / "EXCH-ROM" / "collect.log").read_text(encoding="cp1252")
    for name in PE_FILES + DATA_FILES:
        assert f"FAILED: {name} found on no drive searched" in log
    assert "result: INCOMPLETE" in log
    assert (out / "EXCH-ROM" / "registry" / "services.reg").is_file()
    verdict = scan(out, tmp_path)["EXCH-ROM"]
    assert verdict["status"] == "incomplete", verdict


def test_a_read_only_out_fails_and_writes_nothing(wine_base: Path, tmp_path: Path) -> None:
    out = tmp_path / "read-only"
    out.mkdir()
    wrapper: list[str] | None = None
    if os.geteuid() == 0:  # root ignores permission bits: a read-only mount instead
        wrapper = read_only_wrapper(out)
    else:
        out.chmod(0o555)
    try:
        with running(wine_base, tmp_path / "prefix", wrapper) as machine:
            if wrapper is not None and not _read_only(machine, out):
                pytest.skip(f"{out}: cannot be made read-only here (no mount namespace)")
            install_mta(machine.drive_c / "exchsrvr" / "bin", "5.5.2448.0", "5.5.2448.1")
            code, console = collect(machine, tmp_path, out / "evidence")
    finally:
        out.chmod(0o755)
    assert code == 1, console
    assert "cannot write" in console
    assert list(out.iterdir()) == []


def _read_only(machine: WineServer, folder: Path) -> bool:
    probe = machine.wine("cmd", "/c", "md", windows_path(folder / "probe"))
    return probe.returncode != 0 or not (folder / "probe").exists()
