"""Morning readiness: check-in + recovery curves from recent load + HRV/RHR vs baseline.

The score (0–100) blends three kinds of evidence, each on 0–1:

* **recovery** — seed 004's curves, ``readiness(t) = clamp(0, 1, 0.3 + 0.7 · (1 − e^(−t/τ)))``
  with τ = 30 h for neuromuscular work and 12 h for metabolic work. Each recent session taxes
  one system or both (see ``strength.classify_stimulus``; endurance sessions are metabolic, hard
  ones both) in proportion to its severity; the most taxed system sets the component.
* **physiology** — ln rMSSD against the athlete's own rolling baseline (Plews et al. 2012) and
  morning resting HR against its baseline (Buchheit 2014).
* **wellness** — the 1–5 check-in items (Hooper & Mackinnon 1995; McLean et al. 2010).

The colour is the worse of the *objective* colour (recovery + physiology) and the *wellness*
colour: feeling worse can downgrade a green day, feeling good never upgrades a red one. The
score is kept inside the band of the final colour. Thresholds live in ``coach/rules/readiness.yaml``.
The time "now" is an argument: nothing here reads the clock.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Final, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from coach.engine.metrics.strength import RULES_DIR, Stimulus

Colour = Literal["green", "amber", "red"]
System = Literal["neuromuscular", "metabolic"]
READINESS_RULES_PATH: Final = RULES_DIR / "readiness.yaml"
SCORE_SCALE: Final = 100.0
SECONDS_PER_HOUR: Final = 3600.0
ITEM_MIN: Final = 1
ITEM_MAX: Final = 5
_COLOUR_ORDER: Final[tuple[Colour, ...]] = ("green", "amber", "red")
_SYSTEM_WORDS: Final[dict[System, str]] = {
    "neuromuscular": "Muscles and nervous system",
    "metabolic": "Energy systems",
}


# --------------------------------------------------------------------------- rules


class _Rules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RecoveryRules(_Rules):
    residual_floor: float = Field(ge=0, le=1)
    tau_hours: dict[System, float]
    full_severity_load: float = Field(gt=0)
    full_severity_rpe: float = Field(gt=0)
    unknown_severity: float = Field(ge=0, le=1)
    lookback_hours: float = Field(gt=0)


class WeightRules(_Rules):
    recovery: float = Field(ge=0)
    physiology: float = Field(ge=0)
    wellness: float = Field(ge=0)


class ColourRules(_Rules):
    green_min: float
    amber_min: float

    @model_validator(mode="after")
    def _ordered(self) -> ColourRules:
        if not 0 <= self.amber_min < self.green_min <= SCORE_SCALE:
            raise ValueError("need 0 <= amber_min < green_min <= 100")
        return self


class WellnessRules(_Rules):
    sleep_target_hours: float
    sleep_zero_hours: float
    short_sleep_hours: float
    very_short_sleep_hours: float
    worst_item_caps_amber: bool


class HrvRules(_Rules):
    min_baseline_days: int = Field(ge=2)
    baseline_days: int = Field(ge=2)
    normal_sd: float = Field(ge=0)
    red_sd: float = Field(gt=0)
    min_sd_ln: float = Field(gt=0)


class RestingHrRules(_Rules):
    min_baseline_days: int = Field(ge=1)
    baseline_days: int = Field(ge=1)
    normal_above_bpm: float
    amber_above_bpm: float
    red_above_bpm: float


class IllnessRules(_Rules):
    above_neck_colour: Colour
    below_neck_colour: Colour
    above_neck_max_score: float = Field(ge=0, le=SCORE_SCALE)
    below_neck_max_score: float = Field(ge=0, le=SCORE_SCALE)


class ReadinessRules(_Rules):
    """The contents of ``coach/rules/readiness.yaml``."""

    version: int
    recovery: RecoveryRules
    weights: WeightRules
    colour: ColourRules
    wellness: WellnessRules
    hrv: HrvRules
    resting_hr: RestingHrRules
    illness: IllnessRules


@lru_cache(maxsize=4)
def load_readiness_rules(path: Path = READINESS_RULES_PATH) -> ReadinessRules:
    """Read and validate ``coach/rules/readiness.yaml`` (cached)."""
    return ReadinessRules.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


# --------------------------------------------------------------------------- inputs


class ReadinessCheckIn(BaseModel):
    """The morning check-in. Sleep quality and energy: 5 is best; soreness and stress: 5 is worst."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sleep_hours: float | None = Field(None, ge=0, le=24)
    sleep_quality: int | None = Field(None, ge=ITEM_MIN, le=ITEM_MAX)
    energy: int | None = Field(None, ge=ITEM_MIN, le=ITEM_MAX)
    soreness: int | None = Field(None, ge=ITEM_MIN, le=ITEM_MAX)
    stress: int | None = Field(None, ge=ITEM_MIN, le=ITEM_MAX)
    hrv_ms: float | None = Field(None, gt=0, le=300, description="Morning rMSSD.")
    resting_hr_bpm: float | None = Field(None, ge=25, le=120)
    resting_hr_above_usual_bpm: float | None = Field(
        None, ge=-40, le=60, description="What the athlete said of their pulse against their usual ('8 beats higher')."
    )
    hrv_below_usual: bool | None = Field(None, description="The athlete said their HRV is down (True) or normal (False).")
    mood: int | None = Field(None, ge=ITEM_MIN, le=ITEM_MAX, description="Mood / motivation, 5 = best.")
    ill: bool | None = Field(None, description="The athlete said they are ill.")
    ill_below_neck: bool | None = Field(
        None, description="Symptoms below the neck or systemic (fever, chest, aching, stomach): rest, not easy training."
    )


