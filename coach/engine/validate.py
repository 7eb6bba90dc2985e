"""Guardrail validation: judge any plan (built, adapted, hand-edited) against profile + rules.

This module never asks the builder how it decided anything: it re-derives every quantity
from the plan's sessions, the profile and the rules (seed 003 5.2: "System must validate
model output (plans) against these rules"; seed 001: two-pass validation). Each rule has a
stable id:

=====================  ==================================================================
rule id                what it checks (source in coach/rules/*.yaml comments)
=====================  ==================================================================
week_structure         every session lies in its Monday-based week
outside_plan_window    no session before start_date or after the race / plan end
blocked_date           blocked dates carry no session at all (seed 001: holidays = rest)
unavailable_day        training only on the athlete's available days
day_minutes_cap        a day's minutes within its cap (commitments count)
sessions_per_day       at most ``week.max_sessions_per_day`` training sessions a day
pool_closure           no swim when the pool is closed (seed 001)
pool_swim_duration     pool swims ≤ ``calendar.pool_swim_max_min`` (seed 001); a continuous
                       open-water swim (race_prep.yaml ``open_water``) is exempt
long_ride_weekend      rides over ``weekday_ride_max_min`` only at weekends (seed 001)
hard_after_hard        no hard day straight after a hard day (Bowerman, Daniels)
rest_day               ≥ ``min_rest_days`` days without training in a full week
long_run_share         long run ≤ share of the week's running (seed 003)
long_session_cap       long sessions ≤ the event's cap per sport
ramp_rate              weekly volume ≤ max(ref × (1 + ramp), ref + step, floor) (seed 003)
acwr                   acute:chronic load ≤ ``acwr.max_ratio`` (Gabbett 2016)
peak_cap               weekly volume ≤ the event's peak cap
cutback_frequency      a reduced week at least every ``cutback.every_weeks`` (seed 003)
taper                  taper and race weeks ≤ fraction of peak volume (seed 003, Mujika)
easy_share             ≥ ``easy_share_min`` of endurance time easy (Seiler)
commitment_kept        every commitment on a free date is in the plan (seed 001)
race_day               a race plan has its race on the race date
=====================  ==================================================================

Weekly volume = minutes of endurance training (commitments, race and gym excluded); weekly
load = sum of session loads (``coach.engine.load``), recomputed from each session's duration
and type. A partial first week simply counts less load (no extrapolation: a week that
starts on Sunday must not look like seven Sundays).
Sessions whose ``waived`` lists a rule id are exempt (coach override); such exemptions come
back from :func:`waivers_of`. Week-level rules are waived by a waiver on any session of
that week.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from coach.engine.athlete import baseline_weekly_load, baseline_weekly_min, monday_of
from coach.engine.load import session_load
from coach.engine.models import WEEKDAYS, Plan, Profile, Session, Step, Violation, Waiver, Week
from coach.engine.rules import EventProfile, Rules
from coach.engine.workouts import is_open_water

_DAYS_PER_WEEK = 7
# The offsets of a week's days from its start (made once: a timedelta costs a call to make).
_WEEK_DAYS = tuple(dt.timedelta(days=i) for i in range(_DAYS_PER_WEEK))
# Whole-minute rounding slack on minute limits, float slack on ratios (not training rules).
_TOLERANCE_MIN = 1.0
_LOAD_TOLERANCE = 1e-6
_ENDURANCE = frozenset({"run", "ride", "swim", "brick", "other"})
_TRAINING_EXCLUDED_TYPES = frozenset({"commitment", "race"})
WAIVED_BY = "coach"


@dataclass(slots=True)
class _Finding:
    violation: Violation
    sessions: Sequence[Session] = field(default_factory=tuple)


def is_training(session: Session) -> bool:
    """A session the engine planned (not a commitment, not the race)."""
    return session.type not in _TRAINING_EXCLUDED_TYPES


def is_volume(session: Session) -> bool:
    """A session that counts towards weekly endurance volume."""
    return session.sport in _ENDURANCE and session.type not in _TRAINING_EXCLUDED_TYPES


def week_volume_min(week: Week) -> float:
    """Endurance training minutes of a week (the quantity the ramp rule limits)."""
    return float(sum(s.duration_min for s in week.sessions if is_volume(s)))


def race_intensity_factors(profile: Profile, rules: Rules) -> dict[dt.date, float]:
    """The race intensity factor of each B race (``profile.b_races``) by date: a B race is raced
    at its own event's effort (a 10K before a marathon at the 10K's IF, a 200 km brevet before
    a 600 at the 200's), so its load is reckoned at that IF; every other race session (the
    goal) at the goal event's."""
    return {b.date: rules.event(b.event).race_intensity_factor for b in profile.b_races}


