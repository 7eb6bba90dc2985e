"""Shared fixtures for the plan engine tests: the rules and a few profiles."""

from __future__ import annotations

import json
from typing import Any

import pytest

from coach.engine import Rules, build_plan, load_rules
from coach.engine.models import Plan, Profile

HALF_MARATHON: dict[str, Any] = {
    "sport": "run",
    "goal": {"event": "half_marathon", "date": "2025-06-01", "target_time": "1:55:00"},
    "start_date": "2025-02-03",
    "availability": {
        "days": ["tue", "thu", "sat", "sun"],
        "long_day": "sun",
        "max_minutes": {"tue": 60, "thu": 60},
    },
    "history": {"weekly_km": [20, 22, 25, 24], "recent_race": {"distance_km": 10, "time": "52:00"}},
    "blocked": [{"from": "2025-04-14", "to": "2025-04-18", "reason": "holiday"}],
    "commitments": [{"day": "wed", "sport": "strength", "minutes": 45, "name": "Gym class"}],
}

TEN_K: dict[str, Any] = {
    "sport": "run",
    "goal": {"event": "10k", "date": "2025-05-04"},
    "start_date": "2025-03-05",
    "availability": {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "long_day": "sun"},
    "history": {"weekly_km": [12, 14, 15, 15], "recent_race": {"distance_km": 5, "time": "25:00"}},
}

BREVET: dict[str, Any] = {
    "sport": "ride",
    "goal": {"event": "brevet_200", "date": "2025-06-14"},
    "start_date": "2025-03-03",
    "availability": {
        "days": ["tue", "thu", "sat", "sun"],
        "long_day": "sat",
        "max_minutes": {"tue": 90, "thu": 120},
    },
    "history": {"weekly_hours": [4, 4.5, 5, 5], "ftp_w": 240, "max_hr": 185},
}

TRIATHLON: dict[str, Any] = {
    "sport": "tri",
    "goal": {"event": "70.3", "date": "2025-07-06"},
    "start_date": "2025-03-03",
    "availability": {"days": ["mon", "tue", "wed", "thu", "sat", "sun"], "long_day": "sat"},
    "history": {
        "weekly_hours": [6, 6.5, 7, 7],
        "ftp_w": 220,
        "css_per_100m": "1:50",
        "recent_race": {"distance_km": 10, "time": "48:00"},
    },
    "closures": [{"facility": "pool", "days": ["tue", "thu"]}],
}

STRENGTH: dict[str, Any] = {
    "sport": "strength",
    "goal": {"event": "strength"},
    "start_date": "2025-01-06",
    "availability": {"days": ["mon", "wed", "fri"]},
    "history": {"one_rep_max_kg": {"squat": 120, "bench": 80, "deadlift": 150}},
}


def profile_of(data: dict[str, Any], **changes: Any) -> Profile:
    """A profile from ``data`` with top-level keys replaced by ``changes``."""
    merged = json.loads(json.dumps(data))
    merged.update(changes)
    return Profile.model_validate(merged)


@pytest.fixture(scope="session")
def rules() -> Rules:
    return load_rules()


@pytest.fixture(scope="session")
def half_profile() -> Profile:
    return profile_of(HALF_MARATHON)


@pytest.fixture(scope="session")
def half_plan(half_profile: Profile, rules: Rules) -> Plan:
    return build_plan(half_profile, rules)


@pytest.fixture(scope="session")
def ten_k_profile() -> Profile:
    return profile_of(TEN_K)


@pytest.fixture(scope="session")
def ten_k_plan(ten_k_profile: Profile, rules: Rules) -> Plan:
    return build_plan(ten_k_profile, rules)
