"""Hypothesis strategies for valid engine profiles (sport and event consistent)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from coach.engine.models import WEEKDAYS, Profile

EVENTS_BY_SPORT: dict[str, list[str]] = {
    "run": ["5k", "10k", "half_marathon", "marathon", "50k", "general_fitness", "strength"],
    "ride": [
        "brevet_200",
        "brevet_300",
        "brevet_400",
        "brevet_600",
        "gran_fondo",
        "mtb_stage",
        "bikepacking",
        "general_fitness",
    ],
    "tri": ["sprint_tri", "olympic_tri", "70.3", "ironman", "general_fitness"],
    "strength": ["strength", "general_fitness"],
}
RACE_EVENTS = {e for events in EVENTS_BY_SPORT.values() for e in events} - {"general_fitness", "strength"}
BASE_DATE = dt.date(2025, 1, 6)


@st.composite
def profiles(draw: st.DrawFn) -> Profile:
    sport = draw(st.sampled_from(sorted(EVENTS_BY_SPORT)))
    event = draw(st.sampled_from(EVENTS_BY_SPORT[sport]))
    start = BASE_DATE + dt.timedelta(days=draw(st.integers(0, 400)))
    weeks = draw(st.integers(1, 52))
    race = event in RACE_EVENTS
    date: dt.date | None = None
    if race or draw(st.booleans()):
        date = start + dt.timedelta(days=min(364, weeks * 7 - draw(st.integers(1, 7))))
        date = max(date, start)
    days = draw(st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=7, unique=True))
    long_day = draw(st.one_of(st.none(), st.sampled_from(days)))
    caps = draw(st.dictionaries(st.sampled_from(days), st.integers(0, 300), max_size=len(days)))
    history: dict[str, Any] = {}
    kind = draw(st.sampled_from(["none", "km", "hours"]))
    if kind == "km":
        history["weekly_km"] = draw(
            st.lists(st.floats(0, 150, allow_nan=False).map(lambda x: round(x, 1)), min_size=1, max_size=12)
        )
    elif kind == "hours":
        history["weekly_hours"] = draw(
            st.lists(st.floats(0, 20, allow_nan=False).map(lambda x: round(x, 1)), min_size=1, max_size=12)
        )
    if draw(st.booleans()):
        history["recent_race"] = {
            "distance_km": draw(st.sampled_from([5.0, 10.0, 21.1])),
            "time": draw(st.sampled_from(["0:22:00", "0:48:30", "1:55:00"])),
        }
    if draw(st.booleans()):
        history["ftp_w"] = draw(st.integers(120, 380))
    if draw(st.booleans()):
        history["css_per_100m"] = draw(st.sampled_from(["1:35", "1:50", "2:10"]))
    if draw(st.booleans()):
        history["max_hr"] = draw(st.integers(160, 200))
    if draw(st.booleans()):
        history["one_rep_max_kg"] = {"squat": 100.0, "bench": 70.0}
    blocked = []
    for _ in range(draw(st.integers(0, 2))):
        a = start + dt.timedelta(days=draw(st.integers(0, weeks * 7)))
        b = a + dt.timedelta(days=draw(st.integers(0, 10)))
        if date is not None and race and a <= date <= b:
            continue
        blocked.append({"from": a.isoformat(), "to": b.isoformat(), "reason": "travel"})
    commitments = [
        {
            "day": draw(st.sampled_from(WEEKDAYS)),
            "sport": draw(st.sampled_from(["other", "strength", "ride"])),
            "minutes": draw(st.integers(20, 90)),
            "intensity": draw(st.sampled_from(["easy", "moderate", "hard"])),
        }
        for _ in range(draw(st.integers(0, 2)))
    ]
    closures = (
        [
            {
                "facility": "pool",
                "days": draw(st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=4, unique=True)),
            }
        ]
        if draw(st.booleans())
        else []
    )
    data: dict[str, Any] = {
        "sport": sport,
        "goal": {"event": event, "date": date.isoformat() if date else None},
        "start_date": start.isoformat(),
        "availability": {"days": days, "long_day": long_day, "max_minutes": caps},
        "history": history,
        "blocked": blocked,
        "commitments": commitments,
        "closures": closures,
        "strength_days": draw(st.integers(0, 3)) if sport != "strength" else 0,
        "units": draw(st.sampled_from(["km", "mi"])),
    }
    return Profile.model_validate(data)
