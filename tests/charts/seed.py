"""A seeded athlete for the chart tests: a run plan from Mon 23 Nov 2026, two sessions logged
through the chat (so the plan has done sessions), eight weeks of earlier runs, check-ins and
squat sessions stored as the chat stores them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from coach.engine.models import Profile
from coach.service.service import CoachService, Who
from coach.service.types import Incoming
from coach.store import models as m
from coach.store.db import Database

START = dt.date(2026, 11, 23)  # a Monday
TODAY = dt.date(2026, 11, 27)  # the Friday of week 1


def profile(units: str = "km") -> Profile:
    return Profile.model_validate({
        "sport": "run", "goal": {"event": "10k", "date": "2027-02-21"}, "start_date": START.isoformat(), "units": units,
        "availability": {"days": ["tue", "thu", "sat", "sun"], "long_day": "sun"},
        "history": {"weekly_km": [25, 25, 25, 25], "longest_km": 12},
    })


@dataclass
class Clock:
    """Settable: sessions are logged on their own days, then the charts are drawn on TODAY."""

    day: dt.date

    def now(self) -> dt.datetime:
        return dt.datetime.combine(self.day, dt.time(12, 0), tzinfo=dt.UTC)

    def today(self, time_zone: str = "UTC") -> dt.date:
        return self.day


async def seed(db: Database, name: str = "ann", *, units: str = "km", history: bool = True) -> CoachService:
    clock = Clock(START)
    service = CoachService(db, clock)
    await service.add_athlete(name, profile(units))
    async with db.transaction() as s:
        athlete = (await s.execute(select(m.Athlete).where(m.Athlete.name == name))).scalar_one()
        athlete.units = units
        athlete_id = athlete.id
    if not history:
        clock.day = TODAY
        return service
    for day, text in ((dt.date(2026, 11, 24), "ran 6k in 36 min"), (dt.date(2026, 11, 26), "ran 3k in 20 min")):
        clock.day = day
        await service.handle(Who(name=name), Incoming(kind="command", text=f"/log {text}", command="log", args=text))
    clock.day = TODAY
    async with db.transaction() as s:
        for back in range(4, 60, 2):  # before the plan: a run every other day
            day = START - dt.timedelta(days=back)
            s.add(m.Activity(athlete_id=athlete_id, fingerprint=f"seed:{name}:{day}", source="manual", sport="run",
                             start_time=dt.datetime.combine(day, dt.time(7)), moving_s=2700.0, elapsed_s=2800.0,
                             distance_km=8.0, load=45.0 + back % 7))
        for back, (readiness, colour) in enumerate(((82, "green"), (64, "amber"), (40, "red"), (71, "green"), (58, "amber"))):
            s.add(m.CheckIn(athlete_id=athlete_id, date=TODAY - dt.timedelta(days=back), sleep_hours=7.0, readiness=readiness,
                            readiness_color=colour, reasons=[]))
        for i, back in enumerate(range(30, 0, -5)):
            day = TODAY - dt.timedelta(days=back)
            sets = [{"weight_kg": 100.0 + 2.5 * i, "reps": 5, "rpe": 8.0}, {"weight_kg": 60.0, "reps": 12, "rpe": None}]
            s.add(m.Activity(athlete_id=athlete_id, fingerprint=f"seed:{name}:squat:{day}", source="log", sport="strength",
                             start_time=dt.datetime.combine(day, dt.time(18)), details={"exercise": "squat", "sets": sets}))
    return service
