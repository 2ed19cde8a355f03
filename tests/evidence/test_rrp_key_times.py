"""Connector keys' last-write times read live (BaseRegQueryInfoKey), kept beside the export
in registry/live-key-times.txt, and the restart warning they make possible (issue 14)."""

from __future__ import annotations

import calendar
import shutil
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from impacket.dcerpc.v5 import rrp

from auditor.audit import load_inventory, scan
from auditor.baseline import default_baseline_path, load_baseline
from auditor.collect import collect
from auditor.evidence.folder import FolderSource
from auditor.evidence.regexport import LIVE_KEY_TIMES, RawValue, write_export, write_key_times
from auditor.evidence.rrp import RegistryReader, read_mta_keys
from tests import scenarios
from tests.events.fleet import OVERRIDE_WRITTEN, build_fleet

NOW = calendar.timegm((2026, 1, 1, 0, 0, 0))
SERVICES = "SYSTEM\\CurrentControlSet\\Services"
MTA = "MSExchangeMTA"


def filetime(year: int, month: int, day: int, hour: int = 0) -> int:
    """Ticks of 100 ns since 1601, from the Unix epoch's known offset (11644473600 s)."""
    return (calendar.timegm((year, month, day, hour, 0, 0)) + 11_644_473_600) * 10_000_000


def sz(text: str) -> bytes:
    return (text + "\0").encode("utf-16-le")


class ScriptedRrp:
    """A registry behind impacket's rrp calls: keys by path, each with values and a FILETIME."""

    def __init__(self, keys: dict[str, tuple[dict[str, tuple[int, bytes]], int]]) -> None:
        self.keys = {path.casefold(): (path, *rest) for path, *rest in _flat(keys)}
        self.info_calls: list[str] = []
        self.handles: dict[bytes, str] = {}

    def handle(self, path: str) -> Any:
        """A 20-byte context handle, as the server would hand out."""
        made = (len(self.handles) + 1).to_bytes(20, "little")
        self.handles[made] = path
        return rrp.RPC_HKEY(made)

    def children(self, path: str) -> list[str]:
        prefix = path.casefold() + "\\"
        return [
            original.rsplit("\\", 1)[1]
            for key, (original, *_) in self.keys.items()
            if key.startswith(prefix) and "\\" not in key[len(prefix) :]
        ]

    def request(self, request: Any) -> dict[str, Any]:
        path = self.handles[request["hKey"].getData()]
        if isinstance(request, rrp.BaseRegQueryInfoKey):
            assert request["lpClassIn"] == "\0"  # Samba faults on an empty class buffer
            self.info_calls.append(path)
            ticks = self.keys[path.casefold()][2]
            high = (ticks >> 32) - (1 << 32) if ticks >> 63 else ticks >> 32  # a LONG
            return {
                "lpftLastWriteTime": {"dwLowDateTime": ticks & 0xFFFF_FFFF, "dwHighDateTime": high}
            }
        values = self.keys[path.casefold()][1]
        name = request["lpValueName"][:-1]
        if name not in values:
            raise rrp.DCERPCSessionError(error_code=2)
        kind, data = values[name]
        return {"lpType": kind, "lpData": [bytes([b]) for b in data], "lpcbData": len(data)}


def _flat(keys: dict[str, tuple[dict[str, tuple[int, bytes]], int]]) -> Iterator[tuple[Any, ...]]:
    for path, (values, ticks) in keys.items():
        yield path, values, ticks


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[ScriptedRrp]]:
    holder: list[ScriptedRrp] = []

    def open_key(dce: ScriptedRrp, root: object, path: str, samDesired: int = 0) -> Any:
        if path.casefold() not in dce.keys:
            raise rrp.DCERPCSessionError(error_code=2)
        return {"phkResult": dce.handle(path)}

    def enum_key(dce: ScriptedRrp, handle: Any, index: int) -> Any:
        names = dce.children(dce.handles[handle.getData()])
        if index >= len(names):
            raise rrp.DCERPCSessionError(error_code=0x103)
        return {"lpNameOut": names[index] + "\0"}

    monkeypatch.setattr(
        rrp, "hOpenLocalMachine", lambda dce, samDesired=0: {"phKey": rrp.RPC_HKEY(bytes(20))}
    )
    monkeypatch.setattr(rrp, "hBaseRegOpenKey", open_key)
    monkeypatch.setattr(rrp, "hBaseRegEnumKey", enum_key)
    yield holder


