"""Race builds, continued (issues 16 and 17): hills in base, goal-pace work for 5K/10K,
B races, back-to-back long days, night and fuelling notes, open-water swims."""

from __future__ import annotations

import pytest

from coach.engine import build_plan, load_rules, validate_plan
from coach.engine.athlete import anchors_of
from coach.engine.models import Session
from coach.engine.workouts import STRIDES_LABEL, resized
from tests.engine.test_race_prep import SIX_DAYS, runner

RULES = load_rules()
HILLS = RULES.workouts.hills.label


def _has(session: Session, label: str) -> bool:
    return any(step.kind == "repeat" and step.label == label for step in session.steps)


@pytest.mark.parametrize(
    ("event", "km", "days"),
    [
        ("5k", 20, ["tue", "thu", "sun"]),
        ("10k", 45, ["tue", "thu", "sat", "sun"]),
        ("half_marathon", 30, SIX_DAYS),
        ("marathon", 90, SIX_DAYS),
    ],
)
def test_strides_and_hills_in_base_weeks_for_every_level(event: str, km: int, days: list[str]) -> None:
    """Issue 16 item 5: every race build's loading base weeks hold strides and hill repeats on
    easy runs (workouts.yaml ``hills``), and no other phase does."""
    profile = runner(event, km, 16, days=days, race_10k="0:50:00")
    plan = build_plan(profile, RULES)
    assert plan.feasible and validate_plan(plan, profile, RULES) == []
    base = [w for w in plan.weeks if w.phase == "base" and not w.cutback]
    assert base
    for week in base:
        assert sum(_has(s, STRIDES_LABEL) for s in week.sessions) == 1, week.index
        assert sum(_has(s, HILLS) for s in week.sessions) == 1, week.index
    for week in plan.weeks:
        hilly = [s for s in week.sessions if _has(s, HILLS)]
        assert all(s.type == "easy" and s.intensity == "easy" for s in hilly)
        if week.phase != "base" or week.cutback:
            assert not hilly, week.index
    cfg = RULES.workouts.hills
    block = next(st for w in base for s in w.sessions for st in s.steps if st.label == HILLS)
    assert block.repeat == cfg.reps and block.steps[0].duration_s == cfg.work_s
    assert block.steps[0].target is not None and block.steps[0].target.zone == cfg.zone


def test_a_lone_easy_run_alternates_strides_and_hills() -> None:
    plan = build_plan(runner("10k", 25, 12, days=["tue", "sun"], race_10k="0:55:00"), RULES)
    base = [w for w in plan.weeks if w.phase == "base" and not w.cutback]
    assert len(base) >= 2
    kinds = [(any(_has(s, STRIDES_LABEL) for s in w.sessions), any(_has(s, HILLS) for s in w.sessions)) for w in base]
    assert (True, False) in kinds and (False, True) in kinds


def test_hill_repeats_survive_a_resize() -> None:
    profile = runner("half_marathon", 40, 14)
    plan = build_plan(profile, RULES)
    anchors = anchors_of(profile, RULES)
    hilly = [s for w in plan.weeks for s in w.sessions if _has(s, HILLS)]
    assert hilly
    for s in hilly:
        again = resized(s, s.duration_min, anchors, RULES)
        assert again.steps == s.steps and again.description == s.description
        longer = resized(s, s.duration_min + 10, anchors, RULES)
        assert _has(longer, HILLS)
