"""Adaptation: past never changes, only the next 1–2 weeks do, and the 48-hour rule holds."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from coach.engine import (
    AdaptError,
    AdaptEvent,
    DaysChange,
    DaysPerWeek,
    Fatigue,
    Illness,
    Injury,
    LongDayChange,
    Missed,
    Partial,
    ProfileError,
    Rules,
    Unavailable,
    adapt_plan,
    build_plan,
    load_rules,
    move_session,
)
from coach.engine.adapt import Adaptation
from coach.engine.fix import fix_plan
from coach.engine.models import Plan, Profile, Session
from coach.engine.validate import validate_plan

from .conftest import HALF_MARATHON, profile_of
from .strategies import profiles

RULES = load_rules()

TODAY = dt.date(2025, 3, 12)  # a Wednesday in week 6
WINDOW_END = dt.date(2025, 3, 23)  # Sunday of the following week


def _by_date(plan: Plan) -> dict[dt.date, list[Session]]:
    out: dict[dt.date, list[Session]] = {}
    for w in plan.weeks:
        for s in w.sessions:
            out.setdefault(s.date, []).append(s)
    return out


def _assert_window_only(before: Plan, result: Adaptation, first_changeable: dt.date = TODAY) -> None:
    old, new = _by_date(before), _by_date(result.plan)
    for day in set(old) | set(new):
        if day < first_changeable or day > WINDOW_END:
            assert old.get(day, []) == new.get(day, []), f"{day} changed outside the window"
    for change in result.changes:
        assert first_changeable <= change.date <= WINDOW_END
        assert change.reason
    for week_before, week_after in zip(before.weeks, result.plan.weeks, strict=True):
        if week_before.start + dt.timedelta(days=6) < TODAY:
            assert week_before == week_after, "past weeks never change"


def test_events_parse_as_a_discriminated_union() -> None:
    events = TypeAdapter(list[AdaptEvent]).validate_python(
        [
            {"kind": "missed", "date": "2025-03-09"},
            {"kind": "illness", "from": "2025-03-12", "days": 3},
            {"kind": "fatigue", "readiness": 35},
            {"kind": "injury", "body_part": "knee", "avoid": ["impact"]},
        ]
    )
    assert [type(e).__name__ for e in events] == ["Missed", "Illness", "Fatigue", "Injury"]
    with pytest.raises(ValueError):
        TypeAdapter(AdaptEvent).validate_python({"kind": "fatigue"})


def test_missed_long_run_is_rescheduled_once(half_plan: Plan, half_profile: Profile, rules: Rules) -> None:
    result = adapt_plan(half_plan, half_profile, [Missed(date=dt.date(2025, 3, 9))], TODAY, rules)
    _assert_window_only(half_plan, result)
    assert result.accepted
    assert result.plan.validation.violations == [] or all(
        v.date and v.date > WINDOW_END for v in result.plan.validation.violations
    )


def test_missed_easy_run_is_not_made_up(half_plan: Plan, half_profile: Profile, rules: Rules) -> None:
    result = adapt_plan(half_plan, half_profile, [Missed(date=dt.date(2025, 3, 11))], TODAY, rules)
    assert result.changes == []
    assert "Missed" in result.summary


def test_partial_above_half_changes_nothing(half_plan: Plan, half_profile: Profile, rules: Rules) -> None:
    result = adapt_plan(
        half_plan, half_profile, [Partial(date=dt.date(2025, 3, 9), fraction=0.8)], TODAY, rules
    )
    assert result.changes == []


def _training_day(plan: Plan, on_or_after: dt.date) -> dt.date:
    return min(s.date for w in plan.weeks for s in w.sessions if s.date >= on_or_after and s.type not in ("commitment", "race"))


def test_fatigue_changes_today_and_nothing_after(half_plan: Plan, half_profile: Profile, rules: Rules) -> None:
    """'Legs are dead, slept 4 hours': today's session is eased, the season is not re-planned."""
    day = _training_day(half_plan, TODAY)
    result = adapt_plan(half_plan, half_profile, [Fatigue(severity=2)], day, rules)
    assert [c.date for c in result.changes] == [day]
    before, after = result.changes[0].before, result.changes[0].after
    assert before is not None and after is not None
    assert after.duration_min < before.duration_min and after.intensity == "easy"
    assert result.plan.validation.violations == []
    severe = adapt_plan(half_plan, half_profile, [Fatigue(severity=3)], day, rules)
    assert severe.changes[0].date == day and severe.changes[0].after is None  # rest today
    assert all(c.date <= day + dt.timedelta(days=1) for c in severe.changes)


