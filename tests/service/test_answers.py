"""Onboarding answer parsers: plain language in, typed values or a clear refusal out."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coach.service import answers as a

TODAY = dt.date(2026, 11, 23)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2027-04-12", dt.date(2027, 4, 12)), ("12 Apr 2027", dt.date(2027, 4, 12)), ("April 12th", dt.date(2027, 4, 12)),
     ("12/04/2027", dt.date(2027, 4, 12)), ("3 dec", dt.date(2026, 12, 3)), ("the 5th of January", dt.date(2027, 1, 5))],
)
def test_dates(text: str, expected: dt.date) -> None:
    assert a.parse_date(text, TODAY) == expected


@pytest.mark.parametrize("text", ["31 Feb", "30/02/2027", "2027-13-01", "sometime soon"])
def test_impossible_or_unreadable_dates_are_refused(text: str) -> None:
    with pytest.raises(a.AnswerError):
        a.parse_date(text, TODAY)


def test_race_date_in_the_past_is_refused() -> None:
    with pytest.raises(a.AnswerError, match="not in the future"):
        a.parse_future_date("2025-03-01", TODAY)


def test_race_date_beyond_a_year_is_refused() -> None:
    with pytest.raises(a.AnswerError, match="52 weeks"):
        a.parse_future_date("2028-06-01", TODAY)


@pytest.mark.parametrize(("text", "days"), [
    ("mon wed fri sun", ["mon", "wed", "fri", "sun"]), ("4 days", ["tue", "thu", "sat", "sun"]),
    ("four", ["tue", "thu", "sat", "sun"]), ("weekends", ["sat", "sun"]), ("Tuesday to Thursday", ["tue", "wed", "thu"]),
    ("every day", ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]),
])
def test_days(text: str, days: list[str]) -> None:
    assert a.parse_days(text) == days


@pytest.mark.parametrize("text", ["9 days", "0", "I run 900 km a week", "whenever"])
def test_bad_days(text: str) -> None:
    with pytest.raises(a.AnswerError):
        a.parse_days(text)


def test_nonsense_volume_is_refused_with_the_number() -> None:
    with pytest.raises(a.AnswerError, match="900 km"):
        a.parse_weekly_volume("I run 900 km a week", "run", "km")


def test_miles_are_converted() -> None:
    km, hours = a.parse_weekly_volume("20 miles", "run", "km")
    assert km == pytest.approx(32.19, abs=0.01) and hours is None
    assert a.parse_distance_km("10", "mi") == pytest.approx(16.09, abs=0.01)


@pytest.mark.parametrize(("text", "clock"), [("1:45:00", "1:45:00"), ("48:30", "0:48:30"), ("1h45", "1:45:00"), ("3 hours", "3:00:00")])
def test_clock(text: str, clock: str) -> None:
    assert a.parse_clock(text) == clock


def test_race_result() -> None:
    assert a.parse_race_result("10k in 48:30") == (10.0, "0:48:30")
    assert a.parse_race_result("half marathon 1:52:10") == (21.0975, "1:52:10")
    with pytest.raises(a.AnswerError):
        a.parse_race_result("pretty fast")


@pytest.mark.parametrize(("text", "zone"), [("London", "Europe/London"), ("Europe/Berlin", "Europe/Berlin"), ("UTC+2", "UTC+02:00"),
                                            ("-05:30", "UTC-05:30"), ("new york", "America/New_York")])
def test_time_zones(text: str, zone: str) -> None:
    assert a.parse_time_zone(text) == zone


def test_unknown_place() -> None:
    with pytest.raises(a.AnswerError):
        a.parse_time_zone("Atlantis")


@given(st.text(max_size=200))
def test_parsers_never_crash_on_garbage(text: str) -> None:
    """Whatever is typed, a parser returns a value or raises AnswerError — never anything else."""
    for parse in (lambda t: a.parse_date(t, TODAY), a.parse_days, a.parse_clock, a.parse_time_zone, a.parse_units,
                  lambda t: a.parse_weekly_volume(t, "run", "km"), lambda t: a.parse_longest(t, "ride", "km"), a.parse_race_result,
                  lambda t: a.parse_event(t, "run"), a.parse_sport):
        with contextlib.suppress(a.AnswerError):
            parse(text)


@pytest.mark.parametrize(
    ("text", "km", "hours"),
    [
        ("6 hours", None, 6.0),
        ("6 hours, about 150 km", 150.0, 6.0),
        ("150 km in 6h", 150.0, 6.0),
        ("6 h at 26 km/h", 156.0, 6.0),
        ("five hours, 80 miles", 128.7, 5.0),
    ],
)
def test_a_riders_volume_may_carry_distance_or_speed(text: str, km: float | None, hours: float) -> None:
    assert a.parse_weekly_volume(text, "ride", "km") == (km, hours)


def test_a_riders_impossible_speed_is_asked_again() -> None:
    with pytest.raises(a.AnswerError, match="100 km/h"):
        a.parse_weekly_volume("3 hours, 300 km", "ride", "km")
