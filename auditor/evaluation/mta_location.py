"""The MTA's folder where its ImagePath is not a plain local path: 8.3 names, UNC paths.

An ImagePath may name the folder by its 8.3 alias (``C:\\EXCHAN~1\\bin\\emsmta.exe``) while
the evidence lists long names (``C$/Exchange Server/bin``). Windows makes the alias of a long
name that is not itself a valid 8.3 name from its first six usable characters, uppercased,
then ``~N``, N counting the names that shared those characters when each was made. So the
evidence can say which long names *could* have an alias, never which number each got: with
one candidate and ``~1`` the alias is taken, and said so; otherwise the rule cannot decide,
and the report says why. A name that is valid 8.3 already (``exchsrvr``) has no ``~`` alias.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from auditor.evaluation.image_path import MtaFolder, mta_folder
from auditor.service_path import binary_of

__all__ = ["could_be_alias", "locate_mta_folder"]

_ALIAS = re.compile(r"(?P<stem>[^~.]{1,7})~(?P<number>[1-9]\d{0,5})(?:\.(?P<ext>[^.]{1,3}))?")
# Characters a short name may hold; others are dropped (space, dot) or become "_".
_VALID = re.compile(r"[A-Z0-9!#$%&'()\-@^_`{}~\x80-\uffff]*")
_REPLACED = re.compile(r"[+,;=\[\]]")
_UNC = re.compile(r"^\\\\(?P<host>[^\\/?]+)[\\/](?P<share>[^\\/]+)(?P<rest>.*)$")
_ADMIN_SHARE = re.compile(r"[A-Za-z]\$")


def could_be_alias(alias: str, long_name: str) -> bool:
    """True when Windows could have given ``long_name`` the 8.3 name ``alias`` (``~N``)."""
    if alias.casefold() == long_name.casefold():
        return True
    match = _ALIAS.fullmatch(alias.upper())
    if match is None or _is_8dot3(long_name):
        return False
    base, ext = _basis(long_name)
    room = 8 - len(match["number"]) - 1
    return match["stem"] == base[:room] and (match["ext"] or "") == ext


def _is_8dot3(name: str) -> bool:
    """A name that is its own short name: 1-8 characters, an optional dot and 1-3 more."""
    base, dot, ext = name.upper().partition(".")
    return (
        0 < len(base) <= 8
        and len(ext) <= 3
        and (not dot or bool(ext))
        and "." not in ext
        and " " not in name
        and bool(_VALID.fullmatch(base + ext))
        and not _REPLACED.search(name)
    )


def _basis(name: str) -> tuple[str, str]:
    """The uppercased base and extension an alias is made from: spaces and dots dropped,
    characters a short name cannot hold made ``_``."""
    text = _REPLACED.sub("_", name.upper().lstrip("."))
    stem, dot, ext = text.rpartition(".")
    if not dot:
        stem, ext = text, ""
    return stem.replace(" ", "").replace(".", ""), ext.replace(" ", "")[:3]


def locate_mta_folder(
    image_path: str | None, evidence_paths: Iterable[str]
) -> tuple[MtaFolder, list[str]]:
    """The MTA's folder, with 8.3 aliases and UNC paths resolved where the evidence allows,
    and a sentence for each assumption made or alias that could not be resolved."""
    binary = binary_of(image_path or "")
    if binary[:8].upper() == "\\\\?\\UNC\\":
        binary = "\\\\" + binary[8:]
    binary = binary.removeprefix("\\\\?\\")
    notes: list[str] = []
    unc = _UNC.match(binary)
    if unc:
        host, share, rest = unc["host"], unc["share"], unc["rest"]
        if _ADMIN_SHARE.fullmatch(share):
            binary = f"{share[0]}:{rest}"
            notes.append(
                f"the MTA's ImagePath {image_path} names the admin share \\\\{host}\\{share}: "
                f"taken as drive {share[0].upper()}: of this server"
            )
        else:
            binary = f"%{share}%{rest}"  # the share's folder is unknown: match on the tail
            notes.append(
                f"the MTA's ImagePath {image_path} names the network share \\\\{host}\\{share}, "
                "whose folder is unknown: its copies are matched on the path below the share"
            )
    folder = mta_folder(binary)
    if not any(_ALIAS.fullmatch(part.upper()) for part in folder.parts):
        return folder, notes
    resolved, why = _resolve(folder, list(evidence_paths))
    return resolved, [*notes, why]


def _resolve(folder: MtaFolder, paths: list[str]) -> tuple[MtaFolder, str]:
    """Each ``~N`` component replaced by the one long name of the evidence it can be."""
    shown = str(folder)
    if folder.drive is None:
        return folder, (
            f"the MTA's folder {shown} holds an 8.3 name below an unknown folder: which "
            "evidence folder it names cannot be told"
        )
    below = [
        parts[1:-1]
        for parts in (path.split("/") for path in paths)
        if len(parts) > 2 and parts[0].casefold() in (folder.drive, f"{folder.drive}$")
    ]
    done: list[str] = []
    taken: list[str] = []
    for depth, part in enumerate(folder.parts):
        match = _ALIAS.fullmatch(part.upper())
        if match is None:
            done.append(part)
            continue
        names = sorted(
            {
                dirs[depth]
                for dirs in below
                if len(dirs) > depth
                and [d.casefold() for d in dirs[:depth]] == done
                and could_be_alias(part, dirs[depth])
            },
            key=str.casefold,
        )
        literal = [name for name in names if name.casefold() == part]
        if literal or (len(names) == 1 and match["number"] == "1"):
            chosen = (literal or names)[0]
            done.append(chosen.casefold())
            taken.append(f"{part.upper()} as {chosen!r}")
            continue
        if not names:
            why = "no folder of the evidence can have that 8.3 name"
        elif len(names) == 1:
            why = (
                f"{names[0]!r} could have it, but ~{match['number']} means another name "
                "took ~1 first, and the evidence cannot show which"
            )
        else:
            listed = ", ".join(repr(name) for name in names)
            why = (
                f"{listed} could each have it; which got ~{match['number']} depends on the "
                "order they were made"
            )
        return folder, f"the MTA's folder {shown}: {part.upper()} is an 8.3 name, and {why}"
    resolved = MtaFolder(folder.drive, tuple(done))
    return resolved, (
        f"the MTA's folder {shown} is {resolved}: {', '.join(taken)}, by Windows' 8.3 "
        "alias rule, the only evidence folder that can have that name"
    )
