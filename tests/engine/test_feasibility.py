"""Infeasible goals: no crash plans (seed 003), a reason with the numbers, and alternatives."""

from __future__ import annotations

import datetime as dt

from coach.engine import Rules, build_plan, validate_plan
from coach.engine.models import Profile

from .conftest import HALF_MARATHON, profile_of


def _runner(event: str, race: str, start: str = "2025-02-03", **history: object) -> Profile:
    return Profile.model_validate(
        {
            "sport": "run",
            "goal": {"event": event, "date": race},
            "start_date": start,
            "availability": {"days": ["tue", "thu", "sat", "sun"], "long_day": "sun"},
            "history": history,
        }
    )


def test_zero_to_marathon_in_four_weeks(rules: Rules) -> None:
    plan = build_plan(_runner("marathon", "2025-03-01"), rules)
    assert plan.feasible is False and plan.weeks == []
    assert plan.reason is not None
    assert "marathon" in plan.reason and "8 weeks" in plan.reason and "4 calendar week" in plan.reason
    assert "300 min" in plan.reason  # the volume a marathon needs
    kinds = {a.kind for a in plan.alternatives}
    assert "later_date" in kinds
    later = next(a for a in plan.alternatives if a.kind == "later_date")
    assert later.date is not None and later.date > dt.date(2025, 3, 1) and later.date.weekday() == 5
    # the suggested date really is feasible
    assert build_plan(_runner("marathon", later.date.isoformat()), rules).feasible
    assert validate_plan(plan, _runner("marathon", "2025-03-01"), rules) == []


def test_half_marathon_in_two_weeks_from_5_km(rules: Rules) -> None:
    profile = _runner("half_marathon", "2025-02-16", weekly_km=[5, 5, 5, 5])
    plan = build_plan(profile, rules)
    assert not plan.feasible and plan.reason
    assert "5 km" in plan.reason and "2 calendar week" in plan.reason
    alternatives = {a.kind: a for a in plan.alternatives}
    assert set(alternatives) >= {"later_date", "finish_only"}
    assert alternatives["finish_only"].event == "half_marathon"
    assert all(a.description for a in plan.alternatives)


def test_volume_gap_offers_a_shorter_event(rules: Rules) -> None:
    profile = _runner("marathon", "2025-04-27", weekly_km=[10, 10, 10, 10])  # 12 weeks, 10 km a week
    plan = build_plan(profile, rules)
    assert not plan.feasible
    assert plan.reason is not None and "Rising safely" in plan.reason
    shorter = [a for a in plan.alternatives if a.kind == "shorter_event"]
    assert shorter and shorter[0].event in ("half_marathon", "10k")
    check = profile.model_copy(update={"goal": profile.goal.model_copy(update={"event": shorter[0].event})})
    assert build_plan(check, rules).feasible


def test_no_room_in_the_week(rules: Rules) -> None:
    data = dict(HALF_MARATHON)
    data["availability"] = {"days": ["sat"], "max_minutes": {"sat": 60}}
    plan = build_plan(profile_of(data), rules)
    assert not plan.feasible and plan.reason and "at most 60 min" in plan.reason


def test_blocked_race_day(rules: Rules) -> None:
    plan = build_plan(
        profile_of(HALF_MARATHON, blocked=[{"from": "2025-05-30", "to": "2025-06-02", "reason": "trip"}]),
        rules,
    )
    assert not plan.feasible and plan.reason and "blocked" in plan.reason and "trip" in plan.reason


def test_experienced_runner_short_build_is_feasible(rules: Rules) -> None:
    profile = _runner("half_marathon", "2025-03-23", weekly_km=[45, 50, 48, 50])  # 7 weeks, 50 km a week
    plan = build_plan(profile, rules)
    assert plan.feasible and validate_plan(plan, profile, rules) == []
