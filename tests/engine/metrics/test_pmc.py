"""CTL/ATL/TSB against Elevate's fitness-trend test, ramp rate and ACWR."""

from __future__ import annotations

import csv
import datetime as dt
import math
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coach.engine.metrics.pmc import acute_chronic_ratio, daily_totals, pmc_series, ramp_rate


def floor2(value: float) -> float:
    return math.floor(value * 100) / 100


def test_reproduces_elevate_golden_series_every_row(reference_dir: Path) -> None:
    lines = (reference_dir / "pmc_golden_elevate.csv").read_text().splitlines()
    rows = list(csv.DictReader(line for line in lines if not line.startswith('"#')))
    stress = {dt.date.fromisoformat(row["date"]): float(row["stress"]) for row in rows}
    series = pmc_series(stress)
    assert len(series) == len(rows)
    for day, row in zip(series, rows, strict=True):
        assert day.date.isoformat() == row["date"]
        assert round(day.ctl, 2) == pytest.approx(float(row["ctl"]), abs=0.006), row["date"]
        assert round(day.atl, 2) == pytest.approx(float(row["atl"]), abs=0.006), row["date"]
        assert round(day.tsb, 2) == pytest.approx(float(row["tsb_yesterday_convention"]), abs=0.006), row[
            "date"
        ]
    # the four days Elevate itself asserts, floored to 2 decimals
    by_date = {d.date.isoformat(): d for d in series}
    for date in ("2018-01-15", "2018-02-03", "2018-02-08", "2018-02-12"):
        row = next(r for r in rows if r["date"] == date)
        assert floor2(by_date[date].ctl) == floor2(float(row["ctl"]))
        assert floor2(by_date[date].atl) == floor2(float(row["atl"]))


def test_gaps_are_rest_days_and_bounds() -> None:
    start = dt.date(2024, 1, 1)
    series = pmc_series({start: 100.0}, end=start + dt.timedelta(days=9))
    assert len(series) == 10
    assert [d.stress for d in series] == [100.0] + [0.0] * 9
    assert series[0].tsb == 0.0
    assert series[1].tsb == pytest.approx(series[0].ctl - series[0].atl)
    assert pmc_series({}) == []
    with pytest.raises(ValueError, match="before"):
        pmc_series({start: 1.0}, end=start - dt.timedelta(days=1))


def test_ramp_rate_and_acwr() -> None:
    start = dt.date(2024, 1, 1)
    stress = {start + dt.timedelta(days=i): 50.0 for i in range(60)}
    series = pmc_series(stress)
    rate = ramp_rate(series)
    assert rate is not None and rate > 0
    assert ramp_rate(series[:3]) is None
    last = start + dt.timedelta(days=59)
    assert acute_chronic_ratio(stress, last) == pytest.approx(1.0)
    stress_spike = dict(stress) | {last - dt.timedelta(days=i): 100.0 for i in range(7)}
    ratio = acute_chronic_ratio(stress_spike, last)
    assert ratio == pytest.approx(100.0 / ((7 * 100 + 21 * 50) / 28))
    assert acute_chronic_ratio({}, last) is None


def test_daily_totals_adds_same_day_sessions() -> None:
    day = dt.date(2024, 5, 1)
    assert daily_totals([(day, 40.0), (day, 60.0), (day + dt.timedelta(days=1), 5.0)]) == {
        day: 100.0,
        day + dt.timedelta(days=1): 5.0,
    }


def test_ten_year_series_is_fast() -> None:
    start = dt.date(2015, 1, 1)
    stress = {start + dt.timedelta(days=i): float(i % 150) for i in range(3653)}
    began = time.perf_counter()
    series = pmc_series(stress)
    assert len(series) == 3653
    assert time.perf_counter() - began < 0.5


@given(st.lists(st.floats(min_value=0, max_value=500), min_size=1, max_size=120))
def test_ctl_atl_stay_within_stress_range(loads: list[float]) -> None:
    start = dt.date(2020, 1, 1)
    series = pmc_series({start + dt.timedelta(days=i): v for i, v in enumerate(loads)})
    top = max(loads)
    for day in series:
        assert 0.0 <= day.ctl <= top + 1e-9
        assert 0.0 <= day.atl <= top + 1e-9
