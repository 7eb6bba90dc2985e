"""Race builds scaled to the athlete and the goal (issue 16): peak, long run, goal pace, structure."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from coach.engine import build_plan, load_rules, validate_plan
from coach.engine.models import Plan, Profile, Session, Week
from coach.engine.planner import longest_run
from coach.engine.prep import prep_of, reached
from coach.engine.workouts import GOAL_PACE_LABEL, MEDIUM_LONG_LABEL, STRIDES_LABEL

RULES = load_rules()
START = dt.date(2027, 1, 4)
SIX_DAYS = ["mon", "tue", "wed", "thu", "sat", "sun"]


def runner(
    event: str,
    km: float,
    weeks: int,
    *,
    days: list[str] | None = None,
    race_10k: str | None = "0:38:00",
    target: str | None = None,
    longest_km: float | None = None,
) -> Profile:
    goal: dict[str, Any] = {"event": event, "date": (START + dt.timedelta(days=7 * weeks - 1)).isoformat()}
    if target:
        goal["target_time"] = target
    history: dict[str, Any] = {"weekly_km": [km] * 4}
    if race_10k:
        history["recent_race"] = {"distance_km": 10, "time": race_10k}
    if longest_km is not None:
        history["longest_km"] = longest_km
    return Profile.model_validate(
        {
            "sport": "run",
            "goal": goal,
            "start_date": START.isoformat(),
            "availability": {"days": days or SIX_DAYS, "long_day": "sun"},
            "history": history,
        }
    )


def _loading(plan: Plan) -> list[Week]:
    return [w for w in plan.weeks if w.phase not in ("taper", "race") and not w.cutback]


def _long(week: Week) -> Session:
    return next(s for s in week.sessions if s.type == "long")


def _goal_minutes(session: Session) -> float:
    return sum(step.duration_s or 0 for step in session.steps if step.label == GOAL_PACE_LABEL) / 60


def test_the_90_km_marathoner_gets_a_real_build() -> None:
    """Issue 16: 89-92 km every loading week and the same 29 km long run for 16 weeks, before."""
    profile = runner("marathon", 90, 16)
    plan = build_plan(profile, RULES)
    assert plan.feasible and validate_plan(plan, profile, RULES) == []
    loading = _loading(plan)
    first, last = loading[0], loading[-1]
    assert last.planned_minutes >= 1.15 * first.planned_minutes
    assert max(w.planned_km or 0 for w in loading) >= 105
    assert (_long(last).distance_km or 0) >= (_long(first).distance_km or 0) + 4
    assert plan.meta.level == "advanced"


def test_builds_of_twelve_weeks_or_more_end_loading_higher_than_they_start() -> None:
    for event, km in (("marathon", 45), ("marathon", 70), ("half_marathon", 60), ("10k", 60), ("50k", 70)):
        plan = build_plan(runner(event, km, 14), RULES)
        loading = _loading(plan)
        assert plan.feasible and loading[-1].planned_minutes > loading[0].planned_minutes, (event, km)


def test_the_long_run_progresses_and_never_drops_below_the_current_longest() -> None:
    """From today's longest run (18 km in a 55-km week: within the share limit), never below it."""
    profile = runner("marathon", 55, 18, longest_km=18)
    plan = build_plan(profile, RULES)
    prep = prep_of(profile, RULES)
    assert prep.long_start_min is not None
    longs = [_long(w) for w in _loading(plan)]
    # never below today's longest run (within the 5-minute rounding) outside cutback and taper weeks
    assert all(s.duration_min >= prep.long_start_min - 5 for s in longs)
    # one step at most per week over the longest so far
    step = RULES.prep.build.long_step_max_min
    best = prep.long_start_min
    for s in longs:
        assert s.duration_min <= best + step + 5
        best = max(best, s.duration_min)
    assert longs[-1].duration_min >= 150 and (longs[-1].distance_km or 0) >= 29


def test_room_for_the_long_run_comes_from_a_larger_week_not_a_larger_share() -> None:
    profile = runner("marathon", 45, 18, days=["tue", "wed", "thu", "sat", "sun"], race_10k="0:50:00")
    plan = build_plan(profile, RULES)
    share = RULES.guardrails.long_run_share.max_share(5)
    for week in plan.weeks:
        runs = [s for s in week.sessions if s.sport == "run" and s.type != "race"]
        longs = [s for s in runs if s.type == "long"]
        if longs:
            assert longs[0].duration_min <= share * sum(s.duration_min for s in runs) + 1
    assert max(w.planned_km or 0 for w in plan.weeks) > 45 * 1.4


