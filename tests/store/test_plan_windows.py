"""Reading a window of the active plan (a day, a few weeks, the week of a date) gives the same
documents as making the whole plan's document and picking from it, for runners, riders and
triathletes, a plan with estimated run distances, days before, inside and after the plan, within
``plan_memo`` too, and after a change in the same transaction."""

from __future__ import annotations

import contextlib
import datetime as dt

from coach.clock import FixedClock
from coach.engine.models import Plan, Profile, Session, Week
from coach.service.render import current_week
from coach.service.service import CoachService
from coach.store import repo
from coach.store.db import Database
from tests.batch.conftest import PROFILE as ESTIMATED  # no race result: run distances are estimates
from tests.engine.test_reference_plans import ATHLETES, RUNNERS, START, athlete_profile, runner_profile


def _between(plan: Plan, first: dt.date, last: dt.date) -> list[Session]:
    return sorted(
        (s for w in plan.weeks for s in w.sessions if first <= s.date <= last), key=lambda s: s.date
    )


def _days(plan: Plan) -> list[dt.date]:
    first, last = plan.weeks[0].start, plan.weeks[-1].start + dt.timedelta(days=6)
    return [
        first - dt.timedelta(days=3),
        first,
        first + dt.timedelta(days=9),
        last - dt.timedelta(days=2),
        last,
        last + dt.timedelta(days=1),
    ]


async def _check(db: Database, athlete_id: int, *, memo: bool) -> int:
    compared = 0
    async with db.transaction() as s:
        with repo.plan_memo(s) if memo else contextlib.nullcontext():
            row = await repo.active_plan_row(s, athlete_id)
            assert row is not None
            whole = repo.plan_doc(row)
            for day in _days(whole):
                has_plan, week = await repo.active_week_doc(s, athlete_id, day)
                assert has_plan and week == current_week(whole, day), day
                for last in (day, day + dt.timedelta(days=20)):
                    window = await repo.active_session_docs_between(s, athlete_id, day, last)
                    assert window == _between(whole, day, last), (day, last)
                    compared += len(window or [])
    return compared


async def test_windows_equal_the_whole_plans_documents(db: Database) -> None:
    service = CoachService(db, FixedClock(START))
    profiles: list[Profile] = [runner_profile(RUNNERS[0]), runner_profile(RUNNERS[-1]), ESTIMATED]
    profiles += [athlete_profile(row) for row in ATHLETES[:3]]
    compared = 0
    estimated = False
    for i, profile in enumerate(profiles):
        plan = service.build_plan(profile)
        assert plan.weeks, profile.goal.event
        await service.add_athlete(f"a{i}", profile, plan)
        async with db.transaction() as s:
            athlete = await repo.athlete_by_name(s, f"a{i}")
            assert athlete is not None
            athlete_id = athlete.id
        compared += await _check(db, athlete_id, memo=False)
        compared += await _check(db, athlete_id, memo=True)
        estimated = estimated or any(s.distance_estimated for w in plan.weeks for s in w.sessions)
    assert compared > 100 and estimated


async def test_without_a_plan_there_is_no_window(db: Database) -> None:
    async with db.transaction() as s:
        assert await repo.active_session_docs_between(s, 10_000, START, START) is None
        assert await repo.active_week_doc(s, 10_000, START) == (False, None)


async def test_a_change_in_the_same_transaction_is_in_the_window(db: Database) -> None:
    service = CoachService(db, FixedClock(START))
    plan = service.build_plan(ESTIMATED)
    await service.add_athlete("ann", ESTIMATED, plan)
    async with db.transaction() as s:
        athlete = await repo.athlete_by_name(s, "ann")
        assert athlete is not None
        row = await repo.active_plan_row(s, athlete.id)
        assert row is not None
        first = row.weeks[0].sessions[0]
        first.status = "done"  # not flushed yet
        day = first.date
        window = await repo.active_session_docs_between(s, athlete.id, day, day)
        assert window is not None and "done" in [x.status for x in window if x.sport == first.sport]
        _, week = await repo.active_week_doc(s, athlete.id, day)
        assert isinstance(week, Week) and "done" in [x.status for x in week.sessions]
