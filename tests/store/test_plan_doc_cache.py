"""The store's read path made cheaper without changing what it reads: plan documents kept across
transactions (``repo.plan_docs``), the weeks of a new version in one INSERT, the adherence window
read without the whole plan, and the scheduler's tick reading no plan when nothing is due."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import event, select

from coach.clock import FixedClock
from coach.engine.models import Profile
from coach.service.service import CoachService
from coach.store import models as m
from coach.store import repo
from coach.store.db import Database

pytestmark = pytest.mark.asyncio

PROFILE = Profile.model_validate(
    {
        "sport": "run",
        "goal": {"event": "half_marathon", "date": "2027-03-28"},
        "start_date": "2026-11-23",
        "availability": {"days": ["tue", "thu", "sat", "sun"], "long_day": "sun"},
        "history": {
            "weekly_km": [30, 30, 30, 30],
            "longest_km": 15,
            "recent_race": {"distance_km": 10, "time": "50:00"},
        },
    }
)
TODAY = dt.date(2026, 12, 8)


@contextlib.contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(db.engine.sync_engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", before)


async def athlete_id(db: Database, name: str = "ann") -> int:
    async with db.transaction() as s:
        athlete = await repo.athlete_by_name(s, name)
        assert athlete is not None
        return athlete.id


async def read_doc(db: Database, aid: int) -> tuple[repo.PlanDoc, repo.PlanDoc]:
    """The document through the cache, and one made afresh from the same row."""
    async with db.transaction() as s:
        row = await repo.active_plan_row(s, aid)
        assert row is not None
        return repo.plan_doc(row), repo._plan_doc(row)


@pytest.fixture
async def ann(db: Database) -> int:
    service = CoachService(db, FixedClock(TODAY))
    await service.add_athlete("ann", PROFILE)
    repo.plan_docs.clear()
    return await athlete_id(db)


async def test_an_unchanged_plan_is_made_once_and_equals_a_fresh_document(db: Database, ann: int) -> None:
    first, fresh = await read_doc(db, ann)
    hits = repo.plan_docs.hits
    second, _ = await read_doc(db, ann)
    assert first == fresh
    assert second is first  # another transaction, the same stored content: no second validation
    assert repo.plan_docs.hits == hits + 1


async def test_a_session_marked_in_place_is_seen_at_once(db: Database, ann: int) -> None:
    before, _ = await read_doc(db, ann)
    day = next(s.date for w in before.weeks for s in w.sessions if s.date <= TODAY and s.type != "commitment")
    async with db.transaction() as s:
        row = await repo.active_plan_row(s, ann)
        assert row is not None
        for session in repo.sessions_on(row, day):
            session.status = "done"
        # In the same transaction, before the commit: the changed row is a miss.
        assert {x.status for w in repo.plan_doc(row).weeks for x in w.sessions if x.date == day} == {"done"}
    after, fresh = await read_doc(db, ann)
    assert after == fresh
    assert {x.status for w in after.weeks for x in w.sessions if x.date == day} == {"done"}
    assert after != before


async def test_a_json_value_changed_in_place_on_a_loaded_row_is_not_hidden(db: Database, ann: int) -> None:
    before, _ = await read_doc(db, ann)
    with pytest.raises(Discard):
        async with db.transaction() as s:
            row = await repo.active_plan_row(s, ann)
            assert row is not None
            target = next(x for w in row.weeks for x in w.sessions if x.steps)
            # Never stored (plain JSON), but what this row now says:
            target.steps[0]["label"] = "changed in place"
            doc = repo.plan_doc(row)
            assert doc is not before and doc == repo._plan_doc(row)
            assert any(
                step.label == "changed in place" for w in doc.weeks for x in w.sessions for step in x.steps
            )
            raise Discard


class Discard(Exception):
    """Leaves a transaction, rolling it back."""


async def test_a_new_version_gets_its_own_document(db: Database, ann: int) -> None:
    old, _ = await read_doc(db, ann)
    async with db.transaction() as s:
        athlete = await s.get(m.Athlete, ann)
        assert athlete is not None
        changed = old.model_copy(update={"notes": [*old.notes, "a coach's note"]})
        await repo.save_plan(s, athlete, changed, source="coach", reason="test")
    new, fresh = await read_doc(db, ann)
    assert new == fresh and new.notes[-1] == "a coach's note"
    assert new is not old


async def test_the_cache_is_bounded_and_drops_the_least_recently_used(db: Database, ann: int) -> None:
    service = CoachService(db, FixedClock(TODAY))
    for name in ("bob", "cy"):
        await service.add_athlete(name, PROFILE)
    cache = repo._PlanDocCache(2)
    ids = [await athlete_id(db, name) for name in ("ann", "bob", "cy")]
    async with db.transaction() as s:
        rows = [await repo.active_plan_row(s, aid) for aid in ids]
        for row in rows:
            assert row is not None
            cache.get(row)
        assert len(cache) == 2
        assert rows[0] is not None and rows[2] is not None
        misses = cache.misses
        cache.get(rows[2])  # kept
        assert cache.misses == misses
        cache.get(rows[0])  # dropped first, made again
        assert cache.misses == misses + 1


async def test_weeks_of_a_saved_plan_keep_their_sessions_in_one_insert(db: Database, ann: int) -> None:
    async with db.transaction() as s:
        row = await repo.active_plan_row(s, ann)
        athlete = await s.get(m.Athlete, ann)
        assert row is not None and athlete is not None
        plan = repo._plan_doc(row)
    with statements(db) as seen:
        async with db.transaction() as s:
            athlete = await s.get(m.Athlete, ann)
            assert athlete is not None
            await repo.save_plan(s, athlete, plan, source="coach", reason="test")
    assert len([x for x in seen if x.startswith("INSERT INTO plan_weeks")]) == 1
    saved, _ = await read_doc(db, ann)
    assert [w.model_dump() for w in saved.weeks] == [w.model_dump() for w in plan.weeks]


async def test_the_adherence_window_is_what_the_whole_plan_says(db: Database, ann: int) -> None:
    first, last = TODAY - dt.timedelta(days=14), TODAY + dt.timedelta(days=1)
    async with db.transaction() as s:
        window = await repo.active_sessions_between(s, ann, first, last)
        row = await repo.active_plan_row(s, ann)
        assert window is not None and row is not None
        document, sessions = window
        expected = repo.sessions_between(row, first, last)
        assert sessions and [x.id for x in sessions] == [x.id for x in expected]
        # The same rows: a status set on one lands once.
        assert all(a is b for a, b in zip(sessions, expected, strict=True))
        assert document == row.document
    async with db.transaction() as s:
        assert await repo.active_sessions_between(s, ann + 1000, first, last) is None
        with repo.plan_memo(s):
            await repo.active_plan_row(s, ann)
            with statements(db) as seen:
                memo_window = await repo.active_sessions_between(s, ann, first, last)
            assert memo_window is not None and [x.id for x in memo_window[1]] == [x.id for x in expected]
            assert seen == []


@dataclass
class At:
    """A settable clock: the schedule is about hours."""

    at: dt.datetime

    def now(self) -> dt.datetime:
        return self.at

    def today(self, time_zone: str = "UTC") -> dt.date:
        return self.at.date()


async def test_the_tick_reads_no_plan_when_nothing_is_due(db: Database, ann: int) -> None:
    clock = At(dt.datetime(2026, 12, 8, 12, 0, tzinfo=dt.UTC))  # a Tuesday noon: nothing due
    service = CoachService(db, clock)
    with statements(db) as seen:
        assert await service.tick() == 0
    assert not [x for x in seen if "FROM plans" in x or "FROM planned_sessions" in x]
    clock.at = dt.datetime(2026, 12, 8, 7, 30, tzinfo=dt.UTC)
    async with db.transaction() as s:
        athlete = await s.get(m.Athlete, ann)
        assert athlete is not None
        athlete.telegram_chat_id = 5
    assert await service.tick() == 1  # the check-in window still reads the plan and queues
    async with db.transaction() as s:
        keys = list((await s.execute(select(m.OutboxMessage.key))).scalars())
    assert keys == [f"checkin:{ann}:2026-12-08"]
