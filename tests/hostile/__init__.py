"""Hostile and broken evidence: the corpus in tests/assets/hostile and what it must not break."""
