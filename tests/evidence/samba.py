"""A private Samba smbd on 127.0.0.1, for the live collection tests.

Everything it writes (passdb, state, caches, locks, pids, sockets, logs) stays under the
folder it is given. smbd starts samba-dcerpcd and rpcd_winreg on demand, and they outlive
smbd: ``stop`` ends them by the PIDs they registered, never by name.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

SMBD = shutil.which("smbd") or next(
    (p for p in ("/usr/sbin/smbd", "/usr/local/samba/sbin/smbd") if Path(p).is_file()), None
)
NET = shutil.which("net")
EVENTLOGADM = shutil.which("eventlogadm") or (
    "/usr/sbin/eventlogadm" if Path("/usr/sbin/eventlogadm").is_file() else None
)
SMBPASSWD = shutil.which("smbpasswd")
PASSWORD = "Fixlevel-test-1"  # a throwaway account of a throwaway server
_DIRS = ("private", "state", "cache", "lock", "pid", "ncalrpc", "log", "share")


def missing_tools() -> str | None:
    """Why the live tests cannot run here, or None."""
    absent = [name for name, path in (("smbd", SMBD), ("net", NET), ("smbpasswd", SMBPASSWD))
              if path is None]  # fmt: skip
    if absent:
        return (
            f"Samba is not installed ({', '.join(absent)} not found): the live SMB tests need "
            "it; install the samba and smbclient packages (.ci/run does)"
        )
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class SambaServer:
    """One smbd with one share, ``[C$]``, and a registry loaded from .reg files."""

    root: Path
    smb1: bool
    netbios_name: str | None = None
    """Set: an NT4-like server, SMB1 only and the NetBIOS session service on ``port``,
    logging (at level 2) each session request's called name."""
    port: int = 0
    user: str = ""
    process: subprocess.Popen[bytes] | None = None

    @property
    def share(self) -> Path:
        return self.root / "share"

    @property
    def conf(self) -> Path:
        return self.root / "smb.conf"

    def configure(self) -> None:
        for name in _DIRS:
            (self.root / name).mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.user = getpass.getuser()
        smb1 = self.smb1 or self.netbios_name is not None
        protocol = "  server min protocol = NT1\n  server max protocol = NT1\n" if smb1 else ""
        netbios = "no" if self.netbios_name else "yes"
        log_level = 2 if self.netbios_name else 1
        r = self.root
        self.conf.write_text(
            "[global]\n"
            f"  netbios name = {self.netbios_name or 'FIXLEVELTEST'}\n  workgroup = FIXLEVEL\n"
            "  server role = standalone server\n"
            "  interfaces = 127.0.0.1\n  bind interfaces only = yes\n"
            f"  smb ports = {self.port}\n  disable netbios = {netbios}\n{protocol}"
            f"  private dir = {r}/private\n  state directory = {r}/state\n"
            f"  cache directory = {r}/cache\n  lock directory = {r}/lock\n"
            f"  pid directory = {r}/pid\n  ncalrpc dir = {r}/ncalrpc\n"
            f"  passdb backend = tdbsam:{r}/private/passdb.tdb\n"
            f"  log file = {r}/log/log.%m\n  max log size = 0\n  log level = {log_level}\n"
            "  load printers = no\n  printing = bsd\n  printcap name = /dev/null\n"
            "  disable spoolss = yes\n  map to guest = never\n"
            # Windows always has an Application log; Samba serves one over \eventlog.
            "  eventlog list = Application\n"
            f"[C$]\n  path = {self.share}\n  read only = yes\n"
            # A share the account may not use, for the access-denied case.
            f"[E$]\n  path = {self.share}\n  read only = yes\n  invalid users = {self.user}\n"
        )
        self._run(
            [SMBPASSWD or "smbpasswd", "-c", str(self.conf), "-a", "-s", self.user],
            f"{PASSWORD}\n{PASSWORD}\n",
        )

    def import_registry(self, reg_file: Path, ansi: bool = False) -> None:
        command = [NET or "net", "-s", str(self.conf), "registry", "import", str(reg_file)]
        self._run([*command, "enc=CP1252"] if ansi else command)

    def write_events(self, records: str) -> None:
        """Records into the Application log, in eventlogadm's text format."""
        command = [EVENTLOGADM or "eventlogadm", "-s", str(self.conf), "-o", "write"]
        self._run([*command, "Application"], records)

    def start(self) -> None:
        log = (self.root / "log" / "smbd.out").open("wb")
        self.process = subprocess.Popen(
            [SMBD or "smbd", "-F", "--no-process-group", "--debug-stdout", "-s", str(self.conf)],
            stdout=log,
            stderr=subprocess.STDOUT,
            # smbd signals its whole process group when it shuts down: give it its own.
            start_new_session=True,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"smbd exited at start: {self.log_tail()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"smbd did not listen on port {self.port}: {self.log_tail()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for pid in self._helper_pids():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGTERM)

    def _helper_pids(self) -> list[int]:
        """samba-dcerpcd (its pid file) and the rpcd_* workers started with our config."""
        pids: list[int] = []
        pid_file = self.root / "pid" / "samba-dcerpcd.pid"
        if pid_file.is_file() and pid_file.read_text().strip().isdigit():
            pids.append(int(pid_file.read_text().strip()))
        marker = f"--configfile={self.conf}".encode()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                arguments = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if marker in arguments and int(entry.name) not in pids:
                pids.append(int(entry.name))
        return pids

    def log_tail(self, lines: int = 30) -> str:
        out = self.root / "log" / "smbd.out"
        text = out.read_text(errors="replace") if out.is_file() else ""
        return "\n".join(text.splitlines()[-lines:])

    def _run(self, command: list[str], stdin: str | None = None) -> None:
        done = subprocess.run(
            command, input=stdin, capture_output=True, text=True, timeout=60, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed: {done.stdout}{done.stderr}")
