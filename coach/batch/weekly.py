"""The weekly batch: every athlete's next week, pre-computed before their Sunday message (seed 000).

Per athlete and week, in one code path whether it runs in-process (``coach batch weekly``), on a
task queue (``coach worker``) or from the bot's schedule:

1. **Adapt.** Last week's adherence and load go through the same steps as the Sunday preview:
   self-grading of prescriptions (``training_log.self_correct``, seed 004) and the KPI gates on
   the next phase change (``training_log.gate_next_week``, seed 002). The engine decides; a
   changed plan is saved as a new version.
2. **Narrate.** The past week in numbers and next week's plan (``schedule.weekly_text``: the
   template). A ``Narrator`` (Claude, when configured) may rewrite it *outside* any transaction;
   when it fails, the template stands.
3. **Queue.** To the coach's review queue when a linked coach asked to review this athlete
   (``schedule.review_group``; approval goes through ``schedule.approve_week``), else to the
   outbox for the athlete, due at their usual Sunday time. The outbox keys are the Sunday
   preview's own (``weekly:<athlete>:<week>``, ``review:<athlete>:<week>``), so the preview and
   the batch never both send.

**Exactly once per (athlete, week).** Each item is a ``batch_items`` row with a unique
(athlete, week). Its transaction first takes that row's lock (``SELECT … FOR UPDATE`` on
PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` serialises writers), so a second worker on the same
athlete waits, then finds it finished. Adaptation, item state and run counters commit together:
a crash rolls all of it back and the next attempt starts again. When a narrator is used, the
adapted week is saved as ``composed`` first; a crash after that resumes at the narrative and
never adapts twice.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from sqlalchemy import Date, DateTime, case, func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from coach.clock import Clock, zone
from coach.service.schedule import WEEKLY_LOCAL_TIME, compose_week
from coach.service.training_log import BIAS_WINDOW_DAYS, KPI_WINDOW_DAYS
from coach.service.types import Reply
from coach.store import models as m
from coach.store import models_pictures, repo
from coach.store.db import Database
from coach.store.models_batch import FINISHED_STATES, BatchItem, BatchRun

log = logging.getLogger(__name__)

Outcome = Literal["done", "review", "skipped", "failed", "already"]
MAX_ERROR_CHARS = 2000
CHUNK_ATHLETES = 100
"""``run_weekly`` takes this many athletes per transaction (a savepoint each): one commit, one
lookup of their items, plans and outbox keys, one insert of their messages, one counter update.
A crash loses at most the chunk in hand, which the next run redoes."""
HEAVY_COMPOSED = ("reply", "text")
"""What a queued item's ``composed`` drops: the message itself (with its picture) is in the outbox.
Only a week waiting for its narrative keeps them (status ``composed``, across transactions); a week
queued in the transaction that composed it never writes them (``_Chunk.replies``)."""


@dataclass(frozen=True)
class ItemResult:
    athlete_id: int
    outcome: Outcome
    reason: str = ""
    duration_s: float = 0.0


@dataclass
class RunSummary:
    run_id: int
    week_start: dt.date
    total: int = 0
    results: list[ItemResult] = field(default_factory=list)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome == outcome)

    def failures(self) -> list[ItemResult]:
        return [r for r in self.results if r.outcome == "failed"]

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id, "week_start": self.week_start.isoformat(), "total": self.total,
            **{o: self.count(o) for o in ("done", "review", "skipped", "failed", "already")},
            "failures": [{"athlete_id": r.athlete_id, "reason": r.reason} for r in self.failures()],
            "skipped_reasons": sorted({r.reason for r in self.results if r.outcome == "skipped"}),
        }


class Narrator(Protocol):
    """Writes the week's message from the composed template text; ``None`` keeps the template."""

    async def narrate(self, athlete_id: int, template: str) -> str | None: ...


def next_monday(day: dt.date) -> dt.date:
    """The Monday after ``day`` (the week the Sunday message is about)."""
    return day + dt.timedelta(days=7 - day.weekday())


def sunday_before(week_start: dt.date) -> dt.date:
    return week_start - dt.timedelta(days=(week_start.weekday() + 1) % 7 or 7)


def keys_of(athlete_id: int, week_start: dt.date) -> tuple[str, str]:
    """The Sunday preview's outbox keys: to the athlete, and to the coach's review queue."""
    return f"weekly:{athlete_id}:{week_start.isoformat()}", f"review:{athlete_id}:{week_start.isoformat()}"


# --------------------------------------------------------------------------- one item


async def _lock_item(s: AsyncSession, athlete_id: int, week_start: dt.date) -> BatchItem:
    """The (athlete, week) row, created if missing, locked for this transaction."""
    query = select(BatchItem).where(BatchItem.athlete_id == athlete_id, BatchItem.week_start == week_start)
    if s.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert

        # Waits for a concurrent inserter to commit, then does nothing: the row is then there to lock.
        await s.execute(insert(BatchItem).values(athlete_id=athlete_id, week_start=week_start, status="pending", attempts=0,
                                                 created_at=s.info["now"]() if "now" in s.info else m.utcnow())
                        .on_conflict_do_nothing(index_elements=["athlete_id", "week_start"]))
        return (await s.execute(query.with_for_update())).scalar_one()
    item = (await s.execute(query)).scalar_one_or_none()
    if item is None:
        item = BatchItem(athlete_id=athlete_id, week_start=week_start, status="pending", attempts=0)
        s.add(item)
        await s.flush()
    return item


