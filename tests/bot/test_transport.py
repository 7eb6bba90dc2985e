"""The Telegram transport's reliability, fault by fault, against the loopback Bot API fake.

Each test injects one fault (a slow model turn, Telegram's 429, a second sender, a forged
webhook call, a failing update, SIGTERM mid-update, ...) and checks what must hold. No test
asserts that something is fast: they wait for conditions with generous deadlines, and the only
times compared are lower bounds (nothing sent before retry_after).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import socket
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import func, select
from telegram import Bot

from bot.sender import SEND_APOLOGY, OutboxSender
from bot.telegram import SORRY, TelegramTransport
from coach.clock import FixedClock
from coach.service.delivery import MAX_SEND_ATTEMPTS, Outbox, lease_now
from coach.service.service import CoachService, HandleResult, Who
from coach.service.types import Incoming, Reply
from coach.store import models as m
from coach.store.db import Database
from tests.conftest import TODAY
from tests.fakes.telegram_api import DEFAULT_TOKEN, FakeTelegramServer

ANN, BOB = 4242, 5151
GROUP = -100777


@asynccontextmanager
async def polling(service: CoachService, server: FakeTelegramServer, **options: Any) -> AsyncIterator[TelegramTransport]:
    transport = TelegramTransport(service, DEFAULT_TOKEN, server.url, poll_timeout_s=1, **options)
    task = asyncio.create_task(transport.run_polling())
    try:
        await server.wait_for_call("getUpdates", timeout=30)
        yield transport
    finally:
        transport.stop()
        await asyncio.wait_for(task, timeout=30)


@asynccontextmanager
async def a_bot(server: FakeTelegramServer) -> AsyncIterator[Bot]:
    async with Bot(DEFAULT_TOKEN, base_url=server.bot_base_url, base_file_url=server.file_base_url) as bot:
        yield bot


async def until(condition: Callable[[], Awaitable[bool]], what: str, timeout: float = 30) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def inbox(service: CoachService, update_id: int) -> m.InboxUpdate | None:
    async with service.db.transaction() as s:
        return (await s.execute(select(m.InboxUpdate).where(m.InboxUpdate.update_id == update_id))).scalar_one_or_none()


async def outbox_rows(service: CoachService, chat_id: int | None = None) -> list[m.OutboxMessage]:
    async with service.db.transaction() as s:
        query = select(m.OutboxMessage).order_by(m.OutboxMessage.id)
        if chat_id is not None:
            query = query.where(m.OutboxMessage.chat_id == chat_id)
        return list((await s.execute(query)).scalars())


async def queue(service: CoachService, chat_id: int, texts: list[str], kind: str = "checkin") -> None:
    async with service.db.transaction() as s:
        for text in texts:
            s.add(m.OutboxMessage(key=f"test:{chat_id}:{text}", chat_id=chat_id, kind=kind, payload=Reply(text).to_payload()))


def texts(server: FakeTelegramServer, chat_id: int) -> list[str]:
    return [message["text"] for message in server.sent_messages(chat_id)]


class Wall:
    """The outbox's lease clock, real time plus an offset a test moves forward (backoffs, holds)."""

    def __init__(self) -> None:
        self.offset = dt.timedelta()

    def __call__(self) -> dt.datetime:
        return lease_now() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += dt.timedelta(seconds=seconds)


# ---------------------------------------------------------------------- exactly one sender


async def test_two_senders_on_one_database_send_every_message_once_in_order(
    any_service: CoachService, telegram_server: FakeTelegramServer
) -> None:
    """Two senders with their own database engines (two processes) flush the same outbox at once,
    with slow sends: each message is sent once, and each chat's messages in their order."""
    chats = [1000 + i for i in range(8)]
    for chat in chats:
        await queue(any_service, chat, [f"chat {chat} #{i}" for i in range(5)])
    telegram_server.add_result_for("sendMessage", delay=0.05, times=40)
    second_db = Database(any_service.db.url, any_service.clock)
    try:
        async with a_bot(telegram_server) as bot:
            first = OutboxSender(Outbox(any_service.db), bot)
            second = OutboxSender(Outbox(second_db), bot)
            rounds = 0
            while await any_service.unsent():
                rounds += 1
                assert rounds < 100, "the outbox never emptied"
                await asyncio.gather(first.flush(), second.flush(), first.flush(), second.flush())
            await first.stop(1.0)
            await second.stop(1.0)
    finally:
        await second_db.dispose()
    for chat in chats:
        assert texts(telegram_server, chat) == [f"chat {chat} #{i}" for i in range(5)]
    assert len(telegram_server.sent_messages()) == 40


