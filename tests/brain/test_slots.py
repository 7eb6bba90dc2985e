"""Slot extraction: examples from the brief, the evaluation set's expectations, and properties."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from coach.brain.slots import (
    HALF_MARATHON_M,
    METRES_PER_MILE,
    WEEKDAYS,
    DateRange,
    Slots,
    normalise_text,
    parse_slots,
    resolve_weekday,
)

TODAY = dt.date(2026, 11, 18)  # a Wednesday
MESSAGES_FILE = Path(__file__).parent / "data" / "messages.yaml"
INTERNAL_FAILURE = "could not be read completely"
PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, derandomize=True)

FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December",
)  # fmt: skip


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def slots(text: str, **kwargs: Any) -> Slots:
    return parse_slots(text, TODAY, **kwargs)


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yesterday", "2026-11-17"),
        ("today", "2026-11-18"),
        ("tomorrow", "2026-11-19"),
        ("tmrw", "2026-11-19"),
        ("the day after tomorrow", "2026-11-20"),
        ("Thursday", "2026-11-19"),
        ("Wednesday", "2026-11-18"),
        ("Tuesday", "2026-11-24"),
        ("missed Tuesday's run", "2026-11-17"),
        ("skipped the ride on Sunday", "2026-11-15"),
        ("last Tuesday", "2026-11-17"),
        ("last Wednesday", "2026-11-11"),
        ("next Wednesday", "2026-11-25"),
        ("next Thursday", "2026-11-19"),
        ("12 Jan", "2027-01-12"),
        ("Jan 12", "2027-01-12"),
        ("12th of January", "2027-01-12"),
        ("January 12th, 2028", "2028-01-12"),
        ("ran 10k on 12 Nov", "2026-11-12"),
        ("12/01", "2027-01-12"),
        ("12/01/2027", "2027-01-12"),
        ("2027-03-14", "2027-03-14"),
        ("on the 3rd", "2026-12-03"),
        ("3 days ago", "2026-11-15"),
        ("in 2 weeks", "2026-12-02"),
        ("race on 29 Feb", "2028-02-29"),
        ("Tuesday next week", "2026-11-24"),
    ],
)
def test_single_dates(text: str, expected: str) -> None:
    result = slots(text)
    assert result.date == d(expected), result
    assert result.errors == []


def test_day_first_is_a_parameter() -> None:
    assert slots("12/01").date == d("2027-01-12")
    assert slots("12/01", day_first=False).date == d("2026-12-01")


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("I'm travelling Thursday to Sunday", "2026-11-19", "2026-11-22"),
        ("thu-sun", "2026-11-19", "2026-11-22"),
        ("between Monday and Wednesday", "2026-11-23", "2026-11-25"),
        ("from the 3rd to the 7th", "2026-12-03", "2026-12-07"),
        ("busy 12-15 Dec", "2026-12-12", "2026-12-15"),
        ("Dec 20-23", "2026-12-20", "2026-12-23"),
        ("from 12 Jan to 15 Jan", "2027-01-12", "2027-01-15"),
        ("for 3 days", "2026-11-18", "2026-11-20"),
        ("away for 3 days from Friday", "2026-11-20", "2026-11-22"),
        ("for a week", "2026-11-18", "2026-11-24"),
        ("next week", "2026-11-23", "2026-11-29"),
        ("this week", "2026-11-16", "2026-11-22"),
        ("last week", "2026-11-09", "2026-11-15"),
        ("the rest of the week", "2026-11-18", "2026-11-22"),
        ("this weekend", "2026-11-21", "2026-11-22"),
        ("I was sick at the weekend", "2026-11-14", "2026-11-15"),
        ("next weekend", "2026-11-28", "2026-11-29"),
        ("last month", "2026-10-01", "2026-10-31"),
    ],
)
def test_ranges(text: str, start: str, end: str) -> None:
    assert slots(text).date_range == DateRange(start=d(start), end=d(end))


def test_for_n_days_records_the_count() -> None:
    assert slots("for 3 days").day_count == 3
    assert slots("Thursday to Sunday").day_count is None


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("31 Feb", "February has at most 29 days"),
        ("29 Feb 2027", "February in 2027 has 28 days"),
        ("2027-02-30", "February in 2027 has 28 days"),
        ("31/04", "April has 30 days"),
        ("13/13/2026", "no month 13"),
        ("the 35th", "not a day of the month"),
    ],
)
def test_impossible_dates_are_errors_not_guesses(text: str, fragment: str) -> None:
    result = slots(text)
    assert result.date is None and result.date_range is None
    assert any(fragment in error for error in result.errors), result.errors


def test_ratings_and_fractions_are_not_dates() -> None:
    assert slots("legs 3/5 today").dates == [TODAY]
    assert slots("did 1/2 the session").date is None
    assert slots("training 24/7").date is None


def test_ambiguous_weekday_abbreviations_need_context() -> None:
    assert slots("I sat on the sofa in the sun").weekdays == []
    assert slots("move thurs session to wed").weekdays == ["thu", "wed"]
    assert slots("away Sat").weekdays == ["sat"]


# --------------------------------------------------------------------------- quantities


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("45 min", 2700),
        ("45 mins easy", 2700),
        ("1h30", 5400),
        ("1 h 30 min", 5400),
        ("1:15:00", 4500),
        ("an hour", 3600),
        ("half an hour", 1800),
        ("an hour and a half", 5400),
        ("90 minutes", 5400),
        ("2 hrs", 7200),
        ("1:15 long run", 4500),
        ("parkrun in 23:41", 1421),
        ("45m easy", 2700),
        ("forty five minutes", 2700),
    ],
)
def test_durations(text: str, seconds: int) -> None:
    assert slots(text).duration_s == seconds


@pytest.mark.parametrize(
    ("text", "metres"),
    [
        ("10k", 10_000),
        ("10 km", 10_000),
        ("10K race", 10_000),
        ("6 miles", 6 * METRES_PER_MILE),
        ("2000m", 2000),
        ("swam 1500 metres", 1500),
        ("half marathon", HALF_MARATHON_M),
        ("a marathon", 42_195),
        ("parkrun", 5000),
        ("25m pool", 25),
        ("400 yards", 365.76),
    ],
)
def test_distances(text: str, metres: float) -> None:
    assert slots(text).distance_m == pytest.approx(metres, abs=0.01)


def test_pace_is_not_a_duration() -> None:
    result = slots("is 5:30/km too fast?")
    assert result.pace_s_per_km == 330 and result.duration_s is None
    assert slots("8km @ 4:50").pace_s_per_km == 290


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("slept 4 hours", 4),
        ("5h sleep", 5),
        ("slept badly, only 4.5h", 4.5),
        ("sleep 7.5", 7.5),
        ("7h of sleep", 7),
        ("slept 6h30", 6.5),
    ],
)
def test_sleep_hours(text: str, hours: float) -> None:
    result = slots(text)
    assert result.sleep_hours == hours
    assert result.duration_s is None


def test_training_hours_in_a_sleep_message_stay_durations() -> None:
    result = slots("slept 8 hours, then rode 3h")
    assert (result.sleep_hours, result.duration_s) == (8, 3 * 3600)


@pytest.mark.parametrize(("text", "hours"), [
    ("bit wiped, kid's birthday party yesterday lol. 6.5h", 6.5),
    ("feel fine, bit tired, 7 hrs. got new trail shoes btw", 7),
    ("all good. 7h, HRV normal. thursday move to friday tho", 7),
    ("I feel AMAZING today!! 8 hours and a big bowl of porridge", 8),
    ("Energy's good this morning, 7.5 hours", 7.5),
])
def test_an_hour_count_alone_in_a_report_of_how_one_feels_is_sleep(text: str, hours: float) -> None:
    result = slots(text)
    assert result.sleep_hours == hours and result.duration_s is None


@pytest.mark.parametrize("text", ["felt good, 2h steady", "felt good, 5h on the bike", "rode 2h, legs good", "legs feel fine, did 6h"])
def test_an_hour_count_beside_training_stays_a_duration(text: str) -> None:
    result = slots(text)
    assert result.sleep_hours is None and result.duration_s is not None


def test_the_sentence_that_says_slept_holds_the_night() -> None:
    result = slots("Long run done. 11.7 km, 1h14m. Slept badly, 5 hours maybe, but legs were OK.")
    assert (result.sleep_hours, result.duration_s) == (5, 74 * 60)


def test_scales_and_rpe() -> None:
    result = slots("energy 2, soreness 4/5, stress: 3, sleep 4")
    assert result.scales == {"energy": 2, "soreness": 4, "stress": 3, "sleep": 4}
    assert slots("squat 5x5 @8").rpe == 8
    assert slots("rpe 7").rpe == 7
    assert slots("tempo felt like RPE 8.5").rpe == 8.5
    assert slots("meet @ 6am").rpe is None


def test_out_of_range_numbers_are_errors() -> None:
    result = slots("energy 7/10, rpe 14, slept 30 hours")
    assert result.scales == {} and result.rpe is None and result.sleep_hours is None
    assert len(result.errors) == 3


# --------------------------------------------------------------------------- words


@pytest.mark.parametrize(
    ("text", "labels"),
    [
        ("knee is sore", ["knee"]),
        ("my left achilles", ["left achilles"]),
        ("sharp pain in my right shin", ["right shin"]),
        ("lower back is stiff", ["lower_back"]),
        ("IT band on the right", ["right it_band"]),
        ("plantar fasciitis", ["heel"]),
        ("both knees ache", ["both knee"]),
        ("sore calves", ["both calf"]),
        ("left hammy and right quad", ["left hamstring", "right quad"]),
        ("right now my hip hurts", ["hip"]),
        ("can we back off a bit", []),
        ("sore throat", []),
        ("glute and neck", ["glute", "neck"]),
        ("wrist and elbow and shoulder", ["wrist", "elbow", "shoulder"]),
    ],
)
def test_body_parts(text: str, labels: list[str]) -> None:
    assert [mention.label for mention in slots(text).body_parts] == labels


@pytest.mark.parametrize(
    ("text", "sports"),
    [
        ("ran 10k", ["run"]),
        ("ran out of time", []),
        ("bike then run", ["ride", "run"]),
        ("cycling and swimming", ["ride", "swim"]),
        ("gym: deadlifts", ["strength"]),
        ("brick session", ["brick"]),
    ],
)
def test_sports(text: str, sports: list[str]) -> None:
    assert slots(text).sports == sports


def test_weekdays_days_per_week_and_number_words() -> None:
    assert slots("move the long run to Sunday").weekdays == ["sun"]
    assert slots("long day Saturday").weekdays == ["sat"]
    assert slots("I can only do 3 days").days_per_week == 3
    assert slots("three days a week").days_per_week == 3
    assert slots("train 9 days a week").days_per_week is None
    recurring = slots("long rides on Sundays")
    assert recurring.weekdays == ["sun"] and recurring.date is None


def test_normalise_text_is_what_rules_see() -> None:
    assert normalise_text("Tmrw I’ll do THREE reps") == "tomorrow i'll do 3 reps"
    assert normalise_text("on the third") == "on the 3rd"


# --------------------------------------------------------------------------- the evaluation set


def _expected_value(result: Slots, key: str) -> Any:
    if key == "date_range":
        return [result.date_range.start, result.date_range.end] if result.date_range else None
    if key == "duration_min":
        return round(result.duration_s / 60, 3) if result.duration_s is not None else None
    if key == "distance_km":
        return round(result.distance_m / 1000, 3) if result.distance_m is not None else None
    if key == "body_parts":
        return [mention.label for mention in result.body_parts]
    return getattr(result, key)


def test_evaluation_set_slots() -> None:
    data = yaml.safe_load(MESSAGES_FILE.read_text(encoding="utf-8"))
    mismatches = []
    for message in data["messages"]:
        for key, expected in message.get("slots", {}).items():
            got = _expected_value(parse_slots(message["text"], data["today"]), key)
            wanted = round(expected, 3) if key in ("duration_min", "distance_km") else expected
            if got != wanted:
                mismatches.append(f"{message['text']!r} {key}: expected {wanted}, got {got}")
    assert mismatches == []


# --------------------------------------------------------------------------- properties

any_date = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31))
near_today = st.dates(min_value=dt.date(2001, 1, 1), max_value=dt.date(2098, 12, 31))


def _ordinal(day: int) -> str:
    suffix = "th" if day in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


FORMATS_WITH_YEAR = (
    lambda x: x.isoformat(),
    lambda x: f"{x.day} {MONTH_NAMES[x.month - 1]} {x.year}",
    lambda x: f"{x.day} {MONTH_NAMES[x.month - 1][:3]} {x.year}",
    lambda x: f"{MONTH_NAMES[x.month - 1]} {x.day}, {x.year}",
    lambda x: f"{_ordinal(x.day)} of {MONTH_NAMES[x.month - 1]} {x.year}",
    lambda x: f"{x.day:02d}/{x.month:02d}/{x.year}",
    lambda x: f"{x.day}.{x.month}.{x.year}",
)


@PROPERTY_SETTINGS
@given(day=any_date, today=near_today, fmt=st.sampled_from(FORMATS_WITH_YEAR), wrap=st.booleans())
def test_dates_with_a_year_round_trip(day: dt.date, today: dt.date, fmt: Any, wrap: bool) -> None:
    text = fmt(day)
    if wrap:
        text = f"my race is on {text}, can you plan for it"
    result = parse_slots(text, today)
    assert result.date == day, (text, result)
    assert result.errors == []


@PROPERTY_SETTINGS
@given(today=near_today, offset=st.integers(0, 364), month_first=st.booleans())
def test_dates_without_a_year_are_the_next_occurrence(today: dt.date, offset: int, month_first: bool) -> None:
    day = today + dt.timedelta(days=offset)
    assume(not (day.month == 2 and day.day == 29))  # the next 29 Feb is the only one in range anyway
    month = MONTH_NAMES[day.month - 1]
    text = f"{month} {day.day}" if month_first else f"{day.day} {month}"
    assert parse_slots(f"race on {text}", today).date == day


@PROPERTY_SETTINGS
@given(today=near_today, offset=st.integers(0, 364))
def test_past_tense_dates_without_a_year_are_the_last_occurrence(today: dt.date, offset: int) -> None:
    day = today - dt.timedelta(days=offset)
    assume(not (day.month == 2 and day.day == 29))
    assert parse_slots(f"I ran 10k on {day.day} {MONTH_NAMES[day.month - 1]}", today).date == day


@PROPERTY_SETTINGS
@given(
    today=near_today,
    index=st.integers(0, 6),
    template=st.sampled_from(
        ["{}", "on {}", "next {}", "last {}", "this {}", "missed {}'s run", "move it to {}"]
    ),
)
def test_weekdays_resolve_within_a_week_of_today(today: dt.date, index: int, template: str) -> None:
    result = parse_slots(template.format(FULL_NAMES[index]), today)
    assert result.date is not None
    assert result.date.weekday() == index
    assert abs((result.date - today).days) <= 7
    if template.startswith("next"):
        assert result.date > today
    if template.startswith(("last", "missed")):
        assert result.date <= today


@PROPERTY_SETTINGS
@given(today=near_today, weekday=st.sampled_from(WEEKDAYS), past=st.booleans())
def test_resolve_weekday_stays_within_a_week(today: dt.date, weekday: str, past: bool) -> None:
    resolved = resolve_weekday(weekday, today, past=past)  # type: ignore[arg-type]
    assert 0 <= (today - resolved).days <= 6 if past else 0 <= (resolved - today).days <= 6


@PROPERTY_SETTINGS
@given(hours=st.integers(1, 9), minutes=st.integers(0, 59))
def test_hour_minute_durations_round_trip(hours: int, minutes: int) -> None:
    seconds = hours * 3600 + minutes * 60
    for text in (f"{hours}h{minutes:02d}", f"{hours}:{minutes:02d}:00", f"{hours} hours {minutes} minutes"):
        assert parse_slots(f"rode {text}", TODAY).duration_s == seconds, text


@PROPERTY_SETTINGS
@given(text=st.text(max_size=300), today=near_today)
def test_garbage_never_raises(text: str, today: dt.date) -> None:
    result = parse_slots(text, today)
    assert isinstance(result, Slots)
    assert not any(INTERNAL_FAILURE in error for error in result.errors)


NOISY_WORDS = st.sampled_from(
    [
        "31", "feb", "/", "12", "-", "to", "the", "3rd", "monday", "sat", "sun", "@", "8", ":", "45", "min",
        "h", "km", "k", "slept", "energy", "5", "x", "rpe", "left", "knee", "for", "days", "next", "week",
        "2027-02-30", "1:15:00", "13/13", "0", "99", "of", "and", "between", ".", ",", "?", "ago", "in",
    ]
)  # fmt: skip


@PROPERTY_SETTINGS
@given(words=st.lists(NOISY_WORDS, max_size=20), today=near_today)
def test_slot_shaped_noise_never_raises(words: list[str], today: dt.date) -> None:
    result = parse_slots(" ".join(words), today)
    assert not any(INTERNAL_FAILURE in error for error in result.errors)
    if result.date_range is not None:
        assert result.date_range.start <= result.date_range.end
