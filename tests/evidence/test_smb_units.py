"""The parts of the live source that need no server: folders from ImagePaths, failure words."""

from __future__ import annotations

import errno
import socket
from dataclasses import dataclass

import pytest
from impacket import nt_errors
from impacket.dcerpc.v5 import rpcrt, rrp
from impacket.smbconnection import SessionError

from auditor.evidence.credentials import Credentials
from auditor.evidence.failures import describe_failure
from auditor.evidence.share_path import mta_share_folder
from auditor.evidence.smb import SmbSource, smb_sources
from auditor.evidence.smb_transport import Route


@pytest.mark.parametrize(
    ("image_path", "system_root", "share", "folder"),
    [
        (None, None, "C$", ("exchsrvr", "bin")),
        ("C:\\exchsrvr\\bin\\emsmta.exe", None, "C$", ("exchsrvr", "bin")),
        ("e:\\Exch\\BIN\\EMSMTA.EXE -x", None, "E$", ("Exch", "BIN")),
        ('"D:\\Program Files\\exchsrvr\\bin\\emsmta.exe" /a', None, "D$",
         ("Program Files", "exchsrvr", "bin")),
        ("\\??\\C:\\exchsrvr\\bin\\emsmta.exe", None, "C$", ("exchsrvr", "bin")),
        ("%SystemRoot%\\..\\exchsrvr\\bin\\emsmta.exe", "D:\\WINNT", "D$", ("exchsrvr", "bin")),
        ("\\SystemRoot\\..\\exchsrvr\\bin\\emsmta.exe", "C:\\WINNT", "C$", ("exchsrvr", "bin")),
    ],
)  # fmt: skip
def test_the_mta_folder_follows_the_image_path(
    image_path: str | None, system_root: str | None, share: str, folder: tuple[str, ...]
) -> None:
    assert mta_share_folder(image_path, system_root) == (share, folder, None)


def test_an_image_path_without_a_drive_falls_back_and_says_so() -> None:
    share, folder, problem = mta_share_folder("%ExchangeRoot%\\bin\\emsmta.exe", "C:\\WINNT")
    assert (share, folder) == ("C$", ("exchsrvr", "bin"))
    assert problem is not None
    assert "%ExchangeRoot%" in problem
    assert "C$\\exchsrvr\\bin" in problem


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (OSError("Connection error (h:445)", socket.gaierror(-2, "Name or service not known")),
         "name not resolved"),
        (OSError("Connection error (h:445)", ConnectionRefusedError(111, "refused")),
         "connection refused"),
        (SessionError(nt_errors.STATUS_LOGON_FAILURE), "logon failure"),
        (SessionError(nt_errors.STATUS_ACCESS_DENIED), "access denied"),
        (SessionError(nt_errors.STATUS_BAD_NETWORK_NAME), "no such share"),
        (SessionError(nt_errors.STATUS_DISK_FULL), "refused: STATUS_DISK_FULL"),
    ],
)  # fmt: skip
def test_failures_are_put_in_words(error: Exception, words: str) -> None:
    assert words in describe_failure(error)


@pytest.mark.parametrize(
    "error",
    [
        ValueError("No answer! bad login for audit"),
        OSError("No answer!"),
        rpcrt.DCERPCException("No answer! from 10.0.0.1"),
        rrp.DCERPCSessionError("No answer!", error_code=None),
        RuntimeError(SessionError(0x1234_5678)),
    ],
)
def test_a_library_s_text_never_reaches_a_reason(error: Exception) -> None:
    """The password "answer" in "No answer!": the text is not edited, it is never used."""
    text = describe_failure(error)
    assert "answer" not in text
    assert "No " not in text  # scrubbing would leave "No ***!", which shows the password
    assert "***" not in text
    assert "10.0.0.1" not in text


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (rrp.DCERPCSessionError(error_code=5), "access denied"),
        (rrp.DCERPCSessionError(error_code=1450),
         "the registry call failed: ERROR_NO_SYSTEM_RESOURCES"),
        (rpcrt.DCERPCException(error_code=0x1C010003), "the RPC call failed: nca_s_unk_if"),
        (rpcrt.DCERPCException(), "the RPC call failed"),
        (OSError(errno.EHOSTUNREACH, "No route to host"), "no route to the host"),
        (ValueError("x"), "an unexpected failure (ValueError); the library's message is not shown"),
    ],
)  # fmt: skip
def test_rpc_and_unexpected_failures_are_named_by_code_or_type(
    error: Exception, words: str
) -> None:
    assert describe_failure(error) == words


@dataclass(frozen=True)
class Row:
    server: str
    host: str
    port: int | None


def test_the_factory_makes_a_source_per_inventory_row() -> None:
    make = smb_sources(Credentials("audit", "pw"), ["Emsmta.exe"], timeout=7)
    made = make(Row("EXCH01", "exch01.contoso.com", None))
    assert isinstance(made, SmbSource)
    assert (made.server, made.host, made.port) == ("EXCH01", "exch01.contoso.com", None)
    assert made.routes == (Route(445, netbios=False), Route(139, netbios=True))
    assert made.location == "smb://exch01.contoso.com"
    given = make(Row("EXCH02", "10.0.0.2", 1445))
    assert isinstance(given, SmbSource)
    assert (given.location, given.routes) == ("smb://10.0.0.2:1445", (Route(1445, False),))
    nt4 = make(Row("EXCH03", "10.0.0.3", 139))
    assert isinstance(nt4, SmbSource)
    assert (nt4.location, nt4.routes) == ("smb://10.0.0.3:139", (Route(139, netbios=True),))


def test_the_factory_passes_the_ports_to_try_on() -> None:
    make = smb_sources(Credentials("audit", "pw"), [], direct_port=1445, netbios_port=1139)
    made = make(Row("EXCH01", "10.0.0.1", None))
    assert isinstance(made, SmbSource)
    assert made.routes == (Route(1445, netbios=False), Route(1139, netbios=True))
    given = make(Row("EXCH01", "10.0.0.1", 1139))
    assert isinstance(given, SmbSource)
    assert given.routes == (Route(1139, netbios=True),)
