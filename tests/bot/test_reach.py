"""An athlete who blocked the bot: marked inactive (no scheduled sends, no weekly digest), active
again as soon as they write. Through the loopback Bot API fake and the real service and store."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from telegram import Bot

from bot.sender import OutboxSender
from bot.telegram import TelegramTransport
from coach.engine.models import Profile
from coach.service.delivery import Outbox
from coach.service.service import CoachService
from coach.store import models as m
from coach.store.db import Database
from tests.fakes.telegram_api import DEFAULT_TOKEN, FakeTelegramServer

ANN, BOB = 4242, 5151
PROFILE = Profile.model_validate({
    "sport": "run", "goal": {"event": "10k", "date": "2027-02-21"}, "start_date": "2026-11-23",
    "availability": {"days": ["tue", "thu", "sat", "sun"], "long_day": "sun"},
    "history": {"weekly_km": [25, 25, 25, 25], "longest_km": 12},
})
BOT_USER = {"id": 123, "is_bot": True, "first_name": "Coach", "username": "coach_test_bot"}


@dataclass
class Clock:
    at: dt.datetime

    def now(self) -> dt.datetime:
        return self.at

    def today(self, time_zone: str = "UTC") -> dt.date:
        return self.at.date()


async def two_athletes(db: Database, clock: Clock) -> CoachService:
    service = CoachService(db, clock)
    for name, user in (("ann", ANN), ("bob", BOB)):
        await service.add_athlete(name, PROFILE)
        async with db.transaction() as s:
            athlete = (await s.execute(select(m.Athlete).where(m.Athlete.name == name))).scalar_one()
            athlete.telegram_user_id = athlete.telegram_chat_id = user
    return service


async def athlete(service: CoachService, name: str) -> m.Athlete:
    async with service.db.transaction() as s:
        return (await s.execute(select(m.Athlete).where(m.Athlete.name == name))).scalar_one()


async def queued_keys(service: CoachService, chat_id: int) -> list[str]:
    async with service.db.transaction() as s:
        return sorted((await s.execute(select(m.OutboxMessage.key).where(m.OutboxMessage.chat_id == chat_id))).scalars())


@asynccontextmanager
async def sender(server: FakeTelegramServer, service: CoachService) -> AsyncIterator[OutboxSender]:
    async with Bot(DEFAULT_TOKEN, base_url=server.bot_base_url, base_file_url=server.file_base_url) as bot:
        one = OutboxSender(Outbox(service.db), bot)
        try:
            yield one
        finally:
            await one.stop(1.0)


@asynccontextmanager
async def polling(service: CoachService, server: FakeTelegramServer) -> AsyncIterator[TelegramTransport]:
    transport = TelegramTransport(service, DEFAULT_TOKEN, server.url, poll_timeout_s=1)
    task = asyncio.create_task(transport.run_polling())
    try:
        await server.wait_for_call("getUpdates", timeout=30)
        yield transport
    finally:
        transport.stop()
        await asyncio.wait_for(task, timeout=30)


def membership(chat_id: int, status: str) -> dict[str, Any]:
    user = {"id": chat_id, "is_bot": False, "first_name": "Ann"}
    new: dict[str, Any] = {"status": status, "user": BOT_USER}
    if status == "kicked":
        new["until_date"] = 0
    return {"my_chat_member": {
        "chat": {"id": chat_id, "type": "private", "first_name": "Ann"}, "from": user, "date": 1764000000,
        "old_chat_member": {"status": "member" if status == "kicked" else "kicked", "user": BOT_USER, **({} if status == "kicked" else {"until_date": 0})},
        "new_chat_member": new,
    }}


async def test_a_user_who_blocked_the_bot_gets_no_scheduled_sends_until_they_write_again(
    db: Database, telegram_server: FakeTelegramServer
) -> None:
    clock = Clock(dt.datetime(2026, 11, 24, 7, 5, tzinfo=dt.UTC))
    service = await two_athletes(db, clock)
    assert await service.tick() == 2  # both morning check-ins
    telegram_server.block_chat(ANN)
    async with sender(telegram_server, service) as one:
        await one.flush()
    assert [m["text"][:13] for m in telegram_server.sent_messages(BOB)] == ["Good morning!"]
    ann = await athlete(service, "ann")
    assert ann.inactive_since == dt.datetime(2026, 11, 24, 7, 5)  # the service's clock, not the wall clock
    assert "blocked" in (ann.inactive_reason or "")
    assert (await athlete(service, "bob")).inactive_since is None

    # The next morning and the Sunday preview: Bob's only; nothing queued for Ann at all.
    clock.at = dt.datetime(2026, 11, 25, 7, 5, tzinfo=dt.UTC)
    assert await service.tick() == 1
    clock.at = dt.datetime(2026, 11, 29, 18, 5, tzinfo=dt.UTC)
    assert await service.tick() == 1
    assert await queued_keys(service, ANN) == ["checkin:1:2026-11-24"]
    assert await queued_keys(service, BOB) == ["checkin:2:2026-11-24", "checkin:2:2026-11-25", "weekly:2:2026-11-30"]

    # The coach's overview says so.
    from coach.service import coaching

    async with service.db.transaction() as s:
        lines = await coaching.status_lines(s, [await s.get(m.Athlete, 1), await s.get(m.Athlete, 2)], clock.at.date())  # type: ignore[list-item]
    assert "can't be reached since 2026-11-24" in lines[0] and "can't be reached" not in lines[1]

    # Ann unblocks the bot and writes: active again, answered, and the schedule includes her.
    telegram_server.unblock_chat(ANN)
    async with polling(service, telegram_server):
        telegram_server.push_text(ANN, "/today", user_id=ANN)
        await telegram_server.wait_for_messages(1, chat_id=ANN, timeout=30)
    assert (await athlete(service, "ann")).inactive_since is None
    clock.at = dt.datetime(2026, 11, 30, 7, 5, tzinfo=dt.UTC)
    assert await service.tick() == 2


async def test_telegram_saying_the_user_blocked_or_unblocked_the_bot_marks_the_athlete(
    db: Database, telegram_server: FakeTelegramServer
) -> None:
    """``my_chat_member`` updates (Telegram sends one when a user blocks or unblocks a bot): kicked
    marks the athlete inactive before any send fails; member makes them active again. Each once."""
    clock = Clock(dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC))
    service = await two_athletes(db, clock)
    async with polling(service, telegram_server):
        kicked = telegram_server.push_update(membership(ANN, "kicked"))
        await telegram_server.wait_for(lambda: telegram_server.confirmed_offset > kicked, timeout=30, message="the update confirmed")
        for _ in range(500):
            if (await athlete(service, "ann")).inactive_since is not None:
                break
            await asyncio.sleep(0.02)
        assert (await athlete(service, "ann")).inactive_since == dt.datetime(2026, 11, 24, 6, 0)
        clock.at = dt.datetime(2026, 11, 24, 7, 5, tzinfo=dt.UTC)
        assert await service.tick() == 1  # Bob's check-in only
        telegram_server.push_update(membership(ANN, "member"))
        for _ in range(500):
            if (await athlete(service, "ann")).inactive_since is None:
                break
            await asyncio.sleep(0.02)
        assert (await athlete(service, "ann")).inactive_since is None
    assert telegram_server.sent_messages(ANN) == []  # no reply to a membership change
    assert await service.tick() == 1  # Ann's check-in, now that she is back
    async with service.db.transaction() as s:
        processed = (await s.execute(select(m.InboxUpdate).where(m.InboxUpdate.update_id == kicked))).scalar_one()
    assert processed.processed_at is not None and processed.attempts == 1
