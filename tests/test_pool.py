"""The pools: order kept, every item answered, progress counted; tasks run beside."""

from __future__ import annotations

import os
import threading
import time
from functools import partial
from pathlib import Path

import pytest

from auditor.pool import run_pool, usable_cpus

# Work for worker processes must be importable by name, so it lives at module level.


def square(number: int) -> int:
    return number * number


def square_but_three_raises(number: int) -> int:
    if number == 3:
        raise RuntimeError("three")
    return number * number


def square_but_five_kills_its_process(number: int, parent: int) -> int:
    if number == 5 and os.getpid() != parent:
        os._exit(9)  # a worker process that dies outright, as a crash in C would
    return number * number


def failed(number: int, error: BaseException) -> int:
    return -number


def where(number: int) -> tuple[int, int]:
    return os.getpid(), threading.get_ident()


both_ways = pytest.mark.parametrize("in_process", [False, True], ids=["threads", "processes"])


@both_ways
def test_results_keep_the_order_of_the_items(in_process: bool) -> None:
    items = list(range(200))
    got = run_pool(
        items, square, failed, workers=4, in_process=lambda _: in_process, min_process_items=0
    )
    assert got == [n * n for n in items]


@both_ways
def test_an_item_whose_work_raises_gets_the_failure_result_alone(in_process: bool) -> None:
    got = run_pool(
        list(range(40)),
        square_but_three_raises,
        failed,
        workers=4,
        in_process=lambda _: in_process,
        min_process_items=0,
    )
    assert got[3] == -3
    assert [value for n, value in enumerate(got) if n != 3] == [n * n for n in range(40) if n != 3]


@pytest.mark.skipif(usable_cpus() < 2, reason="one CPU: the pool uses no processes")
def test_a_dead_worker_process_still_gives_its_items_a_result() -> None:
    work = partial(square_but_five_kills_its_process, parent=os.getpid())
    got = run_pool(
        list(range(40)), work, failed, workers=2, in_process=lambda _: True, min_process_items=0
    )
    assert len(got) == 40
    assert got[5] == -5
    # The other items were either done or, lost with the broken pool, marked failed.
    assert all(value in (n * n, -n) for n, value in enumerate(got))


@pytest.mark.skipif(usable_cpus() < 2, reason="one CPU: the pool uses no processes")
def test_cpu_bound_items_run_in_other_processes_and_the_rest_in_threads() -> None:
    items = list(range(100))
    got = run_pool(
        items, where, failed, workers=2, in_process=lambda n: n % 2 == 0, min_process_items=0
    )
    parent, main_thread = os.getpid(), threading.get_ident()
    assert all(pid != parent for pid, _ in got[0::2])
    assert all(pid == parent and thread != main_thread for pid, thread in got[1::2])


def test_one_worker_runs_everything_here_in_order() -> None:
    calls: list[int] = []

    def record(number: int) -> int:  # a closure: it could not be sent to another process
        calls.append(number)
        return number

    got = run_pool(list(range(100)), record, failed, workers=1, in_process=lambda _: True)
    assert got == calls == list(range(100))


def test_few_cpu_bound_items_stay_in_this_process() -> None:
    got = run_pool(list(range(10)), where, failed, workers=4, in_process=lambda _: True)
    assert {pid for pid, _ in got} == {os.getpid()}


@both_ways
def test_progress_counts_from_zero_to_the_total(in_process: bool) -> None:
    seen: list[tuple[int, int]] = []
    run_pool(
        list(range(50)),
        square,
        failed,
        workers=3,
        in_process=lambda _: in_process,
        progress=lambda done, total: seen.append((done, total)),
        min_process_items=0,
    )
    assert seen[0] == (0, 50)
    assert seen[-1] == (50, 50)
    done = [d for d, _ in seen]
    assert done == sorted(done)
    assert {total for _, total in seen} == {50}


def test_an_empty_fleet_needs_no_pool() -> None:
    assert run_pool([], square, failed) == []


def test_workers_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        run_pool([1], square, failed, workers=0)


