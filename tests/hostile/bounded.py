"""Collect each server of a fleet in a forked child under RLIMIT_CPU and RLIMIT_AS.

    python -m tests.hostile.bounded FLEET      -> {"server": "ok" | what stopped it, ...}
    python -m tests.hostile.bounded --controls -> the same for work that must be stopped

Run in a fresh interpreter rather than from pytest: memory that a long-lived process has
freed but kept mapped counts in its address space, and a child would inherit that slack
on top of its 256 MB. Linux only (fork, /proc).
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys
from collections.abc import Callable
from pathlib import Path

CPU_SECONDS = 5
MEMORY = 256 * 1024 * 1024


def _virtual_size() -> int:
    status = Path("/proc/self/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith("VmSize:"))
    return int(line.split()[1]) * 1024


def bounded(run: Callable[[], object], cpu_seconds: int = CPU_SECONDS) -> str:
    """Run ``run`` in a forked child limited to ``cpu_seconds`` of CPU and 256 MB more address
    space than it starts with; return "ok" or what stopped it."""
    pid = os.fork()
    if pid == 0:  # the child: a fresh CPU clock, the parent's memory shared until written
        code = 0
        try:
            resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
            limit = _virtual_size() + MEMORY
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            run()
        except MemoryError:
            code = 3
        except BaseException:
            code = 4
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return f"killed by {signal.Signals(os.WTERMSIG(status)).name}"
    return {0: "ok", 3: "out of memory", 4: "raised"}[os.WEXITSTATUS(status)]


def _fleet(fleet: Path) -> dict[str, str]:
    from auditor.baseline import default_baseline_path, load_baseline
    from auditor.collect import collect
    from auditor.evaluation import evaluate
    from auditor.evidence import discover_fleet

    baseline = load_baseline(default_baseline_path())
    return {
        source.server: bounded(lambda s=source: evaluate(collect(s, baseline), baseline))
        for source in discover_fleet(fleet)
    }


def _controls() -> dict[str, str]:
    return {
        "allocate 272 MB": bounded(lambda: bytearray(MEMORY + (16 << 20))),
        "allocate 128 MB": bounded(lambda: bytearray(MEMORY // 2)),
        "spin for 1 s": bounded(lambda: sum(iter(int, 1)), cpu_seconds=1),
        "raise": bounded(lambda: 1 / 0),
    }


if __name__ == "__main__":
    outcomes = _controls() if sys.argv[1] == "--controls" else _fleet(Path(sys.argv[1]))
    print(json.dumps(outcomes))
