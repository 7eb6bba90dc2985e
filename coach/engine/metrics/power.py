"""Cycling power metrics: NP, IF, TSS, VI, mean-maximal power, FIR, durability, zones, EF, Pa:Hr.

Streams are plain sequences sampled at a fixed interval (``sample_interval_s``, 1 s unless
stated). Missing samples are the importer's business: it resamples to a fixed interval and
leaves pauses out, as GoldenCheetah does.

Sources
-------
* Normalized Power: Coggan, in Allen & Coggan, *Training and Racing with a Power Meter*
  (2nd ed., 2010), ch. 7. The windowing convention reproduced here is GoldenCheetah's
  ``IsoPower`` (src/Metrics/Coggan.cpp): a 30 s ring buffer initialised with zeros, the rolling
  mean taken at *every* sample from the first one, the fourth-power mean over all samples.
  On the synthetic stream of ``np_convention_comparison.csv`` this gives NP 246.483 W where the
  "first full window" convention gives 247.319 W and Elevate's 30 s blocks 255.86 W.
* IF = NP / FTP; TSS = hours · IF² · 100 (Coggan; GoldenCheetah ``TSS`` metric, checked on the
  520 rides of ``gc_opendata_np_if_tss_sample.csv``). VI = NP / average power.
* Mean-maximal power: the best average power over each duration (GoldenCheetah "CP curve").
* FIR (fatigue-resistance ratio) = MMP 300 s / MMP 1200 s, as defined by its author on the
  Intervals.icu forum (seed 002: "FIR = MMP 300s / MMP 1200s").
* Durability index: best power over a duration after a given amount of work (kJ) divided by the
  best power over the same duration before it (Intervals.icu "power curve after x kJ";
  Maunder et al. 2021, *Sports Med* 51:1619–1628, "durability"). Seed 002 gates DI (≥ 1.00 for
  brevets) and names the "power curves after x kJ (e.g. 2.000 kJ)" as its measure; the fixed
  work points 1000 / 2000 / 3000 kJ are those of van Erp et al. 2021, "Maintaining power
  output with accumulating levels of work done is a key determinant for success in
  professional cycling" (*Med Sci Sports Exerc* 53:1903–1910); the duration compared is 5 min,
  the short duration of seed 002's FIR.
* Work (kJ) = Σ power · Δt / 1000. A planned ride's work from its planned TSS: IF =
  √(TSS / (hours · 100)) (Coggan's TSS definition inverted), work ≈ IF · FTP · seconds / 1000
  (steady riding, VI ≈ 1).
* Power zones: Coggan's seven levels (Allen & Coggan 2010, table 3.1).
* Efficiency factor = NP (or normalised speed) / average HR; aerobic decoupling (Pa:Hr) =
  the drop of output:HR from the first to the second half, in percent (Friel, *The Cyclist's
  Training Bible*, 5th ed. 2018; TrainingPeaks "Pa:Hr").
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

NP_ROLLING_WINDOW_S: Final = 30.0
NP_EXPONENT: Final = 4
SECONDS_PER_HOUR: Final = 3600.0
JOULES_PER_KJ: Final = 1000.0
TSS_PER_HOUR_AT_FTP: Final = 100.0

#: Durations (s) reported by :func:`power_duration_curve` when none are given.
STANDARD_MMP_DURATIONS_S: Final[tuple[int, ...]] = (
    1,
    5,
    10,
    15,
    30,
    60,
    120,
    180,
    300,
    600,
    1200,
    1800,
    2400,
    3600,
    5400,
    7200,
    10800,
)
#: Work done (kJ) after which durability is measured, and the best-power duration compared
#: (van Erp et al. 2021; seed 002 "power curves after x kJ").
DURABILITY_AFTER_KJ: Final[tuple[int, ...]] = (1000, 2000, 3000)
DURABILITY_DURATION_S: Final = 300
FIR_SHORT_DURATION_S: Final = 300
FIR_LONG_DURATION_S: Final = 1200
#: Share of the best 20-minute power taken as FTP (Allen & Coggan 2010, ch. 3).
FTP_FRACTION_OF_MMP20: Final = 0.95
FTP_TEST_DURATION_S: Final = 1200

#: Upper bounds of Coggan's levels 1–6 as fractions of FTP; level 7 is open-ended.
COGGAN_POWER_ZONE_UPPER_FRACTIONS: Final[tuple[float, ...]] = (0.55, 0.75, 0.90, 1.05, 1.20, 1.50)
COGGAN_POWER_ZONE_NAMES: Final[tuple[str, ...]] = ("Z1", "Z2", "Z3", "Z4", "Z5", "Z6", "Z7")


def _window_samples(window_s: float, sample_interval_s: float) -> int:
    if sample_interval_s <= 0:
        raise ValueError(f"sample_interval_s must be positive, got {sample_interval_s!r}")
    return max(1, round(window_s / sample_interval_s))


def normalized_power_w(power_w: Sequence[float], sample_interval_s: float = 1.0) -> float | None:
    """Normalized Power (W) with GoldenCheetah's IsoPower convention; ``None`` for an empty stream.

    A 30 s ring buffer starts full of zeros; after each sample the rolling mean is raised to
    the fourth power and accumulated; NP is the fourth root of their mean over all samples.
    """
    if not power_w:
        return None
    window = _window_samples(NP_ROLLING_WINDOW_S, sample_interval_s)
    ring = [0.0] * window
    rolling_sum = 0.0
    total = 0.0
    index = 0
    for watts in power_w:
        value = float(watts) if watts is not None and watts > 0 else 0.0
        rolling_sum += value - ring[index]
        ring[index] = value
        total += (max(rolling_sum, 0.0) / window) ** NP_EXPONENT
        index = (index + 1) % window
    return float((total / len(power_w)) ** (1.0 / NP_EXPONENT))


def intensity_factor(np_w: float, ftp_w: float) -> float:
    """IF = NP / FTP (Coggan)."""
    if ftp_w <= 0:
        raise ValueError(f"ftp_w must be positive, got {ftp_w!r}")
    return np_w / ftp_w


def training_stress_score(duration_s: float, np_w: float, ftp_w: float) -> float:
    """TSS = hours · IF² · 100 (Coggan; GoldenCheetah uses the NP sample count as the duration)."""
    if duration_s < 0:
        raise ValueError(f"duration_s must not be negative, got {duration_s!r}")
    return duration_s / SECONDS_PER_HOUR * intensity_factor(np_w, ftp_w) ** 2 * TSS_PER_HOUR_AT_FTP


def variability_index(np_w: float, avg_power_w: float) -> float | None:
    """VI = NP / average power (Allen & Coggan 2010); ``None`` when the average is zero."""
    if avg_power_w <= 0:
        return None
    return np_w / avg_power_w


def _prefix_sums(values: Iterable[float]) -> list[float]:
    sums = [0.0]
    running = 0.0
    for value in values:
        running += float(value) if value is not None else 0.0
        sums.append(running)
    return sums


def _best_mean(prefix: Sequence[float], samples: int) -> float | None:
    count = len(prefix) - 1
    if samples <= 0 or samples > count:
        return None
    best = max(prefix[i + samples] - prefix[i] for i in range(count - samples + 1))
    return best / samples


def mean_max_power_w(
    power_w: Sequence[float], duration_s: float, sample_interval_s: float = 1.0
) -> float | None:
    """Best average power (W) over any ``duration_s`` window; ``None`` if the ride is shorter."""
    samples = _window_samples(duration_s, sample_interval_s)
    return _best_mean(_prefix_sums(power_w), samples)


def power_duration_curve(
    power_w: Sequence[float],
    durations_s: Sequence[int] = STANDARD_MMP_DURATIONS_S,
    sample_interval_s: float = 1.0,
) -> dict[int, float]:
    """Mean-maximal power (W) per duration (s); durations longer than the ride are left out."""
    prefix = _prefix_sums(power_w)
    curve: dict[int, float] = {}
    for duration in durations_s:
        best = _best_mean(prefix, _window_samples(duration, sample_interval_s))
        if best is not None:
            curve[int(duration)] = best
    return curve


def fatigue_resistance_ratio(mmp_300_w: float | None, mmp_1200_w: float | None) -> float | None:
    """FIR = MMP 300 s / MMP 1200 s (seed 002); ``None`` if either is missing or zero."""
    if mmp_300_w is None or mmp_1200_w is None or mmp_1200_w <= 0:
        return None
    return mmp_300_w / mmp_1200_w


def fatigue_resistance_ratio_from_stream(
    power_w: Sequence[float], sample_interval_s: float = 1.0
) -> float | None:
    """FIR computed from a power stream's own MMP 300 s and MMP 1200 s."""
    curve = power_duration_curve(power_w, (FIR_SHORT_DURATION_S, FIR_LONG_DURATION_S), sample_interval_s)
    return fatigue_resistance_ratio(curve.get(FIR_SHORT_DURATION_S), curve.get(FIR_LONG_DURATION_S))


