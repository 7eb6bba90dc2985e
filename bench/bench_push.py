"""Push the weekly messages through a loopback Bot API that enforces Telegram's limits (issue 15).

Usage::

    .venv/bin/python bench/bench_push.py [--messages 10000] [--senders 2] [--redis-url redis://127.0.0.1:6379/0]

Queues ``--messages`` weekly messages (one per athlete's chat, the batch's text) in the outbox of a
SQLite database, then empties it with ``--senders`` outbox senders (``bot/sender.py``), each with
its own database engine and its own Redis connection, as separate bot processes would have. With
``--redis-url`` they share one send budget (``bot/pacing_redis.py``); ``--redis-url ''`` gives each
its own in-process budget (``bot/pacing.py``: n senders then try n × 30/s). The Bot API is the
tests' loopback fake (``tests/fakes/telegram_api.py``, real HTTP) enforcing 30 sends in any second
for the bot and one per second per chat: a send over either is answered 429 with ``retry_after``
(the sender holds that chat and sends it again later).

Prints: msg/s sustained (delivered ÷ first-to-last delivery), the 429s the server answered, lost
(queued, never delivered) and doubled (a chat that got its message twice). Goal: ≥ 28 msg/s,
0 lost, 0 doubled. 10,000 messages at 30/s take at least 5.6 minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import threading
import time
from collections import Counter, deque
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select
from telegram import Bot

from bot.pacing import SendPacer
from bot.pacing_redis import RedisSendPacer
from bot.sender import OutboxSender
from coach.clock import SystemClock
from coach.service.delivery import Outbox
from coach.service.types import Reply
from coach.store import models as m
from coach.store.db import Database
from coach.store.migrate import upgrade
from tests.fakes._http import HTTPRequest, HTTPResponse
from tests.fakes.telegram_api import DEFAULT_TOKEN, FakeTelegramServer, _error_response

SENDS = ("/sendmessage", "/sendphoto", "/senddocument")
WEEKLY = ("Last week: 3 of 4 sessions done (75 %), 0 partial, 1 missed.\nNext week:\nTue easy run 40 min\n"
          "Thu intervals 5 x 1 km @ 10k pace\nSat easy run 30 min\nSun long run 14 km")


class LimitedTelegram(FakeTelegramServer):
    """The fake Bot API, answering 429 to a send over 30 in the last second or a second to one chat within 1 s."""

    def __init__(self, per_second: int = 30) -> None:
        super().__init__(validate_entities=False)
        self.per_second = per_second
        self._starts: deque[float] = deque()
        self._chat_last: dict[str, float] = {}
        self._lock = threading.Lock()
        self.too_many = 0
        self.delivered: Counter[str] = Counter()
        self.first = self.last = 0.0

    def handle_request(self, request: HTTPRequest) -> HTTPResponse:
        path = request.path.lower()
        if not path.endswith(SENDS):
            return super().handle_request(request)
        chat = (request.body or b"").split(b"chat_id=", 1)[-1].split(b"&", 1)[0].decode()
        with self._lock:
            now = time.monotonic()
            while self._starts and self._starts[0] <= now - 1.0:
                self._starts.popleft()
            if len(self._starts) >= self.per_second or now - self._chat_last.get(chat, -10.0) < 1.0:
                self.too_many += 1
                return _error_response(429, "Too Many Requests: retry after 1", {"retry_after": 1})
            self._starts.append(now)
            self._chat_last[chat] = now
        response = super().handle_request(request)
        with self._lock:
            self.delivered[chat] += 1
            self.first = self.first or now
            self.last = now
        return response


async def main(url: str, messages: int, senders: int, redis_url: str) -> None:
    if True:
        clock = SystemClock()
        dbs = [Database(url, clock) for _ in range(senders)]
        async with dbs[0].transaction() as s:
            payload = Reply(WEEKLY).to_payload()
            await s.execute(insert(m.OutboxMessage), [
                {"key": f"weekly:{i}:bench", "chat_id": 100_000 + i, "kind": "weekly_plan", "payload": payload} for i in range(messages)
            ])
        clients = []
        if redis_url:
            from redis.asyncio import Redis

            clients = [Redis.from_url(redis_url) for _ in range(senders)]
            await clients[0].delete(*[key async for key in clients[0].scan_iter(match="coach:pace:bench:*")] or ["-"])
        pacers: list[SendPacer] = [RedisSendPacer(c, namespace="bench") for c in clients] or [SendPacer() for _ in range(senders)]
        with LimitedTelegram() as server:
            async with Bot(DEFAULT_TOKEN, base_url=server.bot_base_url, base_file_url=server.file_base_url) as bot:
                workers = [OutboxSender(Outbox(db), bot, pacer=pacer) for db, pacer in zip(dbs, pacers, strict=True)]
                started = time.perf_counter()
                for worker in workers:
                    worker.start()
                while True:
                    await asyncio.sleep(1.0)
                    async with dbs[0].transaction() as s:
                        left = (await s.execute(select(func.count()).where(m.OutboxMessage.sent_at.is_(None)))).scalar_one()
                    done = messages - left
                    print(f"\r{done}/{messages} sent, {server.too_many} × 429, {time.perf_counter() - started:.0f} s", end="", file=sys.stderr)
                    if left == 0:
                        break
                print(file=sys.stderr)
                for worker in workers:
                    await worker.stop(5.0)
            delivered = server.delivered
            span = server.last - server.first
        lost = sum(1 for i in range(messages) if delivered[str(100_000 + i)] == 0)
        doubled = sum(count - 1 for count in delivered.values() if count > 1)
        budget = "one shared budget (Redis)" if redis_url else "a budget per sender (in-process)"
        print(f"{messages} weekly messages, {senders} sender(s), {budget}: {sum(delivered.values())} delivered in {span:.1f} s = "
              f"{(sum(delivered.values()) - 1) / span if span else 0:.1f} msg/s sustained; {server.too_many} answered 429; "
              f"lost {lost}, doubled {doubled} (goal ≥ 28 msg/s, 0 lost, 0 doubled)")
        for client in clients:
            await client.aclose()
        for db in dbs:
            await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--senders", type=int, default=2)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'coach.db'}"
        upgrade(url)
        asyncio.run(main(url, args.messages, args.senders, args.redis_url))
