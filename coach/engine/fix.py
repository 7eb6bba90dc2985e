"""Auto-fix: repair guardrail violations by moving, shortening, converting, dropping or adding.

Seed 001: "If that fails, auto-fixes are applied (moving workouts, capping durations)".
Seed 003 5.2: "If plan violates rules → auto-correct". Every change is recorded as a
:class:`~coach.engine.models.Fix` so the athlete (and the coach) can see what was changed and
why. Fixes only ever make a plan lighter or move sessions to allowed days, so repeated passes
converge; the volume and load rules are repaired in one chronological sweep so that
shortening week *k* is taken into account before week *k + 1* is judged.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Literal

from coach.engine.athlete import (
    Anchors,
    anchors_of,
    baseline_weekly_load,
    baseline_weekly_min,
)
from coach.engine.models import (
    WEEKDAYS,
    Fix,
    Plan,
    Profile,
    Session,
    Validation,
    Violation,
)
from coach.engine.rules import Rules
from coach.engine.validate import (
    BuiltReading,
    allowed_volume_min,
    check_plan,
    is_training,
    is_volume,
    plan_window,
    race_if_on,
    race_weeks_out,
    recomputed_load,
)
from coach.engine.workouts import (
    GOAL_PACE_LABEL,
    SessionSpec,
    converted,
    make_session,
    moved,
    race_minutes,
    race_spec,
    resized,
    with_sessions,
)

_DAYS_PER_WEEK = 7
FixAction = Literal["move", "shorten", "drop", "convert", "add"]
# Scale a little below a limit so whole-minute rounding cannot leave the week just above it.
_SAFETY = 0.98
_LOAD_RULES = frozenset({"ramp_rate", "peak_cap", "taper", "acwr", "cutback_frequency"})


def _has_fast_steps(session: Session) -> bool:
    """Whether an easy or long run holds faster steps (strides, a race-pace finish)."""
    return any(step.kind == "repeat" or step.label == GOAL_PACE_LABEL for step in session.steps)


class _Work:
    """A mutable copy of the plan's weeks with the helpers fixes need."""

    def __init__(
        self, plan: Plan, profile: Profile, rules: Rules, editable: tuple[dt.date, dt.date] | None = None
    ) -> None:
        self.plan = plan
        self.editable = editable
        self.profile = profile
        self.rules = rules
        self.anchors: Anchors = anchors_of(profile, rules)
        self.race_if = rules.event(profile.goal.event).race_intensity_factor
        self.weeks: list[list[Session]] = [list(w.sessions) for w in plan.weeks]
        self.fixes: list[Fix] = []
        self.start, self.end = plan_window(plan, profile, rules)
        self.blocked = [(b.from_, b.to) for b in profile.blocked]

    # -- lookup ---------------------------------------------------------------------
    def week_pos(self, index: int | None, day: dt.date | None) -> int | None:
        for pos, week in enumerate(self.plan.weeks):
            if index is not None and week.index == index:
                return pos
            if (
                index is None
                and day is not None
                and week.start <= day < week.start + dt.timedelta(days=_DAYS_PER_WEEK)
            ):
                return pos
        return None

    def on(self, day: dt.date) -> list[Session]:
        return [s for week in self.weeks for s in week if s.date == day]

    def record(self, rule: str, action: FixAction, pos: int | None, day: dt.date | None, detail: str) -> None:
        week = self.plan.weeks[pos].index if pos is not None else None
        self.fixes.append(Fix(rule_id=rule, action=action, week=week, date=day, detail=detail))

    def can_edit(self, day: dt.date) -> bool:
        return self.editable is None or self.editable[0] <= day <= self.editable[1]

    def replace(self, pos: int, old: Session, new: Session | None) -> None:
        if not self.can_edit(old.date) or (new is not None and not self.can_edit(new.date)):
            return
        sessions = self.weeks[pos]
        for n, s in enumerate(sessions):
            if s is old:
                if new is None:
                    del sessions[n]
                else:
                    sessions[n] = new
                return

    # -- day suitability ------------------------------------------------------------
    def is_blocked(self, day: dt.date) -> bool:
        return any(a <= day <= b for a, b in self.blocked)

    def free_day(self, pos: int, session: Session, avoid: dt.date | None = None) -> dt.date | None:
        """A day of the same week where ``session`` breaks no day rule, or ``None``."""
        g = self.rules.guardrails
        week_start = self.plan.weeks[pos].start
        closed = {d for c in self.profile.closures for d in c.days}
        hard = set(g.intensity.hard_intensities)
        race_day = self.profile.goal.date if self.rules.event(self.profile.goal.event).race else None
        training_days = {s.date for s in self.weeks[pos] if is_training(s) and s is not session}
        for offset in range(_DAYS_PER_WEEK):
            day = week_start + dt.timedelta(days=offset)
            wd = WEEKDAYS[day.weekday()]
            if day in (avoid, race_day) or day < self.start or day > self.end or self.is_blocked(day):
                continue
            if not self.can_edit(day):
                continue
            if wd not in self.profile.availability.days and day not in self.profile.available_dates:
                continue
            here = [s for s in self.on(day) if s is not session]
            if any(is_training(s) for s in here):
                continue
            if len(training_days | {day}) > _DAYS_PER_WEEK - g.week.min_rest_days:
                continue
            cap = self.profile.availability.max_minutes.get(wd)
            for one_off in self.profile.day_caps:
                if one_off.date == day:
                    cap = one_off.minutes if cap is None else min(cap, one_off.minutes)
            if cap is not None and sum(s.duration_min for s in here) + session.duration_min > cap:
                continue
            if session.sport == "swim" and wd in closed:
                continue
            if (
                session.sport in ("ride", "brick")
                and g.calendar.long_ride_weekend
                and session.duration_min > g.calendar.weekday_ride_max_min
                and wd not in g.calendar.weekend_days
            ):
                continue
            if session.intensity in hard:
                neighbours = self.on(day - dt.timedelta(days=1)) + self.on(day + dt.timedelta(days=1)) + here
                if any(s.intensity in hard and s is not session for s in neighbours):
                    continue
            return day
        return None

    # -- edits ----------------------------------------------------------------------
    def shorten(self, pos: int, session: Session, minutes: int, rule: str, why: str) -> None:
        if not self.can_edit(session.date):
            return
        floor = self.rules.guardrails.week.min_session_min
        if minutes < floor or minutes <= 0:
            self.replace(pos, session, None)
            self.record(rule, "drop", pos, session.date, f"dropped {session.sport} {session.type} ({why})")
            return
        race_if = (
            race_if_on(session.date, self.profile, self.rules) if session.type == "race" else self.race_if
        )
        new = resized(session, minutes, self.anchors, self.rules, race_if)
        if new.duration_min > minutes and session.sport == "strength":
            self.replace(pos, session, None)
            self.record(rule, "drop", pos, session.date, f"dropped {session.sport} session ({why})")
            return
        self.replace(pos, session, new)
        self.record(
            rule,
            "shorten",
            pos,
            session.date,
            f"{session.sport} {session.type} {session.duration_min} -> {new.duration_min} min ({why})",
        )

    def scale_week(
        self, pos: int, factor: float, rule: str, why: str, include: Callable[[Session], bool]
    ) -> None:
        chosen = [s for s in self.weeks[pos] if include(s) and self.can_edit(s.date)]
        for s in sorted(chosen, key=lambda s: (s.date, s.sport, s.type)):
            self.shorten(pos, s, math.floor(s.duration_min * factor), rule, why)

    def result(self) -> Plan:
        sport = self.plan.meta.sport
        weeks = [
            with_sessions(week, sessions, sport)
            for week, sessions in zip(self.plan.weeks, self.weeks, strict=True)
        ]
        return self.plan.model_copy(update={"weeks": weeks})