def ftp_from_mmp_w(mmp_1200_w: float | None) -> float | None:
    """FTP estimate = 95 % of the best 20-minute power (Allen & Coggan 2010)."""
    if mmp_1200_w is None or mmp_1200_w <= 0:
        return None
    return mmp_1200_w * FTP_FRACTION_OF_MMP20


@dataclass(frozen=True, slots=True)
class Durability:
    """Best power over ``duration_s`` before and after ``after_kj`` of work."""

    after_kj: float
    duration_s: int
    fresh_w: float
    fatigued_w: float

    @property
    def index(self) -> float:
        """Durability index: fatigued / fresh (1.00 = no decay; seed 002 gates DI ≥ 1.00)."""
        return self.fatigued_w / self.fresh_w if self.fresh_w > 0 else 0.0

    @property
    def drop_pct(self) -> float:
        """Power drop after the work, in percent of the fresh value (negative = got stronger)."""
        return (1.0 - self.index) * 100.0


def durability(
    power_w: Sequence[float],
    after_kj: float,
    duration_s: int = FIR_SHORT_DURATION_S,
    sample_interval_s: float = 1.0,
) -> Durability | None:
    """Power drop after ``after_kj`` of work (Intervals.icu "power curve after x kJ").

    ``None`` when the ride never reaches ``after_kj``, or either side is shorter than ``duration_s``.
    """
    if after_kj <= 0:
        raise ValueError(f"after_kj must be positive, got {after_kj!r}")
    target_j = after_kj * JOULES_PER_KJ
    work_j = 0.0
    split: int | None = None
    for i, watts in enumerate(power_w):
        work_j += (float(watts) if watts is not None and watts > 0 else 0.0) * sample_interval_s
        if work_j >= target_j:
            split = i + 1
            break
    if split is None:
        return None
    fresh = mean_max_power_w(power_w[:split], duration_s, sample_interval_s)
    fatigued = mean_max_power_w(power_w[split:], duration_s, sample_interval_s)
    if fresh is None or fatigued is None:
        return None
    return Durability(after_kj=after_kj, duration_s=duration_s, fresh_w=fresh, fatigued_w=fatigued)


