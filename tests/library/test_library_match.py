"""The athlete's own workouts in the plan (seed 002): used by name where one fits the day's
purpose and minutes, progressed in small steps, re-validated; deterministic; no library, no change."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from coach.engine import build_plan, load_rules, validate_plan
from coach.engine.library_match import LibraryWorkout, apply_library, match_rules, seconds_of, used_workout
from coach.engine.models import Plan, Profile, Session, Step
from coach.engine.rules import Rules
from coach.library.model import Workout
from coach.library.store import save_workouts
from coach.library.use import refresh_active_plan
from coach.service.service import CoachService, Ctx
from coach.service.tools import CoachTools, DateInput
from coach.store import models as m
from coach.store import repo

PROFILE: dict[str, Any] = {
    "sport": "ride", "goal": {"event": "gran_fondo", "date": "2027-06-20"}, "start_date": "2027-03-01",
    "availability": {"days": ["tue", "thu", "sat", "sun"], "long_day": "sun"},
    "history": {"weekly_hours": [6, 6, 7, 6], "ftp_w": 250},
}


def _t(low: float, high: float, zone: str) -> dict[str, Any]:
    return {"unit": "pct_ftp", "low": low, "high": high, "zone": zone}


def _steps(warm_s: int, reps: int, on_s: int, off_s: int, cool_s: int) -> list[Step]:
    return [Step.model_validate(s) for s in [
        {"kind": "warmup", "duration_s": warm_s, "target": _t(50, 65, "Z1")},
        {"kind": "repeat", "repeat": reps, "steps": [
            {"kind": "main", "duration_s": on_s, "target": _t(96, 102, "Z4")},
            {"kind": "recovery", "duration_s": off_s, "target": _t(50, 55, "Z1")}]},
        {"kind": "cooldown", "duration_s": cool_s, "target": _t(50, 50, "Z1")},
    ]]


TUESDAY = LibraryWorkout(key="zwo:tuesday", name="Tuesday 5×8 min", sport="ride", purpose="threshold",
                         steps=_steps(900, 5, 480, 240, 600), seen=4)


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules()


def _profile(**availability: Any) -> Profile:
    return Profile.model_validate({**PROFILE, "availability": {**PROFILE["availability"], **availability}})


def _sessions(plan: Plan, kind: str) -> list[Session]:
    return [s for w in plan.weeks for s in w.sessions if s.type == kind]


def _limits(plan: Plan, profile: Profile, rules: Rules) -> set[tuple[str, int | None, dt.date | None]]:
    return {(v.rule_id, v.week, v.date) for v in validate_plan(plan, profile, rules) if not rules.guardrails.is_target(v.rule_id)}


def test_next_threshold_session_uses_the_athletes_workout_by_name(rules: Rules) -> None:
    profile = _profile()
    plan = build_plan(profile, rules)
    first = _sessions(plan, "threshold")[0]
    start = first.date - dt.timedelta(days=first.date.weekday())  # the Monday of that week: it is "next week"
    result = apply_library(plan, profile, [TUESDAY], rules, start=start)
    used = next(s for s in _sessions(result.plan, "threshold") if s.date == first.date)
    assert used.description.startswith("Your 'Tuesday 5×8 min' workout")
    assert used_workout(used) is not None and "Tuesday 5×8 min" in (used_workout(used) or "")
    # the steps are the athlete's: warm-up, the repeat's targets and structure from the library
    assert [s.kind for s in used.steps] == ["warmup", "repeat", "cooldown"]
    assert used.steps[1].steps[0].target == TUESDAY.steps[1].steps[0].target
    assert used.steps[0] == TUESDAY.steps[0]
    assert used.duration_min == round((seconds_of(used.steps) or 0) / 60)
    assert abs(used.duration_min - first.duration_min) <= first.duration_min * 0.15
    assert used.intervals_icu and used.intervals_icu != first.intervals_icu
    use = result.uses[0]
    assert (use.date, use.name, use.key) == (first.date, "Tuesday 5×8 min", "zwo:tuesday")
    assert use.text.startswith("your 'Tuesday 5×8 min' workout, ")
    week = next(w for w in result.plan.weeks if w.start <= first.date <= w.start + dt.timedelta(days=6))
    assert any("Tuesday 5×8 min" in note for note in week.notes)
    assert week.planned_minutes == sum(s.duration_min for s in week.sessions)
    # nothing before the start date changes
    assert [w for w in result.plan.weeks if w.start < start] == [w for w in plan.weeks if w.start < start]


def test_progression_is_small_and_within_the_guardrails(rules: Rules) -> None:
    profile = _profile()
    plan = build_plan(profile, rules)
    mr = match_rules()
    short = TUESDAY.model_copy(update={"key": "zwo:short", "name": "Short 4×8", "steps": _steps(900, 4, 480, 240, 600)})
    result = apply_library(plan, profile, [short], rules, start=plan.meta.start_date)
    used = [s for s in _sessions(result.plan, "threshold") if used_workout(s)]
    assert len(used) >= 3 and len(result.uses) == len(used)
    assert any(u.changes for u in result.uses)  # it did progress
    previous = short.steps
    for session, use in zip(used, result.uses, strict=True):
        assert len(use.changes) <= 1
        now, before = session.steps[1], previous[1]
        assert abs(now.repeat - before.repeat) <= mr.rep_step
        for a, b in zip(now.steps, before.steps, strict=True):
            assert abs((a.duration_s or 0) - (b.duration_s or 0)) <= (b.duration_s or 0) * 0.1 + mr.round_s
        assert abs(now.repeat - short.steps[1].repeat) <= mr.max_rep_change
        assert abs(session.duration_min * 60 - (seconds_of(session.steps) or 0)) <= 30
        previous = session.steps
    assert "→" in "".join(c for u in result.uses for c in u.changes)
    assert not _limits(result.plan, profile, rules) - _limits(plan, profile, rules)


def test_same_inputs_same_plan_and_no_library_no_change(rules: Rules) -> None:
    profile = _profile()
    plan = build_plan(profile, rules)
    other = LibraryWorkout(key="icu:9", name="Sweet spot 3×12", sport="ride", purpose="tempo", steps=_steps(900, 3, 720, 300, 600))
    one = apply_library(plan, profile, [TUESDAY, other], rules, start=plan.meta.start_date)
    two = apply_library(plan, profile, [other, TUESDAY], rules, start=plan.meta.start_date)
    assert one.model_dump(mode="json") == two.model_dump(mode="json")
    assert apply_library(plan, profile, [], rules, start=plan.meta.start_date).plan == plan
    running = TUESDAY.model_copy(update={"sport": "run"})  # nothing of the plan's sport: unchanged
    assert apply_library(plan, profile, [running], rules, start=plan.meta.start_date).plan == plan


def test_a_workout_that_would_break_a_limit_is_not_used(rules: Rules) -> None:
    profile = _profile(max_minutes={"tue": 75})
    plan = build_plan(profile, rules)
    tuesdays = [s for s in _sessions(plan, "threshold") if s.date.weekday() == 1]
    assert tuesdays
    target = tuesdays[0].duration_min
    assert target <= 75
    # ~10 % longer than planned; two reps (none to drop) and short work: every small step still goes past the cap
    total_min = 75 + 4 if target == 75 else round(target * 1.1)
    long_warm = LibraryWorkout(key="zwo:long-warm", name="Long warm-up 2×5", sport="ride", purpose="threshold",
                               steps=_steps((total_min - 20 - 10) * 60, 2, 300, 300, 600))
    assert (seconds_of(long_warm.steps) or 0) > 75 * 60
    result = apply_library(plan, profile, [long_warm], rules, start=plan.meta.start_date)
    for before in tuesdays:
        after = next(s for s in _sessions(result.plan, "threshold") if s.date == before.date)
        if abs(total_min - before.duration_min) <= before.duration_min * 0.15:
            assert after == before  # the engine's session stayed
    assert any(k.date == tuesdays[0].date and "day_minutes_cap" in k.rule_ids and k.name == "Long warm-up 2×5" for k in result.kept)
    assert not _limits(result.plan, profile, rules) - _limits(plan, profile, rules)


async def test_import_refreshes_the_plan_and_why_names_the_workout(service: CoachService) -> None:
    profile = _profile()
    await service.add_athlete("rae", profile)
    async with service.db.transaction() as s:
        athlete = await repo.athlete_by_name(s, "rae")
        assert athlete is not None
        plan = repo.plan_doc(await repo.active_plan_row(s, athlete.id))  # type: ignore[arg-type]
        first = _sessions(plan, "threshold")[0]
        mine = Workout(key=TUESDAY.key, name=TUESDAY.name, sport="ride", purpose="threshold", source="zwo", steps=TUESDAY.steps)
        await save_workouts(s, athlete.id, [mine])
        today = first.date - dt.timedelta(days=3)
        uses = await refresh_active_plan(s, athlete, service.rules, today)
        assert uses and uses[0].date == first.date and uses[0].name == "Tuesday 5×8 min"
        assert await refresh_active_plan(s, athlete, service.rules, today) == []  # applied again: nothing new to save
        row = await repo.active_plan_row(s, athlete.id)
        assert row is not None and row.source == "library" and "Tuesday 5×8 min" in row.reason
        stored = next(x for x in _sessions(repo.plan_doc(row), "threshold") if x.date == first.date)
        assert stored.steps[1].steps[0].target == TUESDAY.steps[1].steps[0].target
        why = await CoachTools(service, Ctx(s, athlete, today)).explain_session(DateInput(date=first.date))
        assert any("your 'Tuesday 5×8 min' workout" in r for r in why.reasons)
        rows = (await s.execute(m.Plan.__table__.select().where(m.Plan.athlete_id == athlete.id))).all()
        assert len(rows) == 2


async def test_an_adaptation_keeps_the_athletes_workouts_in_the_weeks_it_rebuilds(service: CoachService) -> None:
    """Regression: new training days rebuild the weeks after the re-planning window from the
    engine's own sessions; the library used to be lost there until the next import."""
    from coach.engine.adapt import DaysChange, adapt_plan
    from coach.service.tools import DaysInput

    profile = _profile()
    await service.add_athlete("rae", profile)
    async with service.db.transaction() as s:
        athlete = await repo.athlete_by_name(s, "rae")
        assert athlete is not None
        mine = Workout(key=TUESDAY.key, name=TUESDAY.name, sport="ride", purpose="threshold", source="zwo", steps=TUESDAY.steps)
        await save_workouts(s, athlete.id, [mine])
        today = profile.start_date
        assert await refresh_active_plan(s, athlete, service.rules, today)
        before = repo.plan_doc(await repo.active_plan_row(s, athlete.id))  # type: ignore[arg-type]
        # The engine alone: the rebuilt weeks hold its own threshold sessions, not hers.
        event = DaysChange(days=["wed", "thu", "sat", "sun"], long_day="sun", athlete_asked=True)
        engine_only = adapt_plan(before, profile, [event], today, service.rules).plan
        rebuilt_from = today + dt.timedelta(days=14)
        assert not [x for x in _sessions(engine_only, "threshold") if x.date >= rebuilt_from and used_workout(x)]

        out = await CoachTools(service, Ctx(s, athlete, today)).change_days(DaysInput(days=["wed", "thu", "sat", "sun"], long_day="sun"))
        assert out.accepted
        after = repo.plan_doc(await repo.active_plan_row(s, athlete.id))  # type: ignore[arg-type]
    rebuilt = [x for x in _sessions(after, "threshold") if x.date >= rebuilt_from]
    assert rebuilt and any(used_workout(x) for x in rebuilt)
    assert all(x.date.weekday() != 1 for w in after.weeks for x in w.sessions if x.date >= today)  # no Tuesday left
    assert not _limits(after, Profile.model_validate(athlete.profile), service.rules)


