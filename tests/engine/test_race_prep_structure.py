"""Race builds, continued (issues 16 and 17): hills in base, goal-pace work for 5K/10K,
B races, back-to-back long days, night and fuelling notes, open-water swims."""

from __future__ import annotations

import pytest

from coach.engine import build_plan, load_rules, validate_plan
from coach.engine.athlete import anchors_of
from coach.engine.models import Session, Step
from coach.engine.workouts import GOAL_PACE_LABEL, STRIDES_LABEL, resized
from tests.engine.test_race_prep import SIX_DAYS, runner
from tests.engine.test_reference_plans import goal_pace_minutes

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


# --------------------------------------------------------------------------- 5K/10K goal pace (issue 16 item 4)


def _paced_repeats(session: Session) -> list[Step]:
    return [st for st in session.steps if st.kind == "repeat" and st.steps and st.steps[0].label == GOAL_PACE_LABEL]


@pytest.mark.parametrize(("event", "kind", "target"), [("5k", "intervals", "0:23:00"), ("10k", "threshold", "0:48:00")])
def test_5k_and_10k_repeats_run_at_the_goal_pace_in_build_and_peak(event: str, kind: str, target: str) -> None:
    profile = runner(event, 45, 10, race_10k="0:50:00", target=target)
    plan = build_plan(profile, RULES)
    assert plan.feasible and validate_plan(plan, profile, RULES) == []
    distance = RULES.event(profile.goal.event).distance_km
    assert distance is not None
    pace = (int(target[2:4]) * 60) / distance
    paced = [s for w in plan.weeks if w.phase in ("build", "peak") for s in w.sessions if _paced_repeats(s)]
    assert paced and {s.type for s in paced} == {kind}
    template = RULES.workouts.template("run", "intervals" if kind == "intervals" else "threshold")
    assert template is not None
    for s in paced:
        work = _paced_repeats(s)[0].steps[0]
        assert work.target is not None and work.target.low <= pace <= work.target.high
        assert work.target.zone == template.work_zone
    # the race-pace work grows through the build, within the rules' cap
    rule = RULES.prep.events[profile.goal.event].goal_pace
    assert rule is not None
    cap = rule.max_min
    minutes = [goal_pace_minutes(s.steps) for s in paced]
    assert max(minutes) > minutes[0] and max(minutes) <= cap
    assert any("target pace" in n for n in plan.notes)


def test_a_slower_10k_target_gives_an_easier_plan_and_says_so() -> None:
    fit = build_plan(runner("10k", 45, 10, race_10k="0:50:00", target="0:49:00"), RULES)
    slow = build_plan(runner("10k", 45, 10, race_10k="0:50:00", target="0:58:00"), RULES)
    assert any("slower than" in n and "easier plan" in n for n in slow.notes)
    assert sum(w.planned_minutes for w in slow.weeks) < sum(w.planned_minutes for w in fit.weeks)
    hard = ("threshold", "intervals", "tempo")
    assert max(sum(s.type in hard for s in w.sessions) for w in slow.weeks) == 1


def test_an_out_of_reach_5k_target_is_named_with_the_predicted_time() -> None:
    plan = build_plan(runner("5k", 45, 10, race_10k="0:50:00", target="0:20:00"), RULES)
    note = next(n for n in plan.notes if "out of reach" in n)
    assert "predicts 0:24:06" in note  # VDOT 40 (a 50:00 10K), Daniels & Gilbert
    work = [r.steps[0] for w in plan.weeks for s in w.sessions for r in _paced_repeats(s)]
    assert work and all(st.target is not None and st.target.low > 20 * 60 / 5 for st in work)


def test_race_pace_repeats_survive_a_resize() -> None:
    profile = runner("5k", 45, 10, race_10k="0:50:00", target="0:23:00")
    plan = build_plan(profile, RULES)
    anchors = anchors_of(profile, RULES)
    paced = [s for w in plan.weeks for s in w.sessions if _paced_repeats(s)]
    assert paced
    for s in paced:
        again = resized(s, s.duration_min, anchors, RULES)
        assert again.steps == s.steps and again.description == s.description


# --------------------------------------------------------------------------- long-ride notes (issue 17)


def test_brevet_weeks_say_fuelling_night_riding_and_back_to_back_where_they_matter() -> None:
    from tests.engine.test_race_prep import rider

    profile = rider("brevet_600", 8, 24, 300)
    plan = build_plan(profile, RULES)
    assert plan.feasible and validate_plan(plan, profile, RULES) == []
    rules = {n.note: n for n in RULES.prep.long_session_notes if "brevet_600" in n.events}
    assert {n.note[:5] for n in rules.values()} == {"Fuell", "Night", "Back-"}
    seen: set[str] = set()
    for week in plan.weeks:
        ride = max((s.duration_min for s in week.sessions if s.type == "long" and s.sport == "ride"), default=0)
        for note, rule in rules.items():
            expected = ride >= rule.from_min and week.phase != "race"
            assert (note in week.notes) == expected, (week.index, ride, note[:20])
            if expected:
                seen.add(note)
    assert seen == set(rules)  # the build reaches every threshold
    # a 200 km brevet rides in daylight; a run plan gets none of these notes
    short = build_plan(rider("brevet_200", 6.5, 16, 240), RULES)
    assert not any(n.startswith(("Night riding", "Back-to-back")) for w in short.weeks for n in w.notes)
    assert any(n.startswith("Fuelling") for w in short.weeks for n in w.notes)
    run = build_plan(runner("marathon", 60, 16), RULES)
    assert not any(n.startswith(("Fuelling", "Night riding")) for w in run.weeks for n in w.notes)
