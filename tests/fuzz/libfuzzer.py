"""One target under atheris: ``python -m tests.fuzz.libfuzzer TARGET [libFuzzer options]``.

The readers and the libraries they lean on (regipy, construct, zipfile) are instrumented,
so that coverage guides the mutations into them. ``python -m tests.fuzz run`` starts this.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports(include=["auditor", "regipy", "construct", "zipfile"]):
    from tests.fuzz.targets import TARGETS


def main() -> None:
    target = TARGETS[sys.argv[1]]
    atheris.Setup([sys.argv[0], *sys.argv[2:]], target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
