"""The program as a queue of training days (issue 14, seed 004 "the program is a queue, not a calendar").

Pure: no database, no clock. A day's label is a stable key taken from the rules' templates,
never minted, so regenerating the program (new equipment, new goal) keeps every label that
history joins on; labels no longer in the queue are kept as ``retired``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from coach.strength.rules import Colour, Pattern, Phase, StrengthRules, Track, load_rules

GYM_ITEMS = frozenset({"barbell"})
"""A gym the athlete says they no longer have takes its barbell with it (unless a barbell is named)."""


@dataclass(frozen=True, slots=True)
class Slot:
    """One exercise of a day and its dose for the current phase."""

    pattern: Pattern
    exercise: str
    role: str  # main | accessory
    sets: int
    reps: int
    rpe: float
    rest_s: int

    def to_json(self) -> dict[str, Any]:
        return {"pattern": self.pattern, "exercise": self.exercise, "role": self.role, "sets": self.sets, "reps": self.reps,
                "rpe": self.rpe, "rest_s": self.rest_s}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Slot:
        return cls(pattern=data["pattern"], exercise=str(data["exercise"]), role=str(data["role"]), sets=int(data["sets"]),
                   reps=int(data["reps"]), rpe=float(data["rpe"]), rest_s=int(data["rest_s"]))


@dataclass(frozen=True, slots=True)
class TrainingDay:
    label: str
    slots: tuple[Slot, ...]
    conditioning_min: int
    mobility_min: int

    @property
    def lower_body(self) -> bool:
        rules = load_rules()
        return any(rules.patterns[s.pattern].lower_body for s in self.slots if s.role == "main")

    def to_json(self) -> dict[str, Any]:
        return {"label": self.label, "slots": [s.to_json() for s in self.slots], "conditioning_min": self.conditioning_min,
                "mobility_min": self.mobility_min}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TrainingDay:
        return cls(label=str(data["label"]), slots=tuple(Slot.from_json(s) for s in data["slots"]),
                   conditioning_min=int(data["conditioning_min"]), mobility_min=int(data["mobility_min"]))


@dataclass(frozen=True, slots=True)
class Program:
    days: tuple[TrainingDay, ...]
    phase: Phase
    goal: str
    equipment_missing: tuple[str, ...]
    retired: tuple[str, ...] = ()
    blend: dict[Track, float] = field(default_factory=dict)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(d.label for d in self.days)

    def day(self, label: str) -> TrainingDay | None:
        return next((d for d in self.days if d.label == label), None)

    def to_json(self) -> dict[str, Any]:
        return {"days": [d.to_json() for d in self.days], "phase": self.phase, "goal": self.goal,
                "equipment_missing": list(self.equipment_missing), "retired": list(self.retired), "blend": dict(self.blend)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Program:
        return cls(days=tuple(TrainingDay.from_json(d) for d in data["days"]), phase=data["phase"], goal=str(data["goal"]),
                   equipment_missing=tuple(data.get("equipment_missing") or ()), retired=tuple(data.get("retired") or ()),
                   blend=dict(data.get("blend") or {}))


def missing_equipment(unavailable: Iterable[str], available: Iterable[str] = ()) -> frozenset[str]:
    """Items the athlete can't use: what they said they lack; "no gym" also takes the barbell away."""
    lacking, having = set(unavailable), set(available)
    if "gym" in lacking:
        lacking |= GYM_ITEMS - having
    return frozenset(lacking - having)


def can_do(exercise: str, missing: frozenset[str], rules: StrengthRules | None = None) -> bool:
    rules = rules or load_rules()
    return not (set(rules.exercises[exercise].equipment) & missing)


def exercise_for(pattern: Pattern, missing: frozenset[str], avoid: frozenset[str] = frozenset(),
                 rules: StrengthRules | None = None) -> str:
    """The first exercise of the pattern the equipment allows (a hard filter); bodyweight always remains."""
    rules = rules or load_rules()
    for name, exercise in rules.exercises.items():
        if exercise.pattern == pattern and name not in avoid and can_do(name, missing, rules):
            return name
    return next(n for n, e in rules.exercises.items() if e.pattern == pattern and not e.equipment)