def test_few_cpu_bound_items_run_in_the_calling_thread_in_order() -> None:
    here = (os.getpid(), threading.get_ident())
    seen: list[tuple[int, int]] = []
    got = run_pool(
        list(range(20)),
        where,
        failed,
        workers=4,
        in_process=lambda n: n % 2 == 0,
        progress=lambda done, total: seen.append((done, total)),
        min_process_items=11,  # ten CPU-bound items: fewer than this, so none goes to a process
    )
    # The CPU-bound items ran here, not in a process and not in a thread of the pool; the
    # others (network-bound) ran in threads of this process.
    assert {got[n] for n in range(0, 20, 2)} == {here}
    assert all(got[n][0] == here[0] and got[n] != here for n in range(1, 20, 2))
    assert seen[0] == (0, 20) and seen[-1] == (20, 20)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_enough_cpu_bound_items_go_to_worker_processes() -> None:
    if usable_cpus() < 2:
        pytest.skip("one CPU: no worker processes")
    got = run_pool(
        list(range(12)), where, failed, workers=2, in_process=lambda _: True, min_process_items=12
    )
    assert all(pid != os.getpid() for pid, _ in got)


@pytest.mark.parametrize("min_items", [0, 1000], ids=["in workers", "here"])
@pytest.mark.parametrize("cpu_bound", [lambda n: True, lambda n: n % 3 == 0, lambda n: False])
def test_each_result_is_handed_over_once_in_the_calling_thread_as_it_arrives(
    min_items: int, cpu_bound: object
) -> None:
    caller = threading.get_ident()
    seen: list[tuple[int, tuple[int, int], int]] = []
    got = run_pool(
        list(range(60)),
        where,
        failed,
        workers=2,
        in_process=cpu_bound,  # type: ignore[arg-type]
        on_result=lambda index, value: seen.append((index, value, threading.get_ident())) or value,
        min_process_items=min_items,
    )
    assert sorted(index for index, _, _ in seen) == list(range(60))
    assert all(got[index] == value for index, value, _ in seen)
    assert {thread for _, _, thread in seen} == {caller}


def test_a_lost_task_hands_over_its_failure_results_too() -> None:
    if usable_cpus() < 2:
        pytest.skip("one CPU: no worker processes")
    seen: dict[int, int] = {}
    got = run_pool(
        list(range(40)),
        partial(square_but_five_kills_its_process, parent=os.getpid()),
        failed,
        workers=2,
        in_process=lambda _: True,
        on_result=lambda index, value: seen.setdefault(index, value),
        min_process_items=0,
    )
    assert seen == dict(enumerate(got)) and seen[5] == -5


def mark_done(number: int, folder: str) -> int:
    with open(os.path.join(folder, f"{number}.done"), "w"):  # noqa: PTH118, PTH123
        pass
    return number


def test_meanwhile_runs_once_here_while_the_workers_already_work(tmp_path: Path) -> None:
    if usable_cpus() < 2:
        pytest.skip("one CPU: no worker processes")
    caller = threading.get_ident()
    events: list[str] = []

    def meanwhile() -> None:
        # Returns once a worker has finished an item: had it been called before the
        # workers started (or after they ended), this would wait in vain or see all done.
        deadline = time.monotonic() + 10
        while not any(tmp_path.glob("*.done")) and time.monotonic() < deadline:
            time.sleep(0.005)
        if not any(tmp_path.glob("*.done")):
            events.append("no worker working")
        events.append("meanwhile" if threading.get_ident() == caller else "another thread")

    got = run_pool(
        list(range(200)),
        partial(mark_done, folder=str(tmp_path)),
        failed,
        workers=2,
        in_process=lambda _: True,
        on_result=lambda _, value: events.append("result") or value,
        min_process_items=0,
        meanwhile=meanwhile,
    )
    assert got == list(range(200))
    assert events[0] == "meanwhile" and events.count("meanwhile") == 1, events[:3]
    assert events.count("result") == 200 and "another thread" not in events


def test_meanwhile_runs_before_work_done_here() -> None:
    events: list[str] = []
    run_pool(
        list(range(5)),
        square,
        failed,
        workers=1,
        on_result=lambda _, value: events.append("result") or value,
        meanwhile=lambda: events.append("meanwhile"),
    )
    assert events == ["meanwhile"] + ["result"] * 5


def test_what_on_result_returns_is_what_the_pool_keeps() -> None:
    # A caller done with a result keeps a smaller stand-in: the pool holds no other copy.
    for min_items in (0, 1000):
        got = run_pool(
            list(range(40)),
            square,
            failed,
            workers=2,
            in_process=lambda n: n % 2 == 0,
            on_result=lambda index, value: -value,
            min_process_items=min_items,
        )
        assert got == [-(n * n) for n in range(40)]