def durability_profile(
    power_w: Sequence[float],
    after_kj: Sequence[int] = DURABILITY_AFTER_KJ,
    duration_s: int = DURABILITY_DURATION_S,
    sample_interval_s: float = 1.0,
) -> list[Durability]:
    """Durability at each work point the ride reaches (with ``duration_s`` of riding after it).

    Empty for a ride without power or shorter than the first point: no DI is ever guessed.
    """
    figures = []
    for kj in after_kj:
        figure = durability(power_w, kj, duration_s, sample_interval_s)
        if figure is None:
            break
        figures.append(figure)
    return figures


def work_kj(power_w: Sequence[float | None], sample_interval_s: float = 1.0) -> float:
    """Mechanical work (kJ) of a power stream: Σ power · Δt / 1000 (missing or negative samples are 0)."""
    return math.fsum(float(w) for w in power_w if w is not None and w > 0) * sample_interval_s / JOULES_PER_KJ


def planned_work_kj(duration_min: float, planned_tss: float, ftp_w: float) -> float | None:
    """Work (kJ) a planned ride of ``planned_tss`` implies: IF = √(TSS / (h · 100)), kJ = IF · FTP · s / 1000.

    Coggan's TSS definition inverted, with average power taken as NP (steady riding, VI ≈ 1).
    ``None`` without a duration, a load or an FTP.
    """
    if duration_min <= 0 or planned_tss <= 0 or ftp_w <= 0:
        return None
    hours = duration_min / 60.0
    intensity = math.sqrt(planned_tss / (hours * TSS_PER_HOUR_AT_FTP))
    return intensity * ftp_w * hours * SECONDS_PER_HOUR / JOULES_PER_KJ


