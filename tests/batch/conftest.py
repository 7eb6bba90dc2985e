"""Fixtures of the weekly batch: athletes with plans on a settable clock, and a PostgreSQL database of our own."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import create_async_engine

from coach.engine.models import Profile
from coach.service.service import CoachService
from coach.store import models as m
from coach.store.db import Database
from coach.store.migrate import upgrade
from tests.conftest import POSTGRES_URL, postgres_reachable

PROFILE = Profile.model_validate({
    "sport": "run", "goal": {"event": "10k", "date": "2027-02-21"}, "start_date": "2026-11-23",
    "availability": {"days": ["tue", "thu", "sat", "sun"], "long_day": "sun"},
    "history": {"weekly_km": [25, 25, 25, 25], "longest_km": 12},
})
SUNDAY_NOON = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)
NEXT_WEEK = dt.date(2026, 11, 30)
PG_DATABASE = f"coach_batch_test_{os.getpid()}"
"""A database of this run's own, dropped after each test: two runs at once never collide."""
"""Our own database on the shared server: other areas' tests drop and recreate ``test``'s schema."""


@dataclass
class Clock:
    """A settable clock: the batch is about hours of a Sunday."""

    at: dt.datetime

    def now(self) -> dt.datetime:
        return self.at

    def today(self, time_zone: str = "UTC") -> dt.date:
        return self.at.date()


@pytest.fixture
def sunday() -> Clock:
    return Clock(SUNDAY_NOON)


async def add_athletes(db: Database, clock: Clock, names: list[str]) -> CoachService:
    """Athletes with the same plan (built once), each with a Telegram chat."""
    service = CoachService(db, clock)
    plan = service.build_plan(PROFILE)
    for i, name in enumerate(names):
        await service.add_athlete(name, PROFILE, plan)
        async with db.transaction() as s:
            athlete = (await s.execute(select(m.Athlete).where(m.Athlete.name == name))).scalar_one()
            athlete.telegram_chat_id = 1000 + i
    return service


@pytest.fixture
def pg_url() -> Iterator[str]:
    if not postgres_reachable():
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432; the SQLite tests cover the batch")
    base = POSTGRES_URL.rsplit("/", 1)[0]

    async def maintain(*statements: str) -> None:
        engine = create_async_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as conn:
                for statement in statements:
                    await conn.execute(text(statement))
        finally:
            await engine.dispose()

    asyncio.run(maintain(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)", f"CREATE DATABASE {PG_DATABASE}"))
    url = f"{base}/{PG_DATABASE}"
    upgrade(url)
    yield url
    asyncio.run(maintain(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)"))
