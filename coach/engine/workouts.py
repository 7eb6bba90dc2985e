"""Structured workouts: turn "a 50-minute threshold run" into steps with targets.

Every session gets warm-up / main (with repeat blocks) / cool-down steps from the templates
in ``coach/rules/workouts.yaml`` and a target per step, chosen by what is known of the athlete:

* runs: Daniels pace bands from the VDOT of a recent race (``coach.engine.metrics.running``);
* rides: % FTP (Coggan zones) when ``ftp_w`` is known;
* swims: CSS pace + offset (Swim Smooth) when ``css_per_100m`` is known;
* otherwise heart rate (% LTHR, Friel; or % HRmax) when known, else RPE (Borg CR10);
* strength: sets × reps @ %1RM (with kg) when the 1RM is known, else @ RPE.

Generation is a pure function of (spec, anchors, rules), so results are cached per rules
object; that is what makes building thousands of plans a second possible.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, Literal, NamedTuple, get_args

from coach.engine.athlete import Anchors, race_duration_min
from coach.engine.load import session_load
from coach.engine.models import (
    Intensity,
    Profile,
    Session,
    SessionSport,
    SessionType,
    Sport,
    Step,
    Target,
    Week,
)
from coach.engine.render import describe_steps, intervals_icu_text
from coach.engine.rules import EventProfile, LegSport, Rules, Template, ZoneName

_SECONDS_PER_MINUTE = 60
_SECONDS_PER_HOUR = 3600
_METRES_PER_KM = 1000.0
_HUNDRED_METRES = 100.0
_PERCENT = 100.0
_DISTANCE_DECIMALS = 1
_TEMPLATE_DATE = dt.date(2000, 1, 3)

#: Intensity label of each session type (hard = the hard/easy principle's "hard day").
INTENSITY_OF_TYPE: dict[SessionType, Intensity] = {
    "easy": "easy",
    "recovery": "easy",
    "technique": "easy",
    "long": "moderate",
    "tempo": "moderate",
    "threshold": "hard",
    "intervals": "hard",
    "race": "hard",
    "strength": "moderate",
    "commitment": "moderate",
}
QUALITY_TYPES: frozenset[SessionType] = frozenset({"tempo", "threshold", "intervals"})
KEY_TYPES: frozenset[SessionType] = frozenset({"long", "tempo", "threshold", "intervals", "race"})
#: Label of an easy run that is a medium-long run (Pfitzinger & Douglas, Advanced Marathoning).
MEDIUM_LONG_LABEL = "Medium-long run"
#: Label of a race-pace step: a long run's finish or a tempo's work at the goal pace.
GOAL_PACE_LABEL = "race pace"
#: Label of a strides block on an easy run (Daniels' Running Formula, phase I).
STRIDES_LABEL = "strides"
#: Label of a triathlon build's continuous swim at about race distance (race_prep.yaml
#: ``open_water``; Friel): exempt from the pool's lane limit, read back by :func:`is_open_water`.
OPEN_WATER_LABEL = "Continuous swim (open water)"
# Zone a race-pace step is counted in (not easy; Daniels' M pace sits in Z3).
_GOAL_ZONE: ZoneName = "Z3"
# Zone of strides: Daniels' R pace (about mile race pace).
_STRIDES_ZONE: ZoneName = "Z6"
# A race-pace target is the goal pace ± this many seconds per km (a watch's pace wobble).
_GOAL_PACE_BAND_S = 3.0


# A multisport race's leg: (sport or "transition", label, km or None, share of the race time).
RaceLegSpec = tuple[LegSport, str, float | None, float]


class SessionSpec(NamedTuple):
    """What to generate: sport, type and length, plus the few knobs a type needs.

    A named tuple (not a dataclass) because specs are dictionary keys on the hottest path
    of plan building, and tuples hash in C.
    """

    sport: SessionSport
    type: SessionType
    duration_min: int
    key: bool = False
    max_work_min: float | None = None
    strength_day: int = 0
    strength_wave: int = 0
    hybrid: bool = False
    name: str = ""
    intensity: Intensity | None = None
    race_distance_km: float | None = None
    race_intensity_factor: float = 0.0
    race_pace_s_per_km: float | None = None
    race_legs: tuple[RaceLegSpec, ...] = ()
    strides: int = 0
    goal_min: int = 0
    goal_pace_s_per_km: float | None = None
    hills: int = 0


# Compiled, a named tuple's ``__new__`` and ``_replace`` stay interpreted (several times slower
# than making the tuple directly); the planner makes and resizes specs for every session it
# places, so these do it directly. ``tests/engine/test_engine_caches.py`` holds them equal.
_tuple_new = tuple.__new__
_DURATION_FIELD = SessionSpec._fields.index("duration_min")
_MAX_WORK_FIELD = SessionSpec._fields.index("max_work_min")


def make_spec(
    sport: SessionSport,
    type: SessionType,
    duration_min: int,
    key: bool = False,
    max_work_min: float | None = None,
    strength_day: int = 0,
    strength_wave: int = 0,
    hybrid: bool = False,
    name: str = "",
    intensity: Intensity | None = None,
    race_distance_km: float | None = None,
    race_intensity_factor: float = 0.0,
    race_pace_s_per_km: float | None = None,
    race_legs: tuple[RaceLegSpec, ...] = (),
    strides: int = 0,
    goal_min: int = 0,
    goal_pace_s_per_km: float | None = None,
    hills: int = 0,
) -> SessionSpec:
    """``SessionSpec(...)``: the same fields, in the same order, with the same defaults.
    (Compiled, an int given for a ``float`` field arrives as a float: give floats there.)"""
    return _tuple_new(
        SessionSpec,
        (
            sport,
            type,
            duration_min,
            key,
            max_work_min,
            strength_day,
            strength_wave,
            hybrid,
            name,
            intensity,
            race_distance_km,
            race_intensity_factor,
            race_pace_s_per_km,
            race_legs,
            strides,
            goal_min,
            goal_pace_s_per_km,
            hills,
        ),
    )


def spec_with_minutes(spec: SessionSpec, minutes: int) -> SessionSpec:
    """``spec._replace(duration_min=minutes)``."""
    items: list[object] = list(spec)
    items[_DURATION_FIELD] = minutes
    return _tuple_new(SessionSpec, items)


def spec_with_work(spec: SessionSpec, max_work_min: float | None) -> SessionSpec:
    """``spec._replace(max_work_min=max_work_min)``."""
    items: list[object] = list(spec)
    items[_MAX_WORK_FIELD] = max_work_min
    return _tuple_new(SessionSpec, items)


@dataclass(frozen=True, slots=True)
class Generated:
    """A workout generated from a spec: its steps, texts and numbers, and a ready session.
    (``sport`` and ``type`` repeat the template's, for the planner to read without it;
    ``fields`` and ``fields_set`` are the template's own, which :func:`session_from` copies.)"""

    duration_min: int
    intensity: Intensity
    steps: tuple[Step, ...]
    description: str
    intervals_icu: str
    distance_km: float | None
    distance_estimated: bool
    load: float
    easy_s: int
    total_s: int
    template: Session
    sport: SessionSport
    type: SessionType
    fields: dict[str, object]
    fields_set: set[str]


def _zone_seconds(steps: list[Step] | tuple[Step, ...], easy_zones: frozenset[str]) -> tuple[int, int]:
    """(easy seconds, all seconds) of steps, repeats expanded."""
    easy = total = 0
    for step in steps:
        if step.kind == "repeat":
            e, t = _zone_seconds(step.steps, easy_zones)
            easy += e * step.repeat
            total += t * step.repeat
            continue
        seconds = step.duration_s or 0
        total += seconds
        if step.target is not None and step.target.zone in easy_zones:
            easy += seconds
    return easy, total


# --------------------------------------------------------------------------- targets


def zone_target(sport: SessionSport, zone: ZoneName, anchors: Anchors, rules: Rules) -> Target:
    """Target for ``zone`` in ``sport`` from the best anchor known (see module docstring)."""
    zones = rules.workouts.zones
    if sport == "run" and anchors.run_paces is not None:
        band = anchors.pace(zones.run_pace_band[zone])
        if band is not None:
            return Target(unit="s_per_km", low=band[0], high=band[1], zone=zone)
    if sport == "ride" and anchors.ftp_w is not None:
        low, high = zones.ftp_pct[zone]
        return Target(unit="pct_ftp", low=low, high=high, zone=zone)
    if sport == "swim":
        if anchors.css_s_per_100m is not None:
            low, high = zones.css_offset_s_per_100m[zone]
            css = anchors.css_s_per_100m
            return Target(unit="s_per_100m", low=css + low, high=css + high, zone=zone)
    elif anchors.threshold_hr is not None:
        low, high = zones.lthr_pct[zone]
        hr = anchors.threshold_hr
        return Target(unit="bpm", low=round(hr * low / _PERCENT), high=round(hr * high / _PERCENT), zone=zone)
    elif anchors.max_hr is not None:
        low, high = zones.hr_max_pct[zone]
        hr = anchors.max_hr
        return Target(unit="bpm", low=round(hr * low / _PERCENT), high=round(hr * high / _PERCENT), zone=zone)
    low, high = zones.rpe[zone]
    return Target(unit="rpe", low=low, high=high, zone=zone)


def zone_for_intensity_factor(intensity_factor: float, rules: Rules) -> ZoneName:
    """The Coggan zone whose % FTP band holds ``intensity_factor`` (race effort)."""
    pct = intensity_factor * _PERCENT
    bands = rules.workouts.zones.ftp_pct
    for zone in sorted(bands):
        if pct <= bands[zone][1]:
            return zone
    return "Z6"


# --------------------------------------------------------------------------- steps


def _step(
    kind: Literal["warmup", "main", "cooldown", "recovery"],
    seconds: int,
    sport: SessionSport,
    zone: ZoneName,
    anchors: Anchors,
    rules: Rules,
    label: str = "",
    leg: bool = False,
) -> Step:
    """A step of ``seconds`` in ``zone``; ``leg``: one sport's part of a multisport session."""
    target = zone_target(sport, zone, anchors, rules)
    if leg:
        return Step(kind=kind, label=label, sport=sport, duration_s=seconds, target=target)
    return Step(kind=kind, label=label, duration_s=seconds, target=target)


def _steady_steps(
    total_s: int, sport: SessionSport, tmpl: Template, anchors: Anchors, rules: Rules
) -> list[Step]:
    warm = round(tmpl.warmup_min * _SECONDS_PER_MINUTE)
    cool = round(tmpl.cooldown_min * _SECONDS_PER_MINUTE)
    main = total_s - warm - cool
    if main < warm + cool or main <= 0:
        return [_step("main", total_s, sport, tmpl.zone, anchors, rules, tmpl.label)]
    steps: list[Step] = []
    if warm:
        steps.append(_step("warmup", warm, sport, "Z1", anchors, rules))
    steps.append(_step("main", main, sport, tmpl.zone, anchors, rules, tmpl.label))
    if cool:
        steps.append(_step("cooldown", cool, sport, "Z1", anchors, rules))
    return steps


def goal_target(
    pace_s_per_km: float | None, anchors: Anchors, rules: Rules, zone: ZoneName = _GOAL_ZONE
) -> Target:
    """Target of a race-pace step: the goal pace (± a few seconds), else the zone's target.
    ``zone`` labels it: Z3 for marathon and half-marathon pace, the session's work zone for
    5K and 10K pace."""
    if pace_s_per_km is None:
        return zone_target("run", zone, anchors, rules)
    return Target(
        unit="s_per_km",
        low=round(pace_s_per_km - _GOAL_PACE_BAND_S, 1),
        high=round(pace_s_per_km + _GOAL_PACE_BAND_S, 1),
        zone=zone,
    )


def _long_finish_steps(
    total_s: int, goal_min: int, pace: float | None, tmpl: Template, anchors: Anchors, rules: Rules
) -> list[Step]:
    """A long run with a race-pace finish (Pfitzinger & Douglas: marathon-pace miles at the
    end of a long run): easy first, then ``goal_min`` at the goal pace, a short cool-down."""
    cool = round(rules.workouts.sessions.min_warmup_min * _SECONDS_PER_MINUTE)
    goal_s = goal_min * _SECONDS_PER_MINUTE
    easy_s = total_s - goal_s - cool
    if easy_s < goal_s:
        return _steady_steps(total_s, "run", tmpl, anchors, rules)
    return [
        _step("main", easy_s, "run", tmpl.zone, anchors, rules, tmpl.label),
        Step(kind="main", label=GOAL_PACE_LABEL, duration_s=goal_s, target=goal_target(pace, anchors, rules)),
        _step("cooldown", cool, "run", "Z1", anchors, rules),
    ]


def _strides_steps(total_s: int, reps: int, tmpl: Template, label: str, anchors: Anchors, rules: Rules) -> list[Step]:
    """An easy run ending with strides (Daniels: 15-20 s quick, relaxed, full recovery)."""
    cfg = rules.prep.structure.strides
    block_s = reps * (cfg.work_s + cfg.recovery_s)
    easy_s = total_s - block_s
    if easy_s < block_s:
        return _steady_steps(total_s, "run", tmpl, anchors, rules)
    children = [_step("main", cfg.work_s, "run", _STRIDES_ZONE, anchors, rules, "stride")]
    if cfg.recovery_s:
        children.append(_step("recovery", cfg.recovery_s, "run", "Z1", anchors, rules, "easy jog"))
    return [
        _step("main", easy_s, "run", tmpl.zone, anchors, rules, label),
        Step(kind="repeat", label=STRIDES_LABEL, repeat=reps, steps=children),
    ]


def _hills_steps(total_s: int, reps: int, tmpl: Template, label: str, anchors: Anchors, rules: Rules) -> list[Step]:
    """An easy run holding hill repeats (``workouts.yaml`` ``hills``: Lydiard, Daniels, Pfitzinger
    & Latter): easy running to the hill, ``reps`` x uphill at about 5K effort with an easy jog
    down, easy running home."""
    cfg = rules.workouts.hills
    # Easy running before and after the hill keeps at least a warm-up's length each way
    # (sessions.min_warmup_min); a short run holds fewer repeats (at least half of them),
    # else it stays a plain easy run.
    easy_min_s = round(2 * rules.workouts.sessions.min_warmup_min * _SECONDS_PER_MINUTE)
    reps = min(reps, (total_s - easy_min_s) // (cfg.work_s + cfg.recovery_s))
    if reps < max(1, (cfg.reps + 1) // 2):
        return _steady_steps(total_s, "run", tmpl, anchors, rules)
    block_s = reps * (cfg.work_s + cfg.recovery_s)
    easy_s = total_s - block_s
    children = [_step("main", cfg.work_s, "run", cfg.zone, anchors, rules, "uphill, about 5K effort")]
    if cfg.recovery_s:
        children.append(_step("recovery", cfg.recovery_s, "run", "Z1", anchors, rules, "jog down"))
    before = easy_s // 2
    return [
        _step("main", before, "run", tmpl.zone, anchors, rules, label),
        Step(kind="repeat", label=cfg.label, repeat=reps, steps=children),
        _step("main", easy_s - before, "run", tmpl.zone, anchors, rules, label),
    ]


def _structured_steps(
    total_s: int,
    sport: SessionSport,
    tmpl: Template,
    cap_min: float | None,
    anchors: Anchors,
    rules: Rules,
    work_target: Target | None = None,
) -> list[Step]:
    """Warm-up, work (continuous or repeats), steady filler, cool-down; durations add up to ``total_s``."""
    assert tmpl.work_zone is not None
    limits = rules.workouts.sessions
    floor_s = round(limits.min_warmup_min * _SECONDS_PER_MINUTE)
    min_step_s = round(limits.min_step_min * _SECONDS_PER_MINUTE)
    warm = round(tmpl.warmup_min * _SECONDS_PER_MINUTE)
    cool = round(tmpl.cooldown_min * _SECONDS_PER_MINUTE)
    work_s = round((tmpl.work_min or 0) * _SECONDS_PER_MINUTE)
    rec_s = round(tmpl.recovery_min * _SECONDS_PER_MINUTE)
    needed = work_s + rec_s if not tmpl.continuous else round(tmpl.min_work_min * _SECONDS_PER_MINUTE)
    avail = total_s - warm - cool
    if avail < needed:
        shrink = needed - avail
        warm = max(min(floor_s, warm), warm - (shrink + 1) // 2)
        cool = max(min(floor_s, cool), cool - shrink // 2)
        avail = total_s - warm - cool
    cap_s = tmpl.max_work_min * _SECONDS_PER_MINUTE
    if cap_min is not None:
        cap_s = min(cap_s, cap_min * _SECONDS_PER_MINUTE)
    if avail <= 0 or cap_s < min_step_s:
        return _steady_steps(total_s, sport, tmpl, anchors, rules)
    steps: list[Step] = [_step("warmup", warm, sport, "Z1", anchors, rules)] if warm else []
    if work_target is not None and (tmpl.continuous or work_s <= 0):
        # Race-pace tempo: one continuous block at the goal pace.
        work = int(min(avail, cap_s))
        steps.append(Step(kind="main", label=GOAL_PACE_LABEL, duration_s=work, target=work_target))
        used = work
    elif tmpl.continuous or work_s <= 0:
        work = int(min(avail, cap_s))
        steps.append(_step("main", work, sport, tmpl.work_zone, anchors, rules, tmpl.label))
        used = work
    else:
        reps = min(avail // (work_s + rec_s), tmpl.max_reps, int(cap_s // work_s))
        if reps < 1:
            work = int(min(avail, cap_s))
            steps.append(_step("main", work, sport, tmpl.work_zone, anchors, rules, tmpl.label))
            used = work
        else:
            if work_target is not None:
                # Race-pace repeats (5K/10K): the template's reps, each at the goal pace.
                children = [Step(kind="main", label=GOAL_PACE_LABEL, duration_s=work_s, target=work_target)]
            else:
                children = [_step("main", work_s, sport, tmpl.work_zone, anchors, rules, "work")]
            if rec_s:
                children.append(_step("recovery", rec_s, sport, "Z1", anchors, rules, "easy"))
            steps.append(Step(kind="repeat", label=tmpl.label, repeat=reps, steps=children))
            used = reps * (work_s + rec_s)
    left = avail - used
    if left >= min_step_s:
        steps.append(_step("main", left, sport, tmpl.zone, anchors, rules, "steady"))
    else:
        cool += left
    if cool:
        steps.append(_step("cooldown", cool, sport, "Z1", anchors, rules))
    return steps


def _brick_steps(total_s: int, anchors: Anchors, rules: Rules) -> list[Step]:
    brick = rules.workouts.brick
    run_s = round(total_s * brick.run_fraction)
    run_s = max(
        round(brick.run_min_min * _SECONDS_PER_MINUTE),
        min(run_s, round(brick.run_max_min * _SECONDS_PER_MINUTE)),
    )
    run_s = min(run_s, total_s // 2)
    ride_s = total_s - run_s
    return [
        _step("main", ride_s, "ride", brick.ride_zone, anchors, rules, "bike", leg=True),
        _step("main", run_s, "run", brick.run_zone, anchors, rules, "run off the bike", leg=True),
    ]


def _legs_of(event: EventProfile) -> tuple[RaceLegSpec, ...]:
    return tuple((leg.sport, leg.label, leg.km, leg.share) for leg in event.race_legs)


def race_spec(event: EventProfile, minutes: int) -> SessionSpec:
    """The race-day session of ``event`` lasting ``minutes``: a run at the even pace that
    time gives over the distance, a ride at race effort, or a multisport race with its legs."""
    sports = event.sports
    sport: SessionSport = "run" if "run" in sports else ("ride" if "ride" in sports else "other")
    pace = minutes * 60.0 / event.distance_km if sport == "run" and event.distance_km and minutes else None
    return SessionSpec(
        sport=sport,
        type="race",
        duration_min=minutes,
        key=True,
        race_distance_km=event.distance_km,
        race_intensity_factor=event.race_intensity_factor,
        race_pace_s_per_km=pace,
        race_legs=_legs_of(event),
    )


def _leg_steps(spec: SessionSpec, zone: ZoneName, anchors: Anchors, rules: Rules) -> list[Step]:
    """A multisport race: each leg its time (:func:`leg_seconds`) at race effort in its own
    sport's target; transitions have no target."""
    total_s = spec.duration_min * _SECONDS_PER_MINUTE
    expected = leg_seconds(spec.race_legs, zone, anchors, rules, total_s)
    steps: list[Step] = []
    used = 0
    for n, (sport, label, km, _share) in enumerate(spec.race_legs):
        seconds = total_s - used if n == len(spec.race_legs) - 1 else round(expected[n])
        used += seconds
        if sport == "transition":
            steps.append(Step(kind="recovery", label=label, duration_s=seconds))
            continue
        target = zone_target(sport, zone, anchors, rules)
        distance_m = km * _METRES_PER_KM if km else None
        steps.append(
            Step(kind="main", label=label, sport=sport, duration_s=seconds, distance_m=distance_m, target=target)
        )
    return steps


def _race_steps(spec: SessionSpec, anchors: Anchors, rules: Rules) -> list[Step]:
    total_s = spec.duration_min * _SECONDS_PER_MINUTE
    zone = zone_for_intensity_factor(spec.race_intensity_factor, rules)
    if spec.race_legs:
        return _leg_steps(spec, zone, anchors, rules)
    distance_m = spec.race_distance_km * _METRES_PER_KM if spec.race_distance_km else None
    label = rules.workouts.race.label
    if spec.sport == "run" and spec.race_pace_s_per_km is not None:
        pace = spec.race_pace_s_per_km
        target = Target(unit="s_per_km", low=round(pace, 1), high=round(pace, 1), zone=zone)
    else:
        target = zone_target("ride" if spec.sport == "other" else spec.sport, zone, anchors, rules)
    return [Step(kind="main", label=label, duration_s=total_s, distance_m=distance_m, target=target)]


def _round_kg(kg: float, step_kg: float) -> float:
    return round(round(kg / step_kg) * step_kg, 2)


def strength_steps(spec: SessionSpec, anchors: Anchors, rules: Rules) -> list[Step]:
    """A gym session: warm-up, main lifts at the wave's %1RM (or RPE), accessories at RPE.

    When ``spec.duration_min`` is shorter than the full session, accessories go first, then
    main-lift sets, down to one set each (NSCA: keep the main lifts).
    """
    cfg = rules.workouts.strength
    wave = cfg.waves[spec.strength_wave % len(cfg.waves)]
    day = cfg.days[spec.strength_day % len(cfg.days)]
    minus = cfg.hybrid_sets_minus if spec.hybrid else 0
    main_sets = max(1, wave.sets - minus)
    acc_sets = max(1, cfg.accessory.sets - minus)
    main_set_min = cfg.work_min_per_set + cfg.rest_min_per_set["main"]
    acc_set_min = cfg.work_min_per_set + cfg.rest_min_per_set["accessory"]
    accessories = list(day.accessory)

    def minutes(main: int, acc: int, n_acc: int) -> float:
        return cfg.warmup_min + len(day.main) * main * main_set_min + n_acc * acc * acc_set_min

    budget = spec.duration_min if spec.duration_min > 0 else math.inf
    while minutes(main_sets, acc_sets, len(accessories)) > budget + 1e-9 and (accessories or main_sets > 1):
        if accessories:
            accessories.pop()
        else:
            main_sets -= 1
    steps: list[Step] = []
    if cfg.warmup_min:
        steps.append(
            Step(
                kind="warmup",
                label="mobility and ramp-up sets",
                duration_s=round(cfg.warmup_min * _SECONDS_PER_MINUTE),
                target=zone_target("strength", "Z1", anchors, rules),
            )
        )
    for lift in day.main:
        one_rm = anchors.one_rep_max(lift)
        if one_rm is not None:
            target = Target(unit="pct_1rm", low=wave.pct_1rm, high=wave.pct_1rm)
            load_kg: float | None = _round_kg(one_rm * wave.pct_1rm / _PERCENT, cfg.load_round_kg)
        else:
            target = Target(unit="rpe", low=wave.rpe, high=wave.rpe)
            load_kg = None
        steps.append(
            Step(
                kind="set",
                label=lift,
                exercise=lift,
                sets=main_sets,
                reps=wave.reps,
                target=target,
                load_kg=load_kg,
                duration_s=round(main_sets * main_set_min * _SECONDS_PER_MINUTE),
            )
        )
    for lift in accessories:
        steps.append(
            Step(
                kind="set",
                label=lift,
                exercise=lift,
                sets=acc_sets,
                reps=cfg.accessory.reps,
                target=Target(unit="rpe", low=cfg.accessory.rpe, high=cfg.accessory.rpe),
                duration_s=round(acc_sets * acc_set_min * _SECONDS_PER_MINUTE),
            )
        )
    return steps


def strength_minutes(spec: SessionSpec, anchors: Anchors, rules: Rules) -> int:
    """Length of the gym session ``spec`` describes (its sets decide it), whole minutes."""
    return generated(spec, anchors, rules).duration_min


def _total_minutes(steps: list[Step]) -> int:
    seconds = sum(s.duration_s or 0 for s in steps)
    return math.ceil(seconds / _SECONDS_PER_MINUTE - 1e-9)


# --------------------------------------------------------------------------- sessions


def _distance_km(steps: list[Step]) -> float | None:
    total = 0.0
    for step in steps:
        if step.kind == "repeat":
            inner = _distance_km(step.steps)
            if inner is None:
                return None
            total += inner * step.repeat
            continue
        if step.distance_m is not None:
            total += step.distance_m / _METRES_PER_KM
            continue
        if step.target is None or step.duration_s is None:
            return None
        pace = (step.target.low + step.target.high) / 2
        if step.target.unit == "s_per_km":
            total += step.duration_s / pace
        elif step.target.unit == "s_per_100m":
            total += step.duration_s / pace * _HUNDRED_METRES / _METRES_PER_KM
        else:
            return None
    return round(total, _DISTANCE_DECIMALS)


def _ride_speed_factor(zone: str | None, rules: Rules) -> float:
    """Riding speed in ``zone`` relative to the athlete's endurance speed: the cube root of
    the zone's mid % FTP over the reference zone's (``coach/rules/workouts.yaml``:
    ``zones.ride_speed_reference_zone``, after Martin et al. 1998); 1 for a step without zone."""
    bands = rules.workouts.zones.ftp_pct
    ref_low, ref_high = bands[rules.workouts.zones.ride_speed_reference_zone]
    for name, (low, high) in bands.items():
        if name == zone:
            return float(((low + high) / (ref_low + ref_high)) ** (1 / 3))
    return 1.0


def _ride_distance_km(steps: list[Step], speed_kmh: float, rules: Rules) -> float:
    """Planned distance of a ride at the athlete's endurance speed, step by step."""

    def km(steps: list[Step]) -> float:
        total = 0.0
        for step in steps:
            if step.kind == "repeat":
                total += km(step.steps) * step.repeat
                continue
            factor = _ride_speed_factor(step.target.zone if step.target else None, rules)
            total += (step.duration_s or 0) / _SECONDS_PER_HOUR * speed_kmh * factor
        return total

    return round(km(steps), _DISTANCE_DECIMALS)


def _timed_legs(legs: Sequence[RaceLegSpec], zone: ZoneName, anchors: Anchors, rules: Rules) -> list[float | None]:
    """Seconds of each leg at race effort (``zone``) that the athlete's own numbers give:
    swim at CSS + the zone's offset (Swim Smooth), ride at the endurance speed scaled for
    the zone (:func:`_ride_speed_factor`), run at the zone's Daniels pace band; else ``None``."""
    zones = rules.workouts.zones
    timed: list[float | None] = []
    for sport, _label, km, _share in legs:
        seconds: float | None = None
        if km and sport == "swim" and anchors.css_s_per_100m is not None:
            low, high = zones.css_offset_s_per_100m[zone]
            seconds = km * _METRES_PER_KM / _HUNDRED_METRES * (anchors.css_s_per_100m + (low + high) / 2)
        elif km and sport == "ride" and anchors.ride_speed_kmh is not None:
            seconds = km / (anchors.ride_speed_kmh * _ride_speed_factor(zone, rules)) * _SECONDS_PER_HOUR
        elif km and sport == "run":
            band = anchors.pace(zones.run_pace_band[zone])
            if band is not None:
                seconds = km * (band[0] + band[1]) / 2
        timed.append(seconds)
    return timed


def leg_seconds(
    legs: Sequence[RaceLegSpec], zone: ZoneName, anchors: Anchors, rules: Rules, total_s: float
) -> list[float]:
    """Seconds of each leg in a race of ``total_s``: the legs the athlete's numbers time
    (:func:`_timed_legs`) keep their time, the others and the transitions share what is
    left in proportion to their rule shares; if nothing is left, every leg is scaled to fit."""
    timed = _timed_legs(legs, zone, anchors, rules)
    left = total_s - sum(t for t in timed if t is not None)
    open_share = sum(leg[3] for leg, t in zip(legs, timed, strict=True) if t is None)
    if left > 0 and open_share > 0:
        return [t if t is not None else left * leg[3] / open_share for leg, t in zip(legs, timed, strict=True)]
    estimates = [t if t is not None else leg[3] * total_s for leg, t in zip(legs, timed, strict=True)]
    scale = total_s / sum(estimates)
    return [e * scale for e in estimates]


def race_minutes(profile: Profile, event: EventProfile, anchors: Anchors, rules: Rules) -> int:
    """Expected race time: the target time; else, for a multisport race, the legs the
    athlete's numbers time (:func:`_timed_legs`) plus the other legs' rule shares of the
    event's default time; else :func:`~coach.engine.athlete.race_duration_min`."""
    if event.race_legs and not profile.goal.target_time:
        zone = zone_for_intensity_factor(event.race_intensity_factor, rules)
        legs = _legs_of(event)
        default_s = event.race_duration_min * _SECONDS_PER_MINUTE
        timed = _timed_legs(legs, zone, anchors, rules)
        seconds = sum(t if t is not None else leg[3] * default_s for leg, t in zip(legs, timed, strict=True))
        return round(seconds / _SECONDS_PER_MINUTE)
    return round(race_duration_min(profile, rules))


def _generate(spec: SessionSpec, anchors: Anchors, rules: Rules) -> Generated:
    intensity = spec.intensity or INTENSITY_OF_TYPE[spec.type]
    total_s = spec.duration_min * _SECONDS_PER_MINUTE
    steps: list[Step]
    duration = spec.duration_min
    if spec.type == "commitment":
        steps = []
    elif spec.type == "race":
        steps = _race_steps(spec, anchors, rules)
    elif spec.sport == "strength":
        steps = strength_steps(spec, anchors, rules)
        duration = _total_minutes(steps)
    elif spec.sport == "brick":
        steps = _brick_steps(total_s, anchors, rules)
    else:
        tmpl = rules.workouts.template(spec.sport, spec.type) or rules.workouts.template(spec.sport, "easy")
        if tmpl is None:
            steps = [
                Step(
                    kind="main",
                    label=spec.type,
                    duration_s=total_s,
                    target=zone_target(spec.sport, "Z2", anchors, rules),
                )
            ]
        elif spec.sport == "run" and spec.type == "long" and spec.goal_min:
            steps = _long_finish_steps(total_s, spec.goal_min, spec.goal_pace_s_per_km, tmpl, anchors, rules)
        elif spec.sport == "run" and spec.strides:
            steps = _strides_steps(total_s, spec.strides, tmpl, spec.name or tmpl.label, anchors, rules)
        elif spec.sport == "run" and spec.hills:
            steps = _hills_steps(total_s, spec.hills, tmpl, spec.name or tmpl.label, anchors, rules)
        elif tmpl.work_zone is None:
            if spec.name:
                tmpl = tmpl.model_copy(update={"label": spec.name})
            steps = _steady_steps(total_s, spec.sport, tmpl, anchors, rules)
        else:
            work_target = None
            if spec.sport == "run" and spec.type in QUALITY_TYPES and spec.goal_pace_s_per_km is not None:
                zone = _GOAL_ZONE if spec.type == "tempo" else tmpl.work_zone
                work_target = goal_target(spec.goal_pace_s_per_km, anchors, rules, zone)
            steps = _structured_steps(total_s, spec.sport, tmpl, spec.max_work_min, anchors, rules, work_target)
    units: Literal["km", "mi"] = "mi" if anchors.units == "mi" else "km"
    if spec.type == "commitment":
        description = f"{spec.name} ({spec.sport}, {intensity}): kept as planned by the athlete"
        icu = ""
        distance = None
        estimated = False
    else:
        description = describe_steps(steps, units)
        icu = intervals_icu_text(steps, units)
        distance = None
        estimated = False
        if spec.type == "race" and spec.race_distance_km:
            distance = round(spec.race_distance_km, _DISTANCE_DECIMALS)
        elif spec.sport in ("run", "swim") or spec.type == "race":
            distance = _distance_km(steps)
            if distance is None and spec.sport == "run" and anchors.run_pace_estimate_s_per_km:
                # No race result: the distance at the athlete's estimated easy pace, marked as such.
                distance = round(duration * _SECONDS_PER_MINUTE / anchors.run_pace_estimate_s_per_km, _DISTANCE_DECIMALS)
                estimated = True
        elif spec.sport == "ride" and anchors.ride_speed_kmh is not None:
            distance = _ride_distance_km(steps, anchors.ride_speed_kmh, rules)
    load = session_load(duration, spec.type, intensity, spec.race_intensity_factor, rules)
    easy_s, total_s = _zone_seconds(steps, frozenset(rules.guardrails.intensity.easy_zones))
    template = Session(
        date=_TEMPLATE_DATE,
        sport=spec.sport,
        type=spec.type,
        intensity=intensity,
        key=spec.key,
        duration_min=duration,
        distance_km=distance,
        distance_estimated=estimated,
        load=load,
        steps=steps,
        description=description,
        intervals_icu=icu,
    )
    return Generated(
        duration,
        intensity,
        tuple(steps),
        description,
        icu,
        distance,
        estimated,
        load,
        easy_s,
        total_s,
        template,
        spec.sport,
        spec.type,
        template.__dict__,
        template.__pydantic_fields_set__,
    )


def _hr_key(anchors: Anchors) -> tuple[str, int] | None:
    if anchors.threshold_hr is not None:
        return ("lthr", anchors.threshold_hr)
    if anchors.max_hr is not None:
        return ("max", anchors.max_hr)
    return None


def _sport_key(sport: SessionSport, anchors: Anchors, rules: Rules) -> tuple[object, ...]:
    """The anchors :func:`zone_target` reads for ``sport`` (and, for strength, the 1RMs)."""
    if sport == "run":
        paces = anchors.run_paces
        bands = rules.workouts.zones.run_pace_band.values()
        complete = paces is not None and all(anchors.pace(band) is not None for band in bands)
        return ("run", paces, None if complete else _hr_key(anchors), None if paces else anchors.run_pace_estimate_s_per_km)
    if sport == "ride":
        known = anchors.ftp_w is not None  # targets are % FTP: the watts themselves are not used
        return ("ride", known, None if known else _hr_key(anchors), anchors.ride_speed_kmh)
    if sport == "swim":
        return ("swim", anchors.css_s_per_100m)
    if sport == "strength":
        return ("strength", _hr_key(anchors), anchors.one_rep_max_kg)
    return (sport, _hr_key(anchors))


def anchor_key(spec: SessionSpec, anchors: Anchors, rules: Rules) -> tuple[object, ...]:
    """The part of ``anchors`` that generating ``spec`` depends on (the cache key).

    Athletes who differ only in anchors a workout never reads (an FTP for a run, a heart
    rate where paces are known, the VDOT itself) share the generated workout.
    """
    if spec.type == "commitment":
        return ()
    if spec.type == "race" and spec.sport == "run" and spec.race_pace_s_per_km is not None:
        return (anchors.units,)
    if spec.type == "race" and spec.race_legs:
        legs = sorted({leg[0] for leg in spec.race_legs if leg[0] != "transition"})
        return (anchors.units, *(_sport_key(sport, anchors, rules) for sport in legs))
    if spec.type == "race" and spec.sport == "other":
        return (anchors.units, _sport_key("ride", anchors, rules))
    if spec.sport == "brick":
        return (anchors.units, _sport_key("ride", anchors, rules), _sport_key("run", anchors, rules))
    return (anchors.units, _sport_key(spec.sport, anchors, rules))


_SESSION_SPORTS: tuple[SessionSport, ...] = get_args(SessionSport)


def anchor_signature(anchors: Anchors, rules: Rules) -> tuple[object, ...]:
    """Everything :func:`anchor_key` can read of ``anchors``, whatever the spec: athletes with
    the same signature get the same generated workout for every spec."""
    return (anchors.units, *(_sport_key(sport, anchors, rules) for sport in _SESSION_SPORTS))


def generated_table(anchors: Anchors, rules: Rules) -> dict[SessionSpec, Generated]:
    """The workouts :func:`generated` gave so far for athletes with the signature of
    ``anchors`` (:func:`anchor_signature`), by spec as asked: one table per signature under
    ``rules``, shared by every plan that has it (a few dozen signatures serve thousands of
    athletes), so a plan looks its workouts up with the spec alone."""
    memo = rules.memo
    key = ("generated.table", anchor_signature(anchors, rules))
    table = memo.get(key)
    if table is None:
        table = memo[key] = {}
    assert isinstance(table, dict)
    return table


def _effective_spec(spec: SessionSpec, rules: Rules) -> SessionSpec:
    """``spec`` with ``max_work_min`` cleared where it cannot change the workout.

    Only structured templates read it, and only as ``min(template cap, max_work_min)``: a
    cap at or above the template's own is the same as none.
    """
    cap = spec.max_work_min
    if cap is None:
        return spec
    if spec.type not in ("commitment", "race") and spec.sport not in ("strength", "brick"):
        workouts = rules.workouts
        tmpl = workouts.template(spec.sport, spec.type) or workouts.template(spec.sport, "easy")
        if (
            tmpl is not None
            and tmpl.work_zone is not None
            and cap * _SECONDS_PER_MINUTE < tmpl.max_work_min * _SECONDS_PER_MINUTE
        ):
            return spec
    return spec_with_work(spec, None)


def generated(spec: SessionSpec, anchors: Anchors, rules: Rules) -> Generated:
    """Cached generation of ``spec`` for ``anchors`` under ``rules``.

    The cache key holds only what the workout depends on (:func:`anchor_key`,
    :func:`_effective_spec`), so athletes and weeks that ask for the same workout share it.
    """
    memo = rules.memo
    effective = _effective_spec(spec, rules)
    key = ("session", effective, anchor_key(effective, anchors, rules))
    found = memo.get(key)
    if found is None:
        found = _generate(effective, anchors, rules)
        memo[key] = found
    assert isinstance(found, Generated)
    return found


def week_km(sessions: Iterable[Session], plan_sport: Sport) -> float | None:
    """A week's ``planned_km``: the riding km of a ride plan, else the running km (race
    excluded), and only when every such session has a distance (``None`` otherwise); 0 for
    a week with none of them (``None`` in a strength plan)."""
    counted = "ride" if plan_sport == "ride" else "run"
    total = 0.0
    found = False
    for s in sessions:
        if s.sport == counted and s.type != "race":
            if s.distance_km is None:
                return None
            total += s.distance_km
            found = True
    if not found:
        return None if plan_sport == "strength" else 0.0
    return round(total, _DISTANCE_DECIMALS)


def generated_week_km(gens: Iterable[Generated], plan_sport: Sport) -> float | None:
    """:func:`week_km` of the sessions ``gens`` make, read from the workouts (the planner's
    drafts hold workouts, not sessions)."""
    counted = "ride" if plan_sport == "ride" else "run"
    total = 0.0
    found = False
    for gen in gens:
        if gen.sport == counted and gen.type != "race":
            if gen.distance_km is None:
                return None
            total += gen.distance_km
            found = True
    if not found:
        return None if plan_sport == "strength" else 0.0
    return round(total, _DISTANCE_DECIMALS)


def with_sessions(week: Week, sessions: list[Session], plan_sport: Sport) -> Week:
    """``week`` holding ``sessions`` (put in day order), with its totals recomputed."""
    ordered = sorted(sessions, key=session_order)
    return week.model_copy(
        update={
            "sessions": ordered,
            "planned_minutes": sum(s.duration_min for s in ordered),
            "load": round(sum(s.load for s in ordered), 1),
            "planned_km": week_km(ordered, plan_sport),
        }
    )


def session_order(session: Session) -> tuple[dt.date, bool, str, str, int]:
    """The one order of sessions within a week: by date, training before commitments."""
    return (session.date, session.type == "commitment", session.sport, session.type, session.duration_min)


def make_session(
    day: dt.date, spec: SessionSpec, anchors: Anchors, rules: Rules, waived: list[str] | None = None
) -> Session:
    """A full :class:`Session` for ``spec`` on ``day`` (steps, targets, texts, distance, load).

    The generated session is validated once per spec and copied per date (the step objects
    are shared and never mutated).
    """
    return session_from(generated(spec, anchors, rules), day, waived)


def session_from(gen: Generated, day: dt.date, waived: list[str] | None = None) -> Session:
    """A session on ``day`` from a generated template."""
    session = _new_session(Session)
    # A shallow copy of the validated template with its own date and lists (what
    # ``model_copy(update=...)`` does, without its generic overhead on this hot path).
    fields = gen.fields.copy()
    fields["date"] = day
    steps = fields["steps"]
    assert isinstance(steps, list)
    fields["steps"] = steps.copy()
    fields["waived"] = list(waived) if waived else []
    _set(session, "__dict__", fields)
    _set(session, "__pydantic_fields_set__", gen.fields_set.copy())
    _set(session, "__pydantic_extra__", None)
    _set(session, "__pydantic_private__", None)
    return session


# Final: compiled, they are read from C statics, not looked up in the module's namespace per call.
_new_session: Final = Session.__new__
_set: Final = object.__setattr__


def spec_of(session: Session, rules: Rules, race_intensity_factor: float = 0.0) -> SessionSpec:
    """Recover a generation spec from an existing session, so it can be resized or converted."""
    strength_day, strength_wave, hybrid = 0, 0, False
    if session.sport == "strength":
        strength_day, strength_wave, hybrid = _strength_identity(session, rules)
    race_distance = session.steps[0].distance_m if session.type == "race" and session.steps else None
    legs: tuple[RaceLegSpec, ...] = ()
    if session.type == "race" and any(step.sport is not None for step in session.steps):
        total_s = sum(step.duration_s or 0 for step in session.steps) or 1
        legs = tuple(
            (
                _leg_sport(step.sport),
                step.label,
                step.distance_m / _METRES_PER_KM if step.distance_m else None,
                (step.duration_s or 0) / total_s,
            )
            for step in session.steps
        )
        race_distance = session.distance_km * _METRES_PER_KM if session.distance_km else None
    race_pace = None
    if session.type == "race" and session.steps and session.steps[0].target is not None:
        target = session.steps[0].target
        race_pace = target.low if target.unit == "s_per_km" else None
    goal_min, goal_pace, strides, name, hills = _run_extras(session, rules)
    if is_open_water(session):
        name = OPEN_WATER_LABEL
    work_cap: float | None = None
    if session.type in QUALITY_TYPES and goal_pace is not None:
        work_cap, goal_min = float(goal_min), 0  # a tempo's race-pace block (or reps) is its work, capped as built
    return SessionSpec(
        sport=session.sport,
        type=session.type,
        duration_min=session.duration_min,
        key=session.key,
        max_work_min=work_cap,
        strength_day=strength_day,
        strength_wave=strength_wave,
        hybrid=hybrid,
        name=session.description.split(" (")[0] if session.type == "commitment" else name,
        intensity=session.intensity if session.type == "commitment" else None,
        race_distance_km=race_distance / _METRES_PER_KM if race_distance else None,
        race_intensity_factor=race_intensity_factor,
        race_pace_s_per_km=race_pace,
        race_legs=legs,
        strides=strides,
        goal_min=goal_min,
        goal_pace_s_per_km=goal_pace,
        hills=hills,
    )


def is_open_water(session: Session) -> bool:
    """A continuous open-water swim (a step labelled :data:`OPEN_WATER_LABEL`)."""
    return session.sport == "swim" and any(step.label == OPEN_WATER_LABEL for step in session.steps)


def _run_extras(session: Session, rules: Rules) -> tuple[int, float | None, int, str, int]:
    """What a race build added to a run, read back from its steps so a resized or moved
    session keeps it: (race-pace minutes, the goal pace, strides, the medium-long label,
    hill repeats)."""
    if session.sport != "run" or session.type not in ("long", "easy", "tempo", "threshold", "intervals"):
        return 0, None, 0, "", 0
    goal_min, goal_pace, strides, hills = 0, None, 0, 0
    hills_label = rules.workouts.hills.label
    for step in session.steps:
        if step.label == GOAL_PACE_LABEL:
            if step.target is not None and step.target.unit == "s_per_km":
                goal_pace = round((step.target.low + step.target.high) / 2, 1)
            goal_min = round((step.duration_s or 0) / _SECONDS_PER_MINUTE)
        elif step.kind == "repeat" and step.label == STRIDES_LABEL:
            strides = step.repeat
        elif step.kind == "repeat" and step.steps and step.steps[0].label == GOAL_PACE_LABEL:
            # race-pace repeats (5K/10K): the goal pace, and the work they hold in all
            work = step.steps[0]
            if work.target is not None and work.target.unit == "s_per_km":
                goal_pace = round((work.target.low + work.target.high) / 2, 1)
            goal_min = round(step.repeat * (work.duration_s or 0) / _SECONDS_PER_MINUTE)
        elif step.kind == "repeat" and step.label == hills_label:
            hills = step.repeat
    name = MEDIUM_LONG_LABEL if session.description.startswith(MEDIUM_LONG_LABEL) else ""
    return goal_min, goal_pace, strides, name, hills


def _leg_sport(sport: SessionSport | None) -> LegSport:
    return sport if sport == "swim" or sport == "ride" or sport == "run" else "transition"


def _strength_identity(session: Session, rules: Rules) -> tuple[int, int, bool]:
    cfg = rules.workouts.strength
    lifts = [s.exercise for s in session.steps if s.kind == "set"]
    day = next((i for i, d in enumerate(cfg.days) if lifts and lifts[0] == d.main[0]), 0)
    main = next((s for s in session.steps if s.kind == "set"), None)
    wave = 0
    hybrid = False
    if main is not None and main.reps is not None:
        for i, w in enumerate(cfg.waves):
            if w.reps == main.reps and main.target is not None and main.target.low in (w.pct_1rm, w.rpe):
                wave = i
                hybrid = (main.sets or 0) < w.sets
                break
    return day, wave, hybrid


def resized(
    session: Session, duration_min: int, anchors: Anchors, rules: Rules, race_intensity_factor: float = 0.0
) -> Session:
    """The same session regenerated at ``duration_min`` (date, waivers and status kept)."""
    spec = spec_of(session, rules, race_intensity_factor)._replace(duration_min=duration_min)
    new = make_session(session.date, spec, anchors, rules, session.waived)
    return new.model_copy(update={"status": session.status})


def converted(
    session: Session,
    sport: SessionSport,
    kind: SessionType,
    anchors: Anchors,
    rules: Rules,
    duration_min: int | None = None,
) -> Session:
    """The session regenerated as another sport and/or type (e.g. intervals -> easy)."""
    if sport == "brick":
        sport = "ride"
    spec = SessionSpec(
        sport=sport,
        type=kind,
        duration_min=duration_min if duration_min is not None else session.duration_min,
        key=kind in KEY_TYPES,
    )
    new = make_session(session.date, spec, anchors, rules, session.waived)
    return new.model_copy(update={"status": session.status})


def moved(session: Session, day: dt.date) -> Session:
    """The session on another day."""
    return session.model_copy(update={"date": day})
