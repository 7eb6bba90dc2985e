"""Readiness: recovery curves of seed 004, baselines, and the colour rules."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from coach.engine.metrics.readiness import (
    PhysiologyBaseline,
    ReadinessCheckIn,
    RecentSession,
    assess_readiness,
    load_readiness_rules,
    recovery_fraction,
)

NOW = dt.datetime(2024, 6, 3, 7, 0, tzinfo=dt.UTC)
GOOD = ReadinessCheckIn(sleep_hours=8, sleep_quality=5, energy=5, soreness=1, stress=1)
POOR = ReadinessCheckIn(sleep_hours=6.5, sleep_quality=2, energy=2, soreness=4, stress=4)
STEADY_HRV = PhysiologyBaseline(
    hrv_ms=[60, 62, 58, 61, 59, 60, 63], resting_hr_bpm=[50, 51, 49, 50, 50, 51, 49]
)


def hours_ago(hours: float) -> dt.datetime:
    return NOW - dt.timedelta(hours=hours)


def test_recovery_curve_matches_seed() -> None:
    assert recovery_fraction(0, 30) == pytest.approx(0.3)
    assert recovery_fraction(30, 30) == pytest.approx(0.3 + 0.7 * (1 - 2.718281828**-1), abs=1e-6)
    assert recovery_fraction(1000, 12) == pytest.approx(1.0)
    assert recovery_fraction(-5, 12) == pytest.approx(0.3)
    with pytest.raises(ValueError):
        recovery_fraction(1, 0)


def test_rules_file_loads_with_seed_constants() -> None:
    rules = load_readiness_rules()
    assert rules.recovery.tau_hours == {"neuromuscular": 30, "metabolic": 12}
    assert rules.recovery.residual_floor == 0.3


def test_fresh_and_feeling_good_is_green() -> None:
    result = assess_readiness(GOOD, NOW, baseline=STEADY_HRV)
    assert result.colour == "green"
    assert result.score >= 90
    assert any("Green" in r for r in result.reasons)


def test_heavy_squats_last_night_weigh_on_neuromuscular_only() -> None:
    squat = RecentSession(hours_ago(10), "neuromuscular", rpe=9, label="heavy squats")
    result = assess_readiness(GOOD, NOW, [squat])
    text = " ".join(result.reasons)
    assert "Muscles and nervous system" in text and "heavy squats" in text and "10 h ago" in text
    assert "Energy systems are" not in text
    assert result.recovery < 0.8


def test_metabolic_recovers_faster_than_neuromuscular() -> None:
    neuro = assess_readiness(GOOD, NOW, [RecentSession(hours_ago(24), "neuromuscular", rpe=10.0)])
    meta = assess_readiness(GOOD, NOW, [RecentSession(hours_ago(24), "metabolic", rpe=10.0)])
    assert meta.recovery > neuro.recovery


def test_feeling_worse_downgrades_a_green_day() -> None:
    objective_green = assess_readiness(GOOD, NOW, baseline=STEADY_HRV)
    assert objective_green.colour == "green"
    worse = assess_readiness(POOR, NOW, baseline=STEADY_HRV)
    assert worse.colour in ("amber", "red")
    assert any("how you feel brings the day down" in r for r in worse.reasons)


def test_feeling_good_never_upgrades_a_red_day() -> None:
    crashed = ReadinessCheckIn(
        sleep_hours=9, sleep_quality=5, energy=5, soreness=1, stress=1, hrv_ms=35, resting_hr_bpm=62
    )
    result = assess_readiness(crashed, NOW, baseline=STEADY_HRV)
    assert result.colour == "red"
    assert result.score < load_readiness_rules().colour.amber_min
    text = " ".join(result.reasons)
    assert "HRV 35 ms" in text and "below your 7-day baseline of 60 ms" in text
    assert "12 bpm above your baseline of 50 bpm" in text


def test_very_short_sleep_caps_at_amber() -> None:
    short = ReadinessCheckIn(sleep_hours=4.5, sleep_quality=4, energy=5, soreness=1, stress=1)
    result = assess_readiness(short, NOW)
    assert result.colour != "green"
    assert any("4.5 h" in r for r in result.reasons)


def test_missing_baseline_is_said_not_guessed() -> None:
    check_in = ReadinessCheckIn(sleep_hours=8, sleep_quality=4, energy=4, soreness=2, stress=2, hrv_ms=55)
    result = assess_readiness(check_in, NOW, baseline=PhysiologyBaseline(hrv_ms=[50, 52]))
    assert result.physiology is None
    assert any("needed for a baseline" in r for r in result.reasons)


def test_check_in_validation() -> None:
    with pytest.raises(ValidationError):
        ReadinessCheckIn(sleep_hours=8, sleep_quality=6, energy=3, soreness=3, stress=3)


@given(
    st.floats(min_value=0, max_value=12),
    st.integers(1, 5),
    st.integers(1, 5),
    st.integers(1, 5),
    st.integers(1, 5),
    st.floats(min_value=0, max_value=72),
)
def test_score_in_range_and_worse_feeling_never_raises_colour(
    sleep: float, quality: int, energy: int, soreness: int, stress: int, hours: float
) -> None:
    sessions = [RecentSession(hours_ago(hours), "both", load=120)]
    check_in = ReadinessCheckIn(
        sleep_hours=sleep, sleep_quality=quality, energy=energy, soreness=soreness, stress=stress
    )
    result = assess_readiness(check_in, NOW, sessions)
    assert 0 <= result.score <= 100
    best = assess_readiness(GOOD, NOW, sessions)
    order = ["green", "amber", "red"]
    assert order.index(result.colour) >= order.index(best.colour)
    assert result.score <= best.score


def test_the_neck_check_caps_an_ill_day_whatever_else_was_said() -> None:
    """Eichner 1993: above the neck → easy at most (amber); below the neck → rest (red)."""
    rules = load_readiness_rules()
    above = assess_readiness(GOOD.model_copy(update={"ill": True, "ill_below_neck": False}), NOW, baseline=STEADY_HRV)
    below = assess_readiness(GOOD.model_copy(update={"ill": True, "ill_below_neck": True}), NOW, baseline=STEADY_HRV)
    assert (above.colour, below.colour) == ("amber", "red")
    assert above.score <= rules.illness.above_neck_max_score and below.score <= rules.illness.below_neck_max_score
    assert any("above the neck" in r for r in above.reasons) and any("below the neck" in r for r in below.reasons)
    assert assess_readiness(GOOD, NOW, baseline=STEADY_HRV).colour == "green"


def test_mood_counts_as_a_wellness_item() -> None:
    low = assess_readiness(ReadinessCheckIn(mood=1), NOW)
    high = assess_readiness(ReadinessCheckIn(mood=5), NOW)
    assert low.score < high.score and low.colour != "green" and high.colour == "green"
    assert any("mood" in r.lower() for r in low.reasons)
