"""coach run's process lifetime: a stop ends the process within the deadline, even while a worker
thread (an embedding, the model load) is still busy; it cannot be cancelled, so it is left behind."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

SCRIPT = textwrap.dedent(
    """
    import asyncio, sys, time
    from bot.runner import Lifetime, run_bounded

    lifetime = Lifetime()

    async def main() -> int:
        busy = asyncio.ensure_future(asyncio.to_thread(time.sleep, 120))  # uninterruptible work
        stopped = asyncio.Event()
        lifetime.on_stop(stopped.set)
        print("ready", flush=True)
        await stopped.wait()
        return 0

    sys.exit(run_bounded(main(), lifetime))
    """
)


def test_sigterm_ends_the_process_within_the_deadline_despite_a_busy_worker_thread(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    process = subprocess.Popen([sys.executable, "-c", SCRIPT], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready"
        process.send_signal(signal.SIGTERM)
        started = time.monotonic()
        while process.poll() is None and time.monotonic() - started < 5.0:
            time.sleep(0.02)
        assert process.poll() is not None, "still running 5 s after SIGTERM"
    finally:
        if process.poll() is None:
            process.kill()
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert "background computation(s) unfinished" in stderr


WARM_UP_SCRIPT = textwrap.dedent(
    """
    import asyncio, sys, threading, time
    from bot.runner import WARM_UP_THREAD, Lifetime, run_bounded

    threading.Thread(target=time.sleep, args=(120,), name=WARM_UP_THREAD, daemon=True).start()

    async def main() -> int:
        return 3  # e.g. Telegram refused the token while the model was still loading

    sys.exit(run_bounded(main(), Lifetime()))
    """
)


def test_a_model_still_loading_at_exit_is_left_at_once_with_the_exit_code_and_no_warning() -> None:
    root = Path(__file__).resolve().parents[2]
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-c", WARM_UP_SCRIPT], cwd=root, capture_output=True, text=True, timeout=60)
    assert result.returncode == 3, result.stderr
    assert result.stderr == ""
    assert time.monotonic() - started < 30  # not the 120 s of the load
