"""Is the goal reachable safely? If not, say why with the numbers and offer alternatives.

Seed 003 (6. Safety): "System must avoid generating 'crash' plans for unrealistic timelines
(e.g., 0→marathon in 4 weeks)". A race goal is feasible when

* the race is at least the event's ``min_weeks`` away;
* the race day is not blocked;
* the athlete's week has room for the event's ``min_peak_weekly_min`` (available days × day
  caps, after commitments, on at most ``max_training_days``);
* rising from the current volume by the ramp rule, with cutback weeks, reaches
  ``min_peak_weekly_min`` before the taper.

Alternatives (models.Alternative): the earliest later date that is feasible, the longest
shorter event that is feasible on the same date, and a finish-only goal (lower minimum
volume) on the same or the earliest feasible date. All thresholds come from the rules files.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from coach.engine.athlete import baseline_weekly_min, minutes_to_km
from coach.engine.models import WEEKDAYS, Alternative, Event, Profile
from coach.engine.periodisation import Frame, recent_max
from coach.engine.prep import Prep, first_passing, goal_peak_min
from coach.engine.rules import EventProfile, Rules

if TYPE_CHECKING:
    from coach.engine.planner import SharedDrafts

_DAYS_PER_WEEK = 7


@dataclass(frozen=True, slots=True)
class Verdict:
    feasible: bool
    reason: str | None = None
    alternatives: list[Alternative] = field(default_factory=list)


def reachable_peak_min(baseline_min: float, build_weeks: int, goal_peak_min: float, rules: Rules) -> float:
    """Highest weekly volume reachable in ``build_weeks`` loading/cutback weeks from ``baseline_min``.

    Mirrors the progression rule: week 1 at the current volume (at least the start floor),
    then each loading week at most ``max(ref × (1 + ramp), ref + min_step)`` where ref is the
    highest of the last ``ramp_lookback_weeks``; every ``cutback.every_weeks``-th week cut back.
    """
    g = rules.guardrails
    lookback = g.volume.ramp_lookback_weeks
    volumes = [baseline_min] * lookback
    peak = 0.0
    loading = 0
    # the rules read in every week, read once
    ramp = 1 + g.volume.ramp_max_pct / 100
    ramp_step = g.volume.ramp_min_step_min
    floor = g.volume.start_floor_min
    every = g.cutback.every_weeks
    cutback_fraction = g.cutback.volume_fraction
    for week in range(1, build_weeks + 1):
        reference = recent_max(volumes, lookback)
        allowed = max(max(reference * ramp, reference + ramp_step), floor)  # max(a, b, c), compiled
        if loading == every - 1:
            volume = cutback_fraction * volumes[-1]
            loading = 0
        else:
            if week == 1:
                volume = max(min(baseline_min, goal_peak_min), min(floor, goal_peak_min))
            else:
                volume = min(allowed, goal_peak_min)
            loading += 1
            peak = max(peak, volume)
        volumes.append(volume)
    return peak


def weekly_capacity_min(profile: Profile, rules: Rules) -> float:
    """Most training minutes the athlete's week can hold (best ``max_training_days`` days)."""
    g = rules.guardrails
    caps: list[float] = []
    for day in profile.availability.days:
        cap = float(profile.availability.max_minutes.get(day, g.week.default_day_max_min))
        cap -= sum(c.minutes for c in profile.commitments if c.day == day)
        if cap >= g.week.min_session_min:
            caps.append(cap)
    limit = min(g.week.max_training_days, _DAYS_PER_WEEK - g.week.min_rest_days)
    return sum(sorted(caps, reverse=True)[:limit])


def _build_weeks(weeks: int, event: EventProfile) -> int:
    return max(0, weeks - 1 - event.taper_weeks)


def _long_ready(
    profile: Profile,
    rules: Rules,
    name: Event,
    date: dt.date,
    finish_only: bool,
    estimate_only: bool = False,
    shared: dict[tuple[Event, str | None], SharedDrafts] | None = None,
) -> bool:
    """Whether a build for ``name`` on ``date`` reaches the event's minimum longest run
    (``coach/rules/race_prep.yaml``), checked by drafting it (``estimate_only``: whether an
    optimistic estimate says it might); ``True`` for events without one. ``shared``: drafts
    shared by the dates drafted for one event and target time
    (:class:`~coach.engine.planner.SharedDrafts`)."""
    entry = rules.prep.events.get(name) if profile.sport == "run" else None
    minimum = (entry.finish_only_long if finish_only else entry.min_long) if entry is not None else None
    if minimum is None:
        return True
    from coach.engine.periodisation import plan_frame  # the planner imports this module
    from coach.engine.planner import SharedDrafts, drafted_longest
    from coach.engine.prep import estimated_longest_min, prep_of, reached

    goal = profile.goal.model_copy(
        update={"event": name, "date": date, "target_time": None if finish_only or name != profile.goal.event else profile.goal.target_time}
    )
    other = profile.model_copy(update={"goal": goal})
    prep = prep_of(other, rules)
    frame = plan_frame(other, rules)
    # The estimate is optimistic: a date it rules out is not drafted at all.
    estimate = estimated_longest_min(prep, frame, rules, baseline_weekly_min(other, rules))
    if not reached(estimate, prep.km_of(estimate), minimum):
        return False
    if estimate_only:
        return True
    drafts = None
    if shared is not None:
        drafts = shared.get((name, goal.target_time))
        if drafts is None:
            drafts = shared[(name, goal.target_time)] = SharedDrafts()
    longest_min, longest_km = drafted_longest(other, rules, frame, prep, drafts, stop_at=minimum)
    return reached(longest_min, longest_km, minimum)