def blend_for(goal: str, rules: StrengthRules | None = None) -> dict[Track, float]:
    """Seed 000: the tracks weighted by the member's goal."""
    rules = rules or load_rules()
    return dict(rules.tracks.by_goal.get(goal) or rules.tracks.by_goal[rules.tracks.default_goal])


def dose_slots(patterns: Sequence[Pattern], exercises: Sequence[str], phase: Phase, rules: StrengthRules) -> tuple[Slot, ...]:
    slots = []
    for i, (pattern, exercise) in enumerate(zip(patterns, exercises, strict=True)):
        role = "main" if i < 2 else "accessory"
        dose = rules.phases[phase].main if role == "main" else rules.phases[phase].accessory
        slots.append(Slot(pattern, exercise, role, dose.sets, dose.reps, dose.rpe, dose.rest_s))
    return tuple(slots)


def build_program(
    *, days_per_week: int | None = None, goal: str = "general_fitness", missing: frozenset[str] = frozenset(),
    phase: Phase = "accumulation", previous: Program | None = None, rules: StrengthRules | None = None,
) -> Program:
    """A queue of days from the templates, exercises through the equipment filter, tracks by goal.

    ``previous``: its labels that the new queue no longer holds are kept as ``retired`` so that
    no logged set ever loses its day.
    """
    rules = rules or load_rules()
    count = days_per_week if days_per_week in rules.days else rules.default_days_per_week
    blend = blend_for(goal, rules)
    minutes = rules.tracks.session_minutes
    days = []
    for template in rules.days[count]:
        exercises = [exercise_for(p, missing, rules=rules) for p in template.patterns]
        days.append(TrainingDay(
            label=template.label, slots=dose_slots(template.patterns, exercises, phase, rules),
            conditioning_min=round(blend.get("conditioning", 0.0) * minutes), mobility_min=round(blend.get("mobility", 0.0) * minutes),
        ))
    labels = {d.label for d in days}
    retired: list[str] = []
    if previous is not None:
        retired = [label for label in (*previous.labels, *previous.retired) if label not in labels and label not in retired]
    return Program(days=tuple(days), phase=phase, goal=goal, equipment_missing=tuple(sorted(missing)),
                   retired=tuple(retired), blend=blend)


def with_phase(program: Program, phase: Phase, rules: StrengthRules | None = None) -> Program:
    """The same days and exercises, dosed for another phase."""
    rules = rules or load_rules()
    days = tuple(
        TrainingDay(d.label, dose_slots([s.pattern for s in d.slots], [s.exercise for s in d.slots], phase, rules),
                    d.conditioning_min, d.mobility_min)
        for d in program.days
    )
    return Program(days, phase, program.goal, program.equipment_missing, program.retired, program.blend)


# --------------------------------------------------------------------------- the queue


def next_day_index(program: Program, position: int, *, hard_endurance_near: bool = False) -> tuple[int, str | None]:
    """The day to train: the queue's head, or (next to a hard run or ride) the first day without
    heavy lower-body work, so legs and endurance quality don't collide. Returns (index, why)."""
    n = len(program.days)
    head = position % n
    if not hard_endurance_near or not program.days[head].lower_body:
        return head, None
    for step in range(1, n):
        candidate = (head + step) % n
        if not program.days[candidate].lower_body:
            return candidate, (f"day {program.days[head].label} is heavy on the legs and you have a hard endurance "
                               f"session close by, so day {program.days[candidate].label} comes first")
    return head, (f"day {program.days[head].label} has heavy leg work and you have a hard endurance session close by, "
                  "so its leg lifts are light today")


def legs_clear(day: dt.date, hard_days: Collection[dt.date], keep_away_days: int) -> bool:
    """Heavy lower-body work on ``day`` leaves the hard endurance sessions fresh: none on that day
    (still to do) nor in the ``keep_away_days`` days after it. Heavy leg strength blunts running
    economy and quality work for 24-48 h after (Doma & Deakin 2013; Doma, Deakin & Bentley 2017);
    after a hard session it costs that session nothing."""
    return not any(day + dt.timedelta(days=k) in hard_days for k in range(keep_away_days + 1))


@dataclass(frozen=True, slots=True)
class LegsPlacement:
    """Where the heavy lower-body day goes relative to the hard endurance sessions."""

    clear_today: bool
    best_day: dt.date | None  # the first day from ``start`` that is clear (None: none this week)
    clash: tuple[dt.date, str] | None  # the hard session that makes ``start`` a poor day, if any


