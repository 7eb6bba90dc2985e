"""The public command line, driven as a user would: subprocesses with piped stdin."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

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


def test_coach_run_talks_to_the_bot_api_named_by_telegram_api_url_and_stops_cleanly(tmp_path: Path) -> None:
    import signal
    import time

    from tests.fakes.telegram_api import FakeTelegramServer

    with FakeTelegramServer() as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ANTHROPIC_", "COACH_", "DATABASE_URL"))}
        env.update({"COACH_DATA_DIR": str(tmp_path / "data"), "COACH_TODAY": "2026-11-23", "LOG_LEVEL": "WARNING",
                    "TELEGRAM_BOT_TOKEN": "123:ABC", "TELEGRAM_API_URL": server.url})
        process = subprocess.Popen([sys.executable, "-m", "coach.cli", "run"], env=env, cwd=tmp_path,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            server.push_text(77, "/start", user_id=77)
            deadline = time.monotonic() + 60
            while len(server.sent_messages(77)) < 2 and time.monotonic() < deadline and process.poll() is None:
                time.sleep(0.1)
            replies = server.sent_messages(77)
            assert len(replies) >= 2, process.stderr.read() if process.poll() is not None else "no reply in 60 s"
            assert "training coach" in replies[0]["text"] and "Which sport" in replies[1]["text"]
        finally:
            process.send_signal(signal.SIGTERM)
            _, stderr = process.communicate(timeout=30)
        assert process.returncode == 0, stderr
        assert "Traceback" not in stderr