@dataclass(frozen=True, slots=True)
class RecentSession:
    """A finished session that may still weigh on recovery.

    ``load`` in TSS-like points and/or ``rpe`` (CR-10) set its severity; ``stimulus`` says which
    system it taxes.
    """

    end_time: dt.datetime
    stimulus: Stimulus
    load: float | None = None
    rpe: float | None = None
    label: str = "your last session"


@dataclass(frozen=True, slots=True)
class PhysiologyBaseline:
    """The athlete's recent morning values, oldest first, today's excluded."""

    hrv_ms: Sequence[float] = ()
    resting_hr_bpm: Sequence[float] = ()


@dataclass(frozen=True, slots=True)
class Readiness:
    """Today's verdict: score 0–100, colour and the reasons, each a sentence with its numbers."""

    score: int
    colour: Colour
    reasons: tuple[str, ...]
    recovery: float
    physiology: float | None
    wellness: float | None


# --------------------------------------------------------------------------- pieces


def recovery_fraction(hours_since: float, tau_h: float, residual_floor: float = 0.3) -> float:
    """Seed 004: ``clamp(0, 1, floor + (1 − floor) · (1 − e^(−t/τ)))``; t < 0 counts as 0."""
    if tau_h <= 0:
        raise ValueError("tau_h must be positive")
    t = max(hours_since, 0.0)
    value = residual_floor + (1.0 - residual_floor) * (1.0 - math.exp(-t / tau_h))
    return min(max(value, 0.0), 1.0)


def _severity(session: RecentSession, rules: RecoveryRules) -> float:
    parts = []
    if session.load is not None:
        parts.append(session.load / rules.full_severity_load)
    if session.rpe is not None:
        parts.append(session.rpe / rules.full_severity_rpe)
    value = max(parts) if parts else rules.unknown_severity
    return min(max(value, 0.0), 1.0)


def _systems(stimulus: Stimulus) -> tuple[System, ...]:
    return ("neuromuscular", "metabolic") if stimulus == "both" else (stimulus,)