# ---------------------------------------------------------------------- concurrency


class SlowService(CoachService):
    """A model turn that takes as long as the test wants, for one chat's first update."""

    def __init__(self, db: Database, clock: FixedClock, slow_chat: int) -> None:
        super().__init__(db, clock)
        self.slow_chat = slow_chat
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def handle(self, who: Who, incoming: Incoming, *, update_id: int | None = None, source: str = "telegram") -> HandleResult:
        if who.chat_id == self.slow_chat and not self.release.is_set():
            self.entered.set()
            await self.release.wait()
        return await super().handle(who, incoming, update_id=update_id, source=source)


async def test_a_slow_update_stalls_only_its_own_chat_which_stays_in_order(db: Database, telegram_server: FakeTelegramServer) -> None:
    service = SlowService(db, FixedClock(TODAY), slow_chat=ANN)
    async with polling(service, telegram_server):
        first = telegram_server.push_text(ANN, "/help", user_id=ANN)
        await asyncio.wait_for(service.entered.wait(), 30)
        second = telegram_server.push_text(ANN, "/today", user_id=ANN)
        telegram_server.push_text(BOB, "/help", user_id=BOB)
        [bob] = await telegram_server.wait_for_messages(1, chat_id=BOB, timeout=30)
        assert "Here's what I can do" in bob["text"]
        # Ann's turn is still "thinking": nothing for her, and her next update waits behind it.
        assert texts(telegram_server, ANN) == []
        await until(lambda: _recorded(service, second), "Ann's second update stored")
        row = await inbox(service, second)
        assert row is not None and row.processed_at is None
        service.release.set()
        replies = await telegram_server.wait_for_messages(2, chat_id=ANN, timeout=30)
    assert "Here's what I can do" in replies[0]["text"] and "/start" in replies[1]["text"]
    for update_id in (first, second):
        row = await inbox(service, update_id)
        assert row is not None and row.processed_at is not None


async def _recorded(service: CoachService, update_id: int) -> bool:
    return await inbox(service, update_id) is not None


# ---------------------------------------------------------------------- Telegram's 429


async def test_telegram_429_holds_that_chat_until_retry_after_for_every_sender(
    service: CoachService, telegram_server: FakeTelegramServer
) -> None:
    telegram_server.add_result_for("sendMessage", ok=False, retry_after=2)  # the fake enforces it for the chat
    second_db = Database(service.db.url, service.clock)
    try:
        async with polling(service, telegram_server):
            telegram_server.push_text(ANN, "/help", user_id=ANN)
            await telegram_server.wait_for_call("sendMessage")

            async def held() -> bool:
                rows = await outbox_rows(service, ANN)
                return bool(rows) and all(r.claim_token is None and r.claimed_until is not None for r in rows)

            await until(held, "the hold written to the outbox")
            assert await Outbox(second_db).claim("another-process") == []  # a second process holds off too
            telegram_server.push_text(ANN, "/today", user_id=ANN)  # arrives during the hold
            replies = await telegram_server.wait_for_messages(2, chat_id=ANN, timeout=30)
    finally:
        await second_db.dispose()
    assert "Here's what I can do" in replies[0]["text"] and "/start" in replies[1]["text"]
    assert telegram_server.flood_violations == []  # nothing, not even "typing…", reached Ann early
    timed = [(t, call) for t, call in telegram_server.timed_calls if call.params.get("chat_id") == ANN]
    limited_at = next(t for t, call in timed if call.method == "sendMessage")
    delivered_at = [t for t, call in timed if call.method == "sendMessage"][1]
    assert delivered_at - limited_at >= 2.0


# ---------------------------------------------------------------------- commands


