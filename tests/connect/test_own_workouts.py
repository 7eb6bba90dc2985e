"""The athlete's own dated workouts in Intervals.icu (seed 001 "work around existing workouts"):
pulled from the loopback fake, they become commitments of that date; the day's training makes
room, the week's load is not doubled, the validator re-checks the plan, and the sync says so."""

from __future__ import annotations

import datetime as dt

from coach.connect.intervals import IntervalsEvent
from coach.connect.sync import own_workout_of
from coach.engine.models import Plan, Session
from coach.engine.own_workouts import OwnWorkout, is_own, plan_around
from coach.engine.planner import build_plan
from coach.engine.rules import load_rules
from coach.service.service import CoachService
from coach.store import repo
from tests.connect import test_intervals_sync as base
from tests.connect.test_intervals_sync import PROFILE, TODAY, connect_ann, say
from tests.fakes.intervals_server import FakeIntervals

RULES = load_rules()
# The Intervals.icu tests' fixtures: the loopback fake, its config, the coach with Ann and her plan.
icu, sleeps, config, coach = base.icu, base.sleeps, base.config, base.coach


async def active_plan(service: CoachService) -> tuple[Plan, int]:
    async with service.db.transaction() as s:
        athlete = await repo.athlete_by_name(s, "ann")
        assert athlete is not None
        row = await repo.active_plan_row(s, athlete.id)
        assert row is not None
        return repo.plan_doc(row), row.version


def week_of(plan: Plan, day: dt.date) -> list[Session]:
    return next(w for w in plan.weeks if w.start <= day <= w.start + dt.timedelta(days=6)).sessions


async def test_a_dated_own_workout_becomes_that_days_commitment(
    coach: CoachService, icu: FakeIntervals
) -> None:
    before, _ = await active_plan(coach)
    # Next week's first easy run (not key): her gym class (45 min at IF 0.75) takes its place.
    day = next(
        s.date
        for w in before.weeks
        for s in w.sessions
        if s.date > TODAY + dt.timedelta(days=5) and s.type == "easy" and not s.key and s.status == "planned"
    )
    own = icu.add_event(
        "i100",
        category="WORKOUT",
        type="WeightTraining",
        name="Gym HIIT class",
        start_date_local=f"{day}T07:00:00",
        moving_time=2700,
        icu_intensity=75.0,
    )
    await connect_ann(coach)
    reply = await say(coach, "/sync pull")

    after, version = await active_plan(coach)
    on_day = [s for s in week_of(after, day) if s.date == day]
    [mine] = [s for s in on_day if is_own(s)]
    assert (
        mine.type == "commitment"
        and mine.sport == "strength"
        and mine.intensity == "moderate"
        and mine.duration_min == 45
    )
    assert [s for s in on_day if s.type != "commitment"] == []  # the day's training made room
    # The week's load is not doubled: her workout weighs more than the easy run it replaced, and the
    # difference came off the week's other easy running (no more load than the week was planned with).
    assert "so the week's load is not doubled" in reply
    assert sum(s.load for s in week_of(after, day)) <= sum(s.load for s in week_of(before, day)) + 0.5
    # Re-checked by the validator: no limit broken.
    assert [v for v in after.validation.violations if not RULES.guardrails.is_target(v.rule_id)] == []
    assert "Gym HIIT class" in reply and "that day's training" in reply and "Plan:" in reply

    # Pulled again: nothing changes (no new plan version), and nothing of hers is pushed back.
    reply = await say(coach, "/sync")
    assert (await active_plan(coach))[1] == version
    assert not any(
        e["start_date_local"][:10] == day.isoformat() and e.get("external_id") for e in icu.events_of("i100")
    )
    assert next(e for e in icu.events_of("i100") if e["id"] == own["id"])["name"] == "Gym HIIT class"

    # Deleted from her calendar: out of the plan again.
    del icu.athletes["i100"].events[own["id"]]
    reply = await say(coach, "/sync pull")
    assert "no longer in your calendar" in reply
    final, _ = await active_plan(coach)
    assert not any(is_own(s) for w in final.weeks for s in w.sessions)


def test_a_key_session_moves_and_the_extra_load_comes_off_easy_running() -> None:
    profile = PROFILE.model_copy(update={"start_date": TODAY})
    plan = build_plan(profile, RULES)
    long_run = next(
        s
        for w in plan.weeks
        for s in w.sessions
        if s.type == "long" and s.date > TODAY + dt.timedelta(days=1)
    )
    ride = OwnWorkout(date=long_run.date, sport="ride", minutes=150, name="Club ride", intensity="moderate")
    out = plan_around(
        plan, profile, [ride], RULES, today=TODAY, until=plan.weeks[-1].start + dt.timedelta(days=6)
    )
    assert out.changed
    week = week_of(out.plan, long_run.date)
    assert not [s for s in week if s.date == long_run.date and s.type != "commitment"]
    moved = [s for s in week if s.type == "long"]
    assert [s.date for s in moved] != [long_run.date] and (not moved or moved[0].date > TODAY)
    assert any("Club ride" in n for n in out.notes)
    assert sum(s.load for s in week) <= sum(s.load for s in week_of(plan, long_run.date)) + 0.5 or any(
        "shortened" in n for n in out.notes
    )
    # The same workouts again: nothing to do.
    again = plan_around(
        out.plan, profile, [ride], RULES, today=TODAY, until=long_run.date + dt.timedelta(days=60)
    )
    assert not again.changed


def test_the_events_intensity_comes_from_its_if_or_its_load() -> None:
    def event(**fields: object) -> IntervalsEvent:
        return IntervalsEvent.model_validate(
            {"id": 1, "start_date_local": "2026-12-01T07:00:00", "type": "Ride", "name": "Ride", **fields}
        )

    assert own_workout_of(event(moving_time=3600, icu_intensity=60.0), RULES).intensity == "easy"
    # 1 h at 72 TSS: IF = sqrt(72 / 100) = 0.85 -> hard.
    assert own_workout_of(event(moving_time=3600, icu_training_load=72.0), RULES).intensity == "hard"
    assert own_workout_of(event(moving_time=3600), RULES).intensity == "moderate"
    assert own_workout_of(event(), RULES) is None  # no duration: nothing to plan around
