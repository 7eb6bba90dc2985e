"""Day ranges said with the month once ("14th to 21st Jan") or not at all ("a long weekend 23-24"),
and numbers that are no dates (issue 10's language layer)."""

from __future__ import annotations

import datetime as dt

import pytest

from coach.language.spans import parse_slots


@pytest.mark.parametrize(("text", "start", "end"), [
    ("away 14th to 21st Jan", "2027-01-14", "2027-01-21"),
    ("off to Lanzarote 1st to 8th Feb", "2027-02-01", "2027-02-08"),
    ("away for a long weekend 23-24, no bike", "2026-12-23", "2026-12-24"),
    ("off the 10th to the 12th", "2027-01-10", "2027-01-12"),
])
def test_day_ranges_with_the_month_once_or_not_at_all(text: str, start: str, end: str) -> None:
    span = parse_slots(text, dt.date(2026, 12, 15), past=False).date_range
    assert span is not None and (span.start.isoformat(), span.end.isoformat()) == (start, end)


@pytest.mark.parametrize("text", ["did 4-5 reps", "ran 20-25 km", "I can do 3-4 days a week", "score was 2-1"])
def test_counts_and_scores_are_no_day_range(text: str) -> None:
    assert parse_slots(text, dt.date(2026, 12, 15), past=False).date_range is None
