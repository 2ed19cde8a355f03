"""Test-fixture builders: independent routes to the bytes that parsers read."""
