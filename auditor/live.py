"""Live collection over SMB, wired for the rows of a fleet inventory that name no evidence."""

from __future__ import annotations

from collections.abc import Callable

from auditor.baseline import Baseline
from auditor.evidence import EvidenceSource
from auditor.evidence.credentials import DEFAULT_TIMEOUT, Credentials
from auditor.evidence.eventlog_rpc import DEFAULT_EVENT_DAYS
from auditor.evidence.inventory import FleetEntry, LiveFactory

__all__ = ["live_collection"]


def live_collection(
    baseline: Baseline,
    account: Callable[[], Credentials],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    events_days: int | None = DEFAULT_EVENT_DAYS,
) -> LiveFactory:
    """Live collection over SMB of the baseline's files and registry values, for the rows
    of a fleet inventory that name no evidence.

    ``account`` is called once, on the first such row, while the sources are planned and
    before any server is read: a run without live rows never asks for credentials.
    """
    made: list[LiveFactory] = []

    def live(entry: FleetEntry) -> EvidenceSource:
        if not made:
            # impacket is imported with the first live row: a scan of evidence folders
            # never pays for it.
            from auditor.evidence.smb import smb_sources

            rule = baseline.registry
            made.append(
                smb_sources(
                    account(),
                    [item.name for item in baseline.files],
                    service=rule.service,
                    override_key=rule.override_key,
                    override_value=rule.override_value,
                    timeout=timeout,
                    events_days=events_days,
                )
            )
        return made[0](entry)

    return live
