"""The public command line, driven as a user would: subprocesses with piped stdin."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from coach.clock import pause
from tests.conftest import RECORDINGS

CONVERSATION = [
    "/start", "Run", "km", "half marathon", "2027-03-28", "Skip", "tue thu sat sun", "Sun", "30 km", "15 km",
    "10k in 50:00", "London", "/today", "/week",
]


def coach(args: list[str], tmp_path: Path, stdin: str = "", extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ANTHROPIC_", "COACH_", "DATABASE_URL"))}
    env.update({"COACH_DATA_DIR": str(tmp_path / "data"), "COACH_TODAY": "2026-11-23", "LOG_LEVEL": "WARNING"})
    env.update(extra_env or {})
    return subprocess.run([sys.executable, "-m", "coach.cli", *args], input=stdin, capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path)


def test_chat_with_piped_stdin_onboards_to_a_plan_that_show_reports(tmp_path: Path) -> None:
    result = coach(["chat", "--athlete", "ann"], tmp_path, "\n".join(CONVERSATION) + "\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Which sport are we training for?" in out and "[Run]" in out
    assert "Your plan is ready" in out and "This week:" in out
    assert "Today — Mon 23 Nov" in out
    assert "Traceback" not in out + result.stderr

    shown = coach(["show", "--athlete", "ann", "--json"], tmp_path)
    assert shown.returncode == 0, shown.stderr
    document = json.loads(shown.stdout)
    assert document["athlete"]["time_zone"] == "Europe/London"
    assert document["goal"]["event"] == "half_marathon" and document["goal"]["date"] == "2027-03-28"
    plan = document["plan"]
    assert plan["feasible"] is True and plan["meta"]["race_date"] == "2027-03-28"
    sessions = [s for w in plan["weeks"] for s in w["sessions"]]
    assert sessions and all(s["status"] == "planned" for s in sessions)
    assert {s["date"][:10] for s in sessions} and min(s["date"] for s in sessions) >= "2026-11-23"
    assert document["profile"]["availability"]["days"] == ["tue", "thu", "sat", "sun"]


def test_athlete_add_from_a_profile_then_show(tmp_path: Path) -> None:
    profile = {
        "sport": "run", "goal": {"event": "10k", "date": "2027-02-21"}, "start_date": "2026-11-23",
        "availability": {"days": ["mon", "wed", "fri", "sun"], "long_day": "sun"},
        "history": {"weekly_km": [20, 22, 24, 25], "longest_km": 12},
    }
    path = tmp_path / "bob.json"
    path.write_text(json.dumps(profile))
    added = coach(["athlete", "add", "bob", "--profile", str(path)], tmp_path)
    assert added.returncode == 0, added.stderr
    again = coach(["athlete", "add", "bob", "--profile", str(path)], tmp_path)
    assert again.returncode == 1 and "already exists" in again.stderr
    document = json.loads(coach(["show", "--athlete", "bob", "--json"], tmp_path).stdout)
    assert document["plan"]["meta"]["event"] == "10k"
    assert len(document["plan"]["weeks"]) == len(json.loads(coach(["plan", "--profile", str(path), "--json"], tmp_path).stdout)["weeks"])


@pytest.mark.parametrize(
    ("document", "field"),
    [("not json", "profile"), ('{"sport": "run"}', "goal"),
     ('{"sport":"run","goal":{"event":"10k","date":"2026-01-01"},"start_date":"2026-11-23","availability":{"days":["mon"]}}', "goal.date")],
)
def test_athlete_add_refuses_bad_profiles_and_writes_nothing(tmp_path: Path, document: str, field: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(document)
    result = coach(["athlete", "add", "zed", "--profile", str(path)], tmp_path)
    assert result.returncode == 2
    assert field in result.stderr and "Traceback" not in result.stderr
    assert coach(["show", "--athlete", "zed", "--json"], tmp_path).returncode == 1


def test_run_without_a_token_points_to_chat(tmp_path: Path) -> None:
    result = coach(["run"], tmp_path)
    assert result.returncode == 2 and "coach chat" in result.stderr


def test_bad_configuration_is_named(tmp_path: Path) -> None:
    result = coach(["db", "upgrade"], tmp_path, extra_env={"COACH_TODAY": "31-02"})
    assert result.returncode == 2 and "COACH_TODAY" in result.stderr


def test_import_stores_for_an_athlete_once(tmp_path: Path) -> None:
    profile = {"sport": "ride", "goal": {"event": "general_fitness"}, "start_date": "2026-11-23",
               "availability": {"days": ["tue", "sat", "sun"], "long_day": "sun"}, "history": {"weekly_hours": [5, 5, 6, 6]}}
    (tmp_path / "p.json").write_text(json.dumps(profile))
    assert coach(["athlete", "add", "cy", "--profile", str(tmp_path / "p.json")], tmp_path).returncode == 0
    ride = RECORDINGS / "cycling_huez.fit"
    first = coach(["import", str(ride), "--json", "--athlete", "cy"], tmp_path)
    assert first.returncode == 0, first.stderr
    [row] = json.loads(first.stdout)
    assert row["sport"] == "ride" and row["error"] is None and "Imported: ride" in first.stderr
    again = coach(["import", str(ride), "--athlete", "cy"], tmp_path)
    assert "Already had" in again.stdout
    assert len(json.loads(coach(["show", "--athlete", "cy", "--json"], tmp_path).stdout)["activities"]) == 1


def test_history_from_recordings_fills_a_profile(tmp_path: Path) -> None:
    ride = RECORDINGS / "cycling_huez.fit"
    result = coach(["history", str(ride), "--sport", "ride", "--as-of", "2015-07-20"], tmp_path)
    assert result.returncode == 0, result.stderr
    history = json.loads(result.stdout)
    assert history["longest_km"] == pytest.approx(141.9, abs=0.1)  # the device says 141.9 km
    assert history["max_hr"] == 174
    profile = {"sport": "ride", "goal": {"event": "brevet_200", "date": "2015-10-04"}, "start_date": "2015-07-20",
               "availability": {"days": ["tue", "thu", "sat", "sun"], "long_day": "sat"}, "history": history}
    (tmp_path / "p.json").write_text(json.dumps(profile))
    plan = coach(["plan", "--profile", str(tmp_path / "p.json"), "--json"], tmp_path)
    assert plan.returncode == 0 and json.loads(plan.stdout)["meta"]["event"] == "brevet_200"
    missing = coach(["history", str(tmp_path / "nope.fit")], tmp_path)
    assert missing.returncode == 1 and "no activity could be read" in missing.stderr


def _run_env(tmp_path: Path, api_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ANTHROPIC_", "COACH_", "DATABASE_URL"))}
    env.update({"COACH_DATA_DIR": str(tmp_path / "data"), "COACH_TODAY": "2026-11-23", "LOG_LEVEL": "WARNING",
                "TELEGRAM_BOT_TOKEN": "123:ABC", "TELEGRAM_API_URL": api_url, **extra})
    return env


def _wait(condition: Callable[[], object], process: subprocess.Popen[str], what: str, timeout: float = 120) -> None:
    """Wait (generously) for ``condition`` while ``process`` runs."""
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None:
            raise AssertionError(f"coach run exited ({process.returncode}) before {what}: {process.communicate()[1]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} in {timeout:.0f} s")
        pause(0.05)


def _exits_within(process: subprocess.Popen[str], seconds: float) -> float:
    """Seconds from now until ``process`` exits (fails past ``seconds``: the shutdown deadline)."""
    started = time.monotonic()
    while process.poll() is None:
        if time.monotonic() - started > seconds:
            process.kill()
            raise AssertionError(f"coach run still running {seconds:.0f} s after SIGTERM: {process.communicate()[1]}")
        pause(0.02)
    return time.monotonic() - started


def test_coach_run_answers_through_telegram_api_url_and_exits_within_5_s_of_sigterm_during_a_long_poll(tmp_path: Path) -> None:
    """The fake holds getUpdates for the 30 s the client asks, like Telegram: SIGTERM while it is
    held must cancel it and end the process (exit 0) within 5 s, every time (three runs)."""
    from tests.fakes.telegram_api import FakeTelegramServer

    shutdown_s: list[float] = []
    with FakeTelegramServer() as server:
        for run in range(3):
            process = subprocess.Popen([sys.executable, "-m", "coach.cli", "run"], env=_run_env(tmp_path, server.url), cwd=tmp_path,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            try:
                long_polls = len([p for p in server.calls_to("getUpdates") if int(p.get("timeout") or 0) > 0])
                if run == 0:
                    server.push_text(77, "/start", user_id=77)
                    _wait(lambda: len(server.sent_messages(77)) >= 2, process, "reply to /start")
                    replies = server.sent_messages(77)
                    assert "training coach" in replies[0]["text"] and "Which sport" in replies[1]["text"]
                    assert server.calls_to("getUpdates")[-1]["timeout"] == 30
                _wait(lambda n=long_polls + (1 if run == 0 else 0): server.held_polls >= 1  # type: ignore[misc]
                      and len([p for p in server.calls_to("getUpdates") if int(p.get("timeout") or 0) > 0]) > n,
                      process, "a held long poll")
                process.send_signal(signal.SIGTERM)
                shutdown_s.append(_exits_within(process, 5.0))
            finally:
                if process.poll() is None:
                    process.kill()
                _, stderr = process.communicate(timeout=30)
            assert process.returncode == 0, stderr
            assert "Traceback" not in stderr, stderr
    print(f"shutdown after SIGTERM: {', '.join(f'{s:.2f} s' for s in shutdown_s)}")


def _run_fails(tmp_path: Path, server_url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "coach.cli", "run"], env=_run_env(tmp_path, server_url), cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)


def test_coach_run_with_an_invalid_token_says_so_in_one_line_and_exits_1(tmp_path: Path) -> None:
    from tests.fakes.telegram_api import FakeTelegramServer

    with FakeTelegramServer(token="123:THE-RIGHT-ONE") as server:  # getMe with 123:ABC -> 401
        result = _run_fails(tmp_path, server.url)
        assert len(server.calls_to("getMe")) == 1  # no retry loop
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines() == [
        "coach: Telegram rejected the bot token (401 Unauthorized): check TELEGRAM_BOT_TOKEN (from @BotFather)."
    ], result.stderr


def test_coach_run_against_another_poller_says_so_in_one_line_and_exits_1(tmp_path: Path) -> None:
    from tests.fakes.telegram_api import FakeTelegramServer

    with FakeTelegramServer() as server:
        server.add_result_for("getUpdates", ok=False, error_code=409)  # "terminated by other getUpdates request"
        result = _run_fails(tmp_path, server.url)
        assert len(server.calls_to("getUpdates")) == 1  # no retry loop
    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("coach: another process is already receiving this bot's updates (Telegram said 409: ")
    assert "terminated by other getUpdates request" in lines[0] and "only one `coach run` per bot token" in lines[0]


def test_coach_run_webhook_needs_a_secret(tmp_path: Path) -> None:
    result = coach(["run", "--webhook"], tmp_path, extra_env={"TELEGRAM_BOT_TOKEN": "123:ABC", "TELEGRAM_WEBHOOK_URL": "https://example.org/hook"})
    assert result.returncode == 2 and "TELEGRAM_WEBHOOK_SECRET" in result.stderr
