"""What each chart shows, as plain frozen dataclasses: no drawing, no database, no clock.

The builders here take the same documents ``coach show --json`` is made of (the stored plan with
every session's status, check-ins, activities, logged strength sets) and return one chart's data,
or ``NotEnoughData`` with a sentence for the athlete. ``coach/charts/draw.py`` draws them; the
Mini App can serve the same objects as JSON (``as_json``). Reading them from the store is
``coach/charts/source.py``.

Formulas are not re-implemented here: the PMC is ``coach.engine.metrics.pmc`` (Banister's
impulse-response model in Coggan's exponentially weighted form: CTL 42 days, ATL 7 days,
TSB = yesterday's CTL − ATL; Allen & Coggan, *Training and Racing with a Power Meter*, 2nd ed.
2010, ch. 9), planned loads are the engine's (``coach.engine.load``: hours × IF² × 100), and e1RM
is ``coach.engine.metrics.strength`` (Epley 1985; EWMA / transition mode of seed 004).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict

from coach.engine.metrics.pmc import daily_totals, pmc_series
from coach.engine.metrics.strength import StrengthSet, assess_lift, top_sets
from coach.engine.models import Plan, Week
from coach.engine.units import KM_PER_MILE, SECONDS_PER_HOUR
from coach.package_data import RULES_DIR

ChartKind = Literal["week", "pmc", "readiness", "volume", "strength"]
KINDS: tuple[ChartKind, ...] = ("week", "pmc", "readiness", "volume", "strength")
DEFAULT_KINDS: tuple[ChartKind, ...] = ("week", "pmc")
"""What a plain ``/chart`` sends."""
TITLES: dict[ChartKind, str] = {
    "week": "the week", "pmc": "fitness, fatigue and form (PMC)", "readiness": "readiness over 30 days",
    "volume": "weekly volume, planned and done", "strength": "strength (e1RM) trends",
}
CHARTS_RULES = RULES_DIR / "charts.yaml"


# --------------------------------------------------------------------------- rules


class _Rules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PmcRules(_Rules):
    shown_days: int
    lead_in_days: int
    min_activities: int


class ReadinessRules(_Rules):
    shown_days: int
    min_checkins: int


class VolumeRules(_Rules):
    past_weeks: int
    future_weeks: int
    min_weeks: int


class StrengthRules(_Rules):
    min_sessions: int
    max_lifts: int


class AskRules(_Rules):
    week: str
    week_not: str
    metrics: str
    readiness: str
    volume: str
    strength: str
    picture: str
    whole_week: str
    fitness: str


class ChartRules(_Rules):
    version: int
    pmc: PmcRules
    readiness: ReadinessRules
    volume: VolumeRules
    strength: StrengthRules
    ask: AskRules


@cache
def chart_rules() -> ChartRules:
    """``coach/rules/charts.yaml``, checked once (a broken file fails on the first chart, loudly)."""
    rules = ChartRules.model_validate(yaml.safe_load(CHARTS_RULES.read_text(encoding="utf-8")))
    for pattern in rules.ask.model_dump().values():
        re.compile(pattern)
    if rules.pmc.lead_in_days < rules.pmc.shown_days:
        raise ValueError("charts.yaml: pmc.lead_in_days must be at least pmc.shown_days")
    return rules


# --------------------------------------------------------------------------- the charts' data


@dataclass(frozen=True)
class NotEnoughData:
    kind: ChartKind
    message: str


@dataclass(frozen=True)
class WeekSession:
    date: dt.date
    sport: str
    type: str
    intensity: str
    status: str
    key: bool
    duration_min: int
    distance: float | None
    """In the athlete's units (km or mi)."""


@dataclass(frozen=True)
class WeekChart:
    kind: Literal["week"]
    caption: str
    units: str
    week_index: int
    phase: str
    cutback: bool
    start: dt.date
    today: dt.date
    sessions: tuple[WeekSession, ...]

    @property
    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range(7)]


@dataclass(frozen=True)
class PmcPoint:
    date: dt.date
    ctl: float
    atl: float
    tsb: float
    projected: bool
    """From the plan's planned loads (after today), not from what was done."""


@dataclass(frozen=True)
class PmcChart:
    kind: Literal["pmc"]
    caption: str
    today: dt.date
    race_date: dt.date | None
    points: tuple[PmcPoint, ...]

    @property
    def today_point(self) -> PmcPoint:
        return next(p for p in self.points if p.date == self.today)


