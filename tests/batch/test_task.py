"""The worker's task (``run_task``): the in-process chunk's code path for a chunk of one athlete, with
the task's own guarantees: a second delivery counts nothing, a failure is recorded and raised for a
retry, an athlete deleted meanwhile is skipped, a picture the process stored is not sent again (and
is stored again when it was deleted meanwhile). On SQLite and on PostgreSQL (a database of its own)."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import delete, event, select

from coach.batch.report import run_status
from coach.batch.weekly import claim_items, run_task, start_run
from coach.store import models as m
from coach.store.db import Database
from coach.store.models_batch import BatchItem
from coach.store.models_pictures import OutboxPicture
from tests.batch.conftest import NEXT_WEEK, Clock, add_athletes


@pytest.fixture(params=["sqlite", "postgres"])
def task_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url"))


@pytest.fixture
async def task_db(task_url: str, sunday: Clock) -> AsyncIterator[Database]:
    database = Database(task_url, sunday)
    yield database
    await database.dispose()


class Statements:
    """The statements a database runs, as (verb, table) — ``("SELECT", "plans")`` — and whether a
    picture's bytes went in one (an insert into ``outbox_pictures``)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.seen: list[tuple[str, str]] = []

    def _on(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        words = statement.split()
        verb = words[0].upper()
        if verb == "SELECT":
            table = words[words.index("FROM") + 1] if "FROM" in words else ""
        elif verb in ("INSERT", "DELETE"):
            table = words[2]
        elif verb == "UPDATE":
            table = words[1]
        else:
            table = ""
        self.seen.append((verb, table.strip('"')))

    def __enter__(self) -> Statements:
        event.listen(self.db.engine.sync_engine, "before_cursor_execute", self._on)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.db.engine.sync_engine, "before_cursor_execute", self._on)

    def count(self) -> Counter[tuple[str, str]]:
        return Counter(self.seen)


async def claimed_run(db: Database, ids: list[int]) -> int:
    run_id = await start_run(db, NEXT_WEEK, len(ids), "broker")
    await claim_items(db, ids, NEXT_WEEK, run_id)
    return run_id


async def outbox_keys(db: Database) -> list[str]:
    async with db.transaction() as s:
        return list((await s.execute(select(m.OutboxMessage.key).order_by(m.OutboxMessage.key))).scalars())


async def item(db: Database, athlete_id: int) -> BatchItem:
    async with db.transaction() as s:
        return (await s.execute(select(BatchItem).where(BatchItem.athlete_id == athlete_id))).scalar_one()


async def test_a_task_reads_each_table_once_and_sends_a_stored_picture_once(task_db: Database, sunday: Clock) -> None:
    db = task_db
    service = await add_athletes(db, sunday, ["ann", "bob"])
    run_id = await claimed_run(db, [1, 2])
    with Statements(db) as first:
        assert (await run_task(db, 1, NEXT_WEEK, rules=service.rules, clock=sunday, run_id=run_id)).outcome == "done"
    with Statements(db) as second:
        assert (await run_task(db, 2, NEXT_WEEK, rules=service.rules, clock=sunday, run_id=run_id)).outcome == "done"

    for statements in (first, second):
        counts = statements.count()
        reads = {table: n for (verb, table), n in counts.items() if verb == "SELECT"}
        # One query per table, as a chunk of one athlete (sessions: their rows, then their steps as text).
        assert all(n == 1 for table, n in reads.items() if table != "planned_sessions"), reads
        assert reads.get("planned_sessions", 0) <= 2
        assert {"athletes", "batch_items", "plans", "plan_weeks", "activities", "checkins", "coach_links", "outbox"} <= set(reads)
        assert counts[("UPDATE", "batch_runs")] == 1  # the counters and the longest duration together
        assert counts[("UPDATE", "batch_items")] == 1 and counts[("INSERT", "outbox")] == 1
        # The row was claimed before the task: not inserted again (PostgreSQL; SQLite never needed to).
        assert counts[("INSERT", "batch_items")] == 0
    # The same week picture: its bytes go to the database with the first athlete's message only.
    assert first.count()[("INSERT", "outbox_pictures")] == 1
    assert second.count()[("INSERT", "outbox_pictures")] == 0
    async with db.transaction() as s:
        shas = list((await s.execute(select(m.OutboxMessage.picture_sha256))).scalars())
        stored = list((await s.execute(select(OutboxPicture.sha256))).scalars())
    assert len(shas) == 2 and shas[0] is not None and set(shas) == set(stored)
    status = await run_status(db, run_id)
    assert (status.done, status.pending, status.attempts) == (2, 0, 2) and status.max_s > 0


