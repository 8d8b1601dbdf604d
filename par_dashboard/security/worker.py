"""Reading what people upload away from the server's other users: in a worker process, under a time limit.

The dashboard serves every session from one Python process, and a parse holds its interpreter (the GIL) while it
runs, so one user's file would freeze the page of every other user. `call(fn, ...)` runs `fn` in one of a few
worker processes instead (the server's thread only waits, in a system call that holds nothing) and kills that
worker when the limit is reached: the caller gets `TooSlow`, with a message for the user, and the worker is
replaced. Nothing the worker did is kept, and it writes nothing (it has no database).

The limit is on CPU time (the kernel stops the worker: RLIMIT_CPU), so a busy machine does not fail a file that
would be read in time; a worker that waits instead of working is stopped after WALL_FACTOR times the limit on the
clock. The parsers themselves run in time linear in their input; the limit is the backstop for what was not
foreseen. The command line reads in its own process (`isolate=False`), under an alarm on its CPU time.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import math
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from par_dashboard.i18n import pick
from par_dashboard.paths import ROOT

WORKERS = 2  # at most this many parses at once; more wait their turn (the machine has few cores)
LIMIT_ENV = "PAR_PARSE_SECONDS"  # a fixed limit in seconds, for an operator (or a test) who wants another one
BASE_SECONDS = 60.0
SECONDS_PER_MB = 10.0  # of CPU: the slowest reader (report text) takes 4-8 s a megabyte; this leaves a wide margin
WALL_FACTOR = 3  # the clock's limit, in CPU limits
_PRELOAD = ["par_dashboard.importing.reader", "par_dashboard.extract"]  # what a worker imports before it is ready


class TooSlow(BaseException):  # noqa: N818 - BaseException: the alarm must pass the readers' `except Exception`
    """The limit was reached: the worker was killed (or, in this process, the work interrupted)."""

    def __init__(self, seconds: float):
        super().__init__(seconds)
        self.seconds = seconds
        s = f"{seconds:.3g}"
        self.vi = (f"Tệp cần quá nhiều thời gian để đọc (quá {s.replace('.', ',')} giây) nên đã dừng; không có gì được ghi. "
                   "Tệp có thể chứa nội dung bất thường: hãy kiểm tra, chia nhỏ tệp hoặc chỉ dán phần văn bản cần đọc.")
        self.en = (f"The file took too long to read (over {s} seconds), so reading was stopped; nothing was written. "
                   "It may hold unusual content: check it, split it, or paste only the text to read.")
        self.text_vi = (f"Văn bản cần quá nhiều thời gian để đọc (quá {s.replace('.', ',')} giây) nên đã dừng; không có gì "
                        "được ghi. Văn bản có thể chứa nội dung bất thường: hãy chỉ dán phần báo cáo cần đọc.")
        self.text_en = (f"The text took too long to read (over {s} seconds), so reading was stopped; nothing was written. "
                        "It may hold unusual content: paste only the part of the report to read.")

    def message(self, lang: str, *, text: bool = False) -> str:
        if text:
            return pick(self.text_vi, self.text_en, lang)
        return pick(self.vi, self.en, lang)


class Busy(Exception):  # noqa: N818
    """Every worker stayed busy (other users' files) for the whole limit."""

    vi = "Máy chủ đang bận đọc tệp của người dùng khác; hãy thử lại sau ít phút. Không có gì được ghi."
    en = "The server is busy reading other users' files; try again in a few minutes. Nothing was written."

    def message(self, lang: str, *, text: bool = False) -> str:
        return pick(self.vi, self.en, lang)


class Crashed(Exception):  # noqa: N818
    """The worker died while reading (out of memory, a fault in a C library)."""

    vi = "Không đọc được tệp: trình đọc đã dừng bất thường (tệp quá lớn hoặc hỏng). Không có gì được ghi."
    en = "The file could not be read: the reader stopped abnormally (the file is too large or damaged). Nothing was written."

    def message(self, lang: str, *, text: bool = False) -> str:
        return pick(self.vi, self.en, lang)


STOPPED = (TooSlow, Busy, Crashed)  # what `call` raises besides the function's own exceptions; each has .message(lang)


def limit_for(size: int) -> float:
    """Seconds a parse of `size` bytes (or characters) may take: PAR_PARSE_SECONDS if set, else 60 s + 10 s a MB."""
    if fixed := os.environ.get(LIMIT_ENV):
        return float(fixed)
    return BASE_SECONDS + SECONDS_PER_MB * size / 1e6


@dataclass(frozen=True)
class Shared:
    """A large argument that stays the same across calls (the unit names): sent to each worker once, then named by
    `key` only. The caller keeps `key` unique to the value."""

    key: Any
    value: Any


def call(fn: Callable, *args, limit: float, isolate: bool = True, **kwargs):
    """`fn(*args, **kwargs)`: in a worker process (`isolate`) or here under an alarm; its result or its exception.

    Raises TooSlow after `limit` seconds, Busy when no worker frees up within `limit`, Crashed when the worker dies.
    `fn` and its arguments must pickle (a module-level function); a `Shared` argument is sent to a worker once.
    """
    if not isolate:
        with _alarm(limit):
            return fn(*_plain(args), **dict(zip(kwargs, _plain(kwargs.values()), strict=True)))
    return _POOL.call(fn, args, kwargs, limit)


def _plain(values) -> list:
    return [v.value if isinstance(v, Shared) else v for v in values]


@contextlib.contextmanager
def _alarm(limit: float) -> Iterator[None]:
    """TooSlow raised in this thread after `limit` seconds of this process's CPU time; signals reach the main thread
    only, so elsewhere (a test runner's thread) the work runs without a limit."""
    if threading.current_thread() is not threading.main_thread() or limit <= 0:
        yield
        return

    def ring(signum, frame):
        raise TooSlow(limit)

    previous = signal.signal(signal.SIGPROF, ring)
    signal.setitimer(signal.ITIMER_PROF, limit)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


# ------------------------------------------------------------------------------------------------ the workers
# Each worker is a fresh interpreter (`python -m par_dashboard.security.worker FD_IN FD_OUT`) talking over two pipes of its
# own, not a multiprocessing.Process: those re-run the parent's __main__ in the child, and under Streamlit __main__
# is the page being run (the dashboard itself would run in the worker); a fork of the threaded server is unsafe too.

def _serve(inbox, outbox) -> None:
    """A worker's loop: (fn, args, kwargs, shared values, limit) in, (ok, result or exception) out, until the pipe
    closes. During a call the kernel ends the process once it has used `limit` more seconds of CPU (SIGXCPU)."""
    import resource

    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # ended by SIGXCPU: no core file
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    shared: dict = {}
    while True:
        try:
            fn, args, kwargs, sent, limit = inbox.recv()
        except (EOFError, OSError):
            return
        shared.update(sent)  # one value per database file in practice
        usage = resource.getrusage(resource.RUSAGE_SELF)
        cap = math.ceil(usage.ru_utime + usage.ru_stime + limit)
        resource.setrlimit(resource.RLIMIT_CPU, (cap if hard == resource.RLIM_INFINITY else min(cap, hard), hard))
        try:
            args = [shared[a.key] if isinstance(a, _Named) else a for a in args]
            kwargs = {k: shared[v.key] if isinstance(v, _Named) else v for k, v in kwargs.items()}
            answer = (True, fn(*args, **kwargs))
        except Exception as exc:  # noqa: BLE001 - handed to the caller, who raises it
            answer = (False, exc)
        resource.setrlimit(resource.RLIMIT_CPU, (hard, hard))
        try:
            outbox.send(answer)
        except Exception as exc:  # noqa: BLE001 - a result or an exception that does not pickle
            outbox.send((False, RuntimeError(f"{type(exc).__name__}: {exc}")))


@dataclass(frozen=True)
class _Named:
    key: Any


_READY = "ready"
_START_SECONDS = 120  # a new worker imports the readers (seconds on a busy machine); not part of any time limit


class _Worker:
    def __init__(self):
        from multiprocessing.connection import Connection

        to_child, from_parent = os.pipe()
        to_parent, from_child = os.pipe()
        root = str(ROOT)  # the repository, where `par_dashboard` is
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)}
        self.process = subprocess.Popen([sys.executable, "-m", "par_dashboard.security.worker", str(to_child), str(from_child)],
                                        pass_fds=(to_child, from_child), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        env=env)
        os.close(to_child)
        os.close(from_child)
        self.inbox = Connection(to_parent, writable=False)
        self.outbox = Connection(from_parent, readable=False)
        self.keys: set = set()  # the Shared values this worker holds
        try:
            ready = self.inbox.poll(_START_SECONDS) and self.inbox.recv() == _READY
        except (EOFError, OSError):  # it died while starting
            ready = False
        if not ready:
            self.kill()
            raise Crashed

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
            self.process.wait(10)
        for conn in (self.inbox, self.outbox):
            with contextlib.suppress(Exception):
                conn.close()