# --------------------------------------------------------------------------- day fixes


def _find(work: _Work, pos: int, day: dt.date | None, predicate: Callable[[Session], bool]) -> list[Session]:
    return [
        s
        for s in work.weeks[pos]
        if (day is None or s.date == day) and work.can_edit(s.date) and predicate(s)
    ]


def _move_or_drop(work: _Work, pos: int, session: Session, rule: str, why: str) -> None:
    if not work.can_edit(session.date):
        return
    if session.type == "commitment":
        work.replace(pos, session, None)
        work.record(rule, "drop", pos, session.date, f"dropped commitment on {session.date} ({why})")
        return
    target = work.free_day(pos, session, avoid=session.date)
    if target is not None:
        work.replace(pos, session, moved(session, target))
        work.record(
            rule,
            "move",
            pos,
            session.date,
            f"moved {session.sport} {session.type} {session.date} -> {target} ({why})",
        )
        return
    work.replace(pos, session, None)
    work.record(
        rule, "drop", pos, session.date, f"dropped {session.sport} {session.type} on {session.date} ({why})"
    )


def _fix_day(work: _Work, v: Violation) -> None:
    g = work.rules.guardrails
    pos = work.week_pos(v.week, v.date)
    if pos is None or v.date is None:
        return
    rule = v.rule_id
    if rule in ("week_structure", "outside_plan_window", "blocked_date", "unavailable_day", "pool_closure"):
        predicate: Callable[[Session], bool]
        if rule == "unavailable_day":
            predicate = is_training
        elif rule == "pool_closure":
            predicate = lambda s: s.sport == "swim"  # noqa: E731
        else:
            predicate = lambda s: True  # noqa: E731
        for s in _find(work, pos, v.date, predicate):
            if rule in ("outside_plan_window", "week_structure") and s.type == "race":
                work.replace(pos, s, None)
                work.record(rule, "drop", pos, s.date, "removed a race outside the plan")
                continue
            _move_or_drop(work, pos, s, rule, v.message)
    elif rule == "pool_swim_duration":
        for s in _find(
            work, pos, v.date, lambda s: s.sport == "swim" and s.duration_min > g.calendar.pool_swim_max_min
        ):
            work.shorten(pos, s, g.calendar.pool_swim_max_min, rule, "pool limit")
    elif rule == "long_ride_weekend":
        for s in _find(
            work,
            pos,
            v.date,
            lambda s: s.sport in ("ride", "brick") and s.duration_min > g.calendar.weekday_ride_max_min,
        ):
            target = work.free_day(pos, s, avoid=s.date)
            if target is not None and WEEKDAYS[target.weekday()] in g.calendar.weekend_days:
                work.replace(pos, s, moved(s, target))
                work.record(rule, "move", pos, s.date, f"moved long ride {s.date} -> {target}")
            else:
                work.shorten(pos, s, g.calendar.weekday_ride_max_min, rule, "weekday ride limit")
    elif rule == "day_minutes_cap":
        cap = int(v.values.get("cap_min") or 0)
        sessions = work.on(v.date)
        excess = sum(s.duration_min for s in sessions if s.type != "race") - cap
        for s in sorted(_find(work, pos, v.date, is_training), key=lambda s: -s.duration_min):
            if excess <= 0:
                break
            cut = min(excess, s.duration_min)
            excess -= cut
            work.shorten(pos, s, s.duration_min - cut, rule, f"day cap {cap} min")
    elif rule == "sessions_per_day":
        extra = _find(work, pos, v.date, is_training)
        extra.sort(key=lambda s: (s.key, s.duration_min))
        for s in extra[: max(0, len(extra) - g.week.max_sessions_per_day)]:
            _move_or_drop(work, pos, s, rule, "too many sessions that day")
    elif rule == "hard_after_hard":
        hard = set(g.intensity.hard_intensities)
        today = _find(
            work, pos, v.date, lambda s: is_training(s) and s.intensity in hard and s.type != "race"
        )
        if not today:
            prev_pos = work.week_pos(None, v.date - dt.timedelta(days=1))
            if prev_pos is None:
                return
            today = _find(
                work,
                prev_pos,
                v.date - dt.timedelta(days=1),
                lambda s: is_training(s) and s.intensity in hard and s.type != "race",
            )
            pos = prev_pos
        for s in today:
            new = converted(s, s.sport, "easy", work.anchors, work.rules)
            work.replace(pos, s, new)
            work.record(
                rule,
                "convert",
                pos,
                s.date,
                f"{s.sport} {s.type} on {s.date} made easy (hard day before or after)",
            )
    elif rule in ("long_session_cap", "long_run_share"):
        for s in _find(work, pos, v.date, lambda s: s.type == "long"):
            if rule == "long_session_cap":
                cap_min = float(v.values.get("cap_min") or s.duration_min)
                if s.duration_min > cap_min:
                    work.shorten(pos, s, int(cap_min), rule, f"cap {cap_min:.0f} min")
            elif s.sport == "run":
                share = float(v.values.get("max_share") or 1.0)
                total = float(v.values.get("run_total_min") or s.duration_min)
                others = total - s.duration_min
                allowed = int(share * others / (1 - share)) if share < 1 else s.duration_min
                work.shorten(pos, s, allowed, rule, f"long run ≤ {share:.0%} of the week's running")


