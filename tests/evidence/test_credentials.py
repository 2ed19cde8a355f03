"""Credentials come from the environment or a prompt, and never show their password."""

from __future__ import annotations

import io

import pytest

from auditor.errors import EvidenceError
from auditor.evidence.credentials import Credentials, credentials_from_environment

SECRET = "s3cret-Pa55"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def refuse(prompt: str) -> str:
    raise AssertionError(f"asked {prompt!r} although the environment had the answer")


def test_the_environment_gives_the_account() -> None:
    env = {"FIXLEVEL_USER": "audit", "FIXLEVEL_PASSWORD": SECRET, "FIXLEVEL_DOMAIN": "CONTOSO"}
    found = credentials_from_environment(env, Terminal(), ask=refuse, ask_secret=refuse)
    assert found == Credentials("audit", SECRET, "CONTOSO")
    assert str(found) == "CONTOSO\\audit"


def test_the_password_is_in_no_text_form() -> None:
    account = Credentials("audit", SECRET, "CONTOSO")
    assert SECRET not in repr(account)
    assert SECRET not in str(account)
    assert SECRET not in f"{account}"
    assert SECRET not in repr([account])


def test_a_terminal_is_asked_for_what_is_missing() -> None:
    asked: list[str] = []

    def secret(prompt: str) -> str:
        asked.append(prompt)
        return SECRET

    found = credentials_from_environment(
        {"FIXLEVEL_USER": "audit"}, Terminal(), ask=refuse, ask_secret=secret
    )
    assert found == Credentials("audit", SECRET)
    assert asked == ["fixlevel: password for audit: "]


def test_no_terminal_and_no_password_is_an_error_that_names_the_variable() -> None:
    with pytest.raises(EvidenceError, match="FIXLEVEL_PASSWORD") as caught:
        credentials_from_environment({"FIXLEVEL_USER": "audit"}, io.StringIO())
    assert "argv" in str(caught.value)


def test_an_empty_password_from_the_environment_is_a_password() -> None:
    env = {"FIXLEVEL_USER": "guest", "FIXLEVEL_PASSWORD": ""}
    assert credentials_from_environment(env, io.StringIO()) == Credentials("guest", "")
