"""Ready-to-import registry files: ``remediation/<SERVER>.reg`` beside the reports.

One file per server whose connectors lack a valid override, in REGEDIT4 (cp1252, CRLF),
the format NT4's regedit imports. One key per connector; the value is the address the
peer's receiving connector expects of the server, where the connectors inventory names one
of the server's own addresses. Otherwise the value line is left commented out, with the
server's addresses beside it: which address the peer expects is a choice the evidence
cannot make.

Server names come from evidence and inventories, so they are hostile input: a file name is
made of letters, digits, ".", "-" and "_" only, never starts with a dot, is not a DOS
device name, and carries a short hash of the real name wherever it had to change it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from auditor.baseline import Baseline
from auditor.errors import ReportError
from auditor.outputs import publish, write_output
from auditor.verdicts import ConnectorFinding, ConnectorResult, ServerVerdict

__all__ = [
    "FOLDER",
    "HEADER",
    "RegFix",
    "needs_override",
    "reg_fixes",
    "safe_file_name",
    "write_reg_files",
]

FOLDER = "remediation"
"""The folder, beside the reports, that the .reg files go into."""
_TITLE = "; fixlevel remediation for "
HEADER = f"REGEDIT4\r\n\r\n{_TITLE}"
"""How every file written here starts: only such files are replaced by a later run."""

NEEDS_OVERRIDE = frozenset(
    {
        ConnectorResult.MISSING,
        ConnectorResult.WRONG_TYPE,
        ConnectorResult.MALFORMED,
        ConnectorResult.FOREIGN_ADDRESS,
    }
)
_SAFE = re.compile(r"[^A-Za-z0-9._-]")
_DEVICES = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.IGNORECASE)
_MAX_STEM = 64


@dataclass(frozen=True)
class RegFix:
    """One server's registry file, as text."""

    server: str
    file_name: str
    """The safe name it is written under, in FOLDER."""
    text: str
    """REGEDIT4 text with CRLF line ends, encodable in cp1252."""


def safe_file_name(server: str) -> str:
    """``<server>.reg`` where the name is safe as it is, else a safe form plus a hash."""
    stem = _SAFE.sub("_", server).lstrip(".")[:_MAX_STEM] or "server"
    if _DEVICES.match(stem):
        stem = f"_{stem}"
    if stem != server:
        digest = hashlib.sha256(server.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        stem = f"{stem}-{digest}"
    return f"{stem}.reg"


def needs_override(verdict: ServerVerdict) -> list[ConnectorFinding]:
    """The connectors of a multihomed server that lack a valid override."""
    if not verdict.multihomed:
        return []
    return [finding for finding in verdict.connectors if finding.result in NEEDS_OVERRIDE]


def reg_fixes(verdicts: Iterable[ServerVerdict], baseline: Baseline) -> list[RegFix]:
    """A RegFix for every server with a connector that lacks a valid override."""
    fixes = []
    for verdict in verdicts:
        findings = needs_override(verdict)
        if findings:
            text = _text(verdict, findings, baseline)
            fixes.append(RegFix(verdict.server, safe_file_name(verdict.server), text))
    return fixes


def write_reg_files(fixes: Iterable[RegFix], reports_folder: Path) -> list[Path]:
    """Write each fix to ``reports_folder/remediation/``, replacing the files an earlier run
    wrote there (a server fixed since must not keep its old file). Raise ReportError."""
    folder = reports_folder / FOLDER
    written = []
    try:
        if folder.is_dir():
            for old in folder.glob("*.reg"):
                if _ours(old):
                    old.unlink()
    except OSError as error:
        raise ReportError(f"{folder}: cannot write the registry files: {error}") from error
    for fix in fixes:
        # As the reports are written: whole or not at all, and never into another run's file.
        path = folder / fix.file_name
        render = partial(Path.write_bytes, data=fix.text.encode("cp1252"))
        temporary = write_output(path, render, "the registry file")
        publish(path, temporary, "the registry file")
        written.append(path)
    return written


def _ours(path: Path) -> bool:
    with suppress(OSError), path.open("rb") as stream:
        return stream.read(len(HEADER)) == HEADER.encode("cp1252")
    return False


def _text(verdict: ServerVerdict, findings: list[ConnectorFinding], baseline: Baseline) -> str:
    rule = baseline.registry
    own = ", ".join(verdict.addresses) or "none found in the evidence"
    lines = [
        f"{_TITLE}{_comment(verdict.server)}",
        f"; {baseline.article_id}: one key per X.400 connector without a valid override.",
        f"; This server's addresses: {own}.",
        "; Restart the MTA service after importing: the override takes effect only then.",
        "",
    ]
    base = rf"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\{rule.service}"
    for finding in findings:
        name = finding.connector
        if not _writable(name):
            lines += [f"; connector {_comment(name)!s}: its name cannot be written in a .reg", ""]
            continue
        lines.append(f"[{base}\\{rule.override_key}\\{name}]")
        value_name = _quoted(rule.override_value)
        peer = finding.peer_address
        if peer and peer in verdict.addresses:
            lines.append(f'{value_name}="{peer}"')
        else:
            why = (
                f"the peer expects {peer}, which is not one of this server's addresses"
                if peer
                else "the connectors inventory does not say which address the peer expects"
            )
            first = verdict.addresses[0] if verdict.addresses else "ADDRESS"
            lines += [
                f"; CHOOSE: {_comment(why)}.",
                f"; Put the address the receiving connector expects, one of: {own};",
                "; then remove the ';' before the next line.",
                f'; {value_name}="{first}"',
            ]
        lines.append("")
    return "\r\n".join(["REGEDIT4", "", *lines, ""])


def _writable(name: str) -> bool:
    """A key name regedit reads back as written: one line, no path separator, ANSI."""
    if not name or any(ch in name for ch in "\\[]\r\n\0"):
        return False
    try:
        name.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def _quoted(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _comment(text: str) -> str:
    """Text for a comment line: one line, in cp1252."""
    flat = "".join(ch if ch.isprintable() else "?" for ch in text)
    return flat.encode("cp1252", "replace").decode("cp1252")
