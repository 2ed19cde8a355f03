"""Tests of the evidence sources."""
