"""From a logged set to the next prescription, through the service, without the model (issue 14).

Usage::

    .venv/bin/python bench/bench_lift.py              # 200 sets over 10 sessions, SQLite in a temp dir
    .venv/bin/python bench/bench_lift.py --sets 500 --history 60

Each timed call is one athlete message ("100 x 5 @8") handled end to end by
``CoachService.handle``: the inbox row, the set written, the prescriber, the reply and its outbox
row, in one committed transaction. ``--history`` first logs that many past sessions so the model of
the lifter (e1RM, bands, self-grading, transfer) has data to read when a session opens. Goal:
p95 <= 50 ms. Prints p50 / p95 / max; on a shared machine compare runs, not single numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

from coach.clock import FixedClock
from coach.service.notes import NoteMemory
from coach.service.service import CoachService, Who
from coach.service.types import Incoming
from coach.store.db import Database
from coach.store.migrate import upgrade
from memory import HashingEmbedder

WHO = Who(name="bench", telegram_user_id=77, chat_id=77)
START = dt.date(2026, 11, 23)


async def run(sets: int, history: int, directory: Path) -> list[float]:
    url = f"sqlite+aiosqlite:///{directory / 'bench.db'}"
    db = Database(url)
    service = CoachService(db, FixedClock(START), memory=NoteMemory(None, HashingEmbedder()))
    update = 0

    async def say(text: str) -> None:
        nonlocal update
        update += 1
        if text.startswith("/"):
            head, _, args = text[1:].partition(" ")
            incoming = Incoming(kind="command", text=text, command=head, args=args)
        else:
            incoming = Incoming(kind="text", text=text)
        await service.handle(WHO, incoming, update_id=update)

    day = 0
    for _ in range(history):  # past sessions, untimed
        service.clock = FixedClock(START + dt.timedelta(days=day))
        day += 2
        await say("/lift")
        for _ in range(12):
            await say("60 x 8 @7.5")
        await say("finished")
    timings: list[float] = []
    while len(timings) < sets:
        service.clock = FixedClock(START + dt.timedelta(days=day))
        day += 2
        await say("/lift")
        for _ in range(20):
            if len(timings) >= sets:
                break
            started = time.perf_counter()
            await say("60 x 8 @7.5")
            timings.append((time.perf_counter() - started) * 1000)
        await say("finished")
    floor: list[float] = []
    for _ in range(50):  # the service's own floor: a command that touches no lifting table
        started = time.perf_counter()
        await say("/help")
        floor.append((time.perf_counter() - started) * 1000)
    await db.dispose()
    print(f"the service's floor (/help, same transaction path): p50 {statistics.median(floor):.1f} ms")
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", type=int, default=200)
    parser.add_argument("--history", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        upgrade(f"sqlite+aiosqlite:///{Path(directory) / 'bench.db'}")  # Alembic runs its own event loop
        timings = asyncio.run(run(args.sets, args.history, Path(directory)))
    from coach.strength import DoneSet, LiftKnowledge, SessionState, build_program, prescribe

    day = build_program().days[0]
    state = SessionState(day=day, done=(DoneSet(0, day.slots[0].exercise, day.slots[0].pattern, 100.0, 8, 8.0),),
                         knowledge={s.exercise: LiftKnowledge(s.exercise, 120.0, "moderate") for s in day.slots})
    pure = []
    for _ in range(2000):
        started = time.perf_counter()
        prescribe(state)
        pure.append((time.perf_counter() - started) * 1000)
    pure.sort()
    print(f"the prescriber alone (pure): p50 {statistics.median(pure):.3f} ms  p95 {pure[int(0.95 * len(pure))]:.3f} ms")
    ordered = sorted(timings)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    print(f"logged set -> next prescription, {len(timings)} sets after {args.history} past sessions (SQLite, no model)")
    print(f"p50 {statistics.median(ordered):.1f} ms  p95 {p95:.1f} ms  max {ordered[-1]:.1f} ms  (goal: p95 <= 50 ms)")


if __name__ == "__main__":
    main()
