"""Outbox pictures stored once (issue 15): the batch writes one picture for many athletes' equal
weeks, and the sender still sends it to each of them."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select
from telegram import Bot

from bot.sender import OutboxSender
from coach.batch.weekly import run_weekly
from coach.service.delivery import Outbox
from coach.store import models as m
from coach.store.db import Database
from coach.store.models_pictures import OutboxPicture
from tests.batch.conftest import NEXT_WEEK, Clock, add_athletes
from tests.fakes.telegram_api import DEFAULT_TOKEN, FakeTelegramServer


async def pictures(db: Database) -> dict[str, bytes]:
    async with db.transaction() as s:
        return {p.sha256: p.data for p in (await s.execute(select(OutboxPicture))).scalars()}


async def test_the_batch_stores_an_equal_picture_once_and_the_sender_sends_it_to_each(
    sqlite_url: str,
    sunday: Clock,
    telegram_server: FakeTelegramServer,
) -> None:
    db = Database(sqlite_url, sunday)
    try:
        service = await add_athletes(db, sunday, ["ann", "bo", "cy"])
        summary = await run_weekly(db, NEXT_WEEK, rules=service.rules, clock=sunday)
        assert summary.count("done") == 3
        [(sha, png)] = (await pictures(db)).items()  # three equal weeks, one picture
        assert png.startswith(b"\x89PNG")
        async with db.transaction() as s:
            rows = list((await s.execute(select(m.OutboxMessage).order_by(m.OutboxMessage.id))).scalars())
        assert [r.picture_sha256 for r in rows] == [sha] * 3
        assert all(
            "data_hex" not in json.dumps(r.payload) and r.payload["document"]["sha256"] == sha for r in rows
        )

        sunday.at = dt.datetime(2026, 11, 29, 18, 5, tzinfo=dt.UTC)  # the athletes' Sunday 18:00 has come
        async with Bot(
            DEFAULT_TOKEN, base_url=telegram_server.bot_base_url, base_file_url=telegram_server.file_base_url
        ) as bot:
            sender = OutboxSender(Outbox(db), bot)
            try:
                await sender.flush()
            finally:
                await sender.stop(1.0)
        photos = [u for u in telegram_server.uploads if u.method == "sendPhoto"]
        assert sorted(int(str(u.chat_id)) for u in photos) == [1000, 1001, 1002]
        assert all(u.data == png for u in photos)
        assert await service.unsent() == []
    finally:
        await db.dispose()