def system_readiness(
    sessions: Sequence[RecentSession], now: dt.datetime, rules: RecoveryRules
) -> dict[System, tuple[float, RecentSession | None, float]]:
    """Per system: (readiness 0–1, the session that limits it, hours since it ended)."""
    result: dict[System, tuple[float, RecentSession | None, float]] = {
        "neuromuscular": (1.0, None, 0.0),
        "metabolic": (1.0, None, 0.0),
    }
    for session in sessions:
        hours = (now - session.end_time).total_seconds() / SECONDS_PER_HOUR
        if hours > rules.lookback_hours:
            continue
        severity = _severity(session, rules)
        for system in _systems(session.stimulus):
            curve = recovery_fraction(hours, rules.tau_hours[system], rules.residual_floor)
            value = 1.0 - severity * (1.0 - curve)
            if value < result[system][0]:
                result[system] = (value, session, max(hours, 0.0))
    return result


def _scale(value: float, zero_at: float, one_at: float) -> float:
    """Linear 0–1 between two points (either order), clamped."""
    if one_at == zero_at:
        return 1.0 if value >= one_at else 0.0
    return min(max((value - zero_at) / (one_at - zero_at), 0.0), 1.0)


def _item(value: int, best_high: bool) -> float:
    span = ITEM_MAX - ITEM_MIN
    return (value - ITEM_MIN) / span if best_high else (ITEM_MAX - value) / span


def _colour_of(score: float, rules: ColourRules) -> Colour:
    if score >= rules.green_min:
        return "green"
    if score >= rules.amber_min:
        return "amber"
    return "red"


def _worse(a: Colour, b: Colour) -> Colour:
    return a if _COLOUR_ORDER.index(a) >= _COLOUR_ORDER.index(b) else b


def _band_top(colour: Colour, rules: ColourRules) -> float:
    if colour == "green":
        return SCORE_SCALE
    if colour == "amber":
        return rules.green_min - 1
    return rules.amber_min - 1


# --------------------------------------------------------------------------- physiology


def _hrv(
    today: float, history: Sequence[float], rules: HrvRules, reasons: list[str]
) -> tuple[float | None, Colour]:
    recent = [v for v in history[-rules.baseline_days :] if v > 0]
    if len(recent) < rules.min_baseline_days:
        reasons.append(
            f"HRV {today:.0f} ms noted; {rules.min_baseline_days} mornings are needed for a baseline "
            f"(have {len(recent)})."
        )
        return None, "green"
    logs = [math.log(v) for v in recent]
    mean_ln = statistics.fmean(logs)
    sd_ln = max(statistics.stdev(logs), rules.min_sd_ln)
    z = (math.log(today) - mean_ln) / sd_ln
    baseline_ms = math.exp(mean_ln)
    score = _scale(z, -rules.red_sd, -rules.normal_sd)
    if z <= -rules.red_sd:
        colour: Colour = "red"
    elif z < -rules.normal_sd:
        colour = "amber"
    else:
        colour = "green"
    direction = "below" if z < 0 else "above"
    reasons.append(
        f"HRV {today:.0f} ms is {abs(z):.1f} SD {direction} your {len(recent)}-day baseline of {baseline_ms:.0f} ms"
        + (" (within normal range)." if colour == "green" else ".")
    )
    return score, colour


def _resting_hr(
    today: float, history: Sequence[float], rules: RestingHrRules, reasons: list[str]
) -> tuple[float | None, Colour]:
    recent = [v for v in history[-rules.baseline_days :] if v > 0]
    if len(recent) < rules.min_baseline_days:
        reasons.append(
            f"Resting HR {today:.0f} bpm noted; {rules.min_baseline_days} mornings are needed for a baseline "
            f"(have {len(recent)})."
        )
        return None, "green"
    baseline = statistics.fmean(recent)
    delta = today - baseline
    score = _scale(delta, rules.red_above_bpm, rules.normal_above_bpm)
    if delta >= rules.red_above_bpm:
        colour: Colour = "red"
    elif delta >= rules.amber_above_bpm:
        colour = "amber"
    else:
        colour = "green"
    if delta > 0:
        reasons.append(
            f"Resting HR {today:.0f} bpm is {delta:.0f} bpm above your baseline of {baseline:.0f} bpm."
        )
    else:
        reasons.append(f"Resting HR {today:.0f} bpm is at or below your baseline of {baseline:.0f} bpm.")
    return score, colour


