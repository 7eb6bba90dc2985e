"""The coach grades its own prescriptions and corrects the next ones (seed 004: self-grading).

``metrics.adherence.prescription_bias`` measures, per session type, how far what the athlete
actually does is from what was prescribed; past 5 % over at least 5 sessions it yields a
correction factor (seed 004: "it only speaks up past 5 samples, and only when bias > 5 %").
This module applies such factors to the sessions of the next two weeks — never to the past
or to the next 48 hours, as for any adaptation — and records each change with its reason and
numbers, so the coach can say what it corrected and why. The corrected plan goes through the
same validator and fixer as every change: a correction never breaks a guardrail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from coach.engine.adapt import Adaptation, Change, rebuild_weeks
from coach.engine.athlete import monday_of
from coach.engine.fix import fix_plan
from coach.engine.models import Plan, Profile, Session, Step
from coach.engine.rules import Rules
from coach.engine.validate import validate_plan

MAX_CORRECTION = 0.10
"""A correction moves a prescription by at most 10 %: the weekly ramp limit (seed 003), so one
correction can never do more to a week than a normal progression would."""
WINDOW_DAYS = 14
"""This week and next (seed 003: adjust the next 1-2 weeks, not the entire plan)."""
ROUND_TO_MIN = 5
"""Corrected durations are rounded to 5 minutes, as the planner rounds its own."""
UNCORRECTED_TYPES = frozenset({"race", "commitment"})


def _scaled_steps(steps: list[Step], factor: float) -> list[Step]:
    return [
        step.model_copy(update={
            "duration_s": None if step.duration_s is None else round(step.duration_s * factor),
            "distance_m": None if step.distance_m is None else round(step.distance_m * factor, 1),
            "steps": _scaled_steps(step.steps, factor),
        })
        for step in steps
    ]


def clamp_factor(factor: float) -> float:
    return min(1 + MAX_CORRECTION, max(1 - MAX_CORRECTION, factor))


def apply_corrections(
    plan: Plan, profile: Profile, rules: Rules, factors: Mapping[str, float], today: dt.date,
    *, samples: Mapping[str, int] | None = None,
) -> Adaptation:
    """Scale the next two weeks' sessions of each corrected type by its (clamped) factor."""
    # The next 48 h stay, as in every adaptation (rules: guardrails.adapt.keep_hours).
    first = today + dt.timedelta(days=rules.guardrails.adapt.keep_hours // 24)
    last = monday_of(today) + dt.timedelta(days=WINDOW_DAYS - 1)
    sessions: list[Session] = []
    changes: list[Change] = []
    for week in plan.weeks:
        for s in week.sessions:
            factor = factors.get(s.type)
            if factor is None or s.type in UNCORRECTED_TYPES or not first <= s.date <= last:
                sessions.append(s)
                continue
            applied = clamp_factor(factor)
            minutes = max(ROUND_TO_MIN, round(s.duration_min * applied / ROUND_TO_MIN) * ROUND_TO_MIN)
            if minutes == s.duration_min:
                sessions.append(s)
                continue
            ratio = minutes / s.duration_min if s.duration_min else applied
            after = s.model_copy(update={
                "duration_min": minutes,
                "distance_km": None if s.distance_km is None else round(s.distance_km * ratio, 1),
                "load": round(s.load * ratio, 1),
                "steps": _scaled_steps(s.steps, ratio),
            })
            sessions.append(after)
            direction = "more" if factor > 1 else "less"
            changes.append(Change(
                date=s.date, before=s, after=after,
                reason=f"you usually do {abs(factor - 1) * 100:.0f} % {direction} than prescribed on {s.type} sessions",
                rule_ids=["self_grading"],
                values={"factor": round(factor, 3), "applied": round(applied, 3), "samples": (samples or {}).get(s.type),
                        "before_min": s.duration_min, "after_min": minutes},
            ))
    if not changes:
        return Adaptation(plan=plan, profile=profile, changes=[], summary="No prescription needed correcting.")
    draft = rebuild_weeks(plan, sessions)
    fixed = fix_plan(draft, profile, rules, editable=(first, last))
    if validate_plan(fixed, profile, rules):
        return Adaptation(plan=plan, profile=profile, changes=[], summary="A correction would break a guardrail, so none was made.",
                          accepted=False, refused_reason="the corrected sessions would break a guardrail")
    kinds = sorted({c.after.type for c in changes if c.after is not None})
    summary = f"Corrected {len(changes)} upcoming {'/'.join(kinds)} session(s) to match what you actually do."
    return Adaptation(plan=fixed, profile=profile, changes=changes, summary=summary)