RUNNER: dict[str, Any] = {
    "sport": "run", "goal": {"event": "10k", "date": "2027-02-21"}, "start_date": "2026-11-23",
    "availability": {"days": ["tue", "thu", "sat", "sun"], "long_day": "sun"},
    "history": {"weekly_km": [25, 25, 25, 25], "longest_km": 12, "recent_race": {"distance_km": 10, "time": "50:00"}},
}


def test_a_workout_written_in_km_is_timed_at_the_athletes_pace_and_stays_in_km(rules: Rules) -> None:
    """Regression: a library run defined by distance ("5 × 1 km, 400 m jog") had no duration and was skipped."""
    from coach.engine.athlete import anchors_of

    profile = Profile.model_validate(RUNNER)
    plan = build_plan(profile, rules)
    track = LibraryWorkout(key="icu:track", name="Track 5×1 km", sport="run", purpose="intervals", steps=[
        Step.model_validate(s) for s in [
            {"kind": "warmup", "duration_s": 900},
            {"kind": "repeat", "repeat": 5, "steps": [{"kind": "main", "distance_m": 1000}, {"kind": "recovery", "distance_m": 400}]},
            {"kind": "cooldown", "duration_s": 600},
        ]])
    assert seconds_of(track.steps) is None  # no duration of its own
    result = apply_library(plan, profile, [track], rules, start=plan.meta.start_date)
    assert result.uses and all(u.name == "Track 5×1 km" for u in result.uses)
    first = result.uses[0]
    used = next(s for w in result.plan.weeks for s in w.sessions if s.date == first.date and s.type == "intervals")
    # Timed with her Daniels paces (VDOT from the 50:00 10 km): 1 km reps at I pace, the 400 m jogs at E pace.
    anchors = anchors_of(profile, rules)
    i_pace, e_pace = anchors.pace("I"), anchors.pace("E")
    assert i_pace is not None and e_pace is not None
    reps = used.steps[1].repeat
    expected_s = 900 + 600 + reps * (1000 * sum(i_pace) / 2 / 1000 + 400 * sum(e_pace) / 2 / 1000)
    assert abs(used.duration_min - expected_s / 60) <= 1
    # The watch gets kilometres, as she wrote it: the reps stay distance steps.
    assert used.steps[1].steps[0].distance_m == 1000 and used.steps[1].steps[0].duration_s is None
    assert "- 1km" in used.intervals_icu and "- 0.4km" in used.intervals_icu
    assert not _limits(result.plan, profile, rules) - _limits(plan, profile, rules)
    # A distance the engine can't time (a ride by km, no ride speed known) is left out, never guessed.
    by_km = LibraryWorkout(key="icu:ride", name="40 km", sport="ride", purpose="threshold",
                           steps=[Step.model_validate({"kind": "main", "distance_m": 40000})])
    ride_profile = _profile()
    ride_plan = build_plan(ride_profile, rules)
    assert apply_library(ride_plan, ride_profile, [by_km], rules, start=ride_plan.meta.start_date).uses == []
