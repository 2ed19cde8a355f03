"""The evidence collection kit: ``collect.cmd``, for servers that cannot be read live.

Exchange 5.5 runs on Windows NT 4.0 and Windows 2000, where Python does not, so the kit is
a batch file written for NT 4.0's cmd alone (with ``regedit`` and ``xcopy``). It writes
``OUT\\<computer name>\\`` in the layout the folder source reads; ``auditor kit DIR`` writes
it out of the installed package.
"""

from __future__ import annotations

from pathlib import Path

from auditor.errors import AuditorError

__all__ = ["KIT_FILES", "KitError", "kit_file", "write_kit"]

KIT_FILES = ("collect.cmd",)
"""What ``auditor kit`` writes, byte for byte as shipped (CRLF line ends: cmd needs them)."""


class KitError(AuditorError):
    """The kit could not be written."""


def kit_file(name: str) -> bytes:
    """The shipped bytes of one of :data:`KIT_FILES`."""
    from importlib import resources  # only `auditor kit` needs it: kept off the start-up path

    return resources.files(__package__).joinpath(name).read_bytes()


def write_kit(folder: Path) -> tuple[Path, ...]:
    """Write the kit into ``folder`` (made if missing); return the files written.

    An older copy of a kit file is replaced: the kit is ours, never the user's.
    """
    written: list[Path] = []
    for name in KIT_FILES:
        target = folder / name
        try:
            folder.mkdir(parents=True, exist_ok=True)
            target.write_bytes(kit_file(name))
        except OSError as error:
            raise KitError(f"{target}: cannot write the kit: {error.strerror}") from error
        written.append(target)
    return tuple(written)
