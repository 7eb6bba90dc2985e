"""`coach tools` and `coach tool`: the tool surface as a public contract, driven as a script would."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_cli import coach

PROFILE = {
    "sport": "run", "goal": {"event": "half_marathon", "date": "2027-03-28", "target_time": "1:50:00"},
    "start_date": "2026-11-23", "availability": {"days": ["tue", "thu", "sat", "sun"], "long_day": "sun"},
    "history": {"weekly_km": [30, 30, 30, 30], "longest_km": 15, "recent_race": {"distance_km": 10, "time": "50:00"}},
}


def test_tools_json_lists_every_tool_with_its_schema(tmp_path: Path) -> None:
    result = coach(["tools", "--json"], tmp_path)
    assert result.returncode == 0, result.stderr
    tools = {t["name"]: t for t in json.loads(result.stdout)}
    assert {"move_session", "swap_sessions", "skip_session", "limit_day", "log_checkin", "report_fatigue"} <= set(tools)
    assert tools["move_session"]["input_schema"]["required"] == ["from_date", "to_date"]


def test_tool_applies_refuses_and_rejects_with_exit_codes(tmp_path: Path) -> None:
    (tmp_path / "p.json").write_text(json.dumps(PROFILE))
    assert coach(["athlete", "add", "ann", "--profile", "p.json"], tmp_path).returncode == 0

    # Tuesday 24 Nov's run on Friday 27 Nov (not a usual day: the athlete named it) -> applied, exit 0
    moved = coach(["tool", "move_session", "--athlete", "ann", "--input", '{"from_date": "2026-11-24", "to_date": "2026-11-27"}'], tmp_path)
    assert moved.returncode == 0, moved.stdout + moved.stderr
    assert json.loads(moved.stdout)["result"]["accepted"] is True
    shown = json.loads(coach(["show", "--athlete", "ann", "--json"], tmp_path).stdout)
    days = {s["date"] for w in shown["plan"]["weeks"] for s in w["sessions"]}
    assert "2026-11-27" in days and "2026-11-24" not in days
    assert shown["profile"]["available_dates"] == ["2026-11-27"]

    refused = coach(["tool", "skip_session", "--athlete", "ann", "--input", '{"date": "2026-11-25"}'], tmp_path)
    assert refused.returncode == 1 and "rest day" in json.loads(refused.stdout)["error"]

    bad = coach(["tool", "skip_session", "--athlete", "ann", "--input", '{"date": "someday"}'], tmp_path)
    assert bad.returncode == 2 and "invalid input" in json.loads(bad.stdout)["error"]
    not_json = coach(["tool", "skip_session", "--athlete", "ann", "--input", "{date"], tmp_path)
    assert not_json.returncode == 2 and "not valid JSON" in not_json.stderr
    after = json.loads(coach(["show", "--athlete", "ann", "--json"], tmp_path).stdout)
    assert after["plan"] == shown["plan"], "refused and malformed calls change nothing"
