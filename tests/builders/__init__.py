"""Fixture builders: evidence made by routes independent of the readers under test."""
