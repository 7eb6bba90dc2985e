"""The weekly batch: in-process on SQLite (issue 15: 10,000 athletes in ≤ 60 s, 0 guardrail violations),
or on PostgreSQL with ``coach worker`` processes over a broker (throughput, and how it scales).

Usage::

    .venv/bin/python bench/bench_batch.py [--athletes 1000] [--review-share 0.1]
    .venv/bin/python bench/bench_batch.py --athletes 10000 --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/coach_bench \
        [--workers 2] [--broker-url amqp://guest:guest@127.0.0.1:5672/]

Builds one 10k plan, gives it to N athletes (a tenth of them with a coach who reviews), then runs
``coach batch weekly`` for next week exactly as the CLI does: in this process (``run_weekly``:
per athlete the self-grading, the KPI gates, the narrative template and the outbox or review
queue; chunks of athletes per transaction), or with ``--workers N``, N ``coach worker``
processes taking one task per athlete from the broker (``fan_out``; the database given by
``--database-url`` is dropped and created afresh; the tasks go on a queue of this bench's own,
deleted at the end, so other workers, tests or benches on the broker neither take nor purge them,
and the run is followed as ``coach batch weekly`` follows it: tasks lost on the way are published
again, and the athletes still pending, if any, are printed). Prints the engine's build (compiled or pure
Python), the setup time, the batch's wall and CPU time (this process's: user + system, all its
threads; other processes share the CPUs, so the wall time depends on them), a re-run's
(everything already done), the outbox's rows, doubled keys and stored pictures (each picture is
stored once, ``models_pictures``), the SQLite file's size, and the guardrail violations found by
validating every athlete's active plan afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select, update

from coach.batch.weekly import run_weekly
from coach.clock import FixedClock
from coach.engine import NATIVE_STATUS
from coach.engine.models import Profile
from coach.engine.validate import validate_plan
from coach.service.service import CoachService
from coach.store import models as m
from coach.store import repo
from coach.store.backup import sqlite_path
from coach.store.db import Database
from coach.store.migrate import upgrade
from coach.store.models_pictures import OutboxPicture

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


async def batch(db: Database, service: CoachService, clock: FixedClock, workers: int, broker_url: str) -> tuple[dict[str, int], float, float]:
    """One run of the batch: (outcome counts, wall seconds, this process's CPU seconds)."""
    started, cpu = time.perf_counter(), time.process_time()
    if not workers:
        summary = await run_weekly(db, NEXT_WEEK, rules=service.rules, clock=clock)
        counts = {o: summary.count(o) for o in ("done", "review", "skipped", "failed", "already")}
        return counts, time.perf_counter() - started, time.process_time() - cpu
    from coach.batch.queue import fan_out, follow

    run_id = await fan_out(db, broker_url, NEXT_WEEK, queue=QUEUE)
    published = time.perf_counter() - started
    status, follower = await follow(db, broker_url, run_id, NEXT_WEEK, queue=QUEUE, poll_s=0.2)
    counts = {o: getattr(status, o) for o in ("done", "review", "skipped", "failed", "already", "pending")}
    print(f"       published {status.total} tasks (in AMQP transactions on RabbitMQ) in {published:.1f} s; {follower.sweeps} sweep(s) "
          f"re-published {follower.republished}; still pending: {status.pending_ids or 'none'}")
    return counts, time.perf_counter() - started, time.process_time() - cpu


QUEUE = f"coach-weekly-bench-{os.getpid()}"
"""This bench's own queue: no other worker, test or bench takes or purges its tasks."""


def start_workers(n: int, url: str, broker_url: str) -> list[subprocess.Popen[bytes]]:
    env = {**os.environ, "DATABASE_URL": url, "BROKER_URL": broker_url, "BATCH_QUEUE": QUEUE, "COACH_TODAY": SUNDAY.isoformat(),
           "LOG_LEVEL": "WARNING"}
    env.pop("REDIS_URL", None)
    root = Path(__file__).resolve().parents[1]
    return [subprocess.Popen([sys.executable, "-m", "coach.cli", "worker"], cwd=root, env=env) for _ in range(n)]


def delete_queue(broker_url: str) -> None:
    """This bench's queue goes when it ends (with its delay and dead-letter queues)."""
    from coach.batch.queue import make_broker

    broker = make_broker(broker_url)
    try:
        if broker_url.startswith(("amqp://", "amqps://")):
            for name in (QUEUE, f"{QUEUE}.DQ", f"{QUEUE}.XQ"):
                broker.channel.queue_delete(name)  # type: ignore[attr-defined]
        else:
            broker.flush(QUEUE)
    finally:
        broker.close()


async def main(url: str, athletes: int, review_share: float, workers: int, broker_url: str) -> None:
    clock = FixedClock(SUNDAY)
    db = Database(url, clock)
    service = CoachService(db, clock)
    started = time.perf_counter()
    print(f"engine: {NATIVE_STATUS.summary}")
    await setup(db, service, athletes, review_share)
    print(f"setup: {athletes} athletes with a 13-week plan in {time.perf_counter() - started:.1f} s")
    procs: list[subprocess.Popen[bytes]] = []
    if workers:
        procs = start_workers(workers, url, broker_url)
        await asyncio.sleep(3)  # the workers import and connect
    where = f"{workers} worker(s) over {broker_url.split('@')[-1]}" if workers else "in-process"
    try:
        counts, elapsed, cpu = await batch(db, service, clock, workers, broker_url)
        print(f"batch ({where}, {db.engine.dialect.name}): {athletes} athletes in {elapsed:.1f} s = {athletes / elapsed:.0f} athletes/s "
              f"({elapsed / athletes * 1000:.1f} ms each; this process's CPU {cpu:.1f} s = {cpu / athletes * 1000:.1f} ms each) · {counts}")
        print(f"       10,000 athletes at this rate: {10_000 * elapsed / athletes:.0f} s (goal in-process on SQLite ≤ 60 s); "
              f"100,000: {100_000 * elapsed / athletes / 60:.0f} min")
        again, elapsed, _ = await batch(db, service, clock, workers, broker_url)
        print(f"re-run: {again['already']} already done in {elapsed:.1f} s = {athletes / elapsed:.0f} athletes/s")
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:  # never leave a worker behind
                proc.kill()
                proc.wait()
        if workers:
            delete_queue(broker_url)
    async with db.transaction() as s:
        rows = (await s.execute(select(func.count(m.OutboxMessage.id)))).scalar_one()
        keys = (await s.execute(select(func.count(func.distinct(m.OutboxMessage.key))))).scalar_one()
        pictures = (await s.execute(select(func.count(OutboxPicture.sha256)))).scalar_one()
    print(f"outbox: {rows} rows, {keys} distinct keys (doubled: {rows - keys}), {pictures} picture(s) stored")
    path = sqlite_path(url) if db.engine.dialect.name == "sqlite" else None
    if path is not None:
        size = sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())
        print(f"database: {size / 1024 / 1024:.0f} MiB (with its WAL)")
    broken, total = await violations(db, service)
    print(f"guardrails: {broken} athlete(s) with a violation, {total} violation(s) in all (goal 0)")
    await db.dispose()


