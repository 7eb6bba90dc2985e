"""The log tool takes values (issue 9, item 7): sport, date, distance with unit, duration, RPE,
sets × reps @ load per exercise — so Claude passes numbers, not prose — checked in the store."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from coach.clock import FixedClock
from coach.service.service import CoachService
from tests.service.test_tools import PROFILE, call


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(dt.date(2026, 12, 3))  # a Thursday, the plan's second week


@pytest.fixture
async def ann(service: CoachService) -> CoachService:
    await service.add_athlete("ann", PROFILE)
    return service


async def _activities(service: CoachService) -> list[dict[str, Any]]:
    return list((await service.show("ann"))["activities"])


async def test_values_are_stored_as_given(ann: CoachService) -> None:
    day = ann.clock.today() - dt.timedelta(days=1)
    result = await call(ann, "log_activity", {"sport": "run", "date": day.isoformat(), "distance": 6, "distance_unit": "mi",
                                              "duration": "1:02", "rpe": 5})
    assert not result.is_error, result.output
    [row] = await _activities(ann)
    assert row["sport"] == "run"
    assert row["distance_km"] == pytest.approx(6 * 1.609344, abs=0.01)
    assert (row.get("moving_s") or row.get("elapsed_s")) == 62 * 60  # 6 miles in 1:02 is an hour and two minutes
    assert row["start_time"][:10] == day.isoformat()


async def test_clock_reading_follows_the_distance(ann: CoachService) -> None:
    await call(ann, "log_activity", {"sport": "run", "distance": 5, "duration": "23:45"})
    [row] = await _activities(ann)
    assert (row.get("moving_s") or row.get("elapsed_s")) == 23 * 60 + 45  # a 5 km in 23:45 is minutes


async def test_strength_sets_by_values_feed_the_lift_estimate(ann: CoachService) -> None:
    result = await call(ann, "log_activity", {"sport": "strength", "exercises": [
        {"exercise": "Back squat", "sets": 3, "reps": 5, "load_kg": 100, "rpe": 8}]})
    assert not result.is_error, result.output
    lifts = {x["exercise"]: x for x in (await call(ann, "metrics", {})).output["lifts"]}  # type: ignore[index]
    assert lifts["back_squat"]["e1rm_kg"] == pytest.approx(100 * (1 + 5 / 30), abs=0.1)


async def test_implausible_values_are_refused_and_nothing_is_stored(ann: CoachService) -> None:
    result = await call(ann, "log_activity", {"sport": "run", "distance": 42, "duration": "20 min"})
    assert result.is_error and "doesn't look like a run" in str(result.error)
    future = await call(ann, "log_activity", {"sport": "run", "date": (ann.clock.today() + dt.timedelta(days=2)).isoformat(),
                                              "duration": "40 min"})
    assert future.is_error and "future" in str(future.error)
    both = await call(ann, "log_activity", {"text": "ran 5k", "sport": "run"})
    assert both.is_error
    assert await _activities(ann) == []


async def test_no_time_counts_the_planned_session_and_says_so(ann: CoachService) -> None:
    doc = await ann.show("ann")
    today = ann.clock.today()
    planned = [s for w in doc["plan"]["weeks"] for s in w["sessions"]
               if s["sport"] == "run" and dt.date.fromisoformat(s["date"]) <= today and s["type"] != "race"]
    day = dt.date.fromisoformat(planned[-1]["date"])
    result = await call(ann, "log_activity", {"sport": "run", "date": day.isoformat(), "distance": 8})
    assert not result.is_error and result.output is not None
    assert f"I counted the {planned[-1]['duration_min']} min planned" in result.output["text"]
    [row] = await _activities(ann)
    assert (row.get("moving_s") or row.get("elapsed_s")) == planned[-1]["duration_min"] * 60


async def test_typed_and_structured_logs_agree(ann: CoachService) -> None:
    await call(ann, "log_activity", {"text": "ran 10k in 55 min"})
    await call(ann, "log_activity", {"sport": "run", "distance": 10, "duration": "55 min"})
    rows = await _activities(ann)
    assert len(rows) == 1  # the same workout: counted once
