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
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from coach.clock import Clock, zone
from coach.service.schedule import WEEKLY_LOCAL_TIME, compose_week
from coach.service.types import Reply
from coach.store import models as m
from coach.store.db import Database
from coach.store.models_batch import FINISHED_STATES, BatchItem, BatchRun

log = logging.getLogger(__name__)

Outcome = Literal["done", "review", "skipped", "failed", "already"]
MAX_ERROR_CHARS = 2000


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
    await s.execute(update(r).where(r.id == run_id).values(values))
    # The maximum without a dialect-specific GREATEST: a second statement that only ever raises it.
    await s.execute(update(r).where(r.id == run_id, r.duration_s_max < duration_s).values(duration_s_max=duration_s))


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


async def _queue(s: AsyncSession, item: BatchItem, athlete: m.Athlete | None, now: dt.datetime, text: str | None = None) -> Outcome:
    """Write the composed message to the outbox (unless its key is there already) and finish the item."""
    composed = item.composed or {}
    key = str(composed["key"])
    if (await s.execute(select(m.OutboxMessage.id).where(m.OutboxMessage.key == key))).first() is None:
        reply = Reply.from_payload(composed["reply"])
        if text is not None:
            reply = Reply(f"For review — {composed['name']}:\n{text}" if composed["kind"] == "review" else text, reply.buttons)
        due_at = None
        if composed["kind"] == "weekly_plan" and athlete is not None:
            due_at = _due_at(athlete, dt.date.fromisoformat(str(composed["week"])), now)
        s.add(m.OutboxMessage(key=key, athlete_id=item.athlete_id, chat_id=composed["chat_id"], kind=composed["kind"],
                              payload=reply.to_payload(), due_at=due_at))
    outcome: Outcome = "review" if composed["kind"] == "review" else "done"
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
        first = (str(error).strip().splitlines() or [""])[0]
        reason = f"{type(error).__name__}: {first}"[:MAX_ERROR_CHARS]  # the whole traceback is in the log
        log.warning("weekly batch: athlete %d, week %s failed: %s", athlete_id, week_start, type(error).__name__, exc_info=True)
        await _record_failure(db, athlete_id, week_start, run_id, reason, time.perf_counter() - started)
        if raise_errors:
            raise
        return ItemResult(athlete_id, "failed", reason, time.perf_counter() - started)
    return result


async def _attempt(
    db: Database, athlete_id: int, week_start: dt.date, *, rules: Any, clock: Clock, run_id: int | None,
    narrator: Narrator | None, started: float,
) -> ItemResult:
    now = clock.now()
    async with db.transaction() as s:
        item = await _lock_item(s, athlete_id, week_start)
        if item.status in FINISHED_STATES:
            await _count(s, run_id, "already", 0.0)
            return ItemResult(athlete_id, "already", item.status)
        failed_here = item.status == "failed" and item.run_id == run_id and run_id is not None
        item.run_id = run_id
        item.attempts += 1
        athlete = await s.get(m.Athlete, athlete_id)
        reason = _skip_reason(athlete)
        if reason is None and item.status != "composed":
            assert athlete is not None
            reason = await _compose_into(s, item, athlete, week_start, now, rules)
        if reason is not None:
            item.status, item.last_error = "skipped", reason
            return await _finish(s, item, run_id, "skipped", reason, started, failed_here)
        if item.status in FINISHED_STATES:  # the Sunday preview (or an approval) got there first
            return await _finish(s, item, run_id, "already", item.status, started, failed_here)
        if narrator is None:
            outcome = await _queue(s, item, athlete, now)
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
) -> str | None:
    """Adapt and compose into ``item`` (status ``composed``); a reason when there is nothing to send."""
    today = now.astimezone(zone(athlete.time_zone)).date()
    plan_id = (
        await s.execute(
            select(m.Plan.id).where(m.Plan.athlete_id == athlete.id, m.Plan.status == "active").order_by(m.Plan.version.desc()).limit(1)
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
    queued = (await s.execute(select(m.OutboxMessage.key).where(m.OutboxMessage.key.in_((weekly, review))))).scalars().first()
    if queued is not None:  # the Sunday preview (or an approval) got there first: nothing to redo
        item.composed = {"key": queued, "kind": "review" if queued == review else "weekly_plan"}
        item.status = "review" if queued == review else "done"
        item.outbox_key = queued
        return None
    due = await compose_week(s, athlete, start, today, rules)
    item.composed = {
        "key": due.key, "kind": due.kind, "chat_id": due.chat_id, "reply": due.reply.to_payload(), "week": start.isoformat(),
        "text": due.reply.text if due.kind != "review" else due.reply.text.split("\n", 1)[1],
        "name": athlete.display_name or athlete.name,
    }
    item.status = "composed"
    return None


async def _finish(
    s: AsyncSession, item: BatchItem, run_id: int | None, outcome: Outcome, reason: str, started: float, failed_here: bool,
) -> ItemResult:
    duration = time.perf_counter() - started
    item.duration_s = duration
    item.finished_at = s.info["now"]() if "now" in s.info else m.utcnow()
    await _count(s, run_id, outcome, duration, undo_failed=failed_here)
    return ItemResult(item.athlete_id, outcome, reason, duration)


async def _record_failure(db: Database, athlete_id: int, week_start: dt.date, run_id: int | None, reason: str, duration: float) -> None:
    try:
        async with db.transaction() as s:
            item = await _lock_item(s, athlete_id, week_start)
            if item.status in FINISHED_STATES:
                return
            counted = item.status == "failed" and item.run_id == run_id
            item.status, item.last_error, item.run_id = "failed", reason, run_id
            item.attempts += 1
            item.duration_s = duration
            if not counted:
                await _count(s, run_id, "failed", duration)
    except IntegrityError:  # the athlete was deleted meanwhile: nothing left to record
        log.info("weekly batch: athlete %d is gone; no failure recorded", athlete_id)


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


async def finish_run(db: Database, run_id: int) -> None:
    async with db.transaction() as s:
        run = await s.get(BatchRun, run_id)
        if run is not None:
            run.finished_at = db.naive_now()


async def run_weekly(
    db: Database, week_start: dt.date, *, rules: Any, clock: Clock, athlete_ids: Sequence[int] | None = None,
    narrator: Narrator | None = None, progress: Callable[[ItemResult], None] | None = None,
    on_start: Callable[[int], None] | None = None,
) -> RunSummary:
    """The weekly batch in this process, one athlete after another (SQLite has one writer anyway;
    ``coach worker`` processes spread it over a task queue)."""
    ids = list(athlete_ids) if athlete_ids is not None else await eligible_athletes(db)
    run_id = await start_run(db, week_start, len(ids), "in-process")
    if on_start is not None:
        on_start(len(ids))
    summary = RunSummary(run_id, week_start, len(ids))
    for athlete_id in ids:
        result = await run_item(db, athlete_id, week_start, rules=rules, clock=clock, run_id=run_id, narrator=narrator)
        summary.results.append(result)
        if progress is not None:
            progress(result)
    await finish_run(db, run_id)
    return summary