def test_fatigue_on_a_rest_day_changes_nothing(half_plan: Plan, half_profile: Profile, rules: Rules) -> None:
    training = {s.date for w in half_plan.weeks for s in w.sessions if s.type not in ("commitment", "race")}
    rest = next(TODAY + dt.timedelta(days=n) for n in range(7) if TODAY + dt.timedelta(days=n) not in training)
    assert adapt_plan(half_plan, half_profile, [Fatigue(severity=2)], rest, rules).changes == []


def test_readiness_score_maps_to_severity(half_plan: Plan, half_profile: Profile, rules: Rules) -> None:
    fine = adapt_plan(half_plan, half_profile, [Fatigue(readiness=90)], TODAY, rules)
    assert fine.changes == []
    tired = adapt_plan(half_plan, half_profile, [Fatigue(readiness=30)], TODAY, rules)
    assert "severity 3" in tired.summary and tired.changes


def test_illness_clears_days_and_returns_gradually(
    half_plan: Plan, half_profile: Profile, rules: Rules
) -> None:
    event = Illness.model_validate({"from": "2025-03-12", "days": 3})
    result = adapt_plan(half_plan, half_profile, [event], TODAY, rules)
    _assert_window_only(half_plan, result)
    new = _by_date(result.plan)
    for offset in range(3):
        assert not new.get(TODAY + dt.timedelta(days=offset)), "no training (nor commitments) while ill"
    returning = [s for d in range(3, 6) for s in new.get(TODAY + dt.timedelta(days=d), [])]
    old = _by_date(half_plan)
    assert returning
    for s in returning:
        assert s.type == "easy"
        planned = max(x.duration_min for x in old[s.date])
        assert s.duration_min < planned
    assert any(b.reason.startswith("ill") for b in result.profile.blocked)


def test_injury_avoids_impact(half_plan: Plan, half_profile: Profile, rules: Rules) -> None:
    result = adapt_plan(half_plan, half_profile, [Injury(body_part="knee", avoid=["impact"])], TODAY, rules)
    _assert_window_only(half_plan, result)
    week = [
        s for d, ss in _by_date(result.plan).items() if TODAY <= d < TODAY + dt.timedelta(days=7) for s in ss
    ]
    assert not [s for s in week if s.sport == "run"]
    assert [s for s in week if s.sport == "ride" and s.type == "easy"]


def test_injury_no_intervals(half_plan: Plan, half_profile: Profile, rules: Rules) -> None:
    later = dt.date(2025, 4, 28)  # a build/peak week with quality sessions
    result = adapt_plan(
        half_plan, half_profile, [Injury(body_part="calf", avoid=["intervals"])], later, rules
    )
    assert result.changes
    injured = [c for c in result.changes if c.date < later + dt.timedelta(days=7)]
    assert injured and all(c.after is None or c.after.intensity != "hard" for c in injured)


def test_unavailable_days_are_emptied(half_plan: Plan, half_profile: Profile, rules: Rules) -> None:
    event = Unavailable.model_validate({"from": "2025-03-14", "to": "2025-03-16", "reason": "work trip"})
    result = adapt_plan(half_plan, half_profile, [event], TODAY, rules)
    _assert_window_only(half_plan, result)
    new = _by_date(result.plan)
    for offset in range(2, 5):
        assert not new.get(TODAY + dt.timedelta(days=offset))


