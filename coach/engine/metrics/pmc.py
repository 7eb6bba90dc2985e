"""Performance Management Chart: CTL (fitness), ATL (fatigue), TSB (form), ramp rate, ACWR.

Sources
-------
* Banister's impulse-response model in the exponentially weighted form popularised by Coggan
  (Allen & Coggan, *Training and Racing with a Power Meter*, 2nd ed. 2010, ch. 9) and used by
  TrainingPeaks, GoldenCheetah and Elevate::

      CTL_t = CTL_{t−1} + (TSS_t − CTL_{t−1}) · (1 − e^(−1/42))
      ATL_t = ATL_{t−1} + (TSS_t − ATL_{t−1}) · (1 − e^(−1/7))
      TSB_t = CTL_{t−1} − ATL_{t−1}          (form on the morning of day t, "yesterday" convention)

  Reproduces ``pmc_golden_elevate.csv`` (Elevate fitness.service.spec.ts) to two decimals.
* Ramp rate: change of CTL over seven days (TrainingPeaks "CTL ramp rate").
* Acute:chronic workload ratio: 7-day over 28-day rolling mean load (Hulin et al. 2016,
  *Br J Sports Med* 50:231–236; Gabbett 2016, *Br J Sports Med* 50:273–280).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

CTL_TIME_CONSTANT_DAYS: Final = 42
ATL_TIME_CONSTANT_DAYS: Final = 7
RAMP_RATE_WINDOW_DAYS: Final = 7
ACWR_ACUTE_DAYS: Final = 7
ACWR_CHRONIC_DAYS: Final = 28
_ONE_DAY: Final = dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class PmcDay:
    """One day of the chart. ``tsb`` is the form on the morning of ``date`` (yesterday's CTL − ATL)."""

    date: dt.date
    stress: float
    ctl: float
    atl: float
    tsb: float


def daily_totals(loads: Iterable[tuple[dt.date, float]]) -> dict[dt.date, float]:
    """Sum per day of ``(date, load)`` pairs (several sessions on one day add up)."""
    totals: dict[dt.date, float] = {}
    for day, load in loads:
        totals[day] = totals.get(day, 0.0) + load
    return totals


def pmc_series(
    daily_stress: Mapping[dt.date, float],
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    initial_ctl: float = 0.0,
    initial_atl: float = 0.0,
    ctl_days: float = CTL_TIME_CONSTANT_DAYS,
    atl_days: float = ATL_TIME_CONSTANT_DAYS,
) -> list[PmcDay]:
    """CTL/ATL/TSB for every day from ``start`` to ``end`` (inclusive); missing days are rest days.

    ``start``/``end`` default to the first and last day in ``daily_stress``; an empty mapping
    with no bounds gives an empty list. Linear in the number of days.
    """
    if start is None:
        if not daily_stress:
            return []
        start = min(daily_stress)
    if end is None:
        end = max(daily_stress) if daily_stress else start
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    if ctl_days <= 0 or atl_days <= 0:
        raise ValueError("time constants must be positive")
    ctl_gain = 1.0 - math.exp(-1.0 / ctl_days)
    atl_gain = 1.0 - math.exp(-1.0 / atl_days)
    ctl, atl = initial_ctl, initial_atl
    series: list[PmcDay] = []
    day = start
    while day <= end:
        stress = daily_stress.get(day, 0.0)
        tsb = ctl - atl
        ctl += (stress - ctl) * ctl_gain
        atl += (stress - atl) * atl_gain
        series.append(PmcDay(date=day, stress=stress, ctl=ctl, atl=atl, tsb=tsb))
        day += _ONE_DAY
    return series


def ramp_rate(series: Sequence[PmcDay], days: int = RAMP_RATE_WINDOW_DAYS) -> float | None:
    """CTL gained over the last ``days`` days (points per week by default); ``None`` if too short."""
    if days <= 0:
        raise ValueError("days must be positive")
    if len(series) <= days:
        return None
    return series[-1].ctl - series[-1 - days].ctl


def acute_chronic_ratio(
    daily_stress: Mapping[dt.date, float],
    on: dt.date,
    *,
    acute_days: int = ACWR_ACUTE_DAYS,
    chronic_days: int = ACWR_CHRONIC_DAYS,
) -> float | None:
    """Rolling-average ACWR on ``on`` (inclusive): mean load of the last 7 days / last 28 days.

    ``None`` when the chronic mean is zero (no history: the ratio means nothing yet).
    """
    if not 0 < acute_days <= chronic_days:
        raise ValueError("need 0 < acute_days <= chronic_days")
    loads = [daily_stress.get(on - dt.timedelta(days=offset), 0.0) for offset in range(chronic_days)]
    chronic = math.fsum(loads) / chronic_days
    if chronic <= 0:
        return None
    acute = math.fsum(loads[:acute_days]) / acute_days
    return acute / chronic