def race_if_on(day: dt.date, profile: Profile, rules: Rules) -> float:
    """The race intensity factor of a race session on ``day`` (a B race's own, else the goal's)."""
    for b in profile.b_races:
        if b.date == day:
            return rules.event(b.event).race_intensity_factor
    return rules.event(profile.goal.event).race_intensity_factor


def recomputed_load(session: Session, profile: Profile, rules: Rules) -> float:
    """The session's load from its duration and type (not trusting ``session.load``)."""
    race_if = race_if_on(session.date, profile, rules) if session.type == "race" else 0.0
    return session_load(session.duration_min, session.type, session.intensity, race_if, rules)


def plan_window(plan: Plan, profile: Profile, rules: Rules) -> tuple[dt.date, dt.date]:
    """First and last day sessions may fall on."""
    if profile.goal.date is not None:
        return profile.start_date, profile.goal.date
    if plan.weeks:
        last = max(w.start for w in plan.weeks) + dt.timedelta(days=_DAYS_PER_WEEK - 1)
    else:
        last = monday_of(profile.start_date) + dt.timedelta(
            days=rules.guardrails.plan.default_weeks * _DAYS_PER_WEEK - 1
        )
    return profile.start_date, last


def week_days_in_window(week: Week, start: dt.date, end: dt.date) -> int:
    first = max(week.start, start)
    last = min(week.start + dt.timedelta(days=_DAYS_PER_WEEK - 1), end)
    return max(0, (last - first).days + 1)


class BuiltReading:
    """How the weeks the athlete's reports eased count for the weeks after them, week by week in
    date order (the validator and the fixer's load sweep read alike).

    A low week (below ``adapt.resume_fraction`` of its built volume) is read as built until the
    low weeks in a row have lost ``adapt.detrain_lost_weeks`` weeks of their built training; the
    week that reaches it, and the low weeks after it, are read as done. A week of the return
    after such a break (``Week.return_fraction``), held to its fraction of the built volume, is
    read as built again: the weeks after the return keep the plan as built."""

    def __init__(self, rules: Rules, peak_min: float) -> None:
        adapt = rules.guardrails.adapt
        self.resume_fraction = adapt.resume_fraction
        self.detrain_lost_weeks = adapt.detrain_lost_weeks
        self.lost_weeks = 0.0
        self.peak_min = peak_min
        """The biggest week before the taper, as read (the taper's reference)."""
        self._break: list[tuple[int, float, float]] = []  # weeks read as done: (position, built volume, built load)

    def returning(self, week: Week, volume_min: float) -> bool:
        """Whether ``week`` is a week of a return held to its fraction: the ramp and load-ratio
        limits leave it be (it holds less than the week as built)."""
        fraction = week.return_fraction
        built = week.built_minutes
        return fraction is not None and built is not None and volume_min <= fraction * built + _TOLERANCE_MIN

    def low(self, week: Week, volume_min: float) -> bool:
        built = week.built_minutes
        return built is not None and volume_min < self.resume_fraction * built

    def read(self, week: Week, volume_min: float) -> bool:
        """Whether ``week`` counts as built for the weeks after it; the next week's reading follows."""
        built = week.built_minutes
        if built is None:
            self.lost_weeks = 0.0
            return False
        if self.returning(week, volume_min):
            self.lost_weeks = 0.0
            return True
        low = self.low(week, volume_min)
        if low and built:
            self.lost_weeks += max(0.0, 1.0 - volume_min / built)
        elif not low:
            self.lost_weeks = 0.0
        return not (low and self.lost_weeks >= self.detrain_lost_weeks - 1e-9)

    def record(
        self, week: Week, volume_min: float, load: float, volumes: list[float], loads: list[float], *, in_taper: bool
    ) -> bool:
        """Read ``week`` (``read``) and append what it counts as for the weeks after it to
        ``volumes`` and ``loads``: its built volume and load when read as built, else its own (and
        the peak before the taper follows). The first week of a return rewrites the break's weeks
        before it as built: the return makes up for them. Returns whether the week was read as built."""
        returning = self.returning(week, volume_min)
        resumed = self.read(week, volume_min)
        built = week.built_minutes
        if returning:
            for position, built_volume, built_load in self._break:
                volumes[position], loads[position] = built_volume, built_load
                self.peak_min = max(self.peak_min, built_volume)
        if resumed and built is not None:
            self._break.clear()
            counted = max(volume_min, float(built))
            volumes.append(counted)
            loads.append(max(load, week.built_load or 0.0))
        else:
            if built is not None and self.low(week, volume_min) and not in_taper:
                self._break.append((len(volumes), float(built), max(load, week.built_load or 0.0)))
            else:
                self._break.clear()
            counted = volume_min
            volumes.append(volume_min)
            loads.append(load)
        if not in_taper:
            self.peak_min = max(self.peak_min, counted)
        return resumed and built is not None