def test_the_goal_time_changes_the_training() -> None:
    """Issue 16: a 2:59 and a 4:30 target gave identical sessions before."""
    fast = build_plan(runner("marathon", 90, 16, target="2:59:00"), RULES)
    slow = build_plan(runner("marathon", 90, 16, target="4:30:00"), RULES)
    fast_goal = [_goal_minutes(s) for w in fast.weeks for s in w.sessions]
    assert max(fast_goal) >= 45
    # marathon-pace finishes at the target pace (2:59:00 over 42.195 km: 4:14 /km)
    finish = next(st for w in fast.weeks for s in w.sessions for st in s.steps if st.label == GOAL_PACE_LABEL)
    assert finish.target is not None and finish.target.low <= 179 * 60 / 42.195 <= finish.target.high
    # the slower target is easy running for this athlete: an easier plan that says so
    assert max(_goal_minutes(s) for w in slow.weeks for s in w.sessions) == 0
    assert any("slower than" in n for n in slow.notes)
    assert sum(w.planned_minutes for w in slow.weeks) < sum(w.planned_minutes for w in fast.weeks)
    hard = ("threshold", "intervals", "tempo")
    assert max(sum(s.type in hard for s in w.sessions) for w in slow.weeks) == 1


def test_a_target_out_of_reach_is_named_with_the_predicted_time() -> None:
    plan = build_plan(runner("marathon", 60, 16, race_10k="0:50:00", target="3:00:00"), RULES)
    note = next(n for n in plan.notes if "out of reach" in n)
    assert "predicts 3:49:34" in note and "VDOT 40.0" in note  # a 50:00 10K (Daniels & Gilbert)
    paces = {st.target.low for w in plan.weeks for s in w.sessions for st in s.steps if st.label == GOAL_PACE_LABEL and st.target}
    assert paces and min(paces) > 3 * 3600 / 42.195  # race-pace work at the predicted pace, not 4:16 /km


def test_half_marathon_tempos_run_at_the_goal_pace() -> None:
    plan = build_plan(runner("half_marathon", 45, 12, race_10k="0:50:00", target="1:50:00"), RULES)
    tempos = [s for w in plan.weeks if w.phase in ("build", "peak") for s in w.sessions if s.type == "tempo"]
    assert tempos
    pace = 110 * 60 / 21.0975
    for tempo in tempos:
        work = [st for st in tempo.steps if st.label == GOAL_PACE_LABEL]
        assert work and work[0].target is not None and work[0].target.low <= pace <= work[0].target.high


def test_level_structure_second_quality_medium_long_and_strides() -> None:
    strong = build_plan(runner("marathon", 70, 18), RULES)
    light = build_plan(runner("half_marathon", 30, 14, race_10k="0:52:00"), RULES)
    hard = ("threshold", "intervals", "tempo")
    build_weeks = [w for w in strong.weeks if w.phase == "build" and not w.cutback]
    assert all(sum(s.type in hard for s in w.sessions) == 2 for w in build_weeks)
    assert any(MEDIUM_LONG_LABEL in s.description for w in build_weeks for s in w.sessions)
    light_build = [w for w in light.weeks if w.phase == "build" and not w.cutback]
    assert light_build and max(w.planned_km or 0 for w in light_build) < 60
    assert all(sum(s.type in hard for s in w.sessions) == 1 for w in light_build)
    assert not any(MEDIUM_LONG_LABEL in s.description for w in light_build for s in w.sessions)
    for plan in (strong, light):
        for week in plan.weeks:
            strided = [s for s in week.sessions if any(st.label == STRIDES_LABEL for st in s.steps)]
            assert (len(strided) == 1) == (week.phase == "base"), week.index
            assert all(s.type == "easy" and s.intensity == "easy" for s in strided)


def test_a_build_too_short_for_the_minimum_is_refused_with_alternatives() -> None:
    plan = build_plan(runner("marathon", 25, 16, race_10k="1:00:00", target="4:45:00"), RULES)
    assert not plan.feasible and plan.reason is not None
    assert "longest run of at least 26 km or 150 min" in plan.reason and "reach only about" in plan.reason
    kinds = {a.kind for a in plan.alternatives}
    assert {"later_date", "shorter_event"} <= kinds
    later = next(a for a in plan.alternatives if a.kind == "later_date")
    moved = runner("marathon", 25, 16, race_10k="1:00:00", target="4:45:00")
    moved = moved.model_copy(update={"goal": moved.goal.model_copy(update={"date": later.date})})
    assert build_plan(moved, RULES).feasible  # the later date really is enough


