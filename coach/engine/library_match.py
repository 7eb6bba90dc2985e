"""The athlete's own workouts in the plan (seed 002): prefer them where one fits the day.

The planner decides each day's purpose (session type) and minutes. Here a built plan is
given the athlete's library as plain engine data (:class:`LibraryWorkout`, converted from the
store by the service layer): a planned session whose sport and type match a library
workout, and whose minutes the workout fits (within ``duration_tolerance_pct``, after at
most one small step: reps +-1, each rep +-10 %, each recovery +-10 %), takes that workout's
steps and keeps its name. A workout used again later in the plan starts from the version
used the time before, so it progresses one small step at a time, never further from the
athlete's own version than ``max_rep_change`` / ``max_duration_change_pct``. Every swap is
re-validated (:func:`validate_plan`); where it would break a limit the engine's session stays.
Thresholds and sources: ``coach/rules/library_match.yaml``.

Pure and deterministic: the same plan, library and rules always give the same result.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import yaml
from pydantic import BaseModel, ConfigDict, Field

from coach.engine.athlete import Anchors, anchors_of
from coach.engine.models import Plan, Profile, Session, SessionSport, SessionType, Step, Violation, Week
from coach.engine.render import describe_steps, intervals_icu_text
from coach.engine.rules import DEFAULT_RULES_DIR, Rules
from coach.engine.validate import recomputed_load, validate_plan
from coach.engine.workouts import with_sessions

RULES_FILE: Final = "library_match.yaml"
_PERCENT: Final = 100.0
_S_PER_MIN: Final = 60
#: Marks a session that took a library workout (its description starts so; :func:`used_workout` reads it).
MARK: Final = "Your '"


class MatchRules(BaseModel):
    """``coach/rules/library_match.yaml``."""

    model_config = ConfigDict(extra="forbid")
    version: int
    types: list[SessionType]
    duration_tolerance_pct: float = Field(gt=0, le=50)
    rep_step: int = Field(ge=1)
    min_reps: int = Field(ge=1)
    rep_duration_step_pct: float = Field(gt=0, le=50)
    recovery_step_pct: float = Field(gt=0, le=50)
    steady_step_pct: float = Field(gt=0, le=50)
    round_s: int = Field(ge=1)
    max_rep_change: int = Field(ge=0)
    max_duration_change_pct: float = Field(ge=0)
    keep_within_pct: float = Field(ge=0, le=50)


@functools.cache
def _match_rules_at(path: Path) -> MatchRules:
    with path.open(encoding="utf-8") as handle:
        return MatchRules.model_validate(yaml.safe_load(handle))


def match_rules(directory: Path | None = None) -> MatchRules:
    """The matching thresholds, read once per folder."""
    return _match_rules_at((directory or DEFAULT_RULES_DIR) / RULES_FILE)


class LibraryWorkout(BaseModel):
    """One of the athlete's workouts as the engine sees it (the store's ``Workout`` less its origin)."""

    model_config = ConfigDict(extra="forbid")
    key: str
    name: str
    sport: SessionSport
    purpose: SessionType
    steps: list[Step]
    seen: int = 1


class LibraryUse(BaseModel):
    """One planned session that took a library workout, and what was changed from last time."""

    model_config = ConfigDict(extra="forbid")
    date: dt.date
    week: int
    key: str
    name: str
    changes: list[str] = Field(default_factory=list)
    text: str = Field(description="'your 'Tuesday 5×4 min' workout, 5 → 6 reps'")


class LibraryKept(BaseModel):
    """A library workout that fitted a day but would break a limit: the engine's session stayed."""

    model_config = ConfigDict(extra="forbid")
    date: dt.date
    key: str
    name: str
    rule_ids: list[str]


class LibraryMatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    plan: Plan
    uses: list[LibraryUse] = Field(default_factory=list)
    kept: list[LibraryKept] = Field(default_factory=list)


# --------------------------------------------------------------------------- durations


