"""The account that live collection logs on with: from the environment or a prompt, never argv."""

from __future__ import annotations

import getpass
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TextIO

from auditor.errors import EvidenceError

__all__ = [
    "DEFAULT_TIMEOUT",
    "ENV_DOMAIN",
    "ENV_PASSWORD",
    "ENV_USER",
    "Credentials",
    "credentials_from_environment",
]

ENV_USER = "FIXLEVEL_USER"
ENV_PASSWORD = "FIXLEVEL_PASSWORD"  # noqa: S105 - the variable's name, not a password
ENV_DOMAIN = "FIXLEVEL_DOMAIN"
DEFAULT_TIMEOUT = 120.0
"""Seconds one live server may take in all; every network wait is bounded by what is left.
Here rather than in smb.py so that the CLI can show it without importing impacket."""


@dataclass(frozen=True)
class Credentials:
    """A Windows account. Its repr and str never show the password."""

    user: str
    password: str = field(repr=False)
    """Kept out of repr, so that no log line, traceback or report can carry it."""
    domain: str = ""
    """The account's domain; empty for a local account of the server."""

    def __str__(self) -> str:
        return f"{self.domain}\\{self.user}" if self.domain else self.user


def credentials_from_environment(
    environ: Mapping[str, str],
    stdin: TextIO,
    *,
    ask: Callable[[str], str] = input,
    ask_secret: Callable[[str], str] = getpass.getpass,
) -> Credentials:
    """``FIXLEVEL_USER``/``FIXLEVEL_PASSWORD``/``FIXLEVEL_DOMAIN``, prompting on a terminal
    for what is missing. Raise EvidenceError when something is missing and stdin is no terminal.
    """
    user = environ.get(ENV_USER, "")
    password = environ.get(ENV_PASSWORD)
    domain = environ.get(ENV_DOMAIN, "")
    if user and password is not None:
        return Credentials(user, password, domain)
    if not stdin.isatty():
        missing = ENV_USER if not user else ENV_PASSWORD
        raise EvidenceError(
            f"live collection needs an account: set {missing} (and {ENV_DOMAIN} for a domain "
            "account), or run on a terminal to be asked; credentials are never read from argv"
        )
    if not user:
        user = ask("fixlevel: user for live collection: ").strip()
    if password is None:
        password = ask_secret(f"fixlevel: password for {Credentials(user, '', domain)}: ")
    return Credentials(user, password, domain)
