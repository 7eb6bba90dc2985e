"""The plan builder: profile + rules -> a week-by-week plan that passes every guardrail.

How a plan is built (seed 001: week by week, each week with the context of the weeks
before it):

1. ``periodisation.plan_frame`` lays out Monday-based calendar weeks, phases and cutbacks.
2. ``feasibility.assess`` decides whether the goal can be reached safely; if not, the plan
   comes back with ``feasible=false``, a reason with the numbers and alternatives.
3. For each week, a target training volume (minutes; commitments, race and gym excluded)
   follows the phase: loading weeks rise by the ramp rule from the athlete's current volume
   towards the event's target peak (for running races, ``prep.prep_of``: the level's rung
   of ``coach/rules/race_prep.yaml``, room for the long-run target within the share limit,
   growth over today's volume); cutback weeks hold ``cutback.volume_fraction`` of the
   previous week; taper and race weeks hold ``taper.volume_fraction_by_weeks_out`` of the
   peak (all numbers in ``coach/rules/guardrails.yaml``).
4. The week's minutes become session requests (long session, quality sessions from the
   event's phase mix, bricks, swims, easy sessions, gym sessions), placed on the athlete's
   usable days: available, not blocked, inside the plan, within the day's minute cap after
   commitments, no hard day after a hard day, at least one rest day, long rides over the
   weekday limit only at weekends, swims only when the pool is open and never over the
   pool limit.
   A running race build's long run progresses from the athlete's current longest toward the
   event's target (:func:`_long_target`), its build and peak weeks carry race-pace work
   (:func:`_goal_minutes`), strides in base, a medium-long run and a second quality day
   above the level's volume.
5. The week's load is checked against the acute:chronic ratio and scaled down if needed.
6. A running race build that cannot reach the event's minimum longest run is refused with
   alternatives, or built finish-only when the athlete has no target time (``_build_plan``).
7. The whole plan then goes through ``validate_plan`` -> ``fix_plan`` -> ``validate_plan``.
   A published plan has zero violations; if fixing cannot reach zero, the plan is returned
   with ``feasible=false`` and the rule ids that could not be met (it never raises for that).

Speed (``bench/bench_engine.py``): weeks are drafted on plain slotted objects with dates
made relative to the week, so a draft is cached by the week's shape and volume and reused by
any identical week of the plan; workouts are generated once per rules object for what they
depend on (``workouts.generated``), and a plan finds them by spec alone in the table its
athletes' anchors share (``workouts.generated_table``); the output is assembled from already validated templates
without re-validating it, and step 6 is the check that it is a correct plan. The later race
dates drafted for a too-short build's alternatives (step 6) share the plan's week drafts
(:class:`SharedDrafts`) and stop drafting once their long sessions reach the minimum.
"""

from __future__ import annotations

import datetime as dt
import gc
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Final

from coach.engine.athlete import (
    Anchors,
    anchors_of,
    baseline_weekly_load,
    baseline_weekly_min,
    run_pace_estimate,
    vdot_of,
)
from coach.engine.errors import ProfileError
from coach.engine.feasibility import assess
from coach.engine.fix import fix_plan
from coach.engine.models import (
    WEEKDAYS,
    Alternative,
    EasyPaceEstimate,
    Phase,
    Plan,
    PlanMeta,
    Profile,
    Session,
    SessionSport,
    SessionType,
    Sport,
    Validation,
    Week,
    Weekday,
    format_clock,
)
from coach.engine.periodisation import Frame, WeekFrame, plan_frame
from coach.engine.prep import (
    Prep,
    estimated_longest_by_sport,
    estimated_longest_min,
    first_passing,
    prep_of,
    reached,
    run_days_available,
)
from coach.engine.rules import EventProfile, LongMinimum, LongSessionNote, Rules, TimedSport
from coach.engine.workouts import (
    MEDIUM_LONG_LABEL,
    OPEN_WATER_LABEL,
    QUALITY_TYPES,
    Generated,
    SessionSpec,
    generated,
    generated_table,
    generated_week_km,
    make_spec,
    race_minutes,
    race_spec,
    session_from,
    spec_with_minutes,
    spec_with_work,
)

ENGINE_VERSION = "1"
_SECONDS_PER_MINUTE = 60
_HUNDREDS_OF_M_PER_KM = 10
_DAYS_PER_WEEK = 7
# Engineering margins, not training rules: the builder aims a little inside each guardrail
# so that rounding to whole minutes never lands a week on the wrong side of the validator.
_ACWR_ATTEMPTS = 6
_ACWR_MARGIN = 0.97
_EASY_SHARE_MARGIN = 0.01
_EASY_SHARE_ATTEMPTS = 6
# Long-session targets of a week, per sport (a race build's progression; empty: the event's share).
_Targets = tuple[tuple[SessionSport, float], ...]
_LONG_SHARE_MARGIN = 0.98
_GOAL_SHARE_OF_HARD = 0.6
_ENDURANCE: frozenset[SessionSport] = frozenset({"run", "ride", "swim", "brick", "other"})
# A day holds at most one session of each sport; a brick is a ride and a run. The sports a
# day holds are bits of an int (run 1, ride 2, swim 4, strength 8, other 16).
_RUN, _RIDE, _SWIM, _STRENGTH, _OTHER = 1, 2, 4, 8, 16
_SPORT_PARTS: dict[SessionSport, int] = {
    "run": _RUN,
    "ride": _RIDE,
    "swim": _SWIM,
    "brick": _RIDE | _RUN,
    "strength": _STRENGTH,
    "other": _OTHER,
}
_ENDURANCE_PARTS = _RUN | _RIDE | _SWIM | _OTHER
# Day offsets within a week, made once.
_DAYS = tuple(dt.timedelta(days=n) for n in range(_DAYS_PER_WEEK + 1))
# Later race dates tried as an alternative when a build is too short, in weeks after the goal.
_LATER_WEEKS = (2, 4, 6, 8, 12, 16, 20, 26, 36)


# --------------------------------------------------------------------------- profile checks


def check_profile(profile: Profile, rules: Rules) -> EventProfile:
    """Refuse profiles the engine cannot plan for, naming the field (raises :class:`ProfileError`)."""
    event = rules.event(profile.goal.event)
    if profile.sport not in event.sports:
        allowed = ", ".join(event.sports)
        raise ProfileError(
            f"goal.event {profile.goal.event!r} is a {allowed} event but sport is {profile.sport!r}",
            field="sport",
        )
    if event.race and profile.goal.date is None:
        raise ProfileError(
            f"goal.date is required for a {profile.goal.event.replace('_', ' ')} race", field="goal.date"
        )
    _check_b_races(profile, rules)
    return event


def _check_b_races(profile: Profile, rules: Rules) -> None:
    """B races (race_prep.yaml ``b_races``): each a known race of the athlete's sport, on a
    free date of the plan, before the goal's race week."""
    if not profile.b_races:
        return
    config = rules.prep.b_races
    goal = profile.goal.date
    if config is None or not rules.event(profile.goal.event).race or goal is None:
        raise ProfileError("b_races need a goal race with a date", field="b_races")
    seen: set[dt.date] = set()
    for n, b in enumerate(profile.b_races):
        where = f"b_races[{n}]"
        name = b.event.replace("_", " ")
        if b.event not in rules.events.events or not rules.event(b.event).race:
            raise ProfileError(f"{where}: {name!r} is not a race the engine knows", field=where)
        sports = set(rules.event(b.event).sports)
        if profile.sport not in sports and not (profile.sport == "tri" and sports & {"run", "ride"}):
            raise ProfileError(f"{where}: a {name} is not a {profile.sport} race", field=where)
        if b.date < profile.start_date:
            raise ProfileError(f"{where}: {b.date} is before the plan starts ({profile.start_date})", field=where)
        if (goal - b.date).days < config.min_days_before_goal:
            raise ProfileError(
                f"{where}: {b.date} must be at least {config.min_days_before_goal} days before the goal race "
                f"({goal})",
                field=where,
            )
        if any(block.from_ <= b.date <= block.to for block in profile.blocked):
            raise ProfileError(f"{where}: {b.date} is a blocked date", field=where)
        if b.date in seen:
            raise ProfileError(f"{where}: two B races on {b.date}", field=where)
        seen.add(b.date)


# --------------------------------------------------------------------------- day slots


# The per-day and per-week scratch classes below are built thousands of times per plan:
# they are plain classes with an explicit ``__init__``, which mypyc compiles (the
# ``__init__`` a dataclass generates stays interpreted; ~10 % of the build time).
class _Day:
    """One day of a week being drafted; ``offset`` counts days from the week's first plan day."""

    def __init__(
        self,
        offset: int,
        weekday: Weekday,
        usable: bool,
        budget_min: int,
        hard: bool = False,
        long: bool = False,
        specs: list[SessionSpec] | None = None,
        fixed: tuple[SessionSpec, ...] = (),
        parts: int = 0,
        weekend: bool = False,
        closed: bool = False,
        calm: bool = False,
    ) -> None:
        self.offset = offset
        self.weekday = weekday
        self.usable = usable
        self.budget_min = budget_min
        self.hard = hard
        self.long = long
        self.specs: list[SessionSpec] = [] if specs is None else specs
        self.fixed = fixed
        self.parts = parts
        self.weekend = weekend
        self.closed = closed
        # a day around a B race (race_prep.yaml ``b_races``): easy sessions only
        self.calm = calm

    def add(self, spec: SessionSpec) -> None:
        self.specs.append(spec)
        self.parts |= _SPORT_PARTS[spec.sport]


@dataclass(frozen=True, slots=True)
class _Knobs:
    """Rule values the placement loop reads thousands of times, as plain attributes."""

    min_session_min: int
    max_sessions_per_day: int
    max_training_days: int
    min_rest_days: int
    long_ride_weekend: bool
    weekday_ride_max_min: int
    weekend_days: frozenset[str]
    pool_swim_max_min: int
    hard_intensities: frozenset[str]
    easy_share_floor: float
    step_min: int
    default_day_max_min: int
    race_week_session_max_min: int
    race_eve_rest: bool
    quality_min_min: float
    quality_max_min: dict[SessionSport, float]
    swim_session_target_min: float
    max_sessions_per_week: dict[SessionSport, int]
    max_sessions_per_week_tri: dict[SessionSport, int]
    brick_run_fraction: float
    gym_sessions_per_week: int
    hybrid_session_min: int
    waves: int
    easy_share_target: float
    # the weekly volume and load rules, read once per week drafted
    ramp_lookback_weeks: int
    ramp_factor: float
    ramp_min_step_min: float
    start_floor_min: float
    taper_fractions: tuple[float, ...]
    cutback_fraction: float
    cutback_detect_fraction: float
    chronic_weeks: int
    min_chronic_load: float
    acwr_max_ratio: float


def _knobs(rules: Rules) -> _Knobs:
    found = rules.memo.get("planner.knobs")
    if isinstance(found, _Knobs):
        return found
    g = rules.guardrails
    knobs = _Knobs(
        min_session_min=g.week.min_session_min,
        max_sessions_per_day=g.week.max_sessions_per_day,
        max_training_days=g.week.max_training_days,
        min_rest_days=g.week.min_rest_days,
        long_ride_weekend=g.calendar.long_ride_weekend,
        weekday_ride_max_min=g.calendar.weekday_ride_max_min,
        weekend_days=frozenset(g.calendar.weekend_days),
        pool_swim_max_min=g.calendar.pool_swim_max_min,
        hard_intensities=frozenset(g.intensity.hard_intensities),
        easy_share_floor=g.week.easy_share_min + _EASY_SHARE_MARGIN,
        step_min=g.volume.round_to_min,
        default_day_max_min=g.week.default_day_max_min,
        race_week_session_max_min=int(rules.workouts.sessions.race_week_session_max_min),
        race_eve_rest=rules.workouts.sessions.race_eve_rest,
        quality_min_min=rules.workouts.sessions.quality_min_min,
        quality_max_min=dict(rules.workouts.sessions.quality_max_min),
        swim_session_target_min=rules.workouts.sessions.swim_session_target_min,
        max_sessions_per_week=dict(rules.workouts.sessions.max_sessions_per_week),
        max_sessions_per_week_tri=dict(rules.workouts.sessions.max_sessions_per_week_tri),
        brick_run_fraction=rules.workouts.brick.run_fraction,
        gym_sessions_per_week=rules.workouts.strength.sessions_per_week,
        hybrid_session_min=int(rules.workouts.strength.hybrid_session_min),
        waves=len(rules.workouts.strength.waves),
        easy_share_target=g.week.easy_share_target,
        ramp_lookback_weeks=g.volume.ramp_lookback_weeks,
        ramp_factor=1 + g.volume.ramp_max_pct / 100,
        ramp_min_step_min=g.volume.ramp_min_step_min,
        start_floor_min=g.volume.start_floor_min,
        taper_fractions=tuple(g.taper.volume_fraction_by_weeks_out),
        cutback_fraction=g.cutback.volume_fraction,
        cutback_detect_fraction=g.cutback.detect_fraction,
        chronic_weeks=g.acwr.chronic_weeks,
        min_chronic_load=g.acwr.min_chronic_load,
        acwr_max_ratio=g.acwr.max_ratio,
    )
    rules.memo["planner.knobs"] = knobs
    return knobs


