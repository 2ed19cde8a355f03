"""What reading one live server cost, counted at the client."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["FileReads", "SmbStats", "count_traffic"]


@dataclass
class FileReads:
    """What reading one file cost."""

    reads: int = 0
    """Calls to ``read_at`` that went to the server."""
    bytes: int = 0
    """File bytes that came back."""
    round_trips: int = 0
    """SMB requests for this file: its open, its reads and its close."""


@dataclass
class SmbStats:
    """What one server cost, counted at the client."""

    dialect: str | None = None
    """"NT LM 0.12" for SMB1, else the SMB2/3 dialect code, e.g. "0x311"."""
    round_trips: int = 0
    """SMB requests sent after the protocol negotiation (which takes one or two more)."""
    bytes_sent: int = 0
    bytes_received: int = 0
    """SMB messages on the wire after the negotiation, NetBIOS framing excluded."""
    file_bytes: int = 0
    """File data read, all files together; the registry export is not a remote file."""
    files: dict[str, FileReads] = field(default_factory=dict)
    """Per evidence path."""
    registry_keys: int = 0
    seconds: float = 0.0
    """From the first connection attempt to the last answer."""


def count_traffic(conn: object, stats: SmbStats) -> None:
    """Count requests and answers on the NetBIOS session both SMB versions share."""
    session = getattr(conn, "_nmbSession", None)
    if session is None or not hasattr(session, "send_packet"):
        return
    send, receive = session.send_packet, session.recv_packet

    def counted_send(data: bytes) -> None:
        stats.round_trips += 1
        stats.bytes_sent += len(data)
        send(data)

    def counted_receive(timeout: float | None = None) -> object:
        packet = receive(timeout)
        stats.bytes_received += len(packet.get_trailer())
        return packet

    session.send_packet = counted_send
    session.recv_packet = counted_receive
