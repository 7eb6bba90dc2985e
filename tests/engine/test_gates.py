"""KPI gates hold a phase back on failing data, release it on passing data, and wait without data."""

from __future__ import annotations

import datetime as dt

import pytest

from coach.engine import build_plan, load_rules, validate_plan
from coach.engine.gates import evaluate_gates, hold_for_gates
from coach.engine.models import Plan, Profile

RULES = load_rules()
PROFILE = Profile.model_validate({
    "sport": "ride", "goal": {"event": "brevet_300", "date": "2027-06-12"}, "start_date": "2026-11-23",
    "availability": {"days": ["tue", "thu", "sat", "sun"], "long_day": "sat"},
    "history": {"weekly_hours": [6, 6, 6, 6], "longest_minutes": 240, "ftp_w": 240},
})
PLAN = build_plan(PROFILE, RULES)


def first_build_week(plan: Plan) -> int:
    return next(i for i, w in enumerate(plan.weeks) if w.phase == "build" and plan.weeks[i - 1].phase == "base")


@pytest.fixture
def eve() -> dt.date:
    i = first_build_week(PLAN)
    return PLAN.weeks[i].start - dt.timedelta(days=1)


def test_failing_decoupling_holds_the_week_in_base(eve: dt.date) -> None:
    held = hold_for_gates(PLAN, PROFILE, RULES, {"pa_hr_decoupling_pct": 7.5, "durability_index": 1.02}, eve)
    i = first_build_week(PLAN)
    week = held.plan.weeks[i]
    assert held.accepted and week.phase == "base"
    assert not any(s.type in ("tempo", "threshold", "intervals") for s in week.sessions)
    assert any("pa_hr_decoupling_pct 7.5" in note for note in week.notes)
    assert held.changes and all(c.rule_ids == ["kpi_gate"] for c in held.changes)
    assert [w.model_dump() for w in held.plan.weeks[:i]] == [w.model_dump() for w in PLAN.weeks[:i]]
    assert validate_plan(held.plan, PROFILE, RULES) == []


def test_passing_data_releases_the_phase(eve: dt.date) -> None:
    released = hold_for_gates(PLAN, PROFILE, RULES, {"pa_hr_decoupling_pct": 3.1, "durability_index": 1.04}, eve)
    assert released.plan == PLAN and not released.changes and "met" in released.summary


def test_without_data_the_calendar_decides_and_says_so(eve: dt.date) -> None:
    result = hold_for_gates(PLAN, PROFILE, RULES, {}, eve)
    assert result.plan == PLAN and "not measured yet" in result.summary
    assert all(r.passed is None for r in evaluate_gates(PROFILE, RULES, {}, "base_to_build"))


def test_gates_come_from_the_rules_file(eve: dt.date) -> None:
    """Loosen the Pa:Hr gate in a copy of the rules and the same data passes."""
    brevet = RULES.kpi.profiles["brevet"]
    loose = [g.model_copy(update={"high": 10.0}) if g.kpi == "pa_hr_decoupling_pct" else g for g in brevet.gates]
    rules = RULES.updated(kpi=RULES.kpi.model_copy(update={"profiles": {**RULES.kpi.profiles, "brevet": brevet.model_copy(update={"gates": loose})}}))
    result = hold_for_gates(PLAN, PROFILE, rules, {"pa_hr_decoupling_pct": 7.5, "durability_index": 1.02}, eve)
    assert not result.changes


def test_a_failing_durability_index_alone_holds_the_week(eve: dt.date) -> None:
    """Seed 002's DI ≥ 1.00 is a gate of its own for brevets (issue 17 item 1): passing Pa:Hr
    does not release the build when the long rides' power fades after the work."""
    held = hold_for_gates(PLAN, PROFILE, RULES, {"pa_hr_decoupling_pct": 3.1, "durability_index": 0.94}, eve)
    week = held.plan.weeks[first_build_week(PLAN)]
    assert held.accepted and week.phase == "base" and held.changes
    assert any("durability_index 0.94" in note for note in week.notes)
    assert "pa_hr_decoupling_pct" not in held.summary


@pytest.mark.parametrize("event", ["brevet_200", "brevet_600", "gran_fondo"])
def test_long_ride_builds_name_durability_and_decoupling_where_build_starts(event: str) -> None:
    """Every brevet and gran fondo build is gated by seed 002's brevet profile, and the first
    build week says what releases it: DI and Pa:Hr on a 90-120 min Z2 ride."""
    assert RULES.events.events[event].kpi_profile == "brevet"
    profile = PROFILE.model_copy(update={"goal": PROFILE.goal.model_copy(update={"event": event})})
    plan = build_plan(profile, RULES)
    assert plan.feasible, plan.reason
    week = plan.weeks[first_build_week(plan)]
    said = [n for n in week.notes if n.startswith("Move to build when:")]
    assert len(said) == 1 and "DI ≥ 1.00" in said[0] and "Pa:Hr ≤ 5 %" in said[0]
    gates = RULES.kpi.profiles["brevet"].gates
    mandatory = {g.kpi for g in gates if g.mandatory and g.transition == "base_to_build"}
    assert mandatory == {"durability_index", "pa_hr_decoupling_pct"}
