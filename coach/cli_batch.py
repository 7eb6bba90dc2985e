"""``coach batch weekly|status`` and ``coach worker``: the weekly batch (see coach/batch/).

``coach batch weekly`` runs in this process unless a broker is configured (``BROKER_URL`` or
``REDIS_URL``): then it fans one task per athlete out to ``coach worker`` processes and follows
their progress in the database. Heavy modules are imported only when a command runs.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import sys
from typing import Any

COMMANDS: frozenset[str] = frozenset({"batch", "worker"})
"""The top-level commands this module owns."""

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
FOLLOW_POLL_S = 0.5
"""How often ``coach batch weekly`` reads the counters of a run fanned out to workers."""


def add_parsers(sub: Any) -> None:
    """Add this area's subcommands to ``coach``'s subparsers."""
    batch = sub.add_parser("batch", help="the weekly batch: every athlete's next week, before their Sunday message")
    jobs = batch.add_subparsers(dest="batch_command", required=True)
    weekly = jobs.add_parser("weekly", help="adapt, narrate and queue next week for every athlete (idempotent per athlete and week)")
    weekly.add_argument("--week", help="YYYY-MM-DD: a day of the week to plan (default: next week)")
    weekly.add_argument("--json", action="store_true", help="print the summary as JSON (no progress bar)")
    weekly.add_argument("--in-process", action="store_true", help="run here even when a broker is configured")
    status = jobs.add_parser("status", help="the last runs: counts, failures with reasons, durations")
    status.add_argument("--last", type=int, default=5, help="how many runs (default 5)")
    status.add_argument("--json", action="store_true")
    worker = sub.add_parser("worker", help="take weekly-batch tasks from the broker (BROKER_URL or REDIS_URL)")
    worker.add_argument("--threads", type=int, default=1, help="tasks at once in this process (default 1)")
    worker.add_argument("--queue", help="the queue to take tasks from (default: BATCH_QUEUE, else coach-weekly)")


def broker_url(settings: Any) -> str | None:
    """``BROKER_URL`` (amqp:// or redis://) first, else ``REDIS_URL``; None: everything in-process."""
    for name in ("broker_url", "redis_url"):
        value = getattr(settings, name, None)
        if value:
            return str(value)
    for name in ("BROKER_URL", "REDIS_URL"):  # settings without the fields (older Settings)
        if os.environ.get(name):
            return os.environ[name]
    return None


def _week(value: str | None, today: dt.date) -> dt.date:
    from coach.batch.weekly import next_monday

    if value is None:
        return next_monday(today)
    day = dt.date.fromisoformat(value)
    return day - dt.timedelta(days=day.weekday())


def run(settings: Any, args: argparse.Namespace) -> int:
    if args.command == "worker":
        from coach.batch.queue import run_worker

        url = broker_url(settings)
        if url is None:
            sys.stderr.write("coach: no broker: set BROKER_URL (amqp://… or redis://…) or REDIS_URL; "
                             "without one, `coach batch weekly` runs in-process.\n")
            return EXIT_BAD_INPUT
        return int(run_worker(url, settings, threads=args.threads, queue=args.queue))
    if args.batch_command == "status":
        return asyncio.run(_status(settings, args.last, args.json))
    from coach.clock import clock_for

    today = clock_for(settings.coach_today).today()
    try:
        week = _week(args.week, today)
    except ValueError:
        sys.stderr.write(f"coach: --week: {args.week!r} isn't a date (YYYY-MM-DD).\n")
        return EXIT_BAD_INPUT
    url = None if args.in_process else broker_url(settings)
    return asyncio.run(_weekly(settings, week, args.json, url))


async def _weekly(settings: Any, week: dt.date, as_json: bool, url: str | None) -> int:
    from coach.cli import _with_service

    async def body(service: Any) -> int:
        from coach.batch.weekly import RunSummary, run_weekly

        bar = _Progress(enabled=not as_json and sys.stderr.isatty(), week=week)
        try:
            if url is None:
                summary: RunSummary | None = await run_weekly(
                    service.db, week, rules=service.rules, clock=service.clock, progress=bar.step, on_start=bar.start,
                )
                assert summary is not None
                run_id = summary.run_id
            else:
                from coach.batch.queue import fan_out

                run_id = await fan_out(service.db, url, week)
                await _follow(service.db, url, run_id, week, bar)
        finally:
            bar.close()
        from coach.batch.report import recent_runs

        status = next(r for r in await recent_runs(service.db, 50) if r.run_id == run_id)
        if as_json:
            sys.stdout.write(json.dumps(status.to_json(), indent=2) + "\n")
        else:
            _print_summary(status)
        return EXIT_FAILED if status.failed or status.pending else EXIT_OK

    return await _with_service(settings, body)


async def _follow(db: Any, url: str, run_id: int, week: dt.date, bar: _Progress) -> None:
    """Wait until every athlete of a fanned-out run is accounted for, re-publishing the tasks
    that were lost (``queue.follow``; Ctrl-C leaves them to the workers)."""
    from coach.batch.queue import follow

    def progress(status: Any) -> None:
        if bar.total is None:
            bar.start(status.total)
        bar.update_to(status.total - status.pending)

    await follow(db, url, run_id, week, poll_s=FOLLOW_POLL_S, progress=progress)


def _print_summary(status: Any) -> None:
    out = sys.stdout
    out.write(f"Weekly batch for the week of {status.week_start} (run {status.run_id}, {status.mode}):\n")
    out.write(f"  {status.done} done (next week queued for the athlete)\n")
    out.write(f"  {status.review} waiting for the coach's review\n")
    if status.already:
        out.write(f"  {status.already} done before (left as they were)\n")
    if status.skipped:
        out.write(f"  {status.skipped} skipped (nothing to send: no plan, plan finished, week begun, unreachable)\n")
    out.write(f"  {status.failed} failed\n")
    for failure in status.failures:
        out.write(f"    athlete {failure.athlete_id} (after {failure.attempts} attempt(s)): {failure.reason}\n")
    if status.failed > len(status.failures):
        out.write(f"    … and {status.failed - len(status.failures)} more (`coach batch status --json`)\n")
    if status.pending:
        ids = ", ".join(map(str, status.pending_ids)) + (", …" if status.pending > len(status.pending_ids) else "")
        out.write(f"  {status.pending} still pending, their tasks sent again without result (athletes {ids}): "
                  "check the workers, then run `coach batch weekly` again\n")


async def _status(settings: Any, last: int, as_json: bool) -> int:
    from coach.cli import _with_service

    async def body(service: Any) -> int:
        from coach.batch.report import recent_runs

        runs = await recent_runs(service.db, max(last, 1))
        if as_json:
            sys.stdout.write(json.dumps([r.to_json() for r in runs], indent=2) + "\n")
            return EXIT_OK
        if not runs:
            sys.stdout.write("No weekly batch has run yet (`coach batch weekly`).\n")
        for status in runs:
            sys.stdout.write(status.line() + "\n")
            for failure in status.failures:
                sys.stdout.write(f"  failed: athlete {failure.athlete_id} (after {failure.attempts} attempt(s)): {failure.reason}\n")
        return EXIT_OK

    return await _with_service(settings, body)


class _Progress:
    """A rich progress bar on stderr, or nothing (not a terminal, or ``--json``)."""

    def __init__(self, *, enabled: bool, week: dt.date) -> None:
        self.enabled = enabled
        self.week = week
        self.total: int | None = None
        self._bar: Any = None
        self._task: Any = None
        self._done = 0
        self._failed = 0

    def start(self, total: int) -> None:
        self.total = total
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.fields[failed]} failed"), TimeRemainingColumn(),
                                 console=Console(stderr=True), transient=False)
            self._bar.start()
            self._task = self._bar.add_task(f"week of {self.week.isoformat()}", total=total, failed=0)

    def step(self, result: Any) -> None:
        self._done += 1
        self._failed += result.outcome == "failed"
        if self._bar is not None:
            self._bar.update(self._task, completed=self._done, failed=self._failed)

    def update_to(self, count: int) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=count)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