def allowed_volume_min(reference_min: float, rules: Rules) -> float:
    """Ramp rule: the most a week may hold given the reference (highest recent) week."""
    v = rules.guardrails.volume
    return max(
        reference_min * (1 + v.ramp_max_pct / 100), reference_min + v.ramp_min_step_min, v.start_floor_min
    )


def race_weeks_out(week: Week, profile: Profile, rules: Rules) -> int | None:
    """0 for the race week, 1 for the week before, ...; ``None`` without a race."""
    event = rules.event(profile.goal.event)
    if not event.race or profile.goal.date is None:
        return None
    return (monday_of(profile.goal.date) - week.start).days // _DAYS_PER_WEEK


def _easy_seconds(
    steps: Iterable[Step], easy_zones: frozenset[str], cache: dict[int, tuple[int, int]]
) -> tuple[int, int]:
    easy = total = 0
    for step in steps:
        hit = cache.get(id(step))
        if hit is None:
            if step.kind == "repeat":
                e, t = _easy_seconds(step.steps, easy_zones, cache)
                hit = (e * step.repeat, t * step.repeat)
            else:
                seconds = step.duration_s or 0
                zone = step.target.zone if step.target is not None else None
                hit = (seconds if zone in easy_zones else 0, seconds)
            cache[id(step)] = hit
        easy += hit[0]
        total += hit[1]
    return easy, total


def easy_share(
    sessions: Iterable[Session], rules: Rules, cache: dict[int, tuple[int, int]] | None = None
) -> float | None:
    """Share of endurance time in easy zones (Seiler 80/20); ``None`` without endurance time."""
    easy_zones = frozenset(rules.guardrails.intensity.easy_zones)
    memo = cache if cache is not None else {}
    easy = total = 0
    for s in sessions:
        if not is_volume(s):
            continue
        if s.steps:
            e, t = _easy_seconds(s.steps, easy_zones, memo)
            leftover = s.duration_min * 60 - t
            if leftover > 0:
                t += leftover
                e += leftover if s.intensity == "easy" else 0
        else:
            t = s.duration_min * 60
            e = t if s.intensity == "easy" else 0
        easy += e
        total += t
    return easy / total if total else None


# --------------------------------------------------------------------------- day rules


# The per-day and per-week scratch classes below are built thousands of times per plan:
# they are plain classes with an explicit ``__init__``, which mypyc compiles (the
# ``__init__`` a dataclass generates stays interpreted; ~10 % of the build time).
class _DayTally:
    """One date's sessions and what the day rules count of them."""

    def __init__(self, sessions: list[Session]) -> None:
        self.sessions = sessions
        self.training = 0
        self.minutes = 0
        self.hard = False
        self.hard_training = False


class _WeekSums:
    """What the week rules need of one week's sessions, gathered in the day-rule pass."""

    def __init__(
        self,
        volume_min: int,
        loads: list[float],
        training_loads: list[float],
        easy_s: int,
        total_s: int,
        training_days: int,
        run_min: int,
        run_days: int,
        longs: list[Session],
    ) -> None:
        self.volume_min = volume_min
        self.loads = loads
        self.training_loads = training_loads
        self.easy_s = easy_s
        self.total_s = total_s
        self.training_days = training_days
        self.run_min = run_min
        self.run_days = run_days
        self.longs = longs


