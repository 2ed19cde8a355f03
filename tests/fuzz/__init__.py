"""Coverage-guided fuzz targets, one per reader of untrusted bytes (atheris, libFuzzer).

Run them with ``python -m tests.fuzz run --seconds N`` (see ``__main__``). Each target
accepts only the reader's documented errors; anything else is a finding, as is an input
that takes longer than the per-input timeout or grows the process past its memory limit.
"""
