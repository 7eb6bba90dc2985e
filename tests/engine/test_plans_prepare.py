"""Plans that prepare (issues 16 and 17), the gaps closed after the first builds: a B race
raced and reckoned at its own event's effort with a short taper before it and an easy day
after; strides and hill repeats in base for every runner (general fitness too); the
open-water swim named in the week's "why"; a half-marathon target slower than fitness or out
of reach; every plan with B races passes the validator."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coach.engine import build_plan, load_rules, validate_plan
from coach.engine.load import load_from_if
from coach.engine.models import Event, Plan, Profile, Session
from coach.engine.validate import recomputed_load
from coach.engine.workouts import OPEN_WATER_LABEL, STRIDES_LABEL
from tests.engine.test_race_prep import SIX_DAYS, _goal_minutes, runner
from tests.engine.test_reference_plans import ATHLETES, athlete_profile

RULES = load_rules()
START = dt.date(2027, 1, 4)  # a Monday
HILLS = RULES.workouts.hills.label
QUALITY = ("tempo", "threshold", "intervals", "long", "race")


def _saturday(week: int) -> dt.date:
    return START + dt.timedelta(days=7 * (week - 1) + 5)


def _with_b_races(profile: Profile, b_races: list[dict[str, Any]]) -> Profile:
    return Profile.model_validate({**profile.model_dump(mode="json", by_alias=True), "b_races": b_races})


def _on(plan: Plan, day: dt.date) -> list[Session]:
    return [s for w in plan.weeks for s in w.sessions if s.date == day]


def _has(session: Session, label: str) -> bool:
    return any(step.kind == "repeat" and step.label == label for step in session.steps)


# --------------------------------------------------------------------------- B races


def _marathoner() -> Profile:
    return runner(
        "marathon",
        55,
        18,
        days=["tue", "wed", "thu", "fri", "sat", "sun"],
        race_10k="0:45:00",
        target="3:30:00",
    )


def test_a_b_race_counts_at_its_own_race_effort() -> None:
    """A 10K and a half before a marathon are raced at the 10K's and the half's intensity
    factor (events.yaml), not the marathon's: their load, the week's and the validator's agree."""
    ten, half = _saturday(5), _saturday(12)
    profile = _with_b_races(
        _marathoner(),
        [{"date": ten.isoformat(), "event": "10k"}, {"date": half.isoformat(), "event": "half_marathon"}],
    )
    plan = build_plan(profile, RULES)
    assert plan.feasible and validate_plan(plan, profile, RULES) == []
    goal_if = RULES.event("marathon").race_intensity_factor
    raced: tuple[tuple[dt.date, Event], ...] = ((ten, "10k"), (half, "half_marathon"))
    for day, event in raced:
        race = next(s for s in _on(plan, day) if s.type == "race")
        own_if = RULES.event(event).race_intensity_factor
        assert own_if > goal_if
        assert race.load == load_from_if(race.duration_min, own_if) > load_from_if(race.duration_min, goal_if)
        assert recomputed_load(race, profile, RULES) == race.load
        week = next(w for w in plan.weeks if race in w.sessions)
        assert abs(week.load - sum(s.load for s in week.sessions)) < 0.5
        assert any("own race effort" in n for n in week.notes)
    # the goal race keeps the marathon's
    goal = next(s for s in _on(plan, profile.goal.date or START) if s.type == "race")
    assert goal.load == load_from_if(goal.duration_min, goal_if)


def test_the_days_before_a_b_race_taper_and_the_day_after_is_easy() -> None:
    """Friel: a short rest of easier days before a B race, no hard training around it, an easy
    day after. Without the B race the same build holds a tempo two days before that Saturday."""
    config = RULES.prep.b_races
    assert config is not None and config.eve_days >= 2
    half = _saturday(10)
    plain = build_plan(_marathoner(), RULES)
    profile = _with_b_races(_marathoner(), [{"date": half.isoformat(), "event": "half_marathon"}])
    plan = build_plan(profile, RULES)
    assert plan.feasible and validate_plan(plan, profile, RULES) == []
    before = [half - dt.timedelta(days=n) for n in range(1, config.eve_days + 1)]
    after = [half + dt.timedelta(days=n) for n in range(1, config.after_days + 1)]
    assert any(s.type in QUALITY for day in before for s in _on(plain, day))  # what the B race changes
    for days, cap in ((before, config.eve_max_min), (after, config.after_max_min)):
        for day in days:
            sessions = _on(plan, day)
            assert sum(s.duration_min for s in sessions) <= cap, day
            assert all(
                s.type not in QUALITY and s.intensity == "easy" and not _has(s, HILLS) for s in sessions
            ), day


def test_a_brevet_b_race_counts_at_the_shorter_brevets_effort() -> None:
    from tests.engine.test_b_races import rider

    day = _saturday(10)
    profile = rider([{"date": day.isoformat(), "event": "brevet_200"}])
    plan = build_plan(profile, RULES)
    assert plan.feasible and validate_plan(plan, profile, RULES) == []
    race = next(s for s in _on(plan, day) if s.type == "race")
    assert race.load == load_from_if(race.duration_min, RULES.event("brevet_200").race_intensity_factor)
    assert RULES.event("brevet_200").race_intensity_factor > RULES.event("brevet_600").race_intensity_factor


_RUN_B = ["5k", "10k", "half_marathon"]
_RIDE_B = ["brevet_200", "brevet_300", "gran_fondo"]


