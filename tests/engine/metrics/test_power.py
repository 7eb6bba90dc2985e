"""Power metrics against GoldenCheetah's published numbers and basic invariants."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coach.engine.metrics.power import (
    aerobic_decoupling_pct,
    durability,
    efficiency_factor,
    fatigue_resistance_ratio,
    fatigue_resistance_ratio_from_stream,
    ftp_from_mmp_w,
    intensity_factor,
    mean_max_power_w,
    normalized_power_w,
    power_duration_curve,
    power_zone_bounds_w,
    time_in_zones_s,
    training_stress_score,
    variability_index,
)

SYNTHETIC_FTP_W = 250.0


def synthetic_stream() -> list[float]:
    """600 s @150 W, 10×(60 s @350 W + 60 s @120 W), 300 s @150 W (np_convention_comparison.csv)."""
    return [150.0] * 600 + ([350.0] * 60 + [120.0] * 60) * 10 + [150.0] * 300


def read_reference(path: Path) -> list[dict[str, str]]:
    lines = path.read_text().splitlines()
    return list(csv.DictReader(line for line in lines if not line.startswith('"#')))


def test_np_matches_goldencheetah_isopower(reference_dir: Path) -> None:
    rows = {row["convention"]: row for row in read_reference(reference_dir / "np_convention_comparison.csv")}
    gc = rows["gc_ring_zero_init"]
    stream = synthetic_stream()
    np_w = normalized_power_w(stream)
    assert np_w is not None
    assert np_w == pytest.approx(float(gc["NP_W"]), abs=1e-3)
    assert intensity_factor(np_w, SYNTHETIC_FTP_W) == pytest.approx(float(gc["IF"]), abs=1e-5)
    assert training_stress_score(len(stream), np_w, SYNTHETIC_FTP_W) == pytest.approx(
        float(gc["TSS"]), abs=1e-3
    )
    assert sum(stream) / len(stream) == pytest.approx(float(rows["avg_power"]["NP_W"]), abs=1e-3)


def test_tss_matches_goldencheetah_opendata_rides(reference_dir: Path) -> None:
    rows = read_reference(reference_dir / "gc_opendata_np_if_tss_sample.csv")
    assert len(rows) == 520
    for row in rows:
        np_w, seconds, ftp_w = float(row["gc_np"]), float(row["np_seconds"]), float(row["implied_ftp"])
        assert intensity_factor(np_w, ftp_w) == pytest.approx(float(row["gc_if"]), abs=1e-4), row["date"]
        assert training_stress_score(seconds, np_w, ftp_w) == pytest.approx(float(row["gc_tss"]), abs=0.01), (
            row["date"]
        )


def test_np_of_steady_power_is_that_power_after_warmup_window() -> None:
    np_w = normalized_power_w([200.0] * 3600)
    assert np_w is not None
    # the zero-initialised ring pulls the first 30 s down: 1 % of the hour
    assert 199.0 < np_w < 200.0


def test_empty_and_short_inputs() -> None:
    assert normalized_power_w([]) is None
    assert mean_max_power_w([100.0] * 10, 60) is None
    assert power_duration_curve([]) == {}
    assert fatigue_resistance_ratio(None, 200.0) is None
    assert fatigue_resistance_ratio_from_stream([200.0] * 600) is None
    assert variability_index(200.0, 0.0) is None
    assert efficiency_factor(200.0, 0.0) is None
    assert aerobic_decoupling_pct([1.0], [100.0]) is None
    assert ftp_from_mmp_w(None) is None


def test_mean_max_and_fir() -> None:
    stream = [100.0] * 600 + [300.0] * 300 + [200.0] * 900
    assert mean_max_power_w(stream, 300) == pytest.approx(300.0)
    mmp_1200 = mean_max_power_w(stream, 1200)
    assert mmp_1200 == pytest.approx((300 * 300 + 900 * 200) / 1200)
    assert fatigue_resistance_ratio_from_stream(stream) == pytest.approx(300.0 / (270_000 / 1200))
    curve = power_duration_curve(stream, (1, 300, 1200, 3600))
    assert set(curve) == {1, 300, 1200}
    assert ftp_from_mmp_w(250.0) == pytest.approx(237.5)


def test_variability_and_intensity() -> None:
    stream = synthetic_stream()
    np_w = normalized_power_w(stream)
    assert np_w is not None
    vi = variability_index(np_w, sum(stream) / len(stream))
    assert vi == pytest.approx(246.483 / 198.571, abs=1e-4)
    with pytest.raises(ValueError, match="ftp_w"):
        intensity_factor(200.0, 0.0)


def test_durability_detects_fade() -> None:
    # 1 h at 250 W = 900 kJ, then 300 W for 5 min fresh vs 270 W for 5 min after
    stream = [300.0] * 300 + [250.0] * 3600 + [270.0] * 300
    result = durability(stream, after_kj=500)
    assert result is not None
    assert result.fresh_w == pytest.approx(300.0)
    assert result.fatigued_w == pytest.approx(270.0)
    assert result.index == pytest.approx(0.9)
    assert result.drop_pct == pytest.approx(10.0)
    assert durability([100.0] * 60, after_kj=500) is None


def test_time_in_zones() -> None:
    bounds = power_zone_bounds_w(200.0)
    assert bounds == pytest.approx((110.0, 150.0, 180.0, 210.0, 240.0, 300.0))
    seconds = time_in_zones_s([100.0, 150.0, 151.0, None, 400.0], bounds)
    assert seconds == [1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 1.0]


def test_decoupling() -> None:
    power = [200.0] * 100
    hr_steady = [140.0] * 100
    hr_drift = [140.0] * 50 + [147.0] * 50
    assert aerobic_decoupling_pct(power, hr_steady) == pytest.approx(0.0)
    drift = aerobic_decoupling_pct(power, hr_drift)
    assert drift == pytest.approx((1 - 140 / 147) * 100)
    with pytest.raises(ValueError, match="same length"):
        aerobic_decoupling_pct(power, hr_drift[:10])
    assert efficiency_factor(210.0, 140.0) == pytest.approx(1.5)


@given(st.lists(st.floats(min_value=0, max_value=2000), min_size=1, max_size=400))
def test_np_bounded_by_max_power(stream: list[float]) -> None:
    np_w = normalized_power_w(stream)
    assert np_w is not None
    assert 0.0 <= np_w <= max(stream) + 1e-6


@given(st.lists(st.floats(min_value=0, max_value=2000), min_size=2, max_size=300))
def test_mmp_of_a_multiple_never_exceeds_mmp_of_the_part(stream: list[float]) -> None:
    # MMP is not monotone in general ([1, 0, 1]: 2 s → 0.5, 3 s → 0.67), but a window of k·d
    # seconds splits into k windows of d seconds, so MMP(k·d) ≤ MMP(d).
    curve = power_duration_curve(stream, tuple(range(1, len(stream) + 1)))
    for duration, value in curve.items():
        for multiple in range(2 * duration, len(stream) + 1, duration):
            assert curve[multiple] <= value + 1e-6
    assert curve[1] == pytest.approx(max(stream))


@given(
    st.floats(min_value=0, max_value=10 * 3600),
    st.floats(min_value=50, max_value=500),
    st.floats(min_value=100, max_value=450),
)
def test_tss_scales_with_duration_and_square_of_if(duration_s: float, np_w: float, ftp_w: float) -> None:
    tss = training_stress_score(duration_s, np_w, ftp_w)
    assert tss == pytest.approx(training_stress_score(duration_s * 2, np_w, ftp_w) / 2)
    assert tss == pytest.approx(duration_s / 3600 * (np_w / ftp_w) ** 2 * 100)
