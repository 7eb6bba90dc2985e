"""Clock times are read as H:MM or MM:SS by what is plausible, the same way everywhere (issue 9.7)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coach.language import ClockAmbiguity, plausible_speed_mps, read_clock
from coach.service.answers import AnswerError, parse_clock
from coach.sources.logtext import LoggedStrength, LogParseError, parse_log

WHEN = dt.datetime(2026, 12, 8, 12, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("a", "b", "distance_m", "sport", "seconds"),
    [
        (1, 50, 21097.5, "run", 6600),  # a half-marathon target of 1:50
        (23, 45, 5000, "run", 1425),  # a 5 km race
        (1, 2, 6 * 1609.344, "run", 3720),  # 6 miles in 1:02
        (1, 20, 40000, "ride", 4800),  # rode 40 km in 1:20
        (47, 12, 10000, "run", 2832),
        (1, 5, 100, "swim", 65),  # 100 m in 1:05
        (40, 0, 2000, "swim", 2400),
        (1, 10, None, "ride", 4200),  # no distance: a session of 1 h 10
        (45, 0, None, "run", 2700),
    ],
)
def test_plausible_readings(a: int, b: int, distance_m: float | None, sport: str, seconds: int) -> None:
    assert read_clock(a, b, distance_m=distance_m, sport=sport) == seconds


def test_neither_reading_is_asked_about() -> None:
    with pytest.raises(ClockAmbiguity, match="doesn't fit either way"):
        read_clock(9, 30, distance_m=400_000, sport="run")


@given(a=st.integers(0, 99), b=st.integers(0, 59), km=st.floats(0.1, 300), sport=st.sampled_from(["run", "ride", "swim"]))
def test_a_reading_is_plausible_or_asked(a: int, b: int, km: float, sport: str) -> None:
    try:
        seconds = read_clock(a, b, distance_m=km * 1000, sport=sport)
    except ClockAmbiguity:
        return
    assert seconds in (a * 3600 + b * 60, a * 60 + b)
    assert plausible_speed_mps(sport, km * 1000, seconds)


def test_onboarding_target_uses_the_event_distance() -> None:
    assert parse_clock("1:50", distance_km=21.0975, sport="run") == "1:50:00"
    assert parse_clock("23:45", distance_km=5, sport="run") == "0:23:45"
    assert parse_clock("3:59:59") == "3:59:59"
    with pytest.raises(AnswerError):
        parse_clock("9:30", distance_km=5, sport="run")


@pytest.mark.parametrize(
    ("text", "default_sport", "sport", "seconds", "km"),
    [
        ("rode 40 km in 1:20", None, "ride", 4800, 40),
        ("6 miles in 1:02", "run", "run", 3720, 9.656),
        ("6 miles in 58", "run", "run", 3480, 9.656),
        ("10k race 47:12", None, "run", 2832, 10),
        ("5k race 23:45", "ride", "run", 1425, 5),  # a running race, whatever the athlete's sport
        ("40k in 1:20", "ride", "ride", 4800, 40),
        ("swam 2000m in 40:00", None, "swim", 2400, 2),
        ("parkrun 24:51", "run", "run", 1491, 5),
        ("yesterday: 7k easy, 5:55/km", "run", "run", 2485, 7),  # time from the pace
        ("sunday club run: 68 km, 2h40 moving time", "ride", "ride", 9600, 68),  # a rider's club run
        ("long run done, 8 km in 52 min. slept 7 hrs last night", "run", "run", 3120, 8),
    ],
)
def test_log_lines(text: str, default_sport: str | None, sport: str, seconds: int, km: float) -> None:
    [entry] = parse_log(text, when=WHEN, default_sport=default_sport)
    assert not isinstance(entry, LoggedStrength)
    assert entry.sport == sport and entry.elapsed_s == seconds
    assert entry.distance_km is not None and entry.distance_km == pytest.approx(km, rel=1e-3)


def test_gym_sets_weight_first() -> None:
    [entry] = parse_log("bench 80kg 4x6 rpe 8", when=WHEN, default_sport="run")
    assert isinstance(entry, LoggedStrength)
    assert [(s.weight_kg, s.reps, s.rpe) for s in entry.sets] == [(80.0, 6, 8.0)] * 4


def test_an_impossible_log_is_asked_not_stored() -> None:
    with pytest.raises(LogParseError, match="either way"):
        parse_log("ran 42 km in 1:30", when=WHEN)


def test_a_gym_list_logs_each_weighted_lift() -> None:
    entries = parse_log("Gym: deadlift 100kg 5x5, bench 80kg 4x6 rpe 8, pull-ups 3x8", when=WHEN, default_sport="ride")
    lifts = [(e.exercise, len(e.sets)) for e in entries if isinstance(e, LoggedStrength)]
    assert lifts == [("deadlift", 5), ("bench", 4)]  # bodyweight pull-ups are not a weight to track


def test_a_strength_session_with_a_time_but_no_sets() -> None:
    [entry] = parse_log("strength session 30 min - lunges, step ups, calf raises 3x15", when=WHEN, default_sport="run")
    assert not isinstance(entry, LoggedStrength) and entry.sport == "strength" and entry.elapsed_s == 1800


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("Wedding on Saturday 19th, won't be running that day", [dt.date(2026, 12, 19)]),
        ("Working doubles the 15th and 16th", [dt.date(2026, 12, 15), dt.date(2026, 12, 16)]),
        ("the 26th and 27th are out, family", [dt.date(2026, 12, 26), dt.date(2026, 12, 27)]),
        ("Christmas Day I won't run", [dt.date(2026, 12, 25)]),
        ("i cant run thursday, got a hospital appt all day", [dt.date(2026, 12, 10)]),  # ahead, whatever the verbs
    ],
)
def test_dates_of_requests_about_the_days_ahead(text: str, dates: list[dt.date]) -> None:
    from coach.brain.slots import parse_slots

    assert parse_slots(text, dt.date(2026, 12, 8), past=False).dates == dates


def test_us_order_when_only_it_makes_a_date() -> None:
    from coach.brain.slots import parse_slots

    span = parse_slots("Out of town 12/15 through 12/18", dt.date(2026, 12, 8), past=False).date_range
    assert span is not None and (span.start, span.end) == (dt.date(2026, 12, 15), dt.date(2026, 12, 18))


def test_above_the_neck_is_not_a_sore_neck() -> None:
    from coach.brain.slots import parse_slots

    assert parse_slots("sore throat, all above the neck so OK to run?", dt.date(2026, 12, 8)).body_parts == []
    assert [p.part for p in parse_slots("my neck is stiff", dt.date(2026, 12, 8)).body_parts] == ["neck"]