def seconds_of(steps: Sequence[Step]) -> int | None:
    """Seconds of ``steps`` with repeats expanded; None when a step has no duration (distance only)."""
    total = 0
    for step in steps:
        if step.kind == "repeat":
            inner = seconds_of(step.steps)
            if inner is None:
                return None
            total += step.repeat * inner
        elif step.duration_s is None or step.duration_s <= 0:
            return None
        else:
            total += step.duration_s
    return total


_M_PER_KM: Final = 1000.0
_M_PER_100M: Final = 100.0
_S_PER_HOUR: Final = 3600.0
#: Daniels' pace band a distance step of a run is timed at when it names no pace: the main part by
#: the session's purpose, warm-up, recoveries and cool-down easy (Daniels' Running Formula: E, T, I).
_RUN_BAND: Final[dict[str, str]] = {"easy": "E", "recovery": "E", "long": "E", "tempo": "T", "threshold": "T", "intervals": "I"}


def _pace_s_per_m(step: Step, sport: SessionSport, purpose: SessionType, anchors: Anchors) -> float | None:
    """Seconds per metre a distance step takes this athlete: the step's own pace target, else the
    athlete's pace for it (run: Daniels band from VDOT, or the easy-pace estimate; swim: CSS; ride:
    endurance speed); None when nothing is known (the workout is then not used)."""
    target = step.target
    if target is not None and target.unit == "s_per_km":
        return (target.low + target.high) / 2 / _M_PER_KM
    if target is not None and target.unit == "s_per_100m":
        return (target.low + target.high) / 2 / _M_PER_100M
    if sport == "run":
        band = _RUN_BAND.get(purpose, "E") if step.kind == "main" else "E"
        paces = anchors.pace(band)
        if paces is not None:
            return (paces[0] + paces[1]) / 2 / _M_PER_KM
        return anchors.run_pace_estimate_s_per_km / _M_PER_KM if anchors.run_pace_estimate_s_per_km else None
    if sport == "swim":
        return anchors.css_s_per_100m / _M_PER_100M if anchors.css_s_per_100m else None
    if sport == "ride":
        return _S_PER_HOUR / (anchors.ride_speed_kmh * _M_PER_KM) if anchors.ride_speed_kmh else None
    return None


def timed(steps: Sequence[Step], sport: SessionSport, purpose: SessionType, anchors: Anchors) -> list[Step] | None:
    """``steps`` with every distance-only step given the duration it takes this athlete (its
    distance kept), so a workout written in km is matched by time like any other; None when a
    step's pace is unknown. Steps with a duration are kept as they are."""
    out: list[Step] = []
    for step in steps:
        if step.kind == "repeat":
            inner = timed(step.steps, sport, purpose, anchors)
            if inner is None:
                return None
            out.append(step.model_copy(update={"steps": inner}))
        elif (step.duration_s is None or step.duration_s <= 0) and step.distance_m:
            pace = _pace_s_per_m(step, sport, purpose, anchors)
            if pace is None:
                return None
            out.append(step.model_copy(update={"duration_s": max(1, round(step.distance_m * pace))}))
        else:
            out.append(step)
    return out


def as_defined(steps: Sequence[Step], defined: Sequence[Step]) -> list[Step]:
    """``steps`` (timed, maybe changed by a small step) with the steps the athlete defined by distance
    only given back as distance only: their watch counts the kilometres, not our estimate of the time."""
    out: list[Step] = []
    for step, own in zip(steps, defined, strict=True):
        if step.kind == "repeat":
            out.append(step.model_copy(update={"steps": as_defined(step.steps, own.steps)}))
        elif own.duration_s is None and own.distance_m:
            out.append(step.model_copy(update={"duration_s": None}))
        else:
            out.append(step)
    return out


def format_duration(seconds: int) -> str:
    """'4 min', '45 s', '4 min 25 s'."""
    minutes, rest = divmod(seconds, _S_PER_MIN)
    if not minutes:
        return f"{rest} s"
    return f"{minutes} min" + (f" {rest} s" if rest else "")


def _scaled(seconds: int, pct: float, round_s: int) -> int:
    return max(round_s, round(seconds * (1 + pct / _PERCENT) / round_s) * round_s)


