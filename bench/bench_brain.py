"""Message → reply latency with the offline brain, and input tokens per Claude turn.

Usage::

    .venv/bin/python bench/bench_brain.py [--n 200]

The latency covers the whole service path a Telegram message takes (transaction, intent
classification, slots, tool calls, engine, note recall, reply), on SQLite, after warm-up.
Goal (issue 5): p95 ≤ 50 ms. Token counts are estimated as characters / 4 (the usual rule
of thumb for English; no network to ask the API), for the static part (system prompt +
tool definitions, cached) and the per-turn part (digest + history + message).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from coach.brain.claude import load_system_prompt
from coach.clock import FixedClock
from coach.engine.models import Profile
from coach.service.digest import athlete_digest
from coach.service.notes import NoteMemory
from coach.service.service import CoachService, Ctx, Who
from coach.service.tools import CoachTools
from coach.service.types import Incoming
from coach.store import repo
from coach.store.db import Database

MESSAGES = [
    "what's on today?", "what about tomorrow?", "show me this week", "why is there a long run on sunday?",
    "how is my fitness?", "thanks coach", "hello", "what do you remember about my knee?",
    "what pace for a 10k in 48:30", "give me 100 km this week",
]
PROFILE = Profile.model_validate({
    "sport": "run", "goal": {"event": "half_marathon", "date": "2027-03-28"}, "start_date": "2026-11-23",
    "availability": {"days": ["tue", "thu", "sat", "sun"], "long_day": "sun"},
    "history": {"weekly_km": [30, 30, 30, 30], "longest_km": 15, "recent_race": {"distance_km": 10, "time": "50:00"}},
})
TODAY = dt.date(2026, 11, 25)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


async def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        db = Database(url)
        await db.upgrade()
        service = CoachService(db, FixedClock(TODAY), memory=NoteMemory(Path(tmp) / "memory"))
        await service.add_athlete("ann", PROFILE)
        who = Who(name="ann")
        for note in ("my left knee hurts going downstairs", "I only have a 25 m pool", "I prefer to run in the mornings"):
            await service.handle(who, Incoming(kind="text", text=f"remember that {note}"))
        started = time.perf_counter()
        await service.handle(who, Incoming(kind="text", text="hello"))  # loads the model
        print(f"warm-up (model load + first reply): {time.perf_counter() - started:.2f} s")
        latencies: list[float] = []
        for i in range(n):
            message = MESSAGES[i % len(MESSAGES)]
            t0 = time.perf_counter()
            await service.handle(who, Incoming(kind="text", text=message))
            latencies.append((time.perf_counter() - t0) * 1000)
        print(f"offline brain, message → reply over {n} messages: p50 {statistics.median(latencies):.1f} ms, "
              f"p95 {percentile(latencies, 95):.1f} ms, max {max(latencies):.1f} ms  (goal p95 ≤ 50 ms)")

        async with db.transaction() as s:
            athlete = await repo.athlete_by_name(s, "ann")
            assert athlete is not None
            ctx = Ctx(s, athlete, TODAY)
            tools = CoachTools(service, ctx).tools()
            notes = [note.text for note in await service.notes.recall(ctx, "can I do hill repeats?")]
            digest = await athlete_digest(ctx, notes)
            history = await service._history(ctx)
        static = len(load_system_prompt()) + len(json.dumps([t.definition() for t in tools]))
        per_turn = len(digest) + len(json.dumps(history)) + len("can I do hill repeats?")
        print(f"Claude turn input ≈ {(static + per_turn) / 4:.0f} tokens: static (cached) ≈ {static / 4:.0f}, "
              f"per turn ≈ {per_turn / 4:.0f} (digest {len(digest) / 4:.0f}, history {len(json.dumps(history)) / 4:.0f}); "
              f"tokens ≈ characters / 4")
        await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    asyncio.run(main(parser.parse_args().n))
