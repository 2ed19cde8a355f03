"""Writing a report file safely: checked before the scan, whole or not at all, never shared.

A report is rendered into a temporary file of a name no other run can pick, beside its
target, and renamed into place once whole. A target that is not a regular file (``/dev/null``,
a FIFO) is written through, since renaming onto it would replace the device with a file. A
symbolic link is followed, as the shell's ``>`` follows it: the link stays, and the file it
names gets the report.
"""

from __future__ import annotations

import os
import secrets
import shutil
import stat
import tempfile
from collections.abc import Callable, Mapping
from contextlib import suppress
from pathlib import Path

from auditor.errors import ReportError

__all__ = [
    "STDOUT",
    "OutputRefused",
    "check_outputs",
    "discard",
    "output_target",
    "publish",
    "write_output",
]

STDOUT = "-"
"""An output named ``-`` is standard output; its writer is not this module's."""


class OutputRefused(ReportError):
    """An output that could only fail once the fleet was read: refused before the scan."""


def output_target(path: Path) -> Path:
    """The file a write to ``path`` lands in: symbolic links followed, even a dangling one."""
    try:
        return path.resolve()
    except (OSError, RuntimeError) as error:  # a loop of links
        raise OutputRefused(f"{path}: cannot follow the link: {error}") from error


def check_outputs(outputs: Mapping[str, Path | None]) -> None:
    """Refuse, before any server is read, outputs that could not be written.

    ``outputs`` maps an option's name (``xlsx``) to its path. Raise OutputRefused for a
    folder, a parent that is a file, a place that cannot be written, or one file named by
    two options (the second format would overwrite the first).
    """
    seen: dict[Path, str] = {}
    for option, path in outputs.items():
        if path is None or str(path) == STDOUT:
            continue
        target = output_target(path)
        if target in seen and not _is_special(target):
            raise OutputRefused(
                f"{path}: named for both --{seen[target]} and --{option}; "
                "each format needs a file of its own"
            )
        seen[target] = option
        _check_one(path, target, option)


def _check_one(path: Path, target: Path, option: str) -> None:
    if target.is_dir():
        raise OutputRefused(f"{path}: a folder; --{option} names the file to write")
    folder = target.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise OutputRefused(f"{path}: {folder} is a file, not a folder; --{option} cannot go there")
    if target.exists():
        if not os.access(target, os.W_OK):
            raise OutputRefused(f"{path}: not writable; --{option} cannot replace it")
        if not _is_special(target) and not os.access(target.parent, os.W_OK | os.X_OK):
            raise OutputRefused(f"{path}: its folder {target.parent} is not writable")
    elif not os.access(folder, os.W_OK | os.X_OK):
        raise OutputRefused(f"{path}: cannot create files in {folder}")


def write_output(path: Path, render: Callable[[Path], object], what: str = "the report") -> Path:
    """Render into a private temporary file; return it, for ``publish`` to put in place.

    Raise ReportError naming ``path`` when it cannot be written.
    """
    target = output_target(path)
    try:
        if _is_special(target):
            folder = Path(tempfile.mkdtemp(prefix=_THROUGH))
            partial = folder / target.name
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            # pid and a random part: a second run, or a second format of this one, never
            # writes into this run's temporary file.
            partial = target.with_name(
                f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.partial"
            )
    except OSError as error:
        raise ReportError(f"{path}: cannot write {what}: {error}") from error
    try:
        render(partial)
    except OSError as error:
        discard(partial)
        raise ReportError(f"{path}: cannot write {what}: {error}") from error
    except BaseException:
        discard(partial)
        raise
    return partial


def publish(path: Path, partial: Path, what: str = "the report") -> None:
    """Put a rendered temporary file in place: renamed onto a file, copied into a device."""
    target = output_target(path)
    try:
        if _is_special(target):
            with partial.open("rb") as source, target.open("wb") as sink:
                shutil.copyfileobj(source, sink)
        else:
            partial.replace(target)
    except OSError as error:
        raise ReportError(f"{path}: cannot write {what}: {error}") from error


def discard(partial: Path) -> None:
    """Remove a temporary file that was not published, and its private folder if it had one."""
    # An error here would hide the ReportError that says why the run failed.
    with suppress(OSError):
        partial.unlink(missing_ok=True)
    if partial.parent.name.startswith(_THROUGH) and partial.parent.parent == Path(
        tempfile.gettempdir()
    ):
        with suppress(OSError):
            partial.parent.rmdir()


_THROUGH = "fixlevel-through-"
"""The prefix of the private folder a report for a device is rendered in."""


def _is_special(target: Path) -> bool:
    """True for something that exists and is not a regular file: a device, a FIFO, a socket."""
    try:
        mode = target.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)
