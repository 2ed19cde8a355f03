from __future__ import annotations

import pytest

from auditor.events.address import decode_address, stack_server


@pytest.mark.parametrize(
    ("logged", "text", "is_name"),
    [
        ("91F5C11B", "145.245.193.27", False),  # DESIGN.md 1b's example
        ("0a000006", "10.0.0.6", False),
        ("52656d6f74654d5441", "RemoteMTA", True),  # DESIGN.md 1b's example
        ("4D54412D4200", "MTA-B", True),  # a trailing NUL is not part of the name
        (" 0A000006 ", "10.0.0.6", False),
        ("mta-b.example", "mta-b.example", True),  # not hex: kept as logged
        ("0A0000", "0A0000", True),  # three bytes, not printable: shown as logged
        ("FF4142", "FF4142", True),  # a byte outside ASCII: shown as logged
    ],
)
def test_addresses_decode_as_the_design_notes_say(logged: str, text: str, is_name: bool) -> None:
    decoded = decode_address(logged)
    assert (decoded.text, decoded.is_name) == (text, is_name)


def test_the_stack_names_its_server() -> None:
    dn = "/o=ORG/ou=SITE/cn=Configuration/cn=Servers/cn=MTA-B/cn=TCP (MTA)"
    assert stack_server(dn) == "MTA-B"
    assert stack_server("/O=ORG/OU=S/CN=Configuration/CN=Servers/CN=x y/CN=TCP") == "x y"
    assert stack_server("") == ""