def _day_rules(
    plan: Plan, profile: Profile, rules: Rules, out: list[_Finding]
) -> tuple[set[dt.date], list[_WeekSums]]:
    """Rules on single sessions and single days, in one pass that also sums each week.

    Returns the dates that hold a race and, per week of ``plan.weeks``, its sums.
    """
    g = rules.guardrails
    cal = g.calendar
    start, end = plan_window(plan, profile, rules)
    blocked = [(b.from_, b.to) for b in profile.blocked]
    available = set(profile.availability.days)
    extra_dates = set(profile.available_dates)
    closed = {d for c in profile.closures for d in c.days}
    hard = set(g.intensity.hard_intensities)
    pool_max = cal.pool_swim_max_min
    ride_max = cal.weekday_ride_max_min
    long_ride_weekend = cal.long_ride_weekend
    weekend = cal.weekend_days
    excluded = _TRAINING_EXCLUDED_TYPES
    endurance = _ENDURANCE
    easy_zones = frozenset(g.intensity.easy_zones)
    race_if = rules.event(profile.goal.event).race_intensity_factor
    load_table = _load_table(rules, race_if)
    b_race_if = race_intensity_factors(profile, rules)
    step_cache: dict[int, tuple[int, int]] = {}
    one_day = dt.timedelta(days=1)
    span = dt.timedelta(days=_DAYS_PER_WEEK - 1)
    by_date: dict[dt.date, _DayTally] = {}
    week_of: dict[dt.date, int] = {}
    seconds_of: dict[tuple[int, ...], tuple[int, int]] = {}
    race_dates: set[dt.date] = set()
    sums: list[_WeekSums] = []
    for week in plan.weeks:
        week_start = week.start
        week_end = week_start + span
        index = week.index
        volume_min = easy = total = run_min = 0
        loads: list[float] = []
        training_loads: list[float] = []
        training_days: set[dt.date] = set()
        run_days: set[dt.date] = set()
        longs: list[Session] = []
        for s in week.sessions:
            day = s.date
            sport = s.sport
            kind = s.type
            minutes = s.duration_min
            intensity = s.intensity
            tally = by_date.get(day)
            if tally is None:
                tally = by_date[day] = _DayTally([s])
            else:
                tally.sessions.append(s)
            week_of[day] = index
            # the week's sums
            load_key = (minutes, kind, intensity)
            if b_race_if and kind == "race" and day in b_race_if:
                load = session_load(minutes, kind, intensity, b_race_if[day], rules)
            else:
                found = load_table.get(load_key)
                if found is None:
                    found = load_table[load_key] = session_load(minutes, kind, intensity, race_if, rules)
                load = found
            loads.append(load)
            trains = kind not in excluded
            if kind != "race":
                tally.minutes += minutes
            if intensity in hard:
                tally.hard = True
                if trains:
                    tally.hard_training = True
            if trains:
                tally.training += 1
                training_loads.append(load)
                training_days.add(day)
                if sport == "run":
                    run_min += minutes
                    run_days.add(day)
                if sport in endurance:
                    volume_min += minutes
                    steps = s.steps
                    if steps:
                        # Sessions of one workout share their step objects: sum each list once.
                        ids = tuple(map(id, steps))
                        seconds = seconds_of.get(ids)
                        if seconds is None:
                            seconds = seconds_of[ids] = _easy_seconds(steps, easy_zones, step_cache)
                        e, t = seconds
                        leftover = minutes * 60 - t
                        if leftover > 0:
                            t += leftover
                            e += leftover if intensity == "easy" else 0
                    else:
                        t = minutes * 60
                        e = t if intensity == "easy" else 0
                    easy += e
                    total += t
            elif kind == "race":
                race_dates.add(day)
            if kind == "long":
                longs.append(s)
            # the session's day rules
            wd = WEEKDAYS[day.weekday()]
            if not week_start <= day <= week_end:
                out.append(
                    _Finding(
                        Violation(
                            rule_id="week_structure",
                            week=index,
                            date=day,
                            message=f"{day} is not in week {index} ({week_start}–{week_end}).",
                        ),
                        (s,),
                    )
                )
            if day < start or day > end:
                out.append(
                    _Finding(
                        Violation(
                            rule_id="outside_plan_window",
                            week=index,
                            date=day,
                            message=f"{sport} {kind} on {day} is outside the plan ({start} to {end}).",
                            values={"start": start.isoformat(), "end": end.isoformat()},
                        ),
                        (s,),
                    )
                )
            if blocked and any(a <= day <= b for a, b in blocked):
                out.append(
                    _Finding(
                        Violation(
                            rule_id="blocked_date",
                            week=index,
                            date=day,
                            message=f"{sport} {kind} on {day}, a blocked date (rest).",
                        ),
                        (s,),
                    )
                )
            if trains and wd not in available and day not in extra_dates:
                out.append(
                    _Finding(
                        Violation(
                            rule_id="unavailable_day",
                            week=index,
                            date=day,
                            message=f"{sport} {kind} on {wd} {day}, not an available day.",
                        ),
                        (s,),
                    )
                )
            if sport == "swim" and kind != "race":
                if wd in closed:
                    out.append(
                        _Finding(
                            Violation(
                                rule_id="pool_closure",
                                week=index,
                                date=day,
                                message=f"Swim on {wd} {day}: the pool is closed on {wd}.",
                            ),
                            (s,),
                        )
                    )
                if minutes > pool_max and not is_open_water(s):
                    out.append(
                        _Finding(
                            Violation(
                                rule_id="pool_swim_duration",
                                week=index,
                                date=day,
                                message=f"{minutes}-minute pool swim on {day}; pool swims are limited to "
                                f"{pool_max} min.",
                                values={
                                    "duration_min": minutes,
                                    "max_min": pool_max,
                                },
                            ),
                            (s,),
                        )
                    )
            if (
                long_ride_weekend
                and (sport == "ride" or sport == "brick")
                and kind != "race"
                and minutes > ride_max
                and wd not in weekend
            ):
                out.append(
                    _Finding(
                        Violation(
                            rule_id="long_ride_weekend",
                            week=index,
                            date=day,
                            message=f"{minutes}-minute ride on {wd} {day}; rides over "
                            f"{ride_max} min go on {'/'.join(weekend)}.",
                            values={
                                "duration_min": minutes,
                                "max_min": ride_max,
                            },
                        ),
                        (s,),
                    )
                )
        sums.append(
            _WeekSums(
                volume_min,
                loads,
                training_loads,
                easy,
                total,
                len(training_days),
                run_min,
                len(run_days),
                longs,
            )
        )
    caps = profile.availability.max_minutes
    date_caps = {c.date: c.minutes for c in profile.day_caps}
    max_per_day = g.week.max_sessions_per_day
    for day in sorted(by_date):
        tally = by_date[day]
        count = tally.training
        if (caps or date_caps) and count:
            wd = WEEKDAYS[day.weekday()]
            cap = caps.get(wd)
            if day in date_caps:
                cap = date_caps[day] if cap is None else min(cap, date_caps[day])
            if cap is not None:
                minutes = tally.minutes
                if minutes > cap:
                    out.append(
                        _Finding(
                            Violation(
                                rule_id="day_minutes_cap",
                                week=week_of[day],
                                date=day,
                                message=f"{minutes} min on {wd} {day}; the cap is {cap} min.",
                                values={"minutes": minutes, "cap_min": cap},
                            ),
                            tuple(s for s in tally.sessions if s.type not in excluded),
                        )
                    )
        if count > max_per_day:
            out.append(
                _Finding(
                    Violation(
                        rule_id="sessions_per_day",
                        week=week_of[day],
                        date=day,
                        message=f"{count} sessions on {day}; at most {max_per_day}.",
                        values={"sessions": count, "max": max_per_day},
                    ),
                    tuple(s for s in tally.sessions if s.type not in excluded),
                )
            )
        if tally.hard:
            previous = by_date.get(day - one_day)
            if previous is not None and previous.hard and (tally.hard_training or previous.hard_training):
                hard_today = [s for s in tally.sessions if s.intensity in hard]
                hard_before = [s for s in previous.sessions if s.intensity in hard]
                out.append(
                    _Finding(
                        Violation(
                            rule_id="hard_after_hard",
                            week=week_of[day],
                            date=day,
                            message=f"Hard {hard_today[0].type} on {day} straight after hard {hard_before[0].type} on "
                            f"{day - one_day}.",
                        ),
                        tuple(s for s in [*hard_today, *hard_before] if s.type not in excluded),
                    )
                )
    _commitments(plan, profile, rules, by_date, start, end, out)
    return race_dates, sums


