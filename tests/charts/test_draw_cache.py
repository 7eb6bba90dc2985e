"""``draw.cached``: a week drawn lately is found without a thread (the weekly batch asks it for
every athlete); other data is not."""

from __future__ import annotations

import datetime as dt

from coach.charts import data, draw
from coach.charts.data import WeekChart
from coach.clock import FixedClock
from coach.service.service import CoachService
from coach.store.db import Database
from tests.batch.conftest import PROFILE


def test_a_drawn_week_is_cached_and_another_is_not(db: Database) -> None:
    plan = CoachService(db, FixedClock(dt.date(2026, 11, 29))).build_plan(PROFILE)
    weeks = [
        data.week_chart(plan, day, dt.date(2026, 11, 29), "metric")
        for day in (dt.date(2026, 11, 30), dt.date(2026, 12, 7))
    ]
    assert all(isinstance(w, WeekChart) for w in weeks)
    first, second = weeks
    assert isinstance(first, WeekChart) and isinstance(second, WeekChart)
    with draw._cache_lock:  # nothing drawn before (by other tests in this process)
        draw._cache.clear()
    assert draw.cached(first) is None
    draw.draw(first)
    png = draw.cached(first)
    assert png is not None and png.startswith(b"\x89PNG") and png == draw.draw(first)
    assert draw.cached(second) is None
