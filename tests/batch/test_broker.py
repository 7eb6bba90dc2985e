"""The weekly batch over a real broker: RabbitMQ and Redis round trips through `coach worker`
processes, and a worker killed mid-batch (SIGKILL) whose tasks another worker finishes, once.

Skipped with a reason where a broker is not running (a laptop without RabbitMQ or Redis)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from coach.batch.queue import fan_out, make_broker
from coach.batch.report import RunStatus, recent_runs
from coach.store import models as m
from coach.store.db import Database
from tests.batch.conftest import NEXT_WEEK, Clock, add_athletes

RABBIT_URL = os.environ.get("COACH_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
REDIS_URL = os.environ.get("COACH_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
WAIT_S = 40.0
"""A generous ceiling on waiting for workers (not a timing assertion: the test fails only if nothing happens)."""


def reachable(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def purge(url: str) -> None:
    """Nothing left over from an earlier run reaches this test's workers."""
    from coach.batch.queue import declare

    broker = make_broker(url)
    declare(broker)
    broker.flush_all()
    broker.close()


class Workers:
    """``coach worker`` processes against one database and broker."""

    def __init__(self, url: str, database_url: str, tmp: Path) -> None:
        self.env = {**os.environ, "BROKER_URL": url, "DATABASE_URL": database_url, "COACH_DATA_DIR": str(tmp),
                    "COACH_TODAY": "2026-11-29", "LOG_LEVEL": "WARNING"}
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen([sys.executable, "-m", "coach.cli", "worker"], env=self.env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.procs.append(proc)
        return proc

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture
def workers_factory(tmp_path: Path) -> Iterator[list[Workers]]:
    made: list[Workers] = []
    yield made
    for w in made:
        w.stop_all()


async def wait_until(db: Database, run_id: int, done: int) -> RunStatus:
    deadline = time.monotonic() + WAIT_S
    while True:
        status = next(r for r in await recent_runs(db, 10) if r.run_id == run_id)
        if status.total - status.pending >= done or time.monotonic() > deadline:
            return status
        await asyncio.sleep(0.2)


async def outbox_keys(db: Database) -> list[str]:
    async with db.transaction() as s:
        return list((await s.execute(select(m.OutboxMessage.key).order_by(m.OutboxMessage.id))).scalars())


async def round_trip(url: str, db: Database, sunday: Clock, tmp: Path, made: list[Workers]) -> None:
    purge(url)
    service = await add_athletes(db, sunday, ["ann", "bob", "dee"])
    async with db.transaction() as s:
        dee = await s.get(m.Athlete, 3)
        assert dee is not None
        dee.profile = {"sport": "curling"}  # fails, is recorded with its reason, retried with backoff
    del service
    workers = Workers(url, db.url, tmp)
    made.append(workers)
    run_id = await fan_out(db, url, NEXT_WEEK)
    workers.start()
    status = await wait_until(db, run_id, 3)
    assert (status.done, status.failed, status.pending) == (2, 1, 0)
    assert status.failures[0].athlete_id == 3 and status.failures[0].reason.startswith("ValidationError")
    assert sorted(await outbox_keys(db)) == ["weekly:1:2026-11-30", "weekly:2:2026-11-30"]


async def test_rabbitmq_round_trip_and_a_worker_killed_mid_batch(db: Database, sunday: Clock, tmp_path: Path,
                                                                   workers_factory: list[Workers]) -> None:
    if not reachable(5672):
        pytest.skip("RabbitMQ is not running at 127.0.0.1:5672 (set COACH_TEST_AMQP_URL); the in-process tests cover the batch")
    await round_trip(RABBIT_URL, db, sunday, tmp_path, workers_factory)
    # Then 20 more athletes; the first worker is killed (SIGKILL) once it has finished one.
    workers_factory[0].stop_all()
    await add_athletes(db, sunday, [f"k{i}" for i in range(20)])
    ids = list(range(4, 24))
    run_id = await fan_out(db, RABBIT_URL, NEXT_WEEK, ids)
    workers = workers_factory[0]
    first = workers.start()
    await wait_until(db, run_id, 1)  # early, so the kill lands mid-batch (the checks below hold either way)
    first.send_signal(signal.SIGKILL)
    first.wait()
    workers.start()  # unacknowledged tasks of the dead worker come back to this one
    status = await wait_until(db, run_id, 20)
    assert status.pending == 0 and status.failed == 0
    assert status.done == 20  # each athlete done once; a task redelivered after its commit counts as "already"
    keys = [k for k in await outbox_keys(db) if k != "weekly:1:2026-11-30" and k != "weekly:2:2026-11-30"]
    assert sorted(keys) == sorted(f"weekly:{i}:2026-11-30" for i in ids)  # each once
    async with db.transaction() as s:
        assert (await s.execute(select(func.count(m.OutboxMessage.id)))).scalar_one() == 22


async def test_redis_round_trip(db: Database, sunday: Clock, tmp_path: Path, workers_factory: list[Workers]) -> None:
    if not reachable(6379):
        pytest.skip("Redis is not running at 127.0.0.1:6379 (set COACH_TEST_REDIS_URL); the in-process tests cover the batch")
    await round_trip(REDIS_URL, db, sunday, tmp_path, workers_factory)
