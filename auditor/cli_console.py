"""What the CLI prints on stdout: a run's summary, a collection's, and evidence text made
safe for a terminal."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from auditor.reporting.management import connectors_gap, connectors_unknown_count, headline
from auditor.snapshot import Snapshot
from auditor.verdicts import AuditResult, Status

__all__ = ["plural", "print_collected", "print_summary", "print_written", "silence_stdout"]


def print_collected(snapshot: Snapshot, written: Path, out: TextIO) -> None:
    unread = [
        facts
        for facts in snapshot.servers
        if facts.problems or any(file.error for file in facts.files)
    ]
    print(
        f"{snapshot.baseline_id}: collected {plural(len(snapshot.servers), 'server')}, "
        f"{len(unread)} with evidence that could not be read",
        file=out,
    )
    for facts in unread[:20]:
        reasons = [*facts.problems, *(file.error for file in facts.files if file.error)]
        print(f"  ! {_printable(facts.server)}: {_printable('; '.join(reasons))}", file=out)
    if len(unread) > 20:
        print(f"  ... and {len(unread) - 20} more in the snapshot", file=out)
    _print_notes(snapshot.notes, "the snapshot", out)
    print(f"wrote {written}", file=out)


def print_summary(result: AuditResult, written: list[Path], out: TextIO) -> None:
    baseline = result.baseline
    audited = (
        f"{plural(len(result.articles), 'article')}, each server's worst"
        if result.articles
        else f"{baseline.article_id} (fix build {baseline.fixed_build})"
    )
    print(f"{audited}: {plural(len(result.servers), 'server')}", file=out)
    for status in Status:
        print(f"  {status.value:<15} {result.count(status):>6}", file=out)
    _print_articles(result, out)
    failing = [v for v in result.servers if v.status.is_failing]
    for verdict in sorted(failing, key=lambda v: (v.status.severity, v.server.casefold()))[:20]:
        reason = "; ".join(verdict.reasons)
        print(
            f"  ! {_printable(verdict.server)}: {verdict.status.value}: {_printable(reason)}",
            file=out,
        )
    if len(failing) > 20:
        print(f"  ... and {len(failing) - 20} more in the reports", file=out)
    print(f"  {_printable(headline(result))}", file=out)
    if unknown := connectors_unknown_count(result):
        print(f"  {connectors_gap(unknown)}", file=out)
    json_reports = [path for path in written if path.suffix.casefold() == ".json"]
    _print_notes(result.notes, str(json_reports[0]) if json_reports else "the reports", out)
    print_written(written, out)


def print_written(written: list[Path], out: TextIO) -> None:
    """The reports one a line; the registry files, one per server, as one line."""
    fixes = [path for path in written if path.suffix == ".reg"]
    for path in written:
        if path.suffix != ".reg":
            print(f"wrote {path}", file=out)
    if fixes:
        print(
            f"wrote {plural(len(fixes), 'registry file')} to import in {fixes[0].parent}", file=out
        )


def _print_articles(result: AuditResult, out: TextIO) -> None:
    """A catalogue run: the servers failing each article (nothing in a plain run)."""
    if not result.articles:
        return
    print(f"  by article ({len(result.articles)} audited; status above is the worst):", file=out)
    for article in result.articles:
        statuses = [
            item.verdict.status
            for verdict in result.servers
            for item in verdict.articles
            if item.article_id == article.article_id
        ]
        counts = ", ".join(
            f"{status.value} {statuses.count(status)}" for status in Status if status in statuses
        )
        print(f"    {article.article_id:<9} {counts}", file=out)


NOTES_SHOWN = 20
"""Notes printed on the console; the rest are counted, and listed in full in the JSON."""


def _print_notes(notes: Sequence[str], where: str, out: TextIO) -> None:
    for note in notes[:NOTES_SHOWN]:
        print(f"  note: {_printable(note)}", file=out)
    if len(notes) > NOTES_SHOWN:
        more = len(notes) - NOTES_SHOWN
        print(
            f"  ... and {more} more note{'s' if more != 1 else ''}, every one in {where}", file=out
        )


def silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file behind stdout: nothing will flush to it
        pass


def plural(count: int, noun: str) -> str:
    """ "1 server", "2 servers": a count and its noun, agreeing."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _printable(text: str, limit: int = 200) -> str:
    """Evidence text on a terminal: no control characters (escape sequences), bounded length.

    A long text is cut at the last space that leaves most of it, not inside a word (a cut
    version number such as "5.5.22" would read as another version)."""
    # Shown, not dropped: a right-to-left override would make a name read as another.
    clean = "".join(ch if ch.isprintable() else f"<U+{ord(ch):04X}>" for ch in text)
    if len(clean) <= limit:
        return clean
    head = clean[: limit - 3]
    space = head.rfind(" ")
    if space >= limit // 2:
        head = head[:space].rstrip(" ,;:")
    return head + "..."