def test_without_a_target_a_short_build_is_a_finish_only_plan_that_says_what_it_leaves_out() -> None:
    profile = runner("half_marathon", 20, 12, race_10k="1:02:00", days=["tue", "thu", "sat", "sun"])
    plan = build_plan(profile, RULES)
    assert plan.feasible and plan.meta.finish_only and validate_plan(plan, profile, RULES) == []
    assert plan.reason is not None and "run-walk" in plan.reason and "longest run is about" in plan.reason
    assert plan.reason in plan.weeks[0].notes
    assert all(_goal_minutes(s) == 0 for w in plan.weeks for s in w.sessions)
    assert any(a.kind == "later_date" for a in plan.alternatives)


def test_a_rebuild_mid_plan_is_built_as_far_as_time_allows_and_says_how_far_short() -> None:
    profile = runner("marathon", 25, 16, race_10k="1:00:00", target="4:45:00")
    plan = build_plan(profile, RULES, require_preparation=False)
    assert plan.feasible and plan.weeks and any("reach only about" in n for n in plan.notes)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    event=st.sampled_from(["half_marathon", "marathon", "50k"]),
    km=st.integers(10, 110),
    weeks=st.integers(8, 24),
    days=st.sampled_from([["tue", "thu", "sun"], ["tue", "thu", "sat", "sun"], SIX_DAYS]),
    target=st.booleans(),
)
def test_never_a_silent_under_preparation(event: str, km: int, weeks: int, days: list[str], target: bool) -> None:
    """A published race build reaches the event's minimum longest run, or says it does not."""
    times = {"half_marathon": "2:30:00", "marathon": "5:00:00", "50k": "6:30:00"}
    profile = runner(event, km, weeks, days=days, race_10k="0:55:00", target=times[event] if target else None)
    plan = build_plan(profile, RULES)
    if not plan.feasible:
        assert plan.reason
        return
    assert validate_plan(plan, profile, RULES) == []
    prep = prep_of(profile, RULES)
    entry = RULES.prep.events[profile.goal.event]
    minimum = entry.finish_only_long if plan.meta.finish_only else entry.min_long
    assert minimum is not None
    assert reached(*longest_run(plan.weeks, prep), minimum)
    if plan.meta.finish_only:
        assert plan.reason and plan.reason.startswith("Finish-only plan") and not target


