"""The athlete's one-line answer to a proposed set: "100 x 5 @8", "5 reps, easy", "done",
"only 3, shoulder tweaky", "pause", "finished". Pure and deterministic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

from coach.strength.rules import StrengthRules, load_rules

LB_TO_KG: Final = 0.45359237
"""International yard and pound agreement (1959)."""

LineKind = Literal["set", "finish", "pause", "resume", "skip", "unknown"]

_NUMBER = r"(\d+(?:[.,]\d+)?)"
_WEIGHT_REPS = re.compile(rf"{_NUMBER}\s*(kg|kgs|kilos?|lbs?|pounds?)?\s*(?:x|×|\*|for)\s*(\d{{1,2}})\b(?!\s*(?:kg|lb))")
_REPS_AT_WEIGHT = re.compile(rf"\b(\d{{1,2}})\s*(?:reps?)?\s*(?:at|@)\s*{_NUMBER}\s*(kg|kgs|kilos?|lbs?|pounds?)\b")
_RPE = re.compile(r"(?:@|\brpe\s*)\s*(\d+(?:[.,]5)?)\b")
_REPS = re.compile(r"\b(?:only\s+|just\s+|got\s+)?(\d{1,2})\s*(?:reps?\b|(?=\s*(?:,|$|\s+(?:and|but|easy|hard|tough|only))))")
_ONLY = re.compile(r"\b(?:only|just|got)\s+(\d{1,2})\b")
_DONE = re.compile(r"^(?:done|did it|ok|okay|yes|y|✅|👍|as prescribed|complete|completed|got it|easy done)\b")
_FINISH = re.compile(r"^(?:finish(?:ed)?|i'?m finished|all done|end(?: session)?|that'?s it|done for (?:the day|today)|stop(?: the)? session|workout (?:done|finished))\b")
_PAUSE = re.compile(r"^(?:pause|hold on|brb|break)\b")
_RESUME = re.compile(r"^(?:resume|continue|back|i'?m back)\b")
_SKIP = re.compile(r"^(?:skip|next exercise|move on)\b")


@dataclass(frozen=True, slots=True)
class SetLine:
    """What a line said. ``None`` fields were not said (the prescription fills them in)."""

    kind: LineKind
    weight_kg: float | None = None
    reps: int | None = None
    rpe: float | None = None
    pain: bool = False
    note: str = ""


def _kg(value: str, unit: str | None) -> float:
    number = float(value.replace(",", "."))
    return number * LB_TO_KG if unit and unit.startswith(("lb", "pound")) else number


def has_pain(text: str, rules: StrengthRules | None = None) -> bool:
    """A pain or injury word not negated ("no pain", "pain-free"): the pain gate's trigger."""
    rules = rules or load_rules()
    lowered = text.lower()
    for negation in rules.pain.negations:
        lowered = lowered.replace(negation, " ")
    return any(re.search(rf"\b{re.escape(word)}\b", lowered) for word in rules.pain.words)


def effort_rpe(text: str, rules: StrengthRules | None = None) -> float | None:
    """An effort word as RPE ("easy" 6, "hard" 8.5); the longest phrase wins ("very easy" over "easy")."""
    rules = rules or load_rules()
    lowered = text.lower()
    for phrase in sorted(rules.effort_words, key=len, reverse=True):
        if re.search(rf"\b{re.escape(phrase)}\b", lowered):
            return rules.effort_words[phrase]
    return None


def parse_set_line(text: str, rules: StrengthRules | None = None) -> SetLine:
    """Read one line. A line with pain words keeps them as ``note`` for the memory."""
    rules = rules or load_rules()
    lowered = " ".join(text.lower().strip().split())
    pain = has_pain(lowered, rules)
    note = text.strip() if pain else ""
    if _FINISH.match(lowered):
        return SetLine("finish", pain=pain, note=note)
    if _PAUSE.match(lowered):
        return SetLine("pause")
    if _RESUME.match(lowered):
        return SetLine("resume")
    if _SKIP.match(lowered):
        return SetLine("skip", pain=pain, note=note)
    weight: float | None = None
    reps: int | None = None
    rpe: float | None = None
    rest = lowered
    found = _WEIGHT_REPS.search(lowered)
    if found is not None:
        weight, reps = _kg(found.group(1), found.group(2)), int(found.group(3))
        rest = lowered[: found.start()] + " " + lowered[found.end():]
    else:
        at = _REPS_AT_WEIGHT.search(lowered)
        if at is not None:
            reps, weight = int(at.group(1)), _kg(at.group(2), at.group(3))
            rest = lowered[: at.start()] + " " + lowered[at.end():]
    said_rpe = _RPE.search(rest)
    if said_rpe is not None:
        value = float(said_rpe.group(1).replace(",", "."))
        rpe = value if 1.0 <= value <= 10.0 else None
        rest = rest[: said_rpe.start()] + " " + rest[said_rpe.end():]
    if reps is None:
        only = _ONLY.search(rest) or _REPS.search(rest)
        if only is not None:
            reps = int(only.group(1))
    if rpe is None:
        rpe = effort_rpe(rest, rules)
    if reps is not None and not 0 <= reps <= 50:
        reps = None
    if weight is not None and not 0 <= weight <= 1000:
        weight = None
    said_something = weight is not None or reps is not None or rpe is not None
    if said_something or _DONE.match(lowered) or pain:
        return SetLine("set", weight_kg=weight, reps=reps, rpe=rpe, pain=pain, note=note)
    return SetLine("unknown")
