"""One send budget for several processes (bot/pacing_redis.py): two pacers, each with its own Redis
connection as two processes would have, never start more than the limits allow between them.

The checks read the slots' start times from Redis's own clock (what the limits are kept on), so
they hold however slowly this machine runs: no timing assertion on the test's side."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from redis.asyncio import Redis

from bot.pacing_redis import RedisSendPacer, make_pacer
from bot.sender import OutboxSender
from coach.service.delivery import Outbox
from coach.service.service import CoachService
from coach.store.db import Database
from tests.bot.test_transport import a_bot, queue, texts
from tests.fakes.telegram_api import FakeTelegramServer
from tests.scale.conftest import REDIS_URL

pytestmark = pytest.mark.asyncio


@asynccontextmanager
async def two_pacers(namespace: str, **limits: float) -> AsyncIterator[tuple[RedisSendPacer, RedisSendPacer]]:
    first, second = Redis.from_url(REDIS_URL), Redis.from_url(REDIS_URL)
    try:
        yield (RedisSendPacer(first, namespace=namespace, **limits),  # type: ignore[arg-type]
               RedisSendPacer(second, namespace=namespace, **limits))  # type: ignore[arg-type]
    finally:
        await first.aclose()
        await second.aclose()


def most_in_any_window(starts_ms: list[int], window_ms: int) -> int:
    """The most starts inside any window of ``window_ms`` (a start exactly ``window_ms`` later is outside)."""
    starts = sorted(starts_ms)
    best = j = 0
    for i, start in enumerate(starts):
        while starts[j] <= start - window_ms:
            j += 1
        best = max(best, i - j + 1)
    return best


async def send(pacer: RedisSendPacer, chat_id: int, log: list[tuple[int, str]], name: str) -> None:
    async with pacer.slot(chat_id):
        log.append((chat_id, name))
        await asyncio.sleep(0)


async def test_two_processes_share_the_overall_budget(redis_namespace: str) -> None:
    async with two_pacers(redis_namespace, overall_max=4, overall_window_s=0.5, per_chat_gap_s=0) as (one, two):
        sent: list[tuple[int, str]] = []
        await asyncio.gather(*(send(one, 100 + i, sent, "one") for i in range(12)),
                             *(send(two, 200 + i, sent, "two") for i in range(12)))
    assert len(sent) == 24 and {name for _, name in sent} == {"one", "two"}
    starts = one.granted_ms + two.granted_ms
    assert len(starts) == 24
    assert most_in_any_window(starts, 500) <= 4  # together, not 4 each
    assert most_in_any_window(one.granted_ms, 500) <= 4


async def test_one_chat_gets_one_message_per_gap_whoever_sends(redis_namespace: str) -> None:
    async with two_pacers(redis_namespace, per_chat_gap_s=0.1) as (one, two):
        sent: list[tuple[int, str]] = []
        await asyncio.gather(*(send(one, 42, sent, "one") for _ in range(4)), *(send(two, 42, sent, "two") for _ in range(4)))
    starts = sorted(one.granted_ms + two.granted_ms)
    assert len(starts) == 8
    assert all(later - earlier >= 100 for earlier, later in itertools.pairwise(starts))


async def test_a_group_gets_its_per_window_limit_across_processes(redis_namespace: str) -> None:
    async with two_pacers(redis_namespace, per_chat_gap_s=0, group_max=3, group_window_s=0.4) as (one, two):
        sent: list[tuple[int, str]] = []
        await asyncio.gather(*(send(one, -500, sent, "one") for _ in range(4)), *(send(two, -500, sent, "two") for _ in range(4)))
    starts = one.granted_ms + two.granted_ms
    assert len(sent) == 8 and len(starts) == 8
    assert most_in_any_window(starts, 400) <= 3


async def test_without_redis_the_sender_still_sends_paced_in_process() -> None:
    pacer = RedisSendPacer(Redis.from_url("redis://127.0.0.1:1/0"), per_chat_gap_s=0)  # nothing listens on port 1
    sent: list[tuple[int, str]] = []
    await asyncio.gather(*(send(pacer, 300 + i, sent, "alone") for i in range(3)))
    assert len(sent) == 3 and pacer.granted_ms == []  # paced by the in-process budget instead
    assert type(make_pacer(None)).__name__ == "SendPacer"
    assert isinstance(make_pacer(REDIS_URL), RedisSendPacer)


async def test_two_senders_with_one_budget_send_each_message_once(
    redis_namespace: str, service: CoachService, telegram_server: FakeTelegramServer,
) -> None:
    """Two outbox senders (own database engines, own Redis connections: two processes) empty one
    outbox: every message arrives once, and the starts of all sends keep one shared budget."""
    chats = [2000 + i for i in range(10)]
    for chat in chats:
        await queue(service, chat, [f"chat {chat} #{i}" for i in range(2)])
    second_db = Database(service.db.url, service.clock)
    try:
        async with two_pacers(redis_namespace, overall_max=5, overall_window_s=0.5, per_chat_gap_s=0.05) as (one, two), \
                a_bot(telegram_server) as bot:
            first = OutboxSender(Outbox(service.db), bot, pacer=one)
            second = OutboxSender(Outbox(second_db), bot, pacer=two)
            rounds = 0
            while await service.unsent():
                rounds += 1
                assert rounds < 50, "the outbox never emptied"
                await asyncio.gather(first.flush(), second.flush())
            await first.stop(1.0)
            await second.stop(1.0)
    finally:
        await second_db.dispose()
    for chat in chats:
        assert texts(telegram_server, chat) == [f"chat {chat} #0", f"chat {chat} #1"]
    assert len(telegram_server.sent_messages()) == 20
    assert len(one.granted_ms) + len(two.granted_ms) == 20
    assert most_in_any_window(one.granted_ms + two.granted_ms, 500) <= 5