def _commitments(
    plan: Plan,
    profile: Profile,
    rules: Rules,
    by_date: dict[dt.date, _DayTally],
    start: dt.date,
    end: dt.date,
    out: list[_Finding],
) -> None:
    if not profile.commitments:
        return
    blocked = [(b.from_, b.to) for b in profile.blocked]
    race_day = profile.goal.date if rules.event(profile.goal.event).race else None
    covered = {w.start + offset for w in plan.weeks for offset in _WEEK_DAYS}
    # Only the days whose weekday has a commitment can miss one: walk those, in date order.
    week = dt.timedelta(days=_DAYS_PER_WEEK)
    candidates: list[dt.date] = []
    for weekday in {WEEKDAYS.index(c.day) for c in profile.commitments}:
        day = start + dt.timedelta(days=(weekday - start.weekday()) % _DAYS_PER_WEEK)
        while day <= end:
            candidates.append(day)
            day += week
    candidates.sort()
    for day in candidates:
        if day in covered and day != race_day and not any(a <= day <= b for a, b in blocked):
            wd = WEEKDAYS[day.weekday()]
            tally = by_date.get(day)
            sessions = tally.sessions if tally is not None else []
            have = [(s.sport, s.duration_min) for s in sessions if s.type == "commitment"]
            for c in profile.commitments:
                if c.day != wd:
                    continue
                if (c.sport, c.minutes) in have:
                    have.remove((c.sport, c.minutes))
                    continue
                week_index = next(
                    (
                        w.index
                        for w in plan.weeks
                        if w.start <= day < w.start + dt.timedelta(days=_DAYS_PER_WEEK)
                    ),
                    None,
                )
                out.append(
                    _Finding(
                        Violation(
                            rule_id="commitment_kept",
                            week=week_index,
                            date=day,
                            message=f"Commitment {c.name!r} ({c.minutes} min {c.sport}) on {wd} {day} is missing.",
                            values={"name": c.name, "minutes": c.minutes},
                        )
                    )
                )


