"""The next set: exercise, weight, reps, target RPE and rest (issue 14; seed 004's per-set loop).

Pure and deterministic. The numbers come from:

* the e1RM (``coach.engine.metrics.strength``: Epley on top sets, EWMA α = 1/3), or — once a set of
  this exercise is logged today with an RPE — the e1RM that set implies on the RTS chart
  (Tuchscherer 2008: today's top set re-anchors the rest of the session);
* the RPE chart for the load at the target reps and RPE, rounded down to the plate increment;
* the day's plan (phase dose), today's readiness (``coach/rules/strength.yaml`` readiness), the
  self-grading correction, and the confidence rung (no estimate: an easy calibration set).

The pain gate runs last, after every other reasoning (and after any model phrasing): a pain
flag forces rest ≥ 180 s and a safer variant, or a stop, for that movement (seed 004).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from coach.engine.metrics.strength import TOP_SET_MAX_REPS, e1rm_from_rpe_kg, load_for_kg, load_rpe_chart
from coach.strength.program import Slot, TrainingDay, can_do
from coach.strength.rules import Colour, StrengthRules, load_rules


@dataclass(frozen=True, slots=True)
class LiftKnowledge:
    """What the model of the lifter says about one exercise before today."""

    exercise: str
    e1rm_kg: float | None
    confidence: str = "none"
    source: str = ""


@dataclass(frozen=True, slots=True)
class DoneSet:
    slot_index: int
    exercise: str
    pattern: str
    weight_kg: float | None
    reps: int
    rpe: float | None
    pain: bool = False


@dataclass(frozen=True, slots=True)
class Prescription:
    slot_index: int
    exercise: str
    pattern: str
    role: str
    set_number: int
    sets_planned: int
    weight_kg: float | None
    reps: int
    target_rpe: float
    rest_s: int
    calibration: bool = False
    bodyweight: bool = False
    pain_gated: bool = False
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SessionState:
    """Everything the prescriber reads, in one value (so the bench and the tests can build it)."""

    day: TrainingDay
    done: tuple[DoneSet, ...] = ()
    knowledge: Mapping[str, LiftKnowledge] = field(default_factory=dict)
    readiness: Colour | None = None
    plate_increment_kg: float = 2.5
    corrections: Mapping[str, float] = field(default_factory=dict)  # pattern -> e1RM factor
    correction_notes: Mapping[str, str] = field(default_factory=dict)
    missing_equipment: frozenset[str] = frozenset()
    painful_exercises: frozenset[str] = frozenset()  # flagged today or by an active note
    stopped_slots: frozenset[int] = frozenset()  # skipped by the athlete or stopped by the gate


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def is_bodyweight(exercise: str, rules: StrengthRules) -> bool:
    return not rules.exercises[exercise].equipment


def safer_variant(exercise: str, state: SessionState, rules: StrengthRules) -> str | None:
    """The first safer variant the equipment allows that has not hurt too; ``None``: stop the movement."""
    seen = {exercise}
    queue = list(rules.exercises[exercise].safer)
    while queue:
        candidate = queue.pop(0)
        if candidate in seen:
            continue
        seen.add(candidate)
        if candidate not in state.painful_exercises and can_do(candidate, state.missing_equipment, rules):
            return candidate
        queue.extend(rules.exercises[candidate].safer)
    return None


def session_e1rm(exercise: str, done: Sequence[DoneSet]) -> float | None:
    """The e1RM today's last set of this exercise implies on the RPE chart (None off the chart)."""
    chart = load_rpe_chart()
    for s in reversed(done):
        if s.exercise != exercise or s.weight_kg is None or s.rpe is None or s.pain or s.weight_kg <= 0:
            continue
        if not 1 <= s.reps <= TOP_SET_MAX_REPS + 2 or s.rpe < 6.0:
            continue
        try:
            return e1rm_from_rpe_kg(s.weight_kg, s.reps, s.rpe, chart)
        except ValueError:
            continue
    return None


def _current_slot(state: SessionState, rules: StrengthRules) -> tuple[int, Slot, int, int] | None:
    """(index, slot, sets done, sets planned) of the first slot with sets left, or None: the day is done."""
    sets_delta = rules.readiness[state.readiness].sets_delta if state.readiness else 0
    for index, slot in enumerate(state.day.slots):
        if index in state.stopped_slots:
            continue
        planned = max(1, slot.sets + sets_delta)
        done = sum(1 for s in state.done if s.slot_index == index)
        if done < planned:
            return index, slot, done, planned
    return None


