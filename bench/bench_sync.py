"""Intervals.icu sync (issue 12): a first sync of one year, then a re-sync with nothing new.

Usage::

    .venv/bin/python bench/bench_sync.py [--activities 365] [--events 12]

The fake Intervals.icu API (tests/fakes/intervals_server.py) runs on 127.0.0.1 with one year of an
athlete's data: ``--activities`` runs and rides (one a day), 365 days of wellness (resting HR,
HRV, sleep, weight) and ``--events`` calendar events of their own (workouts, one holiday). The
coach's athlete has an 18-week half-marathon plan. The first sync pulls everything (activities
paged 200 at a time, stored as uploads are, linked to the plan; wellness into check-ins) and
pushes the plan's sessions as workouts; the re-sync reads the last week again and changes nothing.
Each is timed wall-clock, SQLite in a temporary folder; the HTTP round trips are on loopback, so
the figure is the coach's own work plus the fake's.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.fernet import Fernet

from coach.clock import FixedClock
from coach.connect.config import ConnectConfig
from coach.connect.secrets import SecretBox
from coach.connect.sync import SyncReport, save_connection, sync_athlete
from coach.engine.models import Profile
from coach.service.service import CoachService
from coach.store import repo
from coach.store.db import Database
from coach.store.migrate import upgrade
from tests.fakes.intervals_server import FakeIntervals

TODAY = dt.date(2026, 12, 8)
KEY = "benchKey0123456789abcdef"
PROFILE = Profile.model_validate({
    "sport": "run", "goal": {"event": "half_marathon", "date": "2027-03-28", "target_time": "1:50:00"},
    "start_date": "2026-11-30", "availability": {"days": ["tue", "thu", "sat", "sun"], "long_day": "sun"},
    "history": {"weekly_km": [30, 30, 30, 30], "longest_km": 15, "recent_race": {"distance_km": 10, "time": "50:00"}},
})


def seed(icu: FakeIntervals, activities: int, events: int) -> None:
    icu.add_athlete("i1", KEY, name="Bench")
    for back in range(activities):
        day = TODAY - dt.timedelta(days=back + 1)
        if back % 3 == 2:
            icu.add_activity("i1", start=f"{day}T17:30:00", type="Ride", moving_time=5400, distance=45000,
                             average_heartrate=135, icu_average_watts=180, icu_weighted_avg_watts=195, icu_training_load=75)
        else:
            icu.add_activity("i1", start=f"{day}T07:00:00", type="Run", moving_time=2400 + back % 5 * 300,
                             distance=7000 + back % 5 * 900, average_heartrate=148, icu_training_load=45)
    for back in range(365):
        day = TODAY - dt.timedelta(days=back)
        icu.add_wellness("i1", day.isoformat(), restingHR=46 + back % 5, hrv=60.0 + back % 7, sleepSecs=25200 + back % 4 * 900,
                         weight=70.5)
    for n in range(events):
        day = TODAY + dt.timedelta(days=3 + n * 5)
        icu.add_event("i1", category="WORKOUT", type="Ride", name=f"Club ride {n}", start_date_local=f"{day}T09:00:00",
                      moving_time=5400)
    icu.add_event("i1", category="HOLIDAY", name="Holiday", start_date_local=f"{TODAY + dt.timedelta(days=40)}T00:00:00",
                  end_date_local=f"{TODAY + dt.timedelta(days=43)}T00:00:00")


async def run(activities: int, events: int) -> None:
    with tempfile.TemporaryDirectory() as folder, FakeIntervals() as icu:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'coach.db'}"
        await asyncio.to_thread(upgrade, url)
        db = Database(url)
        seed(icu, activities, events)
        await CoachService(db, FixedClock(dt.date(2026, 11, 30))).add_athlete("ann", PROFILE)
        service = CoachService(db, FixedClock(TODAY))
        config = ConnectConfig(icu.url, SecretBox(Fernet.generate_key()))
        async with db.transaction() as s:
            athlete = await repo.athlete_by_name(s, "ann")
            assert athlete is not None
            athlete_id = athlete.id
            await save_connection(s, athlete, "i1", KEY, config.box)
        timings: list[tuple[str, float, SyncReport]] = []
        for label in ("first sync", "re-sync (nothing new)"):
            calls = len(icu.calls)
            started = time.perf_counter()
            report = await sync_athlete(service, db, athlete_id, config)
            timings.append((label, time.perf_counter() - started, report))
            print(f"{label}: {timings[-1][1]:.2f} s, {len(icu.calls) - calls} requests")
            assert report.pull is not None and report.push is not None
            print(f"  pulled {report.pull.activities_new} new activities ({report.pull.activities_known} already here), "
                  f"wellness {report.pull.wellness_days} day(s), {len(report.pull.own_workouts)} own workout(s), "
                  f"{len(report.pull.blocked)} blocked range(s)")
            print(f"  pushed {report.push.document()}; failures: {report.failures or 'none'}")
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=365)
    parser.add_argument("--events", type=int, default=12)
    args = parser.parse_args()
    asyncio.run(run(args.activities, args.events))


if __name__ == "__main__":
    main()
