"""Logs never contain the bot token, the API key or what athletes write (above DEBUG); at DEBUG
the secrets are still masked. ``coach run`` as a subprocess against the loopback Bot API fake,
with a failing send so that warnings are logged too."""

from __future__ import annotations

import asyncio
import logging
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from coach.logsafe import CancelledRollback
from coach.store.db import Database
from tests.fakes.telegram_api import FakeTelegramServer
from tests.test_cli import _exits_within, _run_env, _wait

TOKEN = "4242:AAH-secret-part-of-the-token"
API_KEY = "sk-ant-api03-very-secret-key"
WRITTEN = "my-private-words-about-my-knee"


def run_and_log(tmp_path: Path, level: str) -> str:
    with FakeTelegramServer(token=TOKEN) as server:
        server.add_result_for("sendMessage", ok=False, error_code=400, description="Bad Request: chat not found")
        env = _run_env(tmp_path, server.url, TELEGRAM_BOT_TOKEN=TOKEN, ANTHROPIC_API_KEY=API_KEY, LOG_LEVEL=level)
        log_file = (tmp_path / "stderr.log").open("w")  # a file, not a pipe: DEBUG fills a pipe and blocks the writer
        process = subprocess.Popen([sys.executable, "-m", "coach.cli", "run"], env=env, cwd=tmp_path,
                                   stdout=subprocess.DEVNULL, stderr=log_file, text=True)
        try:
            server.push_text(88, "/start", user_id=88)
            _wait(lambda: len(server.sent_messages(88)) >= 2, process, "the replies to /start")
            server.push_text(88, WRITTEN, user_id=88)  # an answer onboarding doesn't understand: a reply, logs
            _wait(lambda: len(server.sent_messages(88)) >= 3, process, "the reply to the athlete's words")
            process.send_signal(signal.SIGTERM)
            # what is checked here is the log; the shutdown deadline has its own tests (tests/test_cli.py,
            # tests/bot/test_runner.py). The exit once took over 10 s here, and twice over 30 s: on the loaded
            # 2-core machine the interpreter's finalisation alone took 7-10 s; a stop now skips it (bot/runner.py).
            _exits_within(process, 30.0)
        finally:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=30)
            log_file.close()
    stderr = (tmp_path / "stderr.log").read_text()
    assert process.returncode == 0, stderr[-3000:]
    return stderr


@pytest.mark.parametrize("level", ["INFO", "WARNING"])
def test_logs_above_debug_hold_no_secret_and_no_words_of_the_athlete(tmp_path: Path, level: str) -> None:
    logs = run_and_log(tmp_path, level)
    assert "could not send" in logs  # the failing send was logged, at WARNING
    assert TOKEN not in logs and TOKEN.split(":")[1] not in logs and API_KEY not in logs
    assert WRITTEN not in logs


def test_at_debug_the_secrets_are_masked(tmp_path: Path) -> None:
    logs = run_and_log(tmp_path, "DEBUG")
    assert "***" in logs  # httpx's request lines carry the token in the URL: masked
    assert TOKEN not in logs and TOKEN.split(":")[1] not in logs and API_KEY not in logs


async def test_database_errors_hide_their_parameters(db: Database) -> None:
    async with db.transaction() as s:
        await s.execute(text("INSERT INTO athletes (name, time_zone, units, created_at) VALUES ('ann', 'UTC', 'km', '2026-11-23')"))
    with pytest.raises(IntegrityError) as error:
        async with db.transaction() as s:
            await s.execute(
                text("INSERT INTO athletes (name, time_zone, units, created_at) VALUES (:name, 'UTC', 'km', :said)"),
                {"name": "ann", "said": WRITTEN},
            )
    assert "UNIQUE constraint failed" in str(error.value) and WRITTEN not in str(error.value)


def test_a_rollback_cut_short_by_the_shutdown_is_not_logged_as_an_error() -> None:
    def record(name: str, error: BaseException) -> logging.LogRecord:
        return logging.LogRecord(name, logging.ERROR, __file__, 1, "Exception during reset or similar", None, (type(error), error, None))

    quiet = CancelledRollback()
    assert not quiet.filter(record("sqlalchemy.pool.impl.AsyncAdaptedQueuePool", asyncio.CancelledError()))
    assert quiet.filter(record("sqlalchemy.pool.impl.AsyncAdaptedQueuePool", OSError("disk I/O error")))  # real errors stay
    assert quiet.filter(record("coach.service", asyncio.CancelledError()))