def _main_repeat(steps: Sequence[Step]) -> int | None:
    """Index of the repeat holding the most work (the workout's main set), if any."""
    best: tuple[int, int] | None = None
    for index, step in enumerate(steps):
        if step.kind != "repeat" or not any(c.kind == "main" for c in step.steps):
            continue
        work = step.repeat * sum(c.duration_s or 0 for c in step.steps if c.kind == "main")
        if best is None or work > best[0]:
            best = (work, index)
    return None if best is None else best[1]


def _rescaled(step: Step, seconds: int) -> Step:
    """``step`` lasting ``seconds``; a distance it holds changes by the same share (10 m steps)."""
    update: dict[str, object] = {"duration_s": seconds}
    if step.distance_m and step.duration_s:
        update["distance_m"] = max(10.0, round(step.distance_m * seconds / step.duration_s, -1))
    return step.model_copy(update=update)


def _with_children(step: Step, kind: str, pct: float, round_s: int) -> Step:
    children = [
        _rescaled(c, _scaled(c.duration_s, pct, round_s)) if c.kind == kind and c.duration_s else c
        for c in step.steps
    ]
    return step.model_copy(update={"steps": children})


def _first_duration(step: Step, kind: str) -> int | None:
    return next((c.duration_s for c in step.steps if c.kind == kind and c.duration_s), None)


def _variants(steps: list[Step], mr: MatchRules) -> list[tuple[list[Step], list[str]]]:
    """``steps`` as they are, then each one-small-step change of them, with what changed."""
    out: list[tuple[list[Step], list[str]]] = [(steps, [])]
    index = _main_repeat(steps)
    if index is None:
        mains = [i for i, s in enumerate(steps) if s.kind == "main" and s.duration_s]
        if not mains:
            return out
        longest = max(mains, key=lambda i: (steps[i].duration_s or 0, -i))
        step = steps[longest]
        before = step.duration_s or 0
        for pct in (mr.steady_step_pct, -mr.steady_step_pct):
            after = _scaled(before, pct, _S_PER_MIN)
            if after != before:
                changed = [*steps[:longest], _rescaled(step, after), *steps[longest + 1 :]]
                label = step.label or "main part"
                out.append((changed, [f"{label} {format_duration(before)} → {format_duration(after)}"]))
        return out
    rep = steps[index]

    def put(new: Step) -> list[Step]:
        return [*steps[:index], new, *steps[index + 1 :]]

    for delta in (mr.rep_step, -mr.rep_step):
        reps = rep.repeat + delta
        if reps >= mr.min_reps:
            out.append((put(rep.model_copy(update={"repeat": reps})), [f"{rep.repeat} → {reps} reps"]))
    for kind, pct, noun in (("main", mr.rep_duration_step_pct, "reps"), ("recovery", -mr.recovery_step_pct, "recoveries")):
        before_s = _first_duration(rep, kind)
        if before_s is None:
            continue
        for signed in (pct, -pct):
            new = _with_children(rep, kind, signed, mr.round_s)
            after_s = _first_duration(new, kind)
            if after_s is not None and after_s != before_s:
                out.append((put(new), [f"{noun} {format_duration(before_s)} → {format_duration(after_s)}"]))
    return out


def _within_reach(original: Sequence[Step], changed: Sequence[Step], mr: MatchRules) -> bool:
    """The changed workout is still the athlete's: reps and durations near their own version."""
    for old, new in zip(original, changed, strict=True):
        if old.kind == "repeat" and abs(new.repeat - old.repeat) > mr.max_rep_change:
            return False
        limit = (old.duration_s or 0) * mr.max_duration_change_pct / _PERCENT
        if old.duration_s and new.duration_s and abs(new.duration_s - old.duration_s) > limit:
            return False
        if old.steps and not _within_reach(old.steps, new.steps, mr):
            return False
    return True


# --------------------------------------------------------------------------- the plan


