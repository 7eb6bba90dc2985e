"""The "never state a number no tool returned" check (coach.brain.numbers).

Unit tests pin the extraction formats and the support policy documented in the module; the
hypothesis properties pin the three promises: a number copied from a source is always
supported, a km→mi conversion is supported, a number absent everywhere is flagged.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coach.brain.numbers import DateClaim, extract_numbers, is_supported, unreturned_numbers

TOOL = json.dumps(
    {
        "kind": "easy run",
        "duration_min": 45,
        "distance_km": 8.0,
        "date": "2027-03-14",
        "pace_s_per_km": 330,
        "long_run_share_pct": 32.4,
        "ramp_fraction": 0.1,
        "rest_s": 90,
        "tsb": -12.5,
        "start": "2027-03-14T07:30:00",
        "rule_ids": ["R12-ramp"],
    }
)


def texts(text: str) -> list[str]:
    return [m.text for m in extract_numbers(text)]


# ======================================================================
# Extraction
# ======================================================================
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Run 8 km, then 8.0 km, then 32,4 km", ["8 km", "8.0 km", "32,4 km"]),
        ("a 10k, 45min easy and 5x400m", ["10k", "45min", "5x", "400m"]),
        ("pace 4:45/km, finish in 1:45:00", ["4:45/km", "1:45:00"]),
        ("4:50–5:10/km", ["4:50", "5:10/km"]),
        ("8-10 km or 8 to 10 km", ["8", "10 km", "8", "10 km"]),
        ("ramp 10%, long run 30 percent", ["10%", "30 percent"]),
        ("race on 2027-03-14, or 14 Mar, or Mar 14, or Sunday 14 March 2027", None),
        ("1h45 or 1 h 45 min or 2 hours and 30 minutes", ["1h45", "1 h 45 min", "2 hours and 30 minutes"]),
        ("1,200 m repeats", ["1,200 m"]),
        ("start 7am, or 7:30 am", ["7am", "7:30 am"]),
        ("RPE 7/10", ["7/10"]),
        ("twenty-five minutes, twelve km", ["twenty-five", "twelve"]),
    ],
)
def test_extracts_every_format(text: str, expected: list[str] | None) -> None:
    found = texts(text)
    if expected is None:
        assert [m.kind for m in extract_numbers(text)] == ["date"] * 4
    else:
        assert found == expected


def test_not_counted_as_numbers() -> None:
    text = (
        "1. Easy run\n2) Strides\n  3. Rest\nthe 1st and 2nd session, two days, VO2max, SpO2, e1RM, your 1RM"
    )
    assert extract_numbers(text) == []


def test_values_and_units() -> None:
    (mention,) = extract_numbers("1,200 m")
    assert {(q.dim, q.value, q.unit) for q in mention.quantities} == {
        ("plain", 1200.0, None),
        ("distance", 1200.0, "m"),
    }
    (pace,) = extract_numbers("5 min/km")
    assert ("pace", 300.0, "s/km") in {(q.dim, q.value, q.unit) for q in pace.quantities}
    (decimal_comma,) = extract_numbers("32,4")
    assert decimal_comma.quantities[0].value == pytest.approx(32.4)
    (date,) = extract_numbers("Sunday 14 Mar")
    assert date.dates == (DateClaim(None, 3, 14, 6),)
    (iso,) = extract_numbers("2027-03-14")
    assert iso.dates == (DateClaim(2027, 3, 14),)
    (numeric,) = extract_numbers("03/04/2027")  # ambiguous: both readings kept
    assert set(numeric.dates) == {DateClaim(2027, 4, 3), DateClaim(2027, 3, 4)}
    assert extract_numbers("the 14th")[0].kind == "ordinal"
    assert [m.text for m in extract_numbers("in Z2 and week W3")] == ["2", "3"]


def test_may_is_only_a_month_when_capitalised() -> None:
    assert texts("you may 10 times") == ["10"]
    assert extract_numbers("May 10")[0].kind == "date"


# ======================================================================
# Support
# ======================================================================
@pytest.mark.parametrize(
    "reply",
    [
        "Today: easy run, 8.0 km in 45 min.",
        "That's 8 km, about 5 miles, or 5.0 mi, roughly 4.9 mi.",
        "8000 m easy.",
        "45:00 at an easy effort, i.e. 0:45 or 2700 seconds, three quarters of an hour = 0.75 h.",
        "Pace 5:30/km, that's 8:51/mi.",
        "Long run is 32% of the week (32.4 %).",
        "Ramp limited to 10%.",
        "Rest 1:30 between reps, i.e. 90 s.",
        "Your form is -12.5, so TSB 12.5; roughly 13.",
        "Race day: Sunday 14 March 2027, or 14 Mar, Mar 14, 14/03/2027, the 14th.",
        "Start at 7:30 or 7:30am.",
        "That follows rule R12.",
        "1. Warm up\n2. Run 8 km\n3. Cool down",
        "Two easy days, then the 1st hard session.",
    ],
)
def test_supported_replies(reply: str) -> None:
    assert unreturned_numbers(reply, [TOOL]) == []


@pytest.mark.parametrize(
    ("reply", "offending"),
    [
        ("Run 11 km today.", ["11 km"]),  # (12 is in a rule id, so it would pass)
        ("Run 8.5 km today.", ["8.5 km"]),  # more precision than the tool gave
        ("That's 6 miles.", ["6 miles"]),  # 8 km is 4.97 mi
        ("Pace 5:00/km.", ["5:00/km"]),
        ("Race on Monday 14 March 2027.", ["Monday 14 March 2027"]),  # wrong weekday
        ("Race on 15 March.", ["15 March"]),
        ("Race in 2028.", ["2028"]),
        ("Do 3 sessions.", ["3"]),  # bare small integers need a source too (words are fine)
        ("Twenty-five minutes.", ["Twenty-five"]),
        ("Week total 18 km (8 + 10).", ["18 km", "10"]),
        ("Aim for 4:50–5:10/km.", ["4:50", "5:10/km"]),
    ],
)
def test_unsupported_numbers_are_flagged(reply: str, offending: list[str]) -> None:
    assert unreturned_numbers(reply, [TOOL]) == offending


def test_rounding_is_one_way() -> None:
    assert unreturned_numbers("about 32", ["32.4"]) == []
    assert unreturned_numbers("about 33", ["32.6"]) == []
    assert unreturned_numbers("exactly 32.4", ["32"]) == ["32.4"]
    assert unreturned_numbers("about 31", ["32.4"]) == ["31"]


def test_athlete_message_and_digest_are_sources() -> None:
    sources = [TOOL, "I slept 4 hours and my knee hurts 6/10", "Goal: half marathon 21.1 km on 2027-03-14"]
    assert (
        unreturned_numbers("After 4 hours of sleep and knee pain 6/10, keep 21.1 km in mind.", sources) == []
    )


def test_units_from_text_sources_convert() -> None:
    assert unreturned_numbers("That's 6.2 miles.", ["I ran 10 km"]) == []
    assert unreturned_numbers("1h45 it is", ["duration 105 min"]) == []
    assert unreturned_numbers("Pace 7:39/mi", ["4:45/km"]) == []
    assert unreturned_numbers("Squat 100 kg, i.e. 220 lb", ["top set 100 kg"]) == []


def test_json_and_text_sources_both_work() -> None:
    (mention,) = extract_numbers("8 km")
    assert is_supported(mention, ['{"distance_km": 8}'])
    assert is_supported(mention, ["planned: 8 km"])
    assert not is_supported(mention, ['{"distance_km": 9}', "not json {"])


def test_empty_reply_and_no_sources() -> None:
    assert unreturned_numbers("", [TOOL]) == []
    assert unreturned_numbers("Rest today.", []) == []
    assert unreturned_numbers("Rest 2 days.", []) == ["2"]


# ======================================================================
# Properties
# ======================================================================
decimals = st.integers(min_value=0, max_value=3)
magnitudes = st.floats(min_value=0, max_value=100_000, allow_nan=False, allow_infinity=False)
units = st.sampled_from(["", " km", "km", " min", " mi", "%", " kg", " bpm", " W"])


@settings(max_examples=150, deadline=None, derandomize=True)
@given(value=magnitudes, places=decimals, unit=units, filler=st.sampled_from(["Run", "Today", "Aim for"]))
def test_number_copied_from_a_source_is_supported(value: float, places: int, unit: str, filler: str) -> None:
    written = f"{value:.{places}f}{unit}"
    assert unreturned_numbers(f"{filler} {written} please.", [f"the engine says {written}"]) == []
    key = JSON_KEY_FOR_UNIT.get(unit)
    if key is not None:  # a number with a unit needs a key that names a unit of that dimension
        assert unreturned_numbers(f"{filler} {written}.", [json.dumps({key: float(f"{value:.{places}f}")})]) == []


JSON_KEY_FOR_UNIT = {"": "value", " km": "distance_km", "km": "distance_km", " min": "duration_min", " mi": "distance_mi",
                     "%": "share_pct", " kg": "load_kg"}


def test_regression_a_date_in_the_digest_does_not_back_a_distance() -> None:
    """'Run 23 km' passed because the digest said 'Mon 23 Nov' (found wiring the service)."""
    assert unreturned_numbers("Run 23 km today.", ["Week 1 from Mon 23 Nov: rest"]) == ["23 km"]
    assert unreturned_numbers("Run 58 km.", [json.dumps({"load": 58})]) == ["58 km"]
    assert unreturned_numbers("Run 23 km today.", [json.dumps({"distance_km": 23.0})]) == []


@settings(max_examples=150, deadline=None, derandomize=True)
@given(km=st.floats(min_value=0.5, max_value=300, allow_nan=False), places=st.integers(0, 2))
def test_km_to_miles_is_supported(km: float, places: int) -> None:
    km = round(km, 1)
    miles = km / 1.609344
    tool = json.dumps({"distance_km": km})
    assert unreturned_numbers(f"That's {miles:.{places}f} miles.", [tool]) == []
    assert unreturned_numbers(f"That's {km * 1000:.0f} m.", [tool]) == []


@settings(max_examples=150, deadline=None, derandomize=True)
@given(
    sources=st.lists(st.integers(min_value=0, max_value=5000), max_size=8),
    invented=st.integers(min_value=0, max_value=5000),
    unit=st.sampled_from(["", " km", " min", "%"]),
)
def test_number_absent_everywhere_is_flagged(sources: list[int], invented: int, unit: str) -> None:
    if invented in sources:
        return
    source = json.dumps({"values": sources}) + " and " + ", ".join(str(s) for s in sources)
    assert unreturned_numbers(f"Do {invented}{unit} now.", [source]) == [f"{invented}{unit}"]


@settings(max_examples=100, deadline=None, derandomize=True)
@given(value=magnitudes, places=decimals)
def test_extraction_finds_one_number_with_its_value(value: float, places: int) -> None:
    written = f"{value:.{places}f}"
    (mention,) = extract_numbers(f"about {written} today")
    assert mention.text == written
    assert mention.quantities[0].value == pytest.approx(float(written))