async def recreate(url: str) -> None:
    """Drop and create the bench's PostgreSQL database (never the tests' ``test``)."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    from sqlalchemy.ext.asyncio import create_async_engine

    name = make_url(url).database
    engine = create_async_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--athletes", type=int, default=1000)
    parser.add_argument("--review-share", type=float, default=0.1)
    parser.add_argument("--database-url", help="a PostgreSQL database to drop and create for the bench (default: a temporary SQLite file)")
    parser.add_argument("--workers", type=int, default=0, help="run on N `coach worker` processes over --broker-url (default: in-process)")
    parser.add_argument("--broker-url", default="amqp://guest:guest@127.0.0.1:5672/")
    args = parser.parse_args()
    if args.database_url:
        if args.database_url.rsplit("/", 1)[-1] in ("test", "postgres"):
            parser.error("--database-url: name a database of the bench's own (it is dropped), not 'test' or 'postgres'")
        asyncio.run(recreate(args.database_url))
        upgrade(args.database_url)
        asyncio.run(main(args.database_url, args.athletes, args.review_share, args.workers, args.broker_url))
    else:
        if args.workers:
            parser.error("--workers needs --database-url (PostgreSQL: workers are separate processes)")
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'coach.db'}"
            upgrade(url)
            asyncio.run(main(url, args.athletes, args.review_share, 0, args.broker_url))
