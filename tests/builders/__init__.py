"""Builders of test fixtures, by routes independent of the code under test."""
