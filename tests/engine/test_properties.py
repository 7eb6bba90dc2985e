"""Property tests over random valid profiles (hypothesis).

Every feasible plan passes ``validate_plan`` with zero violations; the same input gives the
same JSON byte for byte; sessions fall only on available, non-blocked days inside the plan.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings

from coach.engine import ProfileError, Rules, build_plan, load_rules, validate_plan
from coach.engine.models import WEEKDAYS, Plan, Profile, Step

from .strategies import profiles

RULES: Rules = load_rules()
SETTINGS = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
SMALL = settings(SETTINGS, max_examples=40)


def _build(profile: Profile) -> Plan | None:
    try:
        return build_plan(profile, RULES)
    except ProfileError:
        return None


@SETTINGS
@given(profiles())
def test_feasible_plans_have_no_violations(profile: Profile) -> None:
    plan = _build(profile)
    if plan is None:
        return
    if not plan.feasible:
        assert plan.weeks == [] and plan.reason
        return
    assert validate_plan(plan, profile, RULES) == []
    assert plan.validation.violations == []
    assert 1 <= len(plan.weeks) <= RULES.guardrails.plan.max_weeks
    assert plan.meta.rules_version == RULES.version


@SMALL
@given(profiles())
def test_same_input_same_json(profile: Profile) -> None:
    first = _build(profile)
    again = _build(Profile.model_validate_json(profile.model_dump_json(by_alias=True)))
    if first is None or again is None:
        assert first is again
        return
    assert first.model_dump_json(indent=2) == again.model_dump_json(indent=2)


@SMALL
@given(profiles())
def test_sessions_only_on_free_days_inside_the_plan(profile: Profile) -> None:
    plan = _build(profile)
    if plan is None or not plan.feasible:
        return
    blocked = [(b.from_, b.to) for b in profile.blocked]
    end = profile.goal.date
    for week in plan.weeks:
        assert week.start.weekday() == 0
        for s in week.sessions:
            assert s.date >= profile.start_date
            if end is not None:
                assert s.date <= end
            assert week.start <= s.date <= week.start + dt.timedelta(days=6)
            assert not any(a <= s.date <= b for a, b in blocked)
            if s.type not in ("commitment", "race"):
                assert WEEKDAYS[s.date.weekday()] in profile.availability.days
                cap = profile.availability.max_minutes.get(WEEKDAYS[s.date.weekday()])
                if cap is not None:
                    assert s.duration_min <= cap
            if s.type != "commitment":
                assert s.steps, "every planned session is a structured workout"
                assert (
                    sum(_seconds(step) for step in s.steps) == s.duration_min * 60
                    or s.sport == "strength"
                    or s.type == "race"
                )
                assert s.intervals_icu
            if s.type == "race":
                assert s.date == end


def _seconds(step: Step) -> int:
    if step.kind == "repeat":
        return step.repeat * sum(_seconds(child) for child in step.steps)
    return int(step.duration_s or 0)
