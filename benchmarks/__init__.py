"""Benchmarks: a synthetic fleet generator and the script that measures fixlevel on it."""
