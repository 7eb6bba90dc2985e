"""The weekly batch: in-process on SQLite (issue 15: 10,000 athletes in ≤ 60 s, 0 guardrail violations),
or on PostgreSQL with ``coach worker`` processes over a broker (throughput, and how it scales).

Usage::

    .venv/bin/python bench/bench_batch.py [--athletes 1000] [--review-share 0.1]
    .venv/bin/python bench/bench_batch.py --athletes 10000 --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/coach_bench \
        [--workers 2] [--broker-url amqp://guest:guest@127.0.0.1:5672/] [--no-rerun]

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
validating every athlete's active plan afterwards. With workers also the load average at the end,
and the workers' and PostgreSQL's CPU per athlete. On PostgreSQL the athletes after the first are
copies of its rows (``clone_first``) and each distinct (profile, plan) is validated once
(``plan_digests``): 100,000 athletes take ~2 minutes to set up and ~3 to check.
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
    postgres = db.engine.dialect.name == "postgresql"
    for i in range(1 if postgres and athletes else athletes):
        await service.add_athlete(f"a{i:06d}", PROFILE, plan)
    if postgres and athletes > 1:  # the others as copies of the first (~35 ms each through the service: an hour for 100,000)
        await clone_first(db, athletes - 1)
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


CLONE_BATCH = 5_000
CLONED_TABLES = ("athletes", "goals", "plans", "plan_weeks", "planned_sessions")
"""What ``add_athlete`` writes for an athlete with a plan (and nothing else): ``clone_first`` copies these rows."""


async def clone_first(db: Database, copies: int) -> None:
    """On PostgreSQL: ``copies`` more athletes (``a000001``…), each with a copy of the first athlete's
    rows in ``CLONED_TABLES`` (goal, active plan, its weeks and sessions): what ``add_athlete`` with
    the same profile and plan writes, in a few INSERT … SELECT per ``CLONE_BATCH`` athletes."""
    from sqlalchemy import text

    tables = {name: m.Base.metadata.tables[name] for name in CLONED_TABLES}

    def columns(table: str, alias: str = "", *, but: str) -> str:
        return ", ".join(f'{alias}"{c.name}"' for c in tables[table].columns if c.name not in ("id", but))

    named = "a.name BETWEEN 'a' || lpad(CAST(CAST(:lo AS integer) AS text), 6, '0') AND 'a' || lpad(CAST(CAST(:hi AS integer) AS text), 6, '0')"
    copies_of_plan = f"JOIN plans t ON w.plan_id = t.id AND t.athlete_id = :first JOIN plans p ON p.version = t.version JOIN athletes a ON p.athlete_id = a.id AND {named}"
    statements = [
        f"""INSERT INTO athletes (name, {columns("athletes", but="name")}) SELECT 'a' || lpad(g::text, 6, '0'), {columns("athletes", "t.", but="name")}
            FROM athletes t, generate_series(CAST(:lo AS integer), CAST(:hi AS integer)) g WHERE t.id = :first ORDER BY g""",
        f"""INSERT INTO goals (athlete_id, {columns("goals", but="athlete_id")}) SELECT a.id, {columns("goals", "t.", but="athlete_id")}
            FROM goals t JOIN athletes a ON {named} WHERE t.athlete_id = :first ORDER BY a.id, t.id""",
        f"""INSERT INTO plans (athlete_id, {columns("plans", but="athlete_id")}) SELECT a.id, {columns("plans", "t.", but="athlete_id")}
            FROM plans t JOIN athletes a ON {named} WHERE t.athlete_id = :first ORDER BY a.id, t.id""",
        f"""INSERT INTO plan_weeks (plan_id, {columns("plan_weeks", but="plan_id")}) SELECT p.id, {columns("plan_weeks", "w.", but="plan_id")}
            FROM plan_weeks w {copies_of_plan} ORDER BY p.id, w.index""",
        f"""INSERT INTO planned_sessions (week_id, {columns("planned_sessions", but="week_id")}) SELECT nw.id, {columns("planned_sessions", "s.", but="week_id")}
            FROM planned_sessions s JOIN plan_weeks w ON s.week_id = w.id {copies_of_plan}
            JOIN plan_weeks nw ON nw.plan_id = p.id AND nw.index = w.index ORDER BY nw.id, s.id""",
    ]
    async with db.transaction() as s:
        first = (await s.execute(select(m.Athlete.id).where(m.Athlete.name == "a000000"))).scalar_one()
    started = time.perf_counter()
    for lo in range(1, copies + 1, CLONE_BATCH):
        hi = min(lo + CLONE_BATCH - 1, copies)
        async with db.transaction() as s:
            for statement in statements:
                await s.execute(text(statement), {"first": first, "lo": lo, "hi": hi})
        if copies > CLONE_BATCH:
            print(f"       cloned {hi} of {copies} athletes ({time.perf_counter() - started:.0f} s)", flush=True)
    async with db.transaction() as s:  # fresh statistics for the planner after millions of rows
        await s.execute(text("ANALYZE"))


async def violations(db: Database, service: CoachService) -> tuple[int, int, int]:
    """(athletes whose active plan breaks a guardrail, violations in all, plans validated): every
    athlete's active plan validated against their profile. On PostgreSQL each distinct (profile,
    plan) once: ``plan_digests`` groups the athletes whose profile and active plan (its document,
    every column of its weeks and sessions) are the same, and one athlete of each group stands for
    it (at 13 ms per athlete, 100,000 took over 20 minutes)."""
    async with db.transaction() as s:
        ids = list((await s.execute(select(m.Athlete.id).order_by(m.Athlete.id))).scalars())
    groups = await plan_digests(db, ids) if db.engine.dialect.name == "postgresql" else {a: 1 for a in ids}
    broken = total = validated = 0
    stand_ins = sorted(groups)
    for first in range(0, len(stand_ins), VALIDATE_BATCH):
        batch = stand_ins[first:first + VALIDATE_BATCH]
        async with db.transaction() as s:
            with repo.plan_memo(s, shared=False):
                await repo.preload_active_plans(s, batch)
                athletes = {a.id: a for a in (await s.execute(select(m.Athlete).where(m.Athlete.id.in_(batch)))).scalars()}
                for athlete_id in batch:
                    row = await repo.active_plan_row(s, athlete_id)
                    athlete = athletes.get(athlete_id)
                    if row is None or athlete is None or athlete.profile is None:
                        continue
                    found = validate_plan(repo.plan_doc(row), Profile.model_validate(athlete.profile), service.rules)
                    validated += 1
                    broken += groups[athlete_id] * bool(found)
                    total += groups[athlete_id] * len(found)
                    repo.forget_plans(s, athlete_id)
    return broken, total, validated


async def plan_digests(db: Database, ids: list[int]) -> dict[int, int]:
    """On PostgreSQL: athletes with a profile and an active plan, grouped by an MD5 of the profile and
    the plan (its document; every column but the keys of its weeks, in order, and of their sessions,
    by date then id): {the first athlete of each group: how many athletes it stands for}."""
    from sqlalchemy import text

    tables = m.Base.metadata.tables

    def row_of(table: str, alias: str, *, but: str) -> str:
        return "ROW(" + ", ".join(f'{alias}."{c.name}"' for c in tables[table].columns if c.name not in ("id", but)) + ")::text"

    query = text(f"""
        WITH active AS (
            SELECT DISTINCT ON (athlete_id) athlete_id, id FROM plans
            WHERE status = 'active' AND athlete_id BETWEEN :lo AND :hi ORDER BY athlete_id, version DESC
        ), sessions AS (
            SELECT s.week_id, string_agg({row_of("planned_sessions", "s", but="week_id")}, ';' ORDER BY s.date, s.id) AS t
            FROM planned_sessions s JOIN plan_weeks w ON w.id = s.week_id JOIN active ON active.id = w.plan_id GROUP BY s.week_id
        ), weeks AS (
            SELECT w.plan_id, string_agg({row_of("plan_weeks", "w", but="plan_id")} || '[' || coalesce(sessions.t, '') || ']', '|'
                                         ORDER BY w.index) AS t
            FROM plan_weeks w JOIN active ON active.id = w.plan_id LEFT JOIN sessions ON sessions.week_id = w.id GROUP BY w.plan_id
        )
        SELECT md5(a.profile::text || '#' || p.document::text || '#' || coalesce(weeks.t, '')), min(a.id), count(*)
        FROM active JOIN plans p ON p.id = active.id JOIN athletes a ON a.id = active.athlete_id
        LEFT JOIN weeks ON weeks.plan_id = p.id WHERE a.profile IS NOT NULL GROUP BY 1""")
    digests: dict[str, tuple[int, int]] = {}
    for first in range(0, len(ids), DIGEST_BATCH):
        batch = ids[first:first + DIGEST_BATCH]
        async with db.transaction() as s:
            for digest, athlete_id, count in await s.execute(query, {"lo": batch[0], "hi": batch[-1]}):
                held = digests.get(digest)
                digests[digest] = (athlete_id, count) if held is None else (min(held[0], athlete_id), held[1] + count)
    return dict(digests.values())


DIGEST_BATCH = 10_000
VALIDATE_BATCH = 1_000


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


def load_average() -> str:
    """The 1, 5 and 15-minute load averages (the machine's other jobs share its CPUs)."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def cpu_seconds(pid: int) -> float | None:
    """A process's CPU seconds so far (user + system, from /proc: Linux only; else None)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def workers_cpu(procs: list[subprocess.Popen[bytes]]) -> float | None:
    """The workers' CPU seconds so far (None where /proc can't say)."""
    each = [cpu_seconds(proc.pid) for proc in procs]
    return None if None in each else sum(e for e in each if e is not None)


async def backends_cpu(db: Database) -> dict[int, float]:
    """On PostgreSQL on this machine: the CPU seconds so far of each server process connected to the
    bench's database (the workers' and this process's), by pid; {} where that can't be read."""
    from sqlalchemy import text

    if db.engine.dialect.name != "postgresql":
        return {}
    async with db.transaction() as s:
        pids = list((await s.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"))).scalars())
    return {pid: seconds for pid in pids if (seconds := cpu_seconds(pid)) is not None}


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
    from coach.batch.queue import close_broker, make_broker

    broker = make_broker(broker_url)
    try:
        if broker_url.startswith(("amqp://", "amqps://")):
            for name in (QUEUE, f"{QUEUE}.DQ", f"{QUEUE}.XQ"):
                broker.channel.queue_delete(name)  # type: ignore[attr-defined]
        else:
            broker.flush(QUEUE)
    finally:
        close_broker(broker)


async def main(url: str, athletes: int, review_share: float, workers: int, broker_url: str, rerun: bool = True) -> None:
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
        before, server_before = workers_cpu(procs), await backends_cpu(db)
        counts, elapsed, cpu = await batch(db, service, clock, workers, broker_url)
        after, server_after = workers_cpu(procs), await backends_cpu(db)
        print(f"batch ({where}, {db.engine.dialect.name}): {athletes} athletes in {elapsed:.1f} s = {athletes / elapsed:.0f} athletes/s "
              f"({elapsed / athletes * 1000:.1f} ms each; this process's CPU {cpu:.1f} s = {cpu / athletes * 1000:.1f} ms each) · {counts}")
        spent = "" if not procs or before is None or after is None else (
            f"; the workers' CPU {after - before:.1f} s = {(after - before) / athletes * 1000:.1f} ms per athlete")
        server = sum(seconds - server_before.get(pid, 0.0) for pid, seconds in server_after.items())
        if server_after:  # the backends of connections closed during the run are not counted
            spent += f"; PostgreSQL's backends {server:.1f} s = {server / athletes * 1000:.1f} ms per athlete"
        print(f"       load average at the end: {load_average()}{spent}")
        print(f"       10,000 athletes at this rate: {10_000 * elapsed / athletes:.0f} s (goal in-process on SQLite ≤ 60 s); "
              f"100,000: {100_000 * elapsed / athletes / 60:.0f} min")
        if rerun:
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
    started = time.perf_counter()
    broken, total, validated = await violations(db, service)
    print(f"guardrails: {broken} athlete(s) with a violation, {total} violation(s) in all (goal 0; {validated} distinct "
          f"profile and plan(s) validated in {time.perf_counter() - started:.0f} s)")
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
    parser.add_argument("--no-rerun", dest="rerun", action="store_false",
                        help="skip the re-run (every athlete done before; ~12 ms each on 2 workers: 20 minutes for 100,000)")
    args = parser.parse_args()
    if args.database_url:
        if args.database_url.rsplit("/", 1)[-1] in ("test", "postgres"):
            parser.error("--database-url: name a database of the bench's own (it is dropped), not 'test' or 'postgres'")
        asyncio.run(recreate(args.database_url))
        upgrade(args.database_url)
        asyncio.run(main(args.database_url, args.athletes, args.review_share, args.workers, args.broker_url, args.rerun))
    else:
        if args.workers:
            parser.error("--workers needs --database-url (PostgreSQL: workers are separate processes)")
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'coach.db'}"
            upgrade(url)
            asyncio.run(main(url, args.athletes, args.review_share, 0, args.broker_url, args.rerun))
