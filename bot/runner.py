"""Process lifetime of ``coach run``: SIGTERM/SIGINT stop it, and it exits within a deadline.

``asyncio.run`` waits at exit for every thread of the default executor, and Python waits for
them again at interpreter exit. A thread cannot be cancelled: an embedding computed or the
embedder loaded in ``asyncio.to_thread`` when SIGTERM arrives would hold the exit for as long
as it takes (the first load is 5–10 s). ``run_bounded`` runs the loop like ``asyncio.run``
but waits for busy worker threads only until ``EXIT_DEADLINE_S`` after the stop was asked
for; then it ends the process with the exit code the run returned. By then the transport has
stopped, the database transactions have committed or rolled back and the engine is disposed;
the memory index writes its files atomically (temporary file, then rename).

After a stop the process never goes through the interpreter's finalisation: with the language
model, torch, SQLAlchemy and PTB loaded, its garbage collection of the whole heap took 7–10 s
on the 2-core machine at load average 8 (measured with ``coach run`` as in tests/test_logs.py,
the loop's own shutdown 0.1 s), so a stop ends with ``os._exit`` once the logs and the standard
streams are flushed. And whatever still holds the exit (a shutdown step that hangs, a
synchronous call on the loop's thread, a flush blocked on a full pipe) is cut by a watchdog:
the signal reaches a daemon thread through the wakeup file descriptor (written by the C-level
handler, whichever thread is busy), which asks the loop to stop and, ``WATCHDOG_S`` after the
signal, logs what was still running and ends the process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from types import FrameType
from typing import Any, NoReturn

from coach.clock import pause

log = logging.getLogger(__name__)

EXIT_DEADLINE_S = 3.5
"""From SIGTERM, how long busy worker threads are waited for (Docker gives 10 s, systemd 90 s)."""
WATCHDOG_S = 4.0
"""From SIGTERM to the watchdog ending the process, if the stop has not ended it by then; its
report gets at most ``_REPORT_S`` more: the process is gone within 5 s of the signal."""
_REPORT_S = 0.5
WATCHDOG_THREAD = "coach-exit-watchdog"
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_WORKER_PREFIX = "coach-worker"
WARM_UP_THREAD = "coach-warm-up"
"""The daemon thread that loads the language model at start (``bot.terminal.start_warm_up``)."""


class Lifetime:
    """Remembers when a stop was asked for and tells whoever registered (the transport)."""

    def __init__(self) -> None:
        self.stop_requested_at: float | None = None
        self._callbacks: list[Callable[[], None]] = []

    @property
    def stopping(self) -> bool:
        return self.stop_requested_at is not None

    def request_stop(self, at: float | None = None) -> None:
        """Stop; ``at`` is when the stop was asked for (``time.monotonic()``), now if not given."""
        if self.stop_requested_at is None:
            self.stop_requested_at = time.monotonic() if at is None else at
        for callback in list(self._callbacks):
            callback()

    def on_stop(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` on stop (at once if the stop was already asked for)."""
        self._callbacks.append(callback)
        if self.stopping:
            callback()


def _cancel_all_tasks(loop: asyncio.AbstractEventLoop) -> None:
    tasks = asyncio.all_tasks(loop)
    for task in tasks:
        task.cancel()
    if tasks:
        loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))


class _Watchdog:
    """Hears SIGINT/SIGTERM in its own thread, asks the loop to stop, and ends the process
    ``WATCHDOG_S`` after the signal if nothing else has.

    The signals are not handled by ``loop.add_signal_handler``: its callback runs only when the
    loop's thread gets back to the loop. Here the C-level handler writes the signal's number to
    a socket (``signal.set_wakeup_fd``) that this thread reads, so the deadline starts with the
    signal itself. Its waits are a blocking read with no timeout and ``coach.clock.pause``:
    nothing in it hangs or fails under libfaketime.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, lifetime: Lifetime, seconds: float = WATCHDOG_S) -> None:
        self.loop = loop
        self.lifetime = lifetime
        self.seconds = seconds
        self.code = 0
        """The exit code when the watchdog ends the process: what a stopped run returns, or the
        run's own code once it has returned."""
        self._reader, self._writer = socket.socketpair()
        self._writer.setblocking(False)
        self._previous_handlers: dict[int, Any] = {}
        self._previous_fd = -1

    def install(self) -> None:
        """From the main thread, before the loop runs."""
        for sig in _STOP_SIGNALS:
            self._previous_handlers[sig] = signal.signal(sig, _heard)
            signal.siginterrupt(sig, False)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno(), warn_on_full_buffer=False)
        threading.Thread(target=self._watch, name=WATCHDOG_THREAD, daemon=True).start()

    def uninstall(self) -> None:
        """The run ended with no stop asked for: the process goes on (and exits) as usual."""
        signal.set_wakeup_fd(self._previous_fd)
        for sig, handler in self._previous_handlers.items():
            signal.signal(sig, handler)
        self._writer.close()  # the reader sees the end and the thread returns

    def _watch(self) -> None:
        try:
            heard = self._reader.recv(64)
        except OSError:
            heard = b""
        if not heard:  # uninstalled: the run ended with no stop asked for
            self._reader.close()
            return
        signalled = time.monotonic()
        if self.lifetime.stop_requested_at is None:
            self.lifetime.stop_requested_at = signalled  # the deadline of busy workers counts from here too
        with contextlib.suppress(RuntimeError):  # the loop is closed: the run is past its shutdown already
            self.loop.call_soon_threadsafe(self.lifetime.request_stop, signalled)
        while time.monotonic() < signalled + self.seconds:
            pause(0.05)
        reporter = threading.Thread(target=_report_overrun, args=(self.seconds,), name=f"{WATCHDOG_THREAD}-report", daemon=True)
        reporter.start()  # logging could block (a handler's lock, a full pipe): the exit does not wait for it
        until = time.monotonic() + _REPORT_S
        while reporter.is_alive() and time.monotonic() < until:
            pause(0.02)
        os._exit(self.code)


