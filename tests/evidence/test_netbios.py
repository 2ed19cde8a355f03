"""NetBIOS names and the session request, against RFC 1001/1002's own examples."""

from __future__ import annotations

import socket
import struct
import threading

import pytest

from auditor.evidence.netbios import (
    WILDCARD,
    SessionRefused,
    called_names,
    encode_name,
    netbios_name,
    request_session,
    session_request,
)
from tests.evidence.listeners import decode_name


@pytest.mark.parametrize(
    ("server", "name"),
    [
        ("EXCH01", "EXCH01"),
        ("exch01", "EXCH01"),
        (" Exch01 ", "EXCH01"),
        ("exch01.contoso.com", "EXCH01"),  # a DNS name's first label is the host's name
        ("LONDON-EXCHANGE-01", "LONDON-EXCHANGE"),  # 15 bytes at most
        ("10.0.4.5", None),  # an address has no name to offer
        ("fe80::1", None),
        ("", None),
        ("ÉCHANGE01", None),  # outside ASCII: the wildcard, rather than a guessed code page
    ],
)
def test_the_called_name_comes_from_the_server_name(server: str, name: str | None) -> None:
    assert netbios_name(server) == name
    assert called_names(server) == ((name, WILDCARD) if name else (WILDCARD,))


def test_the_wildcard_is_not_tried_twice() -> None:
    assert called_names("*smbserver") == (WILDCARD,)


def test_names_are_encoded_as_rfc_1001_shows() -> None:
    # RFC 1001 section 14.1: "FRED" padded with spaces (the space type) encodes so.
    assert encode_name("FRED", 0x20) == b"\x20EGFCEFEECACACACACACACACACACACACA\x00"


def test_the_session_request_carries_both_names() -> None:
    packet = session_request("EXCH01", "AUDITPC")
    kind, flags, length = struct.unpack(">BBH", packet[:4])
    assert (kind, flags, length, len(packet)) == (0x81, 0, 68, 72)
    assert decode_name(packet[4:38]) == ("EXCH01", 0x20)
    assert decode_name(packet[38:72]) == ("AUDITPC", 0x00)


def answer_with(reply: bytes) -> Exception | None:
    """Run request_session against a peer that sends ``reply`` and closes."""
    ours, theirs = socket.socketpair()

    def peer() -> None:
        with theirs:
            theirs.recv(72)
            theirs.sendall(reply)

    thread = threading.Thread(target=peer, daemon=True)
    thread.start()
    try:
        request_session(ours, "EXCH01", 2.0)
    except Exception as error:
        return error
    finally:
        ours.close()
        thread.join(timeout=2)
    return None


@pytest.mark.parametrize(
    ("reply", "words", "name_refused"),
    [
        (b"\x83\x00\x00\x01\x80", "not listening on the called name (0x80)", True),
        (b"\x83\x00\x00\x01\x81", "not listening for the calling name (0x81)", False),
        (b"\x83\x00\x00\x01\x82", "called name not present (0x82)", True),
        (b"\x83\x00\x00\x01\x8f", "unspecified error (0x8f)", False),
        (b"\x84\x00\x00\x06\x0a\x00\x04\x05\x00\x8b",
         "it points to 10.0.4.5:139 instead; not followed", False),
    ],
)  # fmt: skip
def test_a_refusal_says_why(reply: bytes, words: str, name_refused: bool) -> None:
    error = answer_with(reply)
    assert isinstance(error, SessionRefused)
    assert str(error) == f"the NetBIOS session service refused EXCH01: {words}"
    assert error.name_refused is name_refused


def test_a_granted_session_after_a_keepalive() -> None:
    assert answer_with(b"\x85\x00\x00\x00\x82\x00\x00\x00") is None


def test_a_peer_that_closes_is_a_lost_connection() -> None:
    assert isinstance(answer_with(b"\x83\x00"), ConnectionResetError)