@dataclass(frozen=True)
class ReadinessPoint:
    date: dt.date
    readiness: int
    colour: str


@dataclass(frozen=True)
class ReadinessChart:
    kind: Literal["readiness"]
    caption: str
    first: dt.date
    today: dt.date
    points: tuple[ReadinessPoint, ...]


@dataclass(frozen=True)
class VolumeWeek:
    index: int
    start: dt.date
    planned: float
    done: float | None
    """None for weeks that have not started."""
    current: bool


@dataclass(frozen=True)
class VolumeChart:
    kind: Literal["volume"]
    caption: str
    unit: Literal["km", "mi", "h"]
    weeks: tuple[VolumeWeek, ...]


@dataclass(frozen=True)
class LiftPoint:
    date: dt.date
    top_set_e1rm_kg: float
    estimate_kg: float
    """The smoothed e1RM the coach uses on that day (EWMA or transition mean)."""


@dataclass(frozen=True)
class LiftSeries:
    exercise: str
    points: tuple[LiftPoint, ...]


@dataclass(frozen=True)
class StrengthChart:
    kind: Literal["strength"]
    caption: str
    lifts: tuple[LiftSeries, ...]


Chart = WeekChart | PmcChart | ReadinessChart | VolumeChart | StrengthChart
ChartData = Chart | NotEnoughData


def as_json(data: ChartData) -> dict[str, Any]:
    """The chart's data as JSON-ready values (dates as ISO strings), e.g. for the Mini App."""

    def plain(value: Any) -> Any:
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        return value

    document = plain(dataclasses.asdict(data))
    if isinstance(data, NotEnoughData):
        document["not_enough_data"] = True
    return dict(document)


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class CheckinRow:
    date: dt.date
    readiness: int | None
    colour: str | None


@dataclass(frozen=True)
class ActivityRow:
    date: dt.date
    sport: str
    distance_km: float | None
    seconds: float | None
    """Moving time, else elapsed."""
    load: float | None


# --------------------------------------------------------------------------- helpers


def to_units(km: float, units: str) -> float:
    return km / KM_PER_MILE if units == "mi" else km


def _week_of(plan: Plan, day: dt.date) -> Week | None:
    for week in plan.weeks:
        if week.start <= day < week.start + dt.timedelta(days=7):
            return week
    return None


def _short(day: dt.date) -> str:
    return f"{day.day} {day:%b}"


def _amount(value: float, unit: str) -> str:
    return f"{value:.1f} h" if unit == "h" else f"{value:.1f} {unit}"


# --------------------------------------------------------------------------- builders


def week_chart(plan: Plan | None, day: dt.date, today: dt.date, units: str) -> WeekChart | NotEnoughData:
    """The plan week that holds ``day``: every session with its intensity and status."""
    week = None if plan is None else _week_of(plan, day)
    if week is None:
        return NotEnoughData("week", "Not enough data yet: there is no plan for that week. Send /plan to see what's planned.")
    sessions = tuple(
        WeekSession(
            date=s.date, sport=s.sport, type=s.type, intensity=s.intensity, status=s.status, key=s.key,
            duration_min=s.duration_min, distance=None if s.distance_km is None else round(to_units(s.distance_km, units), 1),
        )
        for s in sorted(week.sessions, key=lambda s: s.date)
    )
    training = [s for s in sessions if s.type != "commitment"]
    done = sum(1 for s in training if s.status in ("done", "partial"))
    past = sum(1 for s in training if s.date <= today)
    last = week.start + dt.timedelta(days=6)
    minutes = sum(s.duration_min for s in training)
    span = f"{_short(week.start)}–{_short(last)}"
    size = f"{minutes // 60} h {minutes % 60:02d} min"
    distance = sum(s.distance or 0.0 for s in training)
    if distance:
        size += f", {distance:.1f} {units}"
    progress = f"; so far {done} of {past} done" if week.start <= today <= last and past else ""
    caption = f"Week {week.index} ({week.phase}{', cutback' if week.cutback else ''}), {span}: {len(training)} sessions, {size}{progress}."
    return WeekChart(
        kind="week", caption=caption, units=units, week_index=week.index, phase=week.phase, cutback=week.cutback,
        start=week.start, today=today, sessions=sessions,
    )