# --------------------------------------------------------------------------- week rules


def _load_table(rules: Rules, race_intensity_factor: float) -> dict[tuple[int, str, str], float]:
    """Recomputed session loads by (minutes, type, intensity), shared by every validation under ``rules``."""
    key = ("validate.loads", race_intensity_factor)
    table: dict[tuple[int, str, str], float] | None = rules.memo.get(key)
    if table is None:
        table = rules.memo[key] = {}
    return table


def _week_rules(
    plan: Plan, profile: Profile, rules: Rules, sums: list[_WeekSums], out: list[_Finding]
) -> None:
    g = rules.guardrails
    event = rules.event(profile.goal.event)
    start, end = plan_window(plan, profile, rules)
    order = sorted(range(len(plan.weeks)), key=lambda n: plan.weeks[n].start)
    baseline = baseline_weekly_min(profile, rules)
    pre = max(g.volume.ramp_lookback_weeks, g.acwr.chronic_weeks)
    volumes: list[float] = [baseline] * pre
    loads: list[float] = [baseline_weekly_load(profile, rules)] * pre
    peak_cap = event.volume_for(profile.sport).peak_cap_weekly_min
    taper_fractions = g.taper.volume_fraction_by_weeks_out
    streak_max: float | None = None
    streak = 0
    race_monday = monday_of(profile.goal.date) if event.race and profile.goal.date is not None else None
    span = dt.timedelta(days=_DAYS_PER_WEEK - 1)
    lookback = g.volume.ramp_lookback_weeks
    chronic_weeks = g.acwr.chronic_weeks
    min_chronic_load = g.acwr.min_chronic_load
    max_ratio = g.acwr.max_ratio
    taper_weeks = event.taper_weeks
    taper_tolerance = 1 + g.taper.tolerance_pct / 100
    detect_fraction = g.cutback.detect_fraction
    every_weeks = g.cutback.every_weeks
    easy_share_min = g.week.easy_share_min
    min_rest_days = g.week.min_rest_days
    reading = BuiltReading(rules, baseline)
    for n in order:
        week = plan.weeks[n]
        week_start = week.start
        built_minutes = week.built_minutes
        week_sums = sums[n]
        sessions = week.sessions
        volume = float(week_sums.volume_min)
        load_all = sum(week_sums.loads)
        normalised = load_all
        training_load = sum(week_sums.training_loads)
        out_k = (race_monday - week_start).days // _DAYS_PER_WEEK if race_monday is not None else None
        in_taper = out_k is not None and 0 <= out_k <= taper_weeks
        is_race_week = out_k == 0
        idx = week.index
        returning = reading.returning(week, volume)  # a return after a break, held to its fraction
        # ramp_rate
        reference = max(volumes[-lookback:])
        allowed = allowed_volume_min(reference, rules)
        if volume > allowed + _TOLERANCE_MIN and not returning:
            out.append(
                _Finding(
                    Violation(
                        rule_id="ramp_rate",
                        week=idx,
                        date=week_start,
                        message=f"Week {idx} plans {volume:.0f} min, more than the {allowed:.0f} min the ramp rule allows "
                        f"after {reference:.0f} min.",
                        values={
                            "volume_min": volume,
                            "allowed_min": round(allowed, 1),
                            "reference_min": reference,
                        },
                    ),
                    sessions,
                )
            )
        # peak_cap
        if volume > peak_cap + _TOLERANCE_MIN:
            out.append(
                _Finding(
                    Violation(
                        rule_id="peak_cap",
                        week=idx,
                        date=week_start,
                        message=f"Week {idx} plans {volume:.0f} min; the {profile.goal.event} cap is {peak_cap:.0f} min.",
                        values={"volume_min": volume, "cap_min": peak_cap},
                    ),
                    sessions,
                )
            )
        # acwr
        if not is_race_week and not returning:
            window = loads[-chronic_weeks:]
            chronic = max(sum(window) / len(window), min_chronic_load)
            ratio = normalised / chronic
            # Commitments alone may exceed the ratio (the athlete's own); then any training on top does.
            if ratio > max_ratio + _LOAD_TOLERANCE and training_load > 0:
                out.append(
                    _Finding(
                        Violation(
                            rule_id="acwr",
                            week=idx,
                            date=week_start,
                            message=f"Week {idx} load {normalised:.0f} is {ratio:.2f} × the chronic load {chronic:.0f}; "
                            f"the limit is {max_ratio:g}.",
                            values={
                                "acute_load": round(normalised, 1),
                                "chronic_load": round(chronic, 1),
                                "ratio": round(ratio, 3),
                            },
                        ),
                        sessions,
                    )
                )
        # taper
        if in_taper and out_k is not None:
            fraction = taper_fractions[min(out_k, len(taper_fractions) - 1)]
            peak_ref = reading.peak_min
            limit = fraction * peak_ref * taper_tolerance
            if volume > limit + _TOLERANCE_MIN:
                out.append(
                    _Finding(
                        Violation(
                            rule_id="taper",
                            week=idx,
                            date=week_start,
                            message=f"Week {idx} ({out_k} week(s) before the race) plans {volume:.0f} min; the taper allows "
                            f"{limit:.0f} min ({fraction:.0%} of the {peak_ref:.0f}-min peak).",
                            values={
                                "volume_min": volume,
                                "allowed_min": round(limit, 1),
                                "peak_min": peak_ref,
                            },
                        ),
                        sessions,
                    )
                )
        # cutback_frequency (a week of a return holds less than built: no loading week)
        if in_taper or returning:
            streak, streak_max = 0, None
        else:
            reduced = (
                streak_max is not None
                and training_load <= detect_fraction * streak_max + _LOAD_TOLERANCE
            )
            if reduced:
                streak, streak_max = 0, None
            else:
                streak += 1
                streak_max = training_load if streak_max is None else max(streak_max, training_load)
                if streak >= every_weeks:
                    out.append(
                        _Finding(
                            Violation(
                                rule_id="cutback_frequency",
                                week=idx,
                                date=week_start,
                                message=f"Week {idx} is the {streak}th loading week in a row; a cutback week is due every "
                                f"{every_weeks} weeks.",
                                values={
                                    "streak": streak,
                                    "every_weeks": every_weeks,
                                    "load": round(training_load, 1),
                                    "reference_load": round(streak_max, 1),
                                },
                            ),
                            sessions,
                        )
                    )
        # easy_share
        total = week_sums.total_s
        share = week_sums.easy_s / total if total else None
        if share is not None and share < easy_share_min - _LOAD_TOLERANCE:
            out.append(
                _Finding(
                    Violation(
                        rule_id="easy_share",
                        week=idx,
                        date=week_start,
                        message=f"Week {idx} is {share:.0%} easy; at least {easy_share_min:.0%} should be.",
                        values={"easy_share": round(share, 3), "min_share": easy_share_min},
                    ),
                    sessions,
                )
            )
        # rest_day (full weeks only)
        if week_start >= start and week_start + span <= end:
            rest = _DAYS_PER_WEEK - week_sums.training_days
            if rest < min_rest_days:
                out.append(
                    _Finding(
                        Violation(
                            rule_id="rest_day",
                            week=idx,
                            date=week_start,
                            message=f"Week {idx} has {rest} rest day(s); at least {min_rest_days} needed.",
                            values={"rest_days": rest, "min_rest_days": min_rest_days},
                        ),
                        sessions,
                    )
                )
        # A week eased by the athlete's reports is read as built, until the low weeks in a row
        # have lost adapt.detrain_lost_weeks weeks of their built training (BuiltReading): a short
        # break (a week's trip over a weekend) does not lower the bar for the weeks after it.
        resumed = reading.record(week, volume, normalised, volumes, loads, in_taper=in_taper)
        if week_sums.longs:
            run_ref = week_sums.run_min
            if resumed and built_minutes is not None:
                run_ref += max(0, built_minutes - week_sums.volume_min)
            _long_rules(week, week_sums.longs, run_ref, week_sums.run_days, profile, rules, event, out)


