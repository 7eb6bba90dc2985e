"""One adaptation through the public tool surface, store included (issue 9: p95 ≤ 50 ms).

Usage::

    .venv/bin/python bench/bench_adapt.py [--n 200]

Each call is what ``coach tool NAME --athlete A --input JSON`` does after start-up: one
transaction that loads the athlete and the active plan, runs the tool through the engine
(adapt or move, validate, repair), stores the new plan version and commits. The calls rotate
through protective reports and calendar requests on a fresh athlete per round, so every call
really changes the plan. SQLite, a half-marathon plan of 18 weeks.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from coach.clock import FixedClock
from coach.engine.models import Profile
from coach.service.service import CoachService
from coach.service.toolrun import APPLIED, run_tool
from coach.store.db import Database
from coach.store.migrate import upgrade

TODAY = dt.date(2026, 12, 8)
PROFILE = Profile.model_validate({
    "sport": "run", "goal": {"event": "half_marathon", "date": "2027-03-28", "target_time": "1:50:00"},
    "start_date": "2026-11-30", "availability": {"days": ["tue", "thu", "sat", "sun"], "long_day": "sun"},
    "history": {"weekly_km": [30, 30, 30, 30], "longest_km": 15, "recent_race": {"distance_km": 10, "time": "50:00"}},
})
CALLS: list[tuple[str, dict[str, Any]]] = [
    ("report_fatigue", {"severity": 2}),
    ("report_illness", {"days": 3}),
    ("set_unavailable", {"start": "2026-12-12", "end": "2026-12-13"}),
    ("move_session", {"from_date": "2026-12-10", "to_date": "2026-12-11"}),
    ("swap_sessions", {"first": "2026-12-10", "second": "2026-12-13"}),
    ("limit_day", {"date": "2026-12-13", "minutes": 30}),
    ("skip_session", {"date": "2026-12-12"}),
    ("report_injury", {"body_part": "calf", "avoid": ["impact"]}),
]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


async def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        await asyncio.to_thread(upgrade, url)
        db = Database(url)
        service = CoachService(db, FixedClock(TODAY))
        timings: dict[str, list[float]] = {name: [] for name, _ in CALLS}
        rounds = max(1, n // len(CALLS))
        for r in range(rounds + 1):  # round 0 warms up
            for name, data in CALLS:
                athlete = f"a{r}-{name}"
                await service.add_athlete(athlete, PROFILE)
                start = time.perf_counter()
                run = await run_tool(service, athlete, name, data)
                elapsed = (time.perf_counter() - start) * 1000
                if run.outcome != APPLIED:
                    raise SystemExit(f"{name} was not applied: {run.document()}")
                if r:
                    timings[name].append(elapsed)
        await db.dispose()
    everything = [t for values in timings.values() for t in values]
    print(f"one adaptation through coach tool's path (SQLite, store included), {len(everything)} calls:")
    for name, values in timings.items():
        print(f"  {name:16s} p50 {statistics.median(values):6.1f} ms  p95 {percentile(values, 95):6.1f} ms")
    print(f"  {'all':16s} p50 {statistics.median(everything):6.1f} ms  p95 {percentile(everything, 95):6.1f} ms  (goal p95 <= 50 ms)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=200)
    asyncio.run(main(parser.parse_args().n))
