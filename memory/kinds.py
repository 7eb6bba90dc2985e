"""Sort a note into one of six kinds with keyword rules from ``note_rules.yaml``.

Why rules and not the language model: the kind decides whether a note can become a hard
filter on the plan, so it must be deterministic, instant, free and explainable ("injury,
because 'knee' and 'hurts' are in one clause"). ``explain_note`` returns that reasoning;
``classify_note`` returns just the kind.

Scoring: each signal adds its weight to one kind; the highest total wins, ties go to the
earlier kind in ``classification.priority`` and a note matching nothing gets
``classification.default_kind``.
"""

from __future__ import annotations

from dataclasses import dataclass

from memory.rules import NoteRules, load_note_rules, normalise_text
from memory.text import find_durations, split_clauses, split_sentences
from memory.vocabulary import NOTE_KINDS, NoteKind


@dataclass(frozen=True)
class NoteClassification:
    """The kind of a note and why: the score of every kind and each signal that fired."""

    kind: NoteKind
    scores: dict[NoteKind, float]
    reasons: tuple[str, ...]


def classify_note(text: str, rules: NoteRules | None = None) -> NoteKind:
    """The kind of ``text``: injury, constraint, preference, feeling, equipment or goal."""
    return explain_note(text, rules).kind


def explain_note(text: str, rules: NoteRules | None = None) -> NoteClassification:
    """Classify ``text`` and say which rules fired, so a surprising kind can be traced to the YAML."""
    rules = rules if rules is not None else load_note_rules()
    compiled = rules.compiled
    weights = rules.classification.signals
    norm = normalise_text(text)
    scores: dict[NoteKind, float] = dict.fromkeys(NOTE_KINDS, 0.0)
    reasons: list[str] = []

    def fire(kind: NoteKind, weight: float, why: str) -> None:
        scores[kind] += weight
        reasons.append(f"{kind} +{weight:g}: {why}")

    parts = [m.group(0) for p in compiled.body_parts.values() if (m := p.search(norm))]
    if parts:
        fire("injury", weights.body_part, f"body part {parts[0]!r}")
    if pain := compiled.any_pain.search(norm):
        fire("injury", weights.pain, f"pain word {pain.group(0)!r}")
    clauses = [clause for sentence in split_sentences(norm) for clause in split_clauses(sentence)]
    if any(
        compiled.any_pain.search(clause) and any(p.search(clause) for p in compiled.body_parts.values())
        for clause in clauses
    ):
        fire("injury", weights.body_part_pain, "body part and pain word in one clause")
    conditions = [m.group(0) for p in compiled.conditions.values() if (m := p.search(norm))]
    if conditions:
        fire("injury", weights.condition, f"condition {conditions[0]!r}")
    items = [m.group(0) for p in compiled.equipment.values() if (m := p.search(norm))]
    if items:
        fire("equipment", weights.equipment, f"equipment {items[0]!r}")
    prohibited = [m.group(0) for p in compiled.prohibited_sport.values() if (m := p.search(norm))]
    if prohibited:
        fire("constraint", weights.prohibited_sport, f"sport ruled out {prohibited[0]!r}")
    if day := compiled.any_day.search(norm):
        fire("constraint", weights.weekday, f"day {day.group(0)!r}")
    durations = find_durations(norm, compiled.spelled_durations, rules.constraints.spelled_durations)
    if durations:
        first = durations[0]
        fire("constraint", weights.duration, f"duration {norm[first.start : first.end]!r}")
    for kind, weight, phrases, patterns in compiled.cues:
        match = phrases.search(norm) or next((m for p in patterns if (m := p.search(norm))), None)
        if match:
            fire(kind, weight, f"cue {match.group(0)!r}")

    best = max(scores.values())
    if best <= 0:
        return NoteClassification(rules.classification.default_kind, scores, ("no rule fired",))
    priority = rules.classification.priority
    ranked = sorted(
        (kind for kind in NOTE_KINDS if scores[kind] == best),
        key=lambda kind: priority.index(kind) if kind in priority else len(priority),
    )
    return NoteClassification(ranked[0], scores, tuple(reasons))