@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    ride=st.booleans(),
    volume=st.integers(15, 100),
    weeks=st.integers(10, 24),
    days=st.sampled_from([["tue", "thu", "sat", "sun"], ["tue", "wed", "thu", "sat", "sun"], SIX_DAYS]),
    picks=st.lists(
        st.tuples(st.integers(0, 2), st.integers(1, 23), st.integers(0, 6)), min_size=1, max_size=3
    ),
)
def test_plans_with_b_races_pass_the_validator(
    ride: bool, volume: int, weeks: int, days: list[str], picks: list[tuple[int, int, int]]
) -> None:
    goal = START + dt.timedelta(days=7 * weeks - 1)
    b_races = []
    seen: set[dt.date] = set()
    for kind, week, weekday in picks:
        day = START + dt.timedelta(days=7 * (week - 1) + weekday)
        if (goal - day).days < 7 or day in seen:
            continue
        seen.add(day)
        b_races.append({"date": day.isoformat(), "event": (_RIDE_B if ride else _RUN_B)[kind]})
    history: dict[str, Any] = (
        {"weekly_hours": [volume / 10] * 4, "longest_minutes": volume * 3, "ride_speed_kmh": 26}
        if ride
        else {"weekly_km": [volume] * 4, "recent_race": {"distance_km": 10, "time": "0:50:00"}}
    )
    profile = Profile.model_validate(
        {
            "sport": "ride" if ride else "run",
            "goal": {"event": "brevet_600" if ride else "marathon", "date": goal.isoformat()},
            "start_date": START.isoformat(),
            "availability": {"days": days, "long_day": "sun"},
            "history": history,
            "b_races": b_races,
        }
    )
    plan = build_plan(profile, RULES)
    if not plan.feasible:
        assert plan.reason
        return
    assert validate_plan(plan, profile, RULES) == []
    for b in profile.b_races:
        race = next(s for s in _on(plan, b.date) if s.type == "race")
        assert race.load == load_from_if(race.duration_min, RULES.event(b.event).race_intensity_factor)


# --------------------------------------------------------------------------- strides and hills for everyone


def test_general_fitness_runners_get_strides_and_hills_in_base() -> None:
    """Issue 16 item 5: "strides and hills in base for everyone", not only race builds."""
    profile = Profile.model_validate(
        {
            "sport": "run",
            "goal": {"event": "general_fitness"},
            "start_date": START.isoformat(),
            "availability": {"days": ["tue", "thu", "sat", "sun"], "long_day": "sun"},
            "history": {"weekly_km": [25] * 4},
        }
    )
    plan = build_plan(profile, RULES)
    assert plan.feasible and validate_plan(plan, profile, RULES) == []
    base = [w for w in plan.weeks if w.phase == "base" and not w.cutback]
    assert base
    for week in base:
        assert sum(_has(s, STRIDES_LABEL) for s in week.sessions) == 1, week.index
        assert sum(_has(s, HILLS) for s in week.sessions) == 1, week.index
    for week in plan.weeks:
        drills = [s for s in week.sessions if _has(s, STRIDES_LABEL) or _has(s, HILLS)]
        assert all(s.type == "easy" and s.intensity == "easy" for s in drills)
        if week.phase != "base":
            assert not drills, week.index


# --------------------------------------------------------------------------- open water in the "why"


def test_open_water_weeks_say_so_and_only_those() -> None:
    row = next(r for r in ATHLETES if r["id"] == "half_ironman")
    profile = athlete_profile(row)
    plan = build_plan(profile, RULES)
    assert plan.feasible and validate_plan(plan, profile, RULES) == []
    flagged = 0
    for week in plan.weeks:
        swims = any(any(st.label == OPEN_WATER_LABEL for st in s.steps) for s in week.sessions)
        said = any(n.startswith("Open water") and "never alone" in n for n in week.notes)
        assert swims == said, week.index
        flagged += swims
    assert flagged >= 2
    run = build_plan(runner("marathon", 60, 16), RULES)
    assert not any(n.startswith("Open water") for w in run.weeks for n in w.notes)


# --------------------------------------------------------------------------- the goal shapes the work (half)


def test_a_half_marathon_target_slower_than_fitness_or_out_of_reach() -> None:
    """Issue 16 item 4 for the half: a 50:00 10K predicts 1:50:52 (VDOT 40, Daniels & Gilbert)."""
    fit = build_plan(runner("half_marathon", 45, 12, race_10k="0:50:00", target="1:50:00"), RULES)
    slow = build_plan(runner("half_marathon", 45, 12, race_10k="0:50:00", target="2:15:00"), RULES)
    fast = build_plan(runner("half_marathon", 45, 12, race_10k="0:50:00", target="1:30:00"), RULES)
    hard = ("threshold", "intervals", "tempo")
    assert any("slower than the 1:50:52" in n and "easier plan" in n for n in slow.notes)
    assert sum(w.planned_minutes for w in slow.weeks) < sum(w.planned_minutes for w in fit.weeks)
    assert max(sum(s.type in hard for s in w.sessions) for w in slow.weeks) == 1
    assert max(sum(s.type in hard for s in w.sessions) for w in fit.weeks) == 2
    note = next(n for n in fast.notes if "out of reach" in n)
    assert "predicts 1:50:52" in note
    assert not any("out of reach" in n or "slower than" in n for n in fit.notes)
    # race-pace work in the out-of-reach plan runs at the predicted pace, not the target's
    paced = [
        st.target.low
        for w in fast.weeks
        for s in w.sessions
        if _goal_minutes(s)
        for st in s.steps
        if st.target is not None and st.label
    ]
    assert paced and min(paced) > 90 * 60 / 21.0975
