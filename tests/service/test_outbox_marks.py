"""Marking delivered messages: one transaction for the marks that arrive together (group commit).

Under a burst every chat's task reports a delivery at about the same time; each report used to be
a transaction of its own (on SQLite a wait for the one write lock behind the athletes' updates).
``Outbox.sent`` now writes the marks that arrive while one is being written in the next
transaction together, and each caller still returns only once its own mark is committed.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from coach.service.delivery import Outbox, OutboxItem
from coach.service.service import CoachService
from coach.service.types import Reply
from coach.store import models as m


async def _queue(service: CoachService, chats: list[int], per_chat: int) -> None:
    async with service.db.transaction() as s:
        for chat in chats:
            for n in range(per_chat):
                s.add(m.OutboxMessage(key=f"marks:{chat}:{n}", chat_id=chat, kind="checkin", payload=Reply(f"#{n}").to_payload()))


async def _rows(service: CoachService) -> list[m.OutboxMessage]:
    async with service.db.transaction() as s:
        return list((await s.execute(select(m.OutboxMessage).order_by(m.OutboxMessage.id))).scalars())


async def test_marks_reported_together_are_written_in_one_transaction_and_each_caller_waits_for_its_commit(
    any_service: CoachService,
) -> None:
    chats = [700 + i for i in range(20)]
    await _queue(any_service, chats, per_chat=2)
    outbox = Outbox(any_service.db)
    items = await outbox.claim("sender-a")
    assert len(items) == 40
    firsts = [item for item in items if item.key.endswith(":0")]

    await asyncio.gather(*(outbox.sent(item, "sender-a") for item in firsts))

    assert outbox.mark_transactions == 1  # 20 deliveries, one transaction
    rows = await _rows(any_service)
    marked = {row.id for row in rows if row.sent_at is not None}
    assert marked == {item.id for item in firsts}
    for row in rows:
        if row.sent_at is not None:
            assert (row.attempts, row.claim_token, row.claimed_until) == (1, None, None)
        else:  # each chat's second message: still claimed by the sender, its lease renewed
            assert row.claim_token == "sender-a" and row.claimed_until is not None
    # Nothing is marked twice: reporting a delivery again changes nothing.
    await outbox.sent(firsts[0], "sender-a")
    again = {row.id: row.attempts for row in await _rows(any_service)}
    assert again[firsts[0].id] == 1


async def test_a_caller_cancelled_while_its_mark_is_written_still_has_the_message_marked(any_service: CoachService) -> None:
    """Shutdown cancels the chats' tasks; a message already delivered must not stay unsent (it
    would go out again after the restart)."""
    await _queue(any_service, [801, 802], per_chat=1)
    outbox = Outbox(any_service.db)
    items = await outbox.claim("sender-b")
    tasks = [asyncio.create_task(outbox.sent(item, "sender-b")) for item in items]
    await asyncio.sleep(0)  # both reported, the marks' transaction begun
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await outbox.drain()
    assert all(row.sent_at is not None for row in await _rows(any_service))
    assert await any_service.unsent() == []


async def test_a_failing_mark_reaches_every_caller_and_the_next_mark_works(
    any_service: CoachService, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _queue(any_service, [901, 902, 903], per_chat=1)
    outbox = Outbox(any_service.db)
    items = await outbox.claim("sender-c")
    real = outbox._mark_sent
    failures = []

    async def fail_once(batch: list[tuple[OutboxItem, str]]) -> None:
        if not failures:
            failures.append(len(batch))
            raise RuntimeError("disk I/O error")
        await real(batch)

    monkeypatch.setattr(outbox, "_mark_sent", fail_once)
    results = await asyncio.gather(*(outbox.sent(item, "sender-c") for item in items[:2]), return_exceptions=True)
    assert failures == [2]
    assert [type(r) for r in results] == [RuntimeError, RuntimeError]  # nobody waits forever
    assert all(row.sent_at is None for row in await _rows(any_service))

    await asyncio.gather(*(outbox.sent(item, "sender-c") for item in items))
    assert all(row.sent_at is not None for row in await _rows(any_service))