async def _count(s: AsyncSession, run_id: int | None, outcome: Outcome, duration_s: float, *, undo_failed: bool = False) -> None:
    """Bump the run's counter for ``outcome`` in the item's own transaction (exact after a crash)."""
    if run_id is None:
        return
    r = BatchRun
    column = getattr(r, outcome)
    values: dict[Any, Any] = {column: column + 1, r.attempts: r.attempts + (0 if outcome == "already" else 1),
                              r.duration_s_total: r.duration_s_total + duration_s}
    if undo_failed and outcome != "failed":
        values[r.failed] = r.failed - 1
    values[r.duration_s_max] = _raised_max(duration_s)
    await s.execute(update(r).where(r.id == run_id).values(values))


def _raised_max(duration_s: float) -> Any:
    """The run's longest duration, raised to ``duration_s`` if that is longer: in the counters' own
    UPDATE (without a dialect-specific GREATEST; a second statement did it before)."""
    r = BatchRun
    return case((r.duration_s_max < duration_s, duration_s), else_=r.duration_s_max)


@dataclass
class _Tally:
    """A chunk's counters, written to the run in one statement inside the chunk's transaction."""

    counts: dict[str, int] = field(default_factory=dict)
    attempts: int = 0
    duration_s_total: float = 0.0
    duration_s_max: float = 0.0

    def add(self, outcome: Outcome, duration_s: float, *, undo_failed: bool = False) -> None:
        self.counts[outcome] = self.counts.get(outcome, 0) + 1
        self.attempts += 0 if outcome == "already" else 1
        self.duration_s_total += duration_s
        self.duration_s_max = max(self.duration_s_max, duration_s)
        if undo_failed and outcome != "failed":
            self.counts["failed"] = self.counts.get("failed", 0) - 1

    async def write(self, s: AsyncSession, run_id: int | None) -> None:
        if run_id is None or not (self.counts or self.attempts):
            return
        r = BatchRun
        values: dict[Any, Any] = {getattr(r, k): getattr(r, k) + n for k, n in self.counts.items() if n}
        values[r.attempts] = r.attempts + self.attempts
        values[r.duration_s_total] = r.duration_s_total + self.duration_s_total
        values[r.duration_s_max] = _raised_max(self.duration_s_max)
        await s.execute(update(r).where(r.id == run_id).values(values))


@dataclass
class _Chunk:
    """What a chunk looked up at once (the outbox keys already queued for its athletes' weeks), and
    what it carries to its one outbox insert: each composed message, and their pictures by hash."""

    queued: set[str] = field(default_factory=set)
    replies: dict[int, Reply] = field(default_factory=dict)
    pictures: dict[str, bytes] = field(default_factory=dict)


def _stored_payload(reply: Reply) -> tuple[dict[str, Any], str | None, bytes | None]:
    """The outbox payload of ``reply`` with its picture named by hash (``models_pictures``), the
    hash and the picture's bytes: no hex copy of the picture is made."""
    payload = Reply(reply.text, reply.buttons, edit_key=reply.edit_key).to_payload()
    if reply.document is None:
        return payload, None, None
    payload["document"], sha = models_pictures.picture_ref(reply.document.file_name, reply.document.mime_type, reply.document.data)
    return payload, sha, reply.document.data


def _skip_reason(athlete: m.Athlete | None) -> str | None:
    if athlete is None:
        return "athlete deleted"
    if athlete.profile is None:
        return "not onboarded"
    if athlete.inactive_since is not None:
        return "can't be reached (blocked the bot?)"
    return None


def _due_at(athlete: m.Athlete, week_start: dt.date, now: dt.datetime) -> dt.datetime:
    """The athlete's usual Sunday-evening time before ``week_start``, never in the past (naive UTC)."""
    local = dt.datetime.combine(sunday_before(week_start), WEEKLY_LOCAL_TIME, tzinfo=zone(athlete.time_zone))
    return max(local, now).astimezone(dt.UTC).replace(tzinfo=None)


