"""VDOT, race equivalents and training paces against Daniels' published tables."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coach.engine.metrics.running import (
    RACE_DISTANCES_M,
    equivalents,
    race_time_s,
    riegel_time_s,
    training_paces,
    vdot_from_race,
)


def clock(text: str) -> float:
    parts = [int(p) for p in text.split(":")]
    seconds = 0
    for part in parts:
        seconds = seconds * 60 + part
    return float(seconds)


@pytest.mark.parametrize(
    ("distance_m", "time", "low", "high"),
    [
        (10_000, "48:30", 41.0, 42.0),
        (5_000, "20:00", 49.7, 49.9),
        (42_195, "3:10:49", 49.5, 50.5),
        (21_097.5, "1:31:35", 49.5, 50.5),
    ],
)
def test_vdot_matches_daniels_table(distance_m: float, time: str, low: float, high: float) -> None:
    assert low <= vdot_from_race(distance_m, clock(time)) <= high


@pytest.mark.parametrize(
    ("vdot", "event", "table_time"),
    [
        # Daniels' Running Formula, VDOT race-equivalence table.
        (30, "5k", "30:40"),
        (30, "marathon", "4:49:17"),
        (50, "5k", "19:57"),
        (50, "10k", "41:21"),
        (50, "half_marathon", "1:31:35"),
        (50, "marathon", "3:10:49"),
        (60, "5k", "17:03"),
        (60, "10k", "35:22"),
        (60, "marathon", "2:43:25"),
    ],
)
def test_equivalents_match_daniels_table(vdot: float, event: str, table_time: str) -> None:
    assert equivalents(vdot)[event] == pytest.approx(clock(table_time), rel=0.005)


@pytest.mark.parametrize(
    ("vdot", "zone", "table_pace"),
    [
        # Daniels' Running Formula training-pace table, per km.
        (50, "M", "4:31"),
        (50, "T", "4:15"),
        (50, "I", "3:55"),
        (60, "M", "3:52"),
        (60, "T", "3:40"),
        (30, "T", "6:24"),
    ],
)
def test_training_paces_contain_daniels_values(vdot: float, zone: str, table_pace: str) -> None:
    fast, slow = training_paces(vdot)[zone]
    assert fast - 1 <= clock(table_pace) <= slow + 1


def test_training_paces_are_ordered() -> None:
    paces = training_paces(45)
    assert list(paces) == ["E", "M", "T", "I", "R"]
    for fast, slow in paces.values():
        assert fast < slow
    assert paces["R"][0] < paces["I"][0] < paces["T"][0] < paces["M"][0] < paces["E"][0]


def test_equivalents_keys() -> None:
    assert set(equivalents(45)) == {"1500m", "mile", "5k", "10k", "half_marathon", "marathon"}


def test_riegel() -> None:
    assert riegel_time_s(1200, 5000, 10000) == pytest.approx(1200 * 2**1.06)
    assert riegel_time_s(1200, 5000, 10000, exponent=1.0) == pytest.approx(2400)


@pytest.mark.parametrize("bad", [0.0, -1.0, math.nan, math.inf])
def test_rejects_nonsense(bad: float) -> None:
    with pytest.raises(ValueError, match="positive"):
        vdot_from_race(bad, 1200)
    with pytest.raises(ValueError, match="positive"):
        race_time_s(bad, 5000)
    with pytest.raises(ValueError, match="positive"):
        training_paces(bad)


@given(st.floats(min_value=20, max_value=85), st.sampled_from(sorted(RACE_DISTANCES_M.values())))
def test_race_time_round_trips(vdot: float, distance_m: float) -> None:
    assert vdot_from_race(distance_m, race_time_s(vdot, distance_m)) == pytest.approx(vdot, abs=1e-3)


@given(st.floats(min_value=20, max_value=84), st.floats(min_value=0.1, max_value=5))
def test_higher_vdot_is_faster(vdot: float, delta: float) -> None:
    assert race_time_s(vdot + delta, 10_000) < race_time_s(vdot, 10_000)
    assert training_paces(vdot + delta)["T"][0] < training_paces(vdot)["T"][0]
