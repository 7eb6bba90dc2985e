"""Process lifetime of ``coach run``: SIGTERM/SIGINT stop it, and it exits within a deadline.

``asyncio.run`` waits at exit for every thread of the default executor, and Python waits for
them again at interpreter exit. A thread cannot be cancelled: an embedding computed or the
embedder loaded in ``asyncio.to_thread`` when SIGTERM arrives would hold the exit for as long
as it takes (the first load is 5–10 s). ``run_bounded`` runs the loop like ``asyncio.run``
but waits for busy worker threads only until ``EXIT_DEADLINE_S`` after the stop was asked
for; then it ends the process with the exit code the run returned. By then the transport has
stopped, the database transactions have committed or rolled back and the engine is disposed;
the memory index writes its files atomically (temporary file, then rename).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NoReturn

log = logging.getLogger(__name__)

EXIT_DEADLINE_S = 3.5
"""From SIGTERM to the end of the process, at most (Docker gives 10 s, systemd 90 s)."""
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

    def request_stop(self) -> None:
        if self.stop_requested_at is None:
            self.stop_requested_at = time.monotonic()
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


def run_bounded(main: Coroutine[Any, Any, int], lifetime: Lifetime, deadline_s: float = EXIT_DEADLINE_S) -> int:
    """``asyncio.run(main)`` with SIGTERM/SIGINT wired to ``lifetime`` and a bounded exit."""
    loop = asyncio.new_event_loop()
    executor = ThreadPoolExecutor(thread_name_prefix=_WORKER_PREFIX)
    loop.set_default_executor(executor)
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, lifetime.request_stop)
    try:
        asyncio.set_event_loop(loop)
        code = loop.run_until_complete(main)
    finally:
        try:
            _cancel_all_tasks(loop)
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
            asyncio.set_event_loop(None)
            loop.close()  # shuts the executor down without waiting
    busy = [t for t in threading.enumerate() if t.name.startswith(_WORKER_PREFIX) and t.is_alive()]
    deadline = (lifetime.stop_requested_at or time.monotonic()) + deadline_s
    while busy and time.monotonic() < deadline:
        time.sleep(0.02)  # not Thread.join(timeout): timed lock waits hang under faketime
        busy = [t for t in busy if t.is_alive()]
    if busy:
        log.warning("exiting with %d background computation(s) unfinished (nothing of them is stored)", len(busy))
    if busy:
        _exit_now(code)
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
