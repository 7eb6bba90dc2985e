"""The weekly batch over a real broker: RabbitMQ and Redis round trips through `coach worker`
processes, a worker killed mid-batch (SIGKILL) whose tasks another worker finishes, once, and
tasks lost on the broker (taken and acknowledged by a consumer that is not ours) that the run's
coordinator publishes again.

Each test takes a queue of its own (``BATCH_QUEUE``), deleted afterwards: nothing else (another
test, a bench, a deployment's workers) takes or purges its tasks, and it purges nobody's.
Skipped with a reason where a broker is not running (a laptop without RabbitMQ or Redis)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from coach.batch.queue import fan_out, follow, make_broker
from coach.batch.report import RunStatus, recent_runs
from coach.store import models as m
from coach.store.db import Database
from coach.store.models_batch import BatchItem
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


@pytest.fixture
def queue() -> Iterator[str]:
    """A queue of this test's own; deleted (with its delay and dead-letter queues) afterwards."""
    name = f"coach-weekly-test-{uuid.uuid4().hex[:12]}"
    yield name
    for url, port in ((RABBIT_URL, 5672), (REDIS_URL, 6379)):
        if not reachable(port):
            continue
        broker = make_broker(url)
        try:
            if url.startswith("amqp"):
                for each in (name, f"{name}.DQ", f"{name}.XQ"):
                    broker.channel.queue_delete(each)  # type: ignore[attr-defined]
            else:
                broker.flush(name)
        finally:
            broker.close()


class Workers:
    """``coach worker`` processes against one database and broker, on the test's own queue."""

    def __init__(self, url: str, database_url: str, tmp: Path, queue: str) -> None:
        self.env = {**os.environ, "BROKER_URL": url, "DATABASE_URL": database_url, "COACH_DATA_DIR": str(tmp),
                    "BATCH_QUEUE": queue, "COACH_TODAY": "2026-11-29", "LOG_LEVEL": "WARNING"}
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
def workers_factory(tmp_path: Path, queue: str) -> Iterator[list[Workers]]:
    """Workers stopped before ``queue`` is deleted (a worker's retry would declare it again)."""
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


async def round_trip(url: str, db: Database, sunday: Clock, tmp: Path, made: list[Workers], queue: str) -> None:
    service = await add_athletes(db, sunday, ["ann", "bob", "dee"])
    async with db.transaction() as s:
        dee = await s.get(m.Athlete, 3)
        assert dee is not None
        dee.profile = {"sport": "curling"}  # fails, is recorded with its reason, retried with backoff
    del service
    workers = Workers(url, db.url, tmp, queue)
    made.append(workers)
    run_id = await fan_out(db, url, NEXT_WEEK, queue=queue)
    workers.start()
    status = await wait_until(db, run_id, 3)
    assert (status.done, status.failed, status.pending) == (2, 1, 0)
    assert status.failures[0].athlete_id == 3 and status.failures[0].reason.startswith("ValidationError")
    assert sorted(await outbox_keys(db)) == ["weekly:1:2026-11-30", "weekly:2:2026-11-30"]


async def test_rabbitmq_round_trip_and_a_worker_killed_mid_batch(db: Database, sunday: Clock, tmp_path: Path,
                                                                   workers_factory: list[Workers], queue: str) -> None:
    if not reachable(5672):
        pytest.skip("RabbitMQ is not running at 127.0.0.1:5672 (set COACH_TEST_AMQP_URL); the in-process tests cover the batch")
    await round_trip(RABBIT_URL, db, sunday, tmp_path, workers_factory, queue)
    # Then 20 more athletes; the first worker is killed (SIGKILL) once it has finished one.
    workers_factory[0].stop_all()
    await add_athletes(db, sunday, [f"k{i}" for i in range(20)])
    ids = list(range(4, 24))
    run_id = await fan_out(db, RABBIT_URL, NEXT_WEEK, ids, queue=queue)
    workers = workers_factory[0]
    first = workers.start()
    await wait_until(db, run_id, 1)  # early, so the kill lands mid-batch (the checks below hold either way)
    first.send_signal(signal.SIGKILL)
    first.wait()
    workers.start()  # unacknowledged tasks of the dead worker come back to this one
    status = await wait_until(db, run_id, 20)
    assert status.pending == 0 and status.failed == 0
    assert status.done == 20 and status.already == 0  # each athlete done once; a task redelivered after its commit counts nothing
    keys = [k for k in await outbox_keys(db) if k != "weekly:1:2026-11-30" and k != "weekly:2:2026-11-30"]
    assert sorted(keys) == sorted(f"weekly:{i}:2026-11-30" for i in ids)  # each once
    async with db.transaction() as s:
        assert (await s.execute(select(func.count(m.OutboxMessage.id)))).scalar_one() == 22


async def test_redis_round_trip(db: Database, sunday: Clock, tmp_path: Path, workers_factory: list[Workers], queue: str) -> None:
    if not reachable(6379):
        pytest.skip("Redis is not running at 127.0.0.1:6379 (set COACH_TEST_REDIS_URL); the in-process tests cover the batch")
    await round_trip(REDIS_URL, db, sunday, tmp_path, workers_factory, queue)


def steal(queue: str, count: int) -> list[bytes]:
    """What a consumer that is not ours does (a stray worker of another deployment, a test or bench
    purging a shared queue): takes ``count`` tasks and acknowledges them, doing nothing."""
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(RABBIT_URL))
    try:
        channel = connection.channel()
        bodies = []
        for _ in range(count):
            _, _, body = channel.basic_get(queue, auto_ack=True)
            assert body is not None, "the tasks were not all queued"
            bodies.append(body)
        return bodies
    finally:
        connection.close()


