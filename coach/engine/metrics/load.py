"""Training load in one unit: TSS-like points, where one hour at threshold is 100.

Every sport lands on the same scale so that CTL/ATL/TSB (``pmc``) can add a ride, a run, a swim
and a gym session:

* ride with power: TSS = hours · IF² · 100, IF = NP / FTP (Coggan; see ``power``);
* run: rTSS = hours · IF² · 100, IF = normalised graded speed / threshold speed (TrainingPeaks
  rTSS; Elevate ``runningStressScore``), grades from Minetti et al. (2002) *J Appl Physiol*
  93:1039–1046 when elevation exists;
* swim: sTSS = hours · IF³ · 100, IF = swim speed / threshold swim speed (TrainingPeaks sTSS;
  Elevate ``swimStressScore`` — cubic because drag rises with the cube of speed);
* heart rate: hrTSS = TRIMP / TRIMP(1 h at LTHR) · 100 with Banister's TRIMP (Banister 1991,
  *Modeling elite athletic performance*; Morton, Fitz-Clarke & Banister 1990) — Elevate ``HRSS``;
* anything else with an RPE: Foster's session-RPE load (Foster et al. 2001, *J Strength Cond Res*
  15:109–115), CR-10 × minutes, scaled so that 60 min at RPE 7 ("very hard", the rating a
  threshold hour earns) is 100 — i.e. ``load = RPE · minutes · 100 / (7 · 60)``. With that scale
  an hour at RPE 3 gives 43 (an IF 0.65 hour gives 42 TSS) and RPE 5 gives 71 (IF 0.85: 72).
* nothing but a duration: an hour at an assumed easy intensity (IF 0.65 → 42 per hour), flagged
  as an estimate so nobody mistakes it for a measurement.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from coach.engine.metrics.power import (
    SECONDS_PER_HOUR,
    TSS_PER_HOUR_AT_FTP,
    normalized_power_w,
    training_stress_score,
)

Sex = Literal["male", "female"]
LoadMethod = Literal["power", "pace", "swim_pace", "heart_rate", "session_rpe", "duration_estimate"]

# --- Banister TRIMP weighting (Morton, Fitz-Clarke & Banister 1990) ---------------------------
TRIMP_COEFFICIENT: Final[dict[Sex, float]] = {"male": 0.64, "female": 0.86}
TRIMP_EXPONENT: Final[dict[Sex, float]] = {"male": 1.92, "female": 1.67}
#: LTHR = rest + 0.85 · (max − rest) when no LTHR is known (Karvonen; Elevate
#: ``DEFAULT_LTHR_KARVONEN_HRR_FACTOR``).
LTHR_HRR_FRACTION: Final = 0.85
#: Resting HR assumed when the athlete has not told us theirs (Elevate's default settings use
#: a resting HR in this range; the error on hrTSS is small because TRIMP uses HR reserve).
DEFAULT_RESTING_HR_BPM: Final = 60
MINUTES_PER_HOUR: Final = 60.0

# --- Session RPE (Foster et al. 2001) ----------------------------------------------------------
SRPE_AT_THRESHOLD: Final = 7.0
SRPE_MAX: Final = 10.0

# --- Fallback when only a duration is known ----------------------------------------------------
ASSUMED_EASY_INTENSITY_FACTOR: Final = 0.65

# --- Swim TSS ----------------------------------------------------------------------------------
SWIM_TSS_EXPONENT: Final = 3
METRES_PER_100M: Final = 100.0
METRES_PER_KM: Final = 1000.0

# --- Minetti et al. (2002) energy cost of running on gradient i (J/kg/m) -----------------------
_MINETTI_COEFFICIENTS: Final = (155.4, -30.4, -43.3, 46.3, 19.5, 3.6)  # i^5 … i^0
MINETTI_MAX_ABS_GRADE: Final = 0.45  # the range the polynomial was fitted on
GRADE_WINDOW_M: Final = 50.0  # distance over which a grade is measured, to tame GPS noise


def banister_trimp(
    duration_min: float, avg_hr_bpm: float, resting_hr_bpm: float, max_hr_bpm: float, sex: Sex = "male"
) -> float:
    """Banister TRIMP for a session summarised by its average HR.

    ``TRIMP = minutes · ΔHR · a · e^(b · ΔHR)``, ``ΔHR = (HR − rest) / (max − rest)``.
    """
    if max_hr_bpm <= resting_hr_bpm:
        raise ValueError("max_hr_bpm must be above resting_hr_bpm")
    if duration_min < 0:
        raise ValueError(f"duration_min must not be negative, got {duration_min!r}")
    reserve = min(max((avg_hr_bpm - resting_hr_bpm) / (max_hr_bpm - resting_hr_bpm), 0.0), 1.0)
    return duration_min * reserve * TRIMP_COEFFICIENT[sex] * math.exp(TRIMP_EXPONENT[sex] * reserve)


def banister_trimp_stream(
    heart_rate_bpm: Sequence[float | None],
    resting_hr_bpm: float,
    max_hr_bpm: float,
    sex: Sex = "male",
    sample_interval_s: float = 1.0,
) -> float:
    """Banister TRIMP summed sample by sample (more faithful than the average for intervals)."""
    minutes_per_sample = sample_interval_s / 60.0
    return math.fsum(
        banister_trimp(minutes_per_sample, hr, resting_hr_bpm, max_hr_bpm, sex)
        for hr in heart_rate_bpm
        if hr is not None and hr > 0
    )


def threshold_hr_bpm(max_hr_bpm: float, resting_hr_bpm: float = DEFAULT_RESTING_HR_BPM) -> float:
    """LTHR estimate from HR reserve: rest + 0.85 · (max − rest) (Karvonen; Elevate default)."""
    return resting_hr_bpm + LTHR_HRR_FRACTION * (max_hr_bpm - resting_hr_bpm)


def hr_tss(
    trimp: float, threshold_hr: float, resting_hr_bpm: float, max_hr_bpm: float, sex: Sex = "male"
) -> float:
    """hrTSS = TRIMP / TRIMP of one hour at LTHR · 100 (Elevate ``HRSS``)."""
    reference = banister_trimp(MINUTES_PER_HOUR, threshold_hr, resting_hr_bpm, max_hr_bpm, sex)
    if reference <= 0:
        raise ValueError("threshold_hr must be above resting_hr_bpm")
    return trimp / reference * TSS_PER_HOUR_AT_FTP


def minetti_cost(grade: float) -> float:
    """Energy cost of running (J/kg/m) on ``grade`` (rise/run), Minetti et al. 2002, clamped to ±45 %."""
    i = min(max(grade, -MINETTI_MAX_ABS_GRADE), MINETTI_MAX_ABS_GRADE)
    cost = 0.0
    for coefficient in _MINETTI_COEFFICIENTS:
        cost = cost * i + coefficient
    return cost


def grade_adjusted_speed_m_per_s(speed_m_per_s: float, grade: float) -> float:
    """Flat-ground speed with the same metabolic cost: ``v · C(grade) / C(0)`` (Minetti 2002)."""
    return speed_m_per_s * minetti_cost(grade) / minetti_cost(0.0)


def grades_from_altitude(
    distance_m: Sequence[float | None], altitude_m: Sequence[float | None]
) -> list[float]:
    """Per-sample grade over the trailing ``GRADE_WINDOW_M`` of distance (0 where unknown)."""
    if len(distance_m) != len(altitude_m):
        raise ValueError("distance_m and altitude_m must have the same length")
    grades: list[float] = []
    anchor = 0
    for i, (dist, alt) in enumerate(zip(distance_m, altitude_m, strict=True)):
        grade = 0.0
        if dist is not None and alt is not None:
            while anchor < i:
                d0 = distance_m[anchor]
                if d0 is None or dist - d0 > GRADE_WINDOW_M:
                    anchor += 1
                    continue
                break
            start = max(anchor - 1, 0)
            d0, a0 = distance_m[start], altitude_m[start]
            if d0 is not None and a0 is not None and dist - d0 > 0:
                grade = (alt - a0) / (dist - d0)
        grades.append(min(max(grade, -MINETTI_MAX_ABS_GRADE), MINETTI_MAX_ABS_GRADE))
    return grades


def normalized_graded_speed_m_per_s(
    speed_m_per_s: Sequence[float | None],
    grade: Sequence[float] | None = None,
    sample_interval_s: float = 1.0,
) -> float | None:
    """Normalised graded speed: grade-adjusted speed smoothed over 30 s and 4th-power averaged.

    The NP recipe (same 30 s window and convention as :func:`normalized_power_w`) applied to
    running (TrainingPeaks "NGP"); without ``grade`` it is the normalised flat speed. ``None``
    for an empty stream.
    """
    if not speed_m_per_s:
        return None
    if grade is not None and len(grade) != len(speed_m_per_s):
        raise ValueError("speed_m_per_s and grade must have the same length")
    adjusted = [
        grade_adjusted_speed_m_per_s(s, grade[i] if grade is not None else 0.0)
        if s is not None and s > 0
        else 0.0
        for i, s in enumerate(speed_m_per_s)
    ]
    return normalized_power_w(adjusted, sample_interval_s)


def running_tss(duration_s: float, normalized_speed_m_per_s: float, threshold_speed_m_per_s: float) -> float:
    """rTSS = hours · IF² · 100 with IF = normalised graded speed / threshold speed."""
    if threshold_speed_m_per_s <= 0:
        raise ValueError("threshold_speed_m_per_s must be positive")
    intensity = normalized_speed_m_per_s / threshold_speed_m_per_s
    return duration_s / SECONDS_PER_HOUR * intensity**2 * TSS_PER_HOUR_AT_FTP


def swim_tss(duration_s: float, distance_m: float, threshold_pace_s_per_100m: float) -> float:
    """sTSS = hours · IF³ · 100 with IF = average speed / threshold swim speed (TrainingPeaks)."""
    if threshold_pace_s_per_100m <= 0 or duration_s <= 0:
        raise ValueError("threshold_pace_s_per_100m and duration_s must be positive")
    speed = distance_m / duration_s
    threshold_speed = METRES_PER_100M / threshold_pace_s_per_100m
    intensity = speed / threshold_speed
    return duration_s / SECONDS_PER_HOUR * intensity**SWIM_TSS_EXPONENT * TSS_PER_HOUR_AT_FTP


def session_rpe_load_au(rpe: float, duration_min: float) -> float:
    """Foster's session load in arbitrary units: CR-10 RPE × minutes."""
    if not 0 <= rpe <= SRPE_MAX:
        raise ValueError(f"rpe must be between 0 and {SRPE_MAX:g}, got {rpe!r}")
    return rpe * duration_min


