"""A live server over SMB (files) and MS-RRP (registry), through impacket.

Exchange 5.5 runs on NT4 and Windows 2000, which speak only SMB1; impacket negotiates SMB1
or SMB2/3, whichever the server offers. The source presents what it reads in the layout a
folder source has: the MTA folder's baseline files under their admin share
(``C$/exchsrvr/bin/EMSMTA.EXE``) and the registry values read as one export,
``registry/live.reg`` (with the connector keys' last-write times, which a .reg file
cannot hold, beside it in ``registry/live-key-times.txt``), so that collection and the
.reg parser do the rest. With no port in the inventory it tries 445 and then the NetBIOS
session service on 139, as Windows clients do (``smb_transport``).

Every failure is a sentence about this server, never an exception that stops the fleet;
no text of a library's is in them, so neither is the account's password. Each server has
a ``Deadline`` from its first packet to its logoff, which a watchdog enforces whatever
impacket does (``deadline``); a failure past it names the step that timed out. The
connection, its deadline and the reads over named pipes are ``smb_session``'s; the files
and the evidence layout are this module's.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, Protocol

from impacket import nt_errors, smb3

from auditor.errors import EvidenceError
from auditor.evidence.credentials import DEFAULT_TIMEOUT, Credentials
from auditor.evidence.deadline import Deadline, Lookup
from auditor.evidence.eventlog_rpc import DEFAULT_EVENT_DAYS, EVENTS_FILE
from auditor.evidence.interface import EvidenceFile, EvidenceSource
from auditor.evidence.netbios import NETBIOS_PORT
from auditor.evidence.regexport import (
    LIVE_EXPORT,
    LIVE_KEY_TIMES,
    RawKey,
    write_export,
    write_key_times,
)
from auditor.evidence.share_path import image_path_of, mta_share_folder
from auditor.evidence.smb_session import SmbFailure, SmbSession, location_of
from auditor.evidence.smb_stats import FileReads, SmbStats
from auditor.evidence.smb_transport import DIRECT_PORT

__all__ = [
    "DEFAULT_TIMEOUT",
    "DIRECT_PORT",
    "NETBIOS_PORT",
    "REGISTRY_FILE",
    "FileReads",
    "LiveTarget",
    "SmbSource",
    "SmbStats",
    "smb_sources",
]

REGISTRY_FILE = LIVE_EXPORT

# Read-only, and sharing everything: the MTA holds its files open while it runs, and a
# read-only share refuses impacket's default request for write access.
_READ_ACCESS = smb3.FILE_READ_DATA | smb3.FILE_READ_ATTRIBUTES
_SHARE_ALL = smb3.FILE_SHARE_READ | smb3.FILE_SHARE_WRITE | smb3.FILE_SHARE_DELETE


class _NoFolder(SmbFailure):
    """The MTA folder is not there (or holds nothing): a fact about the server, which a
    saved copy of its evidence shows as well, by holding no file there."""


@dataclass(frozen=True)
class _RemoteFile:
    share: str
    path: str
    size: int


class SmbSource(SmbSession, EvidenceSource):
    """One live server. Connects on ``list_files``; ``close`` logs off."""

    def __init__(
        self,
        server: str,
        host: str,
        port: int | None,
        credentials: Credentials,
        *,
        file_names: Collection[str] = (),
        service: str = "MSExchangeMTA",
        override_key: str = "Parameters",
        override_value: str = "Stack IP Address Override",
        timeout: float = DEFAULT_TIMEOUT,
        clock: Callable[[], float] = time.monotonic,
        direct_port: int = DIRECT_PORT,
        netbios_port: int = NETBIOS_PORT,
        lookup: Lookup | None = None,
        events_days: int | None = DEFAULT_EVENT_DAYS,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        """``file_names``: the baseline's files, the only ones listed (all when empty).

        ``port``: the inventory's, the only one tried when given (``netbios_port`` through
        the NetBIOS session service); None tries ``direct_port`` then ``netbios_port``.
        ``timeout``: seconds for the whole server, from the name lookup to the logoff.
        ``lookup`` stands in for the resolver (host name to address).

        ``events_days``: how far back the Application log is read over MS-EVEN (None: not
        read); ``wall_clock`` gives the time it counts back from.
        """
        super().__init__(
            server,
            host,
            port,
            credentials,
            service=service,
            override_key=override_key,
            override_value=override_value,
            timeout=timeout,
            clock=clock,
            direct_port=direct_port,
            netbios_port=netbios_port,
            lookup=lookup,
            wall_clock=wall_clock,
        )
        self._wanted = {name.casefold() for name in file_names}
        self._trees: dict[str, int] = {}
        self._open: tuple[str, int, Any] | None = None
        """(evidence path, tree id, file id) of the one file kept open between reads."""
        self._remote: dict[str, _RemoteFile] = {}
        self._virtual: dict[str, bytes] = {}
        self._events_days = events_days

    # --- the evidence seam -------------------------------------------------------------

    def list_files(self) -> tuple[list[EvidenceFile], list[str]]:
        self.close()  # a second listing starts afresh rather than leak the first connection
        self._remote.clear()
        self._virtual.clear()
        self._started = self._clock()
        self._deadline = Deadline(self._timeout, self._clock)
        self.location, self.notes = location_of(self.host, self.port), ()
        problems: list[str] = []
        try:
            self._connect()
        except SmbFailure as failure:
            self.close()
            return [], [f"{self.location}: {failure}"]
        except Exception as error:  # whatever impacket raises, in words and not in its own
            self.close()
            return [], [f"{self.location}: cannot connect: {self._reason(error)}"]
        files: list[EvidenceFile] = []
        keys: list[RawKey] = []
        system_root: str | None = None
        try:
            keys, system_root = self._read_registry()
        except SmbFailure as failure:
            problems.append(f"{self.location}: cannot read the registry over \\winreg: {failure}")
        else:
            export = write_export(keys)
            self._virtual[REGISTRY_FILE] = export
            files.append(EvidenceFile(REGISTRY_FILE, len(export)))
            times = write_key_times(keys)
            self._virtual[LIVE_KEY_TIMES] = times
            files.append(EvidenceFile(LIVE_KEY_TIMES, len(times)))
        if self._events_days is not None:
            # The log bears on no status: a failure to read it is a note, not a problem.
            try:
                self._virtual[EVENTS_FILE] = self._read_events(self._events_days)
                files.append(EvidenceFile(EVENTS_FILE, len(self._virtual[EVENTS_FILE])))
            except SmbFailure as failure:
                self.notes += (f"{self.location}: cannot read the Application log: {failure}",)
        share, folder, problem = mta_share_folder(image_path_of(keys, self._service), system_root)
        if problem:
            problems.append(f"{self.location}: {problem}")
        try:
            files += self._list_folder(share, folder)
        except _NoFolder as absent:
            where = "\\".join((share, *folder))
            self.notes = (*self.notes, f"{self.location}: \\\\{self.host}\\{where} {absent}")
        except SmbFailure as failure:
            where = "\\".join((share, *folder))
            problems.append(f"{self.location}: cannot list \\\\{self.host}\\{where}: {failure}")
        return files, problems

    def read_at(self, path: str, offset: int, length: int) -> bytes:
        virtual = self._virtual.get(path)
        if virtual is not None:
            return virtual[offset : offset + length]
        remote = self._remote.get(path)
        if remote is None:
            raise EvidenceError(f"{self.location}/{path}: not a file this source listed")
        length = min(length, remote.size - offset)
        if length <= 0:
            return b""
        entry = self.stats.files.setdefault(path, FileReads())
        if self._deadline is not None:
            self._deadline.doing(f"reading {path}")
        try:
            if self._open is not None and self._open[0] != path:
                self._close_open()
            before = self.stats.round_trips
            try:
                tree, handle = self._handle(path, remote)
                self._tick()
                data: bytes = self._conn.readFile(tree, handle, offset, length, singleCall=False)
            finally:
                entry.round_trips += self.stats.round_trips - before
        except SmbFailure as failure:
            raise EvidenceError(f"{self.location}/{path}: cannot read: {failure}") from None
        except Exception as error:  # impacket raises many types; each becomes a reason
            raise EvidenceError(
                f"{self.location}/{path}: cannot read: {self._reason(error)}"
            ) from None
        finally:
            self._lap()
        entry.reads += 1
        entry.bytes += len(data)
        self.stats.file_bytes += len(data)
        return data

    def close(self) -> None:
        """Close the open file, log off and drop the connection; never raises.

        Logging off ends the tree connections too, so they are not disconnected one by one.
        """
        conn, deadline = self._conn, self._deadline
        try:
            if conn is not None:
                if deadline is not None:
                    deadline.doing("logoff")
                with contextlib.suppress(Exception):  # past the deadline, or the server is gone
                    self._close_open()
                with contextlib.suppress(Exception):
                    # Still under the watchdog: a server that stalls the logoff is cut off.
                    conn.setTimeout(max(0.01, min(5.0, self._left())))
                    conn.close()
        finally:
            if deadline is not None:
                deadline.stop()
            self._conn = None
            self._connected = None
            self._open = None
            self._trees.clear()
            self._lap()

    def __enter__(self) -> SmbSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- files -------------------------------------------------------------------------

    def _list_folder(self, share: str, folder: tuple[str, ...]) -> list[EvidenceFile]:
        if self._deadline is not None:
            self._deadline.doing("listing " + "\\".join((share, *folder)))
        try:
            self._tick()
            entries = self._conn.listPath(share, "\\".join((*folder, "*")))
        except SmbFailure:
            raise
        except Exception as error:
            status = _nt_status_of(error)
            if status in _NO_FOLDER and not (self._deadline and self._deadline.expired):
                raise _NoFolder(_NO_FOLDER[status]) from None
            raise SmbFailure(self._reason(error)) from None
        finally:
            self._lap()
        files: list[EvidenceFile] = []
        for entry in entries:
            name: str = entry.get_longname()
            if entry.is_directory() or "/" in name or "\\" in name or "\0" in name:
                continue
            if self._wanted and name.casefold() not in self._wanted:
                continue
            path = "/".join((share, *folder, name))
            size: int = entry.get_filesize()
            self._remote[path] = _RemoteFile(share, "\\".join((*folder, name)), size)
            files.append(EvidenceFile(path, size))
        return sorted(files, key=lambda file: file.path.casefold())

    def _close_open(self) -> None:
        """Close the file kept open, counting the close against that file."""
        if self._open is None:
            return
        path, tree, handle = self._open
        self._open = None
        before = self.stats.round_trips
        try:
            self._tick()
            self._conn.closeFile(tree, handle)
        finally:
            self.stats.files[path].round_trips += self.stats.round_trips - before

    def _handle(self, path: str, remote: _RemoteFile) -> tuple[int, Any]:
        """The open handle of ``path``. Collection reads one file at a time, so keeping
        one file open saves an open and a close per range."""
        if self._open is not None and self._open[0] == path:
            return self._open[1], self._open[2]
        if self._conn is None:
            raise SmbFailure("the connection is closed")
        if remote.share not in self._trees:
            self._tick()
            self._trees[remote.share] = self._conn.connectTree(remote.share)
        tree = self._trees[remote.share]
        self._tick()
        handle = self._conn.openFile(
            tree,
            remote.path,
            desiredAccess=_READ_ACCESS,
            shareMode=_SHARE_ALL,
            creationOption=smb3.FILE_NON_DIRECTORY_FILE,
            creationDisposition=smb3.FILE_OPEN,
        )
        self._open = (path, tree, handle)
        return tree, handle


_NO_FOLDER = {
    nt_errors.STATUS_OBJECT_PATH_NOT_FOUND: "does not exist",
    nt_errors.STATUS_OBJECT_NAME_NOT_FOUND: "does not exist",
    nt_errors.STATUS_NO_SUCH_FILE: "is empty",
}
"""What a listing answers where the folder holds no file: a fact, not a failure."""


def _nt_status_of(error: BaseException) -> int | None:
    code = getattr(error, "getErrorCode", None) or getattr(error, "get_error_code", None)
    value = code() if callable(code) else None
    return value if isinstance(value, int) else None


class LiveTarget(Protocol):
    """A server to read live: an inventory row, say."""

    @property
    def server(self) -> str: ...
    @property
    def host(self) -> str: ...
    @property
    def port(self) -> int | None: ...


def smb_sources(
    credentials: Credentials,
    file_names: Collection[str],
    *,
    service: str = "MSExchangeMTA",
    override_key: str = "Parameters",
    override_value: str = "Stack IP Address Override",
    timeout: float = DEFAULT_TIMEOUT,
    direct_port: int = DIRECT_PORT,
    netbios_port: int = NETBIOS_PORT,
    events_days: int | None = DEFAULT_EVENT_DAYS,
) -> Callable[[LiveTarget], EvidenceSource]:
    """A factory of live sources that share an account, a file list, a time limit and the
    ports tried when a row gives none."""

    def source(target: LiveTarget) -> EvidenceSource:
        return SmbSource(
            target.server,
            target.host,
            target.port,
            credentials,
            file_names=file_names,
            service=service,
            override_key=override_key,
            override_value=override_value,
            timeout=timeout,
            direct_port=direct_port,
            netbios_port=netbios_port,
            events_days=events_days,
        )

    return source
