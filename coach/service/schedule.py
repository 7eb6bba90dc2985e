"""Scheduled sends: the morning check-in and the Sunday preview of next week.

Each athlete gets them at local times in their own time zone. A tick (run every minute by
the bot's scheduler, or by hand) writes due messages to the outbox under a unique key —
``checkin:<athlete>:<date>``, ``weekly:<athlete>:<week start>`` — so a tick that runs twice,
or after a crash, never sends anything twice, and a tick missed while the bot was down is
caught up by the next one within the catch-up window.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coach.clock import zone
from coach.service import render
from coach.service.charts import week_picture
from coach.service.training_log import gate_next_week, self_correct, week_review
from coach.service.types import Button, Reply
from coach.store import models as m
from coach.store import repo

log = logging.getLogger(__name__)

CHECKIN_LOCAL_TIME = dt.time(7, 0)
"""Morning check-in prompt, local time: before most people train."""
WEEKLY_LOCAL_TIME = dt.time(18, 0)
"""Sunday evening preview of next week, local time."""
WEEKLY_WEEKDAY = 6  # Sunday
CATCH_UP = dt.timedelta(hours=3)
"""A send missed because the bot was down is still sent if the bot is back within this window."""


@dataclass(frozen=True)
class Due:
    key: str
    athlete_id: int
    chat_id: int | None
    kind: str
    reply: Reply


def _window(local_now: dt.datetime, at: dt.time) -> bool:
    target = local_now.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    return target <= local_now < target + CATCH_UP


async def _queued(session: AsyncSession, *keys: str) -> bool:
    return (await session.execute(select(m.OutboxMessage.id).where(m.OutboxMessage.key.in_(keys)))).first() is not None


async def due_sends(session: AsyncSession, now: dt.datetime, rules: Any) -> list[Due]:
    """Every scheduled message due at ``now`` (UTC-aware) for athletes with a plan whom Telegram
    can reach (an athlete who blocked the bot is inactive until they write again).

    The weekly message is composed once: when its key is already queued, nothing is redone, so
    the self-grading correction it carries is applied once per week however often the tick runs."""
    athletes = (
        await session.execute(select(m.Athlete).where(m.Athlete.profile.is_not(None), m.Athlete.inactive_since.is_(None)))
    ).scalars().all()
    due: list[Due] = []
    for athlete in athletes:
        local = now.astimezone(zone(athlete.time_zone))
        today = local.date()
        checkin = _window(local, CHECKIN_LOCAL_TIME)
        weekly = local.weekday() == WEEKLY_WEEKDAY and _window(local, WEEKLY_LOCAL_TIME)
        if not checkin and not weekly:
            continue  # nothing due: the plan is not read (every minute, ~6 ms an athlete, the write lock held)
        plan_row = await repo.active_plan_row(session, athlete.id)
        if plan_row is None:
            continue
        plan = repo.plan_doc(plan_row)
        if checkin:
            sessions = [s for w in plan.weeks for s in w.sessions if s.date == today]
            planned = render.day_text(today, sessions, athlete.units, "Today")
            due.append(Due(
                key=f"checkin:{athlete.id}:{today.isoformat()}", athlete_id=athlete.id, chat_id=athlete.telegram_chat_id,
                kind="checkin",
                reply=Reply(f"Good morning! {planned}\n\nHow did you sleep? Tap to check in.",
                            [[Button(label, f"ci:sleep_hours:{value}") for label, value in
                              (("≤5", "5"), ("6", "6"), ("7", "7"), ("8", "8"), ("9+", "9"))]]),
            ))
        if weekly:
            week = render.current_week(plan, today + dt.timedelta(days=1))
            keys = (f"weekly:{athlete.id}:{week.start.isoformat()}", f"review:{athlete.id}:{week.start.isoformat()}") if week else ()
            if week is not None and week.start > today and not await _queued(session, *keys):
                due.append(await compose_week(session, athlete, week.start, today, rules))
    return due


async def compose_week(session: AsyncSession, athlete: m.Athlete, week_start: dt.date, today: dt.date, rules: Any) -> Due:
    """Next week's message: last week's adherence and load adapt it (self-grading, KPI gates), its
    text and picture, to the athlete or — when a linked coach reviews — to the coach's group with an
    Approve button. The Sunday preview and the weekly batch (coach/batch) both compose with this."""
    with repo.plan_memo(session):  # the plan is read six times below: loaded once (again after a save)
        corrected = await self_correct(session, athlete, today, rules)
        gated = await gate_next_week(session, athlete, today, rules)
        text = "\n".join([*corrected, *gated, await weekly_text(session, athlete, week_start, today)])
        reviewer = await review_group(session, athlete)
        picture = await week_picture(session, athlete, week_start, today)  # the week as a picture (coach/charts)
    if reviewer is None:
        return Due(key=f"weekly:{athlete.id}:{week_start.isoformat()}", athlete_id=athlete.id, chat_id=athlete.telegram_chat_id,
                   kind="weekly_plan", reply=Reply(text, document=picture))
    name = athlete.display_name or athlete.name
    return Due(
        key=f"review:{athlete.id}:{week_start.isoformat()}", athlete_id=athlete.id, chat_id=reviewer, kind="review",
        reply=Reply(f"For review — {name}:\n{text}", [[Button(f"Approve for {name}", f"rev:{athlete.id}:{week_start.isoformat()}")]],
                    document=picture),
    )


async def weekly_text(session: AsyncSession, athlete: m.Athlete, week_start: dt.date, today: dt.date) -> str:
    """The past week in numbers, then next week's plan."""
    row = await repo.active_plan_row(session, athlete.id)
    assert row is not None
    week = render.current_week(repo.plan_doc(row), week_start)
    assert week is not None
    review = await week_review(session, athlete, week_start - dt.timedelta(days=7), today)
    return "\n".join([*review, "Next week:", render.week_text(week, athlete.units)])


