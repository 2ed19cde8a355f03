"""Tests for fixlevel."""
