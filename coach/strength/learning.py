"""What the coach learns from each set: self-grading and cross-exercise transfer (seed 004).

* Self-grading: per (movement pattern × intent), the error between the reps prescribed and the
  reps achieved, in time-since-last-session buckets (< 48 h / 48–72 h / > 72 h), over a
  30-observation window; it speaks up past 5 samples when |bias| > 5 % or RMSE > 10 %.
  A set reported with an RPE is read as reps + reps in reserve (RIR = 10 − RPE; Zourdos et al.
  2016, "Novel resistance training-specific RPE scale measuring repetitions in reserve"), so
  "5 @ 6" when 5 @ 8 was asked counts as two reps beaten.
  The correction is the Epley ratio of the two capacities, ``(1 + achieved/30) / (1 + prescribed/30)``
  (Epley 1985), applied to the e1RM and capped at ±10 % (ours).
* Transfer: ``ln(to_e1rm) = coef · ln(from_e1rm) + b`` fitted per exercise pair by least squares,
  published only at ≥ 5 paired observations and R² ≥ 0.4 — no textbook defaults.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from coach.engine.metrics.strength import EPLEY_REPS_DIVISOR
from coach.strength.rules import StrengthRules, load_rules

Bucket = Literal["<48h", "48-72h", ">72h"]
_EPS = 1e-9
"""Float noise: a bias of exactly 5 % is "not over 5 %"."""


@dataclass(frozen=True, slots=True)
class GradeObservation:
    pattern: str
    intent: str  # the slot's role: main | accessory
    prescribed_reps: int
    target_rpe: float
    achieved_reps: int
    achieved_rpe: float | None
    hours_since_last: float | None  # since the last session of any lifting; None: the first


@dataclass(frozen=True, slots=True)
class Grade:
    pattern: str
    intent: str
    bucket: Bucket
    samples: int
    bias: float
    rmse: float
    correcting: bool
    factor: float

    def describe(self) -> str:
        direction = "beat" if self.bias > 0 else "fell short of"
        return (f"you {direction} my {self.pattern.replace('_', ' ')} prescriptions by {abs(self.bias) * 100:.0f} % on average "
                f"({self.samples} sets, {self.bucket} after the last session; error {self.rmse * 100:.0f} %), "
                f"so I moved the numbers {(self.factor - 1) * 100:+.0f} %")


def bucket_of(hours: float | None, rules: StrengthRules | None = None) -> Bucket:
    rules = rules or load_rules()
    low, high = rules.self_grading.bucket_edges_h
    if hours is None or hours > high:
        return ">72h"
    return "<48h" if hours < low else "48-72h"


def _capacity(reps: int, rpe: float | None, fallback_rpe: float) -> float:
    return reps + (10.0 - (fallback_rpe if rpe is None else rpe))


def grade(observations: Iterable[GradeObservation], rules: StrengthRules | None = None) -> dict[tuple[str, str, Bucket], Grade]:
    """One grade per cell, from its last ``window`` observations (oldest first in the input)."""
    rules = rules or load_rules()
    cfg = rules.self_grading
    cells: dict[tuple[str, str, Bucket], list[GradeObservation]] = {}
    for o in observations:
        if o.prescribed_reps <= 0:
            continue
        cells.setdefault((o.pattern, o.intent, bucket_of(o.hours_since_last, rules)), []).append(o)
    grades = {}
    for key, cell in cells.items():
        recent = cell[-cfg.window:]
        errors, ratios = [], []
        for o in recent:
            asked = _capacity(o.prescribed_reps, o.target_rpe, o.target_rpe)
            got = _capacity(o.achieved_reps, o.achieved_rpe, o.target_rpe)
            errors.append((got - asked) / asked)
            ratios.append((1 + got / EPLEY_REPS_DIVISOR) / (1 + asked / EPLEY_REPS_DIVISOR))
        bias = math.fsum(errors) / len(errors)
        rmse = math.sqrt(math.fsum(e * e for e in errors) / len(errors))
        correcting = len(recent) >= cfg.min_samples and (abs(bias) > cfg.bias_threshold + _EPS or rmse > cfg.rmse_threshold + _EPS)
        factor = 1.0
        if correcting:
            factor = min(1 + cfg.max_correction, max(1 - cfg.max_correction, math.fsum(ratios) / len(ratios)))
        grades[key] = Grade(key[0], key[1], key[2], len(recent), bias, rmse, correcting, factor)
    return grades


# --------------------------------------------------------------------------- transfer


@dataclass(frozen=True, slots=True)
class Transfer:
    from_exercise: str
    to_exercise: str
    coef: float
    intercept: float
    r2: float
    pairs: int

    def estimate(self, from_e1rm_kg: float) -> float:
        return math.exp(self.coef * math.log(from_e1rm_kg) + self.intercept)


def fit_transfer(
    from_exercise: str, to_exercise: str, pairs: Sequence[tuple[float, float]], rules: StrengthRules | None = None
) -> Transfer | None:
    """Log-log least squares over (from e1RM, to e1RM) pairs of the same days; ``None`` until the
    evidence is there (seed 004: ≥ 5 pairs and R² ≥ 0.4)."""
    rules = rules or load_rules()
    points = [(math.log(a), math.log(b)) for a, b in pairs if a > 0 and b > 0]
    if len(points) < rules.transfer.min_pairs:
        return None
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    mean_x, mean_y = math.fsum(xs) / len(xs), math.fsum(ys) / len(ys)
    sxx = math.fsum((x - mean_x) ** 2 for x in xs)
    syy = math.fsum((y - mean_y) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    sxy = math.fsum((x - mean_x) * (y - mean_y) for x, y in points)
    coef = sxy / sxx
    r2 = sxy * sxy / (sxx * syy)
    if r2 < rules.transfer.min_r2:
        return None
    return Transfer(from_exercise, to_exercise, coef, mean_y - coef * mean_x, r2, len(points))
