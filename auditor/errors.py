"""The error hierarchy: one root, one base per seam.

Messages start with the path or server they concern. A problem confined to one server's
evidence is turned into a finding on that server by the collector; only problems that stop
the whole run (an unreadable baseline, an unwritable output) reach the CLI as exceptions.
"""

__all__ = [
    "AuditorError",
    "BaselineError",
    "EvidenceError",
    "ParseError",
    "ReportError",
    "WaiverError",
]


class AuditorError(Exception):
    """Root of every error fixlevel raises on purpose."""


class EvidenceError(AuditorError):
    """Evidence could not be listed or read (missing folder, unreadable file)."""


class ParseError(AuditorError):
    """Bytes were read but do not hold what their format promises."""


class BaselineError(AuditorError):
    """A baseline file is missing, malformed or inconsistent."""


class ReportError(AuditorError):
    """A report could not be built or written."""


class WaiverError(AuditorError):
    """A waivers file is unreadable or malformed."""
