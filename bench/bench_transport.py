"""200 athletes writing at once, end to end through `coach run`'s transport (issue 11 benchmark).

Usage::

    .venv/bin/python bench/bench_transport.py [--athletes 200] [--brain claude|offline|both]
                                              [--messages rule|model] [--model-delay 2.0] [--database-url URL]

What runs: the real ``TelegramTransport`` (our poller, PTB's handlers, the per-chat processor,
the one sender with Telegram's send limits) against the loopback Bot API server of the tests
(``tests/fakes/telegram_api.py``, real HTTP), the real service and store (SQLite in a temporary
directory unless ``--database-url``), and either Claude through the real anthropic SDK against
the loopback Messages API fake, each answer held ``--model-delay`` seconds, or the offline brain
(MiniLM classifier, warmed up first). Each athlete has a plan and sends one message at the same
moment; a reply counts when ``sendMessage`` reaches the fake. ``--messages rule`` (the default):
every athlete asks "what's on today?", which the offline brain's rules read without the model;
``--messages model``: a different chatty question from each athlete, which the rules leave to the
model (``model_message``), so the offline brain embeds each one (MiniLM) and concurrent ones can
share a batch.

It prints, per brain: replies delivered and doubled, the time from an athlete's message to the
reply being *ready* (queued in the outbox, what the coach controls) and to it being *delivered*
(p50, p95, max), throughput, and the process's CPU time from the first message to the last
reply per message (all threads: the coach, and the fakes that run in the same process, so an
upper bound on the coach's own). Delivery of a burst is bound by Telegram's overall limit of
30 messages a second (``bot/pacing.py``): 200 replies need at least 6.7 s to leave, whatever
the coach does, so the delivered p95 of a 200-reply burst cannot be under ~6 s. Not a test:
figures for docs/reliability.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


from bot import constants as c
from bot.telegram import TelegramTransport
from coach.clock import FixedClock
from coach.engine.models import Profile
from coach.service.service import CoachService
from coach.store import models as m
from coach.store import repo
from coach.store.db import Database
from coach.store.migrate import upgrade
from tests.fakes.anthropic_api import FakeAnthropicServer
from tests.fakes.telegram_api import DEFAULT_TOKEN, FakeTelegramServer

TODAY = dt.date(2026, 11, 24)
PROFILE = Profile.model_validate({
    "sport": "run", "goal": {"event": "half_marathon", "date": "2027-03-28"}, "start_date": "2026-11-23",
    "availability": {"days": ["tue", "thu", "sat", "sun"], "long_day": "sun"},
    "history": {"weekly_km": [30, 30, 30, 30], "longest_km": 15},
})
FIRST_USER = 10_000
MESSAGE = "what's on today?"
MODEL_MESSAGES = (
    "how is it going mate", "all good on your end?", "is it ok to run in the rain", "do I need new shoes soon",
    "how hard should the easy runs feel", "so what now", "quick question about the session",
    "what should I eat before a long run",
)
MODEL_SUFFIXES = (
    "", " then", " btw", " I wonder", " honestly", " mate", " really", " at all", " though", " you reckon",
    " in general", " do you think", " just curious", " for me", " anyway", " lol", " haha", " please", " ok",
    " eh", " out of interest", " if you know", " as a rule", " I suppose", " generally",
)
"""With ``MODEL_MESSAGES``, 200 different texts (each embedded, none read from another athlete's): no
rule of the offline brain decides any, and none reads as a request that changes the plan (checked
with MiniLM: unknown, paces, greeting, explain, today or tomorrow)."""


def model_message(i: int) -> str:
    return MODEL_MESSAGES[i % len(MODEL_MESSAGES)] + MODEL_SUFFIXES[(i // len(MODEL_MESSAGES)) % len(MODEL_SUFFIXES)]
MODEL_ANSWER = "An easy run today: keep it conversational and enjoy it."


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def athletes(db: Database, service: CoachService, n: int) -> None:
    plan = service.build_plan(PROFILE)
    async with db.transaction() as s:
        for i in range(n):
            row = m.Athlete(name=f"tg:{FIRST_USER + i}", display_name=f"A{i}", telegram_user_id=FIRST_USER + i,
                            telegram_chat_id=FIRST_USER + i, profile=PROFILE.model_dump(mode="json", by_alias=True))
            s.add(row)
            await s.flush()
            await repo.save_plan(s, row, plan, source="import", reason="bench")


async def run(
    brain: str, n: int, model_delay: float, database_url: str | None, workers: int, messages: str = "rule"
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'coach.db'}"
        await asyncio.to_thread(upgrade, url)
        db = Database(url)
        claude = client = None
        anthropic_server: FakeAnthropicServer | None = None
        if brain == "claude":
            import anthropic

            from coach.brain.claude import ClaudeBrain

            # In this process, like the Bot API fake: their threads take some of the coach's CPU
            # (on 2 cores), so the figures are if anything pessimistic.
            anthropic_server = FakeAnthropicServer().start()
            for _ in range(n):
                anthropic_server.add_text(MODEL_ANSWER, delay=model_delay)
            client = anthropic.AsyncAnthropic(base_url=anthropic_server.url, api_key="bench", max_retries=0)
            claude = ClaudeBrain(client, "claude-bench", time_budget_s=60)
        service = CoachService(db, FixedClock(TODAY), claude=claude)
        await athletes(db, service, n)
        transactions = [0]
        opened = db.transaction

        @contextlib.asynccontextmanager
        async def counted() -> AsyncIterator[Any]:  # every transaction of the burst: turns, inbox, the sender's claims and marks
            transactions[0] += 1
            async with opened() as session:
                yield session

        db.transaction = counted  # type: ignore[method-assign]
        if brain == "offline":  # the classifier loads once per process: not part of a reply's time
            from coach.service.service import default_classifier

            await asyncio.to_thread(lambda: default_classifier().classify("warm up"))
        ready: dict[int, float] = {}
        original = service.handle

        async def handle(who: Any, incoming: Any, **kwargs: Any) -> Any:
            result = await original(who, incoming, **kwargs)
            if who.chat_id is not None and result.outbox_ids:
                ready[who.chat_id] = time.monotonic()
            return result

        service.handle = handle  # type: ignore[method-assign]
        try:
            with FakeTelegramServer() as server:
                transport = TelegramTransport(service, DEFAULT_TOKEN, server.url, poll_timeout_s=1, workers=workers)
                task = asyncio.create_task(transport.run_polling())
                await server.wait_for_call("getUpdates", timeout=60)
                sent_at: dict[int, float] = {}
                started, cpu_started = time.monotonic(), time.process_time()
                transactions[0] = 0
                for i in range(n):
                    chat = FIRST_USER + i
                    text = MESSAGE if messages == "rule" else model_message(i)
                    server.push_text(chat, text, user_id=chat, first_name=f"A{i}")
                    sent_at[chat] = time.monotonic()

                def replies() -> list[tuple[float, int]]:
                    return [(at, int(p["chat_id"])) for at, (method, p) in server.timed_calls if method == "sendMessage"]

                deadline = time.monotonic() + 60 + model_delay * 4
                while len({chat for _, chat in replies()}) < n and time.monotonic() < deadline:
                    await asyncio.sleep(0.05)
                cpu = time.process_time() - cpu_started
                burst_transactions = transactions[0]
                await asyncio.sleep(1.0)  # anything doubled would have arrived by now
                transport.stop()
                await asyncio.wait_for(task, timeout=30)
                delivered: dict[int, float] = {}
                counts = Counter(chat for _, chat in replies())
                for at, chat in replies():
                    delivered.setdefault(chat, at)
        finally:
            if client is not None:
                await client.close()
            if anthropic_server is not None:
                anthropic_server.stop()
            await db.dispose()
    to_ready = [ready[c] - sent_at[c] for c in sent_at if c in ready]
    to_delivered = [delivered[c] - sent_at[c] for c in sent_at if c in delivered]
    last = max(delivered.values(), default=started)
    return {
        "brain": brain, "athletes": n, "delivered": len(delivered), "doubled": sum(1 for c in counts.values() if c > 1),
        "ready_p50": statistics.median(to_ready) if to_ready else float("nan"),
        "ready_p95": percentile(to_ready, 0.95) if to_ready else float("nan"),
        "delivered_p50": statistics.median(to_delivered) if to_delivered else float("nan"),
        "delivered_p95": percentile(to_delivered, 0.95) if to_delivered else float("nan"),
        "delivered_max": max(to_delivered, default=float("nan")),
        "throughput": len(delivered) / (last - started) if last > started else float("nan"),
        "cpu_ms": 1000 * cpu / n,
        "transactions": burst_transactions / n,
        "embed_calls": getattr(getattr(service.offline, "_batcher", None), "calls", 0),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--athletes", type=int, default=200)
    parser.add_argument("--brain", choices=["claude", "offline", "both"], default="both")
    parser.add_argument("--messages", choices=["rule", "model"], default="rule",
                        help="rule: \"what's on today?\" (read by a rule); model: questions the offline brain's model reads")
    parser.add_argument("--model-delay", type=float, default=2.0, help="seconds each model answer is held (Claude)")
    parser.add_argument("--database-url", help="default: SQLite in a temporary directory")
    parser.add_argument("--workers", type=int, default=c.MAX_CONCURRENT_UPDATES, help="chats handled at once (default: coach run's)")
    args = parser.parse_args()
    brains = ["claude", "offline"] if args.brain == "both" else [args.brain]
    print(f"{args.athletes} athletes, one message each at once ({args.messages} messages); model answers held "
          f"{args.model_delay:.1f} s; {args.workers} chats handled at once")
    print("brain    delivered doubled  ready p50/p95 (s)   delivered p50/p95/max (s)   replies/s  CPU ms/msg  transactions/msg  embed calls")
    for brain in brains:
        r = asyncio.run(run(brain, args.athletes, args.model_delay, args.database_url, args.workers, args.messages))
        print(f"{r['brain']:8} {r['delivered']:4}/{r['athletes']:<4} {r['doubled']:7}  "
              f"{r['ready_p50']:6.2f} / {r['ready_p95']:6.2f}     {r['delivered_p50']:6.2f} / {r['delivered_p95']:6.2f} / "
              f"{r['delivered_max']:6.2f}      {r['throughput']:6.1f}  {r['cpu_ms']:10.1f}  {r['transactions']:16.2f}  {r['embed_calls']:11}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