def _fix_week(work: _Work, v: Violation) -> None:
    pos = work.week_pos(v.week, v.date)
    if pos is None:
        return
    rule = v.rule_id
    if rule == "rest_day":
        days: dict[dt.date, list[Session]] = {}
        for s in work.weeks[pos]:
            if is_training(s):
                days.setdefault(s.date, []).append(s)
        lightest = min(
            days.items(),
            key=lambda kv: (any(s.key for s in kv[1]), sum(s.duration_min for s in kv[1]), kv[0]),
        )
        for s in lightest[1]:
            work.replace(pos, s, None)
            work.record(
                rule, "drop", pos, s.date, f"dropped {s.sport} {s.type} on {s.date} to keep a rest day"
            )
    elif rule == "easy_share":
        hard = sorted(
            _find(work, pos, None, lambda s: is_volume(s) and s.type in ("tempo", "threshold", "intervals")),
            key=lambda s: (-s.duration_min, s.date),
        )
        extras = [
            s
            for s in _find(work, pos, None, lambda s: is_volume(s) and s.type in ("easy", "long"))
            if _has_fast_steps(s)
        ]
        if hard:
            s = hard[0]
            work.replace(pos, s, converted(s, s.sport, "easy", work.anchors, work.rules))
            work.record(
                rule, "convert", pos, s.date, f"{s.type} on {s.date} made easy to keep the week mostly easy"
            )
        elif extras:
            # Strides or a race-pace finish: the run stays, all of it easy.
            for s in extras:
                work.replace(pos, s, converted(s, s.sport, s.type, work.anchors, work.rules))
                work.record(rule, "convert", pos, s.date, f"{s.type} run on {s.date} kept all easy")
        else:
            for s in _find(
                work, pos, None, lambda s: is_volume(s) and s.intensity != "easy" and s.type != "long"
            ):
                work.replace(
                    pos,
                    s,
                    converted(s, s.sport if s.sport != "brick" else "ride", "easy", work.anchors, work.rules),
                )
                work.record(rule, "convert", pos, s.date, f"{s.type} on {s.date} made easy")
    elif rule == "commitment_kept" and v.date is not None and work.can_edit(v.date):
        wd = WEEKDAYS[v.date.weekday()]
        have = [(s.sport, s.duration_min) for s in work.on(v.date) if s.type == "commitment"]
        for c in work.profile.commitments:
            if c.day != wd:
                continue
            if (c.sport, c.minutes) in have:
                have.remove((c.sport, c.minutes))
                continue
            spec = SessionSpec(
                sport=c.sport, type="commitment", duration_min=c.minutes, name=c.name, intensity=c.intensity
            )
            work.weeks[pos].append(make_session(v.date, spec, work.anchors, work.rules))
            work.record(rule, "add", pos, v.date, f"put back commitment {c.name!r} on {v.date}")
    elif rule == "race_day" and v.date is not None and work.can_edit(v.date):
        event = work.rules.event(work.profile.goal.event)
        spec = race_spec(event, race_minutes(work.profile, event, work.anchors, work.rules))
        for s in work.on(v.date):
            p = work.week_pos(None, v.date)
            if p is not None and is_training(s):
                work.replace(p, s, None)
        pos_race = work.week_pos(None, v.date)
        if pos_race is not None:
            work.weeks[pos_race].append(make_session(v.date, spec, work.anchors, work.rules))
            work.record(rule, "add", pos_race, v.date, "put the race back on race day")


