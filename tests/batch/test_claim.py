"""A run on a broker commits its (athlete, week) rows before its tasks go out (``claim_items``), so
``coach batch status`` and the coordinator's sweep see who is still to be done (on both backends)."""

from __future__ import annotations

from sqlalchemy import select

from coach.batch.report import run_status
from coach.batch.weekly import claim_items, open_items, record_failure, run_item, start_run
from coach.store import models as m
from coach.store.db import Database
from coach.store.models_batch import BatchItem
from tests.batch.conftest import NEXT_WEEK, Clock, add_athletes


async def items(db: Database) -> dict[int, tuple[str, int | None]]:
    async with db.transaction() as s:
        rows = (await s.execute(select(BatchItem).order_by(BatchItem.athlete_id))).scalars()
        return {i.athlete_id: (i.status, i.run_id) for i in rows}


async def test_a_broker_run_claims_its_rows_first_and_reports_who_is_pending(any_db: Database, sunday: Clock) -> None:
    db = any_db
    service = await add_athletes(db, sunday, ["ann", "bob", "cy", "dee"])
    earlier = await start_run(db, NEXT_WEEK, 4, "broker")
    await run_item(db, 1, NEXT_WEEK, rules=service.rules, clock=sunday, run_id=earlier)  # ann: done
    await record_failure(db, 2, NEXT_WEEK, earlier, "RuntimeError: the picture could not be drawn")  # bob: failed
    async with db.transaction() as s:  # dee is deleted before the next run claims its rows
        dee = await s.get(m.Athlete, 4)
        assert dee is not None
        await s.delete(dee)

    run_id = await start_run(db, NEXT_WEEK, 4, "broker")
    await claim_items(db, [1, 2, 3, 4], NEXT_WEEK, run_id)
    # ann's finished week stays the earlier run's; bob's failure is this run's to retry; cy's row is new.
    assert await items(db) == {1: ("done", earlier), 2: ("pending", run_id), 3: ("pending", run_id)}
    assert await open_items(db, run_id) == (2, [2, 3])
    status = await run_status(db, run_id)
    assert (status.pending, status.open_items, status.pending_ids) == (4, 2, [2, 3])  # nothing counted yet
    assert "pending (athletes 2, 3)" in status.line()

    for athlete_id in (1, 2, 3, 1):  # ann's task twice: counted "already" once
        assert (await run_item(db, athlete_id, NEXT_WEEK, rules=service.rules, clock=sunday, run_id=run_id)).outcome in ("already", "done")
    gone = await run_item(db, 4, NEXT_WEEK, rules=service.rules, clock=sunday, run_id=run_id, raise_errors=True)
    assert (gone.outcome, gone.reason) == ("skipped", "athlete deleted")  # not retried: counted, so the run ends
    status = await run_status(db, run_id)
    assert (status.done, status.already, status.skipped, status.failed, status.pending) == (2, 1, 1, 0, 0)
    assert await open_items(db, run_id) == (0, [])