def _meets(
    profile: Profile,
    rules: Rules,
    name: Event,
    weeks: int,
    finish_only: bool,
    date: dt.date | None = None,
    shared: dict[tuple[Event, str | None], SharedDrafts] | None = None,
    peaks: dict[Event, float] | None = None,
) -> bool:
    """Whether a build for ``name`` over ``weeks`` meets the volume (and, with ``date``, the
    long-run minimum). ``peaks``: each event's goal peak, kept across calls (it depends on
    neither ``weeks`` nor the date)."""
    event = rules.event(name)
    if profile.sport not in event.sports or weeks < event.min_weeks:
        return False
    volume = event.volume_for(profile.sport)
    need = volume.finish_only_min_peak_weekly_min if finish_only else volume.min_peak_weekly_min
    if weekly_capacity_min(profile, rules) < need:
        return False
    goal_peak = peaks.get(name) if peaks is not None else None
    if goal_peak is None:
        as_event = profile.model_copy(update={"goal": profile.goal.model_copy(update={"event": name})})
        goal_peak = goal_peak_min(as_event, rules)
        if peaks is not None:
            peaks[name] = goal_peak
    if (
        reachable_peak_min(baseline_weekly_min(profile, rules), _build_weeks(weeks, event), goal_peak, rules)
        < need
    ):
        return False
    return date is None or _long_ready(profile, rules, name, date, finish_only, shared=shared)


def _volume_words(minutes: float, profile: Profile, rules: Rules) -> str:
    if profile.sport in ("run", "ride") and (profile.history.weekly_km or profile.sport == "run"):
        km = minutes_to_km(minutes, profile.sport, profile, rules)
        return f"{minutes:.0f} min (about {km:.0f} km)"
    return f"{minutes:.0f} min"


def _weeks_to_date(profile: Profile, goal: dt.date, extra_weeks: int) -> dt.date:
    return goal + dt.timedelta(days=_DAYS_PER_WEEK * extra_weeks)


# Once the volume fits, a later date is checked for the long run (a draft each) only at these
# steps after the first date whose volume fits: a few drafts instead of one per week.
_LONG_STEPS = (0, 2, 4, 8, 12, 16, 26, 36)


def _earliest(
    profile: Profile,
    rules: Rules,
    weeks: int,
    extras: list[int],
    finish_only: bool,
    shared: dict[tuple[Event, str | None], SharedDrafts] | None = None,
) -> int | None:
    """The first of ``extras`` (weeks after the goal date, ascending) whose build for the goal's
    event meets the volume and the long-run minimum."""
    goal = profile.goal
    assert goal.date is not None
    peaks: dict[Event, float] = {}
    first = next(
        (e for e in extras if _meets(profile, rules, goal.event, weeks + e, finish_only, peaks=peaks)), None
    )
    if first is None:
        return None
    date = goal.date
    steps = [first + step for step in _LONG_STEPS if first + step <= extras[-1]]
    return first_passing(
        steps,
        lambda extra: _long_ready(
            profile, rules, goal.event, _weeks_to_date(profile, date, extra), finish_only, shared=shared
        ),
        lambda extra: _long_ready(profile, rules, goal.event, _weeks_to_date(profile, date, extra), finish_only, True),
    )


