"""Race preparation: what a running race build aims at for this athlete, event and goal.

Read from ``coach/rules/race_prep.yaml`` (every number cited there):

* the athlete's **level** from the current weekly running km;
* the **peak week** the build aims at: the level's rung of the event's ladder, at least
  ``peak_over_current`` × the current volume, and at least the week that holds the event's
  long-run target within the long-run share limit (room for the long run comes from a larger
  week, never from a larger share);
* the **long-run target** (the level's km at easy pace, within the event's long-session cap)
  and the athlete's **current longest** run it starts from;
* the **goal pace** for race-pace work: the target time when it is within reach of the
  athlete's VDOT (Daniels & Gilbert), the VDOT's prediction when the target is out of reach,
  and an easier plan when the target is slower than the athlete's fitness.

Events without an entry in ``race_prep.yaml`` (rides, triathlons, general fitness) keep the
event profile's fixed ``target_peak_weekly_min``. This module decides nothing about weeks:
the planner applies it within the guardrails.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from coach.engine.athlete import baseline_weekly_min, easy_pace_s_per_km, vdot_of
from coach.engine.load import planned_load
from coach.engine.metrics.running import race_time_s, training_paces
from coach.engine.models import Profile, SessionSport, format_clock, parse_clock_s
from coach.engine.periodisation import Frame, recent_max
from coach.engine.rules import EventPrep, EventProfile, Level, LongMinimum, Rules, TimedPrep

_SECONDS_PER_MINUTE = 60.0
_METRES_PER_KM = 1000.0
_PERCENT = 100.0
# Engineering margin, not a training rule: the peak week is sized so that the long-run target
# fits a little inside the share limit, so rounding to whole steps never breaks it.
_SHARE_MARGIN = 0.95

GoalMode = Literal["none", "predicted", "target", "relaxed", "out_of_reach"]


@dataclass(frozen=True, slots=True)
class Prep:
    """What the build aims at. ``event`` is ``None`` for events without a race-prep entry."""

    event: EventPrep | None
    level: Level | None
    current_km: float
    easy_pace_s_per_km: float
    peak_min: float
    long_target_min: float
    long_start_min: float | None
    long_share_max: float
    goal_mode: GoalMode
    goal_pace_s_per_km: float | None
    predicted_s: float | None
    target_s: float | None
    notes: tuple[str, ...]
    # Rides and triathlon (race_prep.yaml timed_events): per sport, the long-session target,
    # today's longest, the share of the sport's week the long session may take.
    timed: TimedPrep | None = None
    timed_targets: tuple[tuple[SessionSport, float], ...] = ()
    timed_starts: tuple[tuple[SessionSport, float], ...] = ()
    timed_shares: tuple[tuple[SessionSport, float], ...] = ()
    timed_split: dict[SessionSport, float] = field(default_factory=dict)

    def share_of(self, sport: SessionSport) -> float | None:
        """The long session's largest share of ``sport``'s week in a timed build (``None``: the event's)."""
        return next((share for name, share in self.timed_shares if name == sport), None)

    @property
    def relaxed(self) -> bool:
        return self.goal_mode == "relaxed"

    def km_of(self, minutes: float) -> float:
        """Running km of ``minutes`` at the athlete's easy pace."""
        return minutes * _SECONDS_PER_MINUTE / self.easy_pace_s_per_km

    def minutes_of(self, km: float) -> float:
        """Minutes of ``km`` at the athlete's easy pace."""
        return km * self.easy_pace_s_per_km / _SECONDS_PER_MINUTE


def run_days_available(profile: Profile, rules: Rules) -> int:
    """Days a week that can hold a run: available, with room for a session after
    commitments, at most ``max_training_days`` and the run-session limit."""
    g = rules.guardrails
    days = 0
    for day in profile.availability.days:
        cap = profile.availability.max_minutes.get(day, g.week.default_day_max_min)
        cap -= sum(c.minutes for c in profile.commitments if c.day == day)
        if cap >= g.week.min_session_min:
            days += 1
    limit = min(
        g.week.max_training_days,
        7 - g.week.min_rest_days,
        rules.workouts.sessions.max_sessions_per_week.get("run", 7),
    )
    return max(1, min(days, limit))


def current_longest_min(profile: Profile, pace_s_per_km: float) -> float | None:
    """The athlete's recent longest run in minutes: given, or its km at easy pace."""
    history = profile.history
    if history.longest_minutes is not None:
        return float(history.longest_minutes)
    if history.longest_km is not None:
        return history.longest_km * pace_s_per_km / _SECONDS_PER_MINUTE
    return None


def reached(longest_min: float, longest_km: float, minimum: LongMinimum) -> bool:
    """Whether a longest run of ``longest_min`` (``longest_km``) meets ``minimum``."""
    return longest_km >= minimum.km - 0.05 or longest_min >= minimum.minutes - 0.5


def _goal(profile: Profile, event: EventProfile, rules: Rules) -> tuple[GoalMode, float | None, float | None, float | None, list[str]]:
    """(mode, goal pace s/km, predicted s, target s, notes) for race-pace work."""
    distance = event.distance_km
    if distance is None:
        return "none", None, None, None, []
    vdot = vdot_of(profile)
    predicted = race_time_s(vdot, distance * _METRES_PER_KM) if vdot is not None else None
    target = float(parse_clock_s(profile.goal.target_time)) if profile.goal.target_time else None
    name = profile.goal.event.replace("_", " ")
    g = rules.prep.goal
    if target is None and predicted is None:
        return "none", None, None, None, []
    if target is None:
        assert predicted is not None
        return "predicted", predicted / distance, predicted, None, [
            f"Race-pace work at {_pace(predicted / distance)} /km, the pace your recent race predicts for a "
            f"{name} ({format_clock(predicted)}, VDOT {vdot:.1f})."
        ]
    if predicted is None:
        return "target", target / distance, None, target, [
            f"Race-pace work at your target pace, {_pace(target / distance)} /km; a recent race result would "
            "tell whether the target fits your fitness."
        ]
    faster_pct = (predicted - target) / predicted * _PERCENT
    if faster_pct > g.out_of_reach_pct:
        return "out_of_reach", predicted / distance, predicted, target, [
            f"Your target {format_clock(target)} is out of reach for this build: your recent race "
            f"(VDOT {vdot:.1f}) predicts {format_clock(predicted)} for a {name}, and a build gains about "
            f"{g.out_of_reach_pct:g} %. Race-pace work runs at the predicted {_pace(predicted / distance)} /km; "
            "race again before raising it."
        ]
    if -faster_pct > g.relaxed_pct:
        assert vdot is not None
        easy_slow = training_paces(vdot)["E"][1]
        words = (
            f"Your target {format_clock(target)} is slower than the {format_clock(predicted)} your recent race "
            f"predicts (VDOT {vdot:.1f}): an easier plan, the volume held near what you run now (as far as the "
            "long run allows), one quality session a week"
        )
        if target / distance >= easy_slow:
            # The target pace is easy running for this athlete: no race-pace segments at all.
            return "relaxed", None, predicted, target, [
                f"{words}; your target pace ({_pace(target / distance)} /km) is easy running for you, so no "
                "race-pace sessions."
            ]
        return "relaxed", target / distance, predicted, target, [
            f"{words}, race-pace work at your target pace ({_pace(target / distance)} /km)."
        ]
    return "target", target / distance, predicted, target, [
        f"Race-pace work at your target pace, {_pace(target / distance)} /km (your recent race predicts "
        f"{format_clock(predicted)}, VDOT {vdot:.1f})."
    ]


def _pace(s_per_km: float) -> str:
    total = round(s_per_km)
    return f"{total // 60}:{total % 60:02d}"


def _round_down(minutes: float, step: int) -> float:
    return math.floor(minutes / step) * step


def prep_of(profile: Profile, rules: Rules) -> Prep:
    """The race preparation for ``profile`` under ``rules`` (see the module docstring)."""
    event = rules.event(profile.goal.event)
    volume = event.volume_for(profile.sport)
    baseline = baseline_weekly_min(profile, rules)
    cap = volume.peak_cap_weekly_min
    pace = easy_pace_s_per_km(profile, rules)
    current_km = baseline * _SECONDS_PER_MINUTE / pace
    entry = rules.prep.events.get(profile.goal.event) if profile.sport == "run" and event.race else None
    share_target = event.long_share_target.get("run", 1.0)
    long_cap = event.long_session_max_min.get("run", math.inf)
    timed = rules.prep.timed_events.get(profile.goal.event) if event.race else None
    if entry is None and timed is not None:
        return _timed_prep(profile, rules, event, timed, baseline, pace, current_km)
    if entry is None:
        return Prep(
            event=None,
            level=None,
            current_km=current_km,
            easy_pace_s_per_km=pace,
            peak_min=min(cap, max(volume.target_peak_weekly_min, baseline)),
            long_target_min=0.0,
            long_start_min=None,
            long_share_max=1.0,
            goal_mode="none",
            goal_pace_s_per_km=None,
            predicted_s=None,
            target_s=None,
            notes=(),
        )
    p = rules.prep
    step = rules.guardrails.volume.round_to_min
    level = p.levels.level(current_km)
    share = rules.guardrails.long_run_share.max_share(run_days_available(profile, rules))
    long_target = _round_down(min(entry.long_km.of(level) * pace / _SECONDS_PER_MINUTE, long_cap), step)
    long_need = long_target / (share * _SHARE_MARGIN)
    mode, goal_pace, predicted, target, goal_notes = _goal(profile, event, rules)
    if mode == "relaxed" and goal_pace is None:
        entry = entry.model_copy(update={"goal_pace": None})
    if mode == "relaxed":
        peak = max(baseline, long_need)
    else:
        ladder = entry.peak_km.of(level) * pace / _SECONDS_PER_MINUTE
        if baseline > 0:
            ladder = min(ladder, baseline * p.build.peak_max_over_current)
        growth = baseline * p.build.peak_over_current
        peak = max(ladder, growth, long_need, baseline)
    peak = min(peak, cap)
    start = current_longest_min(profile, pace)
    if start is None and baseline > 0:
        start = baseline * share_target
    notes = [
        f"Level {level}: about {current_km:.0f} km a week now. The build aims at about "
        f"{peak * _SECONDS_PER_MINUTE / pace:.0f} km ({peak:.0f} min) at its peak and a longest run of about "
        f"{long_target * _SECONDS_PER_MINUTE / pace:.0f} km ({long_target:.0f} min) (coach/rules/race_prep.yaml)."
    ]
    return Prep(
        event=entry,
        level=level,
        current_km=current_km,
        easy_pace_s_per_km=pace,
        peak_min=peak,
        long_target_min=long_target,
        long_start_min=min(start, long_cap) if start is not None else None,
        long_share_max=share,
        goal_mode=mode,
        goal_pace_s_per_km=goal_pace,
        predicted_s=predicted,
        target_s=target,
        notes=(*notes, *goal_notes),
    )


def _timed_prep(
    profile: Profile,
    rules: Rules,
    event: EventProfile,
    timed: TimedPrep,
    baseline: float,
    pace: float,
    current_km: float,
) -> Prep:
    """A ride or triathlon build: the week sized so each long-session target fits its sport's
    share of the week (the ride within ``long_share_max``, the run within the long-run share
    limit), at least the event's target peak and ``peak_over_current`` x today's volume."""
    volume = event.volume_for(profile.sport)
    split = event.split_for(profile.sport)
    step = rules.guardrails.volume.round_to_min
    run_share = rules.guardrails.long_run_share.max_share(
        min(run_days_available(profile, rules), rules.workouts.sessions.max_sessions_per_week_tri.get("run", 7))
        if len(split) > 1
        else run_days_available(profile, rules)
    )
    targets: list[tuple[SessionSport, float]] = []
    shares: list[tuple[SessionSport, float]] = []
    need = 0.0
    brick = _brick_minutes(event, rules) if len(split) > 1 else {}
    for sport, minutes in timed.long_min.items():
        cap = event.long_session_max_min.get(sport, math.inf)
        target = _round_down(min(minutes, cap), step)
        share = timed.long_share_max.get("ride", 1.0) if sport == "ride" else run_share
        targets.append((sport, target))
        if sport == "ride":
            shares.append((sport, share))
        part = split.get(sport, 0.0)
        if part > 0:
            # The sport's week holds the long session within its share, beside what a brick
            # takes out of that sport's minutes in the loading weeks that have one.
            need = max(need, (target / (share * _SHARE_MARGIN) + brick.get(sport, 0.0)) / part)
    peak = min(volume.peak_cap_weekly_min, max(volume.target_peak_weekly_min, need, baseline * rules.prep.build.peak_over_current))
    starts: list[tuple[SessionSport, float]] = []
    if profile.history.longest_minutes is not None and "ride" in timed.long_min:
        starts.append(("ride", min(float(profile.history.longest_minutes), event.long_session_max_min.get("ride", math.inf))))
    for named, _target in targets:
        if named not in dict(starts) and baseline > 0:
            starts.append((named, baseline * split.get(named, 0.0) * event.long_share_target.get(named, 0.33)))
    words = ", ".join(f"{'long ride' if name == 'ride' else 'long run'} {format_clock(minutes * 60)[:-3]}" for name, minutes in targets)
    notes = (
        f"The build aims at about {peak / 60:.1f} h a week at its peak and a {words} (h:mm; "
        "coach/rules/race_prep.yaml).",
    )
    return Prep(
        event=None,
        level=None,
        current_km=current_km,
        easy_pace_s_per_km=pace,
        peak_min=peak,
        long_target_min=0.0,
        long_start_min=None,
        long_share_max=run_share,
        goal_mode="none",
        goal_pace_s_per_km=None,
        predicted_s=None,
        target_s=None,
        notes=notes,
        timed=timed,
        timed_targets=tuple(targets),
        timed_starts=tuple(starts),
        timed_shares=tuple(shares),
        timed_split=dict(split),
    )


def _brick_minutes(event: EventProfile, rules: Rules) -> dict[SessionSport, float]:
    """The most a brick takes out of a build or peak week's riding and running, per sport: the
    planner's brick is the week's average ride, at most ``quality_max_min`` of riding, its run
    ``brick.run_fraction`` of it (Friel's bike-to-run bricks; ``workouts.yaml``). Empty when
    the event's build and peak weeks hold no brick."""
    if not (event.bricks.build or event.bricks.peak):
        return {}
    brick = rules.workouts.brick
    longest = rules.workouts.sessions.quality_max_min.get("ride", 0.0)
    return {"ride": longest * (1 - brick.run_fraction), "run": longest * brick.run_fraction}


def first_passing(
    candidates: list[int], passes: Callable[[int], bool], hopeful: Callable[[int], bool] | None = None
) -> int | None:
    """The smallest of ``candidates`` (ascending) for which ``passes`` (a draft) holds, among
    those ``hopeful`` (an optimistic estimate, cheap) allows, by bisection: more weeks never
    shorten the long sessions a build reaches, so a few drafts answer instead of one per
    candidate. ``None`` when even the last fails."""
    allowed = [c for c in candidates if hopeful is None or hopeful(c)]
    if not allowed or not passes(allowed[-1]):
        return None
    low, high = 0, len(allowed) - 1
    while low < high:
        middle = (low + high) // 2
        if passes(allowed[middle]):
            high = middle
        else:
            low = middle + 1
    return allowed[low]


# A week's load per minute relative to easy running, by phase (long runs, tempos, intervals,
# race-pace work): measured on drafted plans, an engineering estimate for
# :func:`estimated_longest_min`, which only chooses which dates to draft for real.
_LOAD_FACTOR = {"base": 1.02, "build": 1.12, "peak": 1.24}


def estimated_longest_min(prep: Prep, frame: Frame, rules: Rules, baseline_min: float) -> float:
    """The longest run a build over ``frame`` would reach, estimated without drafting a week:
    the planner's volume rule (ramp, cutbacks, the acute:chronic limit read on minutes) and
    long run (progression within the share limit). Used to choose which later race dates to
    draft for real; never to decide a plan."""
    start = prep.long_start_min or 0.0
    step = rules.prep.build.long_step_max_min
    return _estimate(prep, frame, rules, baseline_min, ((start, prep.long_target_min, prep.long_share_max, step),))[0]


def estimated_longest_by_sport(prep: Prep, frame: Frame, rules: Rules, baseline_min: float) -> dict[SessionSport, float]:
    """:func:`estimated_longest_min` for a ride or triathlon build, per sport."""
    assert prep.timed is not None
    starts = dict(prep.timed_starts)
    shares = dict(prep.timed_shares)
    sports = [sport for sport, _goal in prep.timed_targets]
    specs = tuple(
        (
            starts.get(sport, 0.0),
            goal,
            shares.get(sport, prep.long_share_max) * prep.timed_split.get(sport, 1.0),
            prep.timed.long_step_max_min.get("ride" if sport == "ride" else "run", rules.prep.build.long_step_max_min),
        )
        for sport, goal in prep.timed_targets
    )
    return dict(zip(sports, _estimate(prep, frame, rules, baseline_min, specs), strict=True))


def _estimate(
    prep: Prep, frame: Frame, rules: Rules, baseline_min: float, specs: tuple[tuple[float, float, float, float], ...]
) -> list[float]:
    """Longest long session per spec (start, goal, share of the week, weekly step), estimated."""
    g = rules.guardrails
    lookback = g.volume.ramp_lookback_weeks
    chronic_weeks = g.acwr.chronic_weeks
    volumes = [baseline_min] * max(lookback, chronic_weeks)
    per_min = planned_load(1.0, "easy", rules)
    loads = [baseline_min * per_min for _ in volumes]
    step = g.volume.round_to_min
    loading = [w for w in frame.weeks if w.phase not in ("taper", "race")]
    reach = len(loading) - 1 - rules.prep.build.long_target_weeks_before_taper
    longest = [spec[0] for spec in specs]
    best = [0.0 for _ in specs]
    every = g.cutback.every_weeks
    # the rules read in every week, read once
    ramp = 1 + g.volume.ramp_max_pct / 100
    ramp_step = g.volume.ramp_min_step_min
    floor = g.volume.start_floor_min
    cutback_fraction = g.cutback.volume_fraction
    min_chronic = g.acwr.min_chronic_load
    max_ratio = g.acwr.max_ratio
    for position, week in enumerate(loading):
        reference = recent_max(volumes, lookback)
        allowed = max(max(reference * ramp, reference + ramp_step), floor)  # max(a, b, c), compiled
        cutback = position % every == every - 1
        if position == 0:
            volume = min(baseline_min, prep.peak_min)
        elif cutback:
            volume = cutback_fraction * volumes[-1]
        else:
            volume = min(allowed, prep.peak_min)
        window = loads[-chronic_weeks:]
        chronic = max(sum(window) / len(window), min_chronic)
        factor = _LOAD_FACTOR.get(week.phase, 1.0)
        volume = min(volume, max_ratio * chronic / (factor * per_min))
        volume = float(math.floor(volume / step) * step)
        volumes.append(volume)
        loads.append(volume * per_min * factor)
        if cutback:
            continue
        for n, (start, goal, share, grow) in enumerate(specs):
            top = max(goal, start)
            planned = start + (top - start) * min(1.0, position / reach) if reach > 0 else top
            target = max(start, min(planned, longest[n] + grow))
            long_min = min(target, volume * share)
            longest[n] = max(longest[n], long_min)
            best[n] = max(best[n], long_min)
    return best


def goal_peak_min(profile: Profile, rules: Rules) -> float:
    """The weekly volume a build for ``profile`` aims at (what feasibility and the planner share)."""
    return prep_of(profile, rules).peak_min
