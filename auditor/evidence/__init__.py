"""Evidence: where a server's bytes come from. A source lists files and reads byte ranges."""

from auditor.evidence.fleet import NotAFleet, discover_fleet
from auditor.evidence.folder import FolderSource
from auditor.evidence.interface import EvidenceFile, EvidenceSource, UnsupportedSource
from auditor.evidence.zip import ZipSource

__all__ = [
    "EvidenceFile",
    "EvidenceSource",
    "FolderSource",
    "NotAFleet",
    "UnsupportedSource",
    "ZipSource",
    "discover_fleet",
]
