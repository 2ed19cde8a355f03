"""Why a live server could not be read, in words fit for a report.

impacket raises a different type per SMB version and wraps socket errors in plain OSErrors,
so the cause that means something is looked for along the whole chain. The words are ours,
or a status's name from a fixed table looked up by its number: never the text an exception
carries, which a library may have built from anything it was given, the password included
(cutting the password out afterwards fails when it is a word the text holds anyway).
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Iterator

from impacket import nmb, nt_errors, smb, smb3, system_errors
from impacket.dcerpc.v5 import rpcrt, rrp
from impacket.smbconnection import SessionError as SmbSessionError

__all__ = ["describe_failure"]

_NT_STATUS = {
    nt_errors.STATUS_LOGON_FAILURE: "logon failure: unknown user or wrong password",
    nt_errors.STATUS_ACCOUNT_RESTRICTION: "logon failure: account restriction",
    nt_errors.STATUS_INVALID_LOGON_HOURS: "logon failure: outside the account's logon hours",
    nt_errors.STATUS_INVALID_WORKSTATION: "logon failure: not allowed from this workstation",
    nt_errors.STATUS_PASSWORD_EXPIRED: "logon failure: the password has expired",
    nt_errors.STATUS_PASSWORD_MUST_CHANGE: "logon failure: the password must be changed",
    nt_errors.STATUS_ACCOUNT_DISABLED: "logon failure: the account is disabled",
    nt_errors.STATUS_ACCOUNT_EXPIRED: "logon failure: the account has expired",
    nt_errors.STATUS_ACCOUNT_LOCKED_OUT: "logon failure: the account is locked out",
    nt_errors.STATUS_ACCESS_DENIED: "access denied",
    nt_errors.STATUS_BAD_NETWORK_NAME: "no such share",
    nt_errors.STATUS_OBJECT_NAME_NOT_FOUND: "no such file or pipe",
    nt_errors.STATUS_OBJECT_PATH_NOT_FOUND: "no such folder",
}
_WIN32_ACCESS_DENIED = 5


_ERRNO = {
    errno.ENETUNREACH: "the network is unreachable",
    errno.EHOSTUNREACH: "no route to the host",
    errno.EHOSTDOWN: "the host is down",
    errno.ECONNABORTED: "the connection was aborted",
    errno.ENOTCONN: "the connection was lost",
    errno.EADDRNOTAVAIL: "the address is not available",
}


def describe_failure(error: BaseException) -> str:
    """A failure in words: the first cause in the chain that means something to a reader."""
    for cause in _causes(error):
        if isinstance(cause, socket.gaierror):
            return "name not resolved"
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, TimeoutError | nmb.NetBIOSTimeout):
            return "timed out: no answer"
        if isinstance(cause, ConnectionResetError | BrokenPipeError):
            return "the server closed the connection"
        if isinstance(cause, SmbSessionError):
            return _nt_status(cause.getErrorCode())
        if isinstance(cause, smb.SessionError | smb3.SessionError):
            return _nt_status(cause.get_error_code())
        if isinstance(cause, rrp.DCERPCSessionError):
            return _win32_error(cause.get_error_code())
        if isinstance(cause, rpcrt.DCERPCException):
            return _rpc_status(cause.get_error_code())
        if isinstance(cause, nmb.NetBIOSError):
            return "the connection was lost"
        if isinstance(cause, OSError) and cause.errno in _ERRNO:
            return _ERRNO[cause.errno]
    return f"an unexpected failure ({type(error).__name__}); the library's message is not shown"


def _causes(error: BaseException) -> Iterator[BaseException]:
    """The error, the errors impacket packs into its arguments, and the chained ones."""
    seen: set[int] = set()
    pending = [error]
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending += [arg for arg in current.args if isinstance(arg, BaseException)]
        pending += [e for e in (current.__cause__, current.__context__) if e is not None]


def _nt_status(code: int) -> str:
    known = _NT_STATUS.get(code)
    if known:
        return known
    name = nt_errors.ERROR_MESSAGES.get(code, (f"NTSTATUS {code:#010x}",))[0]
    return f"refused: {name}"


def _win32_error(code: object) -> str:
    """A registry call's Windows error code, by its name."""
    if code == _WIN32_ACCESS_DENIED:
        return "access denied"
    if not isinstance(code, int):
        return "the registry call failed"
    name = system_errors.ERROR_MESSAGES.get(code, (f"error {code:#x}",))[0]
    return f"the registry call failed: {name}"


def _rpc_status(code: object) -> str:
    """An RPC failure, by the name of its status code when it has one."""
    if not isinstance(code, int):
        return "the RPC call failed"
    if code == _WIN32_ACCESS_DENIED or code == nt_errors.STATUS_ACCESS_DENIED:
        return "access denied"
    name = str(rpcrt.rpc_status_codes.get(code) or "").strip()
    if name.isidentifier():
        return f"the RPC call failed: {name}"
    return f"the RPC call failed (status {code:#x})"