def publish_raw(queue: str, body: bytes) -> None:
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(RABBIT_URL))
    try:
        connection.channel().basic_publish("", queue, body, pika.BasicProperties(delivery_mode=2))
    finally:
        connection.close()


async def item_status(db: Database, athlete_id: int) -> str:
    async with db.transaction() as s:
        query = select(BatchItem.status).where(BatchItem.athlete_id == athlete_id, BatchItem.week_start == NEXT_WEEK)
        return str((await s.execute(query)).scalar_one())


async def test_rabbitmq_lost_tasks_are_published_again_and_every_athlete_is_done_once(
    db: Database, sunday: Clock, tmp_path: Path, workers_factory: list[Workers], queue: str,
) -> None:
    """The stall seen once in the bench (1,655 of 2,000 done, the queue empty): tasks taken off the
    queue and acknowledged by someone else. The run's rows are committed before its tasks go out, so
    the coordinator sees who is still pending and publishes them again; a task delivered twice and a
    task that raises once change nothing of that: each athlete's week is done once, counted once."""
    if not reachable(5672):
        pytest.skip("RabbitMQ is not running at 127.0.0.1:5672 (set COACH_TEST_AMQP_URL); the in-process tests cover the batch")
    names = [f"l{i}" for i in range(12)]
    service = await add_athletes(db, sunday, names)
    del service
    async with db.transaction() as s:  # the last athlete's first attempt raises; mended once recorded failed
        last = await s.get(m.Athlete, 12)
        assert last is not None
        profile, last.profile = last.profile, {"sport": "curling"}
    run_id = await fan_out(db, RABBIT_URL, NEXT_WEEK, queue=queue)
    async with db.transaction() as s:  # every row is there before any worker runs
        assert (await s.execute(select(func.count(BatchItem.id)).where(BatchItem.status == "pending"))).scalar_one() == 12
    stolen = steal(queue, 4)  # athletes 1-4's tasks are gone, acknowledged
    publish_raw(queue, stolen[0])  # athlete 1's comes back twice (a redelivery, a duplicate)
    publish_raw(queue, stolen[0])
    workers = Workers(RABBIT_URL, db.url, tmp_path, queue)
    workers_factory.append(workers)
    workers.start()

    async def mend_once_failed() -> None:
        while await item_status(db, 12) != "failed":
            await asyncio.sleep(0.1)
        async with db.transaction() as s:
            athlete = await s.get(m.Athlete, 12)
            assert athlete is not None
            athlete.profile = profile

    mending = asyncio.create_task(mend_once_failed())
    status, follower = await asyncio.wait_for(
        follow(db, RABBIT_URL, run_id, NEXT_WEEK, queue=queue, poll_s=0.2, sweep_after_s=3.0), WAIT_S)
    await asyncio.wait_for(mending, WAIT_S)
    assert follower.sweeps >= 1 and follower.republished >= 3  # athletes 2-4 (and any task still in a worker's hands)
    assert status.pending == 0 and status.pending_ids == [] and status.finished_at is not None
    deadline = time.monotonic() + WAIT_S  # athlete 12's retry (backoff from 1 s) may still be on its way
    while await item_status(db, 12) != "done" and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    status = next(r for r in await recent_runs(db, 1) if r.run_id == run_id)
    assert (status.done, status.failed, status.already, status.pending) == (12, 0, 0, 0)  # each counted once
    async with db.transaction() as s:
        items = (await s.execute(select(BatchItem).order_by(BatchItem.athlete_id))).scalars().all()
        assert [(i.athlete_id, i.status, i.run_id) for i in items] == [(a, "done", run_id) for a in range(1, 13)]
        assert items[-1].attempts >= 2 and all(i.attempts == 1 for i in items[:-1])  # nobody else tried twice
        keys = list((await s.execute(select(m.OutboxMessage.key).order_by(m.OutboxMessage.key))).scalars())
        versions = (await s.execute(select(func.count(m.Plan.id)))).scalar_one()
    assert keys == sorted(f"weekly:{a}:2026-11-30" for a in range(1, 13))  # each once
    assert versions == 12  # nobody's plan adapted twice (nor at all: nothing to correct yet)


def test_a_worker_idle_past_its_heartbeats_stops_without_pika_errors(db: Database, tmp_path: Path, queue: str) -> None:
    """RabbitMQ drops a connection that misses its heartbeats (here 1 s, so 2 s of idling do it); a worker
    stopped after a long run closed it with eight pika ERROR lines and stacks. It stops quietly now, at once."""
    if not reachable(5672):
        pytest.skip("RabbitMQ is not running at 127.0.0.1:5672 (set COACH_TEST_AMQP_URL)")
    if "faketime" in os.environ.get("LD_PRELOAD", "") and not os.environ.get("FAKETIME_DONT_FAKE_MONOTONIC"):
        pytest.skip("under libfaketime with the monotonic clock faked, Dramatiq's worker.stop() joins its threads with "
                    "timeouts that never return (docs/reliability.md); run with FAKETIME_DONT_FAKE_MONOTONIC=1")
    url = RABBIT_URL + ("&" if "?" in RABBIT_URL else "?") + "heartbeat=1"
    env = {**os.environ, "BROKER_URL": url, "DATABASE_URL": db.url, "COACH_DATA_DIR": str(tmp_path),
           "BATCH_QUEUE": queue, "LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen([sys.executable, "-m", "coach.cli", "worker"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        time.sleep(8)  # start-up, then idle past the heartbeats
        assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
    assert "ERROR" not in out.decode(), out.decode()[:2000]
