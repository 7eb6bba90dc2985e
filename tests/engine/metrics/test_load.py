"""Load methods and the one-number-for-every-sport choice."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coach.engine.metrics.load import (
    LoadInputs,
    activity_load,
    banister_trimp,
    banister_trimp_stream,
    duration_estimate_tss,
    grade_adjusted_speed_m_per_s,
    grades_from_altitude,
    hr_tss,
    minetti_cost,
    normalized_graded_speed_m_per_s,
    running_tss,
    session_rpe_load_au,
    session_rpe_tss,
    swim_tss,
    threshold_hr_bpm,
)


def test_banister_trimp_formula() -> None:
    reserve = (150 - 60) / (190 - 60)
    assert banister_trimp(60, 150, 60, 190) == pytest.approx(60 * reserve * 0.64 * math.exp(1.92 * reserve))
    assert banister_trimp(60, 150, 60, 190, "female") == pytest.approx(
        60 * reserve * 0.86 * math.exp(1.67 * reserve)
    )
    assert banister_trimp_stream([150.0] * 3600, 60, 190) == pytest.approx(banister_trimp(60, 150, 60, 190))
    with pytest.raises(ValueError):
        banister_trimp(60, 150, 190, 60)


def test_hr_tss_is_100_for_an_hour_at_threshold() -> None:
    lthr = threshold_hr_bpm(190, 60)
    assert lthr == pytest.approx(60 + 0.85 * 130)
    assert hr_tss(banister_trimp(60, lthr, 60, 190), lthr, 60, 190) == pytest.approx(100.0)


def test_pace_swim_rpe_scales() -> None:
    assert running_tss(3600, 4.0, 4.0) == pytest.approx(100.0)
    assert running_tss(3600, 3.0, 4.0) == pytest.approx(56.25)
    assert swim_tss(3600, 3600, 100.0) == pytest.approx(100.0)  # 1 m/s at a 1:40/100 m threshold
    assert swim_tss(3600, 1800, 100.0) == pytest.approx(12.5)  # half the speed: an eighth (cubic)
    assert session_rpe_load_au(7, 60) == 420
    assert session_rpe_tss(7, 60) == pytest.approx(100.0)
    assert duration_estimate_tss(3600) == pytest.approx(42.25)
    with pytest.raises(ValueError):
        session_rpe_load_au(11, 60)


def test_minetti_cost_and_grade_adjustment() -> None:
    assert minetti_cost(0.0) == pytest.approx(3.6)
    assert minetti_cost(0.10) > minetti_cost(0.0) > minetti_cost(-0.10)
    assert grade_adjusted_speed_m_per_s(3.0, 0.10) > 3.0
    assert minetti_cost(0.9) == minetti_cost(0.45)  # clamped to the fitted range
    grades = grades_from_altitude([0.0, 50.0, 100.0, 150.0], [0.0, 5.0, 10.0, 15.0])
    assert grades[-1] == pytest.approx(0.10)


def test_graded_running_costs_more_uphill() -> None:
    flat = normalized_graded_speed_m_per_s([3.0] * 600)
    hill = normalized_graded_speed_m_per_s([3.0] * 600, [0.08] * 600)
    assert flat is not None and hill is not None and hill > flat
    assert normalized_graded_speed_m_per_s([]) is None


def test_activity_load_picks_the_best_method() -> None:
    ride = LoadInputs(
        sport="ride", duration_s=3600, power_w=[250.0] * 3600, ftp_w=250, avg_hr_bpm=150, max_hr_bpm=190
    )
    assert activity_load(ride).method == "power"
    no_ftp = LoadInputs(sport="ride", duration_s=3600, power_w=[250.0] * 3600, avg_hr_bpm=150, max_hr_bpm=190)
    assert activity_load(no_ftp).method == "heart_rate"
    run = LoadInputs(
        sport="run",
        duration_s=3000,
        distance_m=10000,
        threshold_pace_s_per_km=270,
        avg_hr_bpm=150,
        max_hr_bpm=190,
    )
    assert activity_load(run).method == "pace"
    swim = LoadInputs(sport="swim", duration_s=2400, distance_m=2000, swim_threshold_pace_s_per_100m=110)
    assert activity_load(swim).method == "swim_pace"
    gym = LoadInputs(sport="strength", duration_s=3600, rpe=7)
    estimate = activity_load(gym)
    assert estimate.method == "session_rpe"
    assert estimate.value == pytest.approx(100.0)
    bare = activity_load(LoadInputs(sport="other", duration_s=3600))
    assert bare.method == "duration_estimate" and "estimated" in bare.detail
    running_power = LoadInputs(sport="run", duration_s=3600, power_w=[300.0] * 3600, ftp_w=250)
    assert activity_load(running_power).method != "power"  # cycling FTP never scores running power


@given(st.floats(min_value=60, max_value=20000), st.floats(min_value=1, max_value=10))
def test_loads_grow_with_duration(duration_s: float, rpe: float) -> None:
    short = activity_load(LoadInputs(sport="strength", duration_s=duration_s, rpe=rpe)).value
    long = activity_load(LoadInputs(sport="strength", duration_s=duration_s * 2, rpe=rpe)).value
    assert long == pytest.approx(2 * short)
    hr_short = activity_load(
        LoadInputs(sport="run", duration_s=duration_s, avg_hr_bpm=140, max_hr_bpm=190)
    ).value
    hr_long = activity_load(
        LoadInputs(sport="run", duration_s=duration_s * 2, avg_hr_bpm=140, max_hr_bpm=190)
    ).value
    assert hr_long > hr_short >= 0
