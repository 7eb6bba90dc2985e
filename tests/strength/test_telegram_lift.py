"""A live strength session through a loopback Bot API server (issue 14): the rest timer is ONE
message edited in place (editMessageText) across sets, a restart and the end of the session; a
duplicated set update logs once; a pain flag gates the movement; "rest over" is a scheduled edit."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.pacing import SendPacer
from bot.telegram import TelegramTransport
from coach.service.notes import NoteMemory
from coach.service.service import CoachService
from coach.store import models as m
from coach.store import models_lifting as lm
from coach.store.db import Database
from coach.store.models_delivery import EditTarget
from memory import HashingEmbedder
from tests.conftest import TODAY
from tests.fakes.telegram_api import DEFAULT_TOKEN, FakeTelegramServer

CHAT = 5151


@dataclass
class MovingClock:
    """The service's clock, moved by the test (the 'rest over' edit is due after the rest)."""

    at: dt.datetime = field(default_factory=lambda: dt.datetime.combine(TODAY, dt.time(12, 0), tzinfo=dt.UTC))

    def now(self) -> dt.datetime:
        return self.at

    def today(self, time_zone: str = "UTC") -> dt.date:
        return self.at.date()


def new_service(db: Database, clock: MovingClock, tmp_path: Path) -> CoachService:
    return CoachService(db, clock, memory=NoteMemory(tmp_path / "memory", HashingEmbedder()))


@asynccontextmanager
async def running(service: CoachService, server: FakeTelegramServer) -> AsyncIterator[TelegramTransport]:
    transport = TelegramTransport(service, DEFAULT_TOKEN, server.url, poll_timeout_s=1, pacer=SendPacer(per_chat_gap_s=0))
    task = asyncio.create_task(transport.run_polling())
    try:
        yield transport
    finally:
        transport.stop()
        await asyncio.wait_for(task, timeout=20)


async def say(server: FakeTelegramServer, text: str, *, sends: int = 1, edits: int = 0) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The athlete writes; wait for ``sends`` new messages and ``edits`` new edits."""
    sent, edited = len(server.sent_messages(CHAT)), len(server.calls_to("editMessageText"))
    server.push_text(CHAT, text, user_id=CHAT)
    messages = await server.wait_for_messages(sent + sends, chat_id=CHAT, timeout=30)
    edit_calls = await server.wait_for_call("editMessageText", edited + edits, timeout=30) if edits else []
    return messages[sent:], edit_calls[edited:]


async def lift_sets(db: Database) -> list[lm.LiftSet]:
    async with db.transaction() as s:
        return list((await s.execute(select(lm.LiftSet).order_by(lm.LiftSet.id))).scalars())


async def test_the_rest_timer_is_one_message_edited_in_place_across_sets_a_restart_and_the_end(
    db: Database, telegram_server: FakeTelegramServer, tmp_path: Path
) -> None:
    server, clock = telegram_server, MovingClock()
    async with running(new_service(db, clock, tmp_path), server):
        opened, _ = await say(server, "/lift")
        assert "Day A" in opened[0]["text"] and "calibration" in opened[0]["text"]

        # the first set: the next prescription, then the rest timer as a new message
        first, _ = await say(server, "60 x 8 @7", sends=2)
        assert "Logged: back squat 60 kg × 8 @ 7" in first[0]["text"]
        timer = first[1]
        assert timer["text"].startswith("⏱ Rest 2:30 — 1 set(s) done")
        timer_id = timer["message_id"]

        # the next set edits that message (no third message); Telegram then delivers it twice
        sent, edited = len(server.sent_messages(CHAT)), len(server.calls_to("editMessageText"))
        again = server.push_text(CHAT, "60 x 8 @7.5", user_id=CHAT)
        second = (await server.wait_for_messages(sent + 1, chat_id=CHAT, timeout=30))[sent:]
        edits = (await server.wait_for_call("editMessageText", edited + 1, timeout=30))[edited:]
        assert "Logged" in second[0]["text"]
        assert [e["message_id"] for e in edits] == [timer_id]
        assert edits[0]["text"].startswith("⏱ Rest") and "2 set(s) done" in edits[0]["text"]
        sent, edited = len(server.sent_messages(CHAT)), len(server.calls_to("editMessageText"))
        server.push_raw_update(server.pushed_update(again))
        await server.wait_for_delivery(again)
        await say(server, "/help")  # a later update proves the duplicate was consumed: one set, no message, no edit
        assert len(server.sent_messages(CHAT)) == sent + 1 and len(server.calls_to("editMessageText")) == edited
        assert len(await lift_sets(db)) == 2

        # a pain flag: a safer variant, rest >= 3:00, and the timer (same message) says 3:00
        hurt, edits = await say(server, "only 3, left knee tweaky", sends=1, edits=1)
        assert "Goblet squat" in hurt[0]["text"] and "Rest 3:00" in hurt[0]["text"]
        assert edits[0]["message_id"] == timer_id and "Rest 3:00" in edits[0]["text"]
        assert (await lift_sets(db))[-1].pain

    # a restart mid-session: a new service and transport on the same database
    async with running(new_service(db, clock, tmp_path), server):
        resumed, _ = await say(server, "/lift")
        assert "Resuming day A (3 set(s) logged so far)" in resumed[0]["text"]
        _, edits = await say(server, "16 x 8 @6", sends=1, edits=1)
        assert edits[0]["message_id"] == timer_id  # the message id was kept in the database

        # the rest runs out: the scheduled 'rest over' edit of the same message goes out
        clock.at += dt.timedelta(minutes=5)
        before = len(server.calls_to("editMessageText"))
        await say(server, "/help")  # any update wakes the sender; the edit is due now
        over = await server.wait_for_call("editMessageText", before + 1, timeout=30)
        assert over[-1]["message_id"] == timer_id and over[-1]["text"].startswith("⏱ Rest over")

        done, edits = await say(server, "finished", sends=1, edits=1)
        assert done[0]["text"].startswith("Day A done: 4 sets")
        assert edits[0]["message_id"] == timer_id and "Session over — 4 set(s)" in edits[0]["text"]

    timer_messages = [msg for msg in server.sent_messages(CHAT) if msg["text"].startswith("⏱")]
    assert len(timer_messages) == 1  # one timer message in the whole session
    async with db.transaction() as s:
        target = (await s.execute(select(EditTarget))).scalar_one()
        assert (target.chat_id, target.message_id) == (CHAT, timer_id)
        assert (await s.execute(select(m.OutboxMessage).where(m.OutboxMessage.sent_at.is_(None)))).first() is None
        activity = (await s.execute(select(m.Activity).where(m.Activity.source == "lift"))).scalar_one()
        assert len(activity.details["sets"]) == 4 and activity.details["sets"][2]["pain"] is True
