"""Golden profiles: key properties of the plans a coach would check first (not full snapshots)."""

from __future__ import annotations

import datetime as dt

from coach.engine import Rules, build_plan, validate_plan
from coach.engine.models import Plan, Profile, Session
from coach.engine.validate import week_volume_min

from .conftest import BREVET, STRENGTH, TEN_K, TRIATHLON, profile_of


def _sessions(plan: Plan) -> list[Session]:
    return [s for w in plan.weeks for s in w.sessions]


def _weekday(s: Session) -> str:
    return s.date.strftime("%a").lower()


def test_half_marathon_runner(half_plan: Plan, half_profile: Profile, rules: Rules) -> None:
    plan, profile = half_plan, half_profile
    assert plan.feasible and validate_plan(plan, profile, rules) == []
    assert plan.meta.weeks == len(plan.weeks) == 17
    assert [w.phase for w in plan.weeks][-2:] == ["taper", "race"]
    assert {w.phase for w in plan.weeks} >= {"base", "build", "peak"}
    race = [s for s in _sessions(plan) if s.type == "race"]
    assert len(race) == 1 and race[0].date == dt.date(2025, 6, 1)
    assert race[0].distance_km == 21.1
    target = race[0].steps[0].target
    assert (
        target is not None and target.unit == "s_per_km" and round(target.low) == 327
    )  # 1:55:00 / 21.0975 km
    # long runs on the long day, training only on available days, Tue/Thu within their caps
    assert all(_weekday(s) == "sun" for s in _sessions(plan) if s.type == "long")
    for s in _sessions(plan):
        if s.type == "commitment":
            assert _weekday(s) == "wed" and s.duration_min == 45
        elif s.type != "race":
            assert _weekday(s) in {"tue", "thu", "sat", "sun"}
            if _weekday(s) in {"tue", "thu"}:
                assert s.duration_min <= 60
    # the holiday is rest, the commitment is kept every other Wednesday
    assert not [s for s in _sessions(plan) if dt.date(2025, 4, 14) <= s.date <= dt.date(2025, 4, 18)]
    wednesdays = [s.date for s in _sessions(plan) if s.type == "commitment"]
    assert len(wednesdays) == 17 - 1  # one Wednesday falls in the holiday
    # cutbacks and taper
    assert any(w.cutback for w in plan.weeks)
    peak = max(week_volume_min(w) for w in plan.weeks[:-2])
    assert week_volume_min(plan.weeks[-2]) <= 0.6 * peak * 1.05
    # structured workouts with Daniels paces from the 10 km race, in Intervals.icu text
    quality = next(s for s in _sessions(plan) if s.type == "threshold")
    assert any(step.kind == "repeat" for step in quality.steps)
    assert "Pace" in quality.intervals_icu and "x\n- " in quality.intervals_icu
    assert quality.intervals_icu.startswith("Warmup\n- ")
    assert all(w.notes for w in plan.weeks)


def test_ten_k_starts_midweek(rules: Rules) -> None:
    profile = profile_of(TEN_K)
    plan = build_plan(profile, rules)
    assert plan.weeks[0].start == dt.date(2025, 3, 3)  # Monday of the start week
    assert min(s.date for s in _sessions(plan)) >= dt.date(2025, 3, 5)
    for week in plan.weeks:
        full = week.start >= profile.start_date
        days = {s.date for s in week.sessions}
        if full:
            assert len(days) <= 6, "at least one rest day"


def test_brevet_rider_long_rides_at_weekends(rules: Rules) -> None:
    profile = profile_of(BREVET)
    plan = build_plan(profile, rules)
    assert plan.feasible and validate_plan(plan, profile, rules) == []
    rides = [s for s in _sessions(plan) if s.sport == "ride" and s.type != "race"]
    assert rides
    for s in rides:
        if s.duration_min > 90:
            assert _weekday(s) in {"sat", "sun"}
        target = next(step.target for step in s.steps if step.target is not None)
        assert target.unit == "pct_ftp"
    assert max(s.duration_min for s in rides if s.type == "long") >= 180
    assert "%" in rides[0].intervals_icu


def test_triathlete_pool_bricks_and_three_sports(rules: Rules) -> None:
    profile = profile_of(TRIATHLON)
    plan = build_plan(profile, rules)
    assert plan.feasible and validate_plan(plan, profile, rules) == []
    sports = {s.sport for s in _sessions(plan)}
    assert {"swim", "ride", "run", "brick"} <= sports
    for s in _sessions(plan):
        if s.sport == "swim":
            assert _weekday(s) not in {"tue", "thu"}
            assert s.duration_min <= 60
            assert any(step.target and step.target.unit == "s_per_100m" for step in s.steps)
    bricks = [s for s in _sessions(plan) if s.sport == "brick"]
    assert all(
        w.phase in ("build", "peak") for w in plan.weeks if any(s.sport == "brick" for s in w.sessions)
    )
    assert [step.label for step in bricks[0].steps] == ["bike", "run off the bike"]