@settings(max_examples=20, deadline=None, derandomize=True)
@given(
    event=st.sampled_from(["5k", "10k", "half_marathon", "marathon", "50k"]),
    km=st.integers(20, 100),
    weeks=st.integers(12, 30),
    days=st.sampled_from([["tue", "thu", "sat", "sun"], ["tue", "wed", "thu", "sat", "sun"], SIX_DAYS]),
)
def test_a_build_of_twelve_weeks_or_more_ends_loading_higher(event: str, km: int, weeks: int, days: list[str]) -> None:
    """Issue 16: 'the phases are named, the load does not move' no more, wherever the week has
    room to grow: no run is longer than the long run, so a week holds at most run days x the
    event's long-session cap, less what two quality sessions leave (a half marathoner at
    85 km on 4 days is already there)."""
    plan = build_plan(runner(event, km, weeks, days=days, race_10k="0:45:00"), RULES)
    if not plan.feasible:
        return
    room = len(days) * RULES.event(plan.meta.event).long_session_max_min["run"]
    if plan.weeks[0].planned_minutes > 0.75 * room:
        return
    loading = _loading(plan)
    first = plan.weeks[0].planned_minutes
    assert max(w.planned_minutes for w in loading[len(loading) // 2 :]) > first


def test_race_build_sessions_survive_a_resize_unchanged() -> None:
    """Adapting a week regenerates sessions from their steps (workouts.spec_of): a race-pace
    finish, a race-pace tempo, strides and the medium-long run must come back as built."""
    from coach.engine.athlete import anchors_of
    from coach.engine.workouts import resized

    profile = runner("marathon", 70, 16, target="3:05:00")
    plan = build_plan(profile, RULES)
    anchors = anchors_of(profile, RULES)
    special = [
        s
        for w in plan.weeks
        for s in w.sessions
        if s.type != "race"
        and (MEDIUM_LONG_LABEL in s.description or any(st.label in (GOAL_PACE_LABEL, STRIDES_LABEL) for st in s.steps))
    ]
    assert {s.type for s in special} == {"easy", "long", "tempo"}
    for s in special:
        again = resized(s, s.duration_min, anchors, RULES)
        assert again.steps == s.steps and again.description == s.description, s.description


# --------------------------------------------------------------------------- rides and triathlon (issue 17)


def rider(event: str, hours: float, weeks: int, longest_min: float, sport: str = "ride") -> Profile:
    history: dict[str, Any] = {"weekly_hours": [hours] * 4, "longest_minutes": longest_min, "ftp_w": 230}
    days = ["tue", "wed", "thu", "sat", "sun"]
    if sport == "tri":
        history.update({"css_per_100m": "1:55", "recent_race": {"distance_km": 10, "time": "0:50:00"}})
        days = SIX_DAYS
    return Profile.model_validate(
        {
            "sport": sport,
            "goal": {"event": event, "date": (START + dt.timedelta(days=7 * weeks - 1)).isoformat()},
            "start_date": START.isoformat(),
            "availability": {"days": days, "long_day": "sat"},
            "history": history,
        }
    )


def test_a_brevet_long_ride_grows_from_the_current_longest_toward_the_event() -> None:
    """Issue 17: before, the longest ride before a 300 was about 4 h 30, near what the rider already did."""
    profile = rider("brevet_300", 6.5, 16, 240)
    plan = build_plan(profile, RULES)
    assert plan.feasible and validate_plan(plan, profile, RULES) == []
    longs = [_long(w).duration_min for w in _loading(plan)]
    share = RULES.prep.timed_events["brevet_300"].long_share_max["ride"]
    # from today's 4 h ride, as far as its share of the first week (today's 6.5 h) allows
    assert longs[0] >= min(240, share * plan.weeks[0].planned_minutes) - 5 and max(longs) >= 420
    step = RULES.prep.timed_events["brevet_300"].long_step_max_min["ride"]
    best = 240.0
    for minutes in longs:
        assert minutes <= best + step + 5
        best = max(best, minutes)
    assert all(s.date.weekday() >= 5 for w in plan.weeks for s in w.sessions if s.type == "long")


def test_a_triathlon_grows_both_long_sessions() -> None:
    plan = build_plan(rider("ironman", 8.5, 24, 180, sport="tri"), RULES)
    assert plan.feasible
    from coach.engine.planner import longest_by_sport

    longest = longest_by_sport(plan.weeks)
    assert longest["ride"] >= 300 and longest["run"] >= 150  # Friel: 5-6 h rides, 2.5-3 h runs


def test_a_rider_without_the_time_gets_a_finish_only_plan_that_says_so() -> None:
    profile = rider("brevet_200", 5, 12, 180)
    plan = build_plan(profile, RULES)
    assert plan.feasible and plan.meta.finish_only and validate_plan(plan, profile, RULES) == []
    assert plan.reason is not None and "longest ride of at least 4:30" in plan.reason and "cut-offs" in plan.reason
    assert any(a.kind == "later_date" for a in plan.alternatives)


@settings(max_examples=20, deadline=None, derandomize=True)
@given(
    event=st.sampled_from(["brevet_200", "brevet_300", "brevet_600", "gran_fondo", "70.3", "ironman"]),
    hours=st.floats(3, 14).map(lambda h: round(h, 1)),
    weeks=st.integers(8, 30),
    longest=st.integers(60, 360),
)
def test_never_a_silent_under_preparation_on_the_bike_either(event: str, hours: float, weeks: int, longest: int) -> None:
    from coach.engine.planner import longest_by_sport

    sport = "tri" if event in ("70.3", "ironman") else "ride"
    profile = rider(event, hours, weeks, longest, sport=sport)
    plan = build_plan(profile, RULES)
    if not plan.feasible:
        assert plan.reason
        return
    assert validate_plan(plan, profile, RULES) == []
    timed = RULES.prep.timed_events[profile.goal.event]
    minimum = timed.finish_only_long if plan.meta.finish_only else timed.min_long
    got = longest_by_sport(plan.weeks)
    assert all(got.get(s, 0.0) >= need - 0.5 for s, need in minimum.items()), (got, plan.meta.finish_only)


def test_first_passing_finds_the_smallest_passing_candidate() -> None:
    from coach.engine.prep import first_passing

    for n in range(12):
        for k in range(n + 2):
            candidates = list(range(n))
            assert first_passing(candidates, lambda c, k=k: c >= k) == (k if k < n else None)
            assert first_passing(candidates, lambda c, k=k: c >= k, lambda c: c % 2 == 0) == next(
                (c for c in candidates if c >= k and c % 2 == 0), None
            )
