"""Every update is applied exactly once, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from coach.clock import FixedClock
from coach.service.service import CoachService, Who
from coach.service.types import Incoming
from coach.store import models as m
from coach.store.db import Database

ANN = Who(name="Ann", telegram_user_id=11, chat_id=11)


def command(text: str) -> Incoming:
    head, _, args = text[1:].partition(" ")
    return Incoming(kind="command", text=text, command=head, args=args)


async def test_a_replayed_update_changes_nothing(any_service: CoachService) -> None:
    first = await any_service.handle(ANN, command("/settings units miles"), update_id=1)
    await any_service.handle(ANN, command("/settings units km"), update_id=2)
    replay = await any_service.handle(ANN, command("/settings units miles"), update_id=1)
    assert first.replies and first.outbox_ids
    assert replay.duplicate and replay.replies == [] and replay.outbox_ids == []
    async with any_service.db.transaction() as s:
        athlete = (await s.execute(select(m.Athlete))).scalar_one()
        assert athlete.units == "km"
        assert (await s.execute(select(func.count()).select_from(m.OutboxMessage))).scalar_one() == 2
        assert (await s.execute(select(func.count()).select_from(m.ChatMessage))).scalar_one() == 4


async def test_replies_wait_in_the_outbox_until_sent(any_service: CoachService) -> None:
    result = await any_service.handle(ANN, command("/help"), update_id=5)
    unsent = await any_service.unsent()
    assert [row[0] for row in unsent] == result.outbox_ids
    assert unsent[0][1] == ANN.chat_id and unsent[0][2].text == result.replies[0].text
    await any_service.mark_sent(result.outbox_ids[0])
    assert await any_service.unsent() == []


async def test_failed_updates_are_retried_then_parked(any_service: CoachService) -> None:
    assert await any_service.record_update("telegram", 9, {"update_id": 9}, 11)
    assert not await any_service.record_update("telegram", 9, {"update_id": 9}, 11)
    for _ in range(3):
        assert [u for u, _ in await any_service.pending_updates("telegram")] == [9]
        await any_service.record_failure("telegram", 9, "boom")
    assert await any_service.pending_updates("telegram") == []


@pytest.mark.parametrize("day", [dt.date(2019, 3, 1), dt.date(2041, 11, 30)])
async def test_replies_are_due_by_the_services_clock_in_the_past_or_the_future(db: Database, day: dt.date) -> None:
    """The outbox compared rows stamped by the wall clock with the injected clock: once the real
    date passed the tests' fixed date (or with COACH_TODAY in the past) nothing was ever due."""
    service = CoachService(db, FixedClock(day))
    result = await service.handle(ANN, command("/help"), update_id=7)
    assert [row[0] for row in await service.unsent()] == result.outbox_ids
    async with db.transaction() as s:
        stamped = [
            *(await s.execute(select(m.OutboxMessage.due_at))).scalars(),
            *(await s.execute(select(m.ChatMessage.created_at))).scalars(),
            *(await s.execute(select(m.InboxUpdate.received_at, m.InboxUpdate.processed_at))).one(),
        ]
    assert stamped and {when.date() for when in stamped} == {day}
    await service.mark_sent(result.outbox_ids[0])
    async with db.transaction() as s:
        sent = (await s.execute(select(m.OutboxMessage.sent_at).where(m.OutboxMessage.id == result.outbox_ids[0]))).scalar_one()
    assert sent is not None and sent.date() == day