def session_rpe_tss(rpe: float, duration_min: float) -> float:
    """Session-RPE load on the TSS scale: an hour at RPE 7 is 100 (see the module docstring)."""
    return (
        session_rpe_load_au(rpe, duration_min) * TSS_PER_HOUR_AT_FTP / (SRPE_AT_THRESHOLD * MINUTES_PER_HOUR)
    )


def duration_estimate_tss(duration_s: float) -> float:
    """Load of a session known only by its length: easy intensity assumed (IF 0.65)."""
    return duration_s / SECONDS_PER_HOUR * ASSUMED_EASY_INTENSITY_FACTOR**2 * TSS_PER_HOUR_AT_FTP


@dataclass(frozen=True, slots=True)
class LoadInputs:
    """What is known about one session; every field but ``sport`` and ``duration_s`` is optional.

    Streams are sampled every ``sample_interval_s`` seconds. Paces are seconds per km (run) or
    per 100 m (swim).
    """

    sport: str
    duration_s: float
    distance_m: float | None = None
    power_w: Sequence[float] | None = None
    np_w: float | None = None
    ftp_w: float | None = None
    speed_m_per_s: Sequence[float | None] | None = None
    grade: Sequence[float] | None = None
    threshold_pace_s_per_km: float | None = None
    swim_threshold_pace_s_per_100m: float | None = None
    heart_rate_bpm: Sequence[float | None] | None = None
    avg_hr_bpm: float | None = None
    max_hr_bpm: float | None = None
    resting_hr_bpm: float | None = None
    threshold_hr_bpm: float | None = None
    sex: Sex = "male"
    rpe: float | None = None
    sample_interval_s: float = 1.0


