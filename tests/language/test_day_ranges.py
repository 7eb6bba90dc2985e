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


@pytest.mark.parametrize(("text", "today", "start", "end"), [
    ("at my parents' over the holidays, 24th through to the 27th, no running", "2026-12-22", "2026-12-24", "2026-12-27"),
    ("I go to Lisbon on Saturday, from 19 until 28.", "2026-12-16", "2026-12-19", "2026-12-28"),
    ("flight 24 december, back 28 december in the evening", "2026-12-20", "2026-12-24", "2026-12-28"),
    ("flying out on the 22nd back on the 3rd of January", "2026-12-17", "2026-12-22", "2027-01-03"),
    ("mum's away (19th-20th) so nothing those days", "2026-12-12", "2026-12-19", "2026-12-20"),
    ("camping the weekend after next", "2026-12-18", "2026-12-26", "2026-12-27"),
    ("in the hills the weekend after this one, no bike", "2027-01-13", "2027-01-23", "2027-01-24"),
    ("skiing the 31st through the 3rd, no bike", "2026-12-28", "2026-12-31", "2027-01-03"),
])
def test_trips_said_as_out_and_back_or_through_to(text: str, today: str, start: str, end: str) -> None:
    span = parse_slots(text, dt.date.fromisoformat(today), past=False).date_range
    assert span is not None and (span.start.isoformat(), span.end.isoformat()) == (start, end)


@pytest.mark.parametrize("text", ["ran 10k at 4.5 pace", "did 12.5 km, 5:30 pace", "3, 4 and 5 reps"])
def test_decimals_and_lists_are_still_no_day_range(text: str) -> None:
    assert parse_slots(text, dt.date(2026, 12, 15), past=False).date_range is None


def test_stephens_day_is_boxing_day() -> None:
    assert parse_slots("Stephen's Day is a write-off", dt.date(2026, 12, 23), past=False).dates == [dt.date(2026, 12, 26)]


def test_two_ordinals_with_a_slash_are_both_days() -> None:
    slots = parse_slots("Won't be able to run the 16th/17th, hen do", dt.date(2027, 1, 2))
    assert slots.dates == [dt.date(2027, 1, 16), dt.date(2027, 1, 17)]
    assert parse_slots("this weekend (30th/31st) I'm away", dt.date(2027, 1, 28)).dates == [dt.date(2027, 1, 30), dt.date(2027, 1, 31)]


def test_the_weekend_after_next_said_at_a_weekend_is_two_after_the_one_under_way() -> None:
    saturday, friday = dt.date(2027, 1, 2), dt.date(2026, 12, 18)
    span = parse_slots("away the weekend after next", saturday).date_range
    assert span is not None and (span.start, span.end) == (dt.date(2027, 1, 16), dt.date(2027, 1, 17))
    span = parse_slots("away the weekend after next", friday).date_range  # on a weekday, as before
    assert span is not None and (span.start, span.end) == (dt.date(2026, 12, 26), dt.date(2026, 12, 27))