def test_strength_block_with_one_rep_max(rules: Rules) -> None:
    profile = profile_of(STRENGTH)
    plan = build_plan(profile, rules)
    assert plan.feasible and plan.meta.weeks == rules.guardrails.plan.default_weeks
    assert all(s.sport == "strength" for s in _sessions(plan))
    first = plan.weeks[0].sessions[0]
    squat = next(step for step in first.steps if step.exercise == "back_squat")
    assert (squat.sets, squat.reps, squat.load_kg) == (3, 8, 85.0)  # 70 % of 120 kg = 84, to 2.5 kg
    assert squat.target is not None and squat.target.unit == "pct_1rm"
    deload = next(w for w in plan.weeks if w.cutback)
    assert deload.index == 4 and deload.load < plan.weeks[2].load
    days = {s.date.weekday() for s in plan.weeks[1].sessions}
    assert days == {0, 2, 4}


def test_strength_without_one_rep_max_uses_rpe(rules: Rules) -> None:
    profile = profile_of(STRENGTH, history={})
    plan = build_plan(profile, rules)
    step = next(s for s in plan.weeks[0].sessions[0].steps if s.kind == "set")
    assert step.target is not None and step.target.unit == "rpe" and step.load_kg is None


def test_beginner_general_fitness_rolling_blocks(rules: Rules) -> None:
    profile = profile_of(
        {
            "sport": "run",
            "goal": {"event": "general_fitness"},
            "start_date": "2025-01-06",
            "availability": {"days": ["mon", "wed", "fri"]},
        }
    )
    plan = build_plan(profile, rules)
    assert plan.feasible and len(plan.weeks) == 12
    assert week_volume_min(plan.weeks[0]) == rules.guardrails.volume.start_floor_min
    assert [w.cutback for w in plan.weeks] == [i % 4 == 3 for i in range(12)]
    assert [w.phase for w in plan.weeks][:5] == ["base"] * 4 + ["build"]
    target = plan.weeks[0].sessions[0].steps[0].target
    assert target is not None and target.unit == "rpe"  # nothing known: RPE


def test_hybrid_strength_days(rules: Rules) -> None:
    profile = profile_of(TEN_K, strength_days=2, history={"weekly_hours": [5, 5, 5, 5]})
    plan = build_plan(profile, rules)
    assert validate_plan(plan, profile, rules) == []
    loading = [w for w in plan.weeks if w.phase in ("base", "build") and not w.cutback and w.index > 1]
    assert loading and all(sum(s.sport == "strength" for s in w.sessions) == 2 for w in loading)
    assert not any(s.sport == "strength" for s in plan.weeks[-1].sessions)
    # no gym session the day before a key session
    for w in plan.weeks:
        for s in w.sessions:
            if s.sport == "strength":
                tomorrow = [x for x in w.sessions if x.date == s.date + dt.timedelta(days=1)]
                assert not any(x.intensity == "hard" for x in tomorrow)


def test_hybrid_strength_gives_way_to_the_load_limit(rules: Rules) -> None:
    """A beginner's chronic load cannot absorb two gym sessions on top of running at once."""
    profile = profile_of(TEN_K, strength_days=2)
    plan = build_plan(profile, rules)
    assert validate_plan(plan, profile, rules) == []
    assert any(sum(s.sport == "strength" for s in w.sessions) < 2 for w in plan.weeks[:-1])


def test_heart_rate_targets_when_only_max_hr_known(rules: Rules) -> None:
    profile = profile_of(BREVET, history={"weekly_hours": [5, 5, 5, 5], "max_hr": 180})
    plan = build_plan(profile, rules)
    easy = next(s for s in _sessions(plan) if s.type == "easy")
    target = easy.steps[0].target
    assert (
        target is not None and target.unit == "bpm" and (target.low, target.high) == (108, 126)
    )  # 60–70 % of 180
    assert "Z2 HR" in easy.intervals_icu


def test_miles(rules: Rules) -> None:
    from coach.engine import render_plan_text

    profile = profile_of(TEN_K, units="mi")
    plan = build_plan(profile, rules)
    text = render_plan_text(plan, units="mi")
    assert "/mi" in text and " mi" in text and "/km" not in text
    assert "/mi Pace" in next(s for s in _sessions(plan) if s.type == "easy").intervals_icu
