"""Rebuild the hostile corpus in this folder: python tests/assets/hostile/make_corpus.py [DIR]

The bytes come from tests/builders/hostile.py, which patches the output of the other test
builders; a test checks that the committed files are what this script writes. Inputs too
big or too odd to commit (a 2 GB sparse file, a 10 MB line, links, a folder named like a
file, names with control characters) are made by the tests themselves, in a temporary
folder. ``fuzz/TARGET/`` holds the inputs the fuzzers found, kept as regression tests;
they are copied there by hand, not by this script.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from tests.builders.hostile import corpus  # noqa: E402


def main(target: Path) -> None:
    for name, data in corpus().items():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
