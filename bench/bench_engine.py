"""Plans per second of the plan engine alone (build, validate, fix) over random profiles.

Usage::

    .venv/bin/python bench/bench_engine.py            # 10,000 profiles: one process, then one per core
    .venv/bin/python bench/bench_engine.py --n 2000 --seed 7
    .venv/bin/python bench/bench_engine.py --workers 1   # one process only

The weekly batch over athletes is embarrassingly parallel (each plan is a pure function of
its profile), so the second figure is the throughput of one process per core building plans
at once: on this 2-core machine, the engine's plans per second.

Profiles are drawn with a seeded ``random.Random`` (deterministic), across every sport and
event, with random history, availability, day caps, blocked dates, commitments and pool
closures. Profile generation is not timed; JSON serialisation is not timed either. Both
wall-clock and CPU-time rates are printed: on a shared machine the CPU rate is the stable one.

The engine runs compiled with mypyc after ``make setup`` (the first line says so);
``COACH_ENGINE_PURE=1`` runs the same engine as pure Python, for comparison.

``--gc-freeze`` moves the set-up (the profiles, the rules) out of the garbage collector's
way with ``gc.freeze()`` before timing, so its full passes scan only what the engine made (a
few per cent; off by default).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import random
import statistics
import time
from collections import Counter
from typing import Any

from coach.engine import NATIVE_STATUS, build_plan, load_rules
from coach.engine.models import WEEKDAYS, Profile

EVENTS_BY_SPORT: dict[str, list[str]] = {
    "run": ["5k", "10k", "half_marathon", "marathon", "50k", "general_fitness"],
    "ride": [
        "brevet_200",
        "brevet_300",
        "brevet_400",
        "brevet_600",
        "gran_fondo",
        "mtb_stage",
        "bikepacking",
        "general_fitness",
    ],
    "tri": ["sprint_tri", "olympic_tri", "70.3", "ironman", "general_fitness"],
    "strength": ["strength", "general_fitness"],
}
NO_DATE = {"general_fitness", "strength"}
BASE_DATE = dt.date(2025, 1, 6)


def random_profile(rng: random.Random) -> Profile:
    sport = rng.choice(sorted(EVENTS_BY_SPORT))
    event = rng.choice(EVENTS_BY_SPORT[sport])
    start = BASE_DATE + dt.timedelta(days=rng.randrange(0, 365))
    weeks = rng.randint(1, 52)
    date = None
    if event not in NO_DATE or rng.random() < 0.3:
        date = start + dt.timedelta(days=max(0, min(364, weeks * 7 - rng.randint(1, 7))))
    days = sorted(rng.sample(WEEKDAYS, rng.randint(2, 7)), key=WEEKDAYS.index)
    history: dict[str, Any] = {}
    if rng.random() < 0.5:
        history["weekly_km"] = [round(rng.uniform(0, 80), 1) for _ in range(rng.randint(1, 8))]
    elif rng.random() < 0.7:
        history["weekly_hours"] = [round(rng.uniform(0, 12), 1) for _ in range(rng.randint(1, 8))]
    if rng.random() < 0.5:
        history["recent_race"] = {
            "distance_km": rng.choice([5.0, 10.0, 21.1]),
            "time": rng.choice(["0:22:00", "0:48:30", "1:55:00"]),
        }
    if rng.random() < 0.5:
        history["ftp_w"] = rng.randint(150, 350)
    if rng.random() < 0.3:
        history["css_per_100m"] = rng.choice(["1:40", "2:00"])
    blocked = []
    if rng.random() < 0.3:
        a = start + dt.timedelta(days=rng.randrange(0, weeks * 7))
        b = a + dt.timedelta(days=rng.randint(0, 9))
        if date is None or not a <= date <= b:
            blocked.append({"from": a.isoformat(), "to": b.isoformat()})
    commitments = [
        {
            "day": rng.choice(WEEKDAYS),
            "minutes": rng.randint(30, 90),
            "intensity": rng.choice(["easy", "moderate", "hard"]),
        }
        for _ in range(rng.randint(0, 1))
    ]
    data: dict[str, Any] = {
        "sport": sport,
        "goal": {"event": event, "date": date.isoformat() if date else None},
        "start_date": start.isoformat(),
        "availability": {
            "days": days,
            "long_day": rng.choice(days),
            "max_minutes": {d: rng.randint(30, 240) for d in days if rng.random() < 0.3},
        },
        "history": history,
        "blocked": blocked,
        "commitments": commitments,
        "closures": [{"days": [rng.choice(WEEKDAYS)]}] if rng.random() < 0.2 else [],
        "strength_days": rng.randint(0, 2) if sport != "strength" else 0,
    }
    return Profile.model_validate(data)


def _settle(freeze: bool) -> None:
    """Collect the set-up's garbage and, with ``freeze``, keep the collector off the set-up."""
    gc.collect()
    if freeze:
        gc.freeze()