async def _queue(
    s: AsyncSession, item: BatchItem, athlete: m.Athlete | None, now: dt.datetime, text: str | None = None,
    *, reply: Reply | None = None, rows: list[dict[str, Any]] | None = None, chunk: _Chunk | None = None,
) -> Outcome:
    """Write the composed message to the outbox (unless its key is there already) and finish the item.
    ``reply``: the message composed in this transaction (else the one kept in ``composed``). With
    ``rows`` and ``chunk`` (a chunk, whose keys were looked up together): the row is appended there
    for one multi-row insert at the end of the chunk's transaction, its picture kept in ``chunk``."""
    composed = item.composed or {}
    key = str(composed["key"])
    if rows is not None or (await s.execute(select(m.OutboxMessage.id).where(m.OutboxMessage.key == key))).first() is None:
        if reply is None:
            reply = Reply.from_payload(composed["reply"])
        if text is not None:
            text = f"For review — {composed['name']}:\n{text}" if composed["kind"] == "review" else text
            reply = Reply(text, reply.buttons, document=reply.document)
        payload, sha, picture = _stored_payload(reply)
        due_at = None
        if composed["kind"] == "weekly_plan" and athlete is not None:
            due_at = _due_at(athlete, dt.date.fromisoformat(str(composed["week"])), now)
        if rows is None or chunk is None:
            if sha is not None and picture is not None:
                await models_pictures.store(s, {sha: picture})
            s.add(m.OutboxMessage(key=key, athlete_id=item.athlete_id, chat_id=composed["chat_id"], kind=composed["kind"],
                                  payload=payload, due_at=due_at, picture_sha256=sha))
        else:
            if sha is not None and picture is not None:
                chunk.pictures[sha] = picture
            stamp = s.info["now"]() if "now" in s.info else m.utcnow()
            rows.append({"key": key, "athlete_id": item.athlete_id, "chat_id": composed["chat_id"], "kind": composed["kind"],
                         "payload": payload, "due_at": due_at or stamp, "created_at": stamp, "attempts": 0, "parts_sent": 0,
                         "picture_sha256": sha})
    outcome: Outcome = "review" if composed["kind"] == "review" else "done"
    # The message is in the outbox now: the item keeps where it went, not a second copy of it (and its picture).
    item.composed = {k: v for k, v in composed.items() if k not in HEAVY_COMPOSED}
    item.status, item.outbox_key, item.last_error = outcome, key, None
    return outcome


async def run_item(
    db: Database, athlete_id: int, week_start: dt.date, *, rules: Any, clock: Clock, run_id: int | None = None,
    narrator: Narrator | None = None, raise_errors: bool = False,
) -> ItemResult:
    """Pre-compute one athlete's week, once (see the module docstring). A failure is recorded on the
    item (and counted) and returned, or raised with ``raise_errors`` (a task queue then retries it)."""
    started = time.perf_counter()
    try:
        result = await _attempt(db, athlete_id, week_start, rules=rules, clock=clock, run_id=run_id, narrator=narrator,
                                started=started)
    except Exception as error:  # recorded with its reason, then returned or re-raised
        return await _record(db, athlete_id, week_start, run_id, error, started, raise_errors=raise_errors)
    return result


async def _record(
    db: Database, athlete_id: int, week_start: dt.date, run_id: int | None, error: Exception, started: float, *,
    raise_errors: bool,
) -> ItemResult:
    """After a failed attempt (its transaction rolled back): the item is left ``failed`` with the
    reason (counted once per run), and the failure returned, or raised with ``raise_errors``."""
    first = (str(error).strip().splitlines() or [""])[0]
    reason = f"{type(error).__name__}: {first}"[:MAX_ERROR_CHARS]  # the whole traceback is in the log
    log.warning("weekly batch: athlete %d, week %s failed: %s", athlete_id, week_start, type(error).__name__,
                exc_info=(type(error), error, error.__traceback__))
    if not await record_failure(db, athlete_id, week_start, run_id, reason, time.perf_counter() - started):
        # The athlete was deleted meanwhile (their item went with them): nothing to retry, and the
        # run counts them skipped, so it does not wait for them.
        await _count_alone(db, run_id, "skipped", time.perf_counter() - started)
        return ItemResult(athlete_id, "skipped", "athlete deleted", time.perf_counter() - started)
    if raise_errors:
        raise error
    return ItemResult(athlete_id, "failed", reason, time.perf_counter() - started)


async def run_task(
    db: Database, athlete_id: int, week_start: dt.date, *, rules: Any, clock: Clock, run_id: int | None = None,
) -> ItemResult:
    """One athlete's week as one task of a task queue (``coach worker``): ``run_chunk``'s code path for
    a chunk of one athlete (one query per table, the counters in one statement, a picture this
    process has stored not sent again), with ``run_item``'s guarantees:

    - A second delivery of a task this run has counted (redelivered after a worker died, re-sent
      by the coordinator's sweep) changes nothing and counts nothing; an athlete finished by an
      earlier run is counted ``already`` by this run, once.
    - A failure rolls the athlete's transaction back, is recorded on the item with its reason
      (counted once per run), and is raised, for the queue to retry with backoff; an athlete
      deleted meanwhile is counted ``skipped`` and not retried.

    Per athlete on PostgreSQL: 13 statements in one transaction, against ~22 for ``run_item``."""
    started = time.perf_counter()
    try:
        results, missing = await _chunk(db, [athlete_id], week_start, rules=rules, clock=clock, run_id=run_id, task=True)
    except Exception as error:  # nothing of the attempt stays: recorded with its reason, raised for a retry
        return await _record(db, athlete_id, week_start, run_id, error, started, raise_errors=True)
    if missing:  # deleted before its task ran: the one-athlete path counts it skipped
        return await run_item(db, athlete_id, week_start, rules=rules, clock=clock, run_id=run_id, raise_errors=True)
    return results[athlete_id]


