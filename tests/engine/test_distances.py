"""Planned distances beyond runs: rides at the athlete's own speed, and multisport race legs."""

from __future__ import annotations

import math
from typing import Any

import pytest

from coach.engine import Rules, build_plan, load_rules, validate_plan
from coach.engine.models import Plan, Session
from coach.engine.rules import Rules as RulesModel

from .conftest import BREVET, TRIATHLON, profile_of


def _sessions(plan: Plan) -> list[Session]:
    return [s for w in plan.weeks for s in w.sessions]


def _brevet(**history: Any) -> dict[str, Any]:
    return {**BREVET["history"], **history}


def test_rides_have_no_distance_without_the_athletes_speed(rules: Rules) -> None:
    plan = build_plan(profile_of(BREVET), rules)  # hours and FTP, no speed: no guessing
    rides = [s for s in _sessions(plan) if s.sport == "ride" and s.type != "race"]
    assert rides and all(s.distance_km is None for s in rides)
    assert all(w.planned_km is None for w in plan.weeks[:-1])


def test_rides_get_distances_at_the_given_speed(rules: Rules) -> None:
    plan = build_plan(profile_of(BREVET, history=_brevet(ride_speed_kmh=27.0)), rules)
    assert plan.feasible and validate_plan(plan, profile_of(BREVET, history=_brevet(ride_speed_kmh=27.0)), rules) == []
    rides = [s for s in _sessions(plan) if s.sport == "ride" and s.type != "race"]
    assert rides and all(s.distance_km is not None for s in rides)
    # an endurance ride is all Z2 (the reference zone) except Z1 warm-up/cool-down steps
    long_ride = max((s for s in rides if s.type == "long"), key=lambda s: s.duration_min)
    assert long_ride.distance_km is not None
    assert long_ride.distance_km <= long_ride.duration_min / 60 * 27.0 + 0.05
    assert long_ride.distance_km >= long_ride.duration_min / 60 * 27.0 * 0.9
    # harder rides go faster per minute (cube-root law), easier ones slower
    def km_per_h(s: Session) -> float:
        assert s.distance_km is not None
        return s.distance_km / (s.duration_min / 60)

    hard = [s for s in rides if s.type in ("threshold", "intervals")]
    assert hard and all(km_per_h(s) > km_per_h(long_ride) for s in hard)
    # a ride plan's planned_km is its riding km (the race excluded)
    for week in plan.weeks:
        counted = [s.distance_km for s in week.sessions if s.sport == "ride" and s.type != "race"]
        if counted:
            assert week.planned_km == pytest.approx(sum(k for k in counted if k is not None), abs=0.051)
    race = next(s for s in _sessions(plan) if s.type == "race")
    assert race.distance_km == 200.0


def test_speed_from_a_riders_km_and_hours_history(rules: Rules) -> None:
    history = _brevet(weekly_km=[100, 120, 125, 135], weekly_hours=[4, 4.5, 5, 5])
    plan = build_plan(profile_of(BREVET, history=history), rules)
    easy = next(s for s in _sessions(plan) if s.sport == "ride" and s.type == "easy")
    n = rules.guardrails.volume.baseline_weeks  # the last n weeks of each list
    km, hours = history["weekly_km"][-n:], history["weekly_hours"][-n:]
    speed = round(sum(km) / len(km) / (sum(hours) / len(hours)), 1)
    assert easy.distance_km is not None
    assert easy.distance_km == pytest.approx(easy.duration_min / 60 * speed, rel=0.08)


def _tri(**changes: Any) -> Plan:
    return build_plan(profile_of(TRIATHLON, **changes), load_rules())


def _race(plan: Plan) -> Session:
    return next(s for s in _sessions(plan) if s.type == "race")


def test_triathlon_race_day_has_its_legs(rules: Rules) -> None:
    plan = _tri()
    race = _race(plan)
    assert [(st.label, st.sport) for st in race.steps] == [
        ("Swim", "swim"),
        ("T1", None),
        ("Bike", "ride"),
        ("T2", None),
        ("Run", "run"),
    ]
    assert [st.distance_m for st in race.steps] == [1900.0, None, 90000.0, None, 21100.0]
    assert race.distance_km == 113.0
    assert sum(st.duration_s or 0 for st in race.steps) == race.duration_min * 60
    units = [st.target.unit if st.target else None for st in race.steps]
    assert units == ["s_per_100m", None, "pct_ftp", None, "s_per_km"]
    # the swim and run legs take the time the athlete's own CSS and VDOT paces give
    swim, run = race.steps[0], race.steps[4]
    assert swim.target is not None and run.target is not None
    swim_pace = 19 * (swim.target.low + swim.target.high) / 2
    run_pace = 21.1 * (run.target.low + run.target.high) / 2
    assert swim.duration_s is not None and run.duration_s is not None
    assert swim.duration_s == pytest.approx(swim_pace, rel=0.02)
    assert run.duration_s == pytest.approx(run_pace, rel=0.02)
    assert "Swim" in race.intervals_icu and "Bike" in race.intervals_icu and "Run" in race.intervals_icu


def test_a_target_time_is_split_over_the_legs(rules: Rules) -> None:
    goal = {**TRIATHLON["goal"], "target_time": "5:30:00"}
    race = _race(_tri(goal=goal))
    assert race.duration_min == 330
    assert sum(st.duration_s or 0 for st in race.steps) == 330 * 60
    shares = [st.duration_s or 0 for st in race.steps]
    assert shares[2] == max(shares)  # the bike is the longest leg


def test_legs_without_anchors_take_their_share_of_the_rules_time(rules: Rules) -> None:
    race = _race(_tri(history={"weekly_hours": [6, 6.5, 7, 7]}))
    event = rules.event("70.3")
    assert race.duration_min == round(event.race_duration_min)
    for step, leg in zip(race.steps, event.race_legs, strict=True):
        assert step.duration_s == pytest.approx(leg.share * event.race_duration_min * 60, abs=61)


def test_leg_rules_are_data(tmp_path: Any, rules: Rules) -> None:
    data = rules.model_dump(mode="json")
    legs = data["events"]["events"]["70.3"]["race_legs"]
    legs[0]["km"] = 1.2  # a shortened swim
    changed = RulesModel.model_validate(data)
    race = _race(build_plan(profile_of(TRIATHLON), changed))
    assert race.steps[0].distance_m == 1200.0
    legs[0]["share"] = 0.5
    with pytest.raises(ValueError, match="leg shares must add up to 1"):
        RulesModel.model_validate(data)


def test_brick_steps_name_their_sport(rules: Rules) -> None:
    bricks = [s for s in _sessions(_tri()) if s.sport == "brick"]
    assert bricks
    for brick in bricks:
        assert [st.sport for st in brick.steps] == ["ride", "run"]
        assert math.isclose(sum(st.duration_s or 0 for st in brick.steps), brick.duration_min * 60)
