"""Collection: one server's evidence in, ServerFacts out, nothing judged.

Every problem with one server's evidence becomes a sentence in ``ServerFacts.problems`` or
a ``FileFact.error``; only the caller's own mistakes raise.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from auditor.baseline import Baseline, BaselineFile, FileKind
from auditor.collect_events import (
    is_event_log_name,
    read_event_logs,
    read_key_times,
    with_last_written,
)
from auditor.collect_extra import add_extra_registry
from auditor.errors import AuditorError
from auditor.evidence.interface import EvidenceFile, EvidenceSource
from auditor.evidence.regexport import LIVE_EXPORT, LIVE_KEY_TIMES
from auditor.facts import FileFact, RegistryFacts, ServerFacts
from auditor.parsing.evt import looks_like_evt
from auditor.parsing.hive import looks_like_hive, read_system_hive
from auditor.parsing.hive_base import SNIFF_HIVE, is_log, read_base_block
from auditor.parsing.mta_registry import (
    audited_services,
    could_hold_audited_value,
    extract_registry_facts,
)
from auditor.parsing.pe_version import PeVersion, read_pe_version
from auditor.parsing.regfile import MAX_OPERATIONS, SkippedLine, looks_like_reg, parse_reg
from auditor.parsing.registry import EnsureKey, RegistryTree, RegOperation
from auditor.parsing.source_agreement import disagreements
from auditor.requirements import ValueRequirement

__all__ = ["collect", "hashed_files"]

MAX_DATA_FILE = 64 * 1024 * 1024
MAX_DATA_BYTES = 128 * 1024 * 1024
"""Data-file bytes hashed per server; the seven data files of Q197378 hold a few MB. Only
files the baseline has a reference hash for are hashed (see ``hashed_files``)."""
# A SYSTEM hive of NT4 or Windows 2000 is a few MB (their loaders cannot boot a much larger
# one), and an export of the keys the audit reads a few hundred KB. The caps keep one
# server within 256 MB and a few seconds: the hive is held twice (here and in regipy),
# an export's text up to twice its bytes.
MAX_REG_FILE = 32 * 1024 * 1024
MAX_HIVE = 32 * 1024 * 1024
MAX_REGISTRY_BYTES = 64 * 1024 * 1024
"""All registry evidence of one server together; files past it are reported, not read."""
MAX_OPENED = 256
"""Files opened per server (copies of the baseline's files, registry candidates): honest
evidence has a few dozen, and 100,000 planted copies would take minutes to read."""
SNIFF_BYTES = 80
MAX_SKIPPED_LINES = 20
"""Skipped .reg lines named one by one per file; the rest are counted in one sentence."""
_DRIVE_MIRROR = re.compile(r"[A-Za-z]\$?")


@dataclass
class _Budget:
    """What is left to spend on one server."""

    data_bytes: int


@dataclass(frozen=True)
class _RegistryEvidence:
    file: EvidenceFile
    is_hive: bool
    is_log: bool = False
    """A hive's transaction log: read only to replay a dirty hive beside it."""
    dirty: bool = False
    """A hive whose sequence numbers differ: a write was cut short."""


def collect(
    source: EvidenceSource, baseline: Baseline, values: Sequence[ValueRequirement] = ()
) -> ServerFacts:
    """Gather the facts the baseline asks about from one server's evidence, with the plain
    registry ``values`` catalogue articles ask about and the Windows version."""
    listed, problems = source.list_files()
    notes: list[str] = []
    wanted = {item.name.casefold(): item for item in baseline.files}
    files: list[FileFact] = []
    registry: list[_RegistryEvidence] = []
    event_logs: list[EvidenceFile] = []
    times_file: EvidenceFile | None = None
    opened, budget = 0, _Budget(MAX_DATA_BYTES)
    for number, file in enumerate(listed):
        required = wanted.get(file.name.casefold())
        is_copy = required is not None and not _in_registry_folder(file)
        outside_drives = not _DRIVE_MIRROR.fullmatch(file.parts[0]) or len(file.parts) == 1
        outside_drives = outside_drives or is_event_log_name(file)
        if (is_copy or outside_drives) and opened >= MAX_OPENED:
            problems.append(
                f"{source.location}: more than {MAX_OPENED} copies of the baseline's files and "
                f"candidate registry files; {len(listed) - number} files from {file.path} on "
                "not examined"
            )
            break
        if is_copy and required is not None:
            opened += 1
            files.append(_file_fact(source, file, required, budget))
        elif outside_drives:
            opened += 1
            if file.path.casefold() == LIVE_KEY_TIMES:
                times_file = file  # dates the live export's keys; no registry of its own
                continue
            found = _sniff(source, file, problems, event_logs)
            if found is not None:
                registry.append(found)
    logs, events = read_event_logs(source, event_logs, notes) if event_logs else ((), ())
    times = read_key_times(source, times_file, notes) if times_file is not None else ()
    tree = RegistryTree()
    registry_facts = _registry_facts(source, registry, baseline, problems, notes, tree, times)
    facts = ServerFacts(
        server=source.server,
        source=source.location,
        files=tuple(files),
        registry=registry_facts,
        problems=tuple(problems),
        notes=(*source.notes, *notes),
        event_logs=logs,
        events=events,
    )
    return add_extra_registry(facts, tree, values)


def _selective(operation: RegOperation) -> RegOperation:
    """A live read asked each key for some values only: none of its keys was read whole."""
    if isinstance(operation, EnsureKey):
        return replace(operation, values_read=False)
    return operation


def hashed_files(baseline: Baseline, *, every: bool = False) -> tuple[str, ...]:
    """The baseline's data files that collect() hashes: those it has a reference hash for,
    or ``every`` one from a source that keeps what it reads (``keeps_reads``)."""
    return tuple(
        item.name
        for item in baseline.files
        if item.kind is FileKind.DATA and (every or item.sha256)
    )


def _in_registry_folder(file: EvidenceFile) -> bool:
    return len(file.parts) > 1 and file.parts[0].casefold() == "registry"


def _file_fact(
    source: EvidenceSource, file: EvidenceFile, required: BaselineFile, budget: _Budget
) -> FileFact:
    fact = FileFact(name=required.name, path=file.path, size=file.size)
    origin = f"{source.location}/{file.path}"
    try:
        if required.kind is FileKind.DATA:
            if required.sha256 is None and not source.keeps_reads:
                # Nothing to compare a hash with: the listing's size is the fact, and
                # reading the file would be most of the server's reading. The snapshot
                # names the files that were hashed, so a later judge knows which were not.
                return fact
            # Refused by its listed size, before a byte is read: 256 planted copies of a
            # 2 GB sparse file would otherwise cost 64 MB of reading each.
            if file.size > min(MAX_DATA_FILE, budget.data_bytes):
                return replace(fact, error=f"{origin}: {_data_refusal(file.size)}")
            budget.data_bytes -= file.size
            data = source.read_all(file.path, MAX_DATA_FILE)
            return replace(fact, sha256=hashlib.sha256(data).hexdigest(), bytes_read=len(data))
        version = read_pe_version(
            lambda offset, length: source.read_at(file.path, offset, length), file.size, origin
        )
    except AuditorError as error:
        return replace(fact, error=_reason(error, origin))
    return replace(
        fact,
        fixed_version=str(version.lowest) if version.lowest else None,
        string_version=version.string,
        bytes_read=version.bytes_read,
        note=_languages_note(version),
    )


def _languages_note(version: PeVersion) -> str | None:
    """Where the version Windows reports depends on the server's locale, say which is judged."""
    if all(fixed == version.fixed for _, fixed in version.other_languages):
        return None
    others = ", ".join(
        f"{language:#06x}: {fixed or 'none'}" for language, fixed in version.other_languages
    )
    return (
        f"its version resource differs by language (an English (US) server reports "
        f"{version.fixed or 'none'}; other languages: {others}) and none is neutral, so what "
        "Windows reports depends on the server's locale; the lowest is judged"
    )


def _data_refusal(size: int) -> str:
    if size > MAX_DATA_FILE:
        return f"{size} bytes, larger than the {MAX_DATA_FILE} a data file is hashed up to"
    return f"not hashed: the server's data files pass {MAX_DATA_BYTES} bytes in all"


def _sniff(
    source: EvidenceSource,
    file: EvidenceFile,
    problems: list[str],
    event_logs: list[EvidenceFile],
) -> _RegistryEvidence | None:
    """Registry evidence is known by its content, not its name."""
    try:
        head = source.read_at(file.path, 0, SNIFF_BYTES)
        if looks_like_hive(head):
            head = source.read_at(file.path, 0, SNIFF_HIVE)
    except AuditorError as error:
        problems.append(str(error))
        return None
    if looks_like_hive(head):
        if is_log(head):  # SYSTEM.LOG, .LOG1, .LOG2 begin with regf too
            return _RegistryEvidence(file, is_hive=False, is_log=True)
        base = read_base_block(head)
        return _RegistryEvidence(file, is_hive=True, dirty=base is not None and base.dirty)
    if looks_like_reg(head):
        return _RegistryEvidence(file, is_hive=False)
    if looks_like_evt(head):
        event_logs.append(file)
        return None
    if _in_registry_folder(file):
        problems.append(
            f"{source.location}/{file.path}: neither a .reg export nor a registry hive; not read"
        )
    return None


def _registry_facts(
    source: EvidenceSource,
    evidence: list[_RegistryEvidence],
    baseline: Baseline,
    problems: list[str],
    notes: list[str],
    tree: RegistryTree,
    live_times: tuple[tuple[str, str], ...] = (),
) -> RegistryFacts | None:
    """Merge hives first, then .reg exports in name order, as a later import would.
    ``live_times`` date the keys of the live export, and only when it was read."""
    written: dict[str, str] = {}
    used: list[str] = []
    read_apart: list[tuple[str, list[RegOperation]]] = []
    room, operations_left = MAX_REGISTRY_BYTES, MAX_OPERATIONS
    logs = [item.file for item in evidence if item.is_log]
    read = [item for item in evidence if not item.is_log]
    for item in sorted(read, key=lambda item: (not item.is_hive, item.file.path.casefold())):
        origin = f"{source.location}/{item.file.path}"
        beside = _logs_beside(item.file, logs) if item.dirty else []
        if item.file.size + sum(log.size for log in beside) > room or operations_left <= 0:
            problems.append(
                f"{origin}: not read: the server's registry evidence is more than "
                f"{MAX_REGISTRY_BYTES} bytes or {MAX_OPERATIONS} keys and values"
            )
            continue  # at most MAX_OPENED such lines: the files were opened to be sniffed
        room -= item.file.size + sum(log.size for log in beside)
        try:
            if item.is_hive:
                services = audited_services(baseline.registry.service)
                # Logs are read as bytes and replayed on a copy in memory, never on the evidence.
                replay = [(log.name, source.read_all(log.path, MAX_HIVE)) for log in beside]
                with source.local_copy(item.file.path, MAX_HIVE) as path:
                    reading = read_system_hive(path, origin, services, replay, MAX_HIVE)
                notes.extend(reading.notes)
                if not reading.system:
                    # A SOFTWARE or SAM hive: named in a note, not evidence; a SOFTWARE
                    # hive's Windows version goes to the inventory only.
                    tree.apply(reading.operations)
                    continue
                operations = list(reading.operations)
                written.update((path.casefold(), when) for path, when in reading.written)
            else:
                data = source.read_all(item.file.path, MAX_REG_FILE)
                export = parse_reg(data, origin, max_operations=operations_left)
                operations = list(export.operations)
                if item.file.path.casefold() == LIVE_EXPORT:
                    operations = [_selective(operation) for operation in operations]
                operations_left -= len(export.skipped)
                _report_skipped(origin, export.skipped, baseline, problems, notes)
        except AuditorError as error:
            problems.append(_reason(error, origin))
            continue
        operations_left -= len(operations)
        tree.apply(operations)
        used.append(item.file.path)
        read_apart.append((origin, operations))
    if live_times and LIVE_EXPORT in {path.casefold() for path in used}:
        written.update((path.casefold(), when) for path, when in live_times)
    elif live_times:
        notes.append(
            f"{source.location}/{LIVE_KEY_TIMES}: not used: it dates the keys of "
            f"{LIVE_EXPORT}, which was not read"
        )
    if not used:
        return None
    if len(read_apart) > 1:
        problems.extend(disagreements(read_apart, baseline.registry))
    try:
        facts = extract_registry_facts(tree, baseline.registry, tuple(used))
        return with_last_written(facts, written, baseline.registry) if written else facts
    except AuditorError as error:
        problems.append(str(error))
        return None


def _report_skipped(
    origin: str,
    skipped: tuple[SkippedLine, ...],
    baseline: Baseline,
    problems: list[str],
    notes: list[str],
) -> None:
    """A skipped line is a problem where it could hold a value the audit reads, else a note."""
    left: dict[bool, int] = {True: 0, False: 0}
    for number, line in enumerate(skipped):
        bears = could_hold_audited_value(
            line.key, baseline.registry.service, uncertain=line.key_uncertain
        )
        if number < MAX_SKIPPED_LINES:
            (problems if bears else notes).append(f"{origin}: {line.describe()}")
        else:
            left[bears] += 1
    for bears, count in left.items():
        if count:
            where = "where the audit reads" if bears else "outside the keys the audit reads"
            (problems if bears else notes).append(
                f"{origin}: {count} more lines skipped, as regedit would, {where}"
            )


def _logs_beside(hive: EvidenceFile, logs: list[EvidenceFile]) -> list[EvidenceFile]:
    """The hive's transaction logs: in its folder, named after it (SYSTEM.LOG, .LOG1, .LOG2),
    whatever the case; each found by its content to be a log."""
    folder = hive.path.rsplit("/", 1)[0] if "/" in hive.path else ""
    found: dict[str, EvidenceFile] = {}
    for log in logs:
        log_folder = log.path.rsplit("/", 1)[0] if "/" in log.path else ""
        suffix = log.name.casefold().removeprefix(hive.name.casefold())
        if log_folder == folder and suffix in (".log", ".log1", ".log2"):
            found.setdefault(suffix, log)
    return [found[suffix] for suffix in sorted(found)]


def _reason(error: AuditorError, origin: str) -> str:
    """The error's message, naming the file once whether or not the error already did."""
    message = str(error)
    return message if message.startswith(origin) else f"{origin}: {message}"