def mta_a(override_ticks: int) -> ScriptedRrp:
    """MTA-A of tests/events/fleet.py as MS-RRP would serve it."""
    parameters = f"{SERVICES}\\{MTA}\\Parameters"
    override = {"Stack IP Address Override": (1, sz("10.0.0.5"))}
    bind = ("\\Device\\El90x1\0\0").encode("utf-16-le")
    return ScriptedRrp(
        {
            "SYSTEM\\Select": ({"Current": (4, (1).to_bytes(4, "little"))}, 1),
            f"{SERVICES}\\{MTA}": ({"ImagePath": (2, sz("C:\\exchsrvr\\bin\\emsmta.exe"))}, 1),
            parameters: ({}, filetime(1999, 1, 1)),
            f"{parameters}\\TCP to B": (override, override_ticks),
            f"{parameters}\\TCP to C": (override, override_ticks),
            f"{SERVICES}\\Tcpip\\Linkage": ({"Bind": (7, bind)}, 1),
            f"{SERVICES}\\El90x1\\Parameters\\Tcpip": (
                {
                    "EnableDHCP": (4, (0).to_bytes(4, "little")),
                    "IPAddress": (7, "10.0.0.5\x0010.0.0.6\0\0".encode("utf-16-le")),
                },
                1,
            ),
        }
    )


def live_keys(server: ScriptedRrp) -> list[Any]:
    reader = RegistryReader(server, now=lambda: NOW)
    return read_mta_keys(reader, MTA, "Parameters", "Stack IP Address Override")


@pytest.mark.parametrize(
    ("ticks", "expected"),
    [
        (filetime(2000, 3, 1, 12), "2000-03-01T12:00:00+00:00"),
        (filetime(2025, 12, 31, 23), "2025-12-31T23:00:00+00:00"),
        (0, None),  # Samba's answer
        (filetime(1989, 12, 31), None),
        (filetime(2026, 1, 2, 1), None),  # more than a day after the reader's clock
        (2**64 - 1, None),  # the high half negative as impacket's LONG
    ],
)
def test_a_connector_key_s_filetime_is_its_last_write_time(
    scripted: list[ScriptedRrp], ticks: int, expected: str | None
) -> None:
    server = mta_a(ticks)
    keys = {key.path.rsplit("\\", 1)[-1]: key for key in live_keys(server)}
    assert keys["TCP to B"].last_written == keys["TCP to C"].last_written == expected
    # Only the connector keys are asked: one request each.
    assert [path.rsplit("\\", 1)[-1] for path in server.info_calls] == ["TCP to B", "TCP to C"]
    assert keys["Parameters"].last_written is None


def test_a_server_that_faults_the_call_is_asked_once(scripted: list[ScriptedRrp]) -> None:
    from impacket.dcerpc.v5.rpcrt import DCERPCException

    server = mta_a(filetime(2000, 3, 1))
    answer = server.request

    def faulting(request: Any) -> Any:
        if isinstance(request, rrp.BaseRegQueryInfoKey):
            server.info_calls.append(server.handles[request["hKey"].getData()])
            raise DCERPCException("rpc_x_bad_stub_data")
        return answer(request)

    server.request = faulting  # type: ignore[method-assign]
    keys = live_keys(server)
    assert len(server.info_calls) == 1
    assert {key.last_written for key in keys} == {None}
    assert any(key.path.endswith("TCP to C") and key.values for key in keys)  # values still read


def live_folder(folder: Path, keys: list[Any], times: bytes | None) -> None:
    """A server's evidence as --save-evidence keeps a live read of it."""
    shutil.rmtree(folder / "registry")
    (folder / "registry").mkdir()
    (folder / "registry" / "live.reg").write_bytes(write_export(keys))
    if times is not None:
        (folder / LIVE_KEY_TIMES).write_bytes(times)


def test_the_times_file_gives_the_override_facts_their_time(
    scripted: list[ScriptedRrp], tmp_path: Path
) -> None:
    fleet = build_fleet(tmp_path)
    keys = live_keys(mta_a(filetime(2000, 3, 1, 12)))
    live_folder(fleet / "MTA-A", keys, write_key_times(keys))
    facts = collect(FolderSource(fleet / "MTA-A"), load_baseline(default_baseline_path()))
    assert facts.registry is not None
    assert {o.connector: o.last_written for o in facts.registry.overrides} == {
        "TCP to B": "2000-03-01T12:00:00+00:00",
        "TCP to C": "2000-03-01T12:00:00+00:00",
    }
    assert not any("live-key-times" in line for line in (*facts.problems, *facts.notes))