async def _attempt(
    db: Database, athlete_id: int, week_start: dt.date, *, rules: Any, clock: Clock, run_id: int | None,
    narrator: Narrator | None, started: float,
) -> ItemResult:
    now = clock.now()
    async with db.transaction() as s:
        item = await _lock_item(s, athlete_id, week_start)
        if item.status in FINISHED_STATES:
            if run_id is not None and item.run_id == run_id:
                # This run has counted it: a second delivery of its task (redelivered after a worker
                # died, or re-sent by the coordinator's sweep) changes nothing and counts nothing.
                return ItemResult(athlete_id, "already", item.status)
            await _count(s, run_id, "already", 0.0)
            if run_id is not None:
                item.run_id = run_id  # counted by this run now, once
            return ItemResult(athlete_id, "already", item.status)
        failed_here = item.status == "failed" and item.run_id == run_id and run_id is not None
        item.run_id = run_id
        item.attempts += 1
        athlete = await s.get(m.Athlete, athlete_id)
        reason = _skip_reason(athlete)
        replies: dict[int, Reply] | None = {} if narrator is None else None  # queued in this transaction
        if reason is None and item.status != "composed":
            assert athlete is not None
            with repo.plan_memo(s, shared=False):  # this plan is read in this task alone: not worth keeping
                reason = await _compose_into(s, item, athlete, week_start, now, rules, replies=replies)
        if reason is not None:
            item.status, item.last_error = "skipped", reason
            return await _finish(s, item, run_id, "skipped", reason, started, failed_here)
        if item.status in FINISHED_STATES:  # the Sunday preview (or an approval) got there first
            return await _finish(s, item, run_id, "already", item.status, started, failed_here)
        if narrator is None:
            outcome = await _queue(s, item, athlete, now, reply=(replies or {}).get(athlete_id))
            return await _finish(s, item, run_id, outcome, "", started, failed_here)
        template = str((item.composed or {}).get("text", ""))
    # The narrative is written with no transaction open: a slow model holds no lock.
    try:
        text = await narrator.narrate(athlete_id, template)
    except Exception:  # the template stands: the engine's numbers are already in it
        log.warning("weekly batch: the narrative for athlete %d failed; the template is used", athlete_id, exc_info=True)
        text = None
    async with db.transaction() as s:
        item = await _lock_item(s, athlete_id, week_start)
        if item.status != "composed":  # someone else finished it meanwhile
            await _count(s, run_id, "already", 0.0)
            return ItemResult(athlete_id, "already", item.status)
        athlete = await s.get(m.Athlete, athlete_id)
        outcome = await _queue(s, item, athlete, clock.now(), text)
        return await _finish(s, item, run_id, outcome, "", started, False)


async def _compose_into(
    s: AsyncSession, item: BatchItem, athlete: m.Athlete, week_start: dt.date, now: dt.datetime, rules: Any,
    chunk: _Chunk | None = None, *, replies: dict[int, Reply] | None = None,
) -> str | None:
    """Adapt and compose into ``item`` (status ``composed``); a reason when there is nothing to send.
    ``chunk``: the plans and queued keys were looked up for many athletes at once. ``replies`` (or
    the chunk's): the message is queued in this transaction, so it is kept there, not in ``composed``."""
    today = now.astimezone(zone(athlete.time_zone)).date()
    if chunk is not None:
        row = await repo.active_plan_row(s, athlete.id)  # preloaded: a memo hit
        start = min((w.start for w in row.weeks if w.start > week_start - dt.timedelta(days=7)), default=None) if row else None
        if row is None:
            return "no plan"
    else:
        plan_id = (
            await s.execute(
                select(m.Plan.id).where(m.Plan.athlete_id == athlete.id, m.Plan.status == "active")
                .order_by(m.Plan.version.desc()).limit(1)
            )
        ).scalar_one_or_none()
        if plan_id is None:
            return "no plan"
        # render.current_week's choice (the week holding week_start, else the next one) from the weeks'
        # starts alone: loading the whole plan here would be its fifth load per athlete.
        start = (
            await s.execute(
                select(m.PlanWeek.start).where(m.PlanWeek.plan_id == plan_id, m.PlanWeek.start > week_start - dt.timedelta(days=7))
                .order_by(m.PlanWeek.start).limit(1)
            )
        ).scalar_one_or_none()
    if start is None:
        return "plan finished"
    if start <= today:
        return "week already begun"
    weekly, review = keys_of(athlete.id, start)
    if chunk is not None:
        queued = weekly if weekly in chunk.queued else review if review in chunk.queued else None
    else:
        queued = (await s.execute(select(m.OutboxMessage.key).where(m.OutboxMessage.key.in_((weekly, review))))).scalars().first()
    if queued is not None:  # the Sunday preview (or an approval) got there first: nothing to redo
        item.composed = {"key": queued, "kind": "review" if queued == review else "weekly_plan"}
        item.status = "review" if queued == review else "done"
        item.outbox_key = queued
        return None
    due = await compose_week(s, athlete, start, today, rules)
    composed: dict[str, Any] = {
        "key": due.key, "kind": due.kind, "chat_id": due.chat_id, "week": start.isoformat(), "name": athlete.display_name or athlete.name,
    }
    held = chunk.replies if chunk is not None else replies
    if held is not None:
        held[athlete.id] = due.reply
    else:  # the narrative is written outside this transaction: the message waits in the item
        composed["reply"] = due.reply.to_payload()
        composed["text"] = due.reply.text if due.kind != "review" else due.reply.text.split("\n", 1)[1]
    item.composed = composed
    item.status = "composed"
    return None


