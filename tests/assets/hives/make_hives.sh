#!/usr/bin/env bash
# Builds the hive fixtures beside this script: hivex (hivexregedit --merge) writes every key
# and value under test from the .reg files here into a minimal hive from tests/builders
# (root key and base block only), so the auditor's reader is checked against hivex's writer.
# hivex writes no transaction log: dirty.SYSTEM.LOG comes from tests/builders/hive_log.py.
#
#   tests/assets/hives/make_hives.sh [OUTPUT_FOLDER]    (needs libhivex-bin)
#
# tests/parsing/test_hive_fixtures.py re-runs it, when hivex is there, and checks that the
# committed hives are what it makes.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
out="$(mkdir -p "${1:-$here}" && cd "${1:-$here}" && pwd)"
python="${PYTHON:-python3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# A minimal hive whose base block names NAME: "\SystemRoot\System32\Config\NAME".
base() {
    (cd "$repo" && "$python" -c '
import sys
from tests.builders.hive import build_hive
open(sys.argv[1], "wb").write(build_hive({}, file_name="\\SystemRoot\\System32\\Config\\" + sys.argv[2]))
' "$1" "$2")
}

# merge NAME REGFILE PREFIX OUTPUT
merge() {
    base "$work/base" "$1"
    cp "$work/base" "$4"
    hivexregedit --merge --prefix "$3" "$4" "$here/$2"
}

merge SYSTEM trailing.reg 'HKEY_LOCAL_MACHINE\SYSTEM' "$out/trailing.SYSTEM"
merge SYSTEM plain.reg 'HKEY_LOCAL_MACHINE\SYSTEM' "$out/plain.SYSTEM"
merge SOFTWARE software.reg 'HKEY_LOCAL_MACHINE\SOFTWARE' "$out/SOFTWARE"
merge SYSTEM dirty-old.reg 'HKEY_LOCAL_MACHINE\SYSTEM' "$work/old"
merge SYSTEM dirty-new.reg 'HKEY_LOCAL_MACHINE\SYSTEM' "$work/new"

# The old state with sequence numbers 41 and 40 (a write began and never ended), and the
# log of that write.
(cd "$repo" && "$python" -c '
import sys
from pathlib import Path
from tests.builders.hive_log import make_dirty, old_format_log
old, new, out = (Path(arg) for arg in sys.argv[1:])
dirty = make_dirty(old.read_bytes(), 41, 40)
(out / "dirty.SYSTEM").write_bytes(dirty)
(out / "dirty.SYSTEM.LOG").write_bytes(old_format_log(dirty, new.read_bytes()))
' "$work/old" "$work/new" "$out")