def _long_rules(
    week: Week,
    longs: list[Session],
    run_total: int,
    run_days: int,
    profile: Profile,
    rules: Rules,
    event: EventProfile,
    out: list[_Finding],
) -> None:
    """Long sessions: the event's cap per sport, and the long run's share of the week's running."""
    share_max = rules.guardrails.long_run_share.max_share(run_days) if run_days else 1.0
    for s in longs:
        cap = event.long_session_max_min.get(s.sport)
        if cap is not None and s.duration_min > cap + _TOLERANCE_MIN:
            out.append(
                _Finding(
                    Violation(
                        rule_id="long_session_cap",
                        week=week.index,
                        date=s.date,
                        message=f"{s.duration_min}-minute long {s.sport} on {s.date}; the cap for a "
                        f"{profile.goal.event} is {cap:.0f} min.",
                        values={"duration_min": s.duration_min, "cap_min": cap},
                    ),
                    (s,),
                )
            )
        if s.sport == "run" and run_total and s.duration_min > share_max * run_total + _TOLERANCE_MIN:
            out.append(
                _Finding(
                    Violation(
                        rule_id="long_run_share",
                        week=week.index,
                        date=s.date,
                        message=f"Long run of {s.duration_min} min is {s.duration_min / run_total:.0%} of the week's "
                        f"{run_total} min of running; the limit with {run_days} run day(s) is {share_max:.0%}.",
                        values={
                            "duration_min": s.duration_min,
                            "run_total_min": run_total,
                            "share": round(s.duration_min / run_total, 3),
                            "max_share": share_max,
                        },
                    ),
                    (s,),
                )
            )