def test_long_day_change(half_plan: Plan, half_profile: Profile, rules: Rules) -> None:
    """A permanent change: the next two weeks are edited, the weeks after them rebuilt for the new day."""
    result = adapt_plan(half_plan, half_profile, [LongDayChange(long_day="sat")], TODAY, rules)
    old, new = _by_date(half_plan), _by_date(result.plan)
    assert {d: v for d, v in old.items() if d < TODAY} == {d: v for d, v in new.items() if d < TODAY}
    longs = [s for d, ss in new.items() if d >= TODAY + dt.timedelta(days=2) for s in ss if s.type == "long"]
    assert len(longs) > 5 and all(s.date.weekday() == 5 for s in longs)
    assert [s.date for ss in new.values() for s in ss if s.type == "race"] == [half_profile.goal.date]
    assert all(c.date <= WINDOW_END for c in result.changes) and "rebuilt" in result.summary
    assert result.profile.availability.long_day == "sat"
    assert result.plan.validation.violations == []
    with pytest.raises(AdaptError):
        adapt_plan(half_plan, half_profile, [LongDayChange(long_day="mon")], TODAY, rules)


def test_fewer_days(half_plan: Plan, half_profile: Profile, rules: Rules) -> None:
    result = adapt_plan(
        half_plan, half_profile, [DaysChange(days=["tue", "sat", "sun"], athlete_asked=True)], TODAY, rules
    )
    old = _by_date(half_plan)
    assert {d: v for d, v in old.items() if d < TODAY} == {d: v for d, v in _by_date(result.plan).items() if d < TODAY}
    for d, ss in _by_date(result.plan).items():
        if d >= TODAY:  # the next two weeks edited, the weeks after them rebuilt: all on the new days
            assert all(
                s.type in ("commitment", "race") or s.date.strftime("%a").lower() in {"tue", "sat", "sun"} for s in ss
            ), d
    assert result.profile.availability.days == ["tue", "sat", "sun"]
    assert result.plan.validation.violations == []


def test_past_events_change_nothing_in_the_past(half_plan: Plan, half_profile: Profile, rules: Rules) -> None:
    event = Unavailable.model_validate({"from": "2025-03-01", "to": "2025-03-13"})
    result = adapt_plan(half_plan, half_profile, [event], TODAY, rules)
    _assert_window_only(half_plan, result)


def test_move_session_accepts_a_safe_move(ten_k_plan: Plan, ten_k_profile: Profile, rules: Rules) -> None:
    week = ten_k_plan.weeks[2]  # a base week: easy running only
    used = {s.date for s in week.sessions}
    free = next(
        week.start + dt.timedelta(days=i) for i in range(7) if week.start + dt.timedelta(days=i) not in used
    )
    easy = next(s for s in week.sessions if s.type == "easy")
    moved = move_session(ten_k_plan, ten_k_profile, rules, easy.date, free, today=week.start)
    assert moved.accepted, moved.refused_reason
    assert [c.after.date for c in moved.changes if c.after] == [free]
    assert moved.plan.validation.violations == []
    assert sum(len(w.sessions) for w in moved.plan.weeks) == sum(len(w.sessions) for w in ten_k_plan.weeks)


def test_move_session_refuses_with_a_reason(half_plan: Plan, half_profile: Profile, rules: Rules) -> None:
    past = move_session(
        half_plan, half_profile, rules, dt.date(2025, 3, 9), dt.date(2025, 3, 15), today=TODAY
    )
    assert not past.accepted and past.refused_reason and "in the past" in past.refused_reason
    assert past.plan is half_plan
    race_day = half_profile.goal.date
    assert race_day is not None
    after = move_session(half_plan, half_profile, rules, dt.date(2025, 3, 16), race_day + dt.timedelta(days=1), today=TODAY)
    assert not after.accepted and after.refused_reason and "after the race" in after.refused_reason
    nothing = move_session(half_plan, half_profile, rules, dt.date(2025, 3, 19), dt.date(2025, 3, 20), today=TODAY)
    assert not nothing.accepted and nothing.refused_reason and "no training session" in nothing.refused_reason


