"""Judging the baseline's files: which copy counts, and how it compares with the fix."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from auditor.baseline import Baseline, BaselineFile, FileKind
from auditor.evaluation.image_path import MtaFolder
from auditor.facts import FileFact
from auditor.verdicts import FileFinding, FileResult
from auditor.versions import Version

__all__ = ["FilesOutcome", "judge_files"]

_LEADING_VERSION = re.compile(r"\s*(\d+(?:\.\d+){0,3})")


@dataclass
class FilesOutcome:
    """What the files say about a server, before the network is taken into account."""

    findings: list[FileFinding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    below: list[str] = field(default_factory=list)
    """'Emsmta.exe 5.5.2232.18' for each judged PE file below its required version."""
    unknown: list[str] = field(default_factory=list)
    """Why a required PE file could not be judged (missing, unreadable)."""
    judged: dict[str, FileFact] = field(default_factory=dict)
    """The copy judged for each baseline file name that has one."""
    other_product: bool = False


def describe_below(outcome: FilesOutcome, fixed_build: Version) -> str:
    """A short reason: "6 MTA files below 5.5.2431.0, lowest 5.5.2232.18". The files
    themselves are listed one a row on the Files sheet, not in the Servers row."""
    lowest = min(
        (
            Version.parse(finding.fixed_version)
            for finding in outcome.findings
            if finding.result is FileResult.BELOW and finding.fixed_version
        ),
        default=None,
    )
    count = len(outcome.below)
    if count == 1:
        return f"{outcome.below[0]} is below {fixed_build}"
    return f"{count} MTA files below {fixed_build}" + (f", lowest {lowest}" if lowest else "")


def judge_files(
    files: tuple[FileFact, ...], baseline: Baseline, folder: MtaFolder, *, other_product: bool
) -> FilesOutcome:
    """Judge the copy that counts of each baseline file.

    ``other_product`` is set when the server runs another product line (Exchange 5.0):
    then its files are not compared with the fix. On a 5.5 server every version is
    compared as a number, so a stray 5.0 DLL is below the fix, not out of scope.
    """
    outcome = FilesOutcome(other_product=other_product)
    by_name: dict[str, list[FileFact]] = {}
    for fact in files:
        by_name.setdefault(fact.name.casefold(), []).append(fact)
    for required in baseline.files:
        copies = by_name.get(required.name.casefold(), [])
        if not copies:
            _missing(required, outcome)
            continue
        in_folder = [copy for copy in copies if folder.holds(copy.path)]
        judged = min(in_folder or copies, key=_version_key)
        outcome.judged[required.name] = judged
        if not in_folder and required.kind is FileKind.PE:
            outcome.warnings.append(
                f"{required.name}: no copy in the MTA folder {folder}; judged {judged.path}, "
                "the lowest version found"
            )
        outcome.findings.append(_judge(required, judged, baseline, outcome))
        for stray in copies:
            if stray is not judged:
                outcome.findings.append(_stray(required, stray, folder))
                outcome.warnings.append(
                    f"{required.name}: another copy at {stray.path} "
                    f"({stray.fixed_version or 'no version'}) was not judged"
                )
    return outcome


def _version_key(fact: FileFact) -> tuple[int, Version]:
    """Unreadable copies sort first, then by version: an audit judges the worst case."""
    if fact.error or not fact.fixed_version:
        return (0, Version((0, 0, 0, 0)))
    return (1, Version.parse(fact.fixed_version))


def _missing(required: BaselineFile, outcome: FilesOutcome) -> None:
    if required.kind is FileKind.PE:
        detail = "not found in the evidence"
        outcome.unknown.append(f"{required.name} is not in the evidence")
    else:
        detail = "not found in the evidence (a data file: a warning only)"
        outcome.warnings.append(f"{required.name}: data file not found in the evidence")
    outcome.findings.append(_finding(required, None, FileResult.MISSING, detail))


def _judge(
    required: BaselineFile, fact: FileFact, baseline: Baseline, outcome: FilesOutcome
) -> FileFinding:
    if required.kind is FileKind.DATA:
        return _judge_data(required, fact, outcome)
    if fact.error or not fact.fixed_version:
        reason = (
            fact.error
            or "no version Windows would report: its VS_FIXEDFILEINFO is absent or 0.0.0.0"
        )
        outcome.unknown.append(f"{required.name} at {fact.path} could not be read: {reason}")
        return _finding(required, fact, FileResult.UNREADABLE, reason)
    version = Version.parse(fact.fixed_version)
    _check_string_version(required, fact, version, outcome)
    if fact.note:
        outcome.warnings.append(f"{required.name} at {fact.path}: {fact.note}")
    if version.product_line != baseline.product_line:
        if outcome.other_product:
            detail = f"product line {version.product_line}: the fix does not apply"
            return _finding(required, fact, FileResult.OTHER_PRODUCT, detail)
        outcome.warnings.append(
            f"{required.name} at {fact.path} is from product line {version.product_line} "
            f"on a {baseline.product_line} server"
        )
    assert required.min_version is not None  # the loader sets it on every PE file
    if version < required.min_version:
        outcome.below.append(f"{required.name} {version}")
        return _finding(required, fact, FileResult.BELOW, f"below {required.min_version}")
    return _finding(required, fact, FileResult.OK, f"at or above {required.min_version}")


def _judge_data(required: BaselineFile, fact: FileFact, outcome: FilesOutcome) -> FileFinding:
    if fact.error:
        outcome.warnings.append(f"{required.name} at {fact.path} could not be read: {fact.error}")
        return _finding(required, fact, FileResult.UNREADABLE, fact.error)
    if required.sha256 is None:
        return _finding(required, fact, FileResult.PRESENT, "present; no reference hash recorded")
    if fact.sha256 is None:  # collected against a baseline without this reference hash
        reason = (
            "not checked against the reference hash: the facts were collected without "
            "hashing it; collect again with this baseline"
        )
        outcome.warnings.append(f"{required.name} at {fact.path}: {reason}")
        return _finding(required, fact, FileResult.NOT_CHECKED, reason)
    if fact.sha256 == required.sha256:
        return _finding(required, fact, FileResult.MATCHES, "equal to the reference")
    outcome.warnings.append(f"{required.name} at {fact.path} differs from the reference copy")
    return _finding(required, fact, FileResult.DIFFERS, f"sha256 {fact.sha256}")


def _check_string_version(
    required: BaselineFile, fact: FileFact, version: Version, outcome: FilesOutcome
) -> None:
    """The FileVersion string is recorded and compared, never used to decide."""
    if fact.string_version is None:
        return
    match = _LEADING_VERSION.match(fact.string_version)
    try:
        stated = Version.parse(match.group(1)) if match else None
    except ValueError:
        stated = None
    if stated != version:
        outcome.warnings.append(
            f"{required.name} at {fact.path}: the FileVersion string says "
            f"{fact.string_version!r} but the fixed version is {version}; the fixed version counts"
        )


def _stray(required: BaselineFile, fact: FileFact, folder: MtaFolder) -> FileFinding:
    if folder.holds(fact.path):
        detail = "another copy in the MTA folder; the lowest version was judged"
    else:
        detail = f"outside the MTA folder {folder}; not judged"
    return _finding(required, fact, FileResult.STRAY, detail)


def _finding(
    required: BaselineFile, fact: FileFact | None, result: FileResult, detail: str
) -> FileFinding:
    return FileFinding(
        name=required.name,
        kind=str(required.kind),
        path=fact.path if fact else None,
        fixed_version=fact.fixed_version if fact else None,
        string_version=fact.string_version if fact else None,
        required_version=str(required.min_version) if required.min_version else None,
        result=result,
        detail=detail,
    )