async def test_a_second_delivery_counts_nothing_and_a_failure_is_recorded_then_raised(task_db: Database, sunday: Clock) -> None:
    db = task_db
    service = await add_athletes(db, sunday, ["ann", "bob", "cy", "dee"])
    async with db.transaction() as s:
        dee = await s.get(m.Athlete, 4)
        assert dee is not None
        good, dee.profile = dee.profile, {"sport": "curling"}  # the engine can't read it
    run_id = await claimed_run(db, [1, 2, 3, 4])
    async with db.transaction() as s:  # cy is deleted after the run claimed his row
        cy = await s.get(m.Athlete, 3)
        assert cy is not None
        await s.delete(cy)

    def task(athlete_id: int, run: int) -> Any:
        return run_task(db, athlete_id, NEXT_WEEK, rules=service.rules, clock=sunday, run_id=run)

    assert (await task(1, run_id)).outcome == "done"
    again = await task(1, run_id)  # redelivered: the run counted it already
    assert again.outcome == "already"
    for _ in range(2):  # a retry of a failing athlete is counted failed once
        with pytest.raises(Exception) as raised:  # raised as it was: the queue retries it
            await task(4, run_id)
        assert type(raised.value).__name__ == "ValidationError"
    failed = await item(db, 4)
    assert failed.status == "failed" and failed.attempts == 2 and (failed.last_error or "").startswith("ValidationError")
    gone = await task(3, run_id)
    assert (gone.outcome, gone.reason) == ("skipped", "athlete deleted")  # not raised: nothing to retry
    status = await run_status(db, run_id)
    assert (status.done, status.already, status.failed, status.skipped, status.pending) == (1, 0, 1, 1, 1)
    assert status.failures[0].athlete_id == 4

    async with db.transaction() as s:  # fixed: the next retry is done, and the failure no longer counts
        dee = await s.get(m.Athlete, 4)
        assert dee is not None
        dee.profile = good
    assert (await task(4, run_id)).outcome == "done"
    assert (await task(2, run_id)).outcome == "done"
    status = await run_status(db, run_id)
    assert (status.done, status.already, status.failed, status.skipped, status.pending) == (3, 0, 0, 1, 0)

    later = await claimed_run(db, [1, 2])  # a later run of the same week: done before, counted once, nothing sent
    for athlete_id in (1, 2, 1):
        assert (await task(athlete_id, later)).outcome == "already"
    status = await run_status(db, later)
    assert (status.already, status.done, status.pending) == (2, 0, 0)
    assert (await item(db, 1)).run_id == later
    assert await outbox_keys(db) == [f"weekly:{i}:2026-11-30" for i in (1, 2, 4)]


async def test_a_picture_deleted_after_the_process_stored_it_is_stored_again(task_db: Database, sunday: Clock) -> None:
    db = task_db
    service = await add_athletes(db, sunday, ["ann", "bob"])
    run_id = await claimed_run(db, [1, 2])
    assert (await run_task(db, 1, NEXT_WEEK, rules=service.rules, clock=sunday, run_id=run_id)).outcome == "done"
    async with db.transaction() as s:  # ann's message goes (/delete_me), and its picture with it (an orphan)
        await s.execute(delete(m.OutboxMessage))
        await s.execute(delete(OutboxPicture))

    with pytest.raises(Exception, match=r"(?i)foreign key"):  # the process thought it stored: the insert refers to nothing
        await run_task(db, 2, NEXT_WEEK, rules=service.rules, clock=sunday, run_id=run_id)
    assert (await item(db, 2)).status == "failed"
    retried = await run_task(db, 2, NEXT_WEEK, rules=service.rules, clock=sunday, run_id=run_id)  # the queue's retry
    assert retried.outcome == "done"
    async with db.transaction() as s:
        row = (await s.execute(select(m.OutboxMessage))).scalar_one()
        stored = list((await s.execute(select(OutboxPicture.sha256))).scalars())
    assert row.picture_sha256 is not None and stored == [row.picture_sha256]
    status = await run_status(db, run_id)
    assert (status.done, status.failed, status.pending) == (2, 0, 0)


async def test_following_a_run_polls_its_counters_and_reads_its_items_to_confirm_the_end(task_db: Database, sunday: Clock) -> None:
    """A coordinator's step reads the run's row, not its items (every item of a run of 100,000 took
    50-300 ms), until the counters say the run is over: then the items confirm it."""
    from coach.batch.queue import Follower

    db = task_db
    service = await add_athletes(db, sunday, ["ann", "bob"])
    run_id = await claimed_run(db, [1, 2])
    follower = Follower(db, "amqp://nobody.invalid/", run_id, NEXT_WEEK, sweep_after_s=3600.0)
    with Statements(db) as polls:
        for _ in range(3):
            assert (await follower.step()).pending == 2
    assert not any(table == "batch_items" for _, table in polls.seen) and ("SELECT", "batch_runs") in polls.seen
    await run_task(db, 1, NEXT_WEEK, rules=service.rules, clock=sunday, run_id=run_id)
    assert (await follower.step()).pending == 1
    await run_task(db, 2, NEXT_WEEK, rules=service.rules, clock=sunday, run_id=run_id)
    with Statements(db) as last:
        status = await follower.step()
    assert (status.pending, status.open_items, status.done) == (0, 0, 2) and not follower.gave_up
    assert any(table == "batch_items" for _, table in last.seen)  # the end, confirmed by the items
