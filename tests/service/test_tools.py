"""The brain's tools, called as the brains call them (validated JSON in), checked in the store."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from coach.brain.tools import ToolCall, execute_tool
from coach.clock import FixedClock
from coach.engine.models import Profile
from coach.service.service import CoachService, Ctx
from coach.service.tools import CoachTools
from coach.store import repo

PROFILE = Profile.model_validate({
    "sport": "run", "goal": {"event": "half_marathon", "date": "2027-03-28"}, "start_date": "2026-11-23",
    "availability": {"days": ["tue", "thu", "sat", "sun"], "long_day": "sun"},
    "history": {"weekly_km": [30, 30, 30, 30], "longest_km": 15, "recent_race": {"distance_km": 10, "time": "50:00"}},
})


async def call(service: CoachService, name: str, data: dict[str, Any]) -> ToolCall:
    async with service.db.transaction() as s:
        athlete = await repo.athlete_by_name(s, "ann")
        assert athlete is not None
        tools = {t.name: t for t in CoachTools(service, Ctx(s, athlete, service.clock.today())).tools()}
        return await execute_tool(tools, name, data)


async def sessions(service: CoachService) -> dict[str, list[dict[str, Any]]]:
    doc = await service.show("ann")
    out: dict[str, list[dict[str, Any]]] = {}
    for week in doc["plan"]["weeks"]:
        for s in week["sessions"]:
            out.setdefault(s["date"], []).append(s)
    return out


@pytest.fixture
async def ann(service: CoachService) -> CoachService:
    await service.add_athlete("ann", PROFILE)
    return service


async def test_reading_tools_return_the_plan_numbers(ann: CoachService) -> None:
    today = await call(ann, "today", {"date": "2026-11-24"})
    assert not today.is_error and today.output is not None
    planned = (await sessions(ann))["2026-11-24"][0]
    assert today.output["sessions"][0]["distance_km"] == planned["distance_km"]
    week = await call(ann, "week", {"which": "next"})
    assert week.output is not None and week.output["index"] == 2
    summary = await call(ann, "plan_summary", {})
    assert summary.output is not None and summary.output["race_date"] == "2027-03-28"
    rails = await call(ann, "guardrails", {})
    assert rails.output is not None and 0 < rails.output["max_weekly_ramp_pct"] <= 15


async def test_malformed_input_is_an_error_result_not_a_crash(ann: CoachService) -> None:
    bad = await call(ann, "move_session", {"from_date": "someday"})
    assert bad.is_error and "from_date" in (bad.error or "") and "to_date" in (bad.error or "")
    unknown = await call(ann, "make_it_harder", {})
    assert unknown.is_error and unknown.error == "unknown tool make_it_harder"


async def test_unavailable_dates_become_rest_and_past_weeks_do_not_change(ann: CoachService) -> None:
    before = await sessions(ann)
    result = await call(ann, "set_unavailable", {"start": "2026-12-03", "end": "2026-12-06", "reason": "travel"})
    assert not result.is_error and result.output is not None and result.output["accepted"]
    after = await sessions(ann)
    for day in ("2026-12-03", "2026-12-04", "2026-12-05", "2026-12-06"):
        assert not after.get(day), day
    assert after["2026-11-24"] == before["2026-11-24"]
    doc = await ann.show("ann")
    assert doc["plan"]["version"] == 2
    assert doc["plan"]["validation"]["violations"] == []


async def test_days_away_named_one_by_one_are_those_days_in_one_replan(ann: CoachService) -> None:
    before = await sessions(ann)
    assert before["2026-12-01"] and before["2026-12-03"] and before["2026-12-05"]
    result = await call(ann, "set_unavailable", {"dates": ["2026-12-03", "2026-12-01"], "reason": "work"})
    assert not result.is_error and result.output is not None and result.output["accepted"]
    after = await sessions(ann)
    assert not after.get("2026-12-01") and not after.get("2026-12-03")
    assert after.get("2026-12-05"), "the Saturday between is not a day away"
    doc = await ann.show("ann")
    assert doc["plan"]["version"] == 2  # one re-plan for both days
    assert doc["plan"]["validation"]["violations"] == []


@pytest.mark.parametrize("data", [
    {"reason": "travel"},
    {"start": "2026-12-01", "dates": ["2026-12-03"]},
    {"dates": []},
])
async def test_days_away_need_either_a_stretch_or_a_list(ann: CoachService, data: dict[str, Any]) -> None:
    result = await call(ann, "set_unavailable", data)
    assert result.is_error
    assert (await ann.show("ann"))["plan"]["version"] == 1


async def test_a_single_day_away_needs_no_end(ann: CoachService) -> None:
    result = await call(ann, "set_unavailable", {"start": "2026-12-05"})
    assert result.output is not None and result.output["accepted"]
    assert not (await sessions(ann)).get("2026-12-05")


async def test_moving_the_long_run_to_saturday(ann: CoachService) -> None:
    long_sunday = next(s for s in (await sessions(ann))["2026-12-06"] if s["type"] == "long")
    result = await call(ann, "move_session", {"from_date": "2026-12-06", "to_date": "2026-12-05"})
    assert result.output is not None
    if result.output["accepted"]:
        moved = (await sessions(ann))["2026-12-05"]
        assert any(s["type"] == "long" and s["duration_min"] == long_sunday["duration_min"] for s in moved)
    else:
        assert result.output["refused_reason"]


async def test_missed_session_is_recorded_and_replanned(ann: CoachService) -> None:
    ann = CoachService(ann.db, FixedClock(dt.date(2026, 11, 25)))
    result = await call(ann, "report_missed", {"date": "2026-11-24"})
    assert result.output is not None and result.output["accepted"]
    assert (await sessions(ann))["2026-11-24"][0]["status"] == "missed"


async def test_injury_becomes_an_active_limitation(ann: CoachService) -> None:
    result = await call(ann, "report_injury", {"body_part": "knee", "side": "left", "avoid": ["intervals", "downhill"]})
    assert result.output is not None and result.output["accepted"]
    doc = await ann.show("ann")
    [limitation] = doc["limitations"]
    assert limitation["body_part"] == "knee" and limitation["avoid"] == ["intervals", "downhill"]
    upcoming = [s for day, items in (await sessions(ann)).items() if dt.date.fromisoformat(day) >= dt.date(2026, 11, 23)
                and dt.date.fromisoformat(day) < dt.date(2026, 12, 7) for s in items]
    assert all(s["type"] != "intervals" for s in upcoming)


async def test_metrics_say_not_enough_data_then_numbers(ann: CoachService) -> None:
    empty = await call(ann, "metrics", {})
    assert empty.output is not None and empty.output["ctl"] is None and "Not enough data" in empty.output["text"]
    await call(ann, "log_activity", {"text": "ran 10k in 55 min"})
    full = await call(ann, "metrics", {})
    assert full.output is not None and full.output["ctl"] is not None and full.output["ctl"] > 0


async def test_ask_coach_without_a_coach_says_so(ann: CoachService) -> None:
    result = await call(ann, "ask_coach", {"message": "is this knee thing serious?"})
    assert result.output is not None and result.output["delivered_to"] == 0


async def test_strength_estimates_wait_for_data_then_follow_epley(ann: CoachService) -> None:
    before = await call(ann, "metrics", {})
    assert before.output is not None and before.output["lifts"] == []
    await call(ann, "log_activity", {"text": "squat 100x5x3 @8"})
    after = await call(ann, "metrics", {})
    assert after.output is not None
    [squat] = after.output["lifts"]
    assert squat["status"] == "ok"
    assert squat["e1rm_kg"] == pytest.approx(100 * (1 + 5 / 30), abs=0.1)  # Epley on the top set
    singles = await call(ann, "log_activity", {"text": "deadlift 180x1"})
    assert not singles.is_error
    lifts = {lift["exercise"]: lift for lift in (await call(ann, "metrics", {})).output["lifts"]}  # type: ignore[index]
    assert lifts["deadlift"]["status"] == "not_enough_data" and lifts["deadlift"]["e1rm_kg"] is None