async def test_commands_addressed_to_another_bot_are_ignored(service: CoachService, telegram_server: FakeTelegramServer) -> None:
    async with polling(service, telegram_server):
        ignored = [
            telegram_server.push_text(ANN, "/help@other_bot", user_id=ANN),
            telegram_server.push_text(ANN, "/frobnicate@other_bot", user_id=ANN),
            telegram_server.push_text(GROUP, "/coach@other_bot", user_id=ANN, chat_type="group"),
        ]
        telegram_server.push_text(GROUP, "/coach@coach_test_bot", user_id=ANN, chat_type="group")
        [group] = await telegram_server.wait_for_messages(1, chat_id=GROUP, timeout=30)
        telegram_server.push_text(ANN, "/help@coach_test_bot", user_id=ANN)
        telegram_server.push_text(ANN, "/frobnicate", user_id=ANN)
        mine = await telegram_server.wait_for_messages(2, chat_id=ANN, timeout=30)
    assert "is the coach of this group" in group["text"]
    assert "Here's what I can do" in mine[0]["text"] and "I don't know /frobnicate" in mine[1]["text"]
    assert len(telegram_server.sent_messages()) == 3
    for update_id in ignored:
        row = await inbox(service, update_id)
        assert row is not None and row.processed_at is not None  # consumed, answered by nobody
    async with service.db.transaction() as s:
        assert (await s.execute(select(func.count()).select_from(m.CoachGroup))).scalar_one() == 1


# ---------------------------------------------------------------------- failures


class FailingService(CoachService):
    """Every attempt at /today fails (a bug, a database error...)."""

    async def handle(self, who: Who, incoming: Incoming, *, update_id: int | None = None, source: str = "telegram") -> HandleResult:
        if incoming.command == "today":
            raise RuntimeError("boom")
        return await super().handle(who, incoming, update_id=update_id, source=source)


async def test_a_failing_update_gets_one_apology_however_often_it_fails(db: Database, telegram_server: FakeTelegramServer) -> None:
    service = FailingService(db, FixedClock(TODAY))
    async with polling(service, telegram_server) as transport:
        update_id = telegram_server.push_text(ANN, "/today", user_id=ANN)
        [apology] = await telegram_server.wait_for_messages(1, chat_id=ANN, timeout=30)
        for attempts in (2, 3):  # the scheduler's tick tries stored updates again
            await transport.scheduled_tick()
            await until(lambda a=attempts: _attempts(service, update_id, a), f"attempt {attempts}")  # type: ignore[misc]
        await transport.scheduled_tick()
        await say_and_wait(telegram_server, ANN, "/help", 2)
    assert apology["text"] == SORRY
    assert texts(telegram_server, ANN).count(SORRY) == 1 and len(texts(telegram_server, ANN)) == 2
    row = await inbox(service, update_id)
    assert row is not None and row.processed_at is None and row.attempts == 3 and "boom" in (row.last_error or "")
    assert await service.pending_updates("telegram") == []  # parked, not retried forever


async def _attempts(service: CoachService, update_id: int, attempts: int) -> bool:
    row = await inbox(service, update_id)
    return row is not None and row.attempts >= attempts


async def say_and_wait(server: FakeTelegramServer, chat_id: int, text: str, total: int) -> None:
    server.push_text(chat_id, text, user_id=chat_id)
    await server.wait_for_messages(total, chat_id=chat_id, timeout=30)


async def test_a_reply_that_fails_to_send_again_and_again_gets_one_apology(service: CoachService, telegram_server: FakeTelegramServer) -> None:
    wall = Wall()
    telegram_server.add_result_for("sendMessage", ok=False, error_code=400, description="Bad Request: something broke", times=3)
    async with polling(service, telegram_server) as transport:
        transport.sender.outbox.lease_clock = wall
        telegram_server.push_text(ANN, "/help", user_id=ANN)
        # 1st send fails -> the apology's send fails too -> both held; then the reply fails once more.
        await telegram_server.wait_for_call("sendMessage", n=2)
        for n in (3, 4, 5):
            wall.advance(11)  # past the hold (2 s, then 10 s), well within a 60 s lease
            transport.sender.wake()
            await telegram_server.wait_for_call("sendMessage", n=n, timeout=30)
        await telegram_server.wait_for_messages(2, chat_id=ANN, timeout=30)
    sent = texts(telegram_server, ANN)
    assert sent.count(SEND_APOLOGY) == 1 and sum("Here's what I can do" in t for t in sent) == 1
    assert await service.unsent() == []