class _Request:
    def __init__(
        self,
        sport: SessionSport,
        type: SessionType,
        minutes: int,
        key: bool = False,
        hard: bool = False,
        max_work_min: float | None = None,
        strength_day: int = 0,
        strength_wave: int = 0,
        hybrid: bool = False,
        name: str = "",
        strides: int = 0,
        goal_min: int = 0,
        goal_pace: float | None = None,
        hills: int = 0,
    ) -> None:
        self.sport = sport
        self.type = type
        self.minutes = minutes
        self.key = key
        self.hard = hard
        self.max_work_min = max_work_min
        self.strength_day = strength_day
        self.strength_wave = strength_wave
        self.hybrid = hybrid
        self.name = name
        self.strides = strides
        self.goal_min = goal_min
        self.goal_pace = goal_pace
        self.hills = hills


class _Weekday:
    """What a weekday holds for this athlete, whatever the week: availability, commitments, cap."""

    def __init__(
        self,
        name: Weekday,
        available: bool,
        commitments: tuple[SessionSpec, ...],
        hard: bool,
        cap_min: int,
        weekend: bool,
        closed: bool,
    ) -> None:
        self.name = name
        self.available = available
        self.commitments = commitments
        self.hard = hard
        self.cap_min = cap_min
        self.weekend = weekend
        self.closed = closed


# What placement reads of a request's kind: (the sports a day must not hold yet, strength,
# swim, weekday ride cap (0: none), scoring mode, preferred long day).
_Placement = tuple[int, bool, bool, int, int, Weekday | None]
# A usable day of a week before placement: (offset, weekday, budget, hard, fixed, weekend, closed,
# calm: a day around a B race, easy sessions only).
_ProtoDay = tuple[int, Weekday, int, bool, tuple[SessionSpec, ...], bool, bool, bool]
# A week before placement: its days (``None`` where a usable day goes), the usable days, their offsets.
_Proto = tuple[tuple["_Day | None", ...], tuple[_ProtoDay, ...], tuple[int, ...]]


class _Shape:
    """Everything about a calendar week that a draft depends on, besides volume and the week before."""

    def __init__(
        self,
        key: tuple[object, ...],
        proto_key: tuple[object, ...],
        hard_next: bool,
        blocked_days: int,
        any_hard: bool,
    ) -> None:
        self.key = key
        self.proto_key = proto_key
        self.hard_next = hard_next
        self.blocked_days = blocked_days
        self.any_hard = any_hard


class _Draft:
    """A drafted week, kept as small as what the builder reads of it: its sessions (day offset
    from the week's first plan day and workout, in day order), its sums, and whether its last
    day is hard."""

    def __init__(
        self,
        offsets: tuple[int, ...],
        gens: tuple[Generated, ...],
        last_hard: bool,
        volume: int,
        load: float,
        fixed_load: float,
        training_load: float,
        gym: int,
    ) -> None:
        self.offsets = offsets
        self.gens = gens
        self.last_hard = last_hard
        self.volume = volume
        self.load = load
        self.fixed_load = fixed_load
        self.training_load = training_load
        self.gym = gym
        self.ordered: tuple[tuple[int, ...], tuple[Generated, ...]] | None = None
        self.planned_km: float | None = None
        self.planned_minutes = 0
        self.week_load = 0.0


@dataclass(slots=True)
class _Context:
    profile: Profile
    rules: Rules
    knobs: _Knobs
    closed: frozenset[str]
    long_day: Weekday | None
    event: EventProfile
    anchors: Anchors
    frame: Frame
    blocked: frozenset[dt.date]
    race_min: int
    goal_peak_min: float
    cap_min: float
    split: dict[SessionSport, float]
    gym_only: bool
    prep: Prep
    weekdays: tuple[_Weekday, ...] = ()
    drafts: dict[tuple[object, ...], _Draft] = field(default_factory=dict)
    protos: dict[tuple[object, ...], _Proto] = field(default_factory=dict)
    generated: dict[SessionSpec, Generated] = field(default_factory=dict)
    build_entry: str | None = None
    prep_notes: tuple[LongSessionNote, ...] | None = None
    sport_order: tuple[SessionSport, ...] = ()
    long_share: dict[SessionSport, float] = field(default_factory=dict)
    long_cap: dict[SessionSport, float] = field(default_factory=dict)
    long_run_share: dict[int, float] = field(default_factory=dict)
    long_run_share_default: float = 1.0
    placements: dict[tuple[SessionSport, SessionType, bool, bool], _Placement] = field(default_factory=dict)
    mixes: dict[tuple[Phase, bool, bool], tuple[dict[SessionSport, list[SessionType]], int, bool]] = field(
        default_factory=dict
    )
    # B races (profile.b_races): the race session per date, the sports whose long session it
    # takes, the capped days around it (date -> minutes).
    b_specs: dict[dt.date, SessionSpec] = field(default_factory=dict)
    b_sports: dict[dt.date, frozenset[SessionSport]] = field(default_factory=dict)
    b_caps: dict[dt.date, int] = field(default_factory=dict)


class SharedDrafts:
    """Week drafts (and the day prototypes and per-kind tables behind them) shared by
    builds of one athlete that differ only in the goal date: the plan and the later race dates
    its alternatives draft. A draft depends on the week's calendar only through its shape key
    (dates made relative, the race and B-race days, blocked days), and on the goal date not at
    all otherwise, so a week drafted for one date serves the same week of another as it is.

    A build whose profile (beyond the goal date) or preparation differs from the first one's
    gets caches of its own (:func:`_context` checks), so sharing never changes a plan.
    """

    def __init__(self) -> None:
        self.owner: tuple[Profile, Prep] | None = None
        self.drafts: dict[tuple[object, ...], _Draft] = {}
        self.protos: dict[tuple[object, ...], _Proto] = {}
        self.placements: dict[tuple[SessionSport, SessionType, bool, bool], _Placement] = {}
        self.mixes: dict[
            tuple[Phase, bool, bool], tuple[dict[SessionSport, list[SessionType]], int, bool]
        ] = {}

    def serves(self, profile: Profile, prep: Prep) -> bool:
        """Whether a build of ``profile`` with ``prep`` may use these caches (the first build
        to ask owns them; later ones must match it in everything but the goal date)."""
        if self.owner is None:
            self.owner = (profile, prep)
            return True
        first, first_prep = self.owner
        if first is profile:
            return first_prep == prep
        if first.goal.event != profile.goal.event or first.goal.target_time != profile.goal.target_time:
            return False
        mine, theirs = first.__dict__, profile.__dict__
        return (
            all(name == "goal" or value == theirs[name] for name, value in mine.items())
            and first_prep == prep
        )

    def clear(self) -> None:
        """Drop the drafts once the builds sharing them are done: the compiled alternatives'
        search keeps its closures (and so this object) in a reference cycle, which only the
        cyclic garbage collector frees."""
        self.drafts.clear()
        self.protos.clear()
        self.placements.clear()
        self.mixes.clear()


def _blocked_dates(profile: Profile) -> frozenset[dt.date]:
    days: set[dt.date] = set()
    for block in profile.blocked:
        day = block.from_
        while day <= block.to:
            days.add(day)
            day += dt.timedelta(days=1)
    return frozenset(days)


def _weekdays(profile: Profile, knobs: _Knobs, closed: frozenset[str]) -> tuple[_Weekday, ...]:
    available = set(profile.availability.days)
    caps = profile.availability.max_minutes
    table: list[_Weekday] = []
    for weekday in WEEKDAYS:
        mine = [c for c in profile.commitments if c.day == weekday]
        table.append(
            _Weekday(
                name=weekday,
                available=weekday in available,
                commitments=tuple(
                    SessionSpec(
                        sport=c.sport,
                        type="commitment",
                        duration_min=c.minutes,
                        name=c.name,
                        intensity=c.intensity,
                    )
                    for c in mine
                ),
                hard=any(c.intensity in knobs.hard_intensities for c in mine),
                cap_min=caps.get(weekday, knobs.default_day_max_min),
                weekend=weekday in knobs.weekend_days,
                closed=weekday in closed,
            )
        )
    return tuple(table)


def _shape(week: WeekFrame, ctx: _Context) -> _Shape:
    """The week's calendar with dates made relative (what drafts are cached by)."""
    first = week.first_day
    last = week.last_day
    count = (last - first).days + 1
    race = ctx.frame.race_date
    blocked: tuple[int, ...] = ()
    if ctx.blocked:
        blocked = tuple(n for n in range(count) if first + _DAYS[n] in ctx.blocked)
    race_offset: int | None = None
    eve_offset: int | None = None
    if race is not None:
        if first <= race <= last:
            race_offset = (race - first).days
        eve = race - _DAYS[1]
        if first <= eve <= last:
            eve_offset = (eve - first).days
    hard_next = _hard_next_day(last, ctx)
    b_days = _b_days(first, count, ctx)
    weekday = first.weekday()
    # A draft depends on the loading index only through the strength wave, and on the days
    # around the week only through hard sessions: weeks that differ in nothing else share drafts.
    wave = _strength_wave(week, ctx) if ctx.gym_only or ctx.profile.strength_days else None
    any_hard = not ctx.gym_only and _phase_mix(week, ctx)[2]
    return _Shape(
        key=(
            week.phase,
            week.cutback,
            wave,
            weekday,
            count,
            blocked,
            race_offset,
            eve_offset,
            hard_next and any_hard,
            week.second_quality,
            # a runner's base weeks alternate strides and hill repeats on a lone easy run
            week.index % 2 if week.phase == "base" and _base_drills(ctx) else 0,
            b_days,
        ),
        proto_key=(week.phase == "race", weekday, count, blocked, race_offset, eve_offset, b_days),
        hard_next=hard_next,
        blocked_days=len(blocked),
        any_hard=any_hard,
    )


def _prototype(shape: _Shape, ctx: _Context) -> _Proto:
    """The week's days before placement: usable or not, minute budgets, commitments, the race.

    Days nothing can be placed on are never changed by drafting, so every draft of the shape
    shares them; usable days are listed for :func:`_draft_uncached` to build afresh.
    """
    found = ctx.protos.get(shape.proto_key)
    if found is not None:
        return found
    race_phase, first_weekday, count, blocked, race_offset, eve_offset, b_days = shape.proto_key
    assert isinstance(first_weekday, int) and isinstance(count, int) and isinstance(blocked, tuple)
    assert isinstance(b_days, tuple)
    b_race: dict[int, SessionSpec] = {n: spec for n, spec, _cap in b_days if spec is not None}
    b_cap: dict[int, int] = {n: cap for n, spec, cap in b_days if spec is None}
    k = ctx.knobs
    template: list[_Day | None] = []
    usable_days: list[_ProtoDay] = []
    for n in range(count):
        info = ctx.weekdays[(first_weekday + n) % _DAYS_PER_WEEK]
        is_blocked = n in blocked
        is_race = n == race_offset
        fixed: tuple[SessionSpec, ...] = ()
        hard = False
        if not is_blocked and not is_race:
            fixed = info.commitments
            hard = info.hard
        if is_race:
            fixed = (*fixed, _race_spec(ctx))
            hard = True
        b_spec = b_race.get(n) if not is_blocked else None
        if b_spec is not None:
            fixed = (b_spec,)
            hard = True
            is_race = True
        cap = info.cap_min
        if race_phase:
            cap = min(cap, k.race_week_session_max_min)
        if n in b_cap:
            cap = min(cap, b_cap[n])
        budget = cap - sum(s.duration_min for s in fixed)
        race_eve = k.race_eve_rest and eve_offset is not None and n == eve_offset
        usable = (
            info.available and not is_blocked and not is_race and not race_eve and budget >= k.min_session_min
        )
        if usable:
            template.append(None)
            calm = n in b_cap
            usable_days.append((n, info.name, max(0, budget), hard, fixed, info.weekend, info.closed, calm))
        else:
            template.append(
                _Day(
                    n,
                    info.name,
                    False,
                    max(0, budget),
                    hard,
                    False,
                    [],
                    fixed,
                    0,
                    info.weekend,
                    info.closed,
                )
            )
    proto = (tuple(template), tuple(usable_days), tuple(n for n, *_ in usable_days))
    ctx.protos[shape.proto_key] = proto
    return proto


def _race_spec(ctx: _Context) -> SessionSpec:
    return race_spec(ctx.event, ctx.race_min)


# --------------------------------------------------------------------------- B races


