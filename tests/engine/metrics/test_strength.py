"""The strength rules of seed 004, one test per rule."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coach.engine.metrics.strength import (
    CapabilityBand,
    LiftState,
    StrengthSet,
    TransitionEvent,
    Trend,
    assess_lift,
    capability_band,
    classify_stimulus,
    e1rm_from_rpe_kg,
    earned_confidence,
    epley_e1rm_kg,
    estimate_e1rm,
    ewma,
    load_for_kg,
    load_rpe_chart,
    next_confidence,
    pct_1rm,
    plateau_verdict,
    round_down_kg,
    top_sets,
    weekly_volume_load_kg,
)

DAY0 = dt.date(2024, 1, 1)


def day(n: int) -> dt.date:
    return DAY0 + dt.timedelta(days=n)


def sessions(
    e1rms: list[float], *, start: int = 0, every_days: int = 3, exercise: str = "squat"
) -> list[StrengthSet]:
    """One top set of 5 reps per session whose Epley e1RM is the given value."""
    return [
        StrengthSet(exercise, day(start + i * every_days), weight_kg=value / (1 + 5 / 30), reps=5, rpe=8)
        for i, value in enumerate(e1rms)
    ]


def test_epley() -> None:
    assert epley_e1rm_kg(100, 5) == pytest.approx(100 * (1 + 5 / 30))
    assert epley_e1rm_kg(140, 1) == 140
    with pytest.raises(ValueError):
        epley_e1rm_kg(100, 0)


def test_top_sets_only_count_3_to_10_reps_and_skip_warmups() -> None:
    sets = [
        StrengthSet("squat", DAY0, 60, 12),  # burnout: never inflates the estimate
        StrengthSet("squat", DAY0, 150, 1),  # single: outside the 3–10 window
        StrengthSet("squat", DAY0, 120, 3, warmup=True),
        StrengthSet("squat", DAY0, 100, 5),
        StrengthSet("squat", DAY0, 105, 3),
        StrengthSet("bench", DAY0, 200, 5),
    ]
    tops = top_sets(sets, "squat")
    assert len(tops) == 1
    assert tops[0].weight_kg == 100  # 116.7 beats 105×3 = 115.5
    assert estimate_e1rm([StrengthSet("squat", DAY0, 60, 15)], "squat") is None


def test_ewma_over_last_five_top_sets() -> None:
    values = [100.0, 102.0, 104.0, 106.0, 108.0, 110.0]
    estimate = estimate_e1rm(sessions(values))
    assert estimate is not None
    assert estimate.mode == "ewma"
    assert estimate.sample_count == 5
    expected = 102.0
    for v in values[2:]:
        expected = v / 3 + expected * 2 / 3
    assert estimate.value_kg == pytest.approx(expected)
    assert ewma([1.0]) == 1.0


def test_layoff_of_28_days_trims_pre_gap_sets() -> None:
    before = sessions([120.0] * 5)
    gap_start = 4 * 3 + 28
    after = sessions([100.0], start=gap_start)
    estimate = estimate_e1rm(before + after)
    assert estimate is not None
    assert estimate.mode == "transition"
    assert estimate.value_kg == pytest.approx(100.0)  # the naive mean would drag it up to 116.7
    three = sessions([100.0, 103.0, 106.0], start=gap_start)
    estimate = estimate_e1rm(before + three)
    assert estimate is not None and estimate.mode == "transition"
    assert estimate.value_kg == pytest.approx(103.0)
    assert estimate.sd_kg == pytest.approx(3.0)  # Bessel-corrected
    five = sessions([100.0, 101.0, 102.0, 103.0, 104.0], start=gap_start)
    estimate = estimate_e1rm(before + five)
    assert estimate is not None and estimate.mode == "ewma"  # old sets have aged out


def test_gap_of_27_days_is_not_a_layoff() -> None:
    estimate = estimate_e1rm(sessions([120.0] * 5) + sessions([100.0], start=4 * 3 + 27))
    assert estimate is not None
    assert estimate.mode == "ewma"


def test_deload_end_uses_three_session_mean_without_trimming() -> None:
    sets = sessions([110.0, 112.0, 114.0, 116.0, 118.0, 120.0])
    event = TransitionEvent(day(13), "deload_end")
    estimate = estimate_e1rm(sets, events=[event])
    assert estimate is not None
    assert estimate.mode == "transition"
    assert estimate.value_kg == pytest.approx((116.0 + 118.0 + 120.0) / 3)
    assert "deload end" in estimate.reason


def test_band_margins_follow_trend() -> None:
    cases: tuple[tuple[Trend, float], ...] = (
        ("progressing", 0.075),
        ("plateaued", 0.04),
        ("declining", 0.025),
    )
    for trend, margin in cases:
        band = capability_band([101.0, 102.0, 103.0], trend)
        assert band is not None
        assert band.floor_kg == 100.0  # round-down median (102 → 100)
        assert band.stretch_kg == pytest.approx(100.0 * (1 + margin))


def test_floor_ratchets_up_only_after_a_full_band_width() -> None:
    first = capability_band([100.0], "progressing")
    assert first is not None and first.floor_kg == 100.0 and first.stretch_kg == pytest.approx(107.5)
    # inside the band: floor kept
    kept = capability_band([110.0], "progressing", first)
    assert kept is not None and kept.floor_kg == 100.0 and not kept.ratcheted
    # reached stretch + width (115): re-derive floor = round-down(current)
    raised = capability_band([116.0], "progressing", first)
    assert raised is not None and raised.floor_kg == 115.0 and raised.ratcheted
    # idempotent: reading back the same numbers does not fire again
    again = capability_band([116.0], "progressing", raised)
    assert again is not None and again.floor_kg == 115.0 and not again.ratcheted
    # a bad patch never lowers it
    lower = capability_band([90.0], "declining", raised)
    assert lower is not None and lower.floor_kg == 115.0


def test_plateau_verdicts() -> None:
    on = day(27)
    # one session in each of the four trailing weeks
    flat = sessions([100.0, 101.0, 100.5, 100.0], start=6, every_days=7)
    verdict = plateau_verdict(flat, on)
    assert verdict.status == "plateaued"
    assert verdict.e1rm_spread_pct is not None and verdict.e1rm_spread_pct <= 0.025
    assert verdict.volume_track == "plateaued"
    rising = sessions([100.0, 104.0, 108.0, 112.0], start=6, every_days=7)
    assert plateau_verdict(rising, on).status == "progressing"
    falling = sessions([112.0, 108.0, 104.0, 100.0], start=6, every_days=7)
    assert plateau_verdict(falling, on).status == "declining"


def test_declining_volume_wins_over_flat_e1rm() -> None:
    on = day(27)
    flat_top = sessions([100.0] * 7, every_days=4)
    backoff = [
        StrengthSet("squat", s.date, 70, 8) for i, s in enumerate(flat_top) for _ in range(max(0, 6 - i))
    ]
    verdict = plateau_verdict(flat_top + backoff, on)
    assert verdict.e1rm_track == "plateaued"
    assert verdict.volume_track == "declining"
    assert verdict.status == "declining"


def test_plateau_needs_data_and_skips_easy_sets() -> None:
    assert plateau_verdict([], day(10)).status == "not_enough_data"
    easy = [StrengthSet("squat", day(i * 3), 80, 5, rpe=5) for i in range(6)]
    assert plateau_verdict(easy, day(20)).e1rm_track == "not_enough_data"


def test_weekly_volume_load() -> None:
    sets = [StrengthSet("squat", day(27), 100, 5), StrengthSet("squat", day(0), 50, 10, warmup=True)]
    assert weekly_volume_load_kg(sets, day(27)) == [0.0, 0.0, 0.0, 500.0]


def test_rpe_chart_matches_reference_csv(reference_dir: Path) -> None:
    lines = (reference_dir / "rpe_pct1rm_rts_common.csv").read_text().splitlines()
    rows = list(csv.reader(line for line in lines if not line.startswith('"#')))
    chart = load_rpe_chart()
    assert "Tuchscherer" in chart.source
    for row in rows[1:]:
        rpe = float(row[0])
        for reps, cell in enumerate(row[1:], start=1):
            if cell:
                assert pct_1rm(reps, rpe) == float(cell)
            else:
                with pytest.raises(ValueError, match="no value"):
                    pct_1rm(reps, rpe)


def test_rpe_conversions() -> None:
    assert pct_1rm(5, 8) == 81.1
    assert e1rm_from_rpe_kg(100, 5, 8) == pytest.approx(100 / 0.811)
    assert load_for_kg(150, 5, 8) == 120.0  # 121.65 rounded down to the plates
    assert load_for_kg(150, 5, 8, increment_kg=None) == pytest.approx(121.65)
    with pytest.raises(ValueError, match="outside the chart"):
        pct_1rm(15, 8)
    with pytest.raises(ValueError, match="outside the chart"):
        pct_1rm(5, 4)


def test_confidence_ladder_is_forward_only_one_rung_at_a_time() -> None:
    assert earned_confidence(0, None) == "none"
    assert earned_confidence(8, 0.02) == "established"
    assert earned_confidence(8, 0.2) == "moderate"
    assert next_confidence("none", 20, 0.01) == "low"  # one rung per session
    assert next_confidence("established", 1, 0.5) == "established"  # never regresses


def test_assess_lift_not_enough_data_then_grows() -> None:
    status = assess_lift("squat", [], DAY0)
    assert status.status == "not_enough_data"
    assert status.estimate is None
    assert "Not enough data yet" in status.message
    state: LiftState | None = None
    levels = []
    all_sets = sessions([100.0 + i for i in range(12)])
    for i in range(1, len(all_sets) + 1):
        status = assess_lift("squat", all_sets[:i], all_sets[i - 1].date, previous=state)
        state = status.state
        levels.append(status.confidence)
    assert levels[0] == "low"
    assert levels[-1] == "established"
    order = ["none", "low", "moderate", "established"]
    assert all(order.index(a) <= order.index(b) for a, b in itertools.pairwise(levels))


def test_stimulus_classification() -> None:
    assert classify_stimulus(3, 7) == "neuromuscular"
    assert classify_stimulus(12, 7) == "metabolic"
    assert classify_stimulus(12, 9) == "both"


def test_round_down() -> None:
    assert round_down_kg(102.4) == 100.0
    assert round_down_kg(102.5) == 102.5


@given(st.floats(min_value=1, max_value=400), st.integers(min_value=2, max_value=10))
def test_e1rm_monotone_in_weight_and_reps(weight: float, reps: int) -> None:
    assert epley_e1rm_kg(weight + 1, reps) > epley_e1rm_kg(weight, reps)
    assert epley_e1rm_kg(weight, reps + 1) > epley_e1rm_kg(weight, reps)
    assert epley_e1rm_kg(weight, reps) >= weight


@given(st.lists(st.floats(min_value=40, max_value=300), min_size=1, max_size=25))
def test_floor_never_goes_down(e1rms: list[float]) -> None:
    band: CapabilityBand | None = None
    floors = []
    for i in range(1, len(e1rms) + 1):
        band = capability_band(e1rms[:i], "plateaued", band)
        assert band is not None
        floors.append(band.floor_kg)
    assert floors == sorted(floors)
