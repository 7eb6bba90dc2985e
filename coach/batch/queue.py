"""The weekly batch on a task queue: Dramatiq over RabbitMQ (``amqp://``) or Redis (``redis://``).

Why Dramatiq (and not Celery or arq):

- **Async service, sync worker model.** The service is async SQLAlchemy (an engine belongs to one
  event loop). Dramatiq's ``AsyncIO`` middleware runs every ``async def`` actor of a worker
  process on *one* long-lived event loop thread, so the process keeps one engine and one
  connection pool across tasks. Celery's prefork workers have no loop: each task would need
  ``asyncio.run`` and a new engine (or a loop smuggled into a global), and arq is asyncio-native
  but Redis-only, while both brokers run here.
- **Retries with backoff built in** (the ``Retries`` middleware: exponential backoff with jitter,
  per-actor ``max_retries``/``min_backoff``/``max_backoff``), a per-task time limit, and late
  acknowledgement on RabbitMQ: a worker killed mid-task leaves its message unacknowledged, so
  the broker hands it to another worker; the item's unique (athlete, week) makes that safe.
- **One code path.** The actor calls :func:`coach.batch.weekly.run_item`, exactly what
  ``coach batch weekly`` runs in-process; the counters, failures and durations land in the same
  tables (``coach batch status``).

A message carries only ``(athlete_id, week_start, run_id)``; the worker reads everything else
from the database, so a message is small and a retry sees the latest state.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import logging
import signal
import threading
from typing import Any

import dramatiq
from dramatiq.middleware.asyncio import AsyncIO

from coach.batch.weekly import GC_THRESHOLD_OBJECTS, eligible_athletes, start_run
from coach.store.db import Database

log = logging.getLogger(__name__)

QUEUE_NAME = "coach-weekly"
ACTOR_NAME = "coach_weekly_item"
MAX_RETRIES = 5
"""A failing athlete is tried 1 + 5 times, then left ``failed`` with its reason."""
MIN_BACKOFF_MS = 1_000
MAX_BACKOFF_MS = 60_000
"""Backoff between tries: exponential from 1 s (with Dramatiq's jitter), at most a minute."""
TIME_LIMIT_MS = 120_000
"""One athlete's week takes milliseconds; two minutes means something hangs."""


def make_broker(url: str) -> dramatiq.Broker:
    """A broker for ``url`` (amqp:// or redis://), with the AsyncIO middleware, made the global one."""
    broker: dramatiq.Broker
    if url.startswith(("amqp://", "amqps://")):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        broker = RabbitmqBroker(url=url)
    elif url.startswith(("redis://", "rediss://", "unix://")):
        from dramatiq.brokers.redis import RedisBroker

        broker = RedisBroker(url=url)  # type: ignore[no-untyped-call]
    else:
        raise ValueError("the broker URL must start with amqp:// or redis:// (BROKER_URL / REDIS_URL)")
    broker.add_middleware(AsyncIO())
    dramatiq.set_broker(broker)
    return broker


class _WorkerState:
    """What one worker process keeps between tasks, all bound to the AsyncIO event loop thread."""

    def __init__(self) -> None:
        self.db: Database | None = None
        self.rules: Any = None
        self.clock: Any = None
        self.lock = asyncio.Lock()

    async def ready(self) -> tuple[Database, Any, Any]:
        async with self.lock:
            if self.db is None:
                from coach.clock import clock_for
                from coach.engine import load_rules
                from coach.settings import Settings

                settings = Settings.from_env()
                self.clock = clock_for(settings.coach_today)
                self.db = Database(settings.resolved_database_url, self.clock)
                self.rules = load_rules()
                # A worker process does nothing but tasks: what it has loaded by now (modules, rules)
                # stays out of the cycle collector's passes, which run after 50,000 new objects (see
                # weekly.fewer_collections).
                gc.freeze()
                gc.set_threshold(max(gc.get_threshold()[0], GC_THRESHOLD_OBJECTS), *gc.get_threshold()[1:])
            return self.db, self.rules, self.clock


_state = _WorkerState()


async def weekly_item(athlete_id: int, week_start: str, run_id: int | None) -> None:
    """One athlete's week (the task). A failure is recorded on its item, then raised for a retry.
    The outcome is in the database (``coach batch status``), not returned: without a results
    backend Dramatiq would warn about a returned value on every task."""
    from coach.batch.weekly import run_item

    db, rules, clock = await _state.ready()
    result = await run_item(db, athlete_id, dt.date.fromisoformat(week_start), rules=rules, clock=clock, run_id=run_id,
                            raise_errors=True)
    log.debug("weekly batch: athlete %d, week %s: %s", athlete_id, week_start, result.outcome)


def declare(broker: dramatiq.Broker) -> dramatiq.Actor[Any, Any]:
    """The task, bound to ``broker`` (declared per broker, not at import: importing this module
    must not pick a default broker)."""
    if ACTOR_NAME in broker.actors:
        return broker.get_actor(ACTOR_NAME)
    decorate = dramatiq.actor(
        actor_name=ACTOR_NAME, queue_name=QUEUE_NAME, broker=broker, max_retries=MAX_RETRIES,
        min_backoff=MIN_BACKOFF_MS, max_backoff=MAX_BACKOFF_MS, time_limit=TIME_LIMIT_MS,
    )
    actor: dramatiq.Actor[Any, Any] = decorate(weekly_item)
    return actor


async def fan_out(db: Database, url: str, week: dt.date, athlete_ids: list[int] | None = None) -> int:
    """One task per athlete on the broker; returns the run's id (its counters show the progress)."""
    ids = athlete_ids if athlete_ids is not None else await eligible_athletes(db)
    run_id = await start_run(db, week, len(ids), "broker")

    def send() -> None:
        broker = make_broker(url)
        actor = declare(broker)
        for athlete_id in ids:
            actor.send(athlete_id, week.isoformat(), run_id)
        broker.close()

    await asyncio.to_thread(send)  # the broker clients block
    return run_id


def run_worker(url: str, settings: Any, *, threads: int = 1) -> int:
    """``coach worker``: take tasks until SIGINT/SIGTERM, then finish the ones in hand and stop."""
    del settings  # the worker state reads the environment on its event loop; scale out with more `coach worker`s
    broker = make_broker(url)
    declare(broker)
    worker = dramatiq.Worker(broker, queues={QUEUE_NAME}, worker_threads=max(threads, 1))
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    worker.start()
    log.info("coach worker: taking weekly-batch tasks from %s", url.split("@")[-1])
    try:
        stop.wait()
    finally:
        worker.stop()
        broker.close()
    return 0
