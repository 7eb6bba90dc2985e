"""coach run's process lifetime: a stop ends the process within the deadline, even while a worker
thread (an embedding, the model load) is still busy; it cannot be cancelled, so it is left behind.
Whatever else holds the exit (a shutdown step that hangs, the loop's thread stuck in a synchronous
call, the interpreter's finalisation) is cut by the watchdog (``bot.runner``).

The waits here poll with ``coach.clock.pause``: ``time.sleep`` and timed lock waits each fail in one
of libfaketime's modes, and the suite runs with the clock a year ahead."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from coach.clock import pause

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import asyncio, sys
    from bot.runner import Lifetime, run_bounded
    from coach.clock import pause

    lifetime = Lifetime()

    async def main() -> int:
        busy = asyncio.ensure_future(asyncio.to_thread(pause, 120))  # uninterruptible work
        stopped = asyncio.Event()
        lifetime.on_stop(stopped.set)
        print("ready", flush=True)
        await stopped.wait()
        return 0

    sys.exit(run_bounded(main(), lifetime))
    """
)


def _start(script: str) -> subprocess.Popen[str]:
    process = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready", process.communicate()[1]
    return process


def _ended_within(process: subprocess.Popen[str], seconds: float) -> bool:
    started = time.monotonic()
    while process.poll() is None and time.monotonic() - started < seconds:
        pause(0.02)
    return process.poll() is not None


def test_sigterm_ends_the_process_within_the_deadline_despite_a_busy_worker_thread() -> None:
    process = _start(SCRIPT)
    try:
        process.send_signal(signal.SIGTERM)
        assert _ended_within(process, 5.0), "still running 5 s after SIGTERM"
    finally:
        if process.poll() is None:
            process.kill()
        _, stderr = process.communicate()
    assert process.returncode == 0, stderr
    assert "background computation(s) unfinished" in stderr


WARM_UP_SCRIPT = textwrap.dedent(
    """
    import asyncio, sys, threading
    from bot.runner import WARM_UP_THREAD, Lifetime, run_bounded
    from coach.clock import pause

    threading.Thread(target=pause, args=(120,), name=WARM_UP_THREAD, daemon=True).start()

    async def main() -> int:
        return 3  # e.g. Telegram refused the token while the model was still loading

    sys.exit(run_bounded(main(), Lifetime()))
    """
)


def test_a_model_still_loading_at_exit_is_left_at_once_with_the_exit_code_and_no_warning() -> None:
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-c", WARM_UP_SCRIPT], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 3, result.stderr
    assert result.stderr == ""
    assert time.monotonic() - started < 30  # not the 120 s of the load


HANGING = textwrap.dedent(
    """
    import asyncio, sys, threading
    from bot.runner import Lifetime, run_bounded

    lifetime = Lifetime()

    def close_that_never_returns() -> None:  # e.g. a synchronous database call or close that hangs
        threading.Event().wait()

    async def main() -> int:
        stopped = asyncio.Event()
        lifetime.on_stop(stopped.set)
        print("ready", flush=True)
        if WHEN == "before the signal":
            close_that_never_returns()  # the loop's thread never gets back to the loop
        await stopped.wait()
        print("stopping", flush=True)
        close_that_never_returns()  # the shutdown itself hangs
        return 0

    sys.exit(run_bounded(main(), lifetime))
    """
)


def _hang(when: str) -> subprocess.Popen[str]:
    return _start(f"WHEN = {when!r}\n" + HANGING)


def test_a_shutdown_that_hangs_is_cut_by_the_watchdog_which_says_what_still_ran() -> None:
    """The loop hears the stop, then its thread blocks for good: the watchdog ends the process
    (exit 0, what a stopped run returns) and names the call it was stuck in."""
    process = _hang("after the signal")
    try:
        process.send_signal(signal.SIGTERM)
        assert process.stdout is not None and process.stdout.readline().strip() == "stopping"
        assert _ended_within(process, 60.0), "the watchdog did not end a hanging shutdown"  # it takes 4 s
    finally:
        if process.poll() is None:
            process.kill()
        _, stderr = process.communicate()
    assert process.returncode == 0, stderr
    assert "shutdown still running" in stderr and "close_that_never_returns" in stderr, stderr


def test_the_signal_is_heard_while_the_loops_thread_is_stuck() -> None:
    """SIGTERM while the loop's thread is blocked in a synchronous call: ``loop.add_signal_handler``
    would never run its callback; the watchdog thread hears the signal itself and ends the process."""
    process = _hang("before the signal")
    try:
        process.send_signal(signal.SIGTERM)
        assert _ended_within(process, 60.0), "a stop was not heard while the loop's thread was stuck"  # it takes 4 s
    finally:
        if process.poll() is None:
            process.kill()
        stdout, stderr = process.communicate()
    assert process.returncode == 0, stderr
    assert "stopping" not in stdout  # the loop never saw it: the watchdog did
    assert "close_that_never_returns" in stderr, stderr


SLOW_FINALISATION = textwrap.dedent(
    """
    import asyncio, atexit, sys, threading
    from bot.runner import Lifetime, run_bounded

    # The interpreter's finalisation, made endless: with the model, torch, SQLAlchemy and PTB loaded
    # its garbage collection of the heap took 7-10 s on the loaded 2-core machine.
    atexit.register(lambda: threading.Event().wait())
    lifetime = Lifetime()

    async def main() -> int:
        stopped = asyncio.Event()
        lifetime.on_stop(stopped.set)
        print("ready", flush=True)
        await stopped.wait()
        print("stopped", flush=True)
        return 0

    sys.exit(run_bounded(main(), lifetime))
    """
)


def test_a_clean_stop_ends_the_process_without_the_interpreters_finalisation() -> None:
    """The shutdown done, the process ends there (flushed), not through the finalisation: no
    watchdog needed, and what was printed before is all there."""
    process = _start(SLOW_FINALISATION)
    try:
        process.send_signal(signal.SIGTERM)
        assert _ended_within(process, 60.0), "a clean stop waited for the interpreter's finalisation"
    finally:
        if process.poll() is None:
            process.kill()
        stdout, stderr = process.communicate()
    assert process.returncode == 0, stderr
    assert stdout.strip() == "stopped"
    assert stderr == ""  # ended by the run itself, not cut by the watchdog