def _race_rule(
    plan: Plan, profile: Profile, rules: Rules, race_dates: set[dt.date], out: list[_Finding]
) -> None:
    event = rules.event(profile.goal.event)
    if not event.race or profile.goal.date is None or not plan.weeks:
        return
    race_day = profile.goal.date
    if race_day not in race_dates:
        out.append(
            _Finding(
                Violation(
                    rule_id="race_day",
                    date=race_day,
                    message=f"The race on {race_day} is missing from the plan.",
                )
            )
        )


def _findings(plan: Plan, profile: Profile, rules: Rules) -> list[_Finding]:
    out: list[_Finding] = []
    if not plan.feasible or not plan.weeks:
        return out
    race_dates, sums = _day_rules(plan, profile, rules, out)
    _week_rules(plan, profile, rules, sums, out)
    _race_rule(plan, profile, rules, race_dates, out)
    return out


def _waived(finding: _Finding) -> bool:
    rule = finding.violation.rule_id
    return any(rule in s.waived for s in finding.sessions)


def validate_plan(plan: Plan, profile: Profile, rules: Rules) -> list[Violation]:
    """Every guardrail violation in ``plan`` for ``profile`` under ``rules`` (empty = publishable)."""
    return [f.violation for f in _findings(plan, profile, rules) if not _waived(f)]


def check_plan(plan: Plan, profile: Profile, rules: Rules) -> tuple[list[Violation], list[Waiver]]:
    """Violations and coach waivers in one pass (what ``Plan.validation`` records)."""
    findings = _findings(plan, profile, rules)
    violations = [f.violation for f in findings if not _waived(f)]
    return violations, _waivers([f for f in findings if _waived(f)])


def waivers_of(plan: Plan, profile: Profile, rules: Rules) -> list[Waiver]:
    """The rule breaches a coach override (``Session.waived``) exempts, for ``Plan.validation.waivers``."""
    return _waivers([f for f in _findings(plan, profile, rules) if _waived(f)])


def _waivers(findings: list[_Finding]) -> list[Waiver]:
    waivers: list[Waiver] = []
    seen: set[tuple[str, int | None, dt.date | None]] = set()
    for f in findings:
        v = f.violation
        key = (v.rule_id, v.week, v.date)
        if key in seen:
            continue
        seen.add(key)
        waivers.append(Waiver(rule_id=v.rule_id, week=v.week, date=v.date, by=WAIVED_BY, reason=v.message))
    return waivers