def power_zone_bounds_w(ftp_w: float) -> tuple[float, ...]:
    """Upper bounds (W) of Coggan levels 1–6 for ``ftp_w``."""
    if ftp_w <= 0:
        raise ValueError(f"ftp_w must be positive, got {ftp_w!r}")
    return tuple(ftp_w * fraction for fraction in COGGAN_POWER_ZONE_UPPER_FRACTIONS)


def time_in_zones_s(
    values: Iterable[float | None], upper_bounds: Sequence[float], sample_interval_s: float = 1.0
) -> list[float]:
    """Seconds spent in each zone; zone ``i`` holds values ≤ ``upper_bounds[i]``, the last is open.

    Works for any stream (power, heart rate, pace-as-speed); missing samples are skipped.
    Returns ``len(upper_bounds) + 1`` numbers.
    """
    bounds = sorted(upper_bounds)
    seconds = [0.0] * (len(bounds) + 1)
    for value in values:
        if value is None:
            continue
        zone = len(bounds)
        for i, bound in enumerate(bounds):
            if value <= bound:
                zone = i
                break
        seconds[zone] += sample_interval_s
    return seconds


def efficiency_factor(output: float, avg_hr_bpm: float) -> float | None:
    """EF = output / average HR: NP (W) per bpm for rides, normalised speed (m/min) per bpm for runs.

    Friel (2018); TrainingPeaks "Efficiency Factor". ``None`` when HR is zero.
    """
    if avg_hr_bpm <= 0:
        return None
    return output / avg_hr_bpm


def _mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values)


def aerobic_decoupling_pct(
    output: Sequence[float | None], heart_rate_bpm: Sequence[float | None]
) -> float | None:
    """Pa:Hr (or Pw:Hr): ``(EF first half − EF second half) / EF first half · 100``.

    Friel (2018) and TrainingPeaks: under 5 % over a steady aerobic session means the aerobic
    base holds (seed 002 gates Pa:Hr ≤ 5 % for brevets). Only samples with both an output and a
    positive HR count; ``None`` with fewer than two such samples per half or a zero first half.
    """
    if len(output) != len(heart_rate_bpm):
        raise ValueError("output and heart_rate_bpm must have the same length")
    pairs = [
        (float(o), float(h))
        for o, h in zip(output, heart_rate_bpm, strict=True)
        if o is not None and h is not None and h > 0
    ]
    half = len(pairs) // 2
    if half < 2:
        return None
    first, second = pairs[:half], pairs[half:]
    hr_first = _mean([h for _, h in first])
    hr_second = _mean([h for _, h in second])
    ef_first = _mean([o for o, _ in first]) / hr_first
    ef_second = _mean([o for o, _ in second]) / hr_second
    if ef_first <= 0:
        return None
    return (ef_first - ef_second) / ef_first * 100.0
