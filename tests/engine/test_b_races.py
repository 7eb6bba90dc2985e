"""B races (issue 17): shorter races before the goal placed as race sessions with easier days
around them, their load in the week; bad entries refused with the field named."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from coach.engine import build_plan, load_rules, validate_plan
from coach.engine.errors import ProfileError
from coach.engine.models import Profile
from coach.engine.planner import check_profile

RULES = load_rules()
START = dt.date(2027, 1, 4)  # a Monday


def _saturday(week: int) -> str:
    return (START + dt.timedelta(days=7 * (week - 1) + 5)).isoformat()


def rider(b_races: list[dict[str, Any]], weeks: int = 20) -> Profile:
    return Profile.model_validate(
        {
            "sport": "ride",
            "goal": {"event": "brevet_600", "date": (START + dt.timedelta(days=7 * weeks - 2)).isoformat()},
            "start_date": START.isoformat(),
            "availability": {"days": ["tue", "wed", "thu", "sat", "sun"], "long_day": "sat"},
            "history": {"weekly_hours": [8] * 4, "longest_minutes": 300, "ftp_w": 230, "ride_speed_kmh": 26},
            "b_races": b_races,
        }
    )


def test_brevets_before_a_600_are_races_with_easy_days_around() -> None:
    b_races = [
        {"date": _saturday(10), "event": "brevet_200"},
        {"date": _saturday(13), "event": "brevet_300", "name": "Dean 300"},
        {"date": _saturday(16), "event": "brevet_400"},
    ]
    profile = rider(b_races)
    plan = build_plan(profile, RULES)
    assert plan.feasible, plan.reason
    assert validate_plan(plan, profile, RULES) == []
    config = RULES.prep.b_races
    assert config is not None
    sessions = {s.date: s for w in plan.weeks for s in w.sessions}
    by_date: dict[dt.date, list[Any]] = {}
    for w in plan.weeks:
        for s in w.sessions:
            by_date.setdefault(s.date, []).append(s)
    for b in profile.b_races:
        race = sessions[b.date]
        assert race.type == "race" and race.sport == "ride" and race.duration_min > 0
        week = next(w for w in plan.weeks if any(s.date == b.date for s in w.sessions))
        # the race takes the week's long ride and its load counts in the week
        assert not any(s.type == "long" for s in week.sessions)
        assert week.load >= race.load > 0
        assert any("B race" in n and str(b.date) in n for n in week.notes)
        for day, cap in ((b.date - dt.timedelta(days=1), config.eve_max_min), (b.date + dt.timedelta(days=1), config.after_max_min)):
            around = by_date.get(day, [])
            assert sum(s.duration_min for s in around) <= cap
            assert all(s.intensity == "easy" for s in around)
    named = next(w for w in plan.weeks if any(s.date.isoformat() == _saturday(13) for s in w.sessions))
    assert any("Dean 300" in n for n in named.notes)


def test_a_b_race_lowers_the_weeks_training() -> None:
    plain = build_plan(rider([]), RULES)
    raced = build_plan(rider([{"date": _saturday(10), "event": "brevet_200"}]), RULES)
    week = 10 - 1
    def trained(index: int, plan: Any) -> int:
        return sum(s.duration_min for s in plan.weeks[index].sessions if s.type not in ("race", "commitment"))

    assert trained(week, raced) < trained(week, plain)
    # everything before it is untouched
    assert [w.model_dump() for w in raced.weeks[: week - 1]] == [w.model_dump() for w in plain.weeks[: week - 1]]


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        ({"date": "2027-08-07", "event": "brevet_200"}, "before the goal race"),
        ({"date": "2026-12-26", "event": "brevet_200"}, "before the plan starts"),
        ({"date": (START + dt.timedelta(days=7 * 19 + 2)).isoformat(), "event": "brevet_200"}, "at least 7 days"),
        ({"date": _saturday(5), "event": "marathon"}, "not a ride race"),
        ({"date": _saturday(5), "event": "general_fitness"}, "not a race"),
    ],
)
def test_bad_b_races_are_refused_with_the_field(entry: dict[str, Any], words: str) -> None:
    profile = rider([entry])
    with pytest.raises(ProfileError) as raised:
        check_profile(profile, RULES)
    assert words in str(raised.value)
    assert raised.value.field == "b_races[0]"


def test_unknown_event_is_refused_by_the_document() -> None:
    with pytest.raises(ValueError, match="b_races"):
        rider([{"date": _saturday(5), "event": "brevet_1200"}])