def pmc_chart(activities: Iterable[ActivityRow], plan: Plan | None, today: dt.date, rules: PmcRules) -> PmcChart | NotEnoughData:
    """CTL/ATL/TSB from the loads done (``rules.lead_in_days`` back, from zero, as the metrics
    tool counts), shown for the last ``rules.shown_days``, then projected to race day (or the
    plan's end) from the sessions still planned after today."""
    first = today - dt.timedelta(days=rules.lead_in_days)
    shown_from = today - dt.timedelta(days=rules.shown_days - 1)
    done = [(a.date, a.load or 0.0) for a in activities if first <= a.date <= today]
    counted = sum(1 for a_date, load in done if a_date >= shown_from and load > 0)
    if counted < rules.min_activities:
        return NotEnoughData(
            "pmc",
            f"Not enough data yet for a fitness chart: {counted} session(s) with a load in the last {rules.shown_days} days, "
            f"and it needs {rules.min_activities}. Log or upload your sessions and I'll chart fitness (CTL), fatigue (ATL) and form (TSB).",
        )
    planned: list[tuple[dt.date, float]] = []
    end = today
    race_date = None
    if plan is not None:
        race_date = plan.meta.race_date
        future = [s for w in plan.weeks for s in w.sessions if s.date > today and s.status == "planned"]
        planned = [(s.date, s.load) for s in future]
        last_planned = max((w.start + dt.timedelta(days=6) for w in plan.weeks), default=today)
        end = max(today, race_date or last_planned)
    stress = daily_totals([*done, *planned])
    series = pmc_series(stress, start=first, end=end)
    points = tuple(
        PmcPoint(date=p.date, ctl=round(p.ctl, 1), atl=round(p.atl, 1), tsb=round(p.tsb, 1), projected=p.date > today)
        for p in series if p.date >= shown_from
    )
    now = next(p for p in points if p.date == today)
    caption = f"Fitness (CTL) {now.ctl:.1f}, fatigue (ATL) {now.atl:.1f}, form (TSB) {now.tsb:.1f}"
    if end > today:
        last = points[-1]
        where = f"race day {_short(race_date)}" if race_date is not None and last.date == race_date else f"{_short(last.date)}"
        caption += f"; by {where} the plan takes fitness to {last.ctl:.1f}, form {last.tsb:+.1f}"
    return PmcChart(kind="pmc", caption=caption + ".", today=today, race_date=race_date, points=points)


def readiness_chart(checkins: Iterable[CheckinRow], today: dt.date, rules: ReadinessRules) -> ReadinessChart | NotEnoughData:
    first = today - dt.timedelta(days=rules.shown_days - 1)
    points = tuple(sorted(
        (ReadinessPoint(c.date, int(c.readiness), c.colour or "amber") for c in checkins
         if c.readiness is not None and first <= c.date <= today),
        key=lambda p: p.date,
    ))
    if len(points) < rules.min_checkins:
        return NotEnoughData(
            "readiness",
            f"Not enough data yet for a readiness chart: {len(points)} check-in(s) in the last {rules.shown_days} days, "
            f"and it needs {rules.min_checkins}. Send /checkin in the morning.",
        )
    mean = sum(p.readiness for p in points) / len(points)
    latest = points[-1]
    caption = (f"Readiness over {rules.shown_days} days: {len(points)} check-ins, average {mean:.0f}/100; "
               f"latest {latest.readiness}/100 ({latest.colour}) on {_short(latest.date)}.")
    return ReadinessChart(kind="readiness", caption=caption, first=first, today=today, points=points)


def volume_unit(plan: Plan, units: str) -> Literal["km", "mi", "h"]:
    """Runners count distance (in their units), everyone else hours: a ride's or a swim's
    kilometres are not a run's, and a lifter's volume is not in kilometres at all."""
    if plan.meta.sport == "run":
        return "mi" if units == "mi" else "km"
    return "h"


