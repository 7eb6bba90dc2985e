"""Facts drawn from notes: the limitations, equipment and constraints the plan engine obeys."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from memory import (
    Constraint,
    Equipment,
    Fact,
    Limitation,
    extract_facts,
    facts_from_json,
    facts_from_jsonable,
    facts_to_json,
    facts_to_jsonable,
)
from memory.vocabulary import WEEKDAYS
from tests.memory.conftest import TODAY

WEEKDAYS_ONLY = ("mon", "tue", "wed", "thu", "fri")


def _one(text: str) -> Fact:
    facts = extract_facts(text, TODAY)
    assert len(facts) == 1, facts
    return facts[0]


# --------------------------------------------------------------------------- injuries


def test_a_sore_left_knee_rules_out_intervals_and_downhill_until_cleared() -> None:
    fact = _one("My left knee hurts going downstairs")
    assert fact == Limitation(
        body_part="knee",
        side="left",
        avoid=("intervals", "downhill", "hills", "heavy_lower"),
        severity="moderate",
        since=TODAY,
        until=None,
        evidence="my left knee hurts going downstairs",
    )


def test_a_tweaky_shoulder_rules_out_overhead_work_and_hard_swims() -> None:
    general, swim = extract_facts("Left shoulder felt tweaky on the bench press", TODAY)
    assert isinstance(general, Limitation) and isinstance(swim, Limitation)
    assert (general.body_part, general.side, general.avoid, general.sport, general.severity) == (
        "shoulder",
        "left",
        ("overhead",),
        None,
        "mild",
    )
    assert swim.sport == "swim"
    assert swim.avoid == ("tempo", "threshold", "intervals", "race")
    assert swim.forbids("swim", "intervals") and not swim.forbids("ride", "intervals")
    assert not swim.forbids("swim", "technique")


@pytest.mark.parametrize(
    ("text", "part", "avoid"),
    [
        ("Lower back tight after deadlifts", "back", ("heavy_lower",)),
        ("Achilles is sore after the long run", "achilles", ("intervals", "hills")),
        ("My calves are really tight", "calf", ("intervals", "hills")),
        ("I think I've got plantar fasciitis", "foot", ("intervals", "hills")),
        ("right hamstring twinged during the sprints", "hamstring", ("intervals", "heavy_lower")),
    ],
)
def test_each_body_part_brings_its_own_avoid_list(text: str, part: str, avoid: tuple[str, ...]) -> None:
    fact = _one(text)
    assert isinstance(fact, Limitation)
    assert (fact.body_part, fact.avoid) == (part, avoid)


def test_a_severe_injury_also_rules_out_impact() -> None:
    fact = _one("Rolled my ankle on the trail, it's swollen")
    assert isinstance(fact, Limitation)
    assert fact.severity == "severe"
    assert "impact" in fact.avoid


def test_a_softened_pain_is_mild() -> None:
    fact = _one("knee a bit sore after cycling")
    assert isinstance(fact, Limitation) and fact.severity == "mild"


def test_two_parts_in_one_note_each_keep_their_side() -> None:
    facts = extract_facts("left calf and right knee both a bit sore", TODAY)
    assert [(f.body_part, f.side) for f in facts if isinstance(f, Limitation)] == [
        ("calf", "left"),
        ("knee", "right"),
    ]


def test_a_part_reported_fine_is_not_a_limitation() -> None:
    facts = extract_facts("Left knee sore, right shoulder is fine now", TODAY)
    assert [(f.body_part, f.side) for f in facts if isinstance(f, Limitation)] == [("knee", "left")]
    assert extract_facts("no knee pain anymore", TODAY) == []
    assert extract_facts("my knee feels great", TODAY) == []


def test_cant_run_with_an_injury_adds_run_to_the_limitation() -> None:
    fact = _one("I can't run because my knee hurts")
    assert isinstance(fact, Limitation)
    assert fact.avoid == ("intervals", "downhill", "hills", "heavy_lower", "run")
    assert fact.forbids("run", "easy")
    assert not fact.forbids("ride", "easy")
    assert fact.forbids("ride", "intervals")


def test_a_sport_level_injury_without_a_body_part() -> None:
    fact = _one("Injured, can't run")
    assert isinstance(fact, Limitation)
    assert (fact.body_part, fact.avoid) == (None, ("run",))


def test_for_two_weeks_sets_the_end_date() -> None:
    fact = _one("Physio says shin splints, no running for two weeks")
    assert isinstance(fact, Limitation)
    assert fact.body_part == "shin" and "run" in fact.avoid
    assert fact.until == TODAY + dt.timedelta(days=13)
    assert fact.active_on(TODAY + dt.timedelta(days=13))
    assert not fact.active_on(TODAY + dt.timedelta(days=14))
    assert not fact.active_on(TODAY - dt.timedelta(days=1))


# --------------------------------------------------------------------------- equipment


def test_a_25_m_pool_is_the_only_pool() -> None:
    assert _one("I only have a 25 m pool") == Equipment(
        item="pool",
        available=True,
        exclusive=True,
        sport="swim",
        pool_length_m=25.0,
        since=TODAY,
        evidence="i only have a 25 m pool",
    )


def test_a_yard_pool_is_converted_to_metres() -> None:
    fact = _one("25 yard pool at the Y")
    assert isinstance(fact, Equipment) and fact.pool_length_m == pytest.approx(22.86)
    assert not fact.exclusive


@pytest.mark.parametrize(
    ("text", "item", "available", "exclusive"),
    [
        ("I don't have a power meter", "power_meter", False, False),
        ("no power meter on the bike", "power_meter", False, False),
        ("Treadmill only during the winter", "treadmill", True, True),
        ("Just bought a turbo trainer", "turbo_trainer", True, False),
        ("My Garmin died", "gps_watch", False, False),
    ],
)
def test_equipment_available_missing_or_exclusive(
    text: str, item: str, available: bool, exclusive: bool
) -> None:
    fact = _one(text)
    assert isinstance(fact, Equipment)
    assert (fact.item, fact.available, fact.exclusive) == (item, available, exclusive)


def test_a_pool_closed_on_some_days_is_a_constraint_not_missing_equipment() -> None:
    fact = _one("The pool is closed on Mondays")
    assert fact == Constraint(
        rule="no_sport", sport="swim", days=("mon",), since=TODAY, evidence="the pool is closed on mondays"
    )


# --------------------------------------------------------------------------- constraints


def test_only_45_minutes_on_weekdays() -> None:
    fact = _one("Only 45 minutes on weekdays")
    assert isinstance(fact, Constraint)
    assert (fact.rule, fact.minutes, fact.days) == ("max_minutes", 45, WEEKDAYS_ONLY)


def test_two_caps_in_one_sentence() -> None:
    facts = extract_facts("Only 45 min on weekdays but 2 hours at weekends", TODAY)
    assert [(f.rule, f.minutes, f.days) for f in facts if isinstance(f, Constraint)] == [
        ("max_minutes", 45, WEEKDAYS_ONLY),
        ("max_minutes", 120, ("sat", "sun")),
    ]


@pytest.mark.parametrize(
    ("text", "rule", "minutes", "days", "sport"),
    [
        ("No swimming on Tuesdays", "no_sport", None, ("tue",), "swim"),
        ("no swimming Tuesdays", "no_sport", None, ("tue",), "swim"),
        ("Max 6 hours a week in total", "max_weekly_minutes", 360, WEEKDAYS, None),
        ("I have an hour at lunch on Wednesdays", "max_minutes", 60, ("wed",), None),
        ("I only have 1h30 on Saturdays", "max_minutes", 90, ("sat",), None),
        ("Can't train on Sundays, family day", "no_training", None, ("sun",), None),
    ],
)
def test_scheduling_constraints(
    text: str, rule: str, minutes: int | None, days: tuple[str, ...], sport: str | None
) -> None:
    fact = _one(text)
    assert isinstance(fact, Constraint)
    assert (fact.rule, fact.minutes, fact.days, fact.sport) == (rule, minutes, days, sport)


def test_cant_run_this_week_without_an_injury_is_a_constraint_until_sunday() -> None:
    fact = _one("Can't run this week, travelling")
    assert isinstance(fact, Constraint)
    assert (fact.rule, fact.sport, fact.until) == ("no_sport", "run", dt.date(2025, 3, 9))


@pytest.mark.parametrize(
    "text",
    [
        "Felt great today, legs fresh",
        "I want to break 3 hours in the marathon",
        "My goal is sub 3 hours",
        "I ran 45 minutes easy",
        "I don't like running in the rain",
        "no run today, felt sick",
        "",
    ],
)
def test_notes_without_hard_facts_give_none(text: str) -> None:
    assert extract_facts(text, TODAY) == []


# --------------------------------------------------------------------------- models


def test_facts_round_trip_through_json() -> None:
    facts = [
        *extract_facts("Left shoulder felt tweaky", TODAY),
        *extract_facts("I only have a 25 m pool", TODAY),
        *extract_facts("Only 45 minutes on weekdays", TODAY),
    ]
    assert [type(f) for f in facts] == [Limitation, Limitation, Equipment, Constraint]
    assert facts_from_json(facts_to_json(facts)) == facts
    assert facts_from_jsonable(facts_to_jsonable(facts)) == facts
    assert facts_to_jsonable(facts)[0]["kind"] == "injury"


def test_facts_refuse_impossible_values() -> None:
    with pytest.raises(ValidationError, match="needs minutes"):
        Constraint(rule="max_minutes", since=TODAY)
    with pytest.raises(ValidationError, match="needs a sport"):
        Constraint(rule="no_sport", since=TODAY)
    with pytest.raises(ValidationError, match="before since"):
        Limitation(avoid=("run",), since=TODAY, until=TODAY - dt.timedelta(days=1))
    with pytest.raises(ValidationError):
        Limitation.model_validate({"avoid": ["interval"], "since": TODAY})
    with pytest.raises(ValidationError):
        facts_from_json('[{"kind": "mood"}]')


def test_descriptions_read_as_sentences() -> None:
    knee, pool, cap = (
        _one("My left knee hurts going downstairs"),
        _one("I only have a 25 m pool"),
        _one("Only 45 minutes on weekdays"),
    )
    assert isinstance(knee, Limitation) and isinstance(pool, Equipment) and isinstance(cap, Constraint)
    assert (
        knee.describe() == "left knee (moderate): avoid intervals, downhill, hills, heavy_lower until cleared"
    )
    assert pool.describe() == "25 m pool only"
    assert cap.describe() == "at most 45 min on mon, tue, wed, thu, fri"
