"""Back-to-back long days (issue 17): before a 600 km brevet and multi-day events, the peak
weeks' ride on the day after the long ride is a second long ride of about half of it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from coach.engine import build_plan, load_rules, validate_plan
from coach.engine.planner import BACK_TO_BACK_LABEL
from tests.engine.test_reference_plans import ATHLETES, athlete_profile

RULES = load_rules()


def _row(rid: str, **changes: Any) -> dict[str, Any]:
    return {**next(r for r in ATHLETES if r["id"] == rid), **changes}


@pytest.mark.parametrize("row", [_row("brevet_600"), _row("brevet_600", id="bikepacking", event="bikepacking")])
def test_peak_weeks_ride_a_second_long_day(row: dict[str, Any]) -> None:
    profile = athlete_profile(row)
    plan = build_plan(profile, RULES)
    assert plan.feasible and validate_plan(plan, profile, RULES) == []
    config = RULES.prep.back_to_back
    assert config is not None
    paired = 0
    for week in plan.weeks:
        longs = [s for s in week.sessions if s.sport == "ride" and s.type == "long"]
        if week.phase != "peak" or week.cutback or not longs or longs[0].duration_min < config.min_long_min:
            assert not any(s.description.startswith(BACK_TO_BACK_LABEL) for s in week.sessions)
            continue
        next_day = longs[0].date + dt.timedelta(days=1)
        second = [s for s in week.sessions if s.date == next_day and s.sport == "ride"]
        assert len(second) == 1 and second[0].description.startswith(BACK_TO_BACK_LABEL)
        assert second[0].intensity == "easy"
        assert 0.4 <= second[0].duration_min / longs[0].duration_min <= 0.6
        paired += 1
    assert paired >= 2


def test_other_events_keep_one_long_ride() -> None:
    profile = athlete_profile(_row("brevet_300"))
    plan = build_plan(profile, RULES)
    assert not any(s.description.startswith(BACK_TO_BACK_LABEL) for w in plan.weeks for s in w.sessions)
