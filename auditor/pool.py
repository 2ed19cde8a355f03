"""A bounded pool that runs one piece of work per server and keeps the fleet's order.

Two kinds of work meet here. Reading local evidence is CPU-bound Python (struct, regipy),
which threads cannot spread over cores because of the GIL, so it runs in worker processes,
a chunk of servers per task to keep the inter-process traffic small. Live collection waits
on the network and holds connections that cannot move between processes, so it runs in
threads. The caller says which item goes where.

Results come back in the order of the items, whatever order they finish in. The work
function is expected to turn its own errors into data; what the pool adds is that a task
lost outright (a worker process killed, a result that cannot be sent back) still yields a
result for each of its items, made by ``on_failure``.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import (
    Executor,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    as_completed,
)
from contextlib import ExitStack
from typing import TypeVar

__all__ = ["DEFAULT_WORKERS", "Progress", "run_pool"]

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_WORKERS = 8
"""Threads for network-bound items; processes are further capped at the number of CPUs."""

Progress = Callable[[int, int], None]
"""``progress(done, total)``: called from the caller's thread, first with done = 0."""

PROCESS_CHUNK = 16
"""Items per task sent to a worker process: large enough that pickling and queueing cost
little per item, small enough that the last chunks spread over the workers."""

MIN_PROCESS_ITEMS = 100
"""Below this many CPU-bound items, starting processes costs more than it saves. On two
quiet cores (collection is about 1.4 ms of CPU a server, and each result is pickled
back), whole scans took, in process and with two worker processes: 50 servers 0.33 s and
0.34 s, 100 servers 0.42 s and 0.36 s, 200 servers 0.59 s and 0.48 s. On cores already
busy with other work the processes gain nothing and cost about 8% more CPU."""


def run_pool(
    items: Sequence[T],
    work: Callable[[T], R],
    on_failure: Callable[[T, BaseException], R],
    *,
    workers: int = DEFAULT_WORKERS,
    in_process: Callable[[T], bool] = lambda _item: False,
    progress: Progress | None = None,
    min_process_items: int | None = None,
    on_result: Callable[[int, R], R] | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> list[R]:
    """Return ``[work(item) for item in items]``, computed by at most ``workers`` at a time.

    Items for which ``in_process`` is true run in worker processes, so they and ``work``
    must pickle (``work`` a module-level function or a partial of one); when they are
    fewer than ``min_process_items`` (default MIN_PROCESS_ITEMS), they run one after the
    other in the calling thread instead. With ``workers`` of 1 everything runs there.
    ``on_result(index, result)`` is called in the calling thread as each result arrives,
    in the order they arrive: work on results can go on while the processes still work.
    What it returns is what the pool keeps and returns for that item: the result, or a
    smaller stand-in once the result has served.
    ``meanwhile()`` is called once in the calling thread, once the processes have started
    and before anything else: work that needs no result (loading what comes after) then
    costs the run no time while the processes work.
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    report = progress or (lambda _done, _total: None)
    arrived = on_result or (lambda _index, result: result)
    total = len(items)
    report(0, total)
    results: dict[int, R] = {}
    cpu = [index for index, item in enumerate(items) if in_process(item)]
    processes = min(workers, usable_cpus())
    threshold = MIN_PROCESS_ITEMS if min_process_items is None else min_process_items
    here: list[int] = []
    if processes < 2 or len(cpu) < max(threshold, 1):
        # CPU-bound work in threads only contends for the GIL: it runs here, in order.
        here, cpu = cpu, []
    rest = sorted(set(range(total)).difference(cpu, here))
    if workers == 1:
        here, rest = sorted(here + rest), []
    with ExitStack() as stack:
        pending: dict[Future[list[R]], list[int]] = {}
        if cpu:
            # Submitted first: with "fork", the workers start at the first submission,
            # before this process has any pool threads running.
            pool = stack.enter_context(_process_pool(processes))
            for start in range(0, len(cpu), PROCESS_CHUNK):
                chunk = cpu[start : start + PROCESS_CHUNK]
                batch = [items[index] for index in chunk]
                pending[pool.submit(_run_chunk, work, on_failure, batch)] = chunk
        if rest:
            threads = stack.enter_context(ThreadPoolExecutor(max_workers=workers))
            for index in rest:
                pending[threads.submit(_run_chunk, work, on_failure, [items[index]])] = [index]
        # While the threads and processes work, this thread does its own share.
        try:
            if meanwhile is not None:
                meanwhile()
            for done, index in enumerate(here, start=1):
                results[index] = arrived(index, _run_one(work, on_failure, items[index]))
                report(done, total)
        except BaseException:
            for future in pending:  # Ctrl-C: don't start what is still queued
                future.cancel()
            raise
        _drain(pending, results, items, on_failure, report, arrived, len(here))
    return [results[index] for index in range(total)]


def usable_cpus() -> int:
    """CPUs this process may run on: a container or taskset may allow fewer than exist."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def _drain(
    pending: dict[Future[list[R]], list[int]],
    results: dict[int, R],
    items: Sequence[T],
    on_failure: Callable[[T, BaseException], R],
    report: Progress,
    arrived: Callable[[int, R], R],
    done_count: int,
) -> None:
    try:
        # as_completed waits on every future once; wait() in a loop re-registered each
        # pending future at every turn, quadratic in the number of tasks.
        for future in as_completed(list(pending)):
            indexes = pending.pop(future)
            try:
                values = future.result()
            except Exception as error:  # the task was lost, not one item's work
                values = [on_failure(items[index], error) for index in indexes]
            for index, value in zip(indexes, values, strict=True):
                results[index] = arrived(index, value)
            done_count += len(indexes)
            report(done_count, len(items))
    except BaseException:
        for future in pending:  # Ctrl-C: don't start what is still queued
            future.cancel()
        raise


def _process_pool(processes: int) -> Executor:
    # fork shares the parent's loaded modules (no re-import per worker) and works with any
    # entry point; elsewhere the platform's default start method is the safe choice.
    if sys.platform == "linux":
        return ProcessPoolExecutor(
            processes,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_leave_interrupts_to_the_parent,
        )
    return ProcessPoolExecutor(processes, initializer=_leave_interrupts_to_the_parent)


def _leave_interrupts_to_the_parent() -> None:
    """Ctrl-C at a terminal reaches every process of the group: a worker that took it
    would print its own traceback. The parent stops the pool, and the workers with it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run_chunk(
    work: Callable[[T], R], on_failure: Callable[[T, BaseException], R], batch: list[T]
) -> list[R]:
    return [_run_one(work, on_failure, item) for item in batch]


def _run_one(work: Callable[[T], R], on_failure: Callable[[T, BaseException], R], item: T) -> R:
    try:
        return work(item)
    except Exception as error:  # work should not raise; if it does, the item still has a row
        return on_failure(item, error)