# --------------------------------------------------------------------------- load sweep


def _load_sweep(work: _Work) -> None:
    """Chronological pass enforcing ramp, peak cap, taper, ACWR and cutbacks on the working weeks."""
    rules, profile = work.rules, work.profile
    g = rules.guardrails
    event = rules.event(profile.goal.event)
    baseline = baseline_weekly_min(profile, rules)
    pre = max(g.volume.ramp_lookback_weeks, g.acwr.chronic_weeks)
    volumes = [baseline] * pre
    loads = [baseline_weekly_load(profile, rules)] * pre
    cap = event.volume_for(profile.sport).peak_cap_weekly_min
    streak, streak_max = 0, None
    reading = BuiltReading(rules, baseline)  # eased weeks and returns after a break read as the validator reads them
    order = sorted(range(len(work.plan.weeks)), key=lambda p: work.plan.weeks[p].start)
    for pos in order:
        week = work.plan.weeks[pos]
        out_k = race_weeks_out(week, profile, rules)
        in_taper = out_k is not None and 0 <= out_k <= event.taper_weeks
        waived = {w for s in work.weeks[pos] for w in s.waived}

        def vol(sessions: list[Session] = work.weeks[pos]) -> float:
            return float(sum(s.duration_min for s in sessions if is_volume(s)))

        returning = reading.returning(week, vol())
        limit = allowed_volume_min(max(volumes[-g.volume.ramp_lookback_weeks :]), rules)
        if "ramp_rate" not in waived and vol() > limit + 1 and not returning:
            work.scale_week(
                pos, limit * _SAFETY / vol(), "ramp_rate", f"ramp limit {limit:.0f} min", is_volume
            )
        if "peak_cap" not in waived and vol() > cap + 1:
            work.scale_week(pos, cap * _SAFETY / vol(), "peak_cap", f"peak cap {cap:.0f} min", is_volume)
        if in_taper and out_k is not None and "taper" not in waived:
            fractions = g.taper.volume_fraction_by_weeks_out
            taper_limit = (
                fractions[min(out_k, len(fractions) - 1)] * reading.peak_min * (1 + g.taper.tolerance_pct / 100)
            )
            if vol() > taper_limit + 1:
                work.scale_week(
                    pos, taper_limit * _SAFETY / vol(), "taper", f"taper {taper_limit:.0f} min", is_volume
                )

        def load_of(training_only: bool = False, sessions: list[Session] = work.weeks[pos]) -> float:
            return sum(
                recomputed_load(s, profile, rules) for s in sessions if not training_only or is_training(s)
            )

        if out_k != 0 and "acwr" not in waived and not returning:
            window = loads[-g.acwr.chronic_weeks :]
            chronic = max(sum(window) / len(window), g.acwr.min_chronic_load)
            acute = load_of()
            if acute > g.acwr.max_ratio * chronic:
                fixed = acute - load_of(True)
                room = g.acwr.max_ratio * chronic * _SAFETY - fixed
                training = load_of(True)
                factor = max(0.0, room / training) if training else 0.0
                work.scale_week(pos, factor, "acwr", f"acute:chronic ≤ {g.acwr.max_ratio:g}", is_training)
        if in_taper or returning:
            streak, streak_max = 0, None
        else:
            training_load = load_of(True)
            if streak_max is not None and training_load <= g.cutback.detect_fraction * streak_max:
                streak, streak_max = 0, None
            elif (
                streak + 1 >= g.cutback.every_weeks
                and streak_max is not None
                and "cutback_frequency" not in waived
            ):
                factor = g.cutback.volume_fraction * streak_max / training_load if training_load else 0.0
                work.scale_week(pos, min(1.0, factor), "cutback_frequency", "cutback week due", is_training)
                streak, streak_max = 0, None
            else:
                streak += 1
                streak_max = training_load if streak_max is None else max(streak_max, training_load)
        reading.record(week, vol(), load_of(), volumes, loads, in_taper=in_taper)


