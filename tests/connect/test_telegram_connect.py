"""In Telegram: the /connect message holding the key is deleted from the chat once read, the stored
update and the chat history keep no key, and the bot's minute tick syncs the new connection."""

from __future__ import annotations

import asyncio
import json

from cryptography.fernet import Fernet
from sqlalchemy import select

from bot.pacing import SendPacer
from bot.telegram import TelegramTransport
from coach.clock import FixedClock
from coach.connect.config import ConnectConfig, use
from coach.connect.secrets import SecretBox
from coach.service.service import CoachService
from coach.store import models as m
from coach.store.db import Database
from tests.connect.test_intervals_sync import ANN_KEY, PROFILE, START, TODAY, ours
from tests.fakes.intervals_server import FakeIntervals
from tests.fakes.telegram_api import DEFAULT_TOKEN, FakeTelegramServer

CHAT = USER = 5151


async def test_the_key_message_is_deleted_and_the_tick_syncs(db: Database, telegram_server: FakeTelegramServer) -> None:
    await CoachService(db, FixedClock(START)).add_athlete(f"tg:{USER}", PROFILE)
    service = CoachService(db, FixedClock(TODAY))
    with FakeIntervals() as icu:
        icu.add_athlete("i100", ANN_KEY, name="Ann A")
        use(service, ConnectConfig(icu.url, SecretBox(Fernet.generate_key())))
        async with db.transaction() as s:
            athlete = (await s.execute(select(m.Athlete))).scalar_one()
            athlete.telegram_user_id = athlete.telegram_chat_id = USER
        transport = TelegramTransport(service, DEFAULT_TOKEN, telegram_server.url, poll_timeout_s=1,
                                      pacer=SendPacer(per_chat_gap_s=0))
        task = asyncio.create_task(transport.run_polling())
        try:
            update_id = telegram_server.push_text(CHAT, f"/connect intervals i100 {ANN_KEY}", user_id=USER)
            replies = await telegram_server.wait_for_messages(1, chat_id=CHAT, timeout=30)
            assert "Connected to Intervals.icu as Ann A" in replies[0]["text"]
            deleted = await telegram_server.wait_for_call("deleteMessage", timeout=10)
            assert deleted[0]["chat_id"] == CHAT

            await transport.scheduled_tick()  # the minute tick: first sync, then its summary to the chat
            summary = await telegram_server.wait_for_messages(2, chat_id=CHAT, timeout=30)
            assert summary[1]["text"].startswith("Pulled from Intervals.icu")
            assert ours(icu)
        finally:
            transport.stop()
            await asyncio.wait_for(task, timeout=20)
        icu.assert_no_internal_errors()
    async with db.transaction() as s:
        inbox = (await s.execute(select(m.InboxUpdate).where(m.InboxUpdate.update_id == update_id))).scalar_one()
        history = [c.text for c in (await s.execute(select(m.ChatMessage))).scalars()]
    assert ANN_KEY not in json.dumps(inbox.payload) and inbox.processed_at is not None
    assert all(ANN_KEY not in text for text in history)
