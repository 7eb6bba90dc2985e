"""Benchmark the athlete model: activity files imported per second, and a 10-year daily PMC.

Usage::

    .venv/bin/python bench/bench_metrics.py [--repeat N]

Reads the real recordings in ``tests/data/activities`` (vendored, see its README); prints
files per second over them (parse + metrics, streams kept as in normal use) and the time to
compute CTL/ATL/TSB over 3,653 days.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from pathlib import Path

from coach.engine.metrics.pmc import pmc_series
from coach.sources.errors import ImportFailure
from coach.sources.importer import import_activities

ACTIVITIES_DIR = Path(__file__).resolve().parents[1] / "tests" / "data" / "activities"
SUFFIXES = (".fit", ".gpx", ".tcx")
TEN_YEARS_DAYS = 3653
PMC_SEED = 42
MAX_DAILY_STRESS = 250.0


def bench_import(repeat: int) -> None:
    files = [p for p in sorted(ACTIVITIES_DIR.glob("*")) if p.suffix.lower() in SUFFIXES]
    if not files:
        print(f"no recordings found in {ACTIVITIES_DIR}")
        return
    blobs = [(p.name, p.read_bytes()) for p in files]
    total_bytes = sum(len(b) for _, b in blobs)
    started = time.perf_counter()
    imported = failed = 0
    for _ in range(repeat):
        for name, data in blobs:
            try:
                imported += len(import_activities(name, data))
            except ImportFailure:
                failed += 1
    elapsed = time.perf_counter() - started
    count = len(blobs) * repeat
    print(
        f"import: {count} files ({total_bytes * repeat / 1e6:.1f} MB) in {elapsed:.2f} s → "
        f"{count / elapsed:.1f} files/s, {total_bytes * repeat / 1e6 / elapsed:.2f} MB/s "
        f"({imported} activities, {failed} failures as expected for the empty file)"
    )


def bench_pmc(repeat: int) -> None:
    rng = random.Random(PMC_SEED)
    start = dt.date(2015, 1, 1)
    stress = {start + dt.timedelta(days=i): rng.uniform(0.0, MAX_DAILY_STRESS) for i in range(TEN_YEARS_DAYS)}
    best = float("inf")
    for _ in range(max(repeat, 3)):
        began = time.perf_counter()
        series = pmc_series(stress)
        best = min(best, time.perf_counter() - began)
    print(f"pmc: {len(series)} days (10 years) in {best * 1000:.1f} ms (best of {max(repeat, 3)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=1, help="passes over the recordings (default 1)")
    args = parser.parse_args()
    bench_import(args.repeat)
    bench_pmc(args.repeat)


if __name__ == "__main__":
    main()