def restart_warnings(fleet: Path) -> list[str]:
    result = scan(fleet, scenarios.baseline(), load_inventory(fleet, None), workers=1)
    (sender,) = [v for v in result.servers if v.server == "MTA-A"]
    return [w for w in sender.warnings if "9301 events" in w]


def test_the_restart_warning_fires_live_as_for_a_hive(
    scripted: list[ScriptedRrp], tmp_path: Path
) -> None:
    from_hive = restart_warnings(build_fleet(tmp_path / "hive"))
    assert len(from_hive) == 1 and "restart it" in from_hive[0]
    fleet = build_fleet(tmp_path / "live")
    written = OVERRIDE_WRITTEN.astimezone(UTC)
    keys = live_keys(mta_a(filetime(written.year, written.month, written.day, written.hour)))
    live_folder(fleet / "MTA-A", keys, write_key_times(keys))
    assert restart_warnings(fleet) == from_hive
    # Without the times file, as before: the restart cannot be told.
    live_folder(fleet / "MTA-A", keys, None)
    (unknown,) = restart_warnings(fleet)
    assert "cannot be told" in unknown
    # Written after the last 9301 event: nothing to warn about.
    keys = live_keys(mta_a(filetime(2001, 1, 1)))
    live_folder(fleet / "MTA-A", keys, write_key_times(keys))
    assert restart_warnings(fleet) == []


def test_a_malformed_times_file_is_a_note_never_a_failure(tmp_path: Path) -> None:
    fleet = build_fleet(tmp_path)
    key = f"HKEY_LOCAL_MACHINE\\{SERVICES}\\{MTA}\\Parameters\\TCP to "
    keys = mta_a_keys()
    text = (
        "; comment\n"
        f"{key}B\t2000-03-01T13:00:00+01:00\n"  # kept, in UTC
        f"{key}C 2000-03-01T12:00:00+00:00\n"  # no TAB: line 3
        f"{key}C\t2000-03-01T12:00:00\n"  # no offset: line 4
        "\tnot a time\n"  # line 5
    )
    live_folder(fleet / "MTA-A", keys, text.encode())
    facts = collect(FolderSource(fleet / "MTA-A"), load_baseline(default_baseline_path()))
    assert facts.registry is not None
    assert {o.connector: o.last_written for o in facts.registry.overrides} == {
        "TCP to B": "2000-03-01T12:00:00+00:00",
        "TCP to C": None,
    }
    bad = [note for note in facts.notes if LIVE_KEY_TIMES in note]
    assert [note.split(": ")[1] for note in bad] == ["line 3", "line 4", "line 5"]
    assert not any("live-key-times" in problem for problem in facts.problems)
    (fleet / "MTA-A" / LIVE_KEY_TIMES).write_bytes(b"\xff\xfe\x00")
    facts = collect(FolderSource(fleet / "MTA-A"), load_baseline(default_baseline_path()))
    assert any("not UTF-8" in note for note in facts.notes)
    assert facts.problems == ()


def mta_a_keys() -> list[Any]:
    """MTA-A's keys as a live read lists them, written by hand (no times)."""
    from auditor.evidence.regexport import RawKey

    parameters = f"HKEY_LOCAL_MACHINE\\{SERVICES}\\{MTA}\\Parameters"
    override = (RawValue("Stack IP Address Override", 1, sz("10.0.0.5")),)
    tcpip = (
        RawValue("EnableDHCP", 4, (0).to_bytes(4, "little")),
        RawValue("IPAddress", 7, "10.0.0.5\x0010.0.0.6\0\0".encode("utf-16-le")),
    )
    return [
        RawKey("HKEY_LOCAL_MACHINE\\SYSTEM\\Select", (RawValue("Current", 4, b"\1\0\0\0"),)),
        RawKey(f"HKEY_LOCAL_MACHINE\\{SERVICES}"),
        RawKey(
            f"HKEY_LOCAL_MACHINE\\{SERVICES}\\{MTA}",
            (RawValue("ImagePath", 2, sz("C:\\exchsrvr\\bin\\emsmta.exe")),),
        ),
        RawKey(parameters),
        RawKey(f"{parameters}\\TCP to B", override),
        RawKey(f"{parameters}\\TCP to C", override),
        RawKey(
            f"HKEY_LOCAL_MACHINE\\{SERVICES}\\Tcpip\\Linkage",
            (RawValue("Bind", 7, "\\Device\\El90x1\0\0".encode("utf-16-le")),),
        ),
        RawKey(f"HKEY_LOCAL_MACHINE\\{SERVICES}\\El90x1\\Parameters\\Tcpip", tcpip),
    ]
