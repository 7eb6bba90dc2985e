"""Scheduled sends across both DST transitions, with the bot down across a scheduled time and
restarted twice: one send within the grace time, else none; never two (coach/service/schedule.py).

The tick runs every 15 minutes of a simulated day (the real bot ticks every minute), alternating
between three service instances on one database (a restart is a new process: nothing of the
schedule lives in memory)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from coach.engine.models import Profile
from coach.service.service import CoachService
from coach.store import models as m
from coach.store.db import Database

LONDON = ZoneInfo("Europe/London")
PROFILE = Profile.model_validate({
    "sport": "run", "goal": {"event": "half_marathon", "date": "2027-05-02"}, "start_date": "2026-11-23",
    "availability": {"days": ["tue", "thu", "sat", "sun"], "long_day": "sun"},
    "history": {"weekly_km": [25, 25, 25, 25], "longest_km": 12},
})


@dataclass
class Clock:
    at: dt.datetime

    def now(self) -> dt.datetime:
        return self.at

    def today(self, time_zone: str = "UTC") -> dt.date:
        return self.at.astimezone(ZoneInfo(time_zone) if time_zone != "UTC" else dt.UTC).date()


async def rows(db: Database) -> list[tuple[str, dt.datetime]]:
    async with db.transaction() as s:
        return [(r.key, r.due_at) for r in (await s.execute(select(m.OutboxMessage).order_by(m.OutboxMessage.id))).scalars()]


async def run_day(db: Database, clock: Clock, day: dt.date, *, down: tuple[dt.time, dt.time] | None = None) -> None:
    """Tick every 15 minutes of ``day`` in London (the UTC instants in between, so a DST day has
    23 or 25 hours of ticks), skipping ``down``; a restart (a new service) at 03:00 and 12:00."""
    services = [CoachService(db, clock) for _ in range(3)]
    start = dt.datetime.combine(day, dt.time(0, 0), tzinfo=LONDON).astimezone(dt.UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 0), tzinfo=LONDON).astimezone(dt.UTC)
    at = start
    while at < end:
        local = at.astimezone(LONDON).time()
        if down is None or not down[0] <= local < down[1]:
            clock.at = at
            service = services[0 if local < dt.time(3) else 1 if local < dt.time(12) else 2]
            await service.tick()
        at += dt.timedelta(minutes=15)


@pytest.fixture
async def ann(db: Database) -> Clock:
    clock = Clock(dt.datetime(2026, 10, 1, 12, 0, tzinfo=dt.UTC))
    service = CoachService(db, clock)
    await service.add_athlete("ann", PROFILE)
    async with db.transaction() as s:
        athlete = (await s.execute(select(m.Athlete))).scalar_one()
        athlete.time_zone, athlete.telegram_chat_id = "Europe/London", 99
    return clock


@pytest.mark.parametrize(("day", "utc_hour"), [
    (dt.date(2026, 10, 25), 7),  # clocks go back at 02:00 BST: 07:00 is GMT, 07:00 UTC (a 25-hour day)
    (dt.date(2027, 3, 28), 6),  # clocks go forward at 01:00 GMT: 07:00 is BST, 06:00 UTC (a 23-hour day)
])
async def test_one_morning_check_in_at_seven_local_and_one_sunday_preview_on_both_dst_days_across_restarts(
    db: Database, ann: Clock, day: dt.date, utc_hour: int
) -> None:
    await run_day(db, ann, day)
    checkins = [(key, due) for key, due in await rows(db) if key.startswith("checkin:")]
    assert checkins == [(f"checkin:1:{day.isoformat()}", dt.datetime.combine(day, dt.time(utc_hour, 0)))]
    if day == dt.date(2027, 3, 28):  # a Sunday inside the plan: the preview goes once, at 18:00 BST
        weekly = [(key, due) for key, due in await rows(db) if key.startswith("weekly:")]
        assert weekly == [("weekly:1:2027-03-29", dt.datetime(2027, 3, 28, 17, 0))]


async def test_down_across_seven_then_back_within_the_grace_time_sends_once_late(db: Database, ann: Clock) -> None:
    await run_day(db, ann, dt.date(2027, 3, 30), down=(dt.time(6, 30), dt.time(9, 30)))
    assert [(k, d) for k, d in await rows(db) if k.startswith("checkin:")] == [("checkin:1:2027-03-30", dt.datetime(2027, 3, 30, 8, 30))]


async def test_down_past_the_grace_time_skips_the_send(db: Database, ann: Clock) -> None:
    await run_day(db, ann, dt.date(2027, 3, 30), down=(dt.time(6, 30), dt.time(10, 5)))
    assert [k for k, _ in await rows(db) if k.startswith("checkin:")] == []
