"""One live server's time limit, enforced by fixlevel whatever the network library does.

impacket bounds each wait, not the whole: a server that answers STATUS_PENDING, sends
NetBIOS keep-alives or drips a byte at a time restarts its waits for ever. So each server
gets a ``Deadline`` with a watchdog that, when the time is up, shuts its socket down: every
wait on it then ends at once, whatever the library was doing. Name resolution runs in a
thread of its own, since ``getaddrinfo`` takes no timeout (a silent DNS server holds it
about 10 s). The deadline remembers the step under way, so that the reason says what
timed out: "name lookup", "logon", "reading C$/exchsrvr/bin/EMSMTA.EXE".

Ctrl-C (``interrupt_all``) expires every deadline of the process at once, and those made
after it, so that worker threads blocked on the network end within moments.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from types import FrameType

__all__ = [
    "Deadline",
    "DeadlineExpired",
    "interrupt_all",
    "interrupted",
    "interrupts_end_waits",
    "resume",
]

Lookup = Callable[[str], str]
"""A host name to one address (the seam name-lookup tests use)."""

_live: weakref.WeakSet[Deadline] = weakref.WeakSet()
# Reentrant: Ctrl-C's handler runs in the main thread, which may hold them when it comes.
_live_lock = threading.RLock()
_interrupted = threading.Event()
_TURN = 0.05
"""Seconds between two looks at the deadline while a wait cannot be woken by it."""


class DeadlineExpired(Exception):
    """The server's time is up, or the run was interrupted; ``str`` says which and where."""


def interrupt_all() -> None:
    """Expire every deadline of this process, and every one made until ``resume``."""
    _interrupted.set()
    with _live_lock:
        deadlines = list(_live)
    for deadline in deadlines:
        deadline.expire(interrupted=True)


def interrupted() -> bool:
    return _interrupted.is_set()


def resume() -> None:
    """A new run: deadlines made from now on run their course again."""
    _interrupted.clear()


@contextlib.contextmanager
def interrupts_end_waits() -> Iterator[None]:
    """While inside, Ctrl-C expires every deadline before KeyboardInterrupt is raised: the
    main thread then unwinds (and closes its sources) without waiting on any server, and
    worker threads blocked on one wake at once. Only the main thread can set a handler;
    elsewhere this does nothing."""
    resume()
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.getsignal(signal.SIGINT)
    if before is None or before == signal.SIG_IGN:  # not ours to change: Ctrl-C is ignored
        yield
        return

    def handler(number: int, frame: FrameType | None) -> None:
        interrupt_all()
        if callable(before):
            before(number, frame)
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


def _getaddrinfo(host: str) -> str:
    return str(socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)[0][4][0])


class Deadline:
    """``seconds`` from now for one server; a watchdog enforces it on the guarded sockets."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        """``clock`` decides what is left (tests stand in for it); the watchdog runs on
        real time."""
        self.seconds = seconds
        self.step = "connection"
        """What is being done: the words a timeout's reason names."""
        self._clock = clock
        self._ends = clock() + seconds
        self._lock = threading.RLock()
        self._sockets: list[socket.socket] = []
        self._fired = threading.Event()
        self._by_interrupt = False
        self._watchdog = threading.Timer(seconds, self.expire)
        self._watchdog.daemon = True
        self._watchdog.start()
        with _live_lock:
            _live.add(self)
        if _interrupted.is_set():
            self.expire(interrupted=True)

    def doing(self, step: str) -> None:
        """Name the step under way, for the reason should it time out."""
        self.step = step

    def left(self) -> float:
        """Seconds left; zero or less once expired."""
        if self._fired.is_set():
            return 0.0
        return self._ends - self._clock()

    @property
    def expired(self) -> bool:
        return self.left() <= 0

    def check(self) -> float:
        """Seconds left; raise DeadlineExpired when none are."""
        left = self.left()
        if left <= 0:
            raise DeadlineExpired(self.reason())
        return left

    def reason(self) -> str:
        if self._by_interrupt:
            return f"{self.step} stopped: the run was interrupted"
        return f"{self.step} timed out: the server took more than {self.seconds:g} s in all"

    def guard(self, sock: socket.socket) -> None:
        """Shut ``sock`` down when the time is up (at once, if it is already)."""
        with self._lock:
            self._sockets.append(sock)
            fired = self._fired.is_set()
        if fired:
            _shut(sock)

    def expire(self, interrupted: bool = False) -> None:
        """End every wait on the guarded sockets: the watchdog's doing, or Ctrl-C's."""
        with self._lock:
            if self._fired.is_set():
                return
            self._by_interrupt = interrupted
            self._fired.set()
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)

    def stop(self) -> None:
        """The server is done with: the watchdog is no longer needed."""
        self._watchdog.cancel()
        with self._lock:
            self._sockets.clear()
        with _live_lock:
            _live.discard(self)

    def resolve(self, host: str, lookup: Lookup = _getaddrinfo) -> str:
        """``host``'s address, looked up within what is left. Raise DeadlineExpired when
        the lookup outlasts it, or OSError as ``lookup`` does.

        The lookup runs in a daemon thread: when it outlasts the deadline it is left to
        end on its own (the resolver gives up within its own timeouts), and never holds up
        the run or its exit.
        """
        self.doing("name lookup")
        found: list[str] = []
        failed: list[OSError] = []
        done = threading.Event()

        def run() -> None:
            try:
                found.append(lookup(host))
            except OSError as error:
                failed.append(error)
            finally:
                done.set()

        threading.Thread(target=run, name=f"lookup {host}", daemon=True).start()
        # Short turns: the watchdog and Ctrl-C end the wait within one.
        while not done.wait(min(self.check(), _TURN)):
            pass
        if failed:
            raise failed[0]
        return found[0]


def _shut(sock: socket.socket) -> None:
    """Shut down, not close: a close does not wake a thread blocked in recv on Linux,
    and the descriptor stays valid for the thread that owns it to close."""
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
