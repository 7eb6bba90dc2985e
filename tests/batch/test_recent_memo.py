"""The weekly batch reads its athletes' recent activities, check-ins and reviewing coach once per
chunk (``repo.preload_recent``) instead of five queries per athlete: the composed week is the same
as when every step queries (self-grading from logged runs, adherence, readiness, the review queue)."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlalchemy import event, select

from coach.engine.models import Profile
from coach.service import coaching, schedule
from coach.service.service import CoachService
from coach.store import models as m
from coach.store import repo
from coach.store.db import Database
from tests.batch.conftest import NEXT_WEEK, Clock

PROFILE = Profile.model_validate(
    {
        "sport": "run",
        "goal": {"event": "half_marathon", "date": "2027-03-21"},
        "start_date": "2026-10-05",
        "availability": {"days": ["tue", "thu", "sat", "sun"], "long_day": "sun"},
        "history": {"weekly_km": [25, 25, 25, 25], "longest_km": 12},
    }
)
TABLES = ("activities", "checkins", "coach_links")


@contextlib.contextmanager
def reads(db: Database) -> Iterator[dict[str, int]]:
    """SELECTs from each of ``TABLES``."""
    seen = dict.fromkeys(TABLES, 0)

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            for table in TABLES:
                if f"FROM {table}" in statement:
                    seen[table] += 1

    event.listen(db.engine.sync_engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", before)


async def athlete_with_a_history(db: Database, service: CoachService, name: str, today: dt.date) -> None:
    """Eight weeks of runs logged 15 % longer than planned (self-grading corrects that), check-ins
    last week and the week before, and a coach who reviews the athlete's weeks."""
    await service.add_athlete(name, PROFILE, service.build_plan(PROFILE))
    async with db.transaction() as s:
        athlete = (await s.execute(select(m.Athlete).where(m.Athlete.name == name))).scalar_one()
        athlete.telegram_chat_id = 1000 + athlete.id
        row = await repo.active_plan_row(s, athlete.id)
        assert row is not None
        for session in repo.sessions_between(row, PROFILE.start_date, today - dt.timedelta(days=1)):
            s.add(
                m.Activity(
                    athlete_id=athlete.id,
                    fingerprint=f"{name}:{session.id}",
                    source="log",
                    sport="run",
                    start_time=dt.datetime.combine(session.date, dt.time(7)),
                    elapsed_s=session.duration_min * 69,
                    moving_s=session.duration_min * 69,
                    distance_km=(session.distance_km or 5) * 1.15,
                    details={},
                )
            )
        for day in (16, 18, 23, 25, 27):  # the first two the week before: not last week's readiness
            s.add(
                m.CheckIn(
                    athlete_id=athlete.id,
                    date=dt.date(2026, 11, day),
                    readiness=60 + day,
                    readiness_color="green",
                    reasons=[],
                )
            )
        coach = m.Coach(name=f"coach of {name}")
        s.add(coach)
        await s.flush()
        await coaching.link(s, coach, athlete, -500 - athlete.id, requires_review=True)


async def compose(
    db: Database, name: str, today: dt.date, rules: Any, *, preload: bool
) -> tuple[schedule.Due, list[str], dict[str, int]]:
    with reads(db) as seen:
        async with db.transaction() as s:
            athlete = (await s.execute(select(m.Athlete).where(m.Athlete.name == name))).scalar_one()
            with repo.recent_memo(s):
                if preload:
                    since = today - dt.timedelta(days=60)
                    await repo.preload_recent(
                        s,
                        [athlete.id],
                        activities_since=dt.datetime.combine(since, dt.time()),
                        checkins_since=since,
                    )
                due = await schedule.compose_week(s, athlete, NEXT_WEEK, today, rules)
            reasons = list(
                (
                    await s.execute(
                        select(m.Plan.reason).where(m.Plan.athlete_id == athlete.id).order_by(m.Plan.version)
                    )
                ).scalars()
            )
    return due, reasons, seen


async def test_a_preloaded_chunk_composes_the_same_week_with_one_read_of_each_table(
    db: Database, sunday: Clock
) -> None:
    service = CoachService(db, sunday)
    today = sunday.at.date()
    for name in ("memo", "plain"):
        await athlete_with_a_history(db, service, name, today)
    memo, memo_reasons, memo_reads = await compose(db, "memo", today, service.rules, preload=True)
    plain, plain_reasons, plain_reads = await compose(db, "plain", today, service.rules, preload=False)

    assert memo.kind == plain.kind == "review"
    assert memo.reply.text.replace("memo", "plain") == plain.reply.text
    assert (
        "sessions done" in memo.reply.text
        and "Readiness averaged 85/100 over 3 check-in(s)." in memo.reply.text
    )
    assert memo_reasons == plain_reasons and len(memo_reasons) >= 2  # self-grading saved the same correction
    assert (memo.chat_id, plain.chat_id) == (-501, -502)  # each to their own coach's group
    assert memo_reads == dict.fromkeys(TABLES, 1)
    assert plain_reads["activities"] >= 3 and plain_reads["checkins"] >= 1 and plain_reads["coach_links"] >= 1