async def _finish(
    s: AsyncSession, item: BatchItem, run_id: int | None, outcome: Outcome, reason: str, started: float, failed_here: bool,
    tally: _Tally | None = None,
) -> ItemResult:
    duration = time.perf_counter() - started
    item.duration_s = duration
    item.finished_at = s.info["now"]() if "now" in s.info else m.utcnow()
    if tally is None:
        await _count(s, run_id, outcome, duration, undo_failed=failed_here)
    else:
        tally.add(outcome, duration, undo_failed=failed_here)
    return ItemResult(item.athlete_id, outcome, reason, duration)


async def record_failure(
    db: Database, athlete_id: int, week_start: dt.date, run_id: int | None, reason: str, duration: float = 0.0,
) -> bool:
    """Leave the item ``failed`` with ``reason`` (counted once per run), unless it is finished.
    False when the athlete is gone (deleted meanwhile): there is nothing to record or retry."""
    try:
        async with db.transaction() as s:
            item = await _lock_item(s, athlete_id, week_start)
            if item.status in FINISHED_STATES:
                return True
            counted = item.status == "failed" and item.run_id == run_id
            item.status, item.last_error, item.run_id = "failed", reason, run_id
            item.attempts += 1
            item.duration_s = duration
            if not counted:
                await _count(s, run_id, "failed", duration)
        return True
    except IntegrityError:  # the athlete was deleted meanwhile: nothing left to record
        if await _athlete_exists(db, athlete_id):
            log.warning("weekly batch: athlete %d, week %s: the failure could not be recorded", athlete_id, week_start, exc_info=True)
            return True
        log.info("weekly batch: athlete %d is gone; no failure recorded", athlete_id)
        return False


async def _athlete_exists(db: Database, athlete_id: int) -> bool:
    async with db.transaction() as s:
        return (await s.execute(select(m.Athlete.id).where(m.Athlete.id == athlete_id))).first() is not None


async def _count_alone(db: Database, run_id: int | None, outcome: Outcome, duration_s: float) -> None:
    """Count an outcome that has no item to keep it (an athlete deleted mid-run)."""
    if run_id is not None:
        async with db.transaction() as s:
            await _count(s, run_id, outcome, duration_s)


# --------------------------------------------------------------------------- a run


async def eligible_athletes(db: Database) -> list[int]:
    """Athletes with a profile whom Telegram can reach (the Sunday preview's own selection)."""
    async with db.transaction() as s:
        query = select(m.Athlete.id).where(m.Athlete.profile.is_not(None), m.Athlete.inactive_since.is_(None)).order_by(m.Athlete.id)
        return list((await s.execute(query)).scalars())


async def start_run(db: Database, week_start: dt.date, total: int, mode: str) -> int:
    async with db.transaction() as s:
        run = BatchRun(kind="weekly", week_start=week_start, mode=mode, total=total)
        s.add(run)
        await s.flush()
        return run.id


CLAIM_ROWS = 1_000
"""``claim_items`` writes this many items per statement."""
OPEN_STATES = ("pending", "composed")
"""An item of a run in one of these is still to be done (``open_items``)."""


async def claim_items(db: Database, athlete_ids: Sequence[int], week_start: dt.date, run_id: int) -> None:
    """Before a run's tasks are published: its athletes' (athlete, week) rows, committed, so that
    whatever becomes of a message, the run knows who is still to be done (``open_items``). A
    missing row is made ``pending``; an unfinished one (``pending``, ``composed``, ``failed``) is
    taken over by this run, a failed one back to ``pending`` (its last error kept until the retry);
    a finished one is left as it is (its task counts it ``already``). Athletes deleted meanwhile
    get no row."""
    if not athlete_ids:
        return
    async with db.transaction() as s:
        postgres = s.get_bind().dialect.name == "postgresql"
        stamp = s.info["now"]() if "now" in s.info else m.utcnow()
        for first in range(0, len(athlete_ids), CLAIM_ROWS):
            ids = list(athlete_ids[first:first + CLAIM_ROWS])
            rows = select(m.Athlete.id, literal(week_start, Date), literal(run_id), literal("pending"), literal(0),
                          literal(stamp, DateTime)).where(m.Athlete.id.in_(ids))
            columns = ["athlete_id", "week_start", "run_id", "status", "attempts", "created_at"]
            if postgres:
                from sqlalchemy.dialects.postgresql import insert as pg_insert

                await s.execute(pg_insert(BatchItem).from_select(columns, rows).on_conflict_do_nothing(
                    index_elements=["athlete_id", "week_start"]))
            else:
                from sqlalchemy.dialects.sqlite import insert as sqlite_insert

                await s.execute(sqlite_insert(BatchItem).from_select(columns, rows).on_conflict_do_nothing(
                    index_elements=["athlete_id", "week_start"]))
            await s.execute(
                update(BatchItem)
                .where(BatchItem.athlete_id.in_(ids), BatchItem.week_start == week_start,
                       BatchItem.status.not_in(FINISHED_STATES), BatchItem.run_id.is_distinct_from(run_id))
                .values(run_id=run_id, status=case((BatchItem.status == "failed", "pending"), else_=BatchItem.status))
            )


async def open_items(db: Database, run_id: int, limit: int | None = None) -> tuple[int, list[int]]:
    """How many of the run's items are still to be done, and (up to ``limit``) whose, by athlete."""
    async with db.transaction() as s:
        where = (BatchItem.run_id == run_id, BatchItem.status.in_(OPEN_STATES))
        count = (await s.execute(select(func.count(BatchItem.id)).where(*where))).scalar_one()
        ids: list[int] = []
        if count and limit != 0:
            query = select(BatchItem.athlete_id).where(*where).order_by(BatchItem.athlete_id)
            ids = list((await s.execute(query if limit is None else query.limit(limit))).scalars())
        return count, ids