async def test_a_user_who_blocked_the_bot_has_their_messages_parked(service: CoachService, telegram_server: FakeTelegramServer) -> None:
    await queue(service, ANN, ["one", "two"])
    await queue(service, BOB, ["hello"])
    telegram_server.block_chat(ANN)
    async with a_bot(telegram_server) as bot:
        sender = OutboxSender(Outbox(service.db), bot)
        await sender.flush()
        await sender.flush()
        await sender.stop(1.0)
    assert texts(telegram_server, BOB) == ["hello"]
    assert len([c for c in telegram_server.calls_to("sendMessage") if c["chat_id"] == ANN]) == 1  # not retried
    parked = await outbox_rows(service, ANN)
    assert all(r.sent_at is None and r.attempts == MAX_SEND_ATTEMPTS and "blocked" in (r.last_error or "") for r in parked)


async def test_a_stop_that_meets_a_wake_up_still_ends_the_sender(service: CoachService, telegram_server: FakeTelegramServer) -> None:
    """CI, stop 22: a send finishing during shutdown woke the loop in the very step its cancel arrived;
    Python 3.11's ``wait_for`` returned the wake-up and dropped the cancel, so the loop ran on and the
    shutdown waited for it forever. Here the wake-up and the stop come in that same order, at once."""
    async with a_bot(telegram_server) as bot:
        sender = OutboxSender(Outbox(service.db), bot, poll_s=3600)
        sender.start()
        for _ in range(20):  # let the loop reach its wait
            await asyncio.sleep(0.01)
        sender.wake()
        stopping = asyncio.create_task(sender.stop(0.5))
        done, _ = await asyncio.wait({stopping}, timeout=30)  # a hang detector, not a speed check
        assert stopping in done, "the sender's loop outlived its stop"
        assert sender._task is not None and sender._task.done()


async def test_a_group_that_became_a_supergroup_gets_its_messages_at_the_new_id_once(
    service: CoachService, telegram_server: FakeTelegramServer
) -> None:
    supergroup = -1001234567890
    await queue(service, GROUP, ["first", "second"])
    telegram_server.add_result_for("sendMessage", ok=False, migrate_to_chat_id=supergroup)
    async with a_bot(telegram_server) as bot:
        sender = OutboxSender(Outbox(service.db), bot)
        await sender.flush()
        await sender.flush()
        await sender.stop(1.0)
    assert texts(telegram_server, supergroup) == ["first", "second"] and texts(telegram_server, GROUP) == []
    assert await service.unsent() == []


# ---------------------------------------------------------------------- long replies, markup


async def test_a_long_reply_goes_in_parts_and_a_retry_sends_only_the_rest(service: CoachService, telegram_server: FakeTelegramServer) -> None:
    lines = [f"line {i:04d} " + "x" * 80 for i in range(110)]  # about 10,000 characters
    await queue(service, ANN, ["\n".join(lines)])
    telegram_server.add_result_for("sendMessage")  # the first part goes through
    telegram_server.add_result_for("sendMessage", ok=False, error_code=502, description="Bad Gateway")
    wall = Wall()
    async with a_bot(telegram_server) as bot:
        sender = OutboxSender(Outbox(service.db, lease_clock=wall), bot)
        await sender.flush()
        assert len(telegram_server.sent_messages(ANN)) == 1
        wall.advance(3)  # past the 2 s hold after a failed send
        await sender.flush()
        await sender.stop(1.0)
    parts = texts(telegram_server, ANN)
    assert len(parts) == 3 and all(len(p) <= 4096 for p in parts)
    assert "\n".join(parts).split("\n") == lines  # every line once, in order: no part sent twice


async def test_markup_telegram_rejects_is_sent_again_as_plain_text(service: CoachService, telegram_server: FakeTelegramServer) -> None:
    await queue(service, ANN, ["5 < 6 & fine"])
    telegram_server.add_result_for(
        "sendMessage", ok=False, error_code=400, description="Bad Request: can't parse entities: unsupported start tag"
    )
    async with a_bot(telegram_server) as bot:
        sender = OutboxSender(Outbox(service.db), bot)
        await sender.flush()
        await sender.stop(1.0)
    [message] = telegram_server.sent_messages(ANN)
    assert message["text"] == "5 < 6 & fine" and "parse_mode" not in message
    assert await service.unsent() == []