class _Pool:
    def __init__(self, size: int):
        self.slots = threading.BoundedSemaphore(size)
        self.lock = threading.Condition()
        self.idle: list[_Worker] = []
        self.starting = 0  # workers being started in the background

    def _take(self) -> _Worker:
        """An idle worker, or the one being started (rather than a second start), or a new one."""
        with self.lock:
            self.lock.wait_for(lambda: self.idle or not self.starting, timeout=_START_SECONDS)
            while self.idle:
                worker = self.idle.pop()
                if worker.alive():
                    return worker
                worker.kill()
        return _Worker()

    def _replace(self) -> None:
        """A new worker in the background, for the next file not to wait while it starts."""
        with self.lock:
            self.starting += 1
        threading.Thread(target=self._start, name="par-parse-worker-start", daemon=True).start()

    def _start(self) -> None:
        worker = None
        with contextlib.suppress(Crashed, OSError):
            worker = _Worker()
        with self.lock:
            self.starting -= 1
            if worker is not None:
                self.idle.append(worker)
            self.lock.notify_all()

    def call(self, fn, args, kwargs, limit: float):
        if not self.slots.acquire(timeout=max(limit, 0.001)):
            raise Busy
        try:
            worker = self._take()
            sent = {}
            for value in (*args, *kwargs.values()):
                if isinstance(value, Shared) and value.key not in worker.keys:
                    sent[value.key] = value.value
            args = [_Named(a.key) if isinstance(a, Shared) else a for a in args]
            kwargs = {k: _Named(v.key) if isinstance(v, Shared) else v for k, v in kwargs.items()}
            try:
                worker.outbox.send((fn, args, kwargs, sent, limit))
                worker.keys.update(sent)
                # waits in a system call: the server's other threads run meanwhile
                if not worker.inbox.poll(WALL_FACTOR * limit):
                    raise TooSlow(limit)
                ok, result = worker.inbox.recv()
            except BaseException as exc:  # the limit, a dead worker, or this thread interrupted: that worker goes
                worker.kill()
                self._replace()
                if isinstance(exc, (EOFError, OSError)):
                    if worker.process.returncode == -signal.SIGXCPU:  # the kernel ended it at the CPU limit
                        raise TooSlow(limit) from None
                    raise Crashed from exc
                raise
            with self.lock:
                self.idle.append(worker)
        finally:
            self.slots.release()
        if ok:
            return result
        raise result


_POOL = _Pool(WORKERS)


@atexit.register
def _stop_workers() -> None:
    with _POOL.lock:
        idle, _POOL.idle = _POOL.idle, []
    for worker in idle:
        worker.kill()


def warm() -> None:
    """Start one worker ahead of the first upload (a new worker imports the readers: seconds)."""
    with _POOL.lock:
        if _POOL.idle or _POOL.starting:
            return
    _POOL._replace()


def _main(fd_in: int, fd_out: int) -> None:
    from multiprocessing.connection import Connection

    inbox, outbox = Connection(fd_in, writable=False), Connection(fd_out, readable=False)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server; the worker ends when its pipe closes
    for name in _PRELOAD:
        importlib.import_module(name)
    outbox.send(_READY)
    _serve(inbox, outbox)


if __name__ == "__main__":
    from par_dashboard.security.worker import (
        _main as main,  # the module's own classes, the ones the server pickles (not __main__'s)
    )

    main(int(sys.argv[1]), int(sys.argv[2]))