@dataclass(frozen=True, slots=True)
class LoadEstimate:
    """One session's load in TSS-like points, with the method that produced it and why."""

    value: float
    method: LoadMethod
    detail: str


_RIDE_SPORTS: Final = frozenset({"ride", "virtual_ride"})


def _power_load(inputs: LoadInputs) -> LoadEstimate | None:
    if not inputs.ftp_w or inputs.ftp_w <= 0:
        return None
    duration = inputs.duration_s
    np_w = inputs.np_w
    if inputs.power_w:
        np_w = normalized_power_w(inputs.power_w, inputs.sample_interval_s)
        duration = len(inputs.power_w) * inputs.sample_interval_s
    if np_w is None or np_w <= 0:
        return None
    value = training_stress_score(duration, np_w, inputs.ftp_w)
    return LoadEstimate(value, "power", f"TSS from NP {np_w:.0f} W and FTP {inputs.ftp_w:.0f} W")


def _pace_load(inputs: LoadInputs) -> LoadEstimate | None:
    if inputs.sport != "run" or not inputs.threshold_pace_s_per_km or inputs.duration_s <= 0:
        return None
    threshold_speed = METRES_PER_KM / inputs.threshold_pace_s_per_km
    if inputs.speed_m_per_s:
        speed = normalized_graded_speed_m_per_s(inputs.speed_m_per_s, inputs.grade, inputs.sample_interval_s)
        graded = "graded " if inputs.grade is not None else ""
    elif inputs.distance_m:
        speed = inputs.distance_m / inputs.duration_s
        graded = "average "
    else:
        return None
    if speed is None or speed <= 0:
        return None
    value = running_tss(inputs.duration_s, speed, threshold_speed)
    pace = METRES_PER_KM / speed
    return LoadEstimate(
        value,
        "pace",
        f"rTSS from {graded}pace {pace:.0f} s/km against threshold {inputs.threshold_pace_s_per_km:.0f} s/km",
    )


