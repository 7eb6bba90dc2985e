"""The weekly batch in-process on SQLite (issue 15: 10,000 athletes in ≤ 60 s, 0 guardrail violations).

Usage::

    .venv/bin/python bench/bench_batch.py [--athletes 1000] [--review-share 0.1]

Builds one 10k plan, gives it to N athletes (a tenth of them with a coach who reviews), then runs
``coach batch weekly`` for next week exactly as the CLI does (``run_weekly``: per athlete the
self-grading, the KPI gates, the narrative template and the outbox or review queue, one
transaction each). Prints the setup time, the batch's throughput, a re-run's (everything already
done), and the guardrail violations found by validating every athlete's active plan afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select, update

from coach.batch.weekly import run_weekly
from coach.clock import FixedClock
from coach.engine.models import Profile
from coach.engine.validate import validate_plan
from coach.service.service import CoachService
from coach.store import models as m
from coach.store import repo
from coach.store.db import Database
from coach.store.migrate import upgrade

SUNDAY = dt.date(2026, 11, 29)
NEXT_WEEK = dt.date(2026, 11, 30)
PROFILE = Profile.model_validate({
    "sport": "run", "goal": {"event": "10k", "date": "2027-02-21"}, "start_date": "2026-11-23",
    "availability": {"days": ["tue", "thu", "sat", "sun"], "long_day": "sun"},
    "history": {"weekly_km": [25, 25, 25, 25], "longest_km": 12},
})


async def setup(db: Database, service: CoachService, athletes: int, review_share: float) -> None:
    plan = service.build_plan(PROFILE)
    for i in range(athletes):
        await service.add_athlete(f"a{i:06d}", PROFILE, plan)
    async with db.transaction() as s:
        await s.execute(update(m.Athlete).values(telegram_chat_id=m.Athlete.id + 10_000))
        coach = m.Coach(name="cora")
        s.add(coach)
        await s.flush()
        reviewed = int(athletes * review_share)
        if reviewed:
            await s.execute(insert(m.CoachLink), [
                {"coach_id": coach.id, "athlete_id": i, "group_chat_id": -500, "requires_review": True} for i in range(1, reviewed + 1)
            ])


async def violations(db: Database, service: CoachService) -> tuple[int, int]:
    """(athletes whose active plan breaks a guardrail, violations in all)."""
    broken = total = 0
    async with db.transaction() as s:
        ids = list((await s.execute(select(m.Athlete.id))).scalars())
        for athlete_id in ids:
            row = await repo.active_plan_row(s, athlete_id)
            athlete = await s.get(m.Athlete, athlete_id)
            if row is None or athlete is None or athlete.profile is None:
                continue
            found = validate_plan(repo.plan_doc(row), Profile.model_validate(athlete.profile), service.rules)
            broken += bool(found)
            total += len(found)
    return broken, total


async def main(url: str, athletes: int, review_share: float) -> None:
    if True:
        clock = FixedClock(SUNDAY)
        db = Database(url, clock)
        service = CoachService(db, clock)
        started = time.perf_counter()
        await setup(db, service, athletes, review_share)
        print(f"setup: {athletes} athletes with a 13-week plan in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        summary = await run_weekly(db, NEXT_WEEK, rules=service.rules, clock=clock)
        elapsed = time.perf_counter() - started
        counts = {o: summary.count(o) for o in ("done", "review", "skipped", "failed", "already")}
        print(f"batch: {athletes} athletes in {elapsed:.1f} s = {athletes / elapsed:.0f} athletes/s "
              f"({elapsed / athletes * 1000:.1f} ms each) · {counts}")
        print(f"       10,000 athletes at this rate: {10_000 * elapsed / athletes:.0f} s (goal ≤ 60 s)")
        started = time.perf_counter()
        again = await run_weekly(db, NEXT_WEEK, rules=service.rules, clock=clock)
        elapsed = time.perf_counter() - started
        print(f"re-run: {again.count('already')} already done in {elapsed:.1f} s = {athletes / elapsed:.0f} athletes/s")
        async with db.transaction() as s:
            rows = (await s.execute(select(func.count(m.OutboxMessage.id)))).scalar_one()
            keys = (await s.execute(select(func.count(func.distinct(m.OutboxMessage.key))))).scalar_one()
        print(f"outbox: {rows} rows, {keys} distinct keys (doubled: {rows - keys})")
        broken, total = await violations(db, service)
        print(f"guardrails: {broken} athlete(s) with a violation, {total} violation(s) in all (goal 0)")
        await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--athletes", type=int, default=1000)
    parser.add_argument("--review-share", type=float, default=0.1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'coach.db'}"
        upgrade(url)
        asyncio.run(main(url, args.athletes, args.review_share))
