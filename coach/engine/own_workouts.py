"""Dated workouts the athlete made themselves (seed 001 "work around existing workouts").

Seed 001: "EXISTING ICU WORKOUTS THIS WEEK (ALREADY SCHEDULED) ... DO NOT replace them. Work
AROUND these existing workouts ... Count their duration toward your weekly volume planning."
A gym class or a club ride the athlete put in their calendar for one date becomes a dated
commitment of the plan on that date:

- it is a ``commitment`` session (the athlete's, never changed by the coach, never pushed back),
  its load reckoned like a weekly commitment's (``load.commitment_intensity_factor``);
- the plan's training that day makes room: a key session moves to a free day of the same
  week (available, not blocked, no training there, no hard day next to a hard session),
  anything else is dropped: the athlete's workout *is* that day's training;
- the week's load is not doubled: where the athlete's workout weighs more than what it
  replaced, the difference is taken from the week's easy sessions after it (shortened, never
  below ``week.min_session_min``; Daniels, Daniels' Running Formula: missed or displaced
  work is not crammed in elsewhere, and easy volume is what gives way);
- the result goes through the validator and the fixer like every other change
  (:func:`~coach.engine.fix.fix_plan` within the changed dates, then
  :func:`~coach.engine.validate.check_plan`).

A workout that is no longer in the athlete's calendar (the list given is complete from
``today`` to ``until``) takes its commitment out of the plan again. Pure and deterministic:
the same plan, workouts and date always give the same plan.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Final

from pydantic import BaseModel, ConfigDict, Field

from coach.engine.adapt import rebuild_weeks
from coach.engine.athlete import anchors_of, monday_of
from coach.engine.fix import fix_plan
from coach.engine.load import commitment_load
from coach.engine.models import (
    WEEKDAYS,
    Intensity,
    Plan,
    Profile,
    Session,
    SessionSport,
    Validation,
    Violation,
)
from coach.engine.rules import Rules
from coach.engine.validate import check_plan, is_training
from coach.engine.workouts import moved, resized

OWN_SUFFIX: Final = " (your own workout)"
"""Ends the description of a commitment made from the athlete's own dated workout (how it is found again)."""
_DAYS_PER_WEEK: Final = 7


class OwnWorkout(BaseModel):
    """One dated workout from the athlete's own calendar (an Intervals.icu WORKOUT event they made)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    date: dt.date
    sport: SessionSport = "other"
    minutes: int = Field(gt=0, le=600)
    name: str = Field("Own workout", min_length=1, max_length=80)
    intensity: Intensity = "moderate"


class OwnPlanned(BaseModel):
    """The plan with the athlete's own workouts in it, and what changed for them."""

    model_config = ConfigDict(extra="forbid")
    plan: Plan
    changed: bool = False
    notes: list[str] = Field(default_factory=list)
    violations: list[Violation] = Field(default_factory=list)


def is_own(session: Session) -> bool:
    return session.type == "commitment" and session.description.endswith(OWN_SUFFIX)


def own_session(workout: OwnWorkout, rules: Rules) -> Session:
    return Session(
        date=workout.date,
        sport=workout.sport,
        type="commitment",
        intensity=workout.intensity,
        duration_min=workout.minutes,
        load=round(commitment_load(workout.minutes, workout.intensity, rules), 1),
        description=f"{workout.name}{OWN_SUFFIX}",
    )


def _same(session: Session, workout: OwnWorkout, rules: Rules) -> bool:
    return session == own_session(workout, rules)


def _free_day(
    sessions: list[Session], s: Session, profile: Profile, rules: Rules, today: dt.date, taken: set[dt.date]
) -> dt.date | None:
    """A day of ``s``'s week, from ``today`` on, where a moved session can go: available, not blocked,
    not the race, no training or commitment there, and for a hard session no hard neighbour."""
    hard = set(rules.guardrails.intensity.hard_intensities)
    race_day = profile.goal.date if rules.event(profile.goal.event).race else None
    monday = monday_of(s.date)
    for n in range(_DAYS_PER_WEEK):
        day = monday + dt.timedelta(days=n)
        if day < today or day == s.date or day in taken or day == race_day:
            continue
        if WEEKDAYS[day.weekday()] not in profile.availability.days:
            continue
        if any(b.from_ <= day <= b.to for b in profile.blocked):
            continue
        if any(x.date == day and x.status == "planned" for x in sessions):
            continue
        if s.intensity in hard:
            near = {day - dt.timedelta(days=1), day + dt.timedelta(days=1)}
            if any(x.date in near and x.intensity in hard for x in sessions):
                continue
        return day
    return None


