"""Scheduled sends: right local time, each once, caught up after downtime."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from coach.engine.models import Profile
from coach.service.service import CoachService
from coach.store import models as m
from coach.store.db import Database

PROFILE = Profile.model_validate({
    "sport": "run", "goal": {"event": "10k", "date": "2027-02-21"}, "start_date": "2026-11-23",
    "availability": {"days": ["tue", "thu", "sat", "sun"], "long_day": "sun"},
    "history": {"weekly_km": [25, 25, 25, 25], "longest_km": 12},
})


@dataclass
class Clock:
    """A settable clock: the schedule is about hours, not days."""

    at: dt.datetime

    def now(self) -> dt.datetime:
        return self.at

    def today(self, time_zone: str = "UTC") -> dt.date:
        return self.at.date()


async def keys(db: Database) -> list[str]:
    async with db.transaction() as s:
        return sorted((await s.execute(select(m.OutboxMessage.key))).scalars())


async def setup(db: Database, clock: Clock, time_zone: str) -> CoachService:
    service = CoachService(db, clock)
    await service.add_athlete("ann", PROFILE)
    async with db.transaction() as s:
        athlete = (await s.execute(select(m.Athlete))).scalar_one()
        athlete.time_zone = time_zone
        athlete.telegram_chat_id = 99
    return service


async def test_morning_checkin_once_per_day_in_local_time(db: Database) -> None:
    clock = Clock(dt.datetime(2026, 11, 24, 6, 30, tzinfo=dt.UTC))  # 06:30 in London: too early
    service = await setup(db, clock, "Europe/London")
    assert await service.tick() == 0
    clock.at = dt.datetime(2026, 11, 24, 7, 1, tzinfo=dt.UTC)
    assert await service.tick() == 1
    assert await service.tick() == 0  # a second tick changes nothing
    assert await keys(db) == ["checkin:1:2026-11-24"]
    [(_, chat_id, reply)] = await service.unsent()
    assert chat_id == 99 and reply.text.startswith("Good morning! Today — Tue 24 Nov")
    assert reply.buttons[0][0].data == "ci:sleep_hours:5"


async def test_time_zone_far_east_gets_it_the_previous_utc_evening(db: Database) -> None:
    clock = Clock(dt.datetime(2026, 11, 24, 21, 5, tzinfo=dt.UTC))  # 07:05 on the 25th in UTC+10
    service = await setup(db, clock, "UTC+10:00")
    assert await service.tick() == 1
    assert await keys(db) == ["checkin:1:2026-11-25"]


async def test_downtime_is_caught_up_within_the_window_not_after(db: Database) -> None:
    clock = Clock(dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC))  # 2.5 h late: still sent
    service = await setup(db, clock, "UTC")
    assert await service.tick() == 1
    clock.at = dt.datetime(2026, 11, 27, 10, 30, tzinfo=dt.UTC)  # 3.5 h late: skipped
    assert await service.tick() == 0


async def test_sunday_evening_preview_of_next_week(db: Database) -> None:
    clock = Clock(dt.datetime(2026, 11, 29, 18, 10, tzinfo=dt.UTC))
    service = await setup(db, clock, "UTC")
    assert await service.tick() == 1
    assert await keys(db) == ["weekly:1:2026-11-30"]
    [(_, _, reply)] = await service.unsent()
    # Nothing was logged: Tue and Thu count as missed; Sat and Sun are within their grace day (still pending).
    assert reply.text.startswith("Last week: 0 of 2 sessions done (0 %), 0 partial, 2 missed.\nNext week:\nWeek 2")


async def test_the_sunday_job_corrects_prescriptions_the_athlete_keeps_overshooting_once(db: Database) -> None:
    clock = Clock(dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC))
    service = await setup(db, clock, "UTC")
    from coach.service.service import Who
    from coach.service.types import Incoming

    doc = await service.show("ann")
    easy = [s for w in doc["plan"]["weeks"][:3] for s in w["sessions"] if s["type"] == "easy"]
    assert len(easy) >= 5
    for s in easy[:6]:  # every easy run done about 15 % longer than prescribed
        clock.at = dt.datetime.fromisoformat(s["date"] + "T18:00:00+00:00")
        minutes = round(s["duration_min"] * 1.15)
        await service.handle(Who(name="ann"), Incoming(kind="command", text="/log", command="log", args=f"easy run {minutes} min"))
    last = dt.date.fromisoformat(easy[5]["date"])
    sunday = last + dt.timedelta(days=(6 - last.weekday()) or 7)
    clock.at = dt.datetime.combine(sunday, dt.time(18, 5), tzinfo=dt.UTC)
    version = (await service.show("ann"))["plan"]["version"]
    assert await service.tick() == 1
    weekly = next(reply for _, _, reply in await service.unsent() if "Next week" in reply.text)
    assert "more than prescribed" in weekly.text or "Corrected" in weekly.text
    after = await service.show("ann")
    assert after["plan"]["version"] == version + 1 and after["plan"]["source"] == "self_grading"
    clock.at = clock.at + dt.timedelta(minutes=30)
    assert await service.tick() == 0
    assert (await service.show("ann"))["plan"]["version"] == version + 1  # applied once