def _b_races(
    profile: Profile, rules: Rules, anchors: Anchors
) -> tuple[dict[dt.date, SessionSpec], dict[dt.date, frozenset[SessionSport]], dict[dt.date, int]]:
    """B races (``profile.b_races``, race_prep.yaml ``b_races``): the race session per date
    (the B event's expected time, raced and reckoned at the B event's own race intensity
    factor, as the validator reckons it: :func:`coach.engine.validate.race_intensity_factors`),
    the sports whose long session it takes, and the minute caps of the easier days before
    and after it (held easy: :func:`_place`)."""
    config = rules.prep.b_races
    if not profile.b_races or config is None:
        return {}, {}, {}
    specs: dict[dt.date, SessionSpec] = {}
    sports: dict[dt.date, frozenset[SessionSport]] = {}
    for b in profile.b_races:
        b_event = rules.event(b.event)
        as_goal = profile.model_copy(update={"goal": profile.goal.model_copy(update={"event": b.event, "target_time": None})})
        spec = race_spec(b_event, race_minutes(as_goal, b_event, anchors, rules))
        specs[b.date] = spec
        legs: frozenset[SessionSport] = frozenset({"swim", "ride", "run"}) if spec.race_legs else frozenset({spec.sport})
        sports[b.date] = legs
    caps: dict[dt.date, int] = {}
    taken = set(specs) | ({profile.goal.date} if profile.goal.date is not None else set())
    for day in specs:
        around = [(day - _DAYS[n], int(config.eve_max_min)) for n in range(1, config.eve_days + 1)]
        around += [(day + _DAYS[n], int(config.after_max_min)) for n in range(1, config.after_days + 1)]
        for date, cap in around:
            if date not in taken:
                caps[date] = min(cap, caps.get(date, cap))
    return specs, sports, caps


def _b_days(first: dt.date, count: int, ctx: _Context) -> tuple[tuple[int, SessionSpec | None, int], ...]:
    """The week's B-race days as (offset, race session, 0) and the days around them as
    (offset, None, minute cap); empty without B races."""
    if not ctx.b_specs:
        return ()
    out: list[tuple[int, SessionSpec | None, int]] = []
    for n in range(count):
        day = first + _DAYS[n]
        spec = ctx.b_specs.get(day)
        if spec is not None:
            out.append((n, spec, 0))
        elif day in ctx.b_caps:
            out.append((n, None, ctx.b_caps[day]))
    return tuple(out)


def _b_dates_of(week: WeekFrame, ctx: _Context) -> list[dt.date]:
    return [day for day in ctx.b_specs if week.first_day <= day <= week.last_day]


def _b_race_takes_long(sport: SessionSport, week: WeekFrame, ctx: _Context) -> bool:
    """Whether a B race of the week is that week's long ``sport`` session."""
    return bool(ctx.b_specs) and any(sport in ctx.b_sports[day] for day in _b_dates_of(week, ctx))


def _less_b_races(week: WeekFrame, volume: float, ctx: _Context) -> float:
    """The week's training minutes less its B races' (the race replaces that training; its
    load still counts against the acute:chronic limit as a fixed session)."""
    if not ctx.b_specs:
        return volume
    raced = sum(ctx.b_specs[day].duration_min for day in _b_dates_of(week, ctx))
    return _round_down(max(0.0, volume - raced), ctx.knobs.step_min)


def _b_race_longest(week: WeekFrame, longest: dict[SessionSport, float], ctx: _Context) -> None:
    """A ride or triathlon build's long sessions grow on from a B race's ride (run) as from a
    long session: the longest so far counts it."""
    if ctx.prep.timed is None:
        return
    for day in _b_dates_of(week, ctx):
        spec = ctx.b_specs[day]
        if spec.sport in ("ride", "run") and not spec.race_legs:
            longest[spec.sport] = max(longest.get(spec.sport, 0.0), float(spec.duration_min))


def _b_race_notes(week: WeekFrame, ctx: _Context) -> list[str]:
    """A note per B race of the week: what it replaces and the easier days around it."""
    if not ctx.b_specs:
        return []
    config = ctx.rules.prep.b_races
    assert config is not None
    named = {b.date: b for b in ctx.profile.b_races}
    notes = []
    for day in sorted(_b_dates_of(week, ctx)):
        b = named[day]
        what = b.name or b.event.replace("_", " ")
        notes.append(
            f"B race on {WEEKDAYS[day.weekday()]} {day}: {what} (about {ctx.b_specs[day].duration_min} min), raced as "
            f"training at its own race effort. It takes this week's long session; "
            f"{_days_cap(config.eve_days, 'before', config.eve_max_min)} and "
            f"{_days_cap(config.after_days, 'after', config.after_max_min)}, easy only (a short taper and a "
            "recovery day; Friel; coach/rules/race_prep.yaml)."
        )
    return notes


def _days_cap(days: int, side: str, minutes: float) -> str:
    """'the day before holds at most 60 min' / 'the 2 days before hold at most 60 min each'."""
    if days == 0:
        return f"the days {side} as planned"
    if days == 1:
        return f"the day {side} holds at most {minutes:g} min"
    return f"the {days} days {side} hold at most {minutes:g} min each"


# --------------------------------------------------------------------------- placement


def _hard_next_day(day: dt.date, ctx: _Context) -> bool:
    """Whether the day after ``day`` (next week's Monday) holds a hard commitment or the race."""
    following = day + _DAYS[1]
    if following == ctx.frame.race_date or following in ctx.b_specs:
        return True
    if following in ctx.blocked or following > ctx.frame.end_date:
        return False
    return ctx.weekdays[following.weekday()].hard


