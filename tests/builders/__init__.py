"""Fixture builders: independent routes to the bytes the parsers read."""
