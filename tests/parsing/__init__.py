"""Tests for auditor.parsing."""
