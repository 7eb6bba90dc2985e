"""During ``run_weekly`` the cycle collector leaves the objects from before the batch alone and
runs after 50,000 new objects (``weekly.fewer_collections``); afterwards both are as they were."""

from __future__ import annotations

import gc

from coach.batch import weekly
from coach.batch.weekly import ItemResult, run_weekly
from coach.store.db import Database
from tests.batch.conftest import NEXT_WEEK, Clock, add_athletes


async def test_the_collector_is_eased_during_a_run_and_put_back_after(db: Database, sunday: Clock) -> None:
    service = await add_athletes(db, sunday, ["ann", "bo"])
    thresholds = gc.get_threshold()
    seen: list[tuple[int, int]] = []

    def progress(result: ItemResult) -> None:
        seen.append((gc.get_threshold()[0], gc.get_freeze_count()))

    summary = await run_weekly(db, NEXT_WEEK, rules=service.rules, clock=sunday, progress=progress)
    assert summary.count("done") == 2
    assert [threshold for threshold, _ in seen] == [max(thresholds[0], weekly.GC_THRESHOLD_OBJECTS)] * 2
    assert all(frozen > 1000 for _, frozen in seen)  # the modules, the libraries, the fixtures' objects
    assert gc.get_threshold() == thresholds and gc.get_freeze_count() == 0