def _eligible(session: Session, start: dt.date, mr: MatchRules) -> bool:
    if session.date < start or session.status != "planned" or session.type not in mr.types or session.waived:
        return False
    # An easy run carrying strides or hill repeats keeps the engine's structure (it has a purpose of its own).
    return not (session.type in ("easy", "recovery") and any(s.kind == "repeat" for s in session.steps))


def _already(session: Session, usable: Sequence[LibraryWorkout]) -> LibraryWorkout | None:
    if not session.description.startswith(MARK):
        return None
    name = session.description[len(MARK) :].partition("' workout")[0]
    return next((w for w in usable if w.name == name and w.sport == session.sport and w.purpose == session.type), None)


def _limit_keys(violations: Sequence[Violation], rules: Rules) -> set[tuple[str, int | None, dt.date | None]]:
    return {(v.rule_id, v.week, v.date) for v in violations if not rules.guardrails.is_target(v.rule_id)}


def _changed(changes: Sequence[str], again: bool) -> str:
    return "; ".join(changes) if changes else ("as last time" if again else "as you do it")


def _use_text(name: str, changes: Sequence[str], again: bool) -> str:
    return f"your '{name}' workout, {_changed(changes, again)}"


def _metres(steps: Sequence[Step]) -> float | None:
    """Metres of ``steps`` with repeats expanded; None unless every step has a distance."""
    total = 0.0
    for step in steps:
        inner = _metres(step.steps) if step.kind == "repeat" else step.distance_m
        if not inner:
            return None
        total += step.repeat * inner if step.kind == "repeat" else inner
    return total


def _swapped(
    session: Session,
    workout: LibraryWorkout,
    steps: list[Step],
    what: str,
    profile: Profile,
    rules: Rules,
    defined: Sequence[Step] | None = None,
) -> Session:
    """``session`` with ``steps`` (timed); ``defined``: the athlete's own steps, whose distance-only
    steps stay distance only in the plan (the minutes are our estimate of them)."""
    seconds = seconds_of(steps) or 0
    minutes = max(1, round(seconds / _S_PER_MIN))
    units = profile.units
    distance = session.distance_km
    if distance is not None and session.duration_min:
        distance = round(distance * minutes / session.duration_min, 1)
    if defined is not None:
        metres = _metres(steps)
        steps = as_defined(steps, defined)
        if metres:
            distance = round(metres / _M_PER_KM, 1)
    description = f"{MARK}{workout.name}' workout ({what}): {describe_steps(steps, units)}"
    new = session.model_copy(
        update={
            "steps": steps, "duration_min": minutes, "distance_km": distance, "description": description,
            "intervals_icu": intervals_icu_text(steps, units),
        }
    )
    return new.model_copy(update={"load": recomputed_load(new, profile, rules)})


def _week_with(week: Week, position: int, session: Session, plan: Plan, note: str | None) -> Week:
    sessions = [*week.sessions[:position], session, *week.sessions[position + 1 :]]
    new = with_sessions(week, sessions, plan.meta.sport)
    if note is not None:  # one note per day (applying again replaces it)
        day = note.partition(": ")[0] + ": your '"
        new = new.model_copy(update={"notes": [*(n for n in new.notes if not n.startswith(day)), note]})
    return new


