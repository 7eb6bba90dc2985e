"""A standing per-weekday time limit ("from now on Thursday runs can't go past 50 min"): the profile
keeps it, every coming session on that weekday fits it, nothing else moves, and lifting it rebuilds
the weeks after the next two."""

from __future__ import annotations

import datetime as dt
import functools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coach.engine import WeekdayCapEvent, adapt_plan, build_plan, load_rules
from coach.engine.models import WEEKDAYS, Plan, Profile, Session
from coach.engine.rules import Rules
from coach.engine.validate import is_training, validate_plan

from .conftest import HALF_MARATHON, profile_of

TODAY = dt.date(2025, 3, 12)  # a Wednesday in week 6 of the half-marathon plan (Tue/Thu/Sat/Sun, long Sunday)


def _training_minutes(plan: Plan, weekday: str, since: dt.date) -> dict[dt.date, int]:
    out: dict[dt.date, int] = {}
    for w in plan.weeks:
        for s in w.sessions:
            if s.date >= since and WEEKDAYS[s.date.weekday()] == weekday and is_training(s) and s.type != "race":
                out[s.date] = out.get(s.date, 0) + s.duration_min
    return out


def _sessions(plan: Plan) -> list[Session]:
    return [s for w in plan.weeks for s in w.sessions]


def test_every_coming_thursday_fits_the_limit_and_the_profile_keeps_it(half_plan: Plan, half_profile: Profile, rules: Rules) -> None:
    before = _training_minutes(half_plan, "thu", TODAY)
    assert max(before.values()) > 40  # the limit bites
    result = adapt_plan(half_plan, half_profile, [WeekdayCapEvent(days=["thu"], minutes=40, athlete_asked=True)], TODAY, rules)
    after = _training_minutes(result.plan, "thu", TODAY)
    assert after and all(m <= 40 for m in after.values())
    assert {d for d, m in before.items() if m > 40} <= {d for d in after}  # shortened, not dropped (40 min is a session)
    assert result.profile.availability.max_minutes == {**half_profile.availability.max_minutes, "thu": 40}
    assert "At most 40 min on Thursdays from now on." in result.summary
    assert [v for v in validate_plan(result.plan, result.profile, rules) if v.rule_id == "day_cap"] == []
    old = {(s.date, s.sport, s.type, s.duration_min) for s in _sessions(half_plan) if s.date < TODAY}
    assert old == {(s.date, s.sport, s.type, s.duration_min) for s in _sessions(result.plan) if s.date < TODAY}
    # the shortened Thursdays keep their kind of session
    kinds = {s.date: s.type for s in _sessions(half_plan) if s.date >= TODAY and s.date.weekday() == 3 and is_training(s)}
    assert all(kinds[s.date] == s.type for s in _sessions(result.plan) if s.date in kinds and is_training(s))


def test_a_capped_long_day_keeps_its_long_session_and_says_another_day_could_hold_it(
    half_plan: Plan, half_profile: Profile, rules: Rules
) -> None:
    result = adapt_plan(half_plan, half_profile, [WeekdayCapEvent(days=["sun"], minutes=60, athlete_asked=True)], TODAY, rules)
    longs = [s for s in _sessions(result.plan) if s.type == "long" and s.date >= TODAY]
    assert longs and all(s.duration_min <= 60 and s.date.weekday() == 6 for s in longs)
    assert result.profile.availability.long_day == "sun"
    assert "make another day the long day" in result.summary


def test_a_limit_that_does_not_bite_changes_no_session(half_plan: Plan, half_profile: Profile, rules: Rules) -> None:
    result = adapt_plan(half_plan, half_profile, [WeekdayCapEvent(days=["thu"], minutes=600, athlete_asked=True)], TODAY, rules)
    assert result.changes == [] and result.plan.weeks == half_plan.weeks
    assert result.profile.availability.max_minutes["thu"] == 600


def test_a_limit_on_a_day_off_is_kept_and_said(half_plan: Plan, half_profile: Profile, rules: Rules) -> None:
    result = adapt_plan(half_plan, half_profile, [WeekdayCapEvent(days=["mon"], minutes=30, athlete_asked=True)], TODAY, rules)
    assert result.plan.weeks == half_plan.weeks and result.profile.availability.max_minutes["mon"] == 30
    assert "No training is planned on Mondays now." in result.summary


def test_lifting_the_limit_rebuilds_the_later_weeks_without_it(half_plan: Plan, half_profile: Profile, rules: Rules) -> None:
    capped = adapt_plan(half_plan, half_profile, [WeekdayCapEvent(days=["thu"], minutes=30, athlete_asked=True)], TODAY, rules)
    lifted = adapt_plan(capped.plan, capped.profile, [WeekdayCapEvent(days=["thu"], minutes=None, athlete_asked=True)], TODAY, rules)
    assert "thu" not in lifted.profile.availability.max_minutes and lifted.profile.availability.max_minutes["tue"] == 60
    assert "No time limit on Thursdays any more." in lifted.summary
    later = TODAY + dt.timedelta(days=30)
    assert max(_training_minutes(lifted.plan, "thu", later).values()) > 30  # the rebuilt weeks use Thursdays in full again
    again = adapt_plan(lifted.plan, lifted.profile, [WeekdayCapEvent(days=["thu"], minutes=None, athlete_asked=True)], TODAY, rules)
    assert again.plan.weeks == lifted.plan.weeks and "nothing to lift" in again.summary


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(
    weekday=st.sampled_from(["tue", "thu", "sat", "sun"]),
    minutes=st.integers(20, 150),
    offset=st.integers(0, 90),
)
def test_a_weekday_limit_holds_on_every_coming_day_and_touches_no_other_weekday_later(
    weekday: str, minutes: int, offset: int
) -> None:
    rules, profile, plan = _half()
    today = profile.start_date + dt.timedelta(days=offset)
    result = adapt_plan(plan, profile, [WeekdayCapEvent(days=[weekday], minutes=minutes, athlete_asked=True)], today, rules)
    assert all(m <= minutes for m in _training_minutes(result.plan, weekday, today).values())
    far = today + dt.timedelta(days=21)  # past the re-planned window: only the capped weekday may differ
    old = {(s.date, s.type, s.duration_min) for s in _sessions(plan) if s.date >= far and WEEKDAYS[s.date.weekday()] != weekday}
    new = {(s.date, s.type, s.duration_min) for s in _sessions(result.plan) if s.date >= far and WEEKDAYS[s.date.weekday()] != weekday}
    assert old == new
    assert sum(s.duration_min for s in _sessions(result.plan) if s.date >= today) <= sum(
        s.duration_min for s in _sessions(plan) if s.date >= today
    )  # a limit never adds training


@functools.cache
def _half() -> tuple[Rules, Profile, Plan]:
    rules = load_rules()
    profile = profile_of(HALF_MARATHON)
    return rules, profile, build_plan(profile, rules)
