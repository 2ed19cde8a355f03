"""A private Wine prefix standing in for an NT 4.0 or Windows 2000 server.

Wine runs the ``cmd.exe``, ``regedit`` and ``xcopy`` the kit needs. One prefix is booted per
test session (``wineboot`` takes seconds); each test gets a clone of it made of hard links,
except the registry files Wine rewrites (it replaces them whole, so the base never changes).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PureWindowsPath

WINE = shutil.which("wine")
WINESERVER = shutil.which("wineserver")
TIMEOUT = 120


def wine_environment(prefix: Path) -> dict[str, str]:
    """No display (nothing may pop up), no debug chatter, no Mono or Gecko installers."""
    env = {k: v for k, v in os.environ.items() if k not in {"DISPLAY", "WAYLAND_DISPLAY"}}
    env.update(WINEPREFIX=str(prefix), WINEDEBUG="-all", WINEDLLOVERRIDES="mscoree,mshtml=")
    return env


def windows_path(path: Path) -> str:
    """A host path as Wine's programs see it: Z: is the host's root."""
    return str(PureWindowsPath("Z:\\", *path.resolve().parts[1:]))


def boot_prefix(prefix: Path) -> None:
    env = wine_environment(prefix)
    assert WINE is not None and WINESERVER is not None
    subprocess.run(
        [WINE, "wineboot", "--init"], env=env, capture_output=True, timeout=300, check=True
    )
    subprocess.run([WINESERVER, "--wait"], env=env, timeout=300, check=True)
    if not (prefix / "system.reg").is_file():
        raise RuntimeError(f"{prefix}: wineboot made no registry")


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


class WineServer:
    """One machine: a cloned prefix with its own wineserver, kept up between commands."""

    def __init__(self, prefix: Path) -> None:
        self.prefix = prefix
        self.env = wine_environment(prefix)

    @property
    def drive_c(self) -> Path:
        return self.prefix / "drive_c"

    def map_drive(self, letter: str, target: Path) -> None:
        """Make ``target`` the drive ``letter``: as a second local disk is to the kit."""
        target.mkdir(parents=True, exist_ok=True)
        (self.prefix / "dosdevices" / f"{letter.lower()}:").symlink_to(target)

    def wine(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
        """Run a Windows program; ``cwd`` becomes its current folder (on drive Z:)."""
        assert WINE is not None
        return subprocess.run(
            [WINE, *args], env=self.env, capture_output=True, timeout=TIMEOUT, cwd=cwd
        )

    def import_registry(self, reg_file: Path) -> None:
        """``regedit /s``: the way an administrator's .reg file reaches a real registry."""
        done = self.wine("regedit", "/s", windows_path(reg_file))
        assert done.returncode == 0, done.stderr

    def set_computer_name(self, name: str, work: Path) -> None:
        """The name ``%COMPUTERNAME%`` gives the kit.

        Wine derives it from the host name at the start of each session, replacing what a
        NetBIOS name cannot hold (a space becomes "_"), and writes it to the volatile key
        ActiveComputerName, which is what a process's COMPUTERNAME is read from; setting
        that key in the running session gives every later process the name as written.
        """
        reg = work / "computer-name.reg"
        key = r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\ComputerName"
        text = f'REGEDIT4\r\n\r\n[{key}\\ActiveComputerName]\r\n"ComputerName"="{name}"\r\n'
        reg.write_bytes(text.encode("cp1252"))
        self.import_registry(reg)
        shown = self.wine("cmd", "/c", "echo [%COMPUTERNAME%]").stdout.decode("cp1252")
        assert f"[{name}]" in shown, shown


def read_only_wrapper(folder: Path) -> list[str]:
    """A command prefix under which ``folder`` is read-only, for root too (root ignores
    permission bits): a private mount namespace where it is bound read-only. Wine opens
    files in its wineserver, so the wineserver is what must start under it."""
    return [
        "unshare",
        "--mount",
        "sh",
        "-c",
        'mount --bind -o ro "$0" "$0" && exec "$@"',
        str(folder),
    ]


@contextmanager
def running(base: Path, prefix: Path, wrapper: list[str] | None = None) -> Iterator[WineServer]:
    """A clone of ``base`` at ``prefix``, with a wineserver that lives until the end."""
    shutil.copytree(base, prefix, symlinks=True, copy_function=_link_or_copy)
    for registry in prefix.glob("*.reg"):  # rewritten by Wine: never shared with the base
        registry.unlink()
        shutil.copy2(base / registry.name, registry)
    server = WineServer(prefix)
    assert WINESERVER is not None
    subprocess.run(
        [*(wrapper or []), WINESERVER, "--persistent"], env=server.env, timeout=TIMEOUT, check=True
    )
    # The session's first program starts Wine's own services (services.exe, winedevice,
    # explorer), which outlive it and keep its stdout open: started here without pipes, they
    # cannot hold a later command's captured output open for ever.
    subprocess.run(
        [WINE or "wine", "cmd", "/c", "ver"],
        env=server.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=TIMEOUT,
        check=True,
    )
    try:
        yield server
    finally:
        subprocess.run([WINESERVER, "--kill"], env=server.env, timeout=TIMEOUT, check=False)