# --------------------------------------------------------------------------- main


def _wellness(check_in: ReadinessCheckIn, rules: WellnessRules, reasons: list[str]) -> tuple[float | None, bool]:
    """Wellness 0–1 from the items the athlete gave (unsaid ones stay unknown; ``None`` when none
    was given) and whether a hard flag caps the day at amber."""
    items: list[float] = []
    cap = False
    if check_in.sleep_hours is not None:
        items.append(_scale(check_in.sleep_hours, rules.sleep_zero_hours, rules.sleep_target_hours))
        quality = "" if check_in.sleep_quality is None else f" (quality {check_in.sleep_quality}/5)"
        sleep = f"You slept {check_in.sleep_hours:g} h{quality}"
        if check_in.sleep_hours < rules.very_short_sleep_hours:
            cap = True
            reasons.append(f"{sleep}: under {rules.very_short_sleep_hours:g} h, so today is at best amber.")
        elif check_in.sleep_hours < rules.short_sleep_hours:
            reasons.append(f"{sleep}: under {rules.short_sleep_hours:g} h counts against readiness.")
        else:
            reasons.append(f"{sleep}.")
    named = (
        ("sleep quality", check_in.sleep_quality, True),
        ("energy", check_in.energy, True),
        ("soreness", check_in.soreness, False),
        ("stress", check_in.stress, False),
        ("mood", check_in.mood, True),
    )
    given = [(name, value, high) for name, value, high in named if value is not None]
    items += [_item(value, best_high=high) for _, value, high in given]
    if not items:
        return None, False
    score = statistics.fmean(items)
    said = [f"{name.capitalize() if n == 0 else name} {value}/5" for n, (name, value, _) in enumerate(given) if name != "sleep quality"]
    if said:
        reasons.append(f"{', '.join(said)} (wellness {score * SCORE_SCALE:.0f}/100).")
    worst = [name for name, value, high in given if value == (ITEM_MIN if high else ITEM_MAX)]
    if worst and rules.worst_item_caps_amber:
        cap = True
        reasons.append(
            f"Your {' and '.join(worst)} is at the worst end of the scale, so today is at best amber."
        )
    return score, cap


def _said_physiology(
    check_in: ReadinessCheckIn, rules: ReadinessRules, reasons: list[str]
) -> tuple[float | None, Colour]:
    """What the athlete said of their pulse and HRV against their usual, when no baseline number is known."""
    scores: list[float] = []
    colour: Colour = "green"
    delta = check_in.resting_hr_above_usual_bpm
    if delta is not None:
        hr = rules.resting_hr
        scores.append(_scale(delta, hr.red_above_bpm, hr.normal_above_bpm))
        here: Colour = "red" if delta >= hr.red_above_bpm else "amber" if delta >= hr.amber_above_bpm else "green"
        colour = _worse(colour, here)
        reasons.append(
            f"Resting pulse {delta:+g} bpm against your usual"
            + (f": {hr.amber_above_bpm:g}+ is a warning, {hr.red_above_bpm:g}+ a red flag." if here != "green" else ".")
        )
    if check_in.hrv_below_usual is not None:
        if check_in.hrv_below_usual:
            scores.append(_scale(-rules.hrv.red_sd / 2, -rules.hrv.red_sd, -rules.hrv.normal_sd))
            colour = _worse(colour, "amber")
            reasons.append("HRV below your usual: a sign recovery isn't complete.")
        else:
            scores.append(1.0)
            reasons.append("HRV at your usual.")
    return (min(scores) if scores else None), colour


def _weighted(parts: Sequence[tuple[float | None, float]]) -> float:
    present = [(value, weight) for value, weight in parts if value is not None and weight > 0]
    total = math.fsum(weight for _, weight in present)
    if total <= 0:
        return 1.0
    return math.fsum(value * weight for value, weight in present) / total