# ---------------------------------------------------------------------- webhook


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _post(port: int, body: dict[str, Any], secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(f"http://127.0.0.1:{port}/", data=json.dumps(body).encode(), headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def _update(update_id: int, text: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id, "date": 1_700_000_000, "text": text, "chat": {"id": ANN, "type": "private"},
            "from": {"id": ANN, "is_bot": False, "first_name": "Ann"},
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
        },
    }


async def test_webhook_stores_the_update_before_answering_and_refuses_a_missing_or_wrong_secret(
    service: CoachService, telegram_server: FakeTelegramServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = _free_port()
    transport = TelegramTransport(service, DEFAULT_TOKEN, telegram_server.url)
    task = asyncio.create_task(transport.run_webhook("127.0.0.1", port, f"http://127.0.0.1:{port}/", "s3cret"))
    try:
        await telegram_server.wait_for_call("setWebhook", timeout=30)
        assert await asyncio.to_thread(_post, port, _update(1, "/help"), None) == 403
        assert await asyncio.to_thread(_post, port, _update(2, "/help"), "wrong") == 403
        # Storing fails (the database is down): 500, so Telegram sends the update again later.
        real_record = service.record_update

        async def broken(*args: Any, **kwargs: Any) -> bool:
            raise OSError("disk I/O error")

        monkeypatch.setattr(service, "record_update", broken)
        assert await asyncio.to_thread(_post, port, _update(3, "/help"), "s3cret") == 500
        monkeypatch.setattr(service, "record_update", real_record)
        assert await inbox(service, 1) is None and await inbox(service, 2) is None and await inbox(service, 3) is None
        # The real thing: by the time Telegram has its 200, the update is in the inbox.
        assert await asyncio.to_thread(telegram_server.deliver_to_webhook, _update(3, "/help")) == 200
        assert await inbox(service, 3) is not None
        [reply] = await telegram_server.wait_for_messages(1, chat_id=ANN, timeout=30)
    finally:
        transport.stop()
        await asyncio.wait_for(task, timeout=30)
    assert "Here's what I can do" in reply["text"]
    assert len(telegram_server.sent_messages()) == 1


# ---------------------------------------------------------------------- shutdown


class StuckService(CoachService):
    """A model turn that never ends, inside the update's transaction (something was written).
    On SQLite it holds the write lock, so the test reads nothing from the database until the stop."""

    def __init__(self, db: Database, clock: FixedClock) -> None:
        super().__init__(db, clock)
        self.stuck = asyncio.Event()

    async def handle(self, who: Who, incoming: Incoming, *, update_id: int | None = None, source: str = "telegram") -> HandleResult:
        if incoming.command == "today":
            async with self.db.transaction() as s:
                s.add(m.Coach(name="half-done"))
                await s.flush()
                self.stuck.set()
                await asyncio.Event().wait()
        return await super().handle(who, incoming, update_id=update_id, source=source)


async def test_stop_mid_update_rolls_it_back_and_keeps_it_and_unsent_replies_for_the_restart(
    db: Database, telegram_server: FakeTelegramServer
) -> None:
    stuck = StuckService(db, FixedClock(TODAY))
    telegram_server.add_result_for("sendMessage", ok=False, retry_after=600)  # Bob's reply cannot go out now
    transport = TelegramTransport(stuck, DEFAULT_TOKEN, telegram_server.url, poll_timeout_s=30, shutdown_grace_s=0.5)
    task = asyncio.create_task(transport.run_polling())
    try:
        telegram_server.push_text(BOB, "/help", user_id=BOB)
        await telegram_server.wait_for_call("sendMessage", timeout=30)
        update_id = telegram_server.push_text(ANN, "/today", user_id=ANN)
        await asyncio.wait_for(stuck.stuck.wait(), 30)
        assert transport.processor.running == 1
        await telegram_server.wait_for(lambda: telegram_server.held_polls == 1, timeout=30, message="a held long poll")
    finally:
        transport.stop()
        await asyncio.wait_for(task, timeout=30)
    row = await inbox(stuck, update_id)
    assert row is not None and row.processed_at is None  # rolled back, still to do
    async with db.transaction() as s:
        assert (await s.execute(select(func.count()).select_from(m.Coach).where(m.Coach.name == "half-done"))).scalar_one() == 0
    [bob] = await outbox_rows(stuck, BOB)
    assert bob.sent_at is None and bob.claim_token is None and bob.claimed_until is not None  # unsent, held, nobody's claim
    # After the restart the stored update is handled.
    async with polling(CoachService(db, FixedClock(TODAY)), telegram_server):
        [reply] = await telegram_server.wait_for_messages(1, chat_id=ANN, timeout=30)
    assert "/start" in reply["text"]