def test_a_day_the_athlete_names_becomes_available_once(half_plan: Plan, half_profile: Profile, rules: Rules) -> None:
    """'Put Tuesday's run on Friday instead': Friday is not a usual day, but the athlete just said it works."""
    sessions = {s.date: s for w in half_plan.weeks for s in w.sessions if s.type == "easy"}
    source = min(d for d in sessions if d >= TODAY + dt.timedelta(days=7))
    unusual = next(
        source + dt.timedelta(days=n) for n in range(1, 6)
        if (source + dt.timedelta(days=n)).strftime("%a").lower() not in half_profile.availability.days
        and not any(s.date == source + dt.timedelta(days=n) for w in half_plan.weeks for s in w.sessions)
    )
    result = move_session(half_plan, half_profile, rules, source, unusual, today=TODAY)
    assert result.accepted, result.refused_reason
    assert result.profile.available_dates == [unusual]
    assert [s.type for w in result.plan.weeks for s in w.sessions if s.date == unusual] == ["easy"]
    assert half_profile.available_dates == []  # the weekday itself stays unavailable


def test_swap_exchanges_both_sessions(half_plan: Plan, half_profile: Profile, rules: Rules) -> None:
    from coach.engine.adapt import swap_sessions

    week = next(w for w in half_plan.weeks if w.start > TODAY)
    easy = next(s for s in week.sessions if s.type == "easy")
    long = next(s for s in week.sessions if s.type == "long")
    result = swap_sessions(half_plan, half_profile, rules, easy.date, long.date, today=TODAY)
    if not result.accepted:  # only a limit may refuse it, and it says which
        assert result.refused_reason
        return
    after = {s.date: s.type for w in result.plan.weeks for s in w.sessions if s.type in ("easy", "long")}
    assert after[easy.date] == "long" and after[long.date] == "easy"
    empty = swap_sessions(half_plan, half_profile, rules, TODAY + dt.timedelta(days=400), TODAY, today=TODAY)
    assert not empty.accepted


def test_infeasible_plan_cannot_be_adapted(rules: Rules) -> None:
    profile = profile_of(HALF_MARATHON, start_date="2025-05-20")
    plan = build_plan(profile, rules)
    assert not plan.feasible
    with pytest.raises(AdaptError):
        adapt_plan(plan, profile, [Fatigue(severity=1)], TODAY, rules)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(
    profile=profiles(),
    offset=st.integers(0, 200),
    kind=st.sampled_from(["fatigue", "illness", "injury", "unavailable", "missed"]),
)
def test_any_adaptation_keeps_the_past_and_the_window(profile: Profile, offset: int, kind: str) -> None:
    rules = RULES
    try:
        plan = build_plan(profile, rules)
    except ProfileError:
        return
    if not plan.feasible:
        return
    last = (
        max(s.date for w in plan.weeks for s in w.sessions)
        if any(w.sessions for w in plan.weeks)
        else profile.start_date
    )
    today = min(profile.start_date + dt.timedelta(days=offset), last)
    events: dict[str, AdaptEvent] = {
        "fatigue": Fatigue(severity=2),
        "illness": Illness.model_validate({"from": today, "days": 4}),
        "injury": Injury(body_part="ankle", avoid=["run", "impact"]),
        "unavailable": Unavailable.model_validate(
            {"from": today + dt.timedelta(days=3), "to": today + dt.timedelta(days=5)}
        ),
        "missed": Missed(date=today - dt.timedelta(days=1)),
    }
    result = adapt_plan(plan, profile, [events[kind]], today, rules)
    window_end = today - dt.timedelta(days=today.weekday()) + dt.timedelta(days=13)
    old, new = _by_date(plan), _by_date(result.plan)
    for day in set(old) | set(new):
        if day < today or day > window_end:
            assert old.get(day, []) == new.get(day, [])
    in_window = [
        v
        for v in result.plan.validation.violations
        if v.date is not None
        and today + dt.timedelta(days=2) <= v.date <= window_end
        and v.rule_id
        not in ("ramp_rate", "acwr", "cutback_frequency", "taper", "easy_share", "rest_day", "peak_cap")
    ]
    assert in_window == []


def test_days_per_week(half_plan: Plan, half_profile: Profile, rules: Rules) -> None:
    result = adapt_plan(
        half_plan, half_profile, [DaysPerWeek(days_per_week=2, athlete_asked=True)], TODAY, rules
    )
    _assert_window_only(half_plan, result)
    next_week = [
        s
        for w in result.plan.weeks
        if w.start == dt.date(2025, 3, 17)
        for s in w.sessions
        if s.type != "commitment"
    ]
    assert len({s.date for s in next_week}) <= 2
    assert any(s.type == "long" for s in next_week)


