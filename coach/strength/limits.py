"""An athlete's limitations (memory's injuries: a body part, a few words) applied to a training day
when it is built: the movement patterns that load that part get a safer variant, or are left out
today, and the coach says why. Pure: the rules come from ``coach/rules/strength.yaml``
(``limitations``); the live pain gate still runs on every set after this.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass

from coach.strength.program import Slot, TrainingDay, can_do
from coach.strength.rules import StrengthRules, load_rules


@dataclass(frozen=True, slots=True)
class Restriction:
    """One active limitation: the body part (memory's names: knee, lower_back...) and how the athlete put it."""

    body_part: str | None
    description: str


@dataclass(frozen=True, slots=True)
class RestrictedDay:
    day: TrainingDay
    skipped: tuple[int, ...]  # slot indices left out today
    reasons: tuple[str, ...]  # one sentence per change


def body_part_of(restriction: Restriction, rules: StrengthRules) -> str | None:
    """The rules' body part of a limitation: its own field, else the first part its words name
    ('sore knee' -> knee; 'lower back' before 'back')."""
    if restriction.body_part and restriction.body_part in rules.limitations:
        return restriction.body_part
    text = " " + re.sub(r"[^a-z]+", " ", restriction.description.lower()) + " "
    for part in sorted(rules.limitations, key=len, reverse=True):
        words = part.replace("_", " ")
        if re.search(rf"\b{re.escape(words)}s?\b", text):
            return part
    return None


def _safer(exercise: str, missing: frozenset[str], rules: StrengthRules) -> str | None:
    """The first safer variant down the exercise's chain that the equipment allows."""
    seen = {exercise}
    queue = list(rules.exercises[exercise].safer)
    while queue:
        candidate = queue.pop(0)
        if candidate in seen:
            continue
        seen.add(candidate)
        if can_do(candidate, missing, rules):
            return candidate
        queue.extend(rules.exercises[candidate].safer)
    return None


def _name(exercise: str) -> str:
    return exercise.replace("_", " ")


def restrict_day(day: TrainingDay, restrictions: Sequence[Restriction], missing: frozenset[str] = frozenset(),
                 rules: StrengthRules | None = None) -> RestrictedDay:
    """Each slot whose pattern a limitation names: "skip" -> left out today; "safer" -> one step down
    its safer chain (left out when none is left that the equipment allows). The first limitation
    that names a slot decides it; the reason quotes how the athlete put it."""
    rules = rules or load_rules()
    slots: list[Slot] = list(day.slots)
    skipped: list[int] = []
    reasons: list[str] = []
    for index, slot in enumerate(day.slots):
        for restriction in restrictions:
            part = body_part_of(restriction, rules)
            if part is None:
                continue
            rule = rules.limitations[part]
            said = restriction.description.strip() or part.replace("_", " ")
            if slot.pattern in rule.skip:
                skipped.append(index)
                reasons.append(f"{_name(slot.exercise)} left out today: {_name(slot.pattern)} work loads the {part.replace('_', ' ')} "
                               f"(your note: \"{said}\")")
                break
            if slot.pattern in rule.safer:
                variant = _safer(slot.exercise, missing, rules)
                if variant is None:
                    skipped.append(index)
                    reasons.append(f"{_name(slot.exercise)} left out today: no safer variant you can do here for the "
                                   f"{part.replace('_', ' ')} (your note: \"{said}\")")
                else:
                    slots[index] = dataclasses.replace(slot, exercise=variant)
                    reasons.append(f"{_name(variant)} instead of {_name(slot.exercise)}, easier on the {part.replace('_', ' ')} "
                                   f"(your note: \"{said}\")")
                break
    return RestrictedDay(dataclasses.replace(day, slots=tuple(slots)), tuple(skipped), tuple(reasons))
