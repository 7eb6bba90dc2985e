"""The shared send budget under load (bot/pacing_redis.py): many chats waiting at once stay on the
shared budget (no fall-back to per-process pacing when redis-py's pool runs out), and a send still
on the wire keeps its overall slot until answered (counted from the answer, not the start).
Checked on Redis's clock (``granted_ms``): lower bounds only, no timing assertion of the test's side."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from bot.pacing_redis import RedisSendPacer
from tests.scale.conftest import REDIS_URL

pytestmark = pytest.mark.asyncio


async def test_more_waiting_chats_than_redis_connections_stay_on_the_shared_budget(redis_namespace: str) -> None:
    client = Redis.from_url(REDIS_URL, max_connections=4)
    pacer = RedisSendPacer(client, namespace=redis_namespace, overall_max=50, overall_window_s=0.2, per_chat_gap_s=0)
    sent: list[int] = []

    async def send(chat_id: int) -> None:
        async with pacer.slot(chat_id):
            sent.append(chat_id)
            await asyncio.sleep(0.001)

    try:
        await asyncio.gather(*(send(1000 + i) for i in range(60)))
    finally:
        await client.aclose()
    assert sorted(sent) == [1000 + i for i in range(60)]
    assert len(pacer.granted_ms) == 60  # every slot granted by Redis: none fell back to in-process pacing
    assert not pacer._redis_down


async def test_a_send_on_the_wire_holds_its_overall_slot_until_answered(redis_namespace: str) -> None:
    client = Redis.from_url(REDIS_URL)
    pacer = RedisSendPacer(client, namespace=redis_namespace, overall_max=2, overall_window_s=0.3, per_chat_gap_s=0)

    async def send(chat_id: int, wire_s: float) -> None:
        async with pacer.slot(chat_id):
            await asyncio.sleep(wire_s)

    try:
        await asyncio.gather(send(1, 0.4), send(2, 0.4))
        await send(3, 0)
    finally:
        await client.aclose()
    first, _, third = sorted(pacer.granted_ms)
    # The third waits for the first answer (>= 400 ms after its start) plus the window (300 ms).
    assert third - first >= 700
