"""``coach run`` with ``WEBAPP_URL``: the Mini App is served in the same process, the chat's menu
button opens it, and /week carries a Mini App button (against the loopback Bot API fake)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from coach.web.server import listen_address, webapp_problem
from tests.fakes.telegram_api import FakeTelegramServer
from tests.web.conftest import ANN_TG, WEB_TODAY, free_port, init_data, seed_database

TOKEN = "123:ABC"
WEBAPP_URL = "https://coach.example.org/app/"


def _env(data_dir: Path, api_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ANTHROPIC_", "COACH_", "DATABASE_URL", "WEBAPP_"))}
    env.update({"COACH_DATA_DIR": str(data_dir), "COACH_TODAY": WEB_TODAY.isoformat(), "LOG_LEVEL": "WARNING",
                "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": api_url, **extra})
    return env


def _wait(condition: Any, process: subprocess.Popen[str], what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert process.poll() is None, f"coach run exited before {what}: {process.communicate()[1]}"
        assert time.monotonic() < deadline, f"no {what} in {timeout:.0f} s"
        time.sleep(0.1)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def test_coach_run_serves_the_mini_app_and_offers_it_in_the_menu_and_on_week(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    ids = seed_database(data_dir)
    port = free_port()
    with FakeTelegramServer() as server:
        server.register_method("setChatMenuButton", lambda params: True)
        process = subprocess.Popen([sys.executable, "-m", "coach.cli", "run"], cwd=tmp_path, text=True,
                                   env=_env(data_dir, server.url, WEBAPP_URL=WEBAPP_URL, WEBAPP_LISTEN=f"127.0.0.1:{port}"),
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            _wait(lambda: server.calls_to("setChatMenuButton") and _answers(f"http://127.0.0.1:{port}/"), process, "the Mini App")
            button = server.calls_to("setChatMenuButton")[0]["menu_button"]
            button = json.loads(button) if isinstance(button, str) else button
            assert button["type"] == "web_app" and button["web_app"]["url"] == WEBAPP_URL
            me = httpx.get(f"http://127.0.0.1:{port}/api/me", headers={"Authorization": "tma " + init_data(ANN_TG, token=TOKEN)}).json()
            assert me["athlete"]["id"] == ids["ann"]
            server.push_text(ANN_TG, "/week", user_id=ANN_TG)
            _wait(lambda: server.sent_messages(ANN_TG), process, "the reply to /week")
            [reply] = server.sent_messages(ANN_TG)
            assert reply["text"].startswith("Week 1")
            assert reply["reply_markup"]["inline_keyboard"] == [[{"text": "Open the calendar", "web_app": {"url": WEBAPP_URL}}]]
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
            _, stderr = process.communicate(timeout=30)
        assert process.returncode == 0, stderr
        assert "Traceback" not in stderr, stderr


def test_a_mini_app_address_telegram_would_not_open_is_refused() -> None:
    assert webapp_problem(WEBAPP_URL) is None
    assert "https://" in str(webapp_problem("http://coach.example.org/"))
    assert listen_address("127.0.0.1:8080") == ("127.0.0.1", 8080) and listen_address("[::1]:9000") == ("::1", 9000)
    for bad in ("8080", "host:", "host:99999"):
        with pytest.raises(ValueError, match="HOST:PORT"):
            listen_address(bad)
