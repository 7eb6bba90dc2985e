"""Telegram's send limits (bot/pacing.py): a burst to 40 chats and one group keeps 1 msg/s per
chat, 20/min per group and 30/s overall; nothing lost, nothing doubled.

The full-size burst runs on a virtual clock (deterministic, instant: the limits are checked on the
times the pacer let each message start and end); a smaller one runs for real through the loopback
Bot API fake, where only lower bounds are asserted (gaps between arrivals in one chat)."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections import defaultdict

from telegram import Bot

from bot.pacing import GROUP_MAX, GROUP_WINDOW_S, OVERALL_MAX, OVERALL_WINDOW_S, PER_CHAT_GAP_S, SendPacer
from bot.sender import OutboxSender
from coach.service.delivery import Outbox
from coach.service.service import CoachService
from coach.service.types import Reply
from coach.store import models as m
from tests.fakes.telegram_api import DEFAULT_TOKEN, FakeTelegramServer

GROUP = -100777


class VirtualTime:
    """A clock that moves only when every task is waiting: then it jumps to the earliest wake-up."""

    def __init__(self) -> None:
        self.now = 0.0
        self._waiters: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (self.now + max(seconds, 0.0), next(self._order), future))
        await future

    async def run(self, tasks: list[asyncio.Task[None]]) -> None:
        while not all(t.done() for t in tasks):
            for _ in range(20):  # let every runnable task reach its next sleep
                await asyncio.sleep(0)
            if self._waiters and not all(t.done() for t in tasks):
                at, _, future = heapq.heappop(self._waiters)
                self.now = max(self.now, at)
                future.set_result(None)
        await asyncio.gather(*tasks)


def max_in_window(times: list[float], window: float) -> int:
    """The most starts in any half-open window [t, t + window)."""
    times = sorted(times)
    best, left = 0, 0
    for right, t in enumerate(times):
        while times[left] <= t - window + 1e-9:  # float sums: 0.11 + 1.0 - 1.0 != 0.11
            left += 1
        best = max(best, right - left + 1)
    return best


async def test_a_burst_to_40_chats_and_a_group_keeps_every_limit_on_a_virtual_clock() -> None:
    time = VirtualTime()
    pacer = SendPacer(clock=time.clock, sleep=time.sleep)  # Telegram's limits, as in production
    assert (PER_CHAT_GAP_S, GROUP_MAX, GROUP_WINDOW_S, OVERALL_MAX, OVERALL_WINDOW_S) == (1.0, 20, 60.0, 30, 1.0)
    sends: list[tuple[int, str, float, float]] = []  # chat, text, start, end

    async def chat(chat_id: int, texts: list[str], wire_s: float) -> None:
        for text in texts:  # one chat's messages go one after another, as the sender sends them
            async with pacer.slot(chat_id):
                start = time.now
                await time.sleep(wire_s)  # the request on the wire
                sends.append((chat_id, text, start, time.now))

    plan = {1000 + i: [f"{1000 + i}#{n}" for n in range(5)] for i in range(40)}
    plan[GROUP] = [f"group#{n}" for n in range(45)]
    tasks = [asyncio.create_task(chat(c, texts, 0.05 + (c % 7) * 0.03)) for c, texts in plan.items()]
    await time.run(tasks)

    assert sorted(text for _, text, _, _ in sends) == sorted(t for texts in plan.values() for t in texts)  # all, once
    by_chat: dict[int, list[tuple[float, float, str]]] = defaultdict(list)
    for chat_id, text, start, end in sends:
        by_chat[chat_id].append((start, end, text))
    for chat_id, rows in by_chat.items():
        assert [text for _, _, text in rows] == plan[chat_id]  # in order
        for (_, end, _), (start, _, _) in itertools.pairwise(rows):
            assert start - end >= 1.0 - 1e-9, f"chat {chat_id}: a message started {start - end:.2f} s after the previous one ended"
    assert max_in_window([start for _, _, start, _ in sends], 1.0) <= 30
    group_starts = [start for chat_id, _, start, _ in sends if chat_id == GROUP]
    assert max_in_window(group_starts, 60.0) <= 20
    # And no slower than the limits make it: the 41st group message waits for the 21st's minute to
    # end (two minutes in all), the last four follow it a second apart (each after the previous answer).
    assert 120.0 <= max(group_starts) <= 130.0
    print(f"virtual burst: {len(sends)} messages to 41 chats in {time.now:.1f} s (virtual); group done at {max(group_starts):.1f} s")


async def test_a_real_burst_through_the_bot_api_fake_paces_each_chat_and_sends_each_message_once(
    service: CoachService, telegram_server: FakeTelegramServer
) -> None:
    chats = [2000 + i for i in range(40)]
    async with service.db.transaction() as s:
        for chat_id in chats:
            for n in range(3):
                s.add(m.OutboxMessage(key=f"burst:{chat_id}:{n}", chat_id=chat_id, kind="checkin", payload=Reply(f"{chat_id}#{n}").to_payload()))
    async with Bot(DEFAULT_TOKEN, base_url=telegram_server.bot_base_url, base_file_url=telegram_server.file_base_url) as bot:
        sender = OutboxSender(Outbox(service.db), bot)
        try:
            for _ in range(5):  # one flush claims up to 100 rows
                await sender.flush()
        finally:
            await sender.stop(1.0)
    assert await service.unsent() == []
    arrivals: dict[int, list[float]] = defaultdict(list)
    for at, (method, params) in telegram_server.timed_calls:
        if method == "sendMessage":
            arrivals[int(params["chat_id"])].append(at)
    for chat_id in chats:
        assert [msg["text"] for msg in telegram_server.sent_messages(chat_id)] == [f"{chat_id}#{n}" for n in range(3)]
        gaps = [b - a for a, b in itertools.pairwise(arrivals[chat_id])]
        assert min(gaps) >= 1.0, f"chat {chat_id}: two messages {min(gaps):.3f} s apart"
    assert telegram_server.flood_violations == []