async def finish_run(db: Database, run_id: int) -> None:
    async with db.transaction() as s:
        run = await s.get(BatchRun, run_id)
        if run is not None:
            run.finished_at = db.naive_now()


async def run_weekly(
    db: Database, week_start: dt.date, *, rules: Any, clock: Clock, athlete_ids: Sequence[int] | None = None,
    narrator: Narrator | None = None, progress: Callable[[ItemResult], None] | None = None,
    on_start: Callable[[int], None] | None = None, chunk_size: int = CHUNK_ATHLETES,
) -> RunSummary:
    """The weekly batch in this process (SQLite has one writer anyway; ``coach worker`` processes
    spread it over a task queue): ``chunk_size`` athletes per transaction (``run_chunk``), or one
    after another with a narrator (a slow model must not hold a chunk's transaction open)."""
    ids = list(athlete_ids) if athlete_ids is not None else await eligible_athletes(db)
    run_id = await start_run(db, week_start, len(ids), "in-process")
    if on_start is not None:
        on_start(len(ids))
    summary = RunSummary(run_id, week_start, len(ids))
    size = 1 if narrator is not None else max(chunk_size, 1)
    with fewer_collections():
        for first in range(0, len(ids), size):
            if narrator is not None:
                results = [await run_item(db, ids[first], week_start, rules=rules, clock=clock, run_id=run_id, narrator=narrator)]
            else:
                results = await run_chunk(db, ids[first:first + size], week_start, rules=rules, clock=clock, run_id=run_id)
            for result in results:
                summary.results.append(result)
                if progress is not None:
                    progress(result)
    await finish_run(db, run_id)
    return summary


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Python's cycle collector runs after every 700 new objects and, in its full passes, walks
    every object alive. A batch allocates millions (rows, plan documents), most of them freed at
    once by reference counting, while the process holds as many from before (modules, libraries)
    that none of its garbage can refer to. During the batch, those are left out of the passes
    (``gc.freeze``) and a collection runs after 50,000 new objects. The collector's own CPU for
    1,000 athletes in-process (bench_batch's): 2.4-3.4 s without either, 1.5-1.8 s with the freeze
    alone, 0.4 s with both. Nested or concurrent runs in one process: the last one out puts
    things back."""
    global _collecting_less
    if _collecting_less == 0:
        _saved_thresholds[:] = gc.get_threshold()
        gc.freeze()
        gc.set_threshold(max(_saved_thresholds[0], GC_THRESHOLD_OBJECTS), *_saved_thresholds[1:])
    _collecting_less += 1
    try:
        yield
    finally:
        _collecting_less -= 1
        if _collecting_less == 0:
            gc.set_threshold(*_saved_thresholds)
            gc.unfreeze()


GC_THRESHOLD_OBJECTS = 50_000
_collecting_less = 0
_saved_thresholds: list[int] = []


async def run_chunk(
    db: Database, athlete_ids: Sequence[int], week_start: dt.date, *, rules: Any, clock: Clock, run_id: int | None = None,
) -> list[ItemResult]:
    """Several athletes' weeks in one transaction, each in a savepoint: an athlete that fails is
    rolled back alone and recorded ``failed`` with its reason, the others commit together with the
    run's counters. Results in the order of ``athlete_ids``. When the transaction itself fails
    (the database, not an athlete), nothing of it stays and the chunk runs athlete by athlete."""
    try:
        by_id, missing = await _chunk(db, athlete_ids, week_start, rules=rules, clock=clock, run_id=run_id)
    except Exception:
        log.warning("weekly batch: a chunk of %d athletes failed as a whole; they run one by one", len(athlete_ids), exc_info=True)
        by_id, missing = {}, list(athlete_ids)
    for athlete_id in missing:  # gone meanwhile, or the chunk failed: the one-athlete path records why
        by_id[athlete_id] = await run_item(db, athlete_id, week_start, rules=rules, clock=clock, run_id=run_id)
    return [by_id[athlete_id] for athlete_id in athlete_ids]


async def _lock_items(s: AsyncSession, athlete_ids: Sequence[int], week_start: dt.date, *, claimed: bool = False) -> dict[int, BatchItem]:
    """The chunk's (athlete, week) rows, created where missing, locked for this transaction (in
    athlete order on PostgreSQL, so two chunks never wait on each other in a circle). ``claimed``:
    the rows are most likely there already (``claim_items``), so on PostgreSQL they are locked
    first and only the missing ones inserted (then locked), one statement fewer."""
    if not athlete_ids:
        return {}
    query = select(BatchItem).where(BatchItem.athlete_id.in_(athlete_ids), BatchItem.week_start == week_start)
    stamp = s.info["now"]() if "now" in s.info else m.utcnow()
    fresh = [{"athlete_id": a, "week_start": week_start, "status": "pending", "attempts": 0, "created_at": stamp} for a in athlete_ids]
    if s.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        locked: dict[int, BatchItem] = {}
        if claimed:
            locked = {item.athlete_id: item for item in (await s.execute(query.order_by(BatchItem.athlete_id).with_for_update())).scalars()}
            fresh = [row for row in fresh if row["athlete_id"] not in locked]
            if not fresh:
                return locked
            query = select(BatchItem).where(BatchItem.athlete_id.in_([row["athlete_id"] for row in fresh]),
                                            BatchItem.week_start == week_start)
        # Waits for a concurrent inserter to commit, then does nothing: the row is then there to lock.
        await s.execute(pg_insert(BatchItem).values(fresh).on_conflict_do_nothing(index_elements=["athlete_id", "week_start"]))
        rows = (await s.execute(query.order_by(BatchItem.athlete_id).with_for_update())).scalars()
        return {**locked, **{item.athlete_id: item for item in rows}}
    items = {item.athlete_id: item for item in (await s.execute(query)).scalars()}
    missing = [row for row in fresh if row["athlete_id"] not in items]
    if missing:
        await s.execute(insert(BatchItem), missing)
        items.update({item.athlete_id: item for item in (await s.execute(query)).scalars()})
    return items


async def _chunk(
    db: Database, athlete_ids: Sequence[int], week_start: dt.date, *, rules: Any, clock: Clock, run_id: int | None,
    task: bool = False,
) -> tuple[dict[int, ItemResult], list[int]]:
    """The chunk's transaction. ``task`` (``run_task``, one athlete): its row was claimed; a second
    delivery of the run's task counts nothing; a failure is raised (rolling everything back), not
    kept in a savepoint."""
    stored = _stored_pictures(db)
    try:
        results, missing, pictures = await _chunk_transaction(db, athlete_ids, week_start, rules=rules, clock=clock,
                                                              run_id=run_id, task=task, stored=stored)
    except BaseException:  # maybe a picture deleted meanwhile (an orphan): store each again from now on
        stored.clear()
        raise
    for sha in pictures:  # committed
        stored[sha] = None
    while len(stored) > STORED_PICTURES_KEPT:
        del stored[next(iter(stored))]
    return results, missing


STORED_PICTURES_KEPT = 1_024
"""How many pictures' hashes each process remembers having stored, per database (``_stored_pictures``)."""
_stored: weakref.WeakKeyDictionary[Database, dict[str, None]] = weakref.WeakKeyDictionary()


