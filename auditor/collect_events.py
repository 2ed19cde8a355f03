"""Collection of a server's event logs: each .evt found is read, its 9301 events kept.

A log is evidence of what happened, never of a fix: a log that cannot be read, or is read
only in part, is a note on the server (it changes no status) and does not count as read,
so that the servers it would cover stay "not covered" rather than "none seen".
"""

from __future__ import annotations

from dataclasses import replace

from auditor.baseline import RegistryRule
from auditor.errors import AuditorError
from auditor.events.model import EventLogFact, GatewayEvent
from auditor.evidence.interface import EvidenceFile, EvidenceSource
from auditor.facts import RegistryFacts
from auditor.parsing.key_times import MAX_KEY_TIMES, parse_key_times

__all__ = [
    "MAX_EVT",
    "MAX_EVT_BYTES",
    "is_event_log_name",
    "read_event_logs",
    "read_key_times",
    "with_last_written",
]

MAX_EVT = 64 * 1024 * 1024
"""One log: NT4's Event Viewer offers up to 4 GB, but the MTA's Application log of a year
is a few MB; a larger file is named, not read."""
MAX_EVT_BYTES = 128 * 1024 * 1024
"""All event logs of one server together."""


def is_event_log_name(file: EvidenceFile) -> bool:
    """Inside a drive's mirror only files named .evt are examined (AppEvent.Evt); elsewhere
    every file is, by its content."""
    return file.name.casefold().endswith(".evt")


def read_event_logs(
    source: EvidenceSource, files: list[EvidenceFile], notes: list[str]
) -> tuple[tuple[EventLogFact, ...], tuple[GatewayEvent, ...]]:
    """Read each log; what cannot be read is a note naming the file."""
    from auditor.parsing.evt import read_evt

    logs: list[EventLogFact] = []
    events: list[GatewayEvent] = []
    room = MAX_EVT_BYTES
    for file in sorted(files, key=lambda item: item.path.casefold()):
        origin = f"{source.location}/{file.path}"
        if file.size > min(MAX_EVT, room):
            notes.append(
                f"{origin}: event log not read: {file.size} bytes, more than the "
                f"{min(MAX_EVT, room)} left to read of this server's event logs"
            )
            continue
        room -= file.size
        try:
            reading = read_evt(source.read_all(file.path, MAX_EVT), origin, file.path)
        except AuditorError as error:
            notes.append(str(error) if str(error).startswith(origin) else f"{origin}: {error}")
            continue
        notes.extend(reading.problems)
        logs.append(reading.log)
        events.extend(reading.events)
    return tuple(logs), tuple(events)


def read_key_times(
    source: EvidenceSource, file: EvidenceFile, notes: list[str]
) -> tuple[tuple[str, str], ...]:
    """The live read's key times (``LIVE_KEY_TIMES``); what cannot be read is a note."""
    origin = f"{source.location}/{file.path}"
    if file.size > MAX_KEY_TIMES:
        notes.append(f"{origin}: not read: {file.size} bytes, more than {MAX_KEY_TIMES}")
        return ()
    try:
        data = source.read_all(file.path, MAX_KEY_TIMES)
    except AuditorError as error:
        notes.append(str(error) if str(error).startswith(origin) else f"{origin}: {error}")
        return ()
    times = parse_key_times(data, origin)
    notes.extend(times.notes)
    return times.written


def with_last_written(
    facts: RegistryFacts, written: dict[str, str], rule: RegistryRule
) -> RegistryFacts:
    """Each override key's last-write time, from the hive that held it or the live read's
    times file (``written``: key paths casefolded). The restart warning needs it; a .reg
    export has none to give."""
    tail = f"\\services\\{rule.service}\\{rule.override_key}\\".casefold()
    by_connector = {
        path.rsplit("\\", 1)[-1]: when
        for path, when in written.items()
        if tail in path and path.rsplit("\\", 1)[0].endswith(tail.rstrip("\\"))
    }
    overrides = tuple(
        replace(item, last_written=by_connector.get(item.connector.casefold()))
        for item in facts.overrides
    )
    return replace(facts, overrides=overrides)
