"""Memory across processes: two coach processes (own engine, own NoteMemory and index directory) on
one database. A note remembered through one is recalled through the other, a forgotten or corrected
note changes both, because each checks the athlete's notes version in the database before recall."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.clock import FixedClock
from coach.service.notes import NoteMemory
from coach.service.service import CoachService, Ctx
from coach.store import models as m
from coach.store import repo
from coach.store.db import Database
from memory import HashingEmbedder
from tests.conftest import TODAY

pytestmark = pytest.mark.asyncio


async def add_ann(service: CoachService) -> None:
    async with service.db.transaction() as s:  # a bare athlete row: memory needs no plan
        s.add(m.Athlete(name="ann"))


async def recall(service: CoachService, query: str) -> list[str]:
    async with service.db.transaction() as s:
        athlete = await repo.athlete_by_name(s, "ann")
        assert athlete is not None
        return [n.text for n in await service.notes.recall(Ctx(s, athlete, TODAY), query)]


async def remember(service: CoachService, text: str) -> int:
    async with service.db.transaction() as s:
        athlete = await repo.athlete_by_name(s, "ann")
        assert athlete is not None
        return (await service.notes.remember(Ctx(s, athlete, TODAY), text)).id


async def forget(service: CoachService, note_id: int) -> None:
    async with service.db.transaction() as s:
        athlete = await repo.athlete_by_name(s, "ann")
        assert athlete is not None
        await service.forget_note(Ctx(s, athlete, TODAY), str(note_id))


async def correct(service: CoachService, note_id: int, text: str) -> None:
    async with service.db.transaction() as s:
        athlete = await repo.athlete_by_name(s, "ann")
        assert athlete is not None
        await service.correct_note(Ctx(s, athlete, TODAY), note_id, text)


async def test_a_note_remembered_or_forgotten_in_one_process_is_seen_by_the_other(database_url: str, tmp_path: Path) -> None:
    clock = FixedClock(TODAY)
    one_db, two_db = Database(database_url, clock), Database(database_url, clock)  # each process its own engine
    one = CoachService(one_db, clock, memory=NoteMemory(tmp_path / "one", HashingEmbedder()))
    two = CoachService(two_db, clock, memory=NoteMemory(tmp_path / "two", HashingEmbedder()))
    try:
        await add_ann(one)
        assert await recall(one, "can I do hill repeats?") == []
        assert await recall(two, "can I do hill repeats?") == []  # both caches loaded before the note exists

        knee = await remember(one, "my left knee hurts going downstairs")
        assert await recall(two, "can I do hill repeats?") == ["my left knee hurts going downstairs"]
        assert await recall(one, "can I do hill repeats?") == ["my left knee hurts going downstairs"]

        await forget(two, knee)
        assert await recall(one, "can I do hill repeats?") == []
        assert await recall(two, "can I do hill repeats?") == []
        async with one_db.transaction() as s:
            athlete = await repo.athlete_by_name(s, "ann")
            assert athlete is not None
            assert (await one.notes.index(s)).count(athlete.id) == 0
            assert (await two.notes.index(s)).count(athlete.id) == 0

        pool = await remember(two, "I only have a 25 m pool")
        assert await recall(one, "I only have a pool") == ["I only have a 25 m pool"]
        await correct(two, pool, "I only have a 50 m outdoor pool")  # SQLite may hand the new note the old id
        assert await recall(one, "I only have a pool") == ["I only have a 50 m outdoor pool"]
        assert await recall(two, "I only have a pool") == ["I only have a 50 m outdoor pool"]
        async with one_db.transaction() as s:
            ids = [n for (n,) in (await s.execute(m.Note.__table__.select().with_only_columns(m.Note.id))).all()]
        assert len(ids) == 1
    finally:
        await one_db.dispose()
        await two_db.dispose()


async def test_an_unchanged_athlete_costs_one_version_query_and_no_refresh(db: Database, tmp_path: Path) -> None:
    service = CoachService(db, FixedClock(TODAY), memory=NoteMemory(tmp_path / "memory", HashingEmbedder()))
    await add_ann(service)
    await remember(service, "my left knee hurts going downstairs")
    await recall(service, "can I do hill repeats?")
    refreshes = service.notes.refreshes
    for _ in range(3):
        assert await recall(service, "can I do hill repeats?") == ["my left knee hurts going downstairs"]
    assert service.notes.refreshes == refreshes