def apply_library(
    plan: Plan,
    profile: Profile,
    library: Sequence[LibraryWorkout],
    rules: Rules,
    *,
    start: dt.date,
    match: MatchRules | None = None,
) -> LibraryMatch:
    """``plan`` with the athlete's workouts in the planned sessions from ``start`` on that they fit.

    Candidates for a session: library workouts of its sport and type whose duration (as used
    the time before, or the athlete's own version) fits the planned minutes within the
    tolerance after at most one small step; the closest fit first, then no change before a
    change, then the workouts the athlete does most often, then by name. The first candidate
    that adds no limit violation to the plan is used; a workout serves at most once a week.
    """
    mr = match or match_rules()
    anchors = anchors_of(profile, rules)
    defined: dict[str, list[Step]] = {}  # workouts written by distance: the athlete's own steps
    timed_library: list[LibraryWorkout] = []
    for w in library:
        steps = timed(w.steps, w.sport, w.purpose, anchors) if w.purpose in mr.types else None
        if steps is None or not seconds_of(steps):
            continue  # a step whose pace is unknown: it can't be fitted to the day's minutes
        if steps != w.steps:
            defined[w.key] = list(w.steps)
        timed_library.append(w.model_copy(update={"steps": steps}))
    usable = sorted(timed_library, key=lambda w: (-w.seen, w.name.lower(), w.key))
    if not usable or not plan.feasible:
        return LibraryMatch(plan=plan)
    baseline = _limit_keys(validate_plan(plan, profile, rules), rules)
    last: dict[str, list[Step]] = {}
    uses: list[LibraryUse] = []
    kept: list[LibraryKept] = []
    weeks = list(plan.weeks)
    for w_index in range(len(weeks)):
        used_this_week: set[str] = set()
        for position in range(len(weeks[w_index].sessions)):
            session = weeks[w_index].sessions[position]
            already = _already(session, usable)
            if already is not None:  # the athlete's workout since an earlier pass: kept, and the next use goes on from it
                last[already.key] = timed(session.steps, session.sport, session.type, anchors) or list(session.steps)
                used_this_week.add(already.key)
                continue
            if not _eligible(session, start, mr):
                continue
            target = session.duration_min * _S_PER_MIN
            if target <= 0:
                continue
            tolerance = target * mr.duration_tolerance_pct / _PERCENT
            ranked: list[tuple[tuple[float, int, int, int], LibraryWorkout, list[Step], list[str]]] = []
            for order, workout in enumerate(usable):
                if workout.sport != session.sport or workout.purpose != session.type or workout.key in used_this_week:
                    continue
                base = last.get(workout.key, workout.steps)
                base_s = seconds_of(base) or 0
                # Close enough as it is: no change (no back-and-forth around the planned minutes).
                options = _variants(base, mr)[:1] if abs(base_s - target) <= target * mr.keep_within_pct / _PERCENT else _variants(base, mr)
                for v_index, (steps, changes) in enumerate(options):
                    seconds = seconds_of(steps)
                    if seconds is None or abs(seconds - target) > tolerance or not _within_reach(workout.steps, steps, mr):
                        continue
                    ranked.append(((abs(seconds - target), len(changes), order, v_index), workout, steps, changes))
            if not ranked:
                continue
            ranked.sort(key=lambda item: item[0])
            broke: dict[str, set[str]] = {}
            for _, workout, steps, changes in ranked:
                if workout.key in used_this_week:
                    continue
                again = workout.key in last
                new_session = _swapped(
                    session, workout, steps, _changed(changes, again), profile, rules, defined.get(workout.key)
                )
                text = _use_text(workout.name, changes, again)
                note = f"{session.date:%a %d %b}: {text} for the planned {session.type} session."
                trial_weeks = [*weeks[:w_index], _week_with(weeks[w_index], position, new_session, plan, note), *weeks[w_index + 1 :]]
                trial = plan.model_copy(update={"weeks": trial_weeks})
                added = _limit_keys(validate_plan(trial, profile, rules), rules) - baseline
                if added:
                    broke.setdefault(workout.key, set()).update(rule for rule, _, _ in added)
                    continue
                weeks = trial_weeks
                last[workout.key] = steps
                used_this_week.add(workout.key)
                uses.append(LibraryUse(date=session.date, week=weeks[w_index].index, key=workout.key, name=workout.name,
                                       changes=changes, text=text))
                break
            else:
                by_key = {w.key: w for w in usable}
                kept.extend(
                    LibraryKept(date=session.date, key=key, name=by_key[key].name, rule_ids=sorted(rule_ids))
                    for key, rule_ids in sorted(broke.items())
                )
    return LibraryMatch(plan=plan.model_copy(update={"weeks": weeks}), uses=uses, kept=kept)


def used_workout(session: Session) -> str | None:
    """For a session that took a library workout: "your 'NAME' workout (what changed)", else None."""
    if not session.description.startswith(MARK):
        return None
    head, _, _ = session.description.partition("): ")
    return "y" + head[1:] + ")" if head != session.description else None