def volume_chart(plan: Plan | None, activities: Iterable[ActivityRow], today: dt.date, units: str, rules: VolumeRules) -> VolumeChart | NotEnoughData:
    """Each plan week's planned volume against what was done (stored activities of that week)."""
    if plan is None or not plan.weeks:
        return NotEnoughData("volume", "Not enough data yet: there is no plan to compare with. Send /start to make one.")
    unit = volume_unit(plan, units)
    started = [w for w in plan.weeks if w.start <= today]
    if len(started) < rules.min_weeks:
        return NotEnoughData("volume", f"Not enough data yet: your plan starts on {_short(plan.weeks[0].start)}.")
    current = started[-1]
    weeks = [w for w in plan.weeks if current.index - rules.past_weeks <= w.index <= current.index + rules.future_weeks]
    rows = list(activities)
    out: list[VolumeWeek] = []
    for week in weeks:
        last = week.start + dt.timedelta(days=6)
        mine = [a for a in rows if week.start <= a.date <= last]
        if unit == "h":
            planned = sum(s.duration_min for s in week.sessions if s.type != "commitment") / 60
            done = sum(a.seconds or 0.0 for a in mine) / SECONDS_PER_HOUR
        else:
            planned_km = week.planned_km if week.planned_km is not None else sum(
                s.distance_km or 0.0 for s in week.sessions if s.sport == "run")
            planned = to_units(planned_km, unit)
            done = to_units(sum(a.distance_km or 0.0 for a in mine if a.sport == "run"), unit)
        out.append(VolumeWeek(index=week.index, start=week.start, planned=round(planned, 1),
                              done=None if week.start > today else round(done, 1), current=week is current))
    now = next(w for w in out if w.current)
    caption = (f"Week {now.index}: {_amount(now.done or 0.0, unit)} done of {_amount(now.planned, unit)} planned"
               f" ({len(out)} weeks shown, W{out[0].index}–W{out[-1].index}).")
    return VolumeChart(kind="volume", caption=caption, unit=unit, weeks=tuple(out))


def strength_chart(sets: Sequence[StrengthSet], rules: StrengthRules) -> StrengthChart | NotEnoughData:
    """Per lift: the best top set's e1RM of each session, and the smoothed estimate the coach
    uses on that day (replayed in date order, as the metrics tool does)."""
    lifts: list[LiftSeries] = []
    for exercise in sorted({s.exercise for s in sets}):
        tops = top_sets(sets, exercise)
        if len(tops) < rules.min_sessions:
            continue
        points: list[LiftPoint] = []
        state = None
        for top in tops:
            status = assess_lift(exercise, sets, top.date, previous=state)
            state = status.state
            assert status.estimate is not None  # a top set exists on this day
            points.append(LiftPoint(date=top.date, top_set_e1rm_kg=round(top.e1rm_kg, 1), estimate_kg=round(status.estimate.value_kg, 1)))
        lifts.append(LiftSeries(exercise=exercise, points=tuple(points)))
    if not lifts:
        return NotEnoughData(
            "strength",
            f"Not enough data yet for a strength chart: log at least {rules.min_sessions} sessions of a lift with a work set "
            "of 3–10 reps, e.g. /log squat 100x5x3.",
        )
    lifts.sort(key=lambda lift: (-len(lift.points), lift.exercise))
    shown = tuple(lifts[: rules.max_lifts])
    caption = "e1RM: " + ", ".join(f"{lift.exercise.replace('_', ' ')} {lift.points[-1].estimate_kg:.1f} kg" for lift in shown) + "."
    return StrengthChart(kind="strength", caption=caption, lifts=shown)


# --------------------------------------------------------------------------- plain words


def asked_kinds(text: str, intent: str, rules: AskRules) -> list[ChartKind]:
    """The pictures a plain-language message asks for, after the offline brain read it as
    ``intent``: "how's my week looking" → the week; "show me my fitness" → the PMC; a metrics
    question that names readiness, volume or strength gets that chart instead."""
    lowered = text.lower()
    if intent == "week":
        if re.search(rules.week, lowered) and not re.search(rules.week_not, lowered):
            return ["week"]
        return []
    if intent != "metrics":
        return []
    asked: tuple[tuple[ChartKind, str], ...] = (("readiness", rules.readiness), ("volume", rules.volume), ("strength", rules.strength))
    named = [kind for kind, pattern in asked if re.search(pattern, lowered)]
    if named:
        return named
    return ["pmc"] if re.search(rules.metrics, lowered) else []


def picture_kinds(text: str, rules: AskRules) -> list[ChartKind]:
    """The pictures a message asks for with no intent to go by (a Claude answer): only when it asks
    to see something ("show me my fitness", "how's my week looking", "graph my mileage") and
    names what: the whole week, a chart's words, or fitness (the PMC)."""
    lowered = text.lower()
    if not re.search(rules.picture, lowered):
        return []
    kinds: list[ChartKind] = []
    if re.search(rules.whole_week, lowered) and not re.search(rules.week_not, lowered):
        kinds.append("week")
    asked: tuple[tuple[ChartKind, str], ...] = (
        ("pmc", rules.fitness), ("readiness", rules.readiness), ("volume", rules.volume), ("strength", rules.strength),
    )
    kinds += [kind for kind, pattern in asked if re.search(pattern, lowered)]
    return kinds
