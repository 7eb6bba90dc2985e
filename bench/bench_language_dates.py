"""The language layer's date reader against dateparser, on the dates the blind sets expect (issue 10).

Usage::

    .venv/bin/python bench/bench_language_dates.py

For each message of tests/blind/set_a.jsonl, set_c.jsonl and set_d.jsonl whose expectation names
a date (eased, missed, moved, removed, partial, cap, swapped, unavailable; set_b is held out and
never read here), both readers get the text and the item's today (default 2026-12-08), day
first: the hand-written reader (``coach.language.spans.parse_slots``: single dates, and every
day of a range) and ``dateparser.search.search_dates`` (future dates preferred, relative to
today). A message counts as read when every expected date is among the dates returned; "extra"
counts returned dates nobody expected. Also printed: the onboarding answers of
tests/language/data/goal_dates.txt read by ``coach.language.read_date`` with and without the
dateparser fallback, and the time per message.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from coach.language.spans import parse_slots, read_date  # noqa: E402

SETS = ("set_a.jsonl", "set_c.jsonl", "set_d.jsonl")
DEFAULT_TODAY = dt.date(2026, 12, 8)
DATE_KEYS = ("date", "from", "to", "a", "b")


def expected_dates(item: dict[str, Any]) -> set[dt.date]:
    found: set[dt.date] = set()
    for effect in item["expect"]:
        for key in DATE_KEYS:
            value = effect.get(key)
            if isinstance(value, str) and len(value) == 10 and value[4] == "-":
                found.add(dt.date.fromisoformat(value))
        for value in effect.get("dates", []) or []:
            found.add(dt.date.fromisoformat(value))
    return found


def rules(text: str, today: dt.date) -> set[dt.date]:
    slots = parse_slots(text, today)
    days = set(slots.dates)
    if slots.date_range is not None:
        start = slots.date_range.start
        days |= {start + dt.timedelta(days=i) for i in range(slots.date_range.days)}
    return days


def library(text: str, today: dt.date) -> set[dt.date]:
    from dateparser.search import search_dates

    base = dt.datetime.combine(today, dt.time(12))
    found = search_dates(
        text,
        languages=["en"],
        settings={"RELATIVE_BASE": base, "PREFER_DATES_FROM": "future", "DATE_ORDER": "DMY"},
    )
    return {value.date() for _, value in found or []}


def main() -> int:
    items = []
    for name in SETS:
        for line in (ROOT / "tests" / "blind" / name).read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            expected = expected_dates(item)
            if expected:
                today = dt.date.fromisoformat(item.get("today", DEFAULT_TODAY.isoformat()))
                items.append((item["text"], today, expected))
    print(f"{len(items)} messages with expected dates (sets a, c, d)")
    for label, reader in (("rules (coach.language)", rules), ("dateparser.search_dates", library)):
        reader("warm up", DEFAULT_TODAY)
        read = extra = 0
        started = time.perf_counter()
        for text, today, expected in items:
            got = reader(text, today)
            read += expected <= got
            extra += len(got - expected)
        ms = (time.perf_counter() - started) * 1000 / len(items)
        print(
            f"  {label:26s} all expected dates read: {read}/{len(items)} ({read / len(items):.1%}); extra dates {extra}; {ms:.2f} ms/message"
        )
    answers = ROOT / "tests" / "language" / "data" / "goal_dates.txt"
    lines = answers.read_text(encoding="utf-8").splitlines()
    rows = [line.split(" => ") for line in lines if " => " in line and not line.startswith("#")]
    today = dt.date(2026, 12, 8)
    for label, fallback in (("rules only", False), ("rules + dateparser", True)):
        ok = 0
        for text, want in rows:
            try:
                got = read_date(text, today, fallback=fallback)
            except ValueError:
                got = None
            ok += got is not None and got.isoformat() == want.strip()
        print(f"  onboarding goal dates, {label:20s} {ok}/{len(rows)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