def _build_chunk(job: tuple[list[Profile], bool]) -> tuple[int, list[int], float]:
    profiles, freeze = job
    rules = load_rules()
    _settle(freeze)
    feasible = 0
    weeks: list[int] = []
    cpu_started = time.process_time()
    for profile in profiles:
        plan = build_plan(profile, rules)
        feasible += plan.feasible
        weeks.append(len(plan.weeks))
    return feasible, weeks, time.process_time() - cpu_started


def _parallel(profiles: list[Profile], workers: int, freeze: bool) -> None:
    import multiprocessing

    chunks = [profiles[i::workers] for i in range(workers)]
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        pool.map(_build_chunk, [(c[:1], False) for c in chunks])  # start-up and rules loading, not timed
        started = time.perf_counter()
        results = pool.map(_build_chunk, [(c, freeze) for c in chunks])
        elapsed = time.perf_counter() - started
    feasible = sum(r[0] for r in results)
    weeks = [w for r in results for w in r[1]]
    cpu = sum(r[2] for r in results)
    n = len(profiles)
    print(f"engine:          {NATIVE_STATUS.summary}")
    print(f"profiles:        {n}  workers: {workers}")
    print(f"feasible:        {feasible}  infeasible: {n - feasible}")
    print(f"mean weeks:      {statistics.fmean(weeks):.1f}")
    print(f"elapsed:         {elapsed:.2f} s wall, {cpu:.2f} s CPU in the workers")
    print(f"mean per plan:   {cpu / n * 1000:.2f} ms CPU in a worker")
    print(
        f"plans/second:    {n / elapsed:,.0f} (wall, {workers} processes), {n / cpu:,.0f} per process (CPU)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="number of random profiles (default 10,000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="processes building plans in parallel (default: one process, then one per core)",
    )
    parser.add_argument(
        "--gc-freeze",
        action="store_true",
        help="gc.freeze() the set-up (profiles, rules) before timing, as a long-running batch would",
    )
    args = parser.parse_args()
    rng = random.Random(args.seed)
    profiles = [random_profile(rng) for _ in range(args.n)]
    if args.workers is not None and args.workers > 1:
        _parallel(profiles, args.workers, args.gc_freeze)
        return
    _single(profiles, args.gc_freeze)
    cores = os.cpu_count() or 1
    if args.workers is None and cores > 1:
        print()
        _parallel(profiles, cores, args.gc_freeze)


def _single(profiles: list[Profile], freeze: bool) -> None:
    rules = load_rules()
    _settle(freeze)
    outcomes: Counter[str] = Counter()
    weeks: list[int] = []
    started = time.perf_counter()
    cpu_started = time.process_time()
    for profile in profiles:
        plan = build_plan(profile, rules)
        outcomes["feasible" if plan.feasible else "infeasible"] += 1
        weeks.append(len(plan.weeks))
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    print(f"engine:          {NATIVE_STATUS.summary}")
    n = len(profiles)
    print(f"profiles:        {n}  workers: 1")
    print(f"feasible:        {outcomes['feasible']}  infeasible: {outcomes['infeasible']}")
    print(f"mean weeks:      {statistics.fmean(weeks):.1f}")
    print(f"elapsed:         {elapsed:.2f} s wall, {cpu:.2f} s CPU")
    print(f"mean per plan:   {cpu / n * 1000:.2f} ms CPU, {elapsed / n * 1000:.2f} ms wall")
    print(f"plans/second:    {n / elapsed:,.0f} (wall), {n / cpu:,.0f} (CPU time of this process)")


if __name__ == "__main__":
    main()