def plan_around(
    plan: Plan, profile: Profile, own: Sequence[OwnWorkout], rules: Rules, *, today: dt.date, until: dt.date
) -> OwnPlanned:
    """``plan`` with each of ``own`` (dated ``today``..``until``) as a commitment of its date (see the
    module docstring); own commitments in that range no longer listed are taken out."""
    if not plan.feasible or not plan.weeks:
        return OwnPlanned(plan=plan)
    first_day = plan.weeks[0].start
    last_day = plan.weeks[-1].start + dt.timedelta(days=_DAYS_PER_WEEK - 1)
    wanted = sorted(
        {w for w in own if today <= w.date <= until and first_day <= w.date <= last_day},
        key=lambda w: (w.date, w.name, w.minutes),
    )
    sessions = [s for w in plan.weeks for s in w.sessions]
    notes: list[str] = []
    touched: set[dt.date] = set()
    # Gone from the athlete's calendar (or changed): out of the plan.
    for s in [s for s in sessions if is_own(s) and today <= s.date <= until]:
        if not any(_same(s, w, rules) for w in wanted):
            sessions.remove(s)
            touched.add(s.date)
            notes.append(
                f"{s.date:%a %d %b}: {s.description.removesuffix(OWN_SUFFIX)} is no longer in your calendar."
            )
    min_session = rules.guardrails.week.min_session_min
    anchors = anchors_of(profile, rules)
    taken: set[dt.date] = set()
    for w in wanted:
        if any(_same(s, w, rules) for s in sessions):
            continue  # planned around already
        mine = own_session(w, rules)
        touched.add(w.date)
        replaced_load = 0.0
        displaced: list[str] = []
        for s in [
            s
            for s in sessions
            if s.date == w.date and is_training(s) and s.type != "race" and s.status == "planned"
        ]:
            target = _free_day(sessions, s, profile, rules, today, taken) if s.key else None
            sessions.remove(s)
            if target is not None:
                taken.add(target)
                touched.add(target)
                sessions.append(moved(s, target))
                displaced.append(f"the {s.sport} {s.type} moves to {target:%a %d %b}")
            else:
                replaced_load += s.load
                displaced.append(f"it takes the place of the planned {s.duration_min}-min {s.sport} {s.type}")
        sessions.append(mine)
        # The week's load stays what was planned: the excess comes off the week's later easy sessions.
        excess = mine.load - replaced_load
        week_end = monday_of(w.date) + dt.timedelta(days=_DAYS_PER_WEEK - 1)
        eased: list[str] = []
        for s in sorted(
            (
                s
                for s in sessions
                if monday_of(w.date) <= s.date <= week_end
                and s.date != w.date
                and s.date >= today
                and is_training(s)
                and s.type in ("easy", "recovery")
                and not s.key
                and s.status == "planned"
            ),
            key=lambda s: (s.date < w.date, -s.duration_min, s.date),  # the days after it first
        ):
            if excess <= 0:
                break
            per_min = s.load / s.duration_min if s.duration_min else 0.0
            if per_min <= 0:
                continue
            minutes = max(min_session, s.duration_min - int(-(-excess // per_min)))
            if minutes >= s.duration_min:
                continue
            shorter = resized(s, minutes, anchors, rules)
            sessions[sessions.index(s)] = shorter
            touched.add(s.date)
            excess -= s.load - shorter.load
            eased.append(f"{s.date:%a %d %b} {s.duration_min} → {minutes} min")
        what = "; ".join(displaced) if displaced else "a free day in the plan"
        if excess > 0:
            eased.append(
                f"the week still holds {excess:.0f} more load than planned: nothing easy was left to shorten"
            )
        notes.append(
            f"{w.date:%a %d %b}: your {w.name} ({w.minutes} min) is that day's training: {what}"
            + (
                f"; easy sessions shortened so the week's load is not doubled ({', '.join(eased)})"
                if eased
                else ""
            )
            + "."
        )
    if not touched:
        return OwnPlanned(plan=plan)
    # A week whose training gave way to the athlete's workout remembers what it was built with
    # (``Week.built_minutes``), so the weeks after it keep their progression: the ramp and
    # load-ratio limits read the larger of that and what it now plans (as after an eased week).
    draft = rebuild_weeks(plan, sessions, eased=True)
    window = (today, max(touched) + dt.timedelta(days=_DAYS_PER_WEEK))
    fixed = fix_plan(draft, profile, rules, editable=window)
    kept = [s for w in fixed.weeks for s in w.sessions if is_own(s)]
    for w in wanted:  # the fixer may not take the athlete's own workout out: say so if it did
        if not any(_same(s, w, rules) for s in kept):
            notes.append(
                f"{w.date:%a %d %b}: your {w.name} doesn't fit that day's limits; left out of the plan."
            )
    violations, waivers = check_plan(fixed, profile, rules)
    past = [v for v in violations if v.date is not None and v.date < today]
    remaining = [v for v in violations if v not in past]
    fixed = fixed.model_copy(
        update={"validation": Validation(violations=remaining, fixes=fixed.validation.fixes, waivers=waivers)}
    )
    return OwnPlanned(plan=fixed, changed=fixed != plan, notes=notes, violations=remaining)
