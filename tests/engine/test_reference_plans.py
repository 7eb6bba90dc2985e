"""Reference runners against the published plans they should resemble (issue 16).

``tests/data/reference_plans.yaml`` holds novice, intermediate and advanced runners for the
5K, 10K, half marathon, marathon and 50K, each with the published plan it is held against
and the ranges taken from that plan. The engine's plan must fall within them (peak week,
longest run, longest race-pace segment), or be honestly finish-only or infeasible.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

from coach.engine import build_plan, load_rules, validate_plan
from coach.engine.models import Plan, Profile, Step
from coach.engine.planner import longest_run
from coach.engine.prep import prep_of
from coach.engine.workouts import GOAL_PACE_LABEL, OPEN_WATER_LABEL

TABLE = Path(__file__).resolve().parents[1] / "data" / "reference_plans.yaml"
RUNNERS: list[dict[str, Any]] = yaml.safe_load(TABLE.read_text(encoding="utf-8"))["runners"]
RULES = load_rules()
START = dt.date(2027, 1, 4)  # a Monday
DAYS = {
    3: ["tue", "thu", "sun"],
    4: ["tue", "thu", "sat", "sun"],
    5: ["tue", "wed", "thu", "sat", "sun"],
    6: ["mon", "tue", "wed", "thu", "sat", "sun"],
}


def runner_profile(row: dict[str, Any]) -> Profile:
    goal: dict[str, Any] = {
        "event": row["event"],
        "date": (START + dt.timedelta(days=7 * row["weeks"] - 1)).isoformat(),
    }
    if row.get("target"):
        goal["target_time"] = row["target"]
    return Profile.model_validate(
        {
            "sport": "run",
            "goal": goal,
            "start_date": START.isoformat(),
            "availability": {"days": DAYS[row["days"]], "long_day": "sun"},
            "history": {
                "weekly_km": [row["weekly_km"]] * 4,
                "recent_race": {"distance_km": 10, "time": row["race_10k"]},
            },
        }
    )


def figures(plan: Plan, profile: Profile) -> tuple[float, float, float, float]:
    """(peak km, longest km, longest minutes, longest race-pace segment in minutes)."""
    prep = prep_of(profile, RULES)
    loading = [w for w in plan.weeks if w.phase not in ("taper", "race")]
    peak = max(w.planned_km if w.planned_km is not None else prep.km_of(w.planned_minutes) for w in loading)
    longest_min, longest_km = longest_run(plan.weeks, prep)
    goal = max((goal_pace_minutes(s.steps) for w in plan.weeks for s in w.sessions), default=0.0)
    return peak, longest_km, longest_min, goal


def goal_pace_minutes(steps: Sequence[Step]) -> float:
    """Minutes at the goal pace in a session: a long run's finish, a tempo, or 5K/10K-pace
    repeats (each repeat counted)."""
    seconds = 0.0
    for step in steps:
        if step.kind == "repeat":
            seconds += step.repeat * goal_pace_minutes(step.steps) * 60
        elif step.label == GOAL_PACE_LABEL:
            seconds += step.duration_s or 0
    return seconds / 60


def _within(value: float, bounds: list[float]) -> bool:
    return bounds[0] <= value <= bounds[1]


@pytest.mark.parametrize("row", RUNNERS, ids=[r["id"] for r in RUNNERS])
def test_reference_runner(row: dict[str, Any]) -> None:
    profile = runner_profile(row)
    plan = build_plan(profile, RULES)
    if row["outcome"] == "infeasible":
        assert not plan.feasible and plan.reason and "longest run of at least" in plan.reason
        assert {a.kind for a in plan.alternatives} & {"later_date", "shorter_event"}
        return
    assert plan.feasible, plan.reason
    assert validate_plan(plan, profile, RULES) == []
    if row["outcome"] == "finish_only":
        assert plan.meta.finish_only and plan.reason and plan.reason.startswith("Finish-only plan")
        assert "run-walk" in plan.reason and any("Finish-only" in note for note in plan.weeks[0].notes)
        # no race-pace work in a plan without a target pace
        assert figures(plan, profile)[3] == 0
        return
    assert not plan.meta.finish_only and plan.reason is None
    peak, longest_km, longest_min, goal = figures(plan, profile)
    where = f"{row['id']}: peak {peak:.0f} km, longest {longest_km:.1f} km / {longest_min:.0f} min, race pace {goal:.0f} min"
    assert _within(peak, row["peak_km"]), where
    longest = row["longest"]
    assert _within(longest_km, longest["km"]) or _within(longest_min, longest["minutes"]), where
    if row["goal_pace_min"] is not None:
        assert _within(goal, row["goal_pace_min"]), where


def test_every_event_and_level_is_in_the_table() -> None:
    seen = {(r["event"], RULES.prep.levels.level(r["weekly_km"])) for r in RUNNERS}
    for event in ("5k", "10k", "half_marathon", "marathon", "50k"):
        for level in ("novice", "intermediate", "advanced"):
            assert (event, level) in seen, (event, level)


ATHLETES: list[dict[str, Any]] = yaml.safe_load(TABLE.read_text(encoding="utf-8"))["athletes"]


def athlete_profile(row: dict[str, Any]) -> Profile:
    history: dict[str, Any] = {
        "weekly_hours": [row["weekly_hours"]] * 4,
        "longest_minutes": row["longest_minutes"],
        "ftp_w": 230,
        "ride_speed_kmh": 26,
    }
    if row["sport"] == "tri":
        history["css_per_100m"] = "1:55"
        history["recent_race"] = {"distance_km": 10, "time": "0:50:00"}
    return Profile.model_validate(
        {
            "sport": row["sport"],
            "goal": {
                "event": row["event"],
                "date": (START + dt.timedelta(days=7 * row["weeks"] - 1)).isoformat(),
            },
            "start_date": START.isoformat(),
            "availability": {"days": DAYS[row["days"]], "long_day": "sat"},
            "history": history,
        }
    )


@pytest.mark.parametrize("row", ATHLETES, ids=[r["id"] for r in ATHLETES])
def test_reference_rider_and_triathlete(row: dict[str, Any]) -> None:
    from coach.engine.planner import longest_by_sport

    profile = athlete_profile(row)
    plan = build_plan(profile, RULES)
    if row["outcome"] == "infeasible":
        assert not plan.feasible and plan.reason and "reach only" in plan.reason
        assert any(a.kind == "later_date" for a in plan.alternatives)
        return
    assert plan.feasible, plan.reason
    assert validate_plan(plan, profile, RULES) == []
    longest = longest_by_sport(plan.weeks)
    if row["outcome"] == "finish_only":
        # honest: says so, and still reaches the event's least for a finish
        assert plan.meta.finish_only and plan.reason and plan.reason.startswith("Finish-only plan")
        assert plan.reason in plan.weeks[0].notes
        least = RULES.prep.timed_events[row["event"]].finish_only_long
        assert all(longest.get(sport, 0.0) >= minutes for sport, minutes in least.items()), longest
        return
    assert not plan.meta.finish_only
    peak_h = max(w.planned_minutes for w in plan.weeks if w.phase not in ("taper", "race")) / 60
    where = f"{row['id']}: peak {peak_h:.1f} h, longest {longest}"
    assert _within(peak_h, row["peak_hours"]), where
    for sport, bounds in row["longest"].items():
        assert _within(longest.get(sport, 0.0), bounds), where
    if "per_week" in row:
        # sessions per sport in the loading build and peak weeks, and a brick in each
        for week in plan.weeks:
            if week.phase not in ("build", "peak") or week.cutback:
                continue
            bricks = sum(s.sport == "brick" for s in week.sessions)
            assert bricks >= 1, (where, week.index)
            for sport, bounds in row["per_week"].items():
                count = sum(s.sport == sport for s in week.sessions) + (
                    bricks if sport in ("ride", "run") else 0
                )
                assert _within(count, bounds), (where, week.index, sport, count)
    if "open_water" in row:
        # the continuous swim of the peak weeks, at about race distance, and the "why" names it
        swims = [
            (w, s)
            for w in plan.weeks
            for s in w.sessions
            if s.sport == "swim" and any(st.label == OPEN_WATER_LABEL for st in s.steps)
        ]
        assert swims, where
        for week, swim in swims:
            assert _within(swim.duration_min, row["open_water"]), where
            assert any(note.startswith("Open water") for note in week.notes), where


def test_every_ride_and_triathlon_event_is_in_the_table() -> None:
    """Issue 17's reference athletes: brevets 200/300/400/600, gran fondo, 70.3, Ironman, each
    with a plan row, and an honest infeasible or finish-only row among them."""
    planned = {r["event"] for r in ATHLETES if r["outcome"] == "plan"}
    assert planned >= {
        "brevet_200",
        "brevet_300",
        "brevet_400",
        "brevet_600",
        "gran_fondo",
        "70.3",
        "ironman",
    }
    assert {r["outcome"] for r in ATHLETES} == {"plan", "finish_only", "infeasible"}
    assert all(r["plan"].strip() for r in ATHLETES)
