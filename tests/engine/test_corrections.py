"""Self-grading corrections: next two weeks only, clamped, recorded, within the guardrails."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from coach.engine import build_plan, load_rules, validate_plan
from coach.engine.corrections import MAX_CORRECTION, apply_corrections
from coach.engine.models import Profile

RULES = load_rules()
PROFILE = Profile.model_validate({
    "sport": "run", "goal": {"event": "half_marathon", "date": "2027-03-28"}, "start_date": "2026-11-23",
    "availability": {"days": ["tue", "thu", "sat", "sun"], "long_day": "sun"},
    "history": {"weekly_km": [30, 30, 30, 30], "longest_km": 15},
})
PLAN = build_plan(PROFILE, RULES)
TODAY = dt.date(2027, 1, 18)  # a Monday in the plateau before the peak (weeks at the ramp limit leave no room)


def by_date(plan: object) -> dict[dt.date, list[object]]:
    out: dict[dt.date, list[object]] = {}
    for week in plan.weeks:  # type: ignore[attr-defined]
        for s in week.sessions:
            out.setdefault(s.date, []).append(s)
    return out


def test_easy_runs_done_longer_are_prescribed_longer_in_the_window_only() -> None:
    adaptation = apply_corrections(PLAN, PROFILE, RULES, {"easy": 1.08}, TODAY, samples={"easy": 6})
    assert adaptation.accepted and adaptation.changes
    for change in adaptation.changes:
        assert change.after is not None and change.before is not None
        assert change.rule_ids == ["self_grading"] and change.values["samples"] == 6
        assert TODAY + dt.timedelta(days=2) <= change.date <= TODAY + dt.timedelta(days=13)
        assert change.after.duration_min > change.before.duration_min
        assert change.after.type == "easy"
    before, after = by_date(PLAN), by_date(adaptation.plan)
    for day in before:
        if not TODAY + dt.timedelta(days=2) <= day <= TODAY + dt.timedelta(days=13):
            assert before[day] == after.get(day), day
    assert validate_plan(adaptation.plan, PROFILE, RULES) == []
    assert "Corrected" in adaptation.summary


@settings(max_examples=30, deadline=None, derandomize=True)
@given(factor=st.floats(min_value=0.5, max_value=1.5), kind=st.sampled_from(["easy", "long", "tempo"]))
def test_any_correction_is_clamped_and_never_breaks_a_guardrail(factor: float, kind: str) -> None:
    adaptation = apply_corrections(PLAN, PROFILE, RULES, {kind: factor}, TODAY)
    if adaptation.accepted:
        assert validate_plan(adaptation.plan, PROFILE, RULES) == []
    for change in adaptation.changes:
        assert change.before is not None and change.after is not None
        ratio = change.after.duration_min / change.before.duration_min
        assert 1 - MAX_CORRECTION - 0.1 <= ratio <= 1 + MAX_CORRECTION + 0.1  # 5-minute rounding slack
