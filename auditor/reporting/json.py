"""The machine-readable report. Other tools read these keys: change them only with them.

The shape is documented in to_json_dict. Values are the evidence as found, without the
cleaning the workbook needs; json escapes control characters itself.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from auditor.errors import ReportError
from auditor.reporting.model import Report, has_labels, sorted_verdicts
from auditor.verdicts import AuditResult, ConnectorFinding, FileFinding, ServerVerdict

__all__ = ["render_json", "to_json_dict"]


def render_json(result: AuditResult, report: Report, path: Path) -> None:
    """Write to_json_dict as UTF-8 JSON. Raise ReportError when it cannot be written."""
    document = to_json_dict(result, report)
    try:
        with path.open("w", encoding="utf-8", errors="replace") as stream:
            json.dump(document, stream, ensure_ascii=False, indent=2)
            stream.write("\n")
    except OSError as error:
        raise ReportError(f"{path}: cannot write the JSON report: {error}") from error


def to_json_dict(result: AuditResult, report: Report) -> dict[str, Any]:
    """The report as JSON data::

        {"baseline": {"id", "title", "product_line", "fixed_build", "source"},
         "generated_at": ISO-8601,
         "summary": {"total", "counts": {status id: n, every status}, "share_compliant"},
         "notes": [fleet-wide remarks],
         "servers": [{"server", "status", "reasons", "remediation", "warnings",
                      "mta_version", "build_label", "multihomed", "addresses",
                      "connector_source", "files": [...], "connectors": [...]}]}

    When a fleet inventory gave any server a site or an owner, every server also has
    "site" and "owner" (empty strings where the inventory left them blank); otherwise
    neither key is there. Servers come in the report's order: most severe first, then by name.
    """
    baseline = result.baseline
    summary = report.summary
    labelled = has_labels(result)
    return {
        "baseline": {
            "id": baseline.article_id,
            "title": baseline.title,
            "product_line": baseline.product_line,
            "fixed_build": str(baseline.fixed_build),
            "source": baseline.source,
        },
        "generated_at": result.generated_at.isoformat(),
        "summary": {
            "total": summary.total,
            "counts": {status.value: count for status, count in summary.counts},
            "share_compliant": summary.share_compliant,
        },
        "servers": [_server(verdict, labelled) for verdict in sorted_verdicts(result)],
        "notes": list(result.notes),
    }


def _server(verdict: ServerVerdict, labelled: bool) -> dict[str, Any]:
    labels = {"site": verdict.site, "owner": verdict.owner} if labelled else {}
    return {
        "server": verdict.server,
        **labels,
        "status": verdict.status.value,
        "reasons": list(verdict.reasons),
        "remediation": list(verdict.remediation),
        "warnings": list(verdict.warnings),
        "mta_version": verdict.mta_version,
        "build_label": verdict.build_label,
        "multihomed": verdict.multihomed,
        "addresses": list(verdict.addresses),
        "connector_source": verdict.connector_source,
        "files": [_file(finding) for finding in verdict.files],
        "connectors": [_connector(finding) for finding in verdict.connectors],
    }


def _file(finding: FileFinding) -> dict[str, Any]:
    return {
        "name": finding.name,
        "kind": finding.kind,
        "path": finding.path,
        "fixed_version": finding.fixed_version,
        "string_version": finding.string_version,
        "required_version": finding.required_version,
        "result": finding.result.value,
        "detail": finding.detail,
    }


def _connector(finding: ConnectorFinding) -> dict[str, Any]:
    return {
        "connector": finding.connector,
        "obj_dist_name": finding.obj_dist_name,
        "override_value": finding.override_value,
        "value_type": finding.value_type,
        "result": finding.result.value,
        "detail": finding.detail,
    }
