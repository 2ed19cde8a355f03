"""Reference hashes: the sha256 of every baseline file on a known-good server, as a baseline.

The capture is written as a baseline that extends the one it was judged against, so a later
scan with ``--baseline baselines/local-reference.toml`` checks data files against it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from auditor.baseline import Baseline, load_baseline
from auditor.collect import MAX_DATA_FILE, collect
from auditor.errors import AuditorError, BaselineError, ReportError
from auditor.evaluation import evaluate
from auditor.evidence import EvidenceSource, FolderSource
from auditor.outputs import discard, publish, write_output
from auditor.verdicts import FileResult

__all__ = [
    "MAX_PE_FILE",
    "ReferenceCapture",
    "capture_baseline",
    "capture_reference",
    "reference_toml",
    "write_reference",
]

MAX_PE_FILE = 64 * 1024 * 1024
_GOOD = {FileResult.OK, FileResult.PRESENT, FileResult.MATCHES, FileResult.DIFFERS}


@dataclass(frozen=True)
class ReferenceCapture:
    """The digests of one known-good server's judged copies."""

    server: str
    source: str
    captured_at: datetime
    parent: str
    """The file name the written baseline extends."""
    hashes: tuple[tuple[str, str, str], ...]
    """(baseline file name, evidence path, sha256), in baseline order."""


def capture_reference(
    source: EvidenceSource, baseline: Baseline, parent: str, now: datetime
) -> ReferenceCapture:
    """Hash the copies a scan would judge. Raise BaselineError unless the files are good.

    Good means: every baseline file present and readable in the MTA's folder, and every PE
    file at or above the fix. A reference taken from a server whose files are not good would
    bless their faults. The connectors do not matter here: the reference is about files.
    """
    facts = collect(source, baseline)
    verdict = evaluate(facts, baseline)
    judged = {
        finding.name: finding.path
        for finding in verdict.files
        if finding.result in _GOOD and finding.path
    }
    bad = [file.name for file in baseline.files if file.name not in judged]
    if bad:
        raise BaselineError(
            f"{source.location}: not a known-good server: {', '.join(bad)} missing, unreadable "
            f"or below the fix ({verdict.status.value}); no reference taken"
        )
    hashes = []
    for file in baseline.files:
        path = judged[file.name]
        try:
            data = source.read_all(path, max(MAX_DATA_FILE, MAX_PE_FILE))
        except AuditorError as error:
            raise BaselineError(f"{source.location}/{path}: cannot hash: {error}") from error
        hashes.append((file.name, path, hashlib.sha256(data).hexdigest()))
    return ReferenceCapture(source.server, source.location, now, parent, tuple(hashes))


def reference_toml(capture: ReferenceCapture) -> str:
    """The capture as a baseline file that extends its parent."""
    lines = [
        f"# Reference hashes of {_comment(capture.server)}, captured by fixlevel.",
        "# Data files that differ from these are reported as warnings; PE file hashes are",
        "# kept for the record (PE files are judged by version).",
        f"extends = {_quote(capture.parent)}",
        "",
        "[capture]",
        f"server = {_quote(capture.server)}",
        f"source = {_quote(capture.source)}",
        f"captured_at = {capture.captured_at.replace(microsecond=0).isoformat()}",
    ]
    for name, path, digest in capture.hashes:
        lines += ["", "[[files]]", f"# {_comment(path)}", f"name = {_quote(name)}"]
        lines.append(f'sha256 = "{digest}"')
    return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    """A TOML basic string: backslashes, quotes and control characters escaped."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in escaped) + '"'


def _comment(text: str) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def write_reference(capture: ReferenceCapture, out: Path) -> None:
    """Write the capture's baseline. Raise BaselineError naming the path when it cannot."""
    text = reference_toml(capture)
    what = "the reference baseline"
    try:
        partial = write_output(out, lambda path: path.write_text(text, encoding="utf-8"), what)
        try:
            publish(out, partial, what)
        finally:
            discard(partial)
    except ReportError as error:
        raise BaselineError(str(error)) from error


def capture_baseline(
    evidence: Path, baseline_path: Path, out: Path, now: datetime
) -> ReferenceCapture:
    """Hash a known-good server's files and write a baseline extending ``baseline_path``.

    The written file names its parent as the path from ``out``'s folder when the parent is
    beside it or below it, else by file name (found among the shipped baselines).
    """
    baseline = load_baseline(baseline_path)
    parent = _relative_name(baseline_path, out.parent)
    capture = capture_reference(FolderSource(evidence), baseline, parent, now)
    write_reference(capture, out)
    return capture


def _relative_name(path: Path, folder: Path) -> str:
    try:
        return path.resolve().relative_to(folder.resolve()).as_posix()
    except ValueError:
        return path.name
