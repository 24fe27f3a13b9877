"""The main thread's watch over a run: work runs in threads while the main thread waits on a pipe
that both the work and the signals write to, so SIGINT and SIGTERM are acted on at once, in any
stage, and never inside a lock the interrupted code holds.

A signal stops the run: no new CLI call starts, each running ``pulumi`` gets SIGINT (the CLI's
graceful cancel: it finishes the resource operations in flight, records them and exits), and the
run ends with exit code 128 + the signal (130 for SIGINT, 143 for SIGTERM). A second signal, or a
child still running ``--cancel-timeout`` seconds after the first, escalates: a second SIGINT (the
CLI terminates at once), then SIGKILL of its process group. On the file backend ``pulumi cancel``
only removes the lock; it does not stop the update, so it is not used.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import FrameType
from typing import Any, TypeVar

from components.pipeline.processes import Child, ChildProcesses
from components.pipeline.report import Console, format_seconds

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# After the second SIGINT, how long a child gets before SIGKILL (at most --cancel-timeout).
FORCE_SECONDS = 5.0
# After SIGKILL, how long the work gets to finish: the SDK waits up to 5 s for the event log of a
# CLI that was killed before it could close it (pulumi/automation/_stack.py, _cleanup).
SETTLE_SECONDS = 10.0
# How far a stop has gone: SIGINT sent, second SIGINT sent, SIGKILL sent, given up waiting.
GRACEFUL, FORCED, KILLED, ABANDONED = range(4)

T = TypeVar("T")


class Interrupted(Exception):
    """The run was stopped by a signal."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


@dataclass
class _Job:
    done: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    error: BaseException | None = None


def _ignore(signum: int, frame: FrameType | None) -> None:
    """The Python-level handler does nothing: ``set_wakeup_fd`` has already written the signal
    number into the pipe the main thread waits on."""


def short(stack: str) -> str:
    return stack.rsplit("/", 1)[-1]