def _week_volume(plan: Plan, monday: dt.date) -> int:
    return sum(s.duration_min for w in plan.weeks if w.start == monday for s in w.sessions if s.type not in ("commitment", "strength"))


@pytest.mark.parametrize("days", [6, 9, 14, 21, 28])
def test_a_break_that_costs_fitness_is_followed_by_a_return_then_the_plan_as_built(
    half_plan: Plan, half_profile: Profile, rules: Rules, days: int
) -> None:
    """Daniels' return (adapt.break_return_fractions): as many weeks as the break lost, at 50 % then 75 %
    of the weeks as built, the first part easy only; after it the plan stands as built and passes every limit.
    A break under two lost weeks (adapt.detrain_lost_weeks) has no return and leaves the weeks after it alone."""
    first = dt.date(2025, 3, 17)  # a Monday
    event = Unavailable.model_validate({"from": first, "to": first + dt.timedelta(days=days - 1), "athlete_asked": True})
    result = adapt_plan(half_plan, half_profile, [event], TODAY, rules)
    back = first + dt.timedelta(days=days)
    returns = {w.start: w.return_fraction for w in result.plan.weeks if w.return_fraction is not None}
    weeks_lost = days // 7
    if weeks_lost < rules.guardrails.adapt.detrain_lost_weeks:
        assert returns == {}
    else:
        assert list(returns) == [back + dt.timedelta(weeks=n) for n in range(weeks_lost)]
        assert sorted(returns.values()) == list(returns.values()) and set(returns.values()) == {0.5, 0.75}
        for monday, fraction in returns.items():
            assert _week_volume(result.plan, monday) <= fraction * _week_volume(half_plan, monday) + 1
        easy_part = [m for m, f in returns.items() if f == 0.5]
        assert all(s.intensity == "easy" for w in result.plan.weeks if w.start in easy_part for s in w.sessions
                   if s.sport == "run")
        back = back + dt.timedelta(weeks=weeks_lost)
    # the service's publishing pass repairs the whole plan (tools._publishable): a cutback may come due after the return
    end = max(w.start for w in half_plan.weeks) + dt.timedelta(days=6)
    published = fix_plan(result.plan, half_profile, rules, editable=(TODAY, end))
    limits = [v.rule_id for v in validate_plan(published, half_profile, rules) if not rules.guardrails.is_target(v.rule_id)]
    assert set(limits) <= {"commitment_kept"}  # the gym class falls in the break too
    repairs = [f for f in published.validation.fixes[len(result.plan.validation.fixes):] if f.date is not None and f.date >= back]
    cutbacks = {f.date for f in repairs if f.rule_id == "cutback_frequency"}
    assert {f.rule_id for f in repairs} <= {"cutback_frequency"}
    old, new = _by_date(half_plan), _by_date(published)
    assert {d: v for d, v in old.items() if d >= back and d not in cutbacks} == {
        d: v for d, v in new.items() if d >= back and d not in cutbacks}
    assert len(cutbacks) <= 4  # at most one week cut back


def test_a_return_week_over_its_fraction_is_judged_by_the_limits(half_plan: Plan, half_profile: Profile, rules: Rules) -> None:
    first = dt.date(2025, 3, 17)
    event = Unavailable.model_validate({"from": first, "to": first + dt.timedelta(days=13), "athlete_asked": True})
    plan = adapt_plan(half_plan, half_profile, [event], TODAY, rules).plan
    assert {v.rule_id for v in validate_plan(plan, half_profile, rules)} <= {"commitment_kept", "cutback_frequency"}  # the gym class is away too
    back = first + dt.timedelta(days=14)
    as_built = [s for w in half_plan.weeks if w.start == back for s in w.sessions]
    undone = plan.model_copy(update={"weeks": [w.model_copy(update={"sessions": as_built}) if w.start == back else w for w in plan.weeks]})
    assert {v.rule_id for v in validate_plan(undone, half_profile, rules)} & {"ramp_rate", "acwr"}
    assert not {v.rule_id for v in validate_plan(plan, half_profile, rules)} & {"ramp_rate", "acwr"}
