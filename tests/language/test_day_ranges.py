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


@pytest.mark.parametrize(("text", "today", "start", "end"), [
    ("flying the 29th, back the 4th", "2026-12-22", "2026-12-29", "2027-01-04"),
    ("driving down on the 23rd and back up on the 28th", "2026-12-10", "2026-12-23", "2026-12-28"),
    ("departure 2026-12-28, return 2027-01-06", "2026-12-08", "2026-12-28", "2027-01-06"),
    ("from the 2nd, reckon we'll be gone a fortnight, back home on the 15th", "2026-12-22", "2027-01-02", "2027-01-15"),
    ("from the 22nd until New Year's Day", "2026-12-08", "2026-12-22", "2027-01-01"),
    ("the 28th to 2 jan", "2026-12-08", "2026-12-28", "2027-01-02"),
    ("from Saturday 16 to Wednesday 20 January", "2027-01-13", "2027-01-16", "2027-01-20"),
    ("out on the 18th through on the 21st", "2027-01-15", "2027-01-18", "2027-01-21"),
    ("trip Thursday through the following Tuesday", "2027-01-18", "2027-01-21", "2027-01-26"),
    ("Krakow the week after next Monday to Friday", "2026-12-08", "2026-12-21", "2026-12-25"),
    ("the week after next completely off", "2026-12-08", "2026-12-21", "2026-12-27"),
    ("finals are the week of the 14th", "2026-12-08", "2026-12-14", "2026-12-20"),
    ("married in san antonio feb 6 so that weekend is out", "2027-01-27", "2027-02-06", "2027-02-07"),
])
def test_trips_told_at_length_and_weeks_named_by_a_day(text: str, today: str, start: str, end: str) -> None:
    span = parse_slots(text, dt.date.fromisoformat(today), past=False).date_range
    assert span is not None and (span.start.isoformat(), span.end.isoformat()) == (start, end)


@pytest.mark.parametrize(("text", "today"), [
    ("I ran on Tuesday, my back was sore Thursday", "2026-12-11"),
    ("until Sunday the 13th, flying home Monday the 14th", "2026-12-08"),
    ("move the ride on the 17th to Friday the 18th", "2026-12-11"),
    ("the big Saturday one are out", "2027-01-04"),
])
def test_a_back_a_home_or_a_move_between_two_days_is_no_range(text: str, today: str) -> None:
    assert parse_slots(text, dt.date.fromisoformat(today), past=False).date_range is None


@pytest.mark.parametrize(("text", "today", "days"), [
    ("away 28 29 30 jan", "2027-01-18", ["2027-01-28", "2027-01-29", "2027-01-30"]),
    ("Jan 30 and 31 I am at conference", "2027-01-18", ["2027-01-30", "2027-01-31"]),
    ("sales at the mart all next weekend. no rides sat or sun", "2026-12-08", ["2026-12-19", "2026-12-20"]),
    ("so thu + sat rides are out", "2027-01-25", ["2027-01-28", "2027-01-30"]),
    ("only 45 min sun", "2027-01-13", ["2027-01-17"]),
])
def test_days_sharing_a_month_or_a_named_weekend(text: str, today: str, days: list[str]) -> None:
    assert [d.isoformat() for d in parse_slots(text, dt.date.fromisoformat(today), past=False).dates] == days


def test_a_sat_that_is_sitting_is_no_day() -> None:
    assert parse_slots("I sat down and cried", dt.date(2027, 1, 25), past=False).dates == []


def test_a_gig_got_is_no_past_tense() -> None:
    span = parse_slots("I got a last minute gig in Banff Feb 4-7!! so no runs those days", dt.date(2027, 1, 25)).date_range
    assert span is not None and span.start == dt.date(2027, 2, 4)


@pytest.mark.parametrize(("text", "today", "day", "week_start"), [
    # British "Tuesday week" / "a week on Tuesday": the Tuesday after the coming one, whatever today is
    ("Tuesday week (the 22nd) I'm at a conference all day", "2026-12-08", "2026-12-22", "2026-12-21"),  # said on a Tuesday
    ("monday week I'm in London", "2026-12-08", "2026-12-21", "2026-12-21"),  # Monday already gone this week
    ("friday week I'm on a stag do", "2026-12-08", "2026-12-18", "2026-12-14"),
    ("a week on Saturday we fly", "2026-12-08", "2026-12-19", "2026-12-14"),
    ("a week saturday is the christening", "2026-12-08", "2026-12-19", "2026-12-14"),
    ("no run for me saturday week (the 23rd)", "2027-01-14", "2027-01-23", "2027-01-18"),
])
def test_a_weekday_a_week_on_is_the_one_after_the_coming_one_and_names_its_week(text: str, today: str, day: str, week_start: str) -> None:
    slots = parse_slots(text, dt.date.fromisoformat(today), past=False)
    assert {d.isoformat() for d in slots.dates} == {day}
    assert slots.date_range is not None and slots.date_range.start.isoformat() == week_start and slots.date_range.days == 7


def test_the_other_day_of_a_week_named_by_tuesday_week_is_in_that_week() -> None:
    slots = parse_slots("Friday week I'm on a stag do, and the Saturday will be a write off too", dt.date(2026, 12, 8), past=False)
    assert [d.isoformat() for d in slots.dates] == ["2026-12-18", "2026-12-19"]


@pytest.mark.parametrize("text", ["on saturday. week was hard", "saturday weekend plans", "tuesday week 3 of the plan"])
def test_a_week_that_is_not_a_week_on_changes_nothing(text: str) -> None:
    dates = parse_slots(text, dt.date(2026, 12, 8), past=False).dates
    assert all(d <= dt.date(2026, 12, 15) for d in dates)