class Supervisor:
    def __init__(
        self,
        children: ChildProcesses,
        console: Console,
        cancel_timeout: float,
        heartbeat_seconds: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.children = children
        self.console = console
        self.cancel_timeout = cancel_timeout
        self.heartbeat_seconds = heartbeat_seconds
        self.clock = clock
        self.signal: int | None = None
        self.stopping = threading.Event()
        self._deadline: float | None = None
        self._stage = GRACEFUL
        self._read, self._write = os.pipe()
        os.set_blocking(self._read, False)
        os.set_blocking(self._write, False)
        self._pipe_lock = threading.Lock()
        self._closed = False
        self._previous: dict[int, Any] = {}
        self._previous_fd: int | None = None

    # --- installing ------------------------------------------------------------------------

    def __enter__(self) -> Supervisor:
        try:
            self._previous_fd = signal.set_wakeup_fd(self._write, warn_on_full_buffer=False)
            self._previous = {signum: signal.signal(signum, _ignore) for signum in STOP_SIGNALS}
        except ValueError:
            pass  # not the main thread: no signal handling, the pipe still reports finished work
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        if self._previous_fd is not None:
            signal.set_wakeup_fd(self._previous_fd)
        with self._pipe_lock:
            self._closed = True
            os.close(self._read)
            os.close(self._write)

    # --- what the pipeline calls -----------------------------------------------------------

    def call(self, work: Callable[[], T]) -> T:
        """Run ``work`` in a thread and return its result; raise ``Interrupted`` after a signal."""
        (job,) = self._wait([self._start(work)], None)
        self.raise_if_interrupted()
        if job.error is not None:
            raise job.error
        result: T = job.result
        return result

    def run(self, works: Sequence[Callable[[], None]], tick: Callable[[], None] | None = None) -> None:
        """Run each of ``works`` in its own thread and wait for all of them (``tick`` runs every
        ``heartbeat_seconds`` meanwhile). Nothing starts once a signal has arrived."""
        self.check()
        if self.stopping.is_set():
            return
        for job in self._wait([self._start(work) for work in works], tick):
            if job.error is not None:
                raise job.error

    def sleep(self, seconds: float) -> bool:
        """For work in a thread: wait ``seconds``; True (at once) when the run is stopping."""
        return self.stopping.wait(seconds)

    def check(self) -> None:
        """Act on any signal that arrived while the main thread was busy elsewhere."""
        self._drain()

    def raise_if_interrupted(self) -> None:
        self.check()
        if self.signal is not None:
            raise Interrupted(self.signal)

    # --- the wait --------------------------------------------------------------------------

    def _start(self, work: Callable[[], Any]) -> _Job:
        job = _Job()

        def target() -> None:
            try:
                job.result = work()
            except BaseException as error:  # handed to the main thread
                job.error = error
            finally:
                job.done.set()
                self._wake()

        threading.Thread(target=target, daemon=True, name="pipeline-work").start()
        return job

    def _wake(self) -> None:
        with self._pipe_lock:
            if not self._closed:
                with contextlib.suppress(BlockingIOError):  # a full pipe wakes the main thread anyway
                    os.write(self._write, b"\0")

    def _wait(self, jobs: list[_Job], tick: Callable[[], None] | None) -> list[_Job]:
        next_tick = self._next_tick(tick)
        while not all(job.done.is_set() for job in jobs):
            if self._stage == ABANDONED:
                break  # killed and still not finished: only threads are left, no process
            timeout = min(
                (moment - self.clock() for moment in (next_tick, self._deadline) if moment is not None),
                default=None,
            )
            select.select([self._read], [], [], None if timeout is None else max(timeout, 0.0))
            self._drain()
            now = self.clock()
            if self._deadline is not None and now >= self._deadline:
                self._escalate()
            if tick is not None and next_tick is not None and now >= next_tick:
                tick()
                next_tick = self._next_tick(tick)
        return jobs

    def _next_tick(self, tick: Callable[[], None] | None) -> float | None:
        if tick is None or not self.heartbeat_seconds:
            return None
        return self.clock() + self.heartbeat_seconds

    def _drain(self) -> None:
        with self._pipe_lock:
            if self._closed:
                return
            try:
                data = os.read(self._read, 512)
            except BlockingIOError:
                return
        for byte in data:
            if byte in STOP_SIGNALS:
                self._on_signal(byte)

    # --- stopping --------------------------------------------------------------------------

    def _on_signal(self, signum: int) -> None:
        name = signal.Signals(signum).name
        if self.signal is None:
            self.signal = signum
            self.stopping.set()
            # Said before the children are signalled, so these lines come before their results.
            self.console.line(f"{name} received: stopping; no further stack starts.")
            for child in self.children.engine_operations():
                self._say(
                    child,
                    f"sending SIGINT to pulumi {child.operation} (pid {child.process.pid}): it cancels gracefully",
                )
            children = self.children.stop()
            # Without children only threads are left (a registry call): give them a moment.
            self._deadline = self.clock() + (self.cancel_timeout if children else FORCE_SECONDS)
            return
        self.console.line(f"{name} received again: stopping the pulumi processes now.")
        if self._stage == GRACEFUL:
            self._force()

    def _escalate(self) -> None:
        """The deadline of the current stage passed: take the next step."""
        if self._stage == GRACEFUL:
            for child in self.children.engine_operations():
                self._say(
                    child,
                    f"pulumi {child.operation} still running {format_seconds(self.cancel_timeout)} after SIGINT",
                )
            self._force()
        elif self._stage == FORCED:
            self._stage = KILLED
            for child in self.children.kill():
                self._say(child, f"killed pulumi {child.operation} and its plugins (SIGKILL)")
            self._deadline = self.clock() + SETTLE_SECONDS
        else:
            self._stage = ABANDONED

    def _force(self) -> None:
        """The CLI's second SIGINT terminates it at once; SIGKILL follows if it does not."""
        self._stage = FORCED
        for child in self.children.engine_operations():
            self._say(child, f"sending SIGINT again to pulumi {child.operation}: it terminates at once")
        self.children.stop()
        self._deadline = self.clock() + min(FORCE_SECONDS, self.cancel_timeout)

    def _say(self, child: Child, text: str) -> None:
        self.console.line(f"[{short(child.stack)}] {text}" if child.stack else text)