def numbers_for(
    exercise: str, slot: Slot, index: int, set_number: int, planned: int, state: SessionState, rules: StrengthRules
) -> Prescription:
    """The engine's numbers for one set of ``exercise`` in ``slot`` (before the pain gate)."""
    reasons: list[str] = []
    adjust = rules.readiness[state.readiness] if state.readiness else None
    low, high = rules.target_rpe_range
    target = slot.rpe
    if adjust is not None and adjust.rpe_delta:
        target += adjust.rpe_delta
        reasons.append(f"readiness {state.readiness}: target RPE {adjust.rpe_delta:+g}")
    if adjust is not None and adjust.sets_delta:
        reasons.append(f"readiness {state.readiness}: {adjust.sets_delta:+d} set")
    target = _clamp(target, low, high)
    rest = slot.rest_s + (rules.hard_set_extra_rest_s if target >= rules.hard_set_rpe else 0)
    base = Prescription(index, exercise, slot.pattern, slot.role, set_number, planned, None, slot.reps, target, rest)
    if is_bodyweight(exercise, rules):
        return dataclasses.replace(base, bodyweight=True, reasons=tuple(reasons))
    today = session_e1rm(exercise, state.done)
    knowledge = state.knowledge.get(exercise)
    e1rm: float | None
    if today is not None:
        e1rm = today
        reasons.append(f"today's sets put your e1RM at {today:.1f} kg (RPE chart)")
    elif knowledge is not None and knowledge.e1rm_kg is not None:
        e1rm = knowledge.e1rm_kg
        reasons.append(f"e1RM {e1rm:.1f} kg ({knowledge.source or 'your history'}; confidence {knowledge.confidence})")
        factor = state.corrections.get(slot.pattern, 1.0)
        if factor != 1.0:
            e1rm *= factor
            reasons.append(state.correction_notes.get(slot.pattern) or f"self-grading correction {(factor - 1) * 100:+.0f} %")
        if knowledge.confidence in ("none", "low") and target > 7.5:
            target = 7.5
            reasons.append("few sessions of this lift yet: target RPE capped at 7.5")
    else:
        calib = rules.calibration
        return dataclasses.replace(
            base, reps=calib.reps, target_rpe=calib.rpe, rest_s=calib.rest_s, calibration=True,
            reasons=(f"not enough data yet for {exercise.replace('_', ' ')}: an easy calibration set",),
        )
    try:
        weight = load_for_kg(e1rm, slot.reps, target, increment_kg=state.plate_increment_kg)
    except ValueError:
        weight = load_for_kg(e1rm, min(slot.reps, 10), 7.0, increment_kg=state.plate_increment_kg)
    weight = max(weight, state.plate_increment_kg)
    return dataclasses.replace(base, weight_kg=weight, target_rpe=target, reasons=tuple(reasons))


def pain_gate(prescription: Prescription, state: SessionState, rules: StrengthRules | None = None) -> Prescription | None:
    """Seed 004's deterministic safety gate, run after everything else: a movement that hurt gets a
    safer variant (or ``None``: stop it), and rest is at least 180 s after a pain flag."""
    rules = rules or load_rules()
    minimum = rules.pain.min_rest_s
    last_hurt = bool(state.done) and state.done[-1].pain
    hurt_here = prescription.exercise in state.painful_exercises
    hurt_pattern = any(s.pain and s.pattern == prescription.pattern for s in state.done)
    if not (last_hurt or hurt_here or hurt_pattern):
        return prescription
    if hurt_here:
        variant = safer_variant(prescription.exercise, state, rules)
        if variant is None:
            return None
        slot = state.day.slots[prescription.slot_index]
        swapped = numbers_for(variant, slot, prescription.slot_index, prescription.set_number, prescription.sets_planned,
                              state, rules)
        prescription = dataclasses.replace(
            swapped, reasons=(f"{prescription.exercise.replace('_', ' ')} hurt: {variant.replace('_', ' ')} instead",
                              *swapped.reasons),
        )
    return dataclasses.replace(prescription, rest_s=max(prescription.rest_s, minimum), pain_gated=True)


@dataclass(frozen=True, slots=True)
class NextStep:
    prescription: Prescription | None  # None: the day is done
    stopped: tuple[tuple[int, str], ...] = ()  # (slot index, exercise) stopped by the gate


def prescribe(state: SessionState, rules: StrengthRules | None = None) -> NextStep:
    """The next set of the day, or ``None`` when every slot is done or stopped."""
    rules = rules or load_rules()
    stopped: list[tuple[int, str]] = []
    while True:
        current = _current_slot(state, rules)
        if current is None:
            return NextStep(None, tuple(stopped))
        index, slot, done, planned = current
        exercise = next((s.exercise for s in reversed(state.done) if s.slot_index == index and not s.pain), slot.exercise)
        proposal = numbers_for(exercise, slot, index, done + 1, planned, state, rules)
        gated = pain_gate(proposal, state, rules)
        if gated is not None:
            return NextStep(gated, tuple(stopped))
        stopped.append((index, exercise))
        state = dataclasses.replace(state, stopped_slots=state.stopped_slots | {index})