def _place(
    days: list[_Day],
    usable: tuple[int, ...],
    trained: int,
    req: _Request,
    ctx: _Context,
    hard_next: bool,
    prev_hard_last_day: bool,
    exclusive: bool,
) -> int:
    """Put ``req`` on the best allowed day (see the module docstring for the rules applied).

    ``usable``: positions of the usable days; ``trained``: how many days hold training;
    ``hard_next``: the day after the week's last day is hard; ``prev_hard_last_day``: the day
    before its first day was. Returns -1 when no day allows ``req``, 1 when it went on a day
    without training so far, else 0.

    Each allowed day gets a score (lower is better) that ends with the day's position, so
    ties fall to the earlier day and placement is deterministic.
    """
    k = ctx.knobs
    sport = req.sport
    kind = req.type
    hard = req.hard
    setup_key = (sport, kind, hard, exclusive)
    setup = ctx.placements.get(setup_key)
    if setup is None:
        setup = ctx.placements[setup_key] = _placement(sport, kind, hard, exclusive, ctx)
    clash, strength, swim, ride_cap, mode, long_day = setup
    asked = req.minutes
    wanted = asked
    if strength and wanted == 0:
        wanted = _gen(_spec_of_request(req), ctx).duration_min
    count = len(days)
    full = trained + 1 > min(k.max_training_days, count - k.min_rest_days)
    last = count - 1
    swim_cap = k.pool_swim_max_min
    step = k.step_min
    floor = k.min_session_min
    per_day = k.max_sessions_per_day
    if mode == 1:
        marks = [j for j, d in enumerate(days) if d.hard or d.long]
    elif mode == 2:
        marks = [j for j, d in enumerate(days) if d.parts & _STRENGTH]
    elif mode == 4:
        marks = [j for j, d in enumerate(days) if d.specs]
    else:
        marks = []
    # The best day's score so far (lower is better), its first five terms as plain ints: the
    # last term, the day's position, rises along ``usable``, so a later day with an equal
    # score never wins and need not be compared (no score tuple per day).
    found = False
    b0 = b1 = b2 = b3 = b4 = 0
    best_i = best_minutes = 0
    for i in usable:
        day = days[i]
        specs = day.specs
        if len(specs) >= per_day:
            continue
        if day.parts & clash:
            continue
        if swim and day.closed:
            continue
        if full and not specs:
            continue
        minutes = min(wanted, day.budget_min)
        if ride_cap and not day.weekend:
            minutes = min(minutes, ride_cap)
        if swim and req.name != OPEN_WATER_LABEL:
            minutes = min(minutes, swim_cap)
        if not strength:
            minutes = minutes // step * step
        if minutes < floor:
            continue
        if day.calm and (req.key or hard or strength or req.hills or sport == "brick"):
            continue
        if hard:
            if day.hard or (i > 0 and days[i - 1].hard) or (i < last and days[i + 1].hard):
                continue
            if i == 0 and prev_hard_last_day:
                continue
            if i == last and hard_next:
                continue
        shortfall = asked - minutes if asked > minutes else 0
        k4 = 0
        if mode == 0:
            # (shortfall, not the long day, already long, not a weekend day, -budget, position)
            k0 = shortfall
            k1 = 0 if day.weekday == long_day else 1
            k2 = 1 if day.long else 0
            k3 = 0 if day.weekend else 1
            k4 = -day.budget_min
        elif mode == 1:
            # (next to a long day, sessions, -distance to a hard or long day, shortfall, position)
            k0 = int(i < last and days[i + 1].long) + int(i > 0 and days[i - 1].long)
            k1 = len(specs)
            k2 = -_nearest(marks, i)
            k3 = shortfall
        elif mode == 2:
            # (shortfall, -distance to a strength day, position)
            k0 = shortfall
            k1 = -_nearest(marks, i)
            k2 = k3 = 0
        elif mode == 3:
            # (shortfall, a hard or long day, the next day hard or long, no session yet, position)
            k0 = shortfall
            k1 = 1 if (day.hard or day.long) else 0
            k2 = 1 if i < last and (days[i + 1].hard or days[i + 1].long) else 0
            k3 = 0 if specs else 1
        else:
            # (shortfall, sessions, -distance to a day with sessions, -budget, position)
            k0 = shortfall
            k1 = len(specs)
            k2 = -_nearest(marks, i)
            k3 = -day.budget_min
        if not found or _before(k0, k1, k2, k3, k4, b0, b1, b2, b3, b4):
            found = True
            b0, b1, b2, b3, b4 = k0, k1, k2, k3, k4
            best_i, best_minutes = i, minutes
    if not found:
        return -1
    day = days[best_i]
    fresh = 0 if day.specs else 1
    spec = make_spec(
        sport,
        kind,
        int(best_minutes),
        req.key,
        req.max_work_min,
        req.strength_day,
        req.strength_wave,
        req.hybrid,
        req.name,
        strides=req.strides,
        goal_min=min(req.goal_min, int(best_minutes) // 2),
        goal_pace_s_per_km=req.goal_pace,
        hills=req.hills,
    )
    if strength:
        spec = spec_with_minutes(spec, _gen(spec, ctx).duration_min)
    day.add(spec)
    day.budget_min -= spec.duration_min
    day.hard = day.hard or hard
    day.long = day.long or kind == "long"
    return fresh


def _before(a0: int, a1: int, a2: int, a3: int, a4: int, b0: int, b1: int, b2: int, b3: int, b4: int) -> bool:
    """Whether the score (a0, ..., a4) sorts strictly before (b0, ..., b4), as tuples do."""
    if a0 != b0:
        return a0 < b0
    if a1 != b1:
        return a1 < b1
    if a2 != b2:
        return a2 < b2
    if a3 != b3:
        return a3 < b3
    return a4 < b4


def _placement(
    sport: SessionSport, kind: SessionType, hard: bool, exclusive: bool, ctx: _Context
) -> _Placement:
    """The per-kind constants of :func:`_place` (scoring modes: 0 long or brick, 1 quality,
    2 gym-only strength, 3 strength next to endurance, 4 easy)."""
    k = ctx.knobs
    strength = sport == "strength"
    exclusive_parts = _ENDURANCE_PARTS if exclusive and sport in _ENDURANCE else 0
    ride_cap = k.weekday_ride_max_min if k.long_ride_weekend and (sport == "ride" or sport == "brick") else 0
    long_day: Weekday | None = None
    if kind == "long" or sport == "brick":
        mode = 0
        long_day = ctx.long_day if kind == "long" else None
    elif hard or kind in QUALITY_TYPES:
        mode = 1
    elif strength:
        mode = 2 if ctx.gym_only else 3
    else:
        mode = 4
    clash = _SPORT_PARTS[sport] | exclusive_parts
    return (clash, strength, sport == "swim", ride_cap, mode, long_day)


def _spec_of_request(req: _Request) -> SessionSpec:
    return make_spec(
        req.sport,
        req.type,
        req.minutes,
        strength_day=req.strength_day,
        strength_wave=req.strength_wave,
        hybrid=req.hybrid,
        name=req.name,
        strides=req.strides,
        goal_min=req.goal_min,
        goal_pace_s_per_km=req.goal_pace,
        hills=req.hills,
    )


def _nearest(positions: list[int], i: int) -> int:
    """Distance in days from ``i`` to the nearest other marked day (a week if none)."""
    best = _DAYS_PER_WEEK
    for j in positions:
        if j != i and abs(j - i) < best:
            best = abs(j - i)
    return best


# --------------------------------------------------------------------------- requests


def _resolve_sport(name: str, ctx: _Context) -> SessionSport:
    if name != "main":
        return name  # type: ignore[return-value]
    sport = ctx.profile.sport
    if sport == "tri":
        return "ride"
    if sport == "strength":
        return "strength"
    return sport


def _long_minutes(
    sport: SessionSport, volume: float, sessions: int, ctx: _Context, target: float | None = None
) -> int:
    """The long session: the event's share of the week, or, in a race build's loading weeks,
    ``target`` (the long run's progression, :func:`_long_targets`) as far as the long-run
    share limit lets the week hold it (seed 003: the share is a limit, never stretched)."""
    share = ctx.long_share.get(sport, 1.0 / max(1, sessions))
    minutes = max(volume * share, volume / max(1, sessions))
    if sport == "run":
        limit = volume * ctx.long_run_share.get(sessions, ctx.long_run_share_default)
        if target is not None:
            step = ctx.knobs.step_min
            minutes = min(target, limit * _LONG_SHARE_MARGIN) // step * step
        minutes = min(minutes, limit)
    elif target is not None:
        # A ride or triathlon build's long ride: its progression, within the build's share of
        # the sport's week (race_prep.yaml: long_share_max), never less than the event's share.
        share_max = ctx.prep.share_of(sport)
        if share_max is not None:
            step = ctx.knobs.step_min
            minutes = max(minutes, min(target, volume * share_max) // step * step)
    cap = ctx.long_cap.get(sport)
    if cap is not None:
        minutes = min(minutes, cap)
    return int(minutes)


def _open_water_minutes(volume: float, count: int, week: WeekFrame, ctx: _Context) -> int:
    """The week's continuous open-water swim (race_prep.yaml ``open_water``; Friel, The
    Triathlete's Training Bible): the race's swim distance at the athlete's CSS pace, at most
    ``max_min``, in a loading week of the listed phases; 0 when none is due or the week's
    swimming cannot hold it beside ``count - 1`` shortest sessions."""
    timed = ctx.prep.timed
    ow = timed.open_water if timed is not None else None
    if ow is None or week.cutback or week.phase not in ow.phases:
        return 0
    k = ctx.knobs
    css = ctx.anchors.css_s_per_100m or ow.default_css_s_per_100m
    wanted = min(ow.km * _HUNDREDS_OF_M_PER_KM * css / _SECONDS_PER_MINUTE, ow.max_min)
    room = volume - (count - 1) * k.min_session_min
    step = k.step_min
    minutes = int(min(round(wanted / step) * step, room // step * step))
    return minutes if minutes >= k.min_session_min else 0


def _quality_minutes(sport: SessionSport, sport_volume: float, sessions: int, ctx: _Context) -> int:
    """An average session of the sport that week, within the rules' quality bounds."""
    k = ctx.knobs
    minutes = sport_volume / max(1, sessions)
    minutes = max(k.quality_min_min, min(minutes, k.quality_max_min.get(sport, minutes)))
    return int(minutes)


def _sport_requests(
    sport: SessionSport,
    volume: float,
    week: WeekFrame,
    ctx: _Context,
    max_sessions: int,
    quality: list[SessionType],
    long_targets: _Targets = (),
    goal_min: int = 0,
) -> list[_Request]:
    """Sessions of one sport: a long session, the phase's quality sessions, easy sessions.

    As many sessions as the minutes allow at ``min_session_min`` each, up to the sport's
    limit; the long session gets the event's share or its progression target (within the
    long-run share for runs and the event cap), quality sessions an average session's
    length, easy sessions the rest, never longer than the long session. No long session in
    race week. A race build's runs add (``coach/rules/race_prep.yaml``): a race-pace finish
    of ``goal_min`` to the long run, race-pace tempos, a medium-long run above the level's
    volume, strides on one easy run in base weeks.
    """
    k = ctx.knobs
    floor = k.min_session_min
    if volume < floor or max_sessions <= 0:
        return []
    count = min(max_sessions, int(volume // floor))
    requests: list[_Request] = []
    if sport == "swim":
        count = max(1, min(count, round(volume / k.swim_session_target_min)))
        open_water = _open_water_minutes(volume, count, week, ctx)
        if open_water:
            # The week's continuous swim takes its minutes from the week's swimming (not on top).
            requests.append(_Request(sport, "long", open_water, True, name=OPEN_WATER_LABEL))
            volume -= open_water
            count -= 1
            if count <= 0:
                return requests
        each = int(min(volume / count, k.pool_swim_max_min))
        kinds: list[SessionType] = [*quality[:1], "technique"]
        for n in range(count):
            kind = kinds[n] if n < len(kinds) else "easy"
            hard = kind in ("threshold", "intervals")
            requests.append(_Request(sport, kind, each, kind in QUALITY_TYPES, hard))
        return requests
    has_long = week.phase != "race" and count >= 1 and not _b_race_takes_long(sport, week, ctx)
    remaining = volume
    prep = ctx.prep.event if sport == "run" else None
    goal_pace = ctx.prep.goal_pace_s_per_km if prep is not None else None
    if has_long:
        target = next((minutes for name, minutes in long_targets if name == sport), None)
        long_min = _long_minutes(sport, volume, count, ctx, target)
        finish = 0
        if prep is not None and prep.goal_pace is not None and prep.goal_pace.session == "long":
            step = k.step_min
            finish = min(goal_min, int(long_min * prep.goal_pace.max_fraction)) // step * step
            if finish < floor // 2:  # shorter than half the shortest session: not worth a segment
                finish = 0
        requests.append(_Request(sport, "long", long_min, True, goal_min=finish, goal_pace=goal_pace))
        remaining -= long_min
    slots = count - (1 if has_long else 0)
    keep_easy = 1 if count >= 3 else 0
    q_count = max(0, min(len(quality), slots - keep_easy))
    # Tempos run at the goal pace in races with race-pace work (Hansons: marathon-pace tempos;
    # Pfitzinger & Latter: half-marathon tempos), and so do the event's race-pace sessions
    # (5K/10K: the interval session's reps at 5K or 10K pace; Pfitzinger & Latter).
    tempo_pace = goal_pace if prep is not None and prep.goal_pace is not None else None
    paced = ("tempo", prep.goal_pace.session) if prep is not None and prep.goal_pace is not None else ()
    if q_count:
        average = _quality_minutes(sport, volume, count, ctx)
        for kind in quality[:q_count]:
            minutes = min(average, int(remaining))
            if minutes < floor:
                break
            requests.append(
                _Request(
                    sport,
                    kind,
                    minutes,
                    True,
                    kind in ("threshold", "intervals"),
                    goal_pace=tempo_pace if kind in paced else None,
                )
            )
            remaining -= minutes
    easy_slots = count - len(requests)
    if easy_slots > 0 and remaining >= floor:
        easy_slots = min(easy_slots, int(remaining // floor))
        each = int(remaining / easy_slots)
        if has_long and each > requests[0].minutes:
            each = requests[0].minutes
        medium = 0
        structure = ctx.rules.prep.structure
        if (
            prep is not None
            and prep.medium_long
            and has_long
            and easy_slots >= 2
            and not week.cutback
            and week.phase in ("base", "build", "peak")
            and ctx.prep.km_of(volume) >= structure.medium_long_from_km
        ):
            # Pfitzinger's medium-long run: about 3/4 of the long run, the other easy runs shorter.
            step = ctx.knobs.step_min
            medium = int(requests[0].minutes * structure.medium_long_fraction) // step * step
            if medium <= each or remaining - medium < floor * (easy_slots - 1):
                medium = 0
        base = sport == "run" and week.phase == "base" and _base_drills(ctx)
        strides = structure.strides.reps if base else 0
        # Hill repeats on another easy run of a loading base week (workouts.yaml ``hills``); with
        # a single easy run, they take the strides' place every other week.
        hills = ctx.rules.workouts.hills.reps if base and not week.cutback else 0
        if medium:
            requests.append(_Request(sport, "easy", medium, name=MEDIUM_LONG_LABEL))
            remaining -= medium
            easy_slots -= 1
            each = int(remaining / easy_slots)
        alone = easy_slots == 1 and hills > 0 and week.index % 2 == 0
        stride_run, hill_run = (-1, 0) if alone else (0, 1)
        for n in range(easy_slots):
            requests.append(
                _Request(
                    sport,
                    "easy",
                    each,
                    strides=strides if n == stride_run else 0,
                    hills=hills if n == hill_run else 0,
                )
            )
    return requests


def _base_drills(ctx: _Context) -> bool:
    """Whether base weeks carry strides and hill repeats on easy runs: every runner's and every
    triathlete's plan, a race build or not (issue 16: "strides and hills in base for everyone";
    race_prep.yaml ``structure.base_drills_sports``: Daniels, Lydiard, Pfitzinger & Latter for
    runners; Friel's base-period force and speed-skill work for triathletes)."""
    return ctx.profile.sport in ctx.rules.prep.structure.base_drills_sports


def _strength_wave(week: WeekFrame, ctx: _Context) -> int:
    waves = ctx.knobs.waves
    if week.cutback or week.phase in ("taper", "race"):
        return waves - 1
    loading_waves = max(1, waves - 1)
    return (max(1, week.loading_index) - 1) % loading_waves


def _phase_mix(week: WeekFrame, ctx: _Context) -> tuple[dict[SessionSport, list[SessionType]], int, bool]:
    """The phase's quality sessions per sport, its bricks (a cutback week keeps one quality
    session and no brick) and whether any of them is a hard session."""
    key = (week.phase, week.cutback, week.second_quality)
    found = ctx.mixes.get(key)
    if found is None:
        mix = ctx.event.session_mix.for_phase(week.phase)
        if week.cutback or ctx.prep.relaxed:
            mix = mix[:1]
        per_sport: dict[SessionSport, list[SessionType]] = {}
        for spec in mix:
            per_sport.setdefault(_resolve_sport(spec.sport, ctx), []).append(spec.type)
        second = ctx.prep.event.second_quality if ctx.prep.event is not None else None
        if week.second_quality and second is not None:
            runs = per_sport.setdefault("run", [])
            if len(runs) < 2 and second not in runs:
                runs.append(second)
        bricks = ctx.event.bricks.for_phase(week.phase) if not week.cutback else 0
        hard = any(kind in ("threshold", "intervals") for kinds in per_sport.values() for kind in kinds)
        found = ctx.mixes[key] = (per_sport, bricks, hard)
    return found


def _week_requests(
    week: WeekFrame,
    volume: float,
    usable: int,
    ctx: _Context,
    strength_cap: int | None,
    long_targets: _Targets = (),
    goal_min: int = 0,
) -> list[_Request]:
    k = ctx.knobs
    requests: list[_Request] = []
    wave = _strength_wave(week, ctx)
    if ctx.gym_only:
        per_week = k.gym_sessions_per_week
        if strength_cap is not None:
            per_week = min(per_week, strength_cap)
        for n in range(per_week):
            requests.append(_Request("strength", "strength", 0, False, False, None, n, wave))
        return requests
    split = ctx.split
    limits = k.max_sessions_per_week_tri if len(split) > 1 else k.max_sessions_per_week
    max_days = min(k.max_training_days, usable)
    per_sport, bricks, _ = _phase_mix(week, ctx)
    # Race-pace minutes of a long-run finish come out of the week's hard budget (Seiler 80/20),
    # at most this share of it so the quality sessions keep some work.
    goal_min = min(goal_min, int(_GOAL_SHARE_OF_HARD * (1 - k.easy_share_target) * volume))
    brick_min = 0
    multisport_min = volume * (split.get("ride", 0.0) + split.get("run", 0.0))
    if bricks and "ride" in split and "run" in split and multisport_min >= 2 * k.quality_min_min:
        ride_sessions = min(limits.get("ride", max_days), max_days)
        brick_min = _quality_minutes("ride", volume * split["ride"], ride_sessions, ctx)
    sport_volume = {sport: volume * share for sport, share in split.items()}
    if brick_min:
        ride_part = brick_min * (1 - k.brick_run_fraction)
        sport_volume["ride"] = max(0.0, sport_volume["ride"] - ride_part)
        sport_volume["run"] = max(0.0, sport_volume["run"] - (brick_min - ride_part))
        requests.append(_Request("brick", "tempo", brick_min, True))
    for sport in ctx.sport_order:
        max_sessions = min(limits.get(sport, max_days), max_days)
        requests.extend(
            _sport_requests(
                sport, sport_volume[sport], week, ctx, max_sessions, per_sport.get(sport, []), long_targets, goal_min
            )
        )
    strength_days = ctx.profile.strength_days
    if week.phase == "race":
        strength_days = 0
    elif week.phase == "taper":
        strength_days = min(strength_days, 1)
    if strength_cap is not None:
        strength_days = min(strength_days, strength_cap)
    for n in range(strength_days):
        requests.append(
            _Request("strength", "strength", k.hybrid_session_min, False, False, None, n, wave, True)
        )
    # Hard work budget: the rest of the week stays easy (Seiler 80/20).
    hard_budget = (1 - k.easy_share_target) * volume
    brick_hard = brick_min * k.brick_run_fraction if brick_min else 0.0
    finish = sum(min(r.goal_min, r.minutes // 2) for r in requests if r.type == "long")
    quality = [r for r in requests if r.type in QUALITY_TYPES and r.sport != "brick"]
    if quality:
        per = math.floor(max(0.0, hard_budget - brick_hard - finish) / len(quality))
        for r in quality:
            r.max_work_min = per
            if r.goal_pace is not None and goal_min:
                r.max_work_min = min(per, goal_min)
    return requests


def _order(req: _Request) -> tuple[int, int]:
    if req.type == "long":
        return (0, 0 if req.sport == "ride" else 1)
    if req.sport == "brick":
        return (1, 0)
    if req.hard:
        return (2, 0)
    if req.type in QUALITY_TYPES:
        return (3, 0)
    if req.sport == "swim":
        return (4, 0)
    if req.sport == "strength":
        return (6, 0)
    return (5, 0)


def _draft(
    week: WeekFrame,
    shape: _Shape,
    volume: float,
    ctx: _Context,
    prev_hard_last_day: bool,
    strength_cap: int | None = None,
    long_targets: _Targets = (),
    goal_min: int = 0,
) -> _Draft:
    """Draft a week, reusing an identical earlier week of the same plan (same shape and volume).

    Drafts hold no dates (days are offsets from the week's first plan day), so a cached
    draft serves any week of the same shape as it is.
    """
    key = (shape.key, volume, strength_cap, prev_hard_last_day and shape.any_hard, long_targets, goal_min)
    found = ctx.drafts.get(key)
    if found is None:
        found = _draft_uncached(
            week, shape, volume, ctx, prev_hard_last_day, strength_cap, long_targets, goal_min
        )
        ctx.drafts[key] = found
    return found


def _draft_uncached(
    week: WeekFrame,
    shape: _Shape,
    volume: float,
    ctx: _Context,
    prev_hard_last_day: bool,
    strength_cap: int | None,
    long_targets: _Targets = (),
    goal_min: int = 0,
) -> _Draft:
    template, usable_days, usable = _prototype(shape, ctx)
    days: list[_Day] = list(template)  # type: ignore[arg-type]  # the None slots are filled next
    for offset, weekday, budget, hard, fixed, weekend, closed, calm in usable_days:
        days[offset] = _Day(offset, weekday, True, budget, hard, False, [], fixed, 0, weekend, closed, calm)
    requests = sorted(
        _week_requests(week, volume, len(usable), ctx, strength_cap, long_targets, goal_min), key=_order
    )
    tri = len(ctx.split) > 1
    hard_next = shape.hard_next
    trained = 0
    for req in requests:
        exclusive = not tri or req.type == "long"
        placed = _place(days, usable, trained, req, ctx, hard_next, prev_hard_last_day, exclusive)
        if placed < 0 and tri and exclusive:
            placed = _place(days, usable, trained, req, ctx, hard_next, prev_hard_last_day, False)
        if placed > 0:
            trained += 1
    _top_up(days, volume, ctx)
    _back_to_back(days, week, ctx)
    _limit_long_run_share(days, ctx)
    _limit_hard_share(days, ctx)
    return _summed(days, ctx)


def _summed(days: list[_Day], ctx: _Context) -> _Draft:
    """The drafted week's sessions and sums (each summed in day order, as always)."""
    total = 0.0
    fixed_loads: list[float] = []
    training_loads: list[float] = []
    offsets: list[int] = []
    gens: list[Generated] = []
    volume = gym = 0
    cache = ctx.generated
    for day in days:
        offset = day.offset
        for spec in day.fixed:
            gen = cache.get(spec) or _gen(spec, ctx)
            total += gen.load
            fixed_loads.append(gen.load)
            offsets.append(offset)
            gens.append(gen)
        for spec in day.specs:
            gen = cache.get(spec) or _gen(spec, ctx)
            total += gen.load
            training_loads.append(gen.load)
            offsets.append(offset)
            gens.append(gen)
            if spec.sport in _ENDURANCE:
                volume += spec.duration_min
            elif spec.sport == "strength":
                gym += 1
    return _Draft(
        offsets=tuple(offsets),
        gens=tuple(gens),
        last_hard=bool(days) and days[-1].hard,
        volume=volume,
        load=total,
        fixed_load=sum(fixed_loads),
        training_load=sum(training_loads),
        gym=gym,
    )


def _limit_hard_share(days: list[_Day], ctx: _Context) -> None:
    """Seiler 80/20: if day caps squeezed the easy minutes, halve quality work, then make it easy."""
    rules = ctx.rules
    if not any(spec.type in QUALITY_TYPES or spec.sport == "brick" for d in days for spec in d.specs):
        return
    cache = ctx.generated
    floor = ctx.knobs.easy_share_floor
    for _ in range(_EASY_SHARE_ATTEMPTS):
        easy = total = 0
        for d in days:
            for spec in d.specs:
                if spec.sport in _ENDURANCE:
                    gen = cache.get(spec) or _gen(spec, ctx)
                    easy += gen.easy_s
                    total += gen.total_s
        if not total or easy / total >= floor:
            return
        quality = [
            (d, n, spec)
            for d in days
            for n, spec in enumerate(d.specs)
            if spec.type in QUALITY_TYPES or spec.sport == "brick"
        ]
        if not quality:
            return
        day, n, spec = max(quality, key=lambda item: (item[2].duration_min, item[0].offset))
        work = spec.max_work_min if spec.max_work_min is not None else spec.duration_min / 2
        if spec.sport != "brick" and work >= 2 * rules.workouts.sessions.min_step_min:
            day.specs[n] = spec_with_work(spec, math.floor(work / 2))
        else:
            sport: SessionSport = "ride" if spec.sport == "brick" else spec.sport
            day.specs[n] = SessionSpec(sport=sport, type="easy", duration_min=spec.duration_min)
            day.parts = 0
            for x in day.specs:
                day.parts |= _SPORT_PARTS[x.sport]
            day.hard = any(x.type in ("threshold", "intervals") for x in day.specs)


BACK_TO_BACK_LABEL = "Back-to-back day 2"


def _back_to_back(days: list[_Day], week: WeekFrame, ctx: _Context) -> None:
    """race_prep.yaml ``back_to_back``: the easy ride on the day after the long ride grows to
    about ``fraction`` of the long ride, its minutes taken from the week's other easy rides
    (the week's volume and load unchanged), within the day's budget and the weekday ride cap."""
    config = ctx.rules.prep.back_to_back
    if (
        config is None
        or week.cutback
        or week.phase not in config.phases
        or ctx.profile.goal.event not in config.events
    ):
        return
    k = ctx.knobs
    step = k.step_min
    found = next(
        ((i, s) for i, d in enumerate(days[:-1]) for s in d.specs if s.sport == "ride" and s.type == "long"), None
    )
    if found is None or found[1].duration_min < config.min_long_min:
        return
    i, long = found
    after = days[i + 1]
    n = next((m for m, s in enumerate(after.specs) if s.sport == "ride" and s.type == "easy"), None)
    if n is None:
        return
    current = after.specs[n].duration_min
    target = int(long.duration_min * config.fraction) // step * step
    ceiling = current + after.budget_min
    if k.long_ride_weekend and not after.weekend:
        ceiling = min(ceiling, k.weekday_ride_max_min)
    need = min(target, ceiling) - current
    donors = sorted(
        ((d, m, s) for d in days if d is not after for m, s in enumerate(d.specs) if s.sport == "ride" and s.type == "easy" and not s.name),
        key=lambda item: (-item[2].duration_min, item[0].offset),
    )
    # A donor ride keeps at least the shortest session or goes altogether (largest first).
    taken = 0
    for d, m, s in donors:
        if need - taken < step:
            break
        rest = s.duration_min - min(need - taken, s.duration_min)
        if 0 < rest < k.min_session_min:
            rest = k.min_session_min
        give = (s.duration_min - rest) // step * step
        if give <= 0:
            continue
        if give == s.duration_min:
            del d.specs[m]
            d.parts = 0
            for x in d.specs:
                d.parts |= _SPORT_PARTS[x.sport]
        else:
            d.specs[m] = spec_with_minutes(s, s.duration_min - give)
        d.budget_min += give
        taken += give
    after.specs[n] = after.specs[n]._replace(duration_min=current + taken, name=BACK_TO_BACK_LABEL)
    after.budget_min -= taken


def _volume_of_specs(days: list[_Day]) -> int:
    return sum(s.duration_min for d in days for s in d.specs if s.sport in _ENDURANCE)


def _top_up(days: list[_Day], volume: float, ctx: _Context) -> None:
    """Give minutes lost to day caps back to easy sessions with room, never past the long session."""
    missing = int(volume) - _volume_of_specs(days)
    if missing <= 0:
        return
    k = ctx.knobs
    longest = {s.sport: s.duration_min for d in days for s in d.specs if s.type == "long"}
    for day in days:
        for n, spec in enumerate(day.specs):
            if missing <= 0:
                return
            if spec.type != "easy" or spec.sport not in ("run", "ride"):
                continue
            room = day.budget_min
            ceiling = longest.get(spec.sport, spec.duration_min + room)
            if spec.sport == "ride" and k.long_ride_weekend and not day.weekend:
                ceiling = min(ceiling, k.weekday_ride_max_min)
            add = max(0, min(missing, room, ceiling - spec.duration_min))
            add = add // k.step_min * k.step_min
            if add:
                day.specs[n] = spec_with_minutes(spec, spec.duration_min + add)
                day.budget_min -= add
                missing -= add


def _limit_long_run_share(days: list[_Day], ctx: _Context) -> None:
    """Seed 003: long run ≤ the share allowed for the week's number of run days."""
    runs = [(d, n, s) for d in days for n, s in enumerate(d.specs) if s.sport == "run" and s.type != "race"]
    if not runs:
        return
    run_days = len({d.offset for d, _, _ in runs})
    share = ctx.long_run_share.get(run_days, ctx.long_run_share_default)
    total = sum(s.duration_min for _, _, s in runs)
    for day, n, spec in runs:
        if spec.type != "long" or share >= 1:
            continue
        others = total - spec.duration_min
        allowed = int(share * others / (1 - share)) // ctx.knobs.step_min * ctx.knobs.step_min
        if spec.duration_min > allowed:
            cut = spec.duration_min - allowed
            day.specs[n] = spec_with_minutes(spec, allowed)
            day.budget_min += cut


# --------------------------------------------------------------------------- weeks


@dataclass(slots=True)
class _Progress:
    volumes: list[float]
    loads: list[float]
    peak_volume: float
    baseline_min: float


def _round_down(minutes: float, step: int) -> float:
    return math.floor(minutes / step) * step


def _target_volume(week: WeekFrame, prev: _Progress, ctx: _Context) -> float:
    k = ctx.knobs  # guardrails.yaml: volume, taper, cutback
    step = k.step_min
    lookback = prev.volumes[-k.ramp_lookback_weeks :]
    reference = max(lookback) if lookback else 0.0
    allowed = max(
        reference * k.ramp_factor,
        reference + k.ramp_min_step_min,
        k.start_floor_min,
    )
    if week.phase in ("taper", "race") and week.weeks_out is not None:
        fractions = k.taper_fractions
        fraction = fractions[min(week.weeks_out, len(fractions) - 1)]
        target = fraction * prev.peak_volume
    elif week.cutback:
        target = k.cutback_fraction * (prev.volumes[-1] if prev.volumes else prev.baseline_min)
    elif week.index == 1:
        target = max(min(prev.baseline_min, ctx.goal_peak_min), min(k.start_floor_min, ctx.goal_peak_min))
    else:
        target = min(allowed, ctx.goal_peak_min)
    target = min(target, allowed, ctx.cap_min)
    if week.days < _DAYS_PER_WEEK and week.phase != "race":
        target = target * week.days / _DAYS_PER_WEEK
    return _round_down(target, step)


def _gen(spec: SessionSpec, ctx: _Context) -> Generated:
    """Generated workout for ``spec``, cached by spec in the table of the plan's anchors
    (:func:`~coach.engine.workouts.generated_table`)."""
    found = ctx.generated.get(spec)
    if found is None:
        found = generated(spec, ctx.anchors, ctx.rules)
        ctx.generated[spec] = found
    return found


def _spec_load(spec: SessionSpec, ctx: _Context) -> float:
    return _gen(spec, ctx).load


def _build_week(
    week: WeekFrame,
    shape: _Shape,
    prog: _Progress,
    ctx: _Context,
    prev_hard_last_day: bool,
    cutback_load: float | None,
    long_targets: _Targets = (),
    goal_min: int = 0,
) -> tuple[_Draft, float]:
    """Draft a week, then shrink it until its load respects the acute:chronic ratio and,
    for a cutback week, until its training load is clearly below the loading weeks'."""
    k = ctx.knobs  # guardrails.yaml: acwr, cutback, volume
    volume = _less_b_races(week, _target_volume(week, prog, ctx), ctx)
    chronic_window = prog.loads[-k.chronic_weeks :]
    chronic = max(sum(chronic_window) / len(chronic_window), k.min_chronic_load)
    limit = k.acwr_max_ratio * chronic * _ACWR_MARGIN
    draft = _draft(week, shape, volume, ctx, prev_hard_last_day, None, long_targets, goal_min)
    if week.phase == "race":
        return draft, volume
    strength_cap: int | None = None
    fixed_load = draft.fixed_load
    training_limit = limit - fixed_load
    if cutback_load is not None:
        training_limit = min(training_limit, k.cutback_detect_fraction * cutback_load * _ACWR_MARGIN)
    for _ in range(_ACWR_ATTEMPTS):
        training = draft.load - fixed_load
        if training <= training_limit:
            break
        factor = max(0.0, training_limit / training) if training > 0 else 0.0
        gym = draft.gym
        if gym:
            strength_cap = round(gym * factor)
        volume = _round_down(volume * factor, k.step_min)
        draft = _draft(week, shape, volume, ctx, prev_hard_last_day, strength_cap, long_targets, goal_min)
    if draft.load - fixed_load > training_limit:
        # Commitments already fill the week's safe load: no training on top.
        volume = 0.0
        draft = _draft(week, shape, volume, ctx, prev_hard_last_day, 0)
    return draft, volume


_WEEK_FIELDS = frozenset(Week.model_fields)
# Final: compiled, read from a C static rather than looked up per call.
_set_attr: Final = object.__setattr__
_PHASE_LABELS: dict[Phase, str] = {
    "base": "Base: aerobic volume, mostly easy",
    "build": "Build: quality sessions added",
    "peak": "Peak: the hardest, most race-specific weeks",
    "taper": "Taper: less volume, intensity kept (Mujika & Padilla 2003)",
    "race": "Race week",
    "recovery": "Recovery",
}


_STRENGTH_PHASE_LABELS: dict[Phase, str] = {
    "base": "Accumulation: technique and volume at moderate loads",
    "build": "Intensification: heavier loads, fewer reps",
    "peak": "Realisation: top sets close to your best",
    "taper": "Deload before testing",
    "race": "Test week",
    "recovery": "Recovery",
}
"""A strength block's phases (linear block periodisation: accumulation, intensification,
realisation; Issurin 2010, "New horizons for the methodology and physiology of training
periodization")."""


def _notes(week: WeekFrame, volume: float, blocked_days: int, prev: _Progress, ctx: _Context) -> list[str]:
    g = ctx.rules.guardrails
    notes: list[str]
    if ctx.gym_only:
        notes = [f"{_STRENGTH_PHASE_LABELS[week.phase]}."]
        if week.cutback:
            notes.append(f"Lighter week: {g.cutback.volume_fraction:.0%} of last week's work, every {g.cutback.every_weeks} weeks (seed 003).")
        if blocked_days:
            notes.append(f"{blocked_days} blocked day(s) kept free of training.")
        return notes
    notes = [f"{_PHASE_LABELS[week.phase]}; planned training {volume:.0f} min."]
    if week.cutback:
        notes.append(
            f"Cutback week: {g.cutback.volume_fraction:.0%} of last week's volume to absorb training "
            f"(every {g.cutback.every_weeks} weeks, seed 003)."
        )
    if week.index == 1:
        notes.append(f"Starts from your current {prev.baseline_min:.0f} min a week.")
    if blocked_days:
        notes.append(f"{blocked_days} blocked day(s) kept free of training.")
    # The KPI gates that release the build (seed 002) are named on the week the build starts,
    # the week coach.engine.gates judges (base -> build), not on later build weeks.
    first_build = next((w.index for w in ctx.frame.weeks if w.phase == "build"), 0)
    if week.phase == "build" and week.index == first_build:
        if ctx.build_entry is None:
            gates = ctx.rules.kpi.profiles[ctx.event.kpi_profile].gates
            entry = [gate.note for gate in gates if gate.transition == "base_to_build"]
            ctx.build_entry = ("Move to build when: " + "; ".join(entry) + ".") if entry else ""
        if ctx.build_entry:
            notes.append(ctx.build_entry)
    return notes


def _long_session_notes(week: WeekFrame, sessions: list[Session], ctx: _Context) -> list[str]:
    """race_prep.yaml ``long_session_notes`` that this week's long sessions call for (fuelling,
    night riding, back-to-back days): each once, when the week's long session of its sport
    lasts at least its ``from_min``."""
    found = ctx.prep_notes
    if found is None:
        event = ctx.profile.goal.event
        found = ctx.prep_notes = tuple(n for n in ctx.rules.prep.long_session_notes if event in n.events)
    if not found or week.phase == "race":
        return []
    longest: dict[str, int] = {}
    for s in sessions:
        if s.type == "long":
            longest[s.sport] = max(longest.get(s.sport, 0), s.duration_min)
    return [n.note for n in found if longest.get(n.sport, 0) >= n.from_min]


def _ordered(draft: _Draft, sport: Sport) -> tuple[tuple[int, ...], tuple[Generated, ...]]:
    """The draft's sessions in the plan's one order (:func:`session_order`, a stable sort),
    with the week's totals; computed once per draft."""
    if draft.ordered is None:
        offsets, gens = draft.offsets, draft.gens
        keys = []
        for n, gen in enumerate(gens):
            keys.append((offsets[n], gen.type == "commitment", gen.sport, gen.type, gen.duration_min, n))
        keys.sort()
        ordered = tuple(gens[key[5]] for key in keys)
        draft.planned_km = generated_week_km(ordered, sport)
        draft.planned_minutes = sum(gen.duration_min for gen in ordered)
        draft.week_load = round(sum(gen.load for gen in ordered), 1)
        draft.ordered = (tuple(key[0] for key in keys), ordered)
    return draft.ordered


def _week_model(week: WeekFrame, shape: _Shape, draft: _Draft, prog: _Progress, ctx: _Context) -> Week:
    offsets, gens = _ordered(draft, ctx.profile.sport)
    first = week.first_day
    sessions = [session_from(gen, first + _DAYS[offset]) for offset, gen in zip(offsets, gens, strict=True)]
    # What ``Week.model_construct`` builds (every field given), without its generic overhead.
    model = Week.__new__(Week)
    _set_attr(
        model,
        "__dict__",
        {
            "index": week.index,
            "start": week.start,
            "phase": week.phase,
            "cutback": week.cutback,
            "planned_km": draft.planned_km,
            "planned_minutes": draft.planned_minutes,
            "load": draft.week_load,
            "sessions": sessions,
            "notes": _notes(week, float(draft.volume), shape.blocked_days, prog, ctx)
            + _long_session_notes(week, sessions, ctx)
            + _b_race_notes(week, ctx),
            "built_minutes": None,
            "built_load": None,
            "return_fraction": None,
        },
    )
    _set_attr(model, "__pydantic_fields_set__", set(_WEEK_FIELDS))
    _set_attr(model, "__pydantic_extra__", None)
    _set_attr(model, "__pydantic_private__", None)
    return model


def _context(
    profile: Profile,
    rules: Rules,
    event: EventProfile,
    frame: Frame,
    prep: Prep | None = None,
    shared: SharedDrafts | None = None,
) -> _Context:
    volume = event.volume_for(profile.sport)
    cap = volume.peak_cap_weekly_min
    prep = prep or prep_of(profile, rules)
    goal_peak = prep.peak_min
    split = dict(event.split_for(profile.sport))
    gym_only = set(split) == {"strength"}
    anchors = anchors_of(profile, rules)
    race_min = race_minutes(profile, event, anchors, rules) if event.race else 0
    knobs = _knobs(rules)
    closed = frozenset(d for c in profile.closures for d in c.days)
    b_specs, b_sports, b_caps = _b_races(profile, rules, anchors)
    ctx = _Context(
        profile=profile,
        rules=rules,
        knobs=knobs,
        closed=closed,
        long_day=profile.availability.long_day,
        event=event,
        anchors=anchors,
        frame=frame,
        blocked=_blocked_dates(profile),
        race_min=race_min,
        goal_peak_min=goal_peak,
        cap_min=cap,
        split=split,
        gym_only=gym_only,
        prep=prep,
        weekdays=_weekdays(profile, knobs, closed),
        sport_order=tuple(sorted(split, key=lambda s: (-split[s], s))),
        long_share=dict(event.long_share_target),
        long_cap=dict(event.long_session_max_min),
        long_run_share=dict(rules.guardrails.long_run_share.by_run_days),
        long_run_share_default=rules.guardrails.long_run_share.default_max,
        b_specs=b_specs,
        b_sports=b_sports,
        b_caps=b_caps,
        generated=generated_table(anchors, rules),
    )
    if shared is not None and shared.serves(profile, prep):
        ctx.drafts = shared.drafts
        ctx.protos = shared.protos
        ctx.placements = shared.placements
        ctx.mixes = shared.mixes
    return ctx


def _long_target(
    week: WeekFrame, position: int, reach: int, longest: float, prep: Prep, ctx: _Context
) -> float | None:
    """The long run a race build's loading week aims at (``coach/rules/race_prep.yaml``):
    from the athlete's current longest toward the event's target, reached ``reach`` weeks
    into the build and then held; never more than ``long_step_max_min`` over the longest so
    far, never below the current longest. ``None`` where the event's share decides (no race
    prep, no known start, cutback, taper and race weeks)."""
    start = prep.long_start_min
    if prep.event is None or start is None or week.cutback or week.phase in ("taper", "race"):
        return None
    return _progressed(start, prep.long_target_min, position, reach, longest, ctx)


def _progressed(
    start: float, goal: float, position: int, reach: int, longest: float, ctx: _Context, step: float | None = None
) -> float:
    goal = max(goal, start)
    planned = start + (goal - start) * min(1.0, position / reach) if reach > 0 else goal
    grow = step if step is not None else ctx.rules.prep.build.long_step_max_min
    target = max(start, min(planned, max(longest, start) + grow))
    return float(_round_down(target, ctx.knobs.step_min))


def _timed_targets(
    week: WeekFrame, position: int, reach: int, longest: dict[SessionSport, float], prep: Prep, ctx: _Context
) -> _Targets:
    """A ride or triathlon build's long sessions for a loading week, per sport, as
    :func:`_long_target` does for the long run (``race_prep.yaml``: ``timed_events``)."""
    if prep.timed is None or week.cutback or week.phase in ("taper", "race"):
        return ()
    starts = dict(prep.timed_starts)
    out: list[tuple[SessionSport, float]] = []
    for sport, goal in prep.timed_targets:
        start = starts.get(sport)
        if start is not None:
            step = prep.timed.long_step_max_min.get("ride" if sport == "ride" else "run")
            out.append((sport, _progressed(start, goal, position, reach, longest.get(sport, 0.0), ctx, step)))
    return tuple(out)


def _goal_minutes(week: WeekFrame, position: int, count: int, prep: Prep) -> int:
    """Race-pace minutes of a long-run finish in a build or peak loading week: from
    ``goal_pace.start_min`` in the first such week to ``max_min`` in the last."""
    entry = prep.event
    if entry is None or entry.goal_pace is None or week.cutback or week.phase not in ("build", "peak"):
        return 0
    pace = entry.goal_pace
    fraction = position / (count - 1) if count > 1 else 1.0
    return int(pace.start_min + (pace.max_min - pace.start_min) * fraction)


def draft_weeks(
    profile: Profile, rules: Rules, frame: Frame, prep: Prep | None = None, shared: SharedDrafts | None = None
) -> list[Week]:
    """Build every week of the plan in order, each from the volumes and loads before it
    (``shared``: drafts shared with builds for other goal dates, :class:`SharedDrafts`)."""
    return draft_plan(profile, rules, frame, prep, shared).weeks()


def draft_plan(
    profile: Profile, rules: Rules, frame: Frame, prep: Prep | None = None, shared: SharedDrafts | None = None
) -> DraftedPlan:
    """:func:`draft_weeks` before the week documents are made (:class:`DraftedPlan`)."""
    return _drafted(profile, rules, frame, prep, None, shared)


class DraftedPlan:
    """Every week of a plan drafted, in order, before its documents are made: a build that
    turns out too short for its event is refused without making them (``_build_plan``)."""

    def __init__(self, ctx: _Context, prog: _Progress, drafted: list[tuple[WeekFrame, _Shape, _Draft]]) -> None:
        self.ctx = ctx
        self.prog = prog
        self.drafted = drafted

    def weeks(self) -> list[Week]:
        """The week documents (:func:`draft_weeks`)."""
        return [_week_model(week, shape, draft, self.prog, self.ctx) for week, shape, draft in self.drafted]

    def longest_run(self) -> tuple[float, float]:
        """:func:`longest_run` of :meth:`weeks`, read from the drafts."""
        prep = self.ctx.prep
        best_min = best_km = 0.0
        for week, _shape, draft in self.drafted:
            if week.phase in ("taper", "race"):
                continue
            for gen in draft.gens:
                if gen.sport == "run" and gen.type in ("long", "easy"):
                    km = gen.distance_km if gen.distance_km is not None else prep.km_of(gen.duration_min)
                    best_min = max(best_min, float(gen.duration_min))
                    best_km = max(best_km, km)
        return best_min, best_km

    def longest_by_sport(self) -> dict[str, float]:
        """:func:`longest_by_sport` of :meth:`weeks`, read from the drafts."""
        best: dict[str, float] = {}
        for week, _shape, draft in self.drafted:
            if week.phase in ("taper", "race"):
                continue
            for gen in draft.gens:
                if gen.type in ("long", "easy"):
                    best[gen.sport] = max(best.get(gen.sport, 0.0), float(gen.duration_min))
        return best


def drafted_longest(
    profile: Profile,
    rules: Rules,
    frame: Frame,
    prep: Prep,
    shared: SharedDrafts | None = None,
    stop_at: LongMinimum | None = None,
) -> tuple[float, float]:
    """(minutes, km) of the longest run before the taper of the plan :func:`draft_weeks` would
    build, without making its documents (what the alternatives' checks need, and only that).

    With ``stop_at``, drafting stops at the first week whose longest run so far reaches it:
    whether the build reaches it is all that is asked then (the longest never shrinks)."""
    best: dict[str, float] = {}
    enough = _run_reaches(stop_at) if stop_at is not None else None
    _drafted(profile, rules, frame, prep, best, shared, enough)
    return best.get("run", 0.0), best.get("run_km", 0.0)


def _run_reaches(minimum: LongMinimum) -> Callable[[dict[str, float]], bool]:
    """Whether the longest run so far (``drafted_longest``'s ``run`` and ``run_km``) reaches ``minimum``."""

    def enough(longest: dict[str, float]) -> bool:
        return reached(longest.get("run", 0.0), longest.get("run_km", 0.0), minimum)

    return enough


def drafted_longest_by_sport(
    profile: Profile,
    rules: Rules,
    frame: Frame,
    prep: Prep,
    shared: SharedDrafts | None = None,
    stop_at: Mapping[TimedSport, float] | None = None,
) -> dict[str, float]:
    """Minutes of the longest long session per sport before the taper, drafted without documents
    (``stop_at``: drafting stops once every sport's longest reaches its minutes, as
    :func:`drafted_longest` does)."""
    best: dict[str, float] = {}
    enough = _sports_reach(stop_at) if stop_at is not None else None
    _drafted(profile, rules, frame, prep, best, shared, enough)
    return best


def _sports_reach(minimum: Mapping[TimedSport, float]) -> Callable[[dict[str, float]], bool]:
    """Whether every sport's longest session so far reaches its ``minimum`` minutes."""

    def enough(longest: dict[str, float]) -> bool:
        return not _timed_short(longest, minimum)

    return enough


def longest_by_sport(weeks: list[Week]) -> dict[str, float]:
    """Minutes of the longest long (or easy) session per sport before the taper."""
    best: dict[str, float] = {}
    for week in weeks:
        if week.phase in ("taper", "race"):
            continue
        for s in week.sessions:
            if s.type in ("long", "easy"):
                best[s.sport] = max(best.get(s.sport, 0.0), float(s.duration_min))
    return best


def _drafted(
    profile: Profile,
    rules: Rules,
    frame: Frame,
    prep: Prep | None,
    longest_out: dict[str, float] | None,
    shared: SharedDrafts | None = None,
    enough: Callable[[dict[str, float]], bool] | None = None,
) -> DraftedPlan:
    """:func:`draft_plan`; with ``longest_out`` (updated in place: minutes per sport, and
    ``run_km``), no weeks are kept (the result holds none), only the longest sessions before the
    taper, up to the first week after which ``enough(longest_out)`` holds."""
    event = rules.event(profile.goal.event)
    ctx = _context(profile, rules, event, frame, prep, shared)
    prep = ctx.prep
    g = rules.guardrails
    loading = [w.index for w in frame.weeks if w.phase not in ("taper", "race")]
    reach = len(loading) - 1 - rules.prep.build.long_target_weeks_before_taper
    quality_weeks = [w.index for w in frame.weeks if w.phase in ("build", "peak") and not w.cutback]
    longest = prep.long_start_min or 0.0
    timed_longest: dict[SessionSport, float] = dict(prep.timed_starts)
    second_from_min = prep.minutes_of(rules.prep.structure.second_quality_from_km)
    second_days = run_days_available(profile, rules) >= rules.prep.structure.second_quality_min_run_days
    baseline = baseline_weekly_min(profile, rules)
    pre = max(g.volume.ramp_lookback_weeks, g.acwr.chronic_weeks)
    prog = _Progress(
        volumes=[baseline] * pre,
        loads=[baseline_weekly_load(profile, rules)] * pre,
        peak_volume=baseline,
        baseline_min=baseline,
    )
    drafted: list[tuple[WeekFrame, _Shape, _Draft]] = []
    prev_hard_last_day = False
    every = g.cutback.every_weeks
    detect = g.cutback.detect_fraction
    streak, streak_max = 0, 0.0
    for planned in frame.weeks:
        reduced_phase = planned.phase in ("taper", "race")
        if reduced_phase and longest_out is not None:
            break  # only the longest sessions before the taper are asked for
        # Cutbacks follow the actual loads (seed 003: every 3–4 weeks): a week already
        # reduced by blocked days counts as the recovery week, so the next one comes later.
        cutback = not reduced_phase and streak == every - 1
        week = WeekFrame(
            index=planned.index,
            start=planned.start,
            first_day=planned.first_day,
            last_day=planned.last_day,
            phase=planned.phase,
            cutback=cutback,
            weeks_out=planned.weeks_out,
            loading_index=0 if cutback or reduced_phase else streak + 1,
        )
        long_targets: _Targets = ()
        goal_min = 0
        position_in_build = planned.index - loading[0] if loading else 0
        if prep.timed is not None:
            long_targets = _timed_targets(week, position_in_build, reach, timed_longest, prep, ctx)
        if prep.event is not None:
            run_target = _long_target(week, position_in_build, reach, longest, prep, ctx)
            long_targets = (("run", run_target),) if run_target is not None else ()
            position = quality_weeks.index(planned.index) if planned.index in quality_weeks else 0
            goal_min = _goal_minutes(week, position, len(quality_weeks), prep)
            second = (
                second_days
                and not prep.relaxed
                and week.phase == "build"
                and not cutback
                and _target_volume(week, prog, ctx) >= second_from_min
            )
            if second:
                week = week.with_second_quality()
        shape = _shape(week, ctx)
        draft, _volume = _build_week(
            week, shape, prog, ctx, prev_hard_last_day, streak_max if cutback else None, long_targets, goal_min
        )
        if ctx.b_specs:
            _b_race_longest(week, timed_longest, ctx)
        if prep.event is not None or prep.timed is not None:
            for gen in draft.gens:
                if gen.type == "long" and gen.sport == "run":
                    longest = max(longest, float(gen.duration_min))
                if gen.type == "long":
                    sport = gen.sport
                    timed_longest[sport] = max(timed_longest.get(sport, 0.0), float(gen.duration_min))
        if longest_out is None:
            drafted.append((week, shape, draft))
        elif not reduced_phase:
            for gen in draft.gens:
                kind = gen.type
                if kind == "long" or kind == "easy":
                    sport = gen.sport
                    longest_out[sport] = max(longest_out.get(sport, 0.0), float(gen.duration_min))
                    if sport == "run":
                        km = gen.distance_km if gen.distance_km is not None else prep.km_of(gen.duration_min)
                        longest_out["run_km"] = max(longest_out.get("run_km", 0.0), km)
            if enough is not None and enough(longest_out):
                break
        actual = float(draft.volume)
        prog.volumes.append(actual)
        prog.loads.append(draft.load)
        if not reduced_phase:
            prog.peak_volume = max(prog.peak_volume, actual)
        training_load = draft.training_load
        if reduced_phase or (streak and training_load <= detect * streak_max):
            streak, streak_max = 0, 0.0
        else:
            streak, streak_max = streak + 1, max(streak_max, training_load)
        prev_hard_last_day = draft.last_hard and week.last_day.weekday() == _DAYS_PER_WEEK - 1
    return DraftedPlan(ctx, prog, drafted)


def _short_words(
    profile: Profile,
    frame: Frame,
    prep: Prep,
    longest_min: float,
    longest_km: float,
    minimum: LongMinimum,
    rules: Rules,
) -> str:
    """Why the build falls short, with the numbers."""
    g = rules.guardrails
    name = profile.goal.event.replace("_", " ")
    return (
        f"A {name} build needs a longest run of at least {minimum.km:g} km or {minimum.minutes:g} min. From about "
        f"{prep.current_km:.0f} km a week, rising at most {g.volume.ramp_max_pct:g} % a week with a cutback every "
        f"{g.cutback.every_weeks} weeks and a long run of at most {prep.long_share_max:.0%} of the week, the "
        f"{len(frame.weeks)} weeks to {profile.goal.date} reach only about {longest_km:.0f} km ({longest_min:.0f} min)."
    )


def _reached_words(weeks: list[Week], prep: Prep) -> str:
    """What the built plan reaches: its peak week and its longest run, with their weeks."""
    loading = [w for w in weeks if w.phase not in ("taper", "race")] or weeks
    peak = max(loading, key=lambda w: (w.planned_minutes, -w.index))
    longest_min, longest_km = longest_run(weeks, prep)
    long_week = next(
        (
            w.index
            for w in weeks
            for s in w.sessions
            if s.sport == "run" and s.type in ("long", "easy") and s.duration_min == longest_min
        ),
        peak.index,
    )
    peak_km = peak.planned_km if peak.planned_km is not None else prep.km_of(peak.planned_minutes)
    return (
        f"The plan peaks at about {peak_km:.0f} km ({peak.planned_minutes} min) in week {peak.index}; its longest "
        f"run is about {longest_km:.0f} km ({longest_min:.0f} min), in week {long_week}."
    )


def plan_meta(profile: Profile, rules: Rules, frame: Frame | None = None) -> PlanMeta:
    frame = frame or plan_frame(profile, rules)
    estimate = None
    if vdot_of(profile) is None and profile.sport in ("run", "tri"):
        pace, source = run_pace_estimate(profile, rules)
        estimate = EasyPaceEstimate(s_per_km=pace, source=source)
    return PlanMeta(
        event=profile.goal.event,
        sport=profile.sport,
        start_date=profile.start_date,
        race_date=frame.race_date or profile.goal.date,
        weeks=len(frame.weeks),
        rules_version=rules.version,
        engine_version=ENGINE_VERSION,
        target_time=profile.goal.target_time,
        easy_pace_estimate=estimate,
    )


def build_plan(profile: Profile, rules: Rules, *, require_preparation: bool = True) -> Plan:
    """Build, validate and fix a plan for ``profile`` under ``rules``.

    Returns a plan with zero guardrail violations, or ``feasible=false`` with a reason (and,
    for an unreachable goal, alternatives). A running race build that cannot reach the
    event's minimum preparation (``coach/rules/race_prep.yaml``: ``min_long``) is refused, or
    built as a finish-only plan that says so; with ``require_preparation=False`` (a plan
    rebuilt mid-way for new days, same race) it is built as far as the time allows and its
    notes say how far short it stays. Raises :class:`ProfileError` only for a profile
    that contradicts itself (e.g. a triathlon goal for a runner).

    The cyclic garbage collector is paused for the build (and restored as it was): a build
    makes thousands of short-lived, acyclic objects that reference counting frees, and the
    collections they would trigger scan the caller's whole heap, which cost about a fifth of
    the build time (``bench/bench_engine.py``). Garbage from elsewhere is collected as
    usual once the build returns.
    """
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        return _build_plan(profile, rules, require_preparation)
    finally:
        if paused:
            gc.enable()


def longest_run(weeks: list[Week], prep: Prep) -> tuple[float, float]:
    """(minutes, km) of the longest run before the taper (km from the session's distance, else
    its minutes at the athlete's easy pace)."""
    best_min = best_km = 0.0
    for week in weeks:
        if week.phase in ("taper", "race"):
            continue
        for s in week.sessions:
            if s.sport == "run" and s.type in ("long", "easy"):
                km = s.distance_km if s.distance_km is not None else prep.km_of(s.duration_min)
                best_min = max(best_min, float(s.duration_min))
                best_km = max(best_km, km)
    return best_min, best_km


def _short_of(
    profile: Profile,
    rules: Rules,
    frame: Frame,
    prep: Prep,
    minimum: LongMinimum,
    shared: SharedDrafts | None = None,
) -> bool:
    """Whether the drafted build stays short of ``minimum`` (the long run it reaches)."""
    longest_min, longest_km = drafted_longest(profile, rules, frame, prep, shared, stop_at=minimum)
    return not reached(longest_min, longest_km, minimum)


def _prep_alternatives(
    profile: Profile, rules: Rules, prep: Prep, shared: SharedDrafts | None = None
) -> list[Alternative]:
    """A later date and a shorter event on the same date whose builds reach the minimum
    (each checked by drafting it), for a build that cannot. ``shared``: the plan's drafts,
    which the later dates share (:class:`SharedDrafts`)."""
    goal = profile.goal
    assert goal.date is not None and prep.event is not None
    minimum = prep.event.min_long
    name = goal.event.replace("_", " ")
    out: list[Alternative] = []
    latest = profile.start_date + dt.timedelta(days=rules.guardrails.plan.max_weeks * _DAYS_PER_WEEK - 1)
    dates = _LaterDates(profile, rules)
    baseline = baseline_weekly_min(profile, rules)

    def hopeful(extra: int) -> bool:
        # The estimate is optimistic: a date it rules out is not drafted at all.
        _other, frame = dates.of(extra)
        estimate = estimated_longest_min(prep, frame, rules, baseline)
        return minimum is not None and reached(estimate, prep.km_of(estimate), minimum)

    def ready(extra: int) -> bool:
        other, frame = dates.of(extra)
        return (
            minimum is not None
            and assess(other, rules, frame, with_alternatives=False, prep=prep).feasible
            and not _short_of(other, rules, frame, prep, minimum, shared)
        )

    extras = [e for e in _LATER_WEEKS if goal.date + dt.timedelta(days=e * _DAYS_PER_WEEK) <= latest]
    found = first_passing(extras, ready, hopeful)
    if found is not None:
        other, frame = dates.of(found)
        date = other.goal.date
        assert date is not None
        out.append(
            Alternative(
                kind="later_date",
                event=goal.event,
                date=date,
                description=f"Race a {name} on {date.isoformat()} instead: {len(frame.weeks)} "
                "weeks leave time to build the long run safely.",
            )
        )
    dates.clear()
    for shorter in rules.event(goal.event).shorter:
        other = profile.model_copy(update={"goal": goal.model_copy(update={"event": shorter, "target_time": None})})
        frame = plan_frame(other, rules)
        if not assess(other, rules, frame, with_alternatives=False).feasible:
            continue
        other_prep = prep_of(other, rules)
        need = other_prep.event.min_long if other_prep.event is not None else None
        if need is None or not _short_of(other, rules, frame, other_prep, need):
            out.append(
                Alternative(
                    kind="shorter_event",
                    event=shorter,
                    date=goal.date,
                    description=f"Race a {shorter.replace('_', ' ')} on {goal.date.isoformat()}: it fits the time you have.",
                )
            )
            break
    return out


_SESSION_WORDS = {"ride": "ride", "run": "run", "swim": "swim"}


def _timed_short(longest: dict[str, float], minimum: Mapping[TimedSport, float]) -> list[TimedSport]:
    """The sports whose longest session stays under ``minimum`` (minutes)."""
    return [sport for sport, need in minimum.items() if longest.get(sport, 0.0) < need - 0.5]


def _timed_words(
    profile: Profile, frame: Frame, longest: dict[str, float], minimum: Mapping[TimedSport, float], short_of: list[TimedSport]
) -> str:
    name = profile.goal.event.replace("_", " ")
    needs = " and ".join(f"a longest {_SESSION_WORDS.get(s, s)} of at least {format_clock(minimum[s] * 60)[:-3]}" for s in minimum)
    got = " and ".join(
        f"a longest {_SESSION_WORDS.get(s, s)} of {format_clock(longest.get(s, 0.0) * 60)[:-3]}" for s in short_of
    )
    return (
        f"A {name} build needs {needs} (h:mm). Rising safely from what you do now, the "
        f"{len(frame.weeks)} weeks to {profile.goal.date} reach only {got}."
    )


def _timed_reached_words(weeks: list[Week], prep: Prep) -> str:
    """What a ride or triathlon build reaches against its long-session targets
    (``race_prep.yaml`` ``timed_events``): each sport's longest session before the taper, and,
    where it stays under the target, that it does and why (issue 17: never a silent
    under-preparation, also above the minimum)."""
    longest = longest_by_sport(weeks)
    reached_words: list[str] = []
    short_words: list[str] = []
    for sport, target in prep.timed_targets:
        got = longest.get(sport, 0.0)
        words = f"long {_SESSION_WORDS.get(sport, sport)} {format_clock(got * 60)[:-3]}"
        if got < target - 0.5:
            short_words.append(f"{words} of the {format_clock(target * 60)[:-3]} aimed at")
        else:
            reached_words.append(words)
    text = "The plan's longest sessions (h:mm): " + ", ".join(reached_words + short_words) + "."
    if short_words:
        text += (
            " Rising safely from what you do now (the weekly ramp, the acute:chronic limit, each long "
            "session's share of its sport's week), the weeks to the race reach no more; a later race or more "
            "hours a week would take them further."
        )
    return text


class _LaterDates:
    """The later goal dates an alternatives' search tries, each profile and calendar made once
    (a date's estimate and its draft both read them). A later date changes nothing the
    preparation reads (the event, the history, the week: :func:`prep.prep_of`) nor the
    current volume, so the plan's preparation and volume serve every date."""

    def __init__(self, profile: Profile, rules: Rules) -> None:
        self.profile = profile
        self.rules = rules
        self.made: dict[int, tuple[Profile, Frame]] = {}

    def of(self, extra: int) -> tuple[Profile, Frame]:
        """The profile with its goal ``extra`` weeks later, and its plan's calendar."""
        found = self.made.get(extra)
        if found is None:
            other = _goal_later(self.profile, extra)
            found = self.made[extra] = (other, plan_frame(other, self.rules))
        return found

    def clear(self) -> None:
        """Drop what was made (the compiled search's closures keep this object in a reference cycle)."""
        self.made.clear()


def _goal_later(profile: Profile, weeks: int) -> Profile:
    """The same profile with its goal ``weeks`` later (a candidate date for a build that is too short)."""
    goal = profile.goal
    assert goal.date is not None
    return profile.model_copy(
        update={"goal": goal.model_copy(update={"date": goal.date + dt.timedelta(days=weeks * _DAYS_PER_WEEK)})}
    )


def _timed_alternatives(
    profile: Profile, rules: Rules, prep: Prep, shared: SharedDrafts | None = None
) -> list[Alternative]:
    """A later date whose ride or triathlon build reaches the minimum (checked by drafting;
    ``shared``: the plan's drafts, which the later dates share)."""
    goal = profile.goal
    assert goal.date is not None and prep.timed is not None
    minimum = prep.timed.min_long
    latest = profile.start_date + dt.timedelta(days=rules.guardrails.plan.max_weeks * _DAYS_PER_WEEK - 1)
    dates = _LaterDates(profile, rules)
    baseline = baseline_weekly_min(profile, rules)

    def hopeful(extra: int) -> bool:
        # The estimate is optimistic: a date it rules out is not drafted at all.
        estimate = estimated_longest_by_sport(prep, dates.of(extra)[1], rules, baseline)
        return not _timed_short({str(k): v for k, v in estimate.items()}, minimum)

    def ready(extra: int) -> bool:
        other, frame = dates.of(extra)
        if not assess(other, rules, frame, with_alternatives=False, prep=prep).feasible:
            return False
        longest = drafted_longest_by_sport(other, rules, frame, prep, shared, stop_at=minimum)
        return not _timed_short(longest, minimum)

    extras = [e for e in _LATER_WEEKS if goal.date + dt.timedelta(days=e * _DAYS_PER_WEEK) <= latest]
    found = first_passing(extras, ready, hopeful)
    date = dates.of(found)[0].goal.date if found is not None else None
    dates.clear()
    if date is None:
        return []
    name = goal.event.replace("_", " ")
    return [
        Alternative(
            kind="later_date",
            event=goal.event,
            date=date,
            description=f"Race the {name} on {date.isoformat()} instead: the long sessions have time to grow safely.",
        )
    ]


def _finish_only_prep(prep: Prep) -> Prep:
    """The same build without race-pace work (a finish-only plan has no target pace)."""
    entry = prep.event
    assert entry is not None
    return replace(prep, event=entry.model_copy(update={"goal_pace": None}), goal_pace_s_per_km=None, goal_mode="none")


def _build_plan(profile: Profile, rules: Rules, require_preparation: bool = True) -> Plan:
    check_profile(profile, rules)
    frame = plan_frame(profile, rules)
    meta = plan_meta(profile, rules, frame)
    prep = prep_of(profile, rules)
    verdict = assess(profile, rules, frame, prep=prep)
    if not verdict.feasible:
        return Plan(
            feasible=False, reason=verdict.reason, alternatives=verdict.alternatives, meta=meta, weeks=[]
        )
    meta.level = prep.level
    shared = SharedDrafts()
    drafted = draft_plan(profile, rules, frame, prep, shared)
    weeks: list[Week] = []
    notes = list(prep.notes)
    reason: str | None = None
    alternatives: list[Alternative] = []
    minimum = prep.event.min_long if prep.event is not None else None
    if minimum is not None:
        longest_min, longest_km = drafted.longest_run()
        if reached(longest_min, longest_km, minimum):
            weeks = drafted.weeks()
        elif not require_preparation:
            weeks = drafted.weeks()
            notes.append(_short_words(profile, frame, prep, longest_min, longest_km, minimum, rules))
        else:
            assert prep.event is not None
            finish = prep.event.finish_only_long
            alternatives = _prep_alternatives(profile, rules, prep, shared)
            shared.clear()
            short = _short_words(profile, frame, prep, longest_min, longest_km, minimum, rules)
            if finish is None or not reached(longest_min, longest_km, finish) or profile.goal.target_time:
                if finish is not None and reached(longest_min, longest_km, finish):
                    alternatives.append(
                        Alternative(
                            kind="finish_only",
                            event=profile.goal.event,
                            date=profile.goal.date,
                            description=f"Aim only to finish on {profile.goal.date}, with no target time: run-walk, "
                            f"a longest run of about {longest_km:.0f} km ({longest_min:.0f} min).",
                        )
                    )
                return Plan(feasible=False, reason=short, alternatives=alternatives, meta=meta, weeks=[])
            # Finish only: the build the time allows, without race-pace work, and the plan says so.
            prep = _finish_only_prep(prep)
            weeks = draft_weeks(profile, rules, frame, prep)
            longest_min, longest_km = longest_run(weeks, prep)
            meta.finish_only = True
            reason = (
                f"Finish-only plan: {short} It leaves out a target time and race-pace work; run-walk on race day "
                f"(for example 4 min running, 1 min walking from the start). Its longest run is about "
                f"{longest_km:.0f} km ({longest_min:.0f} min)."
            )
            notes = [note for note in notes if not note.startswith("Race-pace")] + [reason]
            if weeks:
                weeks[0].notes.append(reason)
    elif prep.timed is not None and prep.timed.min_long:
        longest = drafted.longest_by_sport()
        short_of = _timed_short(longest, prep.timed.min_long)
        if not short_of:
            weeks = drafted.weeks()
        elif not require_preparation:
            weeks = drafted.weeks()
            notes.append(_timed_words(profile, frame, longest, prep.timed.min_long, short_of))
        else:
            short = _timed_words(profile, frame, longest, prep.timed.min_long, short_of)
            alternatives = _timed_alternatives(profile, rules, prep, shared)
            shared.clear()
            finish_short = _timed_short(longest, prep.timed.finish_only_long)
            if finish_short or profile.goal.target_time:
                return Plan(feasible=False, reason=short, alternatives=alternatives, meta=meta, weeks=[])
            weeks = drafted.weeks()
            meta.finish_only = True
            reason = (
                f"Finish-only plan: {short} It leaves out a target time: ride (and run) within the cut-offs at an "
                "easy, even effort, eat and drink from the start; race shorter events first if you can."
            )
            notes.append(reason)
            if weeks:
                weeks[0].notes.append(reason)
    else:
        weeks = drafted.weeks()
    plan = Plan.model_construct(
        feasible=True,
        reason=reason,
        alternatives=alternatives,
        meta=meta,
        weeks=weeks,
        validation=Validation(),
        notes=notes,
    )
    fixed = fix_plan(plan, profile, rules)
    if prep.event is not None and fixed.weeks and not fixed.validation.violations:
        fixed.notes.append(_reached_words(fixed.weeks, prep))
    elif prep.timed is not None and fixed.weeks and not fixed.validation.violations:
        fixed.notes.append(_timed_reached_words(fixed.weeks, prep))
    if fixed.validation.violations:
        ids = sorted({v.rule_id for v in fixed.validation.violations})
        return Plan(
            feasible=False,
            reason=(
                "No safe plan fits these constraints: the rules "
                f"{', '.join(ids)} could not all be met. Add training days or minutes, or move the goal date."
            ),
            alternatives=[],
            meta=meta,
            weeks=[],
            validation=fixed.validation,
        )
    return fixed
