"""Mean-maximal pace: exact on hand-made streams, and its invariants under hypothesis."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coach.engine.metrics.pace import fastest_time_s, pace_curve


def test_constant_pace_is_that_pace_at_every_distance() -> None:
    time = [float(t) for t in range(3601)]
    distance = [t * 3.0 for t in time]  # 3 m/s = 5:33.3 per km for an hour
    curve = pace_curve(time, distance)
    assert set(curve) == {400.0, 1000.0, 1609.344, 5000.0, 10000.0}
    for target, pace in curve.items():
        one_sample_s_per_km = 1.0 / (target / 1000)  # 1 Hz samples: a stretch ends on a whole second
        assert pace == pytest.approx(1000 / 3, abs=one_sample_s_per_km)


def test_a_fast_kilometre_inside_a_slow_run_is_found() -> None:
    speeds = [2.5] * 600 + [4.0] * 250 + [2.5] * 600  # 250 s at 4 m/s = a 1000 m effort in 250 s
    distance = [0.0, *itertools.accumulate(speeds)]
    time = [float(t) for t in range(len(distance))]
    assert fastest_time_s(time, distance, 1000.0) == pytest.approx(250.0)
    assert fastest_time_s(time, distance, 50_000.0) is None  # longer than the run


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.floats(min_value=0.5, max_value=7.0), min_size=30, max_size=900))
def test_longer_distances_are_never_faster(speeds: list[float]) -> None:
    distance = [0.0, *itertools.accumulate(speeds)]
    time = [float(t) for t in range(len(distance))]
    targets = [100.0, 200.0, 400.0, 800.0, 1600.0]
    times = [fastest_time_s(time, distance, d) for d in targets]
    known = [t for t in times if t is not None]
    assert known == sorted(known)  # covering more ground never takes less time
    curve = pace_curve(time, distance, targets)
    assert all(1000 / 7.0 - 1e-6 <= pace <= 1000 / 0.5 + 1e-6 for pace in curve.values())  # within the speeds' bounds
