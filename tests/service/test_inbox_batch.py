"""A ``getUpdates`` answer is stored in one transaction, each update once (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import select

from coach.service.service import CoachService
from coach.store import models as m


async def test_a_batch_of_updates_is_stored_once_each(any_service: CoachService) -> None:
    assert await any_service.record_update("telegram", 2, {"update_id": 2, "old": True}, 11)
    stored = await any_service.record_updates(
        "telegram",
        [
            (1, {"update_id": 1}, 11),
            (2, {"update_id": 2}, 11),
            (3, {"update_id": 3}, None),
            (3, {"update_id": 3}, None),
        ],
    )
    assert stored == [1, 3]  # 2 was there already; 3 came twice
    assert await any_service.record_updates("telegram", [(1, {"update_id": 1}, 11)]) == []
    assert await any_service.record_updates("telegram", []) == []
    async with any_service.db.transaction() as s:
        rows = (await s.execute(select(m.InboxUpdate).order_by(m.InboxUpdate.update_id))).scalars().all()
        assert [(r.update_id, r.payload, r.user_id) for r in rows] == [
            (1, {"update_id": 1}, 11),
            (2, {"update_id": 2, "old": True}, 11),
            (3, {"update_id": 3}, None),
        ]
    assert [u for u, _ in await any_service.pending_updates("telegram")] == [1, 2, 3]


async def test_the_same_ids_from_another_source_are_other_updates(any_service: CoachService) -> None:
    await any_service.record_updates("telegram", [(1, {"update_id": 1}, 11)])
    assert await any_service.record_updates("terminal", [(1, {"update_id": 1}, 11)]) == [1]
