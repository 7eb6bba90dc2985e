"""The bot's schedule runs the batch per time zone, from the indexed next-due time."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from coach.batch.due import next_due, run_due
from coach.store import models as m
from coach.store.db import Database
from coach.store.models_batch import WeeklyDue
from tests.batch.conftest import Clock, add_athletes


def test_next_due_is_sunday_noon_local_until_the_preview_has_gone() -> None:
    saturday = dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.UTC)
    assert next_due("UTC+10:00", saturday) == dt.datetime(2026, 11, 29, 2, 0)
    assert next_due("UTC-05:00", saturday) == dt.datetime(2026, 11, 29, 17, 0)
    sunday_evening = dt.datetime(2026, 11, 29, 18, 30, tzinfo=dt.UTC)
    assert next_due("UTC", sunday_evening) == dt.datetime(2026, 12, 6, 12, 0)
    assert next_due("UTC", dt.datetime(2026, 11, 29, 15, 0, tzinfo=dt.UTC)) == dt.datetime(2026, 11, 29, 12, 0)  # due at once


async def test_each_zone_runs_at_its_own_sunday_noon_once(db: Database) -> None:
    clock = Clock(dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.UTC))
    service = await add_athletes(db, clock, ["syd", "nyc"])
    async with db.transaction() as s:
        for name, tz in (("syd", "UTC+10:00"), ("nyc", "UTC-05:00")):
            (await s.execute(select(m.Athlete).where(m.Athlete.name == name))).scalar_one().time_zone = tz
    assert await run_due(db, rules=service.rules, clock=clock) == 0  # Saturday: nobody yet
    clock.at = dt.datetime(2026, 11, 29, 2, 5, tzinfo=dt.UTC)  # Sunday 12:05 in Sydney's offset
    assert await run_due(db, rules=service.rules, clock=clock) == 1
    assert await run_due(db, rules=service.rules, clock=clock) == 0  # moved on to next week
    clock.at = dt.datetime(2026, 11, 29, 17, 1, tzinfo=dt.UTC)  # Sunday 12:01 in New York's offset
    assert await run_due(db, rules=service.rules, clock=clock) == 1
    async with db.transaction() as s:
        keys = sorted((await s.execute(select(m.OutboxMessage.key))).scalars())
        due = {r.athlete_id: r.next_due_at for r in (await s.execute(select(WeeklyDue))).scalars()}
    assert keys == ["weekly:1:2026-11-30", "weekly:2:2026-11-30"]
    assert due == {1: dt.datetime(2026, 12, 6, 2, 0), 2: dt.datetime(2026, 12, 6, 17, 0)}