async def review_group(session: AsyncSession, athlete: m.Athlete) -> int | None:
    """The group chat of a coach who reviews this athlete's weeks before they see them, if any."""
    return await repo.review_group(session, athlete.id)


async def approve_week(session: AsyncSession, athlete: m.Athlete, week_start: dt.date, today: dt.date, coach_name: str) -> bool:
    """Send the reviewed week to the athlete (once: the outbox key is the same as an unreviewed send)."""
    key = f"weekly:{athlete.id}:{week_start.isoformat()}"
    if (await session.execute(select(m.OutboxMessage.id).where(m.OutboxMessage.key == key))).first() is not None:
        return False
    text = await weekly_text(session, athlete, week_start, today)
    session.add(m.OutboxMessage(
        key=key, athlete_id=athlete.id, chat_id=athlete.telegram_chat_id, kind="weekly_plan",
        payload=Reply(f"{text}\n(Reviewed by {coach_name}.)", document=await week_picture(session, athlete, week_start, today)).to_payload(),
    ))
    return True


async def enqueue_due(session: AsyncSession, now: dt.datetime, rules: Any) -> int:
    """Write due sends to the outbox, each once (the key is unique). Returns how many were new."""
    items = await due_sends(session, now, rules)
    if not items:
        return 0
    keys = [item.key for item in items]
    existing = set((await session.execute(select(m.OutboxMessage.key).where(m.OutboxMessage.key.in_(keys)))).scalars())
    new = 0
    for item in items:
        if item.key in existing:
            continue
        if item.kind == "checkin":
            athlete = await session.get(m.Athlete, item.athlete_id)
            if athlete is not None and athlete.dialog is None:
                athlete.dialog = {"flow": "checkin", "answers": {}}
        session.add(m.OutboxMessage(
            key=item.key, athlete_id=item.athlete_id, chat_id=item.chat_id, kind=item.kind, payload=item.reply.to_payload(),
            due_at=now.astimezone(dt.UTC).replace(tzinfo=None),
        ))
        new += 1
    if new:
        log.info("scheduled %d message(s)", new)
    return new
