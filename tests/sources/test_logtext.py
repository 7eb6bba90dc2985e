"""/log text: the examples from the brief, units, and clear errors."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coach.sources.activity import ImportedActivity
from coach.sources.logtext import LoggedStrength, LogParseError, UnloadedLift, parse_log, parse_log_entry

WHEN = dt.datetime(2024, 6, 3, 18, 0, tzinfo=dt.UTC)


def endurance(text: str) -> ImportedActivity:
    entry = parse_log_entry(text, when=WHEN)
    assert isinstance(entry, ImportedActivity)
    return entry


def lift(text: str) -> LoggedStrength:
    entry = parse_log_entry(text, when=WHEN)
    assert isinstance(entry, LoggedStrength)
    return entry


def test_ran_10k_in_52_min() -> None:
    run = endurance("ran 10k in 52 min")
    assert (run.sport, run.distance_km, run.elapsed_s) == ("run", 10.0, 52 * 60)
    assert run.start_time == WHEN - dt.timedelta(minutes=52)
    assert run.source_format == "log"


def test_easy_45_min_ride_uses_session_rpe() -> None:
    ride = endurance("easy 45 min ride")
    assert (ride.sport, ride.elapsed_s, ride.distance_km) == ("ride", 45 * 60, None)
    assert ride.load_method == "session_rpe"
    assert ride.load == pytest.approx(3 * 45 * 100 / 420)


def test_swam_2000m_in_40_00() -> None:
    swim = endurance("swam 2000m in 40:00")
    assert (swim.sport, swim.distance_km, swim.elapsed_s) == ("swim", 2.0, 2400)


@pytest.mark.parametrize(
    ("text", "seconds", "km"),
    [
        ("ran a half marathon in 1:45:00", 6300, 21.0975),
        ("ran 5 miles in 40:00", 2400, 8.04672),
        ("1h10 zwift @6", 4200, None),
        ("rode 80 km in 3 hours", 10800, 80.0),
        ("ran 12.5km 1h 5min", 3900, 12.5),
        # blind set E's forms: a total wins over the parts, segments add up, a bare run distance is km,
        # "averaged 5:28" is a pace, not a time
        ("Ran the tempo: WU 2k, 6k at 5:25, CD 2k. 10k total, 57 minutes", 3420, 10.0),
        ("Tempo run done yesterday: 10.5k total in 58 min, the tempo bit averaged 5:28", 3480, 10.5),
        ("ran 30 min easy then 20 min of hills with the club. 9k total", 3000, 9.0),
        ("ran 5.5 this morning, 35 mins on the dot", 2100, 5.5),
        ("hammered the long ride with mates, way harder than zone 2. 2h50, 75km", 10200, 75.0),
    ],
)
def test_other_endurance_forms(text: str, seconds: float, km: float | None) -> None:
    activity = endurance(text)
    assert activity.elapsed_s == seconds
    assert activity.distance_km == (pytest.approx(km) if km else None)


def test_squat_weight_reps_sets_at_rpe() -> None:
    squat = lift("squat 100x5x3 @8")
    assert squat.exercise == "squat"
    assert [(s.weight_kg, s.reps, s.rpe) for s in squat.sets] == [(100.0, 5, 8.0)] * 3
    assert all(s.date == WHEN.date() for s in squat.sets)


def test_bench_weight_then_reps_per_set() -> None:
    bench = lift("bench 80kg 5,5,4")
    assert [(s.weight_kg, s.reps) for s in bench.sets] == [(80.0, 5), (80.0, 5), (80.0, 4)]


def test_deadlift_sets_reps_weight() -> None:
    deadlift = lift("deadlift 3x5 140kg")
    assert [(s.weight_kg, s.reps) for s in deadlift.sets] == [(140.0, 5)] * 3


def test_pounds_and_multiword_names() -> None:
    press = lift("overhead press 95lbs x 5")
    assert press.exercise == "overhead press"
    assert press.sets[0].weight_kg == pytest.approx(95 * 0.45359237, abs=0.01)


def test_several_entries_in_one_message() -> None:
    entries = parse_log("squat 100x5x3 @8; bench 80kg 5,5,4\nran 5k in 25:00", when=WHEN)
    assert [type(e).__name__ for e in entries] == ["LoggedStrength", "LoggedStrength", "ImportedActivity"]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("had a nice day", "could not read"),
        ("ran 10k", "no time"),
        ("squat 100x5x3 @14", "off the 1–10 scale"),
        ("ran 10k in 99 hours", "typo"),
    ],
)
def test_unparseable_gives_a_sentence(text: str, fragment: str) -> None:
    with pytest.raises(LogParseError) as info:
        parse_log_entry(text, when=WHEN)
    message = str(info.value)
    assert fragment in message
    assert message.rstrip().endswith(".")


@given(st.text(max_size=40))
def test_never_crashes_with_anything_but_a_parse_error(text: str) -> None:
    with contextlib.suppress(LogParseError):
        parse_log(text, when=WHEN)


def test_bodyweight_exercises_with_a_time_are_a_strength_session() -> None:
    session = endurance("did 3 sets of 12 squats, 3x10 lunges each leg and some planks. 20 min all in")
    assert (session.sport, session.elapsed_s) == ("strength", 1200)


@pytest.mark.parametrize(
    ("text", "distance_km", "minutes"),
    [
        ("Long run today was 12.5 km in 1:18:40, slowest km was 6:45", 12.5, 78 + 40 / 60),  # a split beside the time
        ("tempo went great!! 10.5k in 57 min, hit 5:30s for the tempo bit", 10.5, 57),  # a pace beside the time
        ("did 5.5km in 33:05, negative split", 5.5, 33 + 5 / 60),
        ("Long one done: 7.3 miles in 1:14", 11.748, 74),
        ("Done 5.5 in 36 mins", 5.5, 36),  # a bare distance after "done": km
    ],
)
def test_a_split_or_pace_beside_the_time_is_not_the_time(text: str, distance_km: float, minutes: float) -> None:
    run = parse_log(text, when=WHEN, default_sport="run")[0]
    assert isinstance(run, ImportedActivity) and run.sport == "run"
    assert run.distance_km == pytest.approx(distance_km, abs=0.01)
    assert run.elapsed_s == pytest.approx(minutes * 60, abs=1)


def test_a_part_of_the_session_named_is_not_added_to_its_time() -> None:
    ride = parse_log("2h35 done. 66km. felt strong until the last 20 min then bonked hard", when=WHEN, default_sport="ride")[0]
    assert isinstance(ride, ImportedActivity) and ride.elapsed_s == (2 * 60 + 35) * 60
    segments = parse_log("30 min easy then 20 min of hills", when=WHEN, default_sport="run")[0]
    assert isinstance(segments, ImportedActivity) and segments.elapsed_s == 50 * 60  # one session in segments still adds up


def test_two_workouts_of_different_sports_joined_by_then_are_two_entries() -> None:
    run, core = parse_log("7k easy this morning in 44:50, then 20 min of core at the gym", when=WHEN, default_sport="run")
    assert isinstance(run, ImportedActivity) and (run.sport, run.distance_km, run.elapsed_s) == ("run", 7.0, 44 * 60 + 50)
    assert isinstance(core, ImportedActivity) and (core.sport, core.elapsed_s) == ("strength", 20 * 60)


def test_the_verb_of_what_was_done_names_the_sport_not_the_session_it_replaced() -> None:
    swim = parse_log("Swam 40 minutes at the leisure centre instead of the long run today", when=WHEN, default_sport="run")[0]
    assert isinstance(swim, ImportedActivity) and (swim.sport, swim.elapsed_s) == ("swim", 40 * 60)


def test_sets_with_a_kettlebell_are_a_lift_and_bodyweight_sets_are_left_out() -> None:
    entries = parse_log("did 3x10 press ups, 3x12 goblet squats with the 20kg kettlebell and some planks this morning", when=WHEN)
    assert len(entries) == 1 and isinstance(entries[0], LoggedStrength)
    assert entries[0].exercise == "goblet squats"
    assert [(s.weight_kg, s.reps) for s in entries[0].sets] == [(20.0, 12)] * 3


def test_a_pasted_watch_summary_is_one_session() -> None:
    ride = parse_log(
        "Saturday Long Ride\nDistance: 52.3 km\nMoving Time: 2:04:11\nAvg Power: 168 W\nAvg HR: 135 bpm\nElevation: 410 m",
        when=WHEN, default_sport="ride",
    )
    assert len(ride) == 1 and isinstance(ride[0], ImportedActivity)
    assert (ride[0].sport, ride[0].distance_km, ride[0].elapsed_s) == ("ride", 52.3, 2 * 3600 + 4 * 60 + 11)
    two = parse_log("ran 5k in 25 min\nrode 20 km in 50 min", when=WHEN)  # two sessions, one per line, stay two
    assert [e.sport for e in two if isinstance(e, ImportedActivity)] == ["run", "ride"]


@pytest.mark.parametrize(("text", "sport", "km"), [
    ("I swam 30 lengths of the 25-metre pool this morning, about 35 minutes", "swim", 0.75),
    ("swam 40 laps of a 25m pool in 50 min", "swim", 1.0),
    ("did the run this morning 5 and a half K in 38 minutes, bit slow", "run", 5.5),
])
def test_amounts_said_in_words_are_read_as_numbers(text: str, sport: str, km: float) -> None:
    entry = parse_log(text, when=dt.datetime(2027, 1, 6, 9, tzinfo=dt.UTC), default_sport="run")[0]
    assert isinstance(entry, ImportedActivity)
    assert entry.sport == sport and entry.distance_km == pytest.approx(km)


@pytest.mark.parametrize("text", [
    "gym sesh: bench 4x6 @ 70kg, pull ups 3x8, leg press 3x10 @ 120kg",
    "strength day done back squat 3x8 @ 60kg RDL 3x10 @ 50kg walking lunges 3x12 bw plank 3x45s",
    "legs day\nback squat 3x8 @ 60kg\nRDL 3x10 @ 50kg\nwalking lunges 3x12 bw\nplank 3x45s",
])
def test_lifts_listed_with_at_signs_run_on_or_under_a_heading_are_all_read(text: str) -> None:
    lifts = [e for e in parse_log(text, when=WHEN, default_sport="run") if isinstance(e, LoggedStrength)]
    loads = {x.exercise: (len(x.sets), x.sets[0].reps, x.sets[0].weight_kg) for x in lifts}
    assert len(lifts) == 2 and all(sets >= 3 and reps >= 6 and kg >= 50 for sets, reps, kg in loads.values()), loads


def test_sets_with_no_load_are_never_read_as_a_weight() -> None:
    [lunges] = parse_log("lunges 3x12", when=WHEN)  # three sets of twelve, not 3 kg twelve times
    assert lunges == UnloadedLift(exercise="lunges", sets=3, reps=12)
    [squat] = parse_log("squat 100x5", when=WHEN)
    assert isinstance(squat, LoggedStrength) and squat.sets[0].weight_kg == 100


def test_a_pool_swim_is_a_swim_without_the_word() -> None:
    [swim] = parse_log("went to the pool this morning, 1500m in 35 min, mostly breaststroke lol", when=WHEN, default_sport="run")
    assert isinstance(swim, ImportedActivity) and swim.sport == "swim" and swim.distance_km == pytest.approx(1.5)


@pytest.mark.parametrize(("text", "expected"), [
    ("squats and deadlifts 5x5", [("squats", 5, 5, False), ("deadlifts", 5, 5, False)]),
    ("gym - leg press 4x10, single leg RDLs 3x8 each side, some core", [("leg press", 4, 10, False), ("single leg rdls", 3, 8, False)]),
    ("strength: 3x10 goblet squats, 3x8 RDL, 3x45s plank", [("goblet squats", 3, 10, False), ("rdl", 3, 8, False), ("plank", 3, 45, True)]),
])
def test_a_strength_session_told_without_loads_is_logged_without_a_guessed_weight(text: str, expected: list[tuple[str, int, int, bool]]) -> None:
    entries = parse_log(text, when=WHEN, default_sport="run")
    assert all(isinstance(e, UnloadedLift) for e in entries)
    assert [(e.exercise, e.sets, e.reps, e.seconds) for e in entries if isinstance(e, UnloadedLift)] == expected


@pytest.mark.parametrize("text", ["5x1k intervals", "3x10 of something", "did 4x4 with the kids"])
def test_sets_of_something_that_is_not_a_lift_are_still_said_back(text: str) -> None:
    with pytest.raises(LogParseError):
        parse_log(text, when=WHEN)


def test_a_second_workout_told_after_a_comma_and_is_its_own_entry() -> None:
    entries = parse_log(
        "Did a 25 min strength session this morning, squats lunges and some core, and a 20 min swim after", when=WHEN, default_sport="run"
    )
    assert [(e.sport, e.elapsed_s) for e in entries if isinstance(e, ImportedActivity)] == [("strength", 1500), ("swim", 1200)]


@pytest.mark.parametrize("text", ["ran 10k, and a 5 min cool down walk", "rode 100 km in 70 min", "ran 42 km in 50 min"])
def test_a_speed_no_one_reaches_is_said_back_not_stored(text: str) -> None:
    with pytest.raises(LogParseError, match="check the time or the distance"):
        parse_log(text, when=WHEN, default_sport="run")


@pytest.mark.parametrize(("text", "sport", "km", "minutes"), [
    ("xmas eve jog 7.8 in 51", "run", 7.8, 51),
    ("just did the 65 min run. garmin says 10.3", "run", 10.3, 65),
    ("Sunday Run\nDistance\n8.61 km\nTime\n54:40\nPace\n6:21 /km\nCalories 512", "run", 8.61, 54 + 40 / 60),
    ("knocked out 7 k's this arvo in 42, stinking hot", "run", 7, 42),
    ("12km 1h16. slept like 6h", "run", 12, 76),
    ("rode 40 miles with the club, took about 2 hrs 40. right knee a bit achy", "ride", 64.37, 160),
    ("1h25 @ 170w avg, 35km", "ride", 35, 85),
    ("Garmin Connect\nLong Run\n11.74 km | 1:15:48 | 6:27 /km\nElev gain 84 m\nAerobic TE 3.1", "run", 11.74, 75 + 48 / 60),
    ("6.2 / 39:10", "run", 6.2, 39 + 10 / 60),
    ("8.6 done 54:10", "run", 8.6, 54 + 10 / 60),
    ("7 1/2 mile long run 1 hour 16", "run", 12.07, 76),
    ("went out with the club, 10k ish, hour and 5", "run", 10, 65),
    ("Knocked out 65 clicks this arvo, took me two and a half hours into a cracker of a headwind", "ride", 65, 150),
])
def test_watch_pastes_and_bare_numbers_are_read_whole(text: str, sport: str, km: float, minutes: float) -> None:
    (entry,) = parse_log(text, when=WHEN, default_sport=sport)
    assert isinstance(entry, ImportedActivity) and entry.sport == sport
    assert entry.distance_km == pytest.approx(km, abs=0.01)
    assert entry.elapsed_s == pytest.approx(minutes * 60, abs=1)


def test_an_at_sign_before_watts_is_power_not_an_rpe() -> None:
    (entry,) = parse_log("easy spin 1h @ 150w", when=WHEN, default_sport="ride")
    assert isinstance(entry, ImportedActivity) and entry.elapsed_s == 3600
    with pytest.raises(LogParseError, match="RPE 15"):
        parse_log("ran 5k in 25 min @ 15", when=WHEN)


def test_a_bare_load_in_a_list_of_lifts_is_in_the_lists_unit() -> None:
    entries = parse_log("gym today. squats 4x8 @70kg, rdl 3x10 @50, lunges, planks. bout 45 mins", when=WHEN)
    loads = {e.exercise: {s.weight_kg for s in e.sets} for e in entries if isinstance(e, LoggedStrength)}
    assert loads == {"squats": {70.0}, "rdl": {50.0}}
    (bench,) = parse_log("squat 100x5x3 @8", when=WHEN)  # past the lists, "@8" is still an RPE
    assert isinstance(bench, LoggedStrength) and {s.rpe for s in bench.sets} == {8.0}


@pytest.mark.parametrize(("text", "km", "seconds"), [
    ("slept 9h 😴 ran 5.4k in 33 mins", 5.4, 33 * 60),  # set AA: the night had hidden the distance
    ("7 hrs sleep, easy 45 min ride", None, 45 * 60),
    ("slept about 6.5 hours. 10k in 52:10", 10.0, 52 * 60 + 10),
])
def test_a_nights_sleep_told_beside_a_workout_is_not_its_time(text: str, km: float | None, seconds: float) -> None:
    (run,) = parse_log(text, when=WHEN)
    assert isinstance(run, ImportedActivity)
    assert (run.distance_km, run.elapsed_s) == (km, seconds)
