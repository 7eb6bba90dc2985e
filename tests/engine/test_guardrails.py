"""One test per guardrail: a hand-broken plan yields exactly that rule id, and the fix removes it.

Each case starts from a clean plan, breaks one rule (by editing the plan, the profile it is
judged against, or one number of the rules), checks that ``validate_plan`` reports that rule
id and no other, then checks that ``fix_plan`` repairs the plan to zero violations and
records a Fix for it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from coach.engine import Rules, build_plan, fix_plan, validate_plan
from coach.engine.models import Blocked, Plan, Profile, Session
from coach.engine.validate import waivers_of

from .conftest import BREVET, TRIATHLON, profile_of

Case = tuple[Plan, Profile, Rules]


def _sessions(plan: Plan) -> list[Session]:
    return [s for w in plan.weeks for s in w.sessions]


def _replace_session(plan: Plan, old: Session, new: Session | None, week_index: int | None = None) -> Plan:
    weeks = []
    for w in plan.weeks:
        sessions = [s for s in w.sessions if s is not old]
        if new is not None and (
            w.index == week_index if week_index is not None else any(s is old for s in w.sessions)
        ):
            sessions.append(new)
        weeks.append(w.model_copy(update={"sessions": sessions}))
    return plan.model_copy(update={"weeks": weeks})


def _section(rules: Rules, section: str, **changes: Any) -> Rules:
    g = rules.guardrails
    return rules.updated(
        guardrails=g.model_copy(update={section: getattr(g, section).model_copy(update=changes)})
    )


def _event(rules: Rules, name: str, **changes: Any) -> Rules:
    events = dict(rules.events.events)
    events[name] = events[name].model_copy(update=changes)  # type: ignore[index]
    return rules.updated(events=rules.events.model_copy(update={"events": events}))


def _easy(plan: Plan, week: int) -> Session:
    return next(s for s in plan.weeks[week - 1].sessions if s.type == "easy")


def _free_day(plan: Plan, week: int, profile: Profile) -> dt.date:
    w = plan.weeks[week - 1]
    used = {s.date for s in w.sessions}
    for offset in range(7):
        day = w.start + dt.timedelta(days=offset)
        near = {day - dt.timedelta(days=1), day + dt.timedelta(days=1)}
        hard_near = any(s.date in near and s.intensity == "hard" for s in w.sessions)
        if (
            day not in used
            and not hard_near
            and ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][day.weekday()] in profile.availability.days
        ):
            return day
    raise AssertionError("no free day")


# --------------------------------------------------------------------------- cases


def case_week_structure(plan: Plan, profile: Profile, rules: Rules) -> Case:
    s = _easy(plan, 3)
    day = _free_day(plan, 4, profile)
    return _replace_session(plan, s, s.model_copy(update={"date": day}), week_index=3), profile, rules


def case_outside_plan_window(plan: Plan, profile: Profile, rules: Rules) -> Case:
    first = plan.weeks[0]
    s = next(x for x in first.sessions if x.type == "easy")
    before = first.start  # Monday, before start_date (a Wednesday)
    assert before < profile.start_date
    return _replace_session(plan, s, s.model_copy(update={"date": before})), profile, rules


def case_blocked_date(plan: Plan, profile: Profile, rules: Rules) -> Case:
    s = _easy(plan, 3)
    blocked = Blocked.model_validate({"from": s.date, "to": s.date, "reason": "wedding"})
    return plan, profile.model_copy(update={"blocked": [blocked]}), rules


def case_unavailable_day(plan: Plan, profile: Profile, rules: Rules) -> Case:
    s = _easy(plan, 3)
    weekday = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][s.date.weekday()]
    days = [d for d in profile.availability.days if d != weekday]
    availability = profile.availability.model_copy(update={"days": days})
    return plan, profile.model_copy(update={"availability": availability}), rules


def case_day_minutes_cap(plan: Plan, profile: Profile, rules: Rules) -> Case:
    s = _easy(plan, 3)
    weekday = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][s.date.weekday()]
    availability = profile.availability.model_copy(update={"max_minutes": {weekday: s.duration_min - 5}})
    return plan, profile.model_copy(update={"availability": availability}), rules


def case_sessions_per_day(plan: Plan, profile: Profile, rules: Rules) -> Case:
    easy = [s for s in plan.weeks[2].sessions if s.type == "easy"]
    doubled = _replace_session(plan, easy[1], easy[1].model_copy(update={"date": easy[0].date}))
    return doubled, profile, _section(rules, "week", max_sessions_per_day=1)


def case_hard_after_hard(plan: Plan, profile: Profile, rules: Rules) -> Case:
    sessions = sorted(plan.weeks[5].sessions, key=lambda s: s.date)
    hard = next(s for s in sessions if s.intensity == "hard")
    nxt = next(s for s in sessions if s.date == hard.date + dt.timedelta(days=1) and s.type == "easy")
    return _replace_session(plan, nxt, nxt.model_copy(update={"intensity": "hard"})), profile, rules


def case_rest_day(plan: Plan, profile: Profile, rules: Rules) -> Case:
    return plan, profile, _section(rules, "week", min_rest_days=4)


def case_long_run_share(plan: Plan, profile: Profile, rules: Rules) -> Case:
    share = rules.guardrails.long_run_share
    return (
        plan,
        profile,
        _section(rules, "long_run_share", default_max=0.2, by_run_days=dict.fromkeys(share.by_run_days, 0.2)),
    )


def case_long_session_cap(plan: Plan, profile: Profile, rules: Rules) -> Case:
    return plan, profile, _event(rules, "10k", long_session_max_min={"run": 30.0})


def case_ramp_rate(plan: Plan, profile: Profile, rules: Rules) -> Case:
    return (
        plan,
        profile,
        _section(rules, "volume", ramp_max_pct=1.0, ramp_min_step_min=0.0, start_floor_min=0.0),
    )


def case_acwr(plan: Plan, profile: Profile, rules: Rules) -> Case:
    return plan, profile, _section(rules, "acwr", max_ratio=1.01)


def case_peak_cap(plan: Plan, profile: Profile, rules: Rules) -> Case:
    volume = rules.event("10k").volume.model_copy(update={"peak_cap_weekly_min": 100.0})
    return plan, profile, _event(rules, "10k", volume=volume)


def case_cutback_frequency(plan: Plan, profile: Profile, rules: Rules) -> Case:
    return plan, profile, _section(rules, "cutback", every_weeks=2)


def case_taper(plan: Plan, profile: Profile, rules: Rules) -> Case:
    return (
        plan,
        profile,
        _section(rules, "taper", volume_fraction_by_weeks_out=[0.2, 0.2, 0.2], tolerance_pct=0.0),
    )


def case_easy_share(plan: Plan, profile: Profile, rules: Rules) -> Case:
    return plan, profile, _section(rules, "week", easy_share_min=0.98)


def case_commitment_kept(plan: Plan, profile: Profile, rules: Rules) -> Case:
    weekday = "fri"
    commitment = {"day": weekday, "sport": "other", "minutes": 30, "name": "Yoga", "intensity": "easy"}
    with_commitment = profile_of(profile.model_dump(mode="json", by_alias=True), commitments=[commitment])
    built = build_plan(with_commitment, rules)
    yoga = next(s for s in built.weeks[3].sessions if s.type == "commitment")
    return _replace_session(built, yoga, None), with_commitment, rules


def case_race_day(plan: Plan, profile: Profile, rules: Rules) -> Case:
    race = next(s for s in _sessions(plan) if s.type == "race")
    return _replace_session(plan, race, None), profile, rules


RUN_CASES: dict[str, Callable[[Plan, Profile, Rules], Case]] = {
    "week_structure": case_week_structure,
    "outside_plan_window": case_outside_plan_window,
    "blocked_date": case_blocked_date,
    "unavailable_day": case_unavailable_day,
    "day_minutes_cap": case_day_minutes_cap,
    "sessions_per_day": case_sessions_per_day,
    "hard_after_hard": case_hard_after_hard,
    "rest_day": case_rest_day,
    "long_run_share": case_long_run_share,
    "long_session_cap": case_long_session_cap,
    "ramp_rate": case_ramp_rate,
    "acwr": case_acwr,
    "peak_cap": case_peak_cap,
    "cutback_frequency": case_cutback_frequency,
    "taper": case_taper,
    "easy_share": case_easy_share,
    "commitment_kept": case_commitment_kept,
    "race_day": case_race_day,
}


def _check(rule: str, plan: Plan, profile: Profile, rules: Rules) -> None:
    violations = validate_plan(plan, profile, rules)
    assert violations, f"{rule}: nothing detected"
    assert {v.rule_id for v in violations} == {rule}
    assert all(v.message for v in violations)
    fixed = fix_plan(plan, profile, rules)
    assert validate_plan(fixed, profile, rules) == []
    assert fixed.validation.violations == []
    assert rule in {f.rule_id for f in fixed.validation.fixes}


@pytest.mark.parametrize("rule", sorted(RUN_CASES))
def test_run_guardrail(rule: str, ten_k_plan: Plan, ten_k_profile: Profile, rules: Rules) -> None:
    assert ten_k_plan.feasible and validate_plan(ten_k_plan, ten_k_profile, rules) == []
    _check(rule, *RUN_CASES[rule](ten_k_plan, ten_k_profile, rules))


@pytest.fixture(scope="module")
def tri_case(rules: Rules) -> tuple[Plan, Profile]:
    profile = profile_of(TRIATHLON)
    plan = build_plan(profile, rules)
    assert plan.feasible and validate_plan(plan, profile, rules) == []
    return plan, profile


def test_pool_closure(tri_case: tuple[Plan, Profile], rules: Rules) -> None:
    plan, _ = tri_case
    swim = next(s for s in plan.weeks[2].sessions if s.sport == "swim")
    weekday = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][swim.date.weekday()]
    closures = [{"facility": "pool", "days": ["tue", "thu", weekday]}]
    _check("pool_closure", plan, profile_of(TRIATHLON, closures=closures), rules)


def test_pool_swim_duration(tri_case: tuple[Plan, Profile], rules: Rules) -> None:
    plan, profile = tri_case
    _check("pool_swim_duration", plan, profile, _section(rules, "calendar", pool_swim_max_min=30))


def test_long_ride_weekend(rules: Rules) -> None:
    profile = profile_of(BREVET)
    plan = build_plan(profile, rules)
    assert validate_plan(plan, profile, rules) == []
    _check("long_ride_weekend", plan, profile, _section(rules, "calendar", weekday_ride_max_min=45))


def test_coach_waiver_exempts_and_is_recorded(ten_k_plan: Plan, ten_k_profile: Profile, rules: Rules) -> None:
    plan, profile, _ = case_hard_after_hard(ten_k_plan, ten_k_profile, rules)
    assert {v.rule_id for v in validate_plan(plan, profile, rules)} == {"hard_after_hard"}
    waived = [
        s.model_copy(update={"waived": ["hard_after_hard"]}) if s.intensity == "hard" else s
        for s in plan.weeks[5].sessions
    ]
    weeks = [w if w.index != 6 else w.model_copy(update={"sessions": waived}) for w in plan.weeks]
    plan = plan.model_copy(update={"weeks": weeks})
    assert validate_plan(plan, profile, rules) == []
    waivers = waivers_of(plan, profile, rules)
    assert [w.rule_id for w in waivers] == ["hard_after_hard"] and waivers[0].by == "coach"
    assert fix_plan(plan, profile, rules).validation.waivers == waivers
