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
- **One code path.** The actor calls :func:`coach.batch.weekly.run_task`: what ``coach batch
  weekly`` runs in-process for each chunk of athletes (``run_chunk``), for a chunk of one (one
  query per table, one transaction); the counters, failures and durations land in the same tables
  (``coach batch status``).

A message carries only ``(athlete_id, week_start, run_id)``; the worker reads everything else
from the database, so a message is small and a retry sees the latest state.

**No athlete left silently undone.** A message can still be lost after the broker took it: a queue
purged, or a consumer that is not ours (another deployment, a test, a bench on the same queue)
taking and acknowledging it. So the run does not trust the messages alone:

- ``fan_out`` first commits the run's (athlete, week) rows as ``pending`` (``claim_items``), then
  publishes; on RabbitMQ in AMQP transactions (each commit returns once the broker holds the
  batch, or raises), and the workers' own sends (retries) with publisher confirms
  (``confirm_delivery``). A worker never meets a task whose row is not committed.
- The coordinator (``follow``: ``coach batch weekly``, the bench, the bot's tick) watches the rows.
  When none has finished for ``SWEEP_AFTER_S`` and nothing is waiting in the queue, it publishes the
  still-pending athletes again (``MAX_SWEEPS`` times at most); a duplicate finds its row finished
  and changes and counts nothing. What stays pending after that is reported by ``coach batch
  status`` (athlete ids), never counted done.
- A task past ``ITEM_TIMEOUT_S`` (before Dramatiq's own time limit, whose interrupt nothing
  records) is recorded ``failed`` with its reason, then retried; an athlete deleted mid-run is
  counted ``skipped`` and not retried.
- Each deployment, test or bench can take a queue of its own (``BATCH_QUEUE``, ``coach worker
  --queue``), so nobody else's workers or purges touch its messages.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import dramatiq
from dramatiq.middleware.asyncio import AsyncIO

from coach.batch.report import RunStatus, run_status
from coach.batch.weekly import (
    GC_THRESHOLD_OBJECTS,
    claim_items,
    eligible_athletes,
    finish_run,
    open_items,
    record_failure,
    run_task,
    start_run,
)
from coach.store.db import Database

log = logging.getLogger(__name__)

QUEUE_NAME = "coach-weekly"
"""The default queue; ``BATCH_QUEUE`` (or ``coach worker --queue``) names another."""
QUEUE_ENV = "BATCH_QUEUE"
ACTOR_NAME = "coach_weekly_item"
MAX_RETRIES = 5
"""A failing athlete is tried 1 + 5 times, then left ``failed`` with its reason."""
MIN_BACKOFF_MS = 1_000
MAX_BACKOFF_MS = 60_000
"""Backoff between tries: exponential from 1 s (with Dramatiq's jitter), at most a minute."""
TIME_LIMIT_MS = 120_000
"""One athlete's week takes milliseconds; two minutes means something hangs."""
ITEM_TIMEOUT_S = 100.0
"""The task gives up on its athlete here and records why, before Dramatiq's ``TIME_LIMIT_MS``
interrupts it (an interrupt is not an ``Exception``: the failure would go unrecorded)."""
SWEEP_AFTER_S = 30.0
"""``follow`` re-publishes the run's pending athletes when none has finished for this long and
the queue holds nothing (one athlete takes tens of milliseconds)."""
MAX_SWEEPS = 3
"""After this many re-publishings, what is still pending is left for ``coach batch status``."""
POLL_S = 0.5


def queue_name(name: str | None = None) -> str:
    """``name``, else ``BATCH_QUEUE``, else ``coach-weekly``."""
    return name or os.environ.get(QUEUE_ENV) or QUEUE_NAME


class _DroppedWhileIdle(logging.Filter):
    """pika's errors on closing a connection RabbitMQ already dropped: a connection that sat idle
    past its heartbeats while a long run went on (a worker's, a coordinator's) is gone when the
    broker closes at the end, and pika logs each failed close frame with a stack. Nothing was lost
    and there is nothing to act on (Dramatiq filters only "Broken pipe")."""

    NOISE = ("Connection reset by peer", "Broken pipe", "StreamLostError", "called on closed connection")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(noise in message for noise in self.NOISE)


_PIKA_LOGGERS = ("pika.adapters.utils.io_services_utils", "pika.adapters.base_connection", "pika.adapters.blocking_connection")


def close_broker(broker: dramatiq.Broker) -> None:
    """``broker.close()`` without pika's errors for connections the broker server already dropped."""
    quiet = _DroppedWhileIdle()
    loggers = [logging.getLogger(name) for name in _PIKA_LOGGERS]
    for logger in loggers:
        logger.addFilter(quiet)
    try:
        broker.close()
    finally:
        for logger in loggers:
            logger.removeFilter(quiet)


def make_broker(url: str) -> dramatiq.Broker:
    """A broker for ``url`` (amqp:// or redis://), with the AsyncIO middleware, made the global one.
    On RabbitMQ with publisher confirms: a send (the coordinator's, or a worker's retry) returns
    once the broker has the message, and raises if it does not take it."""
    broker: dramatiq.Broker
    if url.startswith(("amqp://", "amqps://")):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        broker = RabbitmqBroker(url=url, confirm_delivery=True)
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
    db, rules, clock = await _state.ready()
    week = dt.date.fromisoformat(week_start)
    started = time.perf_counter()
    limit = asyncio.timeout(ITEM_TIMEOUT_S)
    try:
        async with limit:
            result = await run_task(db, athlete_id, week, rules=rules, clock=clock, run_id=run_id)
    except TimeoutError:
        if limit.expired():  # cancelled in the middle: run_task recorded nothing, its transaction rolled back
            await record_failure(db, athlete_id, week, run_id, f"TimeoutError: took over {ITEM_TIMEOUT_S:.0f} s",
                                 time.perf_counter() - started)
        raise
    log.debug("weekly batch: athlete %d, week %s: %s", athlete_id, week_start, result.outcome)


def declare(broker: dramatiq.Broker, queue: str | None = None) -> dramatiq.Actor[Any, Any]:
    """The task on ``queue`` (``queue_name``), bound to ``broker`` (declared per broker, not at
    import: importing this module must not pick a default broker)."""
    name = queue_name(queue)
    if ACTOR_NAME in broker.actors:
        actor: dramatiq.Actor[Any, Any] = broker.get_actor(ACTOR_NAME)
        if actor.queue_name != name:
            raise ValueError(f"this broker's task takes queue {actor.queue_name!r}, not {name!r}: make a broker per queue")
        return actor
    decorate = dramatiq.actor(
        actor_name=ACTOR_NAME, queue_name=name, broker=broker, max_retries=MAX_RETRIES,
        min_backoff=MIN_BACKOFF_MS, max_backoff=MAX_BACKOFF_MS, time_limit=TIME_LIMIT_MS,
    )
    actor = decorate(weekly_item)
    return actor


async def publish(url: str, athlete_ids: Sequence[int], week: dt.date, run_id: int, queue: str | None = None) -> None:
    """One task per athlete. On RabbitMQ in AMQP transactions of ``PUBLISH_BATCH``: each commit
    returns once the broker holds (and has persisted) the whole batch, and raises otherwise."""

    def send() -> None:
        broker = make_broker(url)
        try:
            actor = declare(broker, queue)
            messages = [actor.message(athlete_id, week.isoformat(), run_id) for athlete_id in athlete_ids]
            if hasattr(broker, "get_queue_message_counts"):  # RabbitMQ
                _publish_in_transactions(broker, actor.queue_name, messages)
            else:
                for message in messages:
                    broker.enqueue(message)
        finally:
            close_broker(broker)

    await asyncio.to_thread(send)  # the broker clients block


PUBLISH_BATCH = 500
"""Tasks per AMQP transaction. A confirm per message (``confirm_delivery``) waits for the broker's
disk each time: 2,000 tasks took 6-11 s that way on this machine, 0.3-0.4 s in batches of 500."""
PUBLISH_ATTEMPTS = 3


def _publish_in_transactions(broker: Any, queue: str, messages: Sequence[dramatiq.Message[Any]]) -> None:
    """``messages`` on ``queue``, ``PUBLISH_BATCH`` per transaction, on a channel of their own (a
    channel in confirm mode can't take transactions). A batch whose commit fails is sent again on a
    new connection (a batch committed but not answered comes twice: its tasks find their rows done)."""
    import pika  # type: ignore[import-untyped]

    broker.declare_queue(queue, ensure=True)  # with its delay and dead-letter queues, as Dramatiq makes them
    channel: Any = None
    for first in range(0, len(messages), PUBLISH_BATCH):
        batch = messages[first:first + PUBLISH_BATCH]
        for attempt in range(1, PUBLISH_ATTEMPTS + 1):
            try:
                if channel is None:
                    channel = broker.connection.channel()
                    channel.tx_select()
                for message in batch:
                    broker.emit_before("enqueue", message, None)
                    channel.basic_publish(exchange="", routing_key=queue, body=message.encode(),
                                          properties=pika.BasicProperties(delivery_mode=2))
                channel.tx_commit()
                break
            except pika.exceptions.AMQPError:
                channel = None
                del broker.connection  # closed; the next use opens another
                if attempt == PUBLISH_ATTEMPTS:
                    raise
                log.warning("weekly batch: publishing %d task(s) failed (attempt %d); again", len(batch), attempt, exc_info=True)
        for message in batch:
            broker.emit_after("enqueue", message, None)


async def fan_out(db: Database, url: str, week: dt.date, athlete_ids: list[int] | None = None, *, queue: str | None = None) -> int:
    """One task per athlete on the broker, after the run's rows are committed (``claim_items``);
    returns the run's id (``follow`` waits for it, re-publishing what was lost)."""
    ids = athlete_ids if athlete_ids is not None else await eligible_athletes(db)
    run_id = await start_run(db, week, len(ids), "broker")
    await claim_items(db, ids, week, run_id)
    await publish(url, ids, week, run_id, queue)
    return run_id


def waiting_in_queue(url: str, queue: str | None = None) -> int | None:
    """Messages in the queue and its delay queue that no worker holds (RabbitMQ), or messages
    queued or held by a worker (Redis); None when the broker can't say. Blocks."""
    broker = make_broker(url)
    try:
        name = queue_name(queue)
        counts = getattr(broker, "get_queue_message_counts", None)
        if counts is not None:  # RabbitMQ: (ready, delayed ready, dead)
            ready, delayed, _ = counts(name)
            return int(ready) + int(delayed)
        qsize = getattr(broker, "do_qsize", None)
        if qsize is not None:  # Redis: queued, delayed and unacknowledged
            return int(qsize(name))
        return None
    finally:
        close_broker(broker)


@dataclass
class Follower:
    """Follows a run fanned out to workers, one ``step`` at a time (``follow`` loops; the bot's
    tick steps each of its runs once a minute): when none of its items has finished for
    ``sweep_after_s`` and the queue holds nothing, the pending ones are published again.

    A step reads the run's counters alone (one row); its items (``run_status``: every item of the
    run, by index, ~50-300 ms for 100,000 athletes, where a poll every 0.5 s would keep PostgreSQL
    busy a third of the time) only when the counters say the run is over, to confirm it, and when
    they have not moved for ``sweep_after_s``, to decide on re-publishing."""

    db: Database
    url: str
    run_id: int
    week: dt.date
    queue: str | None = None
    sweep_after_s: float = SWEEP_AFTER_S
    max_sweeps: int = MAX_SWEEPS
    sweeps: int = 0
    republished: int = 0
    gave_up: bool = False
    _counters: tuple[int, ...] | None = field(default=None, repr=False)
    _since: float = field(default_factory=time.monotonic, repr=False)

    async def step(self) -> RunStatus:
        status = await run_status(self.db, self.run_id, items=False)
        now = time.monotonic()
        if self.gave_up:
            return status
        if status.pending == 0:  # by the counters: confirmed by the items (then it is what ``follow`` returns)
            status = await run_status(self.db, self.run_id)
            if status.pending == 0:
                return status
        counters = (status.done, status.review, status.skipped, status.failed, status.already, status.attempts)
        if counters != self._counters:  # progress
            self._counters, self._since = counters, now
            return status
        if now - self._since < self.sweep_after_s:
            return status
        self._since = now
        status = await run_status(self.db, self.run_id)  # who is still open, by the items
        if status.pending == 0:
            return status
        if status.open_items == 0:  # the counters disagree with the rows: nothing to send again
            log.warning("weekly batch run %d: %d counted pending, but no item is; stopping", self.run_id, status.pending)
            self.gave_up = True
            return status
        waiting = await asyncio.to_thread(waiting_in_queue, self.url, self.queue)
        if waiting:  # still queued: the workers are busy, or none is running
            log.warning("weekly batch run %d: %d athlete(s) pending, %d message(s) waiting in the queue; is a `coach worker` running?",
                        self.run_id, status.open_items, waiting)
            return status
        if self.sweeps >= self.max_sweeps:
            log.error("weekly batch run %d: %d athlete(s) still pending after %d re-publishing(s): %s", self.run_id,
                      status.open_items, self.sweeps, status.pending_ids)
            self.gave_up = True
            return status
        _, ids = await open_items(self.db, self.run_id)
        log.warning("weekly batch run %d: no progress for %.0f s and nothing queued: publishing %d pending athlete(s) again",
                    self.run_id, self.sweep_after_s, len(ids))
        await publish(self.url, ids, self.week, self.run_id, self.queue)
        self.sweeps += 1
        self.republished += len(ids)
        return status


async def follow(
    db: Database, url: str, run_id: int, week: dt.date, *, queue: str | None = None, poll_s: float = POLL_S,
    sweep_after_s: float = SWEEP_AFTER_S, max_sweeps: int = MAX_SWEEPS, progress: Callable[[RunStatus], None] | None = None,
) -> tuple[RunStatus, Follower]:
    """Wait until every athlete of a fanned-out run is done, waiting for review, skipped or failed
    with a reason, re-publishing the lost ones (``Follower``); then mark the run finished. Returns
    its last status (``pending`` > 0 only if re-publishing did not help) and the follower."""
    follower = Follower(db, url, run_id, week, queue, sweep_after_s=sweep_after_s, max_sweeps=max_sweeps)
    while True:
        status = await follower.step()
        if progress is not None:
            progress(status)
        if status.pending == 0 or follower.gave_up:
            await finish_run(db, run_id)
            return await run_status(db, run_id), follower
        await asyncio.sleep(poll_s)


def run_worker(url: str, settings: Any, *, threads: int = 1, queue: str | None = None) -> int:
    """``coach worker``: take tasks until SIGINT/SIGTERM, then finish the ones in hand and stop."""
    del settings  # the worker state reads the environment on its event loop; scale out with more `coach worker`s
    broker = make_broker(url)
    name = queue_name(queue)
    declare(broker, name)
    worker = dramatiq.Worker(broker, queues={name}, worker_threads=max(threads, 1))
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    worker.start()
    log.info("coach worker: taking weekly-batch tasks from %s, queue %s", url.split("@")[-1], name)
    try:
        stop.wait()
    finally:
        worker.stop()
        close_broker(broker)
    return 0
