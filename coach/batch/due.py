"""The weekly batch on the bot's schedule, per time zone, from an indexed next-due time.

Each athlete has one ``weekly_due`` row: when their next batch is due, in UTC — Sunday at
``BATCH_LOCAL_TIME`` in *their* zone, six hours before the Sunday preview goes out at 18:00, so a
coach who reviews has the afternoon and the message is ready before the athlete looks. The bot's
minute tick asks the index for the rows due now (``next_due_at <= now``: a range scan, no plan is
loaded), runs those athletes' weeks (in this process, or fanned out to ``coach worker`` when a
broker is configured) and moves each row to the next Sunday. A failure is retried
``FAILED_RETRY`` later; the Sunday preview itself stays the safety net at 18:00. A run fanned out
to workers is followed from tick to tick (``queue.Follower``): tasks lost on the way are published
again, and the run is marked finished when every athlete is accounted for.

New athletes get their row on the next tick (an anti-join on the primary key); an athlete who moves
to another zone keeps the old zone's time for the week already scheduled.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coach.batch.weekly import finish_run, next_monday, run_item, start_run
from coach.clock import Clock, zone
from coach.store import models as m
from coach.store.db import Database
from coach.store.models_batch import WeeklyDue

log = logging.getLogger(__name__)

BATCH_LOCAL_TIME = dt.time(12, 0)
"""Sunday noon local: before the 18:00 preview (coach/service/schedule.py WEEKLY_LOCAL_TIME)."""
BATCH_WEEKDAY = 6  # Sunday
PER_TICK = 500
"""At most this many athletes per minute tick in-process (the rest next minute: hours to spare)."""
FAILED_RETRY = dt.timedelta(minutes=15)


def _naive_utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def next_due(time_zone: str, now: dt.datetime) -> dt.datetime:
    """The first Sunday ``BATCH_LOCAL_TIME`` in ``time_zone`` whose preview (18:00) is still ahead of
    ``now`` (UTC-aware): a new athlete on a Sunday afternoon is due at once. Naive UTC."""
    local = now.astimezone(zone(time_zone))
    sunday = local.date() + dt.timedelta(days=(BATCH_WEEKDAY - local.weekday()) % 7)
    due = dt.datetime.combine(sunday, BATCH_LOCAL_TIME, tzinfo=local.tzinfo)
    if local >= dt.datetime.combine(sunday, dt.time(18, 0), tzinfo=local.tzinfo):
        due = dt.datetime.combine(sunday + dt.timedelta(days=7), BATCH_LOCAL_TIME, tzinfo=local.tzinfo)
    return _naive_utc(due)


async def add_missing(s: AsyncSession, now: dt.datetime) -> int:
    """A ``weekly_due`` row for every athlete with a profile who has none (new athletes)."""
    missing = (
        await s.execute(
            select(m.Athlete.id, m.Athlete.time_zone)
            .outerjoin(WeeklyDue, WeeklyDue.athlete_id == m.Athlete.id)
            .where(WeeklyDue.athlete_id.is_(None), m.Athlete.profile.is_not(None))
        )
    ).all()
    for athlete_id, time_zone in missing:
        s.add(WeeklyDue(athlete_id=athlete_id, next_due_at=next_due(time_zone, now), time_zone=time_zone))
    return len(missing)


async def due_now(s: AsyncSession, now: dt.datetime, limit: int = PER_TICK) -> list[WeeklyDue]:
    """The rows due at ``now``, oldest first: one range scan of ``ix_weekly_due_next_due_at``."""
    query = select(WeeklyDue).where(WeeklyDue.next_due_at <= _naive_utc(now)).order_by(WeeklyDue.next_due_at).limit(limit)
    return list((await s.execute(query)).scalars())


def week_of(row: WeeklyDue) -> dt.date:
    """The week a due row is for: the Monday after its local Sunday."""
    local = row.next_due_at.replace(tzinfo=dt.UTC).astimezone(zone(row.time_zone))
    return next_monday(local.date())


_followed: dict[int, Any] = {}
"""The runs this process fanned out and follows (``queue.Follower`` by run id)."""


async def follow_runs(db: Database) -> None:
    """One step of each run this process fanned out: re-publish what was lost, finish what is done."""
    for run_id, follower in list(_followed.items()):
        try:
            status = await follower.step()
            if status.pending == 0 or follower.gave_up:
                await finish_run(db, run_id)
                del _followed[run_id]
        except Exception:  # the broker or the database is away: next tick
            log.warning("weekly batch: following run %d failed; trying again next tick", run_id, exc_info=True)


async def run_due(db: Database, *, rules: Any, clock: Clock, broker_url: str | None = None) -> int:
    """The bot's hook, every tick: run the weekly batch for the athletes due now. Returns how many
    items were started. Idempotent: a tick repeated after a crash finds the items finished."""
    if _followed:
        await follow_runs(db)
    now = clock.now()
    async with db.transaction() as s:
        added = await add_missing(s, now)
        rows = [(r.athlete_id, week_of(r), r.time_zone) for r in await due_now(s, now)]
    if added:
        log.info("weekly batch: %d athlete(s) scheduled", added)
    if not rows:
        return 0
    by_week: dict[dt.date, list[int]] = defaultdict(list)
    for athlete_id, week, _ in rows:
        by_week[week].append(athlete_id)
    failed: set[int] = set()
    for week, ids in sorted(by_week.items()):
        if broker_url is not None:
            from coach.batch.queue import Follower, fan_out

            run_id = await fan_out(db, broker_url, week, ids)  # the workers retry with backoff
            _followed[run_id] = Follower(db, broker_url, run_id, week)
            continue
        run_id = await start_run(db, week, len(ids), "scheduled")
        for athlete_id in ids:
            result = await run_item(db, athlete_id, week, rules=rules, clock=clock, run_id=run_id)
            if result.outcome == "failed":
                failed.add(athlete_id)
        await finish_run(db, run_id)
    async with db.transaction() as s:
        for athlete_id, week, time_zone in rows:
            row = await s.get(WeeklyDue, athlete_id)
            if row is None:
                continue
            following = dt.datetime.combine(week + dt.timedelta(days=6), BATCH_LOCAL_TIME, tzinfo=zone(time_zone))
            preview = dt.datetime.combine(week - dt.timedelta(days=1), dt.time(18, 0), tzinfo=zone(time_zone))
            retry = now + FAILED_RETRY
            # A failure is tried again until the Sunday preview takes over; then it waits for next week.
            row.next_due_at = _naive_utc(retry if athlete_id in failed and retry < preview else following)
    return len(rows)


@functools.lru_cache(maxsize=1)
def _configured_broker() -> str | None:
    from coach.cli_batch import broker_url
    from coach.settings import Settings

    return broker_url(Settings.from_env())


async def on_tick(service: Any) -> int:
    """What the bot's minute tick calls (``bot/telegram.py`` ``scheduled_tick``), before the Sunday
    preview's own tick: the weekly batch of the athletes due now, on the broker if one is configured."""
    return await run_due(service.db, rules=service.rules, clock=service.clock, broker_url=_configured_broker())
