"""A seeded world for the Mini App: Ann (Telegram 2) with one session done, Bob (Telegram 3), and
Carla (Telegram 1), Ann's coach, not Bob's. Today is Thursday 26 Nov 2026; Tuesday's run is done."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from coach.clock import FixedClock
from coach.engine.models import Profile
from coach.service.service import CoachService
from coach.service.toolrun import APPLIED, run_tool
from coach.store import models as m
from coach.store.db import Database
from coach.store.migrate import upgrade
from coach.web.auth import init_data_for
from coach.web.server import WebServer

BOT_TOKEN = "123456:TEST-web-token"
WEB_TODAY = dt.date(2026, 11, 26)  # a Thursday
DONE_DAY = "2026-11-24"  # Ann's Tuesday run, logged as done
ANN_TG, BOB_TG, CARLA_TG = 2, 3, 1
PROFILE = Profile.model_validate({
    "sport": "run", "goal": {"event": "half_marathon", "date": "2027-03-28"}, "start_date": "2026-11-23",
    "availability": {"days": ["tue", "thu", "sat", "sun"], "long_day": "sun"},
    "history": {"weekly_km": [30, 30, 30, 30], "longest_km": 15},
})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def init_data(user_id: int, name: str = "Ann", *, at: dt.datetime | None = None, token: str = BOT_TOKEN) -> str:
    return init_data_for(user_id, name, token, at or FixedClock(WEB_TODAY).now())


async def seed(service: CoachService) -> dict[str, int]:
    """The world above; returns the athletes' ids."""
    await service.add_athlete("ann", PROFILE)
    await service.add_athlete("bob", PROFILE)
    await service.add_coach("carla", ["ann"], CARLA_TG)
    async with service.db.transaction() as s:
        for name, user_id, shown in (("ann", ANN_TG, "Ann"), ("bob", BOB_TG, "Bob")):
            athlete = (await s.execute(select(m.Athlete).where(m.Athlete.name == name))).scalar_one()
            athlete.telegram_user_id, athlete.telegram_chat_id, athlete.display_name = user_id, user_id, shown
        ids = {a.name: a.id for a in (await s.execute(select(m.Athlete))).scalars()}
    done = await run_tool(service, "ann", "log_activity", {"text": f"ran 6 km in 38 min on {DONE_DAY}"})
    assert done.outcome == APPLIED, done.document()
    return ids


def seed_database(data_dir: Path) -> dict[str, int]:
    """Seed the SQLite database ``coach web`` will open in ``data_dir`` (COACH_DATA_DIR)."""
    import asyncio

    url = f"sqlite+aiosqlite:///{data_dir / 'coach.db'}"
    data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(url)

    async def run() -> dict[str, int]:
        db = Database(url)
        try:
            return await seed(CoachService(db, FixedClock(WEB_TODAY)))
        finally:
            await db.dispose()

    return asyncio.run(run())


class Served:
    def __init__(self, service: CoachService, url: str, ids: dict[str, int]) -> None:
        self.service = service
        self.url = url
        self.ids = ids


@pytest.fixture
async def served(sqlite_url: str) -> AsyncIterator[Served]:
    """The seeded world behind an in-process server on 127.0.0.1."""
    db = Database(sqlite_url)
    service = CoachService(db, FixedClock(WEB_TODAY))
    ids = await seed(service)
    port = free_port()
    server = WebServer(service, BOT_TOKEN, "127.0.0.1", port)
    server.start()
    try:
        yield Served(service, f"http://127.0.0.1:{port}", ids)
    finally:
        await server.stop()
        await db.dispose()