def _stored_pictures(db: Database) -> dict[str, None]:
    """The pictures (by hash, oldest first) that this process committed to ``db``: a chunk or task
    whose message shows one of them does not send its bytes again (~100 kB each; the week picture is
    often the same for many athletes). A picture can be deleted meanwhile, once no outbox row refers
    to it (``models_pictures.drop_orphans``): the insert referring to it then fails, the memo is
    emptied, and the retry (``run_chunk``'s one athlete at a time, the task queue's retry) stores it."""
    known = _stored.get(db)
    if known is None:
        known = _stored[db] = {}
    return known


async def _chunk_transaction(
    db: Database, athlete_ids: Sequence[int], week_start: dt.date, *, rules: Any, clock: Clock, run_id: int | None,
    task: bool, stored: dict[str, None],
) -> tuple[dict[int, ItemResult], list[int], set[str]]:
    now = clock.now()
    results: dict[int, ItemResult] = {}
    tally = _Tally()
    pictures: set[str] = set()
    async with db.transaction() as s:
        # Each plan is read once here: not worth keeping across transactions.
        with repo.plan_memo(s, shared=False), repo.recent_memo(s):
            query = select(m.Athlete).where(m.Athlete.id.in_(athlete_ids))
            athletes = {a.id: a for a in (await s.execute(query)).scalars()}
            missing = [a for a in athlete_ids if a not in athletes]
            present = [a for a in athlete_ids if a in athletes]
            items = await _lock_items(s, present, week_start, claimed=task)
            for item in items.values():  # written in one statement at the end, not flushed at each savepoint
                s.expunge(item)
            todo = [a for a in present if items[a].status not in FINISHED_STATES and _skip_reason(athletes[a]) is None]
            fresh = [a for a in todo if items[a].status != "composed"]
            await repo.preload_active_plans(s, fresh, raw_steps=True)  # steps validated from their JSON text
            # What composing reads of each athlete, for all of them at once: the activities of the
            # longest window (self-grading's, from the earliest "today" of any time zone), the
            # check-ins of the past week, the reviewing coach. A window outside these is queried.
            earliest = now.astimezone(dt.UTC).date() - dt.timedelta(days=1) - dt.timedelta(days=max(BIAS_WINDOW_DAYS, KPI_WINDOW_DAYS) + 1)
            await repo.preload_recent(s, fresh, activities_since=dt.datetime.combine(earliest, dt.time()), checkins_since=earliest)
            chunk = _Chunk(await _queued_keys(s, todo, week_start))
            rows: list[dict[str, Any]] = []
            worked: list[BatchItem] = []
            for athlete_id in present:
                item, athlete = items[athlete_id], athletes[athlete_id]
                started = time.perf_counter()
                if item.status in FINISHED_STATES:
                    results[athlete_id] = ItemResult(athlete_id, "already", item.status)
                    if task and run_id is not None:
                        if item.run_id == run_id:  # a second delivery of this run's task: counted already
                            continue
                        item.run_id = run_id  # counted by this run now, once
                        worked.append(item)
                    tally.add("already", 0.0)
                    continue
                failed_here = item.status == "failed" and item.run_id == run_id and run_id is not None
                pending, before = len(rows), _item_state(item)
                worked.append(item)
                if task:  # one athlete: a failure rolls the whole transaction back (``run_task`` records it)
                    try:
                        results[athlete_id] = await _work(s, item, athlete, week_start, now, rules, run_id, started, failed_here,
                                                          tally, chunk, rows)
                    finally:
                        repo.forget_plans(s, athlete_id)
                    continue
                try:
                    async with s.begin_nested():
                        results[athlete_id] = await _work(s, item, athlete, week_start, now, rules, run_id, started, failed_here,
                                                          tally, chunk, rows)
                except Exception as error:  # this athlete's savepoint is rolled back; the others stand
                    del rows[pending:]
                    for name, value in before.items():  # the item as it was before the attempt
                        setattr(item, name, value)
                    results[athlete_id] = await _fail_in_chunk(item, run_id, error, started, tally)
                finally:
                    repo.forget_plans(s, athlete_id)
            if rows:  # the pictures first (each once, by hash, unless stored before): the rows reference them
                pictures = {r["picture_sha256"] for r in rows if r["picture_sha256"]}
                await models_pictures.store(s, {sha: chunk.pictures[sha] for sha in pictures if sha not in stored})
                await s.execute(insert(m.OutboxMessage), rows)
            await _write_items(s, worked)
            await tally.write(s, run_id)
    return results, missing, pictures


