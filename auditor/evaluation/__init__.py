"""Evaluation: facts and a baseline in, a verdict out. Pure: no I/O, no clock."""

from auditor.evaluation.verdict import evaluate

__all__ = ["evaluate"]
