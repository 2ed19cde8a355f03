"""Parsing: bytes in, facts out. PE version resources, .reg exports, offline hives."""