def assess_readiness(
    check_in: ReadinessCheckIn,
    now: dt.datetime,
    recent_sessions: Sequence[RecentSession] = (),
    baseline: PhysiologyBaseline | None = None,
    rules: ReadinessRules | None = None,
) -> Readiness:
    """Score, colour and reasons for the morning of ``now`` (timezone-aware, like the sessions)."""
    rules = rules or load_readiness_rules()
    reasons: list[str] = []

    systems = system_readiness(recent_sessions, now, rules.recovery)
    recovery = min(value for value, _, _ in systems.values())
    for system, (value, session, hours) in systems.items():
        if session is not None and value < 1.0:
            reasons.append(
                f"{_SYSTEM_WORDS[system]} are {value * SCORE_SCALE:.0f} % recovered from {session.label} "
                f"{hours:.0f} h ago (τ {rules.recovery.tau_hours[system]:g} h)."
            )

    physiology_parts: list[float] = []
    objective_colour: Colour = "green"
    baseline = baseline or PhysiologyBaseline()
    if check_in.hrv_ms is not None:
        score, colour = _hrv(check_in.hrv_ms, baseline.hrv_ms, rules.hrv, reasons)
        if score is not None:
            physiology_parts.append(score)
        objective_colour = _worse(objective_colour, colour)
    if check_in.resting_hr_bpm is not None:
        score, colour = _resting_hr(
            check_in.resting_hr_bpm, baseline.resting_hr_bpm, rules.resting_hr, reasons
        )
        if score is not None:
            physiology_parts.append(score)
        objective_colour = _worse(objective_colour, colour)
    said_score, said_colour = _said_physiology(check_in, rules, reasons)
    if said_score is not None:
        physiology_parts.append(said_score)
    objective_colour = _worse(objective_colour, said_colour)
    physiology = min(physiology_parts) if physiology_parts else None

    wellness, capped = _wellness(check_in, rules.wellness, reasons)

    weights = rules.weights
    objective = _weighted([(recovery, weights.recovery), (physiology, weights.physiology)]) * SCORE_SCALE
    objective_colour = _worse(objective_colour, _colour_of(objective, rules.colour))
    feeling_colour = "green" if wellness is None else _colour_of(wellness * SCORE_SCALE, rules.colour)
    if capped:
        feeling_colour = _worse(feeling_colour, "amber")
    blended = (
        _weighted(
            [(recovery, weights.recovery), (physiology, weights.physiology), (wellness, weights.wellness)]
        )
        * SCORE_SCALE
    )
    colour = _worse(_worse(objective_colour, feeling_colour), _colour_of(blended, rules.colour))
    if check_in.ill:
        below = bool(check_in.ill_below_neck)
        ill = rules.illness
        colour = _worse(colour, ill.below_neck_colour if below else ill.above_neck_colour)
        blended = min(blended, ill.below_neck_max_score if below else ill.above_neck_max_score)
        reasons.append(
            "You're ill with symptoms below the neck (fever, chest, aching or stomach): rest until they are gone."
            if below
            else "You're ill with symptoms above the neck only: easy training at most, stop if it gets worse."
        )
    score = round(min(blended, _band_top(colour, rules.colour)))
    if colour != objective_colour and _COLOUR_ORDER.index(feeling_colour) > _COLOUR_ORDER.index(
        objective_colour
    ):
        reasons.append(
            f"The numbers alone say {objective_colour}; how you feel brings the day down to {colour}."
        )
    summary = {
        "green": "Green: train as planned.",
        "amber": "Amber: keep the session but ease the intensity or shorten it.",
        "red": "Red: rest or recovery only today.",
    }[colour]
    reasons.append(f"{summary} Readiness {score}/100.")
    return Readiness(
        score=score,
        colour=colour,
        reasons=tuple(reasons),
        recovery=recovery,
        physiology=physiology,
        wellness=wellness,
    )
