"""Adaptation: re-plan the next 1–2 weeks when life happens, never the past.

Seed 003 (5.5): "adjust next 1–2 weeks (not entire plan)", inputs "missed workouts, fatigue,
injuries/illness, schedule changes"; (4) "I'm injured/tired", "I can only run 3 days next
week". The window runs from ``today`` to the end of the week after today's week
(``adapt.window_weeks`` in guardrails.yaml). Sessions before ``today`` never change. Sessions
within ``adapt.keep_hours`` of today stay unless the event requires it (illness, injury,
unavailability) or the athlete asked (``athlete_asked``).

Each event is applied as a small, explainable edit; then the window is validated against
the (possibly updated) profile and repaired with :func:`~coach.engine.fix.fix_plan`
restricted to the window. Every difference becomes a :class:`Change` with the reason.
Violations outside the window (e.g. a later week's load after an illness) stay listed in
``plan.validation.violations`` and are handled by the next weekly adaptation.

Policies (sources):

* missed / partial below ``partial_missed_below``: missed work is not made up (Daniels'
  Running Formula: never cram missed mileage); a missed *key* session replaces the next
  easy session of the same sport in the window when no hard day is next to it.
* fatigue (severity 1–3, or a readiness score mapped by ``readiness_severity_below``): today
  first, then the next day(s) as ``fatigue_day_fractions[severity]`` lists, hard sessions
  become easy and keep that share of their time (0: rest) (Meeusen et al. 2013, overtraining
  consensus: reduce load when recovery is poor). Later days are not touched.
* skip: the athlete drops the session(s) of one date; nothing is made up.
* day cap: one date holds at most N minutes; the session there is shortened (or dropped when
  less than the shortest session is left).

What the athlete reports or asks changes today too; the ``keep_hours`` freeze only holds back
the coach's own knock-on changes (rescheduling, repairs). A week eased this way remembers its
built volume (``Week.built_minutes``), so the weeks after it keep their progression.
* illness: no training while ill; then as many days again of easy-only training at
  ``illness_return_fractions`` (first half, second half) of the planned duration
  (Eichner 1993 "neck check"; graded return).
* injury: today's session of an avoided sport is rest (the day it hurts); later ones become easy
  sessions of another sport the athlete trains (run -> ride -> swim); "impact" avoids running; "intervals" makes hard sessions
  easy; "downhill" turns long runs into easy flat runs.
* unavailable: sessions in the range move to a free day in the window, key sessions first,
  or are dropped.
* a break that costs fitness (low weeks that together lost ``detrain_lost_weeks`` of their built
  training: about two weeks away, ill or missed): a return period follows, as many weeks as the
  break lost, at ``break_return_fractions`` of each week's built volume (the first part easy
  only), then the plan as built (Daniels' Running Formula, 3rd ed., ch. 9: after 6-28 days off,
  half the return at 50 % of the former load, half at 75 %). The return's weeks may lie past the
  window: they follow from the break, and are marked ``Week.return_fraction`` so the limits read
  them as built and the rest of the season stands.
* long day / available days: the profile changes; long sessions move to the new long day,
  sessions on days no longer available move to free days or are dropped.
* days per week ("I can only run 3 days next week", seed 003): in each week of the window
  the lightest non-key days become rest days until the count fits.
* weekday cap ("from now on Thursdays can't go past 50 min"): the profile's per-weekday limit
  (``availability.max_minutes``, which every later build keeps) and every coming session on that
  weekday, to the end of the plan, shortened to it (its type kept; rest when less than the
  shortest session is left). A capped long day keeps the long session, shortened, and the
  summary says another day could hold it: moving the long day is the athlete's call. A cap
  lifted rebuilds the weeks after the window, as a change of days does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from coach.engine.athlete import Anchors, anchors_of, monday_of
from coach.engine.errors import AdaptError, ProfileError
from coach.engine.fix import fix_plan
from coach.engine.models import (
    WEEKDAYS,
    Blocked,
    DayCap,
    Plan,
    Profile,
    Session,
    SessionSport,
    Validation,
    Violation,
    Waiver,
    Week,
    Weekday,
)
from coach.engine.rules import Rules
from coach.engine.validate import BuiltReading, check_plan, is_training, is_volume, week_volume_min
from coach.engine.workouts import (
    KEY_TYPES,
    QUALITY_TYPES,
    converted,
    moved,
    resized,
    session_order,
    with_sessions,
)

_DAYS_PER_WEEK = 7
_HOURS_PER_DAY = 24
AvoidKind = Literal["run", "ride", "swim", "strength", "impact", "intervals", "downhill"]
_CROSS_TRAINING: tuple[SessionSport, ...] = ("ride", "swim", "run")


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    athlete_asked: bool = Field(
        False, description="The athlete asked for this change, so the next 48 h may change too."
    )


class Missed(_Event):
    kind: Literal["missed"] = "missed"
    date: dt.date


class Partial(_Event):
    kind: Literal["partial"] = "partial"
    date: dt.date
    fraction: float = Field(ge=0, le=1, description="Share of the planned session that was done.")


class Fatigue(_Event):
    kind: Literal["fatigue"] = "fatigue"
    severity: int | None = Field(None, ge=1, le=3)
    readiness: float | None = Field(
        None, ge=0, le=100, description="Readiness score 0–100 (lower = more tired)."
    )
    date: dt.date | None = Field(None, description="The first day to ease (default today).")

    @model_validator(mode="after")
    def _one(self) -> Fatigue:
        if self.severity is None and self.readiness is None:
            raise ValueError("give severity (1–3) or readiness (0–100)")
        return self


class Illness(_Event):
    kind: Literal["illness"] = "illness"
    from_: dt.date = Field(alias="from")
    days: int = Field(ge=1, le=28)
    above_neck_only: bool = Field(
        False, description="Symptoms above the neck only (head cold, sore throat): easy and shorter, not rest."
    )


class Injury(_Event):
    kind: Literal["injury"] = "injury"
    body_part: str
    avoid: list[AvoidKind] = Field(min_length=1)
    from_: dt.date | None = Field(None, alias="from")
    days: int = Field(7, ge=1, le=28)


class Unavailable(_Event):
    kind: Literal["unavailable"] = "unavailable"
    from_: dt.date = Field(alias="from")
    to: dt.date
    reason: str = "unavailable"

    @model_validator(mode="after")
    def _ordered(self) -> Unavailable:
        if self.to < self.from_:
            raise ValueError("'to' is before 'from'")
        return self


class LongDayChange(_Event):
    kind: Literal["long_day"] = "long_day"
    long_day: Weekday


class DaysChange(_Event):
    kind: Literal["days"] = "days"
    days: list[Weekday] = Field(min_length=1, max_length=7, description="The new available days.")
    long_day: Weekday | None = None


class Skip(_Event):
    """The athlete drops the session(s) of one date ("can I skip today's run?")."""

    kind: Literal["skip"] = "skip"
    date: dt.date
    reason: str = "skipped on request"


class DayCapEvent(_Event):
    """Only ``minutes`` of training on one date ("I've only got 25 minutes on Friday")."""

    kind: Literal["day_cap"] = "day_cap"
    date: dt.date
    minutes: int = Field(ge=1, le=1440)


class WeekdayCapEvent(_Event):
    """At most ``minutes`` of training on each of ``days`` from now on; ``None`` lifts the cap."""

    kind: Literal["weekday_cap"] = "weekday_cap"
    days: list[Weekday] = Field(min_length=1, max_length=7)
    minutes: int | None = Field(None, ge=1, le=1440)


class DaysPerWeek(_Event):
    """ "I can only train N days next week": the lightest, least important days go first."""

    kind: Literal["days_per_week"] = "days_per_week"
    days_per_week: int = Field(ge=1, le=7)


AdaptEvent = Annotated[
    Missed | Partial | Fatigue | Illness | Injury | Unavailable | LongDayChange | DaysChange | DaysPerWeek | Skip
    | DayCapEvent | WeekdayCapEvent,
    Field(discriminator="kind"),
]


class Change(BaseModel):
    """One session changed, added or removed, with the reason and the rules involved."""

    model_config = ConfigDict(extra="forbid")

    date: dt.date
    before: Session | None = None
    after: Session | None = None
    reason: str
    rule_ids: list[str] = Field(default_factory=list)
    values: dict[str, float | int | str | None] = Field(default_factory=dict)


class Adaptation(BaseModel):
    """The adapted plan, what changed and why, and the profile it was checked against."""

    model_config = ConfigDict(extra="forbid")

    plan: Plan
    profile: Profile
    changes: list[Change] = Field(default_factory=list)
    summary: str
    accepted: bool = True
    refused_reason: str | None = None


# --------------------------------------------------------------------------- working copy


class _Edit:
    def __init__(self, plan: Plan, profile: Profile, rules: Rules, today: dt.date) -> None:
        self.plan = plan
        self.profile = profile
        self.rules = rules
        self.today = today
        g = rules.guardrails.adapt
        self.window_end = monday_of(today) + dt.timedelta(days=g.window_weeks * _DAYS_PER_WEEK - 1)
        self.keep_until = today + dt.timedelta(days=g.keep_hours // _HOURS_PER_DAY)
        self.sessions: list[Session] = [s for w in plan.weeks for s in w.sessions]
        self.reasons: dict[dt.date, list[str]] = {}
        self.rule_ids: dict[dt.date, list[str]] = {}
        self.anchors: Anchors = anchors_of(profile, rules)
        self.forced = False
        self.required_from: dt.date | None = None
        self.rebuilt_from: dt.date | None = None

    def require(self, day: dt.date) -> None:
        """An event that requires changes from ``day`` on (illness, injury, unavailability)."""
        day = max(day, self.today)
        self.required_from = day if self.required_from is None else min(self.required_from, day)

    def in_window(self, day: dt.date) -> bool:
        return self.today <= day <= self.window_end

    def editable(self, day: dt.date, force: bool) -> bool:
        if not self.in_window(day):
            return False
        return force or day >= self.keep_until

    def note(self, day: dt.date, reason: str, rule: str) -> None:
        self.reasons.setdefault(day, []).append(reason)
        self.rule_ids.setdefault(day, []).append(rule)

    def swap(self, old: Session, new: Session | None) -> None:
        for n, s in enumerate(self.sessions):
            if s is old:
                if new is None:
                    del self.sessions[n]
                else:
                    self.sessions[n] = new
                return

    def on(self, day: dt.date) -> list[Session]:
        return [s for s in self.sessions if s.date == day]

    def free_day(self, session: Session, after: dt.date, force: bool, avoid: set[dt.date]) -> dt.date | None:
        """A later day in the window, available and without training or a hard neighbour."""
        hard = set(self.rules.guardrails.intensity.hard_intensities)
        blocked = [(b.from_, b.to) for b in self.profile.blocked]
        race_day = self.profile.goal.date if self.rules.event(self.profile.goal.event).race else None
        day = after
        while day <= self.window_end:
            wd = WEEKDAYS[day.weekday()]
            ok = (
                self.editable(day, force)
                and day not in avoid
                and day != race_day
                and wd in self.profile.availability.days
                and not any(a <= day <= b for a, b in blocked)
                and not any(is_training(s) for s in self.on(day))
            )
            if ok and session.intensity in hard:
                near = (
                    self.on(day - dt.timedelta(days=1)) + self.on(day + dt.timedelta(days=1)) + self.on(day)
                )
                ok = not any(s.intensity in hard for s in near)
            if ok:
                return day
            day += dt.timedelta(days=1)
        return None


def _severity(event: Fatigue, rules: Rules) -> int:
    if event.severity is not None:
        return event.severity
    assert event.readiness is not None
    thresholds = rules.guardrails.adapt.readiness_severity_below
    for severity in sorted(thresholds, reverse=True):
        if event.readiness < thresholds[severity]:
            return severity
    return 0


def _each(
    edit: _Edit, first: dt.date, last: dt.date, force: bool, predicate: Callable[[Session], bool]
) -> list[Session]:
    return [
        s
        for s in sorted(edit.sessions, key=lambda s: (s.date, s.sport, s.type))
        if first <= s.date <= last and edit.editable(s.date, force) and s.status == "planned" and predicate(s)
    ]  # a session already reported (done, partial, missed) is history, whatever its date


# --------------------------------------------------------------------------- events


def _missed(edit: _Edit, day: dt.date, why: str) -> None:
    missed = [s for s in edit.on(day) if is_training(s) and s.type in KEY_TYPES and s.type != "race"]
    if not missed:
        edit.note(edit.today, f"{why} on {day}: not made up (missed easy work is simply dropped)", "missed")
        return
    key = missed[0]
    hard = set(edit.rules.guardrails.intensity.hard_intensities)
    last = min(edit.window_end, day + dt.timedelta(days=_DAYS_PER_WEEK))
    for s in _each(
        edit, edit.today, last, _force(edit, False), lambda s: s.sport == key.sport and s.type == "easy"
    ):
        near = edit.on(s.date - dt.timedelta(days=1)) + edit.on(s.date + dt.timedelta(days=1))
        if any(n.intensity in hard or n.type in KEY_TYPES for n in near):
            continue
        week_start = monday_of(s.date)
        same_week = [
            x
            for x in edit.sessions
            if monday_of(x.date) == week_start and x.type == key.type and x.sport == key.sport
        ]
        if same_week:
            continue
        minutes = max(
            s.duration_min, min(key.duration_min, s.duration_min + edit.rules.guardrails.week.min_session_min)
        )
        new = converted(s, key.sport, key.type, edit.anchors, edit.rules, duration_min=minutes)
        edit.swap(s, new)
        edit.note(
            s.date, f"{why}: the missed {key.type} {key.sport} of {day} replaces this easy session", "missed"
        )
        return
    edit.note(
        edit.today,
        f"{why}: the missed {key.type} of {day} is not made up; no safe day in the next week",
        "missed",
    )


def _force(edit: _Edit, required: bool) -> bool:
    return required or edit.forced


_SEVERITY_WORDS = {1: "a bit tired", 2: "tired", 3: "very tired"}


def _fatigue(edit: _Edit, event: Fatigue) -> None:
    severity = _severity(event, edit.rules)
    if severity == 0:
        edit.note(edit.today, "readiness is fine: no change", "fatigue")
        return
    fractions = edit.rules.guardrails.adapt.fatigue_day_fractions[severity]
    why = _SEVERITY_WORDS[severity]
    first = max(event.date or edit.today, edit.today)
    for offset, fraction in enumerate(fractions):
        day = first + dt.timedelta(days=offset)
        for s in _each(edit, day, day, True, is_training):
            _ease(edit, s, fraction, f"{why} (severity {severity})", "fatigue")


def _ease(edit: _Edit, s: Session, fraction: float, why: str, rule: str) -> None:
    """Hard work made easy and ``fraction`` of its time kept; rest when too little is left."""
    hard = set(edit.rules.guardrails.intensity.hard_intensities)
    new = s
    if s.intensity in hard or s.type in QUALITY_TYPES:
        new = converted(s, s.sport, "easy", edit.anchors, edit.rules)
    minutes = int(new.duration_min * fraction)
    if minutes < edit.rules.guardrails.week.min_session_min:
        edit.swap(s, None)
        edit.note(s.date, f"{why}: rest instead", rule)
        return
    if minutes < new.duration_min:
        new = resized(new, minutes, edit.anchors, edit.rules)
    if new is not s:
        edit.swap(s, new)
        edit.note(s.date, f"{why}: easy, {minutes} min instead of {s.duration_min}", rule)


def _skip(edit: _Edit, event: Skip) -> None:
    day = event.date
    edit.require(day)
    for s in _each(edit, day, day, True, lambda s: is_training(s) and s.type != "race"):
        edit.swap(s, None)
        edit.note(day, f"{event.reason}: dropped, not made up", "skip")


def _cap(edit: _Edit, event: DayCapEvent) -> None:
    day = event.date
    edit.require(day)
    caps = [c for c in edit.profile.day_caps if c.date != day] + [DayCap(date=day, minutes=event.minutes)]
    edit.profile = edit.profile.model_copy(update={"day_caps": sorted(caps, key=lambda c: c.date)})
    sessions = _each(edit, day, day, True, lambda s: is_training(s) and s.type != "race")
    total = sum(s.duration_min for s in sessions)
    if total <= event.minutes:
        edit.note(day, f"{event.minutes} min available: the {total}-min session fits", "day_cap")
        return
    fraction = event.minutes / total  # every session of the day keeps the same share
    for s in sessions:
        _ease(edit, s, fraction, f"only {event.minutes} min that day", "day_cap")


def _weekday_cap(edit: _Edit, event: WeekdayCapEvent) -> str:
    """A standing per-weekday limit (or its end); returns the summary line."""
    days = sorted(set(event.days), key=WEEKDAYS.index)
    availability = edit.profile.availability
    caps = dict(availability.max_minutes)
    names = {"mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday", "fri": "Friday", "sat": "Saturday", "sun": "Sunday"}
    named = "weekdays" if days == list(WEEKDAYS[:5]) else " and ".join(f"{names[d]}s" for d in days)
    if event.minutes is None:
        if not any(d in caps for d in days):
            return f"There was no time limit on {named}: nothing to lift."
        for day in days:
            caps.pop(day, None)
        edit.profile = edit.profile.model_copy(update={"availability": availability.model_copy(update={"max_minutes": caps})})
        rebuilt = _rebuild_after_window(edit)
        return f"No time limit on {named} any more." + (" The weeks after the next two are rebuilt without it." if rebuilt else "")
    for day in days:
        caps[day] = event.minutes
    edit.profile = edit.profile.model_copy(update={"availability": availability.model_copy(update={"max_minutes": caps})})
    bits = [f"At most {event.minutes} min on {named} from now on."]
    if not any(d in availability.days for d in days):
        bits.append(f"No training is planned on {named} now.")
    edit.require(edit.today)
    longest = 0
    for date in sorted({s.date for s in edit.sessions if s.date >= edit.today and WEEKDAYS[s.date.weekday()] in days}):
        sessions = [s for s in edit.on(date) if s.status == "planned" and is_training(s) and s.type != "race"]
        total = sum(s.duration_min for s in sessions)
        if total <= event.minutes:
            continue
        longest = max([longest] + [s.duration_min for s in sessions if s.type == "long"])
        fraction = event.minutes / total  # every session of the day keeps the same share
        why = f"at most {event.minutes} min on {names[WEEKDAYS[date.weekday()]]}s"
        for s in sessions:
            minutes = int(s.duration_min * fraction)
            if minutes < edit.rules.guardrails.week.min_session_min:
                edit.swap(s, None)
                edit.note(date, f"{why}: rest instead", "weekday_cap")
            else:
                edit.swap(s, resized(s, minutes, edit.anchors, edit.rules))
                edit.note(date, f"{why}: {minutes} min instead of {s.duration_min}", "weekday_cap")
    if edit.rebuilt_from is None and any(c for c in edit.reasons if c > edit.window_end):
        edit.rebuilt_from = edit.window_end + dt.timedelta(days=1)  # later weeks in one line, as after a rebuild
    if longest and availability.long_day in days:
        # the athlete's time is theirs to give: the long session is shortened, and where it could go instead is said
        bits.append(
            f"Your long session is on {names[availability.long_day]}s and was to reach {longest} min: to keep it long, "
            "make another day the long day."
        )
    return " ".join(bits)


def _illness(edit: _Edit, event: Illness) -> None:
    g = edit.rules.guardrails.adapt
    first = event.from_
    last_ill = first + dt.timedelta(days=event.days - 1)
    edit.require(first)
    for s in _each(edit, max(first, edit.today), last_ill, True, is_training):
        if event.above_neck_only:  # the neck check: easy only, shorter
            eased = converted(s, s.sport, "easy", edit.anchors, edit.rules) if s.type != "easy" else s
            shortest = edit.rules.guardrails.week.min_session_min
            minutes = max(int(eased.duration_min * g.illness_above_neck_fraction), shortest)
            if minutes < eased.duration_min:
                edit.swap(s, resized(eased, minutes, edit.anchors, edit.rules))
                edit.note(
                    s.date,
                    f"symptoms above the neck only: easy and shorter ({minutes} of {s.duration_min} min); stop if it gets worse",
                    "illness",
                )
                continue
        edit.swap(s, None)
        edit.note(s.date, f"ill from {first} for {event.days} day(s): no training", "illness")
    fractions = g.illness_return_fractions
    span = event.days
    for s in _each(
        edit, last_ill + dt.timedelta(days=1), last_ill + dt.timedelta(days=span), True, is_training
    ):
        part = min(len(fractions) - 1, (s.date - last_ill).days * len(fractions) // (span + 1))
        fraction = fractions[part]
        new = converted(s, s.sport, "easy", edit.anchors, edit.rules) if s.type != "easy" else s
        minutes = int(new.duration_min * fraction)
        if minutes < edit.rules.guardrails.week.min_session_min:
            edit.swap(s, None)
            edit.note(s.date, "back from illness: rest one more day", "illness_return")
            continue
        edit.swap(s, resized(new, minutes, edit.anchors, edit.rules))
        edit.note(
            s.date, f"back from illness: easy only, {fraction:.0%} of the planned time", "illness_return"
        )
    if not event.above_neck_only:  # an above-the-neck cold keeps its eased sessions: nothing to block
        _block(edit, max(first, edit.today), last_ill, f"ill ({event.days} days)")


def _substitute(edit: _Edit, s: Session, avoid: AbstractSet[str]) -> Session | None:
    trained = {x.sport for x in edit.sessions if is_training(x)}
    closed = {d for c in edit.profile.closures for d in c.days}
    for sport in _CROSS_TRAINING:
        if sport in avoid or (sport == "run" and "impact" in avoid):
            continue
        if sport == "swim" and (WEEKDAYS[s.date.weekday()] in closed or "swim" not in trained):
            continue
        if sport not in trained and sport != "ride":
            continue
        minutes = s.duration_min
        cal = edit.rules.guardrails.calendar
        if sport == "swim":
            minutes = min(minutes, cal.pool_swim_max_min)
        if sport == "ride" and cal.long_ride_weekend and WEEKDAYS[s.date.weekday()] not in cal.weekend_days:
            minutes = min(minutes, cal.weekday_ride_max_min)
        return converted(s, sport, "easy", edit.anchors, edit.rules, duration_min=minutes)
    return None


def _injury(edit: _Edit, event: Injury) -> None:
    first = max(event.from_ or edit.today, edit.today)
    last = first + dt.timedelta(days=event.days - 1)
    edit.require(first)
    avoid = set(event.avoid)
    hard = set(edit.rules.guardrails.intensity.hard_intensities)
    for s in _each(edit, first, last, True, is_training):
        blocked_sport = s.sport in avoid or (s.sport in ("run", "brick") and "impact" in avoid)
        if blocked_sport and s.date == first == edit.today:
            edit.swap(s, None)  # the day it hurts: rest and see how it settles; cross-training from tomorrow
            edit.note(s.date, f"{event.body_part} hurts today: rest today, easy cross-training from tomorrow", "injury")
            continue
        if blocked_sport:
            new = _substitute(edit, s, avoid)
            edit.swap(s, new)
            what = f"{new.sport} easy {new.duration_min} min" if new else "rest"
            edit.note(s.date, f"{event.body_part} injury: {s.sport} avoided, {what} instead", "injury")
            continue
        if "intervals" in avoid and (s.intensity in hard or s.type in QUALITY_TYPES):
            edit.swap(s, converted(s, s.sport, "easy", edit.anchors, edit.rules))
            edit.note(s.date, f"{event.body_part} injury: no intervals, easy instead", "injury")
            continue
        if "downhill" in avoid and s.sport == "run" and s.type == "long":
            new = converted(s, "run", "easy", edit.anchors, edit.rules)
            new = new.model_copy(update={"description": new.description + "; flat route, no downhills"})
            edit.swap(s, new)
            edit.note(s.date, f"{event.body_part} injury: long run made an easy flat run", "injury")


def _block(edit: _Edit, first: dt.date, last: dt.date, reason: str) -> None:
    if last < first:
        return
    blocked = [*edit.profile.blocked, Blocked.model_validate({"from": first, "to": last, "reason": reason})]
    edit.profile = edit.profile.model_copy(update={"blocked": blocked})


def _unavailable(edit: _Edit, event: Unavailable) -> None:
    first = max(event.from_, edit.today)
    if event.to < first:
        return
    taken: set[dt.date] = set()
    edit.require(first)
    _block(edit, first, event.to, event.reason)
    for s in sorted(
        _each(edit, first, event.to, True, lambda s: s.type != "race"), key=lambda s: (not s.key, s.date)
    ):
        if s.type == "commitment":
            edit.swap(s, None)
            edit.note(s.date, f"{event.reason}: commitment not possible", "unavailable")
            continue
        target = _key_day_in_week(edit, s, taken) if s.key else None
        if target is None and s.key:
            target = edit.free_day(s, event.to + dt.timedelta(days=1), _force(edit, False), taken)
        if target is not None:
            taken.add(target)
            edit.swap(s, moved(s, target))
            edit.note(
                s.date,
                f"{event.reason} {event.from_}–{event.to}: key {s.type} moved to {target}",
                "unavailable",
            )
            edit.note(target, f"{s.type} moved here from {s.date}", "unavailable")
        else:
            edit.swap(s, None)
            edit.note(s.date, f"{event.reason} {event.from_}–{event.to}: dropped", "unavailable")
    _unavailable_beyond_window(edit, event, first)


def _key_day_in_week(edit: _Edit, s: Session, taken: set[dt.date]) -> dt.date | None:
    """Where a key session that loses its day goes (issue 9 item 4): a free training day of the same
    week, else the day of the week's nearest easy session, which is dropped (an easy session goes
    before a key one). Never a blocked day, a day already past or frozen, or next to a hard session
    when the key one is hard itself."""
    force = _force(edit, False)
    monday = monday_of(s.date)
    week_end = monday + dt.timedelta(days=_DAYS_PER_WEEK - 1)
    tomorrow = edit.today + dt.timedelta(days=1)  # never onto today: the athlete didn't ask for that
    target = edit.free_day(s, max(tomorrow, monday), force, taken)
    if target is not None and target <= week_end:
        return target
    hard = set(edit.rules.guardrails.intensity.hard_intensities)
    blocked = [(b.from_, b.to) for b in edit.profile.blocked]
    available = set(edit.profile.availability.days)

    def fits(x: Session) -> bool:
        day = x.date
        if x.key or x is s or day in taken or not edit.editable(day, force) or WEEKDAYS[day.weekday()] not in available:
            return False
        if any(a <= day <= b for a, b in blocked) or any(y.key for y in edit.on(day) if is_training(y)):
            return False
        if s.intensity in hard:
            near = edit.on(day - dt.timedelta(days=1)) + edit.on(day + dt.timedelta(days=1))
            return not any(y.intensity in hard for y in near if y is not s)
        return True

    easy = [x for x in _each(edit, max(tomorrow, monday), week_end, force, is_training) if fits(x)]
    if not easy:
        return None
    lightest = min(easy, key=lambda x: (abs((x.date - s.date).days), x.duration_min, x.date))  # the nearest easy day
    edit.swap(lightest, None)
    edit.note(lightest.date, f"the {s.type} {s.sport} takes this day; the easy session is dropped", "unavailable")
    return lightest.date


def _unavailable_beyond_window(edit: _Edit, event: Unavailable, first: dt.date) -> None:
    """The days of a trip past the re-planning window ("skiing 2-9 January", said in December) hold
    no training either: a key session goes to the first free training day after the trip within
    a week, the rest is dropped. The weeks around it are re-checked by the validator as usual."""
    start = max(first, edit.window_end + dt.timedelta(days=1))
    if event.to < start:
        return
    days = set(edit.profile.availability.days)
    blocked = [(b.from_, b.to) for b in edit.profile.blocked]
    race_day = edit.profile.goal.date if edit.rules.event(edit.profile.goal.event).race else None
    trip = sorted(
        (s for s in edit.sessions if start <= s.date <= event.to and s.status == "planned" and s.type != "race"),
        key=lambda s: (not s.key, s.date),
    )
    for s in trip:
        target: dt.date | None = None
        if s.key and s.type != "commitment":
            for n in range(1, _DAYS_PER_WEEK + 1):
                day = event.to + dt.timedelta(days=n)
                free = (
                    WEEKDAYS[day.weekday()] in days and day != race_day and not any(a <= day <= b for a, b in blocked)
                    and not any(is_training(x) for x in edit.on(day))
                )
                if free:
                    target = day
                    break
        if target is not None:
            edit.swap(s, moved(s, target))
            edit.note(s.date, f"{event.reason} {event.from_}–{event.to}: key {s.type} moved to {target}", "unavailable")
            edit.note(target, f"{s.type} moved here from {s.date}", "unavailable")
        else:
            edit.swap(s, None)
            edit.note(s.date, f"{event.reason} {event.from_}–{event.to}: dropped", "unavailable")


def _relocate(edit: _Edit, force: bool, reason: str) -> None:
    available = set(edit.profile.availability.days)
    taken: set[dt.date] = set()
    for s in _each(edit, edit.today, edit.window_end, force, is_training):
        if WEEKDAYS[s.date.weekday()] in available:
            continue
        week_end = monday_of(s.date) + dt.timedelta(days=_DAYS_PER_WEEK - 1)
        target = edit.free_day(s, max(edit.today, monday_of(s.date)), force, taken)
        if (target is None or target > week_end) and s.key:
            # A key session that loses its day takes the day of the week's lightest easy session.
            easy = [
                x for x in _each(edit, max(edit.today, monday_of(s.date)), week_end, force, is_training)
                if not x.key and x is not s and WEEKDAYS[x.date.weekday()] in available and x.date not in taken
            ]
            if easy:
                lightest = min(easy, key=lambda x: (x.duration_min, x.date))
                edit.swap(lightest, None)
                edit.note(lightest.date, f"{reason}: the {s.type} {s.sport} takes this day; the easy session is dropped", "availability")
                target = lightest.date
        if target is not None and target <= week_end:
            taken.add(target)
            edit.swap(s, moved(s, target))
            edit.note(s.date, f"{reason}: moved to {target}", "availability")
            edit.note(target, f"{s.type} moved here from {s.date}", "availability")
        else:
            edit.swap(s, None)
            edit.note(s.date, f"{reason}: dropped (no free day that week)", "availability")


def _long_day(edit: _Edit, long_day: Weekday, force: bool) -> None:
    for s in _each(edit, edit.today, edit.window_end, force, lambda s: s.type == "long"):
        target = monday_of(s.date) + dt.timedelta(days=WEEKDAYS.index(long_day))
        if target == s.date or not edit.editable(target, force):
            continue
        here = [x for x in edit.on(target) if is_training(x)]
        edit.swap(s, moved(s, target))
        for other in here:
            edit.swap(other, moved(other, s.date))
        edit.note(target, f"long day is now {long_day}: long {s.sport} moved from {s.date}", "long_day")
        edit.note(s.date, f"long {s.sport} moved to {target}", "long_day")


def _days_per_week(edit: _Edit, limit: int, force: bool) -> None:
    """Keep at most ``limit`` training days in each week of the window: drop whole days,
    easy and short ones first, never the long session or a quality session if avoidable."""
    monday = monday_of(edit.today)
    while monday <= edit.window_end:
        week_days: dict[dt.date, list[Session]] = {}
        for s in edit.sessions:
            if monday <= s.date < monday + dt.timedelta(days=_DAYS_PER_WEEK) and is_training(s):
                week_days.setdefault(s.date, []).append(s)
        droppable = sorted(
            (d for d in week_days if edit.editable(d, force)),
            key=lambda d: (any(s.key for s in week_days[d]), sum(s.duration_min for s in week_days[d]), d),
        )
        excess = len(week_days) - limit
        for day in droppable[: max(0, excess)]:
            for s in week_days[day]:
                edit.swap(s, None)
            edit.note(day, f"only {limit} training day(s) that week: rest instead", "days_per_week")
        monday += dt.timedelta(days=_DAYS_PER_WEEK)


# --------------------------------------------------------------------------- driver


def _diff(old: Plan, new: Plan, edit: _Edit, fixes_before: int) -> list[Change]:
    before: dict[dt.date, list[Session]] = {}
    after: dict[dt.date, list[Session]] = {}
    for w in old.weeks:
        for s in w.sessions:
            before.setdefault(s.date, []).append(s)
    for w in new.weeks:
        for s in w.sessions:
            after.setdefault(s.date, []).append(s)
    fix_reasons: dict[dt.date, list[tuple[str, str]]] = {}
    for f in new.validation.fixes[fixes_before:]:
        if f.date is not None:
            fix_reasons.setdefault(f.date, []).append((f.rule_id, f.detail))
    changes: list[Change] = []
    for day in sorted(set(before) | set(after)):
        gone = [s for s in before.get(day, []) if s not in after.get(day, [])]
        came = [s for s in after.get(day, []) if s not in before.get(day, [])]
        if not gone and not came:
            continue
        reasons = edit.reasons.get(day, []) + [detail for _, detail in fix_reasons.get(day, [])]
        rule_ids = sorted(set(edit.rule_ids.get(day, [])) | {rule for rule, _ in fix_reasons.get(day, [])})
        reason = "; ".join(dict.fromkeys(reasons)) or "re-planned"
        while gone or came:
            b = gone.pop(0) if gone else None
            a = None
            if came:
                same = [c for c in came if b is not None and c.sport == b.sport]
                a = same[0] if same else came[0]
                came.remove(a)
            values: dict[str, float | int | str | None] = {
                "before_min": b.duration_min if b else None,
                "after_min": a.duration_min if a else None,
            }
            changes.append(
                Change(date=day, before=b, after=a, reason=reason, rule_ids=rule_ids, values=values)
            )
    return changes


def rebuild_weeks(plan: Plan, sessions: list[Session], *, eased: bool = False) -> Plan:
    """The plan with its sessions replaced and each changed week's totals recomputed.

    ``eased``: the change comes from the athlete's report (tired, ill, missed...). A week it
    makes lighter remembers what it held before (``built_minutes``/``built_load``), so the
    weeks after it keep their progression instead of being trimmed to the eased week.
    """
    by_week: dict[dt.date, list[Session]] = {}
    for s in sessions:
        by_week.setdefault(monday_of(s.date), []).append(s)
    weeks = []
    for w in plan.weeks:
        mine = sorted(by_week.get(w.start, []), key=session_order)
        if mine == list(w.sessions):
            weeks.append(w)
            continue
        new = with_sessions(w, mine, plan.meta.sport)
        if eased and new.planned_minutes < w.planned_minutes:
            new = new.model_copy(update={
                "built_minutes": max(w.built_minutes or 0, w.planned_minutes),
                "built_load": max(w.built_load or 0.0, w.load),
            })
        weeks.append(new)
    return plan.model_copy(update={"weeks": weeks})


def _built_volume(week: Week) -> float:
    """The endurance minutes ``week`` held as built (before the athlete's reports eased it)."""
    volume = week_volume_min(week)
    if week.built_minutes is None or not week.planned_minutes:
        return volume
    return volume * max(1.0, week.built_minutes / week.planned_minutes)


def _return_after_breaks(plan: Plan, draft: Plan, edit: _Edit, first: dt.date, summary_bits: list[str]) -> Plan:
    """The return after a break that cost fitness: ``draft`` (``plan`` with the edits made) with the
    weeks after such a break held to ``adapt.break_return_fractions`` of their built volume, as many
    weeks as the break lost, split evenly between the fractions (the first part easy only), each
    marked with its ``return_fraction``. Marked, the validator reads them as built, and the weeks
    after the return stand as built instead of being cut to the break (Daniels' Running Formula,
    3rd ed., ch. 9). Only sessions from ``first`` on change; a week that cannot be held to its
    fraction is left to the limits as before."""
    rules = edit.rules
    fractions = rules.guardrails.adapt.break_return_fractions
    shortest = rules.guardrails.week.min_session_min
    reading = BuiltReading(rules, 0.0)
    weeks = sorted(draft.weeks, key=lambda w: w.start)
    originals = {w.start: w for w in plan.weeks}
    marked: dict[dt.date, float] = {}
    broken = False
    n = 0
    while n < len(weeks):
        week = weeks[n]
        volume = week_volume_min(week)
        lost = reading.lost_weeks
        low = reading.low(week, volume) and not reading.returning(week, volume)
        counted = reading.read(week, volume)
        if low:
            broken = broken or not counted
            n += 1
            continue
        if not broken:
            n += 1
            continue
        broken = False
        length = max(1, round(lost))
        for k, later in enumerate(weeks[n : n + length]):
            fraction = fractions[k * len(fractions) // length]
            if later.return_fraction is not None or any(s.type == "race" for s in later.sessions):
                continue
            built = _built_volume(originals.get(later.start, later))
            fixed = sum(s.duration_min for s in later.sessions if is_volume(s) and s.date < first)
            movable = [s for s in edit.sessions if monday_of(s.date) == later.start and s.date >= first and is_volume(s)]
            have = sum(s.duration_min for s in movable)
            room = fraction * built - fixed
            if room < 0 or not have:
                continue
            factor = min(1.0, room / have)
            easy_only = k * len(fractions) // length == 0
            why = f"back after {length} week(s) of lost training: {fraction:.0%} of the week as built" + (
                ", easy only" if easy_only else "")
            left = room
            # the longest first: a session scaled below the shortest one allowed is held at it while the
            # fraction has room, else it is rest
            for s in sorted(movable, key=lambda s: (-s.duration_min, s.date)):
                new = converted(s, s.sport, "easy", edit.anchors, rules) if easy_only and s.type != "easy" else s
                minutes = min(max(int(new.duration_min * factor), shortest), new.duration_min)
                if minutes > left:
                    edit.swap(s, None)
                    edit.note(s.date, why + ": rest", "break_return")
                    continue
                left -= minutes
                if minutes != s.duration_min or new is not s:
                    edit.swap(s, resized(new, minutes, edit.anchors, rules))
                    edit.note(s.date, why, "break_return")
            marked[later.start] = fraction
        n += max(1, length)
    if not marked:
        return draft
    summary_bits.append(
        f"A return after the break: {len(marked)} week(s) at {' then '.join(f'{f:.0%}' for f in dict.fromkeys(marked.values()))} "
        "of the plan as built, then the plan as built."
    )
    rebuilt = rebuild_weeks(plan, edit.sessions, eased=True)
    return rebuilt.model_copy(update={"weeks": [
        w.model_copy(update={"return_fraction": marked[w.start], "built_minutes": w.built_minutes or w.planned_minutes})
        if w.start in marked else w for w in rebuilt.weeks
    ]})


def _finish(plan: Plan, edit: _Edit, summary_bits: list[str], *, eased: bool = False) -> Adaptation:
    draft = rebuild_weeks(plan, edit.sessions, eased=eased)
    edit_from = edit.today if edit.forced else edit.keep_until
    if edit.required_from is not None:
        edit_from = min(edit_from, edit.required_from)
    if eased:
        draft = _return_after_breaks(plan, draft, edit, edit_from, summary_bits)
    window = (edit_from, edit.window_end)
    fixes_before = len(plan.validation.fixes)
    fixed = fix_plan(draft, edit.profile, edit.rules, editable=window)
    violations, waivers = check_plan(fixed, edit.profile, edit.rules)
    # Day rules on days that may not change (the past, the kept 48 h) are not re-judged.
    past = [
        v for v in violations if v.date is not None and v.date < edit_from and v.rule_id not in _WEEK_RULES
    ]
    remaining = [v for v in violations if v not in past]
    fixed = fixed.model_copy(
        update={"validation": Validation(violations=remaining, fixes=fixed.validation.fixes, waivers=waivers)}
    )
    changes = _diff(plan, fixed, edit, fixes_before)
    if edit.rebuilt_from is not None:  # the rebuilt weeks are summarised in one line, not listed
        rebuilt = [c for c in changes if c.date >= edit.rebuilt_from]
        changes = [c for c in changes if c.date < edit.rebuilt_from]
        summary_bits.append(f"{len(rebuilt)} session change(s) from {edit.rebuilt_from} on.")
    later = [v for v in remaining if v.date is not None and v.date > edit.window_end]
    if later:
        summary_bits.append(
            f"{len(later)} later guardrail warning(s) will be re-planned at the next weekly adaptation "
            f"(first: {later[0].message})"
        )
    summary = f"{len(changes)} change(s) between {edit.today} and {edit.window_end}. " + " ".join(
        summary_bits
    )
    return Adaptation(plan=fixed, profile=edit.profile, changes=changes, summary=summary.strip())


_WEEK_RULES = frozenset(
    {"ramp_rate", "acwr", "peak_cap", "cutback_frequency", "taper", "easy_share", "rest_day"}
)


def adapt_plan(
    plan: Plan, profile: Profile, events: list[AdaptEvent], today: dt.date, rules: Rules
) -> Adaptation:
    """Apply ``events`` to the next 1–2 weeks of ``plan`` (see module docstring).

    Raises :class:`AdaptError` for an infeasible plan or an event that contradicts the profile
    (a long day that is not an available day).
    """
    if not plan.feasible or not plan.weeks:
        raise AdaptError("the plan is not feasible, so there is nothing to adapt; build a new plan instead")
    edit = _Edit(plan, profile, rules, today)
    edit.forced = any(e.athlete_asked for e in events)
    named = [e.date for e in events if isinstance(e, (DayCapEvent, Skip)) and e.date > edit.window_end]
    if named:  # a day the athlete names beyond the next two weeks ("Thursdays 45 min until the end of Jan") is edited too
        edit.window_end = monday_of(max(named)) + dt.timedelta(days=_DAYS_PER_WEEK - 1)
    bits: list[str] = []
    for event in events:
        if isinstance(event, Missed):
            _missed(edit, event.date, "missed session")
            bits.append(f"Missed {event.date}.")
        elif isinstance(event, Partial):
            if event.fraction < rules.guardrails.adapt.partial_missed_below:
                _missed(edit, event.date, f"only {event.fraction:.0%} done")
            bits.append(f"Partial {event.date} ({event.fraction:.0%}).")
        elif isinstance(event, Fatigue):
            _fatigue(edit, event)
            bits.append(f"Fatigue severity {_severity(event, rules)}.")
        elif isinstance(event, Illness):
            _illness(edit, event)
            bits.append(f"Ill {event.days} day(s) from {event.from_}.")
        elif isinstance(event, Injury):
            _injury(edit, event)
            bits.append(f"{event.body_part} injury: avoiding {', '.join(event.avoid)}.")
        elif isinstance(event, Unavailable):
            _unavailable(edit, event)
            bits.append(f"Unavailable {event.from_}–{event.to}.")
        elif isinstance(event, LongDayChange):
            if event.long_day not in edit.profile.availability.days:
                raise AdaptError(f"long_day {event.long_day!r} is not one of the available days")
            availability = edit.profile.availability.model_copy(update={"long_day": event.long_day})
            edit.profile = edit.profile.model_copy(update={"availability": availability})
            _long_day(edit, event.long_day, _force(edit, False))
            bits.append(f"Long day now {event.long_day}.")
        elif isinstance(event, DaysChange):
            days = sorted(set(event.days), key=WEEKDAYS.index)
            long_day = event.long_day or edit.profile.availability.long_day
            if long_day is not None and long_day not in days:
                long_day = None
            caps = {d: m for d, m in edit.profile.availability.max_minutes.items() if d in days}
            availability = edit.profile.availability.model_copy(
                update={"days": days, "long_day": long_day, "max_minutes": caps}
            )
            edit.profile = edit.profile.model_copy(update={"availability": availability})
            _relocate(edit, _force(edit, False), f"available days now {', '.join(days)}")
            if long_day is not None:
                _long_day(edit, long_day, _force(edit, False))
            bits.append(f"Training days now {', '.join(days)}.")
        elif isinstance(event, DaysPerWeek):
            _days_per_week(edit, event.days_per_week, _force(edit, False))
            bits.append(f"At most {event.days_per_week} training day(s) a week for now.")
        elif isinstance(event, Skip):
            _skip(edit, event)
            bits.append(f"Skipped {event.date}.")
        elif isinstance(event, DayCapEvent):
            _cap(edit, event)
            bits.append(f"At most {event.minutes} min on {event.date}.")
        elif isinstance(event, WeekdayCapEvent):
            bits.append(_weekday_cap(edit, event))
    if any(isinstance(e, (DaysChange, LongDayChange)) for e in events) and _rebuild_after_window(edit):
        bits.append("The weeks after the next two are rebuilt for the new days, same race date.")
    return _finish(plan, edit, bits, eased=is_protective(events))


_HISTORY_WEEKS = 4


def _rebuild_after_window(edit: _Edit) -> bool:
    """A permanent calendar change: the weeks after the window are built again from the plan's
    intent (the same goal and date) for the new days, starting from the volume the athlete will
    have reached by then, instead of dropping or squeezing each week's sessions one by one."""
    from coach.engine.planner import build_plan  # the builder imports this module's neighbours

    start = edit.window_end + dt.timedelta(days=1)
    later = [s for s in edit.sessions if s.date >= start]
    if not later:
        return False
    done_weeks: dict[dt.date, int] = {}
    for s in edit.sessions:
        if s.date < start and is_training(s) and s.type != "commitment":
            done_weeks[monday_of(s.date)] = done_weeks.get(monday_of(s.date), 0) + s.duration_min
    recent = [done_weeks[w] / 60 for w in sorted(done_weeks)][-_HISTORY_WEEKS:]
    history = edit.profile.history.model_copy(update={"weekly_hours": recent} if recent else {})
    profile = edit.profile.model_copy(update={"start_date": start, "history": history})
    try:
        rebuilt = build_plan(profile, edit.rules, require_preparation=False)  # same race: never refused as too short
    except ProfileError:  # a profile the builder refuses keeps the repaired weeks instead
        return False
    if not rebuilt.feasible:
        return False
    fresh = [s for w in rebuilt.weeks for s in w.sessions if s.date >= start]
    edit.sessions = [s for s in edit.sessions if s.date < start] + fresh
    edit.rebuilt_from = start
    return True


PROTECTIVE_EVENTS = (Missed, Partial, Fatigue, Illness, Injury, Unavailable, DaysPerWeek, Skip, DayCapEvent)
"""Events that only lower load or take training away: applied whatever targets they leave short."""


def is_protective(events: list[AdaptEvent]) -> bool:
    """Every event lowers load; a standing weekday limit does (lifting one does not)."""
    return all(isinstance(e, PROTECTIVE_EVENTS) or (isinstance(e, WeekdayCapEvent) and e.minutes is not None) for e in events)


def move_session(
    plan: Plan,
    profile: Profile,
    rules: Rules,
    from_date: dt.date,
    to_date: dt.date,
    *,
    sport: SessionSport | None = None,
    today: dt.date | None = None,
) -> Adaptation:
    """Move the training session(s) of ``from_date`` (optionally one ``sport``) to ``to_date``.

    The athlete named the day, so it becomes available once (``Profile.available_dates``)
    whatever its weekday. The move is validated against every limit; if it would break one,
    nothing changes and the adaptation comes back with ``accepted=false`` and the reason.
    """
    chosen = _training_on(plan, from_date, sport)
    problem = _calendar_problem(plan, profile, rules, [from_date, to_date], today)
    if problem is None and not chosen:
        problem = f"there is no training session on {from_date} to move"
    if problem is not None:
        return _refused(plan, profile, f"Not moved: {problem}", problem)
    mapping = {id(s): to_date for s in chosen}
    return _relocated(
        plan, profile, rules, mapping, [to_date], f"moved from {from_date} to {to_date} on request",
        f"Moved {len(chosen)} session(s) from {from_date} to {to_date}.", today=today,
    )


def swap_sessions(
    plan: Plan, profile: Profile, rules: Rules, first: dt.date, second: dt.date, *, today: dt.date | None = None
) -> Adaptation:
    """Exchange the training sessions of two dates (both days become available once if needed)."""
    a, b = _training_on(plan, first, None), _training_on(plan, second, None)
    problem = _calendar_problem(plan, profile, rules, [first, second], today)
    if problem is None and first == second:
        problem = "those are the same day"
    if problem is None and not a and not b:
        problem = f"there is no training on {first} or {second}"
    if problem is not None:
        return _refused(plan, profile, f"Not swapped: {problem}", problem)
    mapping = {**{id(s): second for s in a}, **{id(s): first for s in b}}
    return _relocated(
        plan, profile, rules, mapping, [d for d, there in ((second, a), (first, b)) if there],
        f"swapped {first} and {second} on request", f"Swapped the sessions of {first} and {second}.", today=today,
    )


def _training_on(plan: Plan, day: dt.date, sport: SessionSport | None) -> list[Session]:
    return [
        s
        for w in plan.weeks
        for s in w.sessions
        if s.date == day and is_training(s) and s.type != "race" and (sport is None or s.sport == sport)
    ]


def _calendar_problem(
    plan: Plan, profile: Profile, rules: Rules, days: list[dt.date], today: dt.date | None
) -> str | None:
    race_day = profile.goal.date if rules.event(profile.goal.event).race else None
    for day in days:
        if today is not None and day < today:
            return f"{day} is in the past, and the past can't be changed"
        if race_day is not None and day >= race_day:
            return f"{day} is {'race day' if day == race_day else 'after the race'}"
        if not any(w.start <= day < w.start + dt.timedelta(days=_DAYS_PER_WEEK) for w in plan.weeks):
            return f"{day} is outside the plan"
        if any(b.from_ <= day <= b.to for b in profile.blocked):
            return f"{day} is a day you told me you can't train"
    return None


def _refused(plan: Plan, profile: Profile, summary: str, reason: str) -> Adaptation:
    return Adaptation(plan=plan, profile=profile, changes=[], summary=summary, accepted=False, refused_reason=reason)


def _relocated(
    plan: Plan,
    profile: Profile,
    rules: Rules,
    mapping: dict[int, dt.date],
    named: list[dt.date],
    reason: str,
    summary: str,
    *,
    today: dt.date | None = None,
) -> Adaptation:
    """Sessions moved to the dates in ``mapping`` (by session identity); ``named`` days the athlete
    chose become available once. When the moved session's new week would break a weekly volume
    limit (ramp, load ratio, peak cap) that it did not before — a long run moved from Sunday to
    Monday lands in a week already built up to its limit — that week's easy sessions make room
    (:func:`_make_room`). Refused when a limit still breaks."""
    extra = [d for d in named if WEEKDAYS[d.weekday()] not in profile.availability.days and d not in profile.available_dates]
    if extra:
        profile = profile.model_copy(update={"available_dates": sorted([*profile.available_dates, *extra])})
    moved_sessions = {id(s): moved(s, mapping[id(s)]) for w in plan.weeks for s in w.sessions if id(s) in mapping}
    sessions = [moved_sessions.get(id(s), s) for w in plan.weeks for s in w.sessions]
    before = {(v.rule_id, v.week, v.date) for v in check_plan(plan, profile, rules)[0]}

    def new_limits(candidate: Plan) -> tuple[list[Violation], list[Violation], list[Waiver]]:
        violations, waivers = check_plan(candidate, profile, rules)
        new = [
            v for v in violations if (v.rule_id, v.week, v.date) not in before and not rules.guardrails.is_target(v.rule_id)
        ]
        return new, violations, waivers

    candidate = rebuild_weeks(plan, sessions, eased=True)
    new, violations, waivers = new_limits(candidate)
    trims: list[Change] = []
    if new and all(v.rule_id in _MAKE_ROOM_RULES for v in new):
        room = _make_room(sessions, plan, profile, rules, new, set(map(id, moved_sessions.values())), today, new_limits)
        if room is not None:
            candidate, trims = room
            new, violations, waivers = new_limits(candidate)
    if new:
        problem = "; ".join(dict.fromkeys(v.message for v in new))
        return _refused(plan, profile, f"Not changed: {problem}", problem)
    candidate = candidate.model_copy(
        update={"validation": Validation(violations=violations, fixes=plan.validation.fixes, waivers=waivers)}
    )
    # Per day touched: what was planned there before → what is there now ("Sat: easy → long, Sun:
    # long → easy" for a swap; the day left by a move becomes rest).
    touched = sorted(
        {mapping[id(s)] for w in plan.weeks for s in w.sessions if id(s) in mapping}
        | {s.date for w in plan.weeks for s in w.sessions if id(s) in mapping}
    )
    changes: list[Change] = []
    for day in touched:
        was = [x for w in plan.weeks for x in w.sessions if x.date == day and x.type != "commitment"]
        now = [x for w in candidate.weeks for x in w.sessions if x.date == day and x.type != "commitment"]
        if [(x.sport, x.type, x.duration_min) for x in was] != [(x.sport, x.type, x.duration_min) for x in now]:
            changes.append(
                Change(date=day, before=was[0] if was else None, after=now[0] if now else None, reason=reason, rule_ids=[])
            )
    if trims:
        summary += f" To keep that week's load within its limits: {'; '.join(c.reason for c in trims)}."
    return Adaptation(plan=candidate, profile=profile, changes=changes + trims, summary=summary)


_MAKE_ROOM_RULES = frozenset({"ramp_rate", "acwr", "peak_cap"})
"""Weekly volume limits a moved session may push its new week over; the week's easy sessions
then make room for it."""


def _make_room(
    sessions: list[Session],
    plan: Plan,
    profile: Profile,
    rules: Rules,
    new: list[Violation],
    moved_ids: set[int],
    today: dt.date | None,
    new_limits: Callable[[Plan], tuple[list[Violation], list[Violation], list[Waiver]]],
) -> tuple[Plan, list[Change]] | None:
    """Shorten, then drop, easy sessions of the weeks a move overloaded — the one nearest after the
    moved session first — until no new limit breaks; ``None`` when even that is not enough.

    What a coach does when an athlete moves the long run into a week that was already built up
    to its limit: the athlete's choice stands, an easy run gives way (an easy session goes before a
    key one). Sessions within the 48-hour freeze are not touched (they are the coach's own
    knock-on change, not the athlete's request).
    """
    g = rules.guardrails
    first_day = (today or profile.start_date) + dt.timedelta(days=g.adapt.keep_hours // _HOURS_PER_DAY)
    week_days = {
        w.start + dt.timedelta(days=i) for w in plan.weeks if w.index in {v.week for v in new} for i in range(_DAYS_PER_WEEK)
    }
    landing = min((s.date for s in sessions if id(s) in moved_ids), default=first_day)
    pool = [
        s for s in sessions
        if s.date in week_days and s.date >= first_day and id(s) not in moved_ids and is_training(s)
        and not s.key and s.type not in ("race", "commitment") and s.type not in QUALITY_TYPES
    ]
    # nearest after the moved session first, then those before it (latest first)
    pool.sort(key=lambda s: (s.date < landing, abs((s.date - landing).days), s.date))
    anchors = anchors_of(profile, rules)
    step = g.volume.round_to_min
    current = list(sessions)
    trims: list[Change] = []

    def with_(old: Session, new_session: Session | None) -> list[Session]:
        out = [x for x in current if x is not old] if new_session is None else [new_session if x is old else x for x in current]
        return out

    for s in pool:
        dropped = rebuild_weeks(plan, with_(s, None), eased=True)
        if new_limits(dropped)[0]:
            current = with_(s, None)  # not enough on its own: it goes, and the next one too
            trims.append(Change(date=s.date, before=s, after=None, reason=f"the easy {s.sport} on {s.date:%a %d %b} is dropped",
                                rule_ids=sorted({v.rule_id for v in new})))
            continue
        # the longest version of it that fits (binary search over whole steps)
        low, high = 0, (s.duration_min - g.week.min_session_min) // step  # steps kept above the minimum
        best: Session | None = None
        while low <= high:
            mid = (low + high) // 2
            minutes = g.week.min_session_min + mid * step
            if minutes >= s.duration_min:
                high = mid - 1
                continue
            shorter = resized(s, minutes, anchors, rules)
            if new_limits(rebuild_weeks(plan, with_(s, shorter), eased=True))[0]:
                high = mid - 1
            else:
                best, low = shorter, mid + 1
        if best is not None:
            current = with_(s, best)
            trims.append(Change(date=s.date, before=s, after=best,
                                reason=f"the easy {s.sport} on {s.date:%a %d %b} is {best.duration_min} min instead of {s.duration_min}",
                                rule_ids=sorted({v.rule_id for v in new})))
        else:
            current = with_(s, None)
            trims.append(Change(date=s.date, before=s, after=None, reason=f"the easy {s.sport} on {s.date:%a %d %b} is dropped",
                                rule_ids=sorted({v.rule_id for v in new})))
        return rebuild_weeks(plan, current, eased=True), trims
    return None