async def _queued_keys(s: AsyncSession, athlete_ids: Sequence[int], week_start: dt.date) -> set[str]:
    """The outbox keys already there for these athletes' next weeks (the memo holds their plans)."""
    keys: list[str] = []
    memo: dict[int, m.Plan | None] = s.info.get(repo.PLAN_MEMO, {})
    for athlete_id in athlete_ids:
        row = memo.get(athlete_id)
        start = min((w.start for w in row.weeks if w.start > week_start - dt.timedelta(days=7)), default=None) if row else None
        if start is not None:
            keys.extend(keys_of(athlete_id, start))
    if not keys:
        return set()
    query = select(m.OutboxMessage.key).where(m.OutboxMessage.key.in_(keys))
    return set((await s.execute(query)).scalars())


async def _work(
    s: AsyncSession, item: BatchItem, athlete: m.Athlete, week_start: dt.date, now: dt.datetime, rules: Any,
    run_id: int | None, started: float, failed_here: bool, tally: _Tally, chunk: _Chunk, rows: list[dict[str, Any]],
) -> ItemResult:
    """One athlete of a chunk, inside its savepoint: ``_attempt`` without a narrator."""
    item.run_id = run_id
    item.attempts += 1
    reason = _skip_reason(athlete)
    fresh = item.status != "composed"  # else composed by an earlier run: its key is looked up on its own
    if reason is None and fresh:
        reason = await _compose_into(s, item, athlete, week_start, now, rules, chunk)
    if reason is not None:
        item.status, item.last_error = "skipped", reason
        return await _finish(s, item, run_id, "skipped", reason, started, failed_here, tally)
    if item.status in FINISHED_STATES:
        return await _finish(s, item, run_id, "already", item.status, started, failed_here, tally)
    outcome = await _queue(s, item, athlete, now, reply=chunk.replies.pop(athlete.id, None), rows=rows if fresh else None, chunk=chunk)
    return await _finish(s, item, run_id, outcome, "", started, failed_here, tally)


_ITEM_COLUMNS = ("run_id", "status", "attempts", "last_error", "outbox_key", "composed", "duration_s", "finished_at")
"""What working on an item may change."""


def _item_state(item: BatchItem) -> dict[str, Any]:
    return {name: getattr(item, name) for name in _ITEM_COLUMNS}


async def _write_items(s: AsyncSession, items: Sequence[BatchItem]) -> None:
    """The chunk's items (detached from the session, so no savepoint flushed them one by one), in
    one UPDATE by primary key per shape: an item without ``composed`` keeps SQL NULL there."""
    with_composed = [{"id": i.id, **_item_state(i)} for i in items if i.composed is not None]
    without = [{"id": i.id, **{k: v for k, v in _item_state(i).items() if k != "composed"}} for i in items if i.composed is None]
    for values in (with_composed, without):
        if values:
            await s.execute(update(BatchItem), values)


async def _fail_in_chunk(item: BatchItem, run_id: int | None, error: Exception, started: float, tally: _Tally) -> ItemResult:
    """``run_item``'s failure record on the chunk's item, written with the chunk (a transaction of
    its own would wait on the chunk's lock). ``item`` is as it was before the attempt."""
    first = (str(error).strip().splitlines() or [""])[0]
    reason = f"{type(error).__name__}: {first}"[:MAX_ERROR_CHARS]
    duration = time.perf_counter() - started
    log.warning("weekly batch: athlete %d, week %s failed: %s", item.athlete_id, item.week_start, type(error).__name__,
                exc_info=(type(error), error, error.__traceback__))
    counted = item.status == "failed" and item.run_id == run_id
    item.status, item.last_error, item.run_id = "failed", reason, run_id
    item.attempts += 1
    item.duration_s = duration
    if not counted:
        tally.add("failed", duration)
    return ItemResult(item.athlete_id, "failed", reason, duration)