def _heard(signum: int, frame: FrameType | None) -> None:
    """The Python-level handler does nothing: the watchdog thread hears the signal through the
    wakeup file descriptor (and, installed, it keeps SIGINT from raising KeyboardInterrupt)."""


def _report_overrun(seconds: float) -> None:
    frames = sys._current_frames()
    running = []
    for thread in threading.enumerate():
        if thread.name.startswith(WATCHDOG_THREAD) or thread.ident is None:
            continue
        frame = frames.get(thread.ident)
        where = " <- ".join(
            f"{f.name} ({os.path.basename(f.filename)}:{f.lineno})" for f in reversed(traceback.extract_stack(frame)[-4:])
        ) if frame is not None else "?"
        running.append(f"{thread.name}{'' if thread.daemon else ' (non-daemon)'}: {where}")
    log.warning("shutdown still running %.1f s after the stop was asked for; exiting now. Still running: %s",
                seconds, "; ".join(running) or "nothing")
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()


def run_bounded(main: Coroutine[Any, Any, int], lifetime: Lifetime, deadline_s: float = EXIT_DEADLINE_S) -> int:
    """``asyncio.run(main)`` with SIGTERM/SIGINT wired to ``lifetime`` and a bounded exit: after a
    stop the process ends here (``os._exit``), at the latest ``WATCHDOG_S`` after the signal."""
    loop = asyncio.new_event_loop()
    executor = ThreadPoolExecutor(thread_name_prefix=_WORKER_PREFIX)
    loop.set_default_executor(executor)
    watchdog = _Watchdog(loop, lifetime)
    watchdog.install()
    try:
        asyncio.set_event_loop(loop)
        code = loop.run_until_complete(main)
        watchdog.code = code
    except BaseException:
        watchdog.code = 1
        raise
    finally:
        try:
            _cancel_all_tasks(loop)
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            asyncio.set_event_loop(None)
            loop.close()  # shuts the executor down without waiting
    busy = [t for t in threading.enumerate() if t.name.startswith(_WORKER_PREFIX) and t.is_alive()]
    deadline = (lifetime.stop_requested_at or time.monotonic()) + deadline_s
    while busy and time.monotonic() < deadline:
        pause(0.02)  # not Thread.join(timeout): timed lock waits hang under faketime
        busy = [t for t in busy if t.is_alive()]
    if busy:
        log.warning("exiting with %d background computation(s) unfinished (nothing of them is stored)", len(busy))
    if busy or lifetime.stopping:
        _exit_now(code)  # the watchdog stays armed: a flush that blocks is cut at its deadline
    watchdog.uninstall()
    return leave_past_loading(code)


def leave_past_loading(code: int) -> int:
    """Return ``code``, or, while the language model is still loading in its warm-up thread,
    flush the logs and the standard streams and end the process at once with ``code``.

    A model still loading holds nothing to keep, but the interpreter's finalisation while torch
    imports in that thread aborts the process ("terminate called without an active exception",
    exit -6): seen with ``coach run`` under load, and with ``coach chat`` when the input ended
    before the load did (a message waits at most 0.5 s for the model).
    """
    if any(t.name == WARM_UP_THREAD and t.is_alive() for t in threading.enumerate()):
        _exit_now(code)
    return code


def _exit_now(code: int) -> NoReturn:
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
