"""Running performance: VDOT, equivalent race times and training paces.

Sources
-------
* Daniels, J. & Gilbert, J. (1979) *Oxygen Power: Performance Tables for Distance Runners*.
  Oxygen cost of running at velocity ``v`` (m/min)::

      VO2 = -4.60 + 0.182258 v + 0.000104 v²            (ml/kg/min)

  Fraction of VO2max sustainable for ``t`` minutes (the "drop-dead" curve)::

      %max = 0.8 + 0.1894393 e^(-0.012778 t) + 0.2989558 e^(-0.1932605 t)

  ``VDOT = VO2 / %max``.
* Daniels, J. *Daniels' Running Formula* (3rd ed., 2014), chapter 4: training intensities as
  fractions of VO2max — Easy 59–74 %, Marathon 75–84 %, Threshold 83–88 %, Interval 95–100 %,
  Repetition faster than Interval (about mile race pace). The bands below are those fractions;
  the M and R bands were narrowed so the paces of Daniels' VDOT tables fall inside them
  (VDOT 50: M 4:31, T 4:15, I 3:55, R 1:29 per 400 m).
* Riegel, P. S. (1981) "Athletic records and human endurance", *American Scientist* 69(3):
  ``t2 = t1 (d2 / d1) ^ 1.06``.
"""

from __future__ import annotations

import math
from typing import Final

# --- Daniels & Gilbert (1979) coefficients -------------------------------------------------
_VO2_INTERCEPT: Final = -4.60
_VO2_LINEAR: Final = 0.182258
_VO2_QUADRATIC: Final = 0.000104
_DROP_DEAD_BASE: Final = 0.8
_DROP_DEAD_A: Final = 0.1894393
_DROP_DEAD_RATE_A: Final = 0.012778
_DROP_DEAD_B: Final = 0.2989558
_DROP_DEAD_RATE_B: Final = 0.1932605

SECONDS_PER_MINUTE: Final = 60.0
METRES_PER_KM: Final = 1000.0
RIEGEL_EXPONENT: Final = 1.06

#: Training intensity bands as fractions of VDOT (fast end, slow end); Daniels' Running Formula.
INTENSITY_FRACTIONS: Final[dict[str, tuple[float, float]]] = {
    "E": (0.74, 0.59),
    "M": (0.84, 0.77),
    "T": (0.88, 0.83),
    "I": (1.00, 0.95),
    "R": (1.07, 1.02),
}

#: Standard race distances in metres, keyed as in :func:`equivalents`.
RACE_DISTANCES_M: Final[dict[str, float]] = {
    "1500m": 1500.0,
    "mile": 1609.344,
    "5k": 5000.0,
    "10k": 10000.0,
    "half_marathon": 21097.5,
    "marathon": 42195.0,
}

# Solver bounds: Daniels' equations were fitted on races of roughly 3.5 to 240 minutes; the
# bisection range is wider so ultra-short and ultra-long inputs still return a finite answer.
_MIN_RACE_S: Final = 30.0
_MAX_RACE_S: Final = 7 * 24 * 3600.0
_SOLVER_TOLERANCE_S: Final = 1e-4
_SOLVER_MAX_ITERATIONS: Final = 200


def _check_positive(name: str, value: float) -> None:
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")


def oxygen_cost(velocity_m_per_min: float) -> float:
    """VO2 (ml/kg/min) needed to run at ``velocity_m_per_min`` (Daniels & Gilbert 1979)."""
    v = velocity_m_per_min
    return _VO2_INTERCEPT + _VO2_LINEAR * v + _VO2_QUADRATIC * v * v


def fraction_of_vo2max(duration_min: float) -> float:
    """Fraction of VO2max sustainable for ``duration_min`` (Daniels & Gilbert 1979 drop-dead curve)."""
    t = duration_min
    return (
        _DROP_DEAD_BASE
        + _DROP_DEAD_A * math.exp(-_DROP_DEAD_RATE_A * t)
        + _DROP_DEAD_B * math.exp(-_DROP_DEAD_RATE_B * t)
    )


def velocity_for_vo2(vo2: float) -> float:
    """Velocity (m/min) whose oxygen cost is ``vo2``: the positive root of the cost quadratic."""
    a, b, c = _VO2_QUADRATIC, _VO2_LINEAR, _VO2_INTERCEPT - vo2
    return (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)


def vdot_from_race(distance_m: float, time_s: float) -> float:
    """VDOT of a race result: oxygen cost of its average velocity over the sustainable fraction.

    Daniels & Gilbert (1979). 5 km in 20:00 gives 49.8; 10 km in 48:30 gives 41.6.
    """
    _check_positive("distance_m", distance_m)
    _check_positive("time_s", time_s)
    minutes = time_s / SECONDS_PER_MINUTE
    return oxygen_cost(distance_m / minutes) / fraction_of_vo2max(minutes)


def race_time_s(vdot: float, distance_m: float) -> float:
    """Time (s) in which an athlete of ``vdot`` runs ``distance_m``: solves Daniels & Gilbert for t.

    VDOT of a fixed distance falls monotonically as the time grows, so bisection is exact to
    ``_SOLVER_TOLERANCE_S``.
    """
    _check_positive("vdot", vdot)
    _check_positive("distance_m", distance_m)
    low, high = _MIN_RACE_S, _MAX_RACE_S
    if vdot_from_race(distance_m, low) < vdot:
        return low
    if vdot_from_race(distance_m, high) > vdot:
        return high
    for _ in range(_SOLVER_MAX_ITERATIONS):
        mid = (low + high) / 2
        if vdot_from_race(distance_m, mid) > vdot:
            low = mid
        else:
            high = mid
        if high - low < _SOLVER_TOLERANCE_S:
            break
    return (low + high) / 2


def riegel_time_s(t1_s: float, d1_m: float, d2_m: float, exponent: float = RIEGEL_EXPONENT) -> float:
    """Riegel (1981) endurance model: predicted time for ``d2_m`` from a result ``t1_s`` over ``d1_m``."""
    _check_positive("t1_s", t1_s)
    _check_positive("d1_m", d1_m)
    _check_positive("d2_m", d2_m)
    return float(t1_s * (d2_m / d1_m) ** exponent)


def pace_s_per_km_for_fraction(vdot: float, fraction: float) -> float:
    """Pace (s/km) at ``fraction`` of VDOT, through the inverse oxygen-cost equation."""
    _check_positive("vdot", vdot)
    _check_positive("fraction", fraction)
    velocity = velocity_for_vo2(vdot * fraction)
    return METRES_PER_KM / velocity * SECONDS_PER_MINUTE


def training_paces(vdot: float) -> dict[str, tuple[float, float]]:
    """Daniels' E/M/T/I/R paces for ``vdot`` as ``(fast_s_per_km, slow_s_per_km)``.

    Each bound is the pace at a fraction of VDOT (``INTENSITY_FRACTIONS``, Daniels' Running
    Formula); fast < slow in seconds per km.
    """
    _check_positive("vdot", vdot)
    return {
        name: (pace_s_per_km_for_fraction(vdot, fast), pace_s_per_km_for_fraction(vdot, slow))
        for name, (fast, slow) in INTENSITY_FRACTIONS.items()
    }


def equivalents(vdot: float) -> dict[str, float]:
    """Equivalent race times (s) for 1500m, mile, 5k, 10k, half_marathon and marathon at ``vdot``."""
    return {name: race_time_s(vdot, distance) for name, distance in RACE_DISTANCES_M.items()}
