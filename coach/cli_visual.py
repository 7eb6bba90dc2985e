"""``coach chart week|pmc|readiness|volume|strength --athlete A --out FILE.png [--json]``: the chat's
pictures from the command line (see CLI_AREAS in coach/cli.py).

Exit codes: 0 the picture was written (or the JSON printed); 1 failed (no such athlete, not
enough data yet, the file can't be written); 2 bad input (neither --out nor --json).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

COMMANDS: frozenset[str] = frozenset({"chart"})
"""The top-level commands this module owns."""

KIND_CHOICES = ("week", "pmc", "readiness", "volume", "strength")
"""Kept equal to ``coach.charts.data.KINDS`` (a test checks), without importing it at start-up."""


def add_parsers(sub: Any) -> None:
    """Add this area's subcommands to ``coach``'s subparsers."""
    chart = sub.add_parser("chart", help="draw a chart as a PNG: the week, PMC, readiness, volume or strength")
    chart.add_argument("kind", choices=KIND_CHOICES, help="which chart")
    chart.add_argument("--athlete", required=True)
    chart.add_argument("--out", help="where the PNG goes (FILE.png)")
    chart.add_argument("--json", action="store_true", help="print the data behind the chart as JSON")
    chart.add_argument("--date", help="a day in the week to draw (week chart; YYYY-MM-DD, default today)")


def _error(message: str) -> None:
    sys.stderr.write(f"coach: {message}\n")


def run(settings: Any, args: argparse.Namespace) -> int:
    import datetime as dt

    from coach.cli import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, _with_service

    if args.out is None and not args.json:
        _error("give --out FILE.png for the picture, or --json for the data behind it")
        return EXIT_BAD_INPUT
    day = None
    if args.date is not None:
        try:
            day = dt.date.fromisoformat(args.date)
        except ValueError:
            _error(f"--date {args.date!r} is not a date like 2026-12-05")
            return EXIT_BAD_INPUT

    async def body(service: Any) -> int:
        from coach.charts import draw, source
        from coach.charts.data import NotEnoughData, as_json
        from coach.service.service import UserError
        from coach.store import repo

        async with service.db.transaction() as s:
            athlete = await repo.athlete_by_name(s, args.athlete)
            if athlete is None:
                raise UserError(f"There is no athlete called {args.athlete!r}.")
            today = service.clock.today(athlete.time_zone)
            data = await source.chart_data(s, athlete, args.kind, today, day=day)
        document = as_json(data)
        if isinstance(data, NotEnoughData):
            if args.json:
                print(json.dumps(document, indent=2, ensure_ascii=False))
            _error(data.message)
            return EXIT_FAILED
        if args.out is not None:
            png = await asyncio.to_thread(draw.draw, data)
            try:
                Path(args.out).write_bytes(png)
            except OSError as error:
                _error(f"can't write {args.out}: {error.strerror or error}")
                return EXIT_FAILED
            document["file"] = args.out
        if args.json:
            print(json.dumps(document, indent=2, ensure_ascii=False))
        else:
            print(f"{args.out}: {data.caption}")
        return EXIT_OK

    return int(asyncio.run(_with_service(settings, body)))
