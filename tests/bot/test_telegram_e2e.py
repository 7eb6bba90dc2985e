"""End to end through a real HTTP Bot API server on 127.0.0.1.

python-telegram-bot's own HTTP client talks to the fake server (tests/fakes) through
``TELEGRAM_API_URL``; the coach's service, store and engine are the real ones.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.pacing import SendPacer
from bot.telegram import TelegramTransport
from coach.service.service import CoachService
from coach.store import models as m
from tests.fakes.telegram_api import DEFAULT_TOKEN, FakeTelegramServer

CHAT = 4242
USER = 4242


@asynccontextmanager
async def running(service: CoachService, server: FakeTelegramServer) -> AsyncIterator[TelegramTransport]:
    # The athlete here answers within milliseconds, so Telegram's one message per second per chat
    # would add a second to nearly every step; these tests are about the conversation, and the
    # pacing (production limits) is tested in tests/bot/test_pacing.py.
    pacer = SendPacer(per_chat_gap_s=0)
    transport = TelegramTransport(service, DEFAULT_TOKEN, server.url, poll_timeout_s=1, pacer=pacer)
    task = asyncio.create_task(transport.run_polling())
    try:
        yield transport
    finally:
        transport.stop()
        await asyncio.wait_for(task, timeout=20)


REPLY_DEADLINE_S = 90
"""A hang detector, not a speed check: the first free-text message starts the language model's load
in a thread, and on a loaded 2-core machine (CI beside benchmarks) the import alone held the loop
past 30 s once (stop 23's local run)."""


async def say(server: FakeTelegramServer, text: str, expect: int = 1) -> list[dict[str, Any]]:
    """Send a text as the athlete and wait for ``expect`` new replies."""
    before = len(server.sent_messages(CHAT))
    server.push_text(CHAT, text, user_id=USER)
    replies = await server.wait_for_messages(before + expect, chat_id=CHAT, timeout=REPLY_DEADLINE_S)
    return replies[before:]


async def tap(server: FakeTelegramServer, data: str, expect: int = 1) -> list[dict[str, Any]]:
    before = len(server.sent_messages(CHAT))
    server.push_callback(CHAT, data, user_id=USER)
    replies = await server.wait_for_messages(before + expect, chat_id=CHAT, timeout=REPLY_DEADLINE_S)
    return replies[before:]


async def count(service: CoachService, model: Any) -> int:
    async with service.db.transaction() as s:
        return int((await s.execute(select(func.count()).select_from(model))).scalar_one())


async def test_onboarding_to_plan_then_today_and_a_duplicate_applied_once(
    service: CoachService, telegram_server: FakeTelegramServer
) -> None:
    async with running(service, telegram_server):
        commands = await telegram_server.wait_for_call("setMyCommands")
        assert {c["command"] for c in commands[0]["commands"]} >= {"start", "today", "week", "plan", "delete_me"}

        first = await say(telegram_server, "/start", expect=2)
        assert "training coach" in first[0]["text"]
        assert first[1]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "ob:run"
        await tap(telegram_server, "ob:run")
        await say(telegram_server, "km")
        await say(telegram_server, "half marathon")
        bad = await say(telegram_server, "31 Feb", expect=2)
        assert "isn't a real date" in bad[0]["text"]
        await say(telegram_server, "2027-03-28")
        await tap(telegram_server, "ob:skip")
        await say(telegram_server, "tue thu sat sun")
        await tap(telegram_server, "ob:sun")
        await say(telegram_server, "30 km")
        await say(telegram_server, "15 km")
        await say(telegram_server, "10k in 50:00")
        plan_replies = await say(telegram_server, "London", expect=3)
        assert plan_replies[0]["text"].startswith("Your plan is ready")
        assert plan_replies[0]["parse_mode"] == "HTML"
        assert "This week" in plan_replies[1]["text"]

        today = await say(telegram_server, "/today")
        assert today[0]["text"].startswith("Today — Mon 23 Nov")

        # Units change, then back; then Telegram re-delivers the first change.
        change = command_update(5000, "/settings units miles")
        before = len(telegram_server.sent_messages(CHAT))
        telegram_server.push_update(change)
        await telegram_server.wait_for_messages(before + 1, chat_id=CHAT, timeout=30)
        await say(telegram_server, "/settings units km")
        sent_before = len(telegram_server.sent_messages(CHAT))
        messages_before = await count(service, m.ChatMessage)
        telegram_server.push_raw_update(change)
        await telegram_server.wait_for_delivery(5000)
        await say(telegram_server, "/help")  # a later update proves the duplicate was consumed
        assert len(telegram_server.sent_messages(CHAT)) == sent_before + 1
        assert await count(service, m.ChatMessage) == messages_before + 2
        async with service.db.transaction() as s:
            athlete = (await s.execute(select(m.Athlete))).scalar_one()
            assert athlete.units == "km"
            assert athlete.telegram_user_id == USER


def command_update(update_id: int, text: str) -> dict[str, Any]:
    command = text.split()[0]
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id, "date": 1_700_000_000, "text": text,
            "chat": {"id": CHAT, "type": "private"}, "from": {"id": USER, "is_bot": False, "first_name": "Ann"},
            "entities": [{"type": "bot_command", "offset": 0, "length": len(command)}],
        },
    }


async def test_an_update_stored_before_a_crash_is_handled_after_restart(
    service: CoachService, telegram_server: FakeTelegramServer
) -> None:
    update = command_update(77, "/help")
    # The previous process stored the update, then died before handling it.
    assert await service.record_update("telegram", 77, update, USER)
    async with running(service, telegram_server):
        replies = await telegram_server.wait_for_messages(1, chat_id=CHAT, timeout=30)
    assert "Here's what I can do" in replies[0]["text"]
    assert await service.pending_updates("telegram") == []


