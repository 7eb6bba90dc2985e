"""Several bot processes behind one webhook endpoint: the same update delivered to two of them at
once (a load balancer's retry, Telegram's redelivery) is handled once and answered once, from the
one outbox, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from bot.telegram import TelegramTransport
from coach.service.service import CoachService
from coach.store import models as m
from coach.store.db import Database
from tests.bot.test_transport import ANN, _free_port, _post, _update
from tests.fakes.telegram_api import DEFAULT_TOKEN, FakeTelegramServer

pytestmark = pytest.mark.asyncio


async def test_one_update_posted_to_two_webhook_processes_is_handled_once(
    any_service: CoachService, telegram_server: FakeTelegramServer,
) -> None:
    other_db = Database(any_service.db.url, any_service.clock)  # the second process's own engine
    other = CoachService(other_db, any_service.clock)
    ports = [_free_port(), _free_port()]
    transports = [TelegramTransport(service, DEFAULT_TOKEN, telegram_server.url) for service in (any_service, other)]
    tasks = [asyncio.create_task(t.run_webhook("127.0.0.1", port, f"http://127.0.0.1:{port}/", "s3cret"))
             for t, port in zip(transports, ports, strict=True)]
    try:
        await telegram_server.wait_for_call("setWebhook", n=2, timeout=30)
        statuses = await asyncio.gather(*(asyncio.to_thread(_post, port, _update(77, "/help"), "s3cret") for port in ports))
        assert statuses == [200, 200]
        [reply] = await telegram_server.wait_for_messages(1, chat_id=ANN, timeout=30)
        for _ in range(20):  # whatever the second process does with it, it ends before this
            await asyncio.sleep(0.1)
            await asyncio.gather(*(t.sender.flush() for t in transports))
    finally:
        for transport in transports:
            transport.stop()
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=30)
        await other_db.dispose()
    assert "Here's what I can do" in reply["text"]
    assert len(telegram_server.sent_messages(ANN)) == 1
    async with any_service.db.transaction() as s:
        inbox = (await s.execute(select(m.InboxUpdate).where(m.InboxUpdate.update_id == 77))).scalar_one()
        replies = (await s.execute(select(func.count()).select_from(m.OutboxMessage).where(m.OutboxMessage.chat_id == ANN))).scalar_one()
        said = (await s.execute(select(func.count()).select_from(m.ChatMessage).where(m.ChatMessage.role == "athlete"))).scalar_one()
    assert inbox.processed_at is not None and inbox.attempts == 1  # handled by one process only
    assert replies == 1 and said == 1