def _alternatives(profile: Profile, rules: Rules, weeks: int) -> list[Alternative]:
    goal = profile.goal
    assert goal.date is not None
    name = goal.event.replace("_", " ")
    latest = profile.start_date + dt.timedelta(days=rules.guardrails.plan.max_weeks * _DAYS_PER_WEEK - 1)
    alternatives: list[Alternative] = []
    # Drafts are shared by the dates drafted for one event and target time (the finish-only
    # search redrafts the weeks the later-date search drafted when there is no target time).
    shared: dict[tuple[Event, str | None], SharedDrafts] = {}
    extras = [
        e for e in range(0, rules.guardrails.plan.max_weeks + 1) if _weeks_to_date(profile, goal.date, e) <= latest
    ]
    later_extras = [e for e in extras if e >= 1]
    found = None
    if later_extras:
        found = _earliest(profile, rules, weeks, later_extras, finish_only=False, shared=shared)
    later: dt.date | None = None
    if found is not None:
        later = _weeks_to_date(profile, goal.date, found)
        alternatives.append(
            Alternative(
                kind="later_date",
                event=goal.event,
                date=later,
                description=(
                    f"Race a {name} on {later.isoformat()} instead: "
                    f"{weeks + found} weeks leave time to build up safely."
                ),
            )
        )
    for shorter in rules.event(goal.event).shorter:
        if _meets(profile, rules, shorter, weeks, finish_only=False, date=goal.date, shared=shared):
            alternatives.append(
                Alternative(
                    kind="shorter_event",
                    event=shorter,
                    date=goal.date,
                    description=f"Race a {shorter.replace('_', ' ')} on {goal.date.isoformat()}: it fits the time you have.",
                )
            )
            break
    need = rules.event(goal.event).volume_for(profile.sport).finish_only_min_peak_weekly_min
    sooner = [e for e in extras if later is None or _weeks_to_date(profile, goal.date, e) < later]
    found = _earliest(profile, rules, weeks, sooner, finish_only=True, shared=shared) if sooner else None
    if found is not None:
        date = _weeks_to_date(profile, goal.date, found)
        alternatives.append(
            Alternative(
                kind="finish_only",
                event=goal.event,
                date=date,
                description=(
                    f"Aim only to finish the {name} on {date.isoformat()}, "
                    f"with no target time, building to about {need:.0f} min a week "
                    "(walk breaks allowed)."
                ),
            )
        )
    return alternatives


def assess(
    profile: Profile, rules: Rules, frame: Frame, *, with_alternatives: bool = True, prep: Prep | None = None
) -> Verdict:
    """Decide whether ``profile``'s goal is safely reachable in ``frame`` (see module docstring);
    ``with_alternatives=False`` skips the search for alternatives (a yes/no is all that is asked).
    ``prep``: ``prep.prep_of(profile, rules)`` when the caller has it already."""
    event = rules.event(profile.goal.event)
    if not event.race or profile.goal.date is None:
        return Verdict(True)
    name = profile.goal.event.replace("_", " ")
    race_day = profile.goal.date
    for block in profile.blocked:
        if block.from_ <= race_day <= block.to:
            why = f" ({block.reason})" if block.reason else ""
            return Verdict(
                False,
                f"The race day {race_day.isoformat()} falls in a blocked period{why}; "
                "unblock it or choose another race date.",
            )
    weeks = len(frame.weeks)
    volume = event.volume_for(profile.sport)
    need = volume.min_peak_weekly_min
    baseline = baseline_weekly_min(profile, rules)
    capacity = weekly_capacity_min(profile, rules)
    g = rules.guardrails
    reason: str | None = None
    if weeks < event.min_weeks:
        volume_gap = ""
        if baseline < need:
            volume_gap = (
                f" and about {_volume_words(need, profile, rules)} of training a week before the taper; "
                f"you do about {_volume_words(baseline, profile, rules)} a week now"
            )
        reason = (
            f"A {name} needs at least {event.min_weeks} weeks of preparation{volume_gap}, but "
            f"{race_day.isoformat()} is only {weeks} calendar week(s) away."
        )
    elif capacity < need:
        days = ", ".join(d for d in WEEKDAYS if d in profile.availability.days)
        reason = (
            f"A {name} needs about {_volume_words(need, profile, rules)} of training a week at its peak, "
            f"but your available days ({days}) hold at most {capacity:.0f} min after commitments."
        )
    else:
        goal_peak = prep.peak_min if prep is not None else goal_peak_min(profile, rules)
        reach = reachable_peak_min(baseline, _build_weeks(weeks, event), goal_peak, rules)
        if reach < need:
            reason = (
                f"A {name} needs about {_volume_words(need, profile, rules)} of training a week before the taper; "
                f"you do about {_volume_words(baseline, profile, rules)} now. Rising safely (at most "
                f"{g.volume.ramp_max_pct:g} % or {g.volume.ramp_min_step_min:g} min a week, with a cutback week every "
                f"{g.cutback.every_weeks}), the {weeks} week(s) to {race_day.isoformat()} reach only "
                f"{_volume_words(reach, profile, rules)}."
            )
    if reason is None:
        return Verdict(True)
    return Verdict(False, reason, _alternatives(profile, rules, weeks) if with_alternatives else [])