def _fix_once(
    plan: Plan,
    profile: Profile,
    rules: Rules,
    violations: list[Violation],
    editable: tuple[dt.date, dt.date] | None,
) -> tuple[Plan, list[Fix]]:
    work = _Work(plan, profile, rules, editable)
    day_first = sorted(
        violations, key=lambda v: (v.rule_id in _LOAD_RULES, v.week or 0, str(v.date), v.rule_id)
    )
    for v in day_first:
        if v.rule_id in _LOAD_RULES:
            continue
        if v.rule_id in ("rest_day", "easy_share", "commitment_kept", "race_day"):
            _fix_week(work, v)
        else:
            _fix_day(work, v)
    interim = work.result()
    work2 = _Work(interim, profile, rules, editable)
    work2.fixes = work.fixes
    if any(v.rule_id in _LOAD_RULES for v in violations) or work.fixes:
        _load_sweep(work2)
    return work2.result(), work2.fixes


def fix_plan(
    plan: Plan, profile: Profile, rules: Rules, *, editable: tuple[dt.date, dt.date] | None = None
) -> Plan:
    """Repair ``plan`` until it passes ``validate_plan`` or no fix helps; record every Fix.

    ``editable`` limits repairs to sessions dated inside ``(first, last)`` (adaptation only
    re-plans the next 1–2 weeks; the past never changes). The returned plan's ``validation``
    holds the remaining violations (empty when repaired), the fixes (earlier ones kept) and
    the coach waivers in force.
    """
    fixes = list(plan.validation.fixes)
    violations, waivers = check_plan(plan, profile, rules)
    passes = 0
    while violations and passes < rules.guardrails.plan.max_fix_passes:
        plan, new = _fix_once(plan, profile, rules, violations, editable)
        passes += 1
        fixes.extend(new)
        violations, waivers = check_plan(plan, profile, rules)
        if not new:
            break
    validation = Validation(violations=violations, fixes=fixes, waivers=waivers)
    return plan.model_copy(update={"validation": validation})