def _swim_load(inputs: LoadInputs) -> LoadEstimate | None:
    if inputs.sport != "swim" or not inputs.swim_threshold_pace_s_per_100m or not inputs.distance_m:
        return None
    if inputs.duration_s <= 0:
        return None
    value = swim_tss(inputs.duration_s, inputs.distance_m, inputs.swim_threshold_pace_s_per_100m)
    return LoadEstimate(value, "swim_pace", f"sTSS from {inputs.distance_m:.0f} m against threshold pace")


def _heart_rate_load(inputs: LoadInputs) -> LoadEstimate | None:
    if inputs.max_hr_bpm is None:
        return None
    resting = inputs.resting_hr_bpm if inputs.resting_hr_bpm is not None else DEFAULT_RESTING_HR_BPM
    if inputs.max_hr_bpm <= resting:
        return None
    lthr = inputs.threshold_hr_bpm or threshold_hr_bpm(inputs.max_hr_bpm, resting)
    if inputs.heart_rate_bpm and any(h for h in inputs.heart_rate_bpm if h):
        trimp = banister_trimp_stream(
            inputs.heart_rate_bpm, resting, inputs.max_hr_bpm, inputs.sex, inputs.sample_interval_s
        )
    elif inputs.avg_hr_bpm:
        trimp = banister_trimp(
            inputs.duration_s / 60.0, inputs.avg_hr_bpm, resting, inputs.max_hr_bpm, inputs.sex
        )
    else:
        return None
    value = hr_tss(trimp, lthr, resting, inputs.max_hr_bpm, inputs.sex)
    return LoadEstimate(value, "heart_rate", f"hrTSS from TRIMP {trimp:.0f} with LTHR {lthr:.0f} bpm")


def _rpe_load(inputs: LoadInputs) -> LoadEstimate | None:
    if inputs.rpe is None:
        return None
    minutes = inputs.duration_s / 60.0
    value = session_rpe_tss(inputs.rpe, minutes)
    return LoadEstimate(value, "session_rpe", f"session RPE {inputs.rpe:g} × {minutes:.0f} min")


def activity_load(inputs: LoadInputs) -> LoadEstimate:
    """The best available load for a session, in TSS-like points.

    Order of preference: power (rides with an FTP), pace (runs), swim pace, heart rate, session
    RPE, and finally a duration-only estimate. Running power is not used: its FTP differs from
    the cycling one and the athlete model keeps only the latter.
    """
    methods = (
        (_power_load if inputs.sport in _RIDE_SPORTS else None),
        _pace_load,
        _swim_load,
        _heart_rate_load,
        _rpe_load,
    )
    for method in methods:
        if method is None:
            continue
        estimate = method(inputs)
        if estimate is not None:
            return estimate
    return LoadEstimate(
        duration_estimate_tss(max(inputs.duration_s, 0.0)),
        "duration_estimate",
        f"estimated from {inputs.duration_s / 60.0:.0f} min at an easy intensity (IF {ASSUMED_EASY_INTENSITY_FACTOR})",
    )