async def test_bad_input_gets_clear_replies_and_changes_nothing(
    service: CoachService, telegram_server: FakeTelegramServer
) -> None:
    async with running(service, telegram_server):
        await say(telegram_server, "/start", expect=2)
        before = await count(service, m.Plan)
        sticker = telegram_server.push_sticker(CHAT, user_id=USER)
        [reply] = (await telegram_server.wait_for_messages(3, chat_id=CHAT, timeout=30))[2:]
        assert sticker and "can't read stickers" in reply["text"]
        assert "<" not in reply["text"] or "&lt;" in reply["text"] or reply["text"].count("<") == 0
        [unknown] = await say(telegram_server, "/frobnicate")
        assert "I don't know /frobnicate" in unknown["text"]
        [long] = await say(telegram_server, "x" * 4090 + " <b>")
        assert "characters long" in long["text"]
        [still] = await say(telegram_server, "running")
        assert still["text"] == "Kilometres or miles?"
        assert await count(service, m.Plan) == before


async def test_regression_a_flush_racing_the_sender_does_not_send_a_reply_twice(
    service: CoachService, telegram_server: FakeTelegramServer, sqlite_url: str
) -> None:
    """The update handler and the scheduler's outbox flush both sent replies (a lock papered over
    it, and a second process was not covered at all). Now the handler only wakes the one sender,
    and a sender claims rows in the database before sending: extra flushes, in this process and
    from a second one on the same database, while slow sends are in flight, send nothing twice."""
    from bot.sender import OutboxSender
    from coach.service.delivery import Outbox
    from coach.store.db import Database

    other_db = Database(service.db.url, service.clock)  # another process's engine on the same file
    try:
        async with running(service, telegram_server) as transport:
            other = OutboxSender(Outbox(other_db), transport.bot)
            telegram_server.add_result_for("sendMessage", delay=0.3, times=2)  # slow sends widen the window
            telegram_server.push_text(CHAT, "/start", user_id=USER)
            await telegram_server.wait_for_call("sendMessage")
            await asyncio.gather(transport.flush_outbox(), other.flush(), transport.flush_outbox(), other.flush())
            await telegram_server.wait_for_messages(2, chat_id=CHAT, timeout=30)
            await say(telegram_server, "/help")  # a later reply proves the sender is idle, not still sending
            await other.stop(1.0)
    finally:
        await other_db.dispose()
    texts = [m["text"] for m in telegram_server.sent_messages(CHAT)]
    assert len(texts) == 3 and "training coach" in texts[0] and "Here's what I can do" in texts[2]
    assert await service.unsent() == []


async def test_a_failing_send_gets_a_human_apology_and_the_reply_is_delivered_later(
    service: CoachService, telegram_server: FakeTelegramServer
) -> None:
    telegram_server.add_result_for("sendMessage", ok=False, error_code=400, description="Bad Request: something broke")
    async with running(service, telegram_server):
        telegram_server.push_text(CHAT, "/help", user_id=USER)
        messages = await telegram_server.wait_for_messages(2, chat_id=CHAT, timeout=30)
    assert messages[0]["text"].startswith("Sorry — something went wrong on my side")
    assert "Here's what I can do" in messages[1]["text"]  # from the outbox, not lost
    assert await service.unsent() == []


async def test_webhook_mode_with_a_secret_token(service: CoachService, telegram_server: FakeTelegramServer) -> None:
    import socket
    import urllib.error
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    transport = TelegramTransport(service, DEFAULT_TOKEN, telegram_server.url)
    task = asyncio.create_task(transport.run_webhook("127.0.0.1", port, f"http://127.0.0.1:{port}/", "s3cret"))
    try:
        await telegram_server.wait_for_call("setWebhook")
        # A forged request without the secret is refused and changes nothing.
        forged = urllib.request.Request(f"http://127.0.0.1:{port}/", data=b'{"update_id": 1}', headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            await asyncio.to_thread(urllib.request.urlopen, forged, None, 10)
        assert refused.value.code == 403
        status = await asyncio.to_thread(telegram_server.deliver_to_webhook, command_update(2, "/help"))
        assert status == 200
        [reply] = await telegram_server.wait_for_messages(1, chat_id=CHAT, timeout=30)
        assert "Here's what I can do" in reply["text"]
        assert telegram_server.calls_to("setWebhook")[0]["secret_token"] == "s3cret"
    finally:
        transport.stop()
        await asyncio.wait_for(task, timeout=20)


async def test_an_uploaded_fit_file_is_downloaded_and_imported_once(
    service: CoachService, telegram_server: FakeTelegramServer
) -> None:
    from tests.conftest import RECORDINGS

    data = (RECORDINGS / "running_bloemendaal.fit").read_bytes()
    async with running(service, telegram_server):
        telegram_server.push_document(CHAT, "morning.fit", data, user_id=USER)
        [first] = await telegram_server.wait_for_messages(1, chat_id=CHAT, timeout=60)
        telegram_server.push_document(CHAT, "morning.fit", data, user_id=USER)
        second = (await telegram_server.wait_for_messages(2, chat_id=CHAT, timeout=60))[1]
        telegram_server.push_document(CHAT, "broken.fit", b"\x0e\x10garbage", user_id=USER)
        third = (await telegram_server.wait_for_messages(3, chat_id=CHAT, timeout=60))[2]
    assert first["text"].startswith("Imported: run")
    assert second["text"].startswith("Already had: run")
    assert "couldn't import broken.fit" in third["text"] and "Nothing was saved" in third["text"]
    assert len((await service.show(f"tg:{USER}"))["activities"]) == 1
