"""The first free-text message after start: how long it waits for the language model (issue 10).

Usage::

    .venv/bin/python bench/bench_first_reply.py [--after 0,3,30]

Each case is a fresh process (the model loads once per process), started the way ``coach chat``
and ``coach run`` start: the service is made, the offline brain's classifier (MiniLM and the
embedded intent exemplars) starts loading in a background thread (``start_warm_up``), and the
athlete's first message, one that no rule answers so it needs the model ("legs heavy today"),
arrives ``--after`` seconds later. Printed: when the background load finished (seconds from
start) and the first reply's latency. ``none`` is the same message with no warm-up, as
``coach run`` did before: the reply waits for the whole load. Goal: the first free-text
message answers within 1 s. A message the rules answer ("what's on today?") never needs the model.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

MESSAGE = "legs heavy today"
TODAY = dt.date(2026, 11, 25)


async def one_case(after_s: float | None) -> dict[str, float | None]:
    started = time.perf_counter()
    from bot.terminal import start_warm_up
    from coach.clock import FixedClock
    from coach.engine.models import Profile
    from coach.service.service import CoachService, Who
    from coach.service.types import Incoming
    from coach.store.db import Database

    profile = Profile.model_validate(
        {
            "sport": "run",
            "goal": {"event": "half_marathon", "date": "2027-03-28"},
            "start_date": "2026-11-23",
            "availability": {"days": ["tue", "thu", "sat", "sun"], "long_day": "sun"},
            "history": {"weekly_km": [30, 30, 30, 30], "longest_km": 15},
        }
    )
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite+aiosqlite:///{tmp}/bench.db")
        await db.upgrade()
        service = CoachService(db, FixedClock(TODAY))
        await service.add_athlete("ann", profile)
        ready = time.perf_counter() - started
        thread = start_warm_up(service) if after_s is not None else None
        loaded_at: float | None = None

        async def watch() -> None:  # when the background load ends
            nonlocal loaded_at
            while thread is not None and thread.is_alive():
                await asyncio.sleep(0.05)
            loaded_at = time.perf_counter() - started

        watcher = asyncio.create_task(watch()) if thread is not None else None
        await asyncio.sleep(after_s or 0.0)
        sent = time.perf_counter()
        await service.handle(Who(name="ann"), Incoming(kind="text", text=MESSAGE))
        reply_s = time.perf_counter() - sent
        if watcher is not None:
            await watcher
        await db.dispose()
    return {"ready_s": ready, "loaded_at_s": loaded_at, "reply_s": reply_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--after", default="0,30", help="seconds after start the first message arrives (comma-separated)"
    )
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case is not None:  # one fresh process
        after = None if args.case == "none" else float(args.case)
        print(json.dumps(asyncio.run(one_case(after))))
        return
    cases = ["none", *args.after.split(",")]
    print(f"first message {MESSAGE!r} (needs the model), a fresh process per case")
    print("warm-up   message after   service ready   model loaded at   first reply")
    for case in cases:
        out = subprocess.run(
            [sys.executable, __file__, "--case", case], capture_output=True, text=True, check=True
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        warm = "none" if case == "none" else "background"
        after = "-" if case == "none" else f"{float(case):.0f} s"
        loaded = "-" if r["loaded_at_s"] is None else f"{r['loaded_at_s']:.1f} s"
        print(
            f"{warm:10s} {after:>12s}   {r['ready_s']:11.1f} s   {loaded:>15s}   {r['reply_s'] * 1000:8.0f} ms"
        )


if __name__ == "__main__":
    main()
