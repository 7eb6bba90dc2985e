"""Distances for runners without a race result (issue 9, item 8): every run carries km, marked
as an estimate at the athlete's own pace (weekly km over hours) or the documented assumption,
and replaced by real distances once a race result gives paces."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coach.engine import Rules, build_plan
from coach.engine.models import Plan
from coach.engine.render import render_plan_text

from .conftest import HALF_MARATHON, profile_of


def _no_race(**history: Any) -> dict[str, Any]:
    data = {k: v for k, v in HALF_MARATHON.items() if k not in ("history", "blocked", "commitments")}
    data["goal"] = {"event": "half_marathon", "date": "2025-06-01"}
    data["history"] = history
    return data


def _runs(plan: Plan) -> list[Any]:
    return [s for w in plan.weeks for s in w.sessions if s.sport == "run" and s.type != "race"]


def test_km_history_without_a_race_gives_estimated_distances_at_the_athletes_own_pace(rules: Rules) -> None:
    profile = profile_of(_no_race(weekly_km=[30, 30, 30, 30], weekly_hours=[3.5, 3.5, 3.5, 3.5]))
    plan = build_plan(profile, rules)
    assert plan.feasible
    estimate = plan.meta.easy_pace_estimate
    assert estimate is not None and estimate.source == "history"
    assert estimate.s_per_km == pytest.approx(3.5 * 3600 / 30, abs=1)  # 7:00 /km
    runs = _runs(plan)
    assert runs and all(s.distance_km is not None and s.distance_estimated for s in runs)
    for s in runs:
        assert s.distance_km == pytest.approx(s.duration_min * 60 / estimate.s_per_km, abs=0.051)
    for week in plan.weeks:
        assert week.planned_km is not None
        counted = sum(s.distance_km or 0 for s in week.sessions if s.sport == "run" and s.type != "race")
        assert week.planned_km == pytest.approx(counted, abs=0.051)


def test_km_only_history_uses_the_documented_assumption_and_says_so(rules: Rules) -> None:
    plan = build_plan(profile_of(_no_race(weekly_km=[20, 22, 25, 24])), rules)
    estimate = plan.meta.easy_pace_estimate
    assert estimate is not None and estimate.source == "assumption"
    assert estimate.s_per_km == rules.guardrails.volume.default_run_pace_s_per_km
    text = render_plan_text(plan)
    assert "≈ Run distances are estimates at 6:30 /km" in text and "an assumption" in text
    assert "≈ " in text.split("Week 1", 1)[1].splitlines()[0]  # the week's km is marked too


def test_implausible_history_pace_falls_back_to_the_assumption(rules: Rules) -> None:
    # 30 km in 10 h a week is 20 min/km: those hours hold more than running
    plan = build_plan(profile_of(_no_race(weekly_km=[30, 30, 30, 30], weekly_hours=[10, 10, 10, 10])), rules)
    assert plan.meta.easy_pace_estimate is not None and plan.meta.easy_pace_estimate.source == "assumption"


def test_a_race_result_replaces_the_estimate(rules: Rules) -> None:
    plan = build_plan(profile_of(HALF_MARATHON), rules)
    assert plan.meta.easy_pace_estimate is None
    runs = _runs(plan)
    assert runs and not any(s.distance_estimated for s in runs)
    assert all(s.distance_km is not None for s in runs)
    assert "estimates" not in render_plan_text(plan)


def test_a_week_without_running_has_zero_km_not_null(rules: Rules) -> None:
    data = _no_race(weekly_km=[20, 22, 25, 24])
    data["goal"] = {"event": "10k", "date": "2025-06-01"}
    data["blocked"] = [{"from": "2025-03-03", "to": "2025-03-09", "reason": "trip"}]
    plan = build_plan(profile_of(data), rules)
    assert plan.feasible, plan.reason
    blocked = next(w for w in plan.weeks if w.start.isoformat() == "2025-03-03")
    assert not [s for s in blocked.sessions if s.sport == "run"]
    assert blocked.planned_km == 0.0


def test_a_strength_plan_carries_its_goal_date_as_race_date(rules: Rules) -> None:
    profile = profile_of({
        "sport": "strength", "start_date": "2025-02-03", "goal": {"event": "strength", "date": "2025-05-05"},
        "availability": {"days": ["mon", "wed", "fri"]}, "history": {"weekly_hours": [3, 3, 3, 3]},
    })
    plan = build_plan(profile, rules)
    assert plan.meta.race_date is not None and plan.meta.race_date.isoformat() == "2025-05-05"
    assert plan.meta.easy_pace_estimate is None


@settings(max_examples=15, deadline=None)
@given(km=st.floats(10, 80), pace_min_per_km=st.floats(4.0, 9.0))
def test_every_run_has_a_distance_whatever_the_history(rules: Rules, km: float, pace_min_per_km: float) -> None:
    hours = round(km * pace_min_per_km / 60, 2)
    plan = build_plan(profile_of(_no_race(weekly_km=[round(km, 1)] * 4, weekly_hours=[hours] * 4)), rules)
    if not plan.feasible:
        return
    assert all(s.distance_km is not None and s.distance_km > 0 for s in _runs(plan))
    assert all(w.planned_km is not None for w in plan.weeks)