def place_legs(
    start: dt.date, hard_sessions: Mapping[dt.date, str], keep_away_days: int, horizon_days: int = 7,
) -> LegsPlacement:
    """The first day from ``start`` within ``horizon_days`` (a week) whose heavy leg work sits away
    from every hard or long endurance session (``hard_sessions``: date -> what it is)."""
    clash = next(((start + dt.timedelta(days=k), hard_sessions[start + dt.timedelta(days=k)])
                  for k in range(keep_away_days + 1) if start + dt.timedelta(days=k) in hard_sessions), None)
    best = next((start + dt.timedelta(days=k) for k in range(horizon_days)
                 if legs_clear(start + dt.timedelta(days=k), hard_sessions, keep_away_days)), None)
    return LegsPlacement(clash is None, best, clash)


def ease_lower_body(day: TrainingDay, rules: StrengthRules | None = None) -> TrainingDay:
    """A full-body day next to a hard run or ride: its lower-body slots take the deload dose, so the
    legs arrive fresh (no heavy squat or hinge the day before or after intervals)."""
    rules = rules or load_rules()
    slots = []
    for slot in day.slots:
        if rules.patterns[slot.pattern].lower_body:
            dose = rules.phases["deload"].main if slot.role == "main" else rules.phases["deload"].accessory
            slot = Slot(slot.pattern, slot.exercise, slot.role, dose.sets, dose.reps, dose.rpe, dose.rest_s)
        slots.append(slot)
    return TrainingDay(day.label, tuple(slots), day.conditioning_min, day.mobility_min)


def advance(position: int, trained_index: int, program: Program) -> int:
    """After training a day the queue moves on; a day trained out of turn swaps with the head
    (the head is still next), so nothing is skipped and no date is involved."""
    n = len(program.days)
    head = position % n
    return position + 1 if trained_index == head else position


def queue_after(program: Program, position: int, trained_index: int) -> list[int]:
    """Order of the next days after a day was trained (for the 'next up' line)."""
    n = len(program.days)
    head = position % n
    if trained_index == head:
        return [(head + 1 + i) % n for i in range(n)]
    return [head] + [(head + 1 + i) % n for i in range(n - 1) if (head + 1 + i) % n != trained_index]


# --------------------------------------------------------------------------- phases


@dataclass(frozen=True, slots=True)
class PhaseDecision:
    phase: Phase
    changed: bool
    reason: str


def next_phase(
    phase: Phase, days_in_phase: int, verdicts: Sequence[str], recent_colours: Sequence[Colour],
    queue_length: int, rules: StrengthRules | None = None,
) -> PhaseDecision:
    """Advance by plateau verdicts and fatigue first, by the day count only as a backstop.

    ``verdicts``: the plateau verdict (coach.engine.metrics.strength) of each main lift;
    ``recent_colours``: readiness colours of the last check-ins, newest last.
    """
    rules = rules or load_rules()
    r = rules.phase_rules
    reds = sum(1 for c in list(recent_colours)[-3:] if c == "red")
    known = [v for v in verdicts if v != "not_enough_data"]
    plateaued = sum(1 for v in known if v == "plateaued")
    if phase == "accumulation":
        if reds >= r.fatigue_red_checkins:
            return PhaseDecision("deload", True, f"red readiness on {reds} of the last 3 check-ins")
        if days_in_phase >= r.accumulation_min_days and known and plateaued / len(known) >= r.plateaued_share_to_intensify:
            return PhaseDecision("intensification", True, f"{plateaued} of {len(known)} main lifts have plateaued")
        if days_in_phase >= r.accumulation_max_days:
            return PhaseDecision("intensification", True, f"{days_in_phase} days of accumulation")
    elif phase == "intensification":
        if "declining" in known:
            return PhaseDecision("deload", True, "a main lift is declining")
        if reds >= r.fatigue_red_checkins:
            return PhaseDecision("deload", True, f"red readiness on {reds} of the last 3 check-ins")
        if days_in_phase >= r.intensification_max_days:
            return PhaseDecision("deload", True, f"{days_in_phase} days of intensification")
    elif days_in_phase >= max(r.deload_days, queue_length):
        return PhaseDecision("accumulation", True, "the deload is done: one full pass of the queue")
    return PhaseDecision(phase, False, "")
