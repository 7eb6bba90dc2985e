"""Two workers on one athlete, on the running PostgreSQL: exactly one outbox row, one adaptation."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from coach.batch.weekly import run_item, start_run
from coach.store import models as m
from coach.store.db import Database
from coach.store.models_batch import BatchRun
from tests.batch.conftest import NEXT_WEEK, Clock, add_athletes


async def test_two_workers_racing_on_each_athlete_queue_one_message(pg_url: str, sunday: Clock) -> None:
    first, second = Database(pg_url), Database(pg_url)  # two engines: two workers' connection pools
    try:
        service = await add_athletes(first, sunday, [f"p{i}" for i in range(5)])
        run_id = await start_run(first, NEXT_WEEK, 5, "broker")
        jobs = [
            run_item(db, athlete_id, NEXT_WEEK, rules=service.rules, clock=sunday, run_id=run_id)
            for athlete_id in range(1, 6) for db in (first, second)
        ]
        results = await asyncio.gather(*jobs)
        outcomes = sorted(r.outcome for r in results)
        assert outcomes == ["already"] * 5 + ["done"] * 5
        async with first.transaction() as s:
            keys = list((await s.execute(select(m.OutboxMessage.key).order_by(m.OutboxMessage.key))).scalars())
            versions = (await s.execute(select(func.count(m.Plan.id)))).scalar_one()
            run = await s.get(BatchRun, run_id)
            # The second task of the same run finds its athlete finished by this run: counted once, not again.
            assert run is not None and (run.done, run.already, run.failed) == (5, 0, 0)
        assert keys == [f"weekly:{i}:2026-11-30" for i in range(1, 6)]
        assert versions == 5  # nobody's plan adapted twice (nor at all: nothing to correct yet)
    finally:
        await first.dispose()
        await second.dispose()
