"""``coach athlete add --telegram-id`` links a Telegram user; ``coach web --login`` prints a one-time link."""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from coach import cli_web


def coach(args: list[str], data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "COACH_", "DATABASE_URL", "WEBAPP_"))}
    env.update({"COACH_DATA_DIR": str(data_dir), "COACH_TODAY": "2026-11-26", "LOG_LEVEL": "WARNING"})
    return subprocess.run([sys.executable, "-m", "coach.cli", *args], env=env, capture_output=True, text=True, timeout=120)


def test_athlete_add_links_a_telegram_user_and_login_prints_a_one_time_link(tmp_path: Path) -> None:
    profile = {"sport": "run", "goal": {"event": "10k", "date": "2027-02-14"}, "start_date": "2026-11-23",
               "availability": {"days": ["tue", "thu", "sun"], "long_day": "sun"}, "history": {"weekly_km": [20, 20, 20, 20]}}
    (tmp_path / "p.json").write_text(json.dumps(profile))
    data = tmp_path / "data"
    added = coach(["athlete", "add", "dee", "--profile", str(tmp_path / "p.json"), "--telegram-id", "4242"], data)
    assert added.returncode == 0, added.stderr
    login = coach(["web", "--login", "--athlete", "dee", "--port", "8099"], data)
    assert login.returncode == 0, login.stderr
    link = login.stdout.strip()
    assert link.startswith("http://127.0.0.1:8099/#login=") and len(link.split("=", 1)[1]) >= 40
    with sqlite3.connect(data / "coach.db") as db:
        assert db.execute("select telegram_user_id, telegram_chat_id from athletes where name = 'dee'").fetchall() == [(4242, 4242)]
        assert db.execute("select kind, used_at is null from web_tokens").fetchall() == [("login", 1)]
        assert link.split("=", 1)[1] not in str(db.execute("select * from web_tokens").fetchall())  # only its hash is kept
    assert cli_web.run(None, argparse.Namespace(login=True, athlete=None, coach=None)) == 2  # before any database


def test_login_needs_exactly_one_of_athlete_or_coach(capsys: pytest.CaptureFixture[str]) -> None:
    both = argparse.Namespace(login=True, athlete="dee", coach="carla")
    assert cli_web.run(None, both) == 2 and "exactly one" in capsys.readouterr().err
    assert cli_web.run(None, argparse.Namespace(login=False, athlete="dee", coach=None)) == 2
    assert cli_web.run(None, argparse.Namespace(login=False, athlete=None, coach=None, host="127.0.0.1", port=0)) == 2
