"""The brain's tools: typed functions (pydantic in, pydantic out) over the service and engine.

Both brains — Claude and the offline one — call exactly these, so they make the same
decisions and differ only in wording (ARCHITECTURE.md). Every number a reply may state comes
back in a tool's output. Every change goes through the engine (``adapt_plan`` /
``move_session``), whose validator holds the guardrails whatever the athlete or the model
says; the output carries the engine's reasons (rule ids and values).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select

from coach.brain.errors import ToolError
from coach.brain.tools import Tool
from coach.engine.adapt import (
    Adaptation,
    AdaptEvent,
    DayCapEvent,
    DaysChange,
    Fatigue,
    Illness,
    Injury,
    LongDayChange,
    Missed,
    Partial,
    Skip,
    Unavailable,
    WeekdayCapEvent,
    is_protective,
)
from coach.engine.adapt import adapt_plan as engine_adapt
from coach.engine.adapt import move_session as engine_move
from coach.engine.adapt import swap_sessions as engine_swap
from coach.engine.fix import fix_plan
from coach.engine.library_match import used_workout
from coach.engine.metrics.pmc import acute_chronic_ratio, pmc_series
from coach.engine.metrics.strength import assess_lift
from coach.engine.models import WEEKDAYS, Plan, Profile, Session, Violation, Weekday, parse_clock_s
from coach.engine.render import format_pace
from coach.engine.units import METRES_PER_MILE
from coach.engine.validate import validate_plan
from coach.service import render, training_log
from coach.service.answers import DEFAULT_DAYS_BY_COUNT, AnswerError, parse_clock
from coach.sources.logtext import LiftFields, LogParseError
from coach.store import models as m
from coach.store import repo

if TYPE_CHECKING:
    from coach.service.context import Ctx
    from coach.service.protocol import Service as CoachService

AvoidKind = Literal["run", "ride", "swim", "strength", "impact", "intervals", "downhill"]
LATER_WARNINGS = re.compile(r" ?\d+ later guardrail warning\(s\).*$", re.S)
PMC_WINDOW_DAYS = 120
"""CTL's 42-day time constant needs about three constants of history to settle."""


def _days_away(days: int) -> str:
    """'98 days away, 14 weeks': the days to the race, and in weeks from a week on."""
    if days < 7:
        return f"{days} days away"
    weeks, rest = divmod(days, 7)
    return f"{days} days away, {weeks} week{'s' if weeks > 1 else ''}" + (f" and {rest} day{'s' if rest > 1 else ''}" if rest else "")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    pass


class NoInput(_In):
    pass


class DateInput(_In):
    date: dt.date | None = Field(None, description="The day; default today.")


class WeekInput(_In):
    which: Literal["this", "next"] = "this"


class SessionsInput(_In):
    start: dt.date = Field(description="First day (inclusive).")
    end: dt.date = Field(description="Last day (inclusive), at most 62 days after start.")
    type: str | None = Field(None, description="Only sessions of this type (long, easy, tempo, intervals, ...).")

    @model_validator(mode="after")
    def _span(self) -> SessionsInput:
        if self.end < self.start or (self.end - self.start).days > 62:
            raise ValueError("end must be on or after start and at most 62 days later")
        return self


class SessionsOut(_Out):
    sessions: list[SessionOut]
    longest: SessionOut | None
    text: str


class SessionOut(_Out):
    date: dt.date
    sport: str
    type: str
    intensity: str
    key: bool
    duration_min: int
    distance_km: float | None
    status: str
    text: str


class DayOut(_Out):
    date: dt.date
    rest_day: bool
    sessions: list[SessionOut]
    text: str


class WeekOut(_Out):
    index: int
    start: dt.date
    phase: str
    cutback: bool
    planned_km: float | None
    planned_minutes: int
    sessions: list[SessionOut]
    notes: list[str]
    text: str


class PlanOut(_Out):
    event: str
    race_date: dt.date | None
    target_time: str | None
    weeks: int
    current_week: int | None
    current_phase: str | None
    peak_week: int | None = None
    """The plan's biggest week by training minutes (the first of equals); None for an empty plan."""
    peak_week_start: dt.date | None = None
    peak_week_km: float | None = None
    peak_week_minutes: int | None = None
    text: str


class ExplainOut(_Out):
    date: dt.date
    session: SessionOut | None
    phase: str | None
    cutback: bool
    week_notes: list[str]
    reasons: list[str]


class CheckinInput(_In):
    """What the athlete said; anything unsaid stays unknown (never invented). At least one value."""

    sleep_hours: float | None = Field(None, ge=0, le=24)
    sleep_quality: int | None = Field(None, ge=1, le=5, description="5 = best.")
    energy: int | None = Field(None, ge=1, le=5, description="5 = best.")
    soreness: int | None = Field(None, ge=1, le=5, description="5 = worst.")
    stress: int | None = Field(None, ge=1, le=5, description="5 = worst.")
    hrv_ms: float | None = Field(None, gt=0, le=300)
    resting_hr_bpm: float | None = Field(None, ge=25, le=120)
    resting_hr_above_usual_bpm: float | None = Field(None, ge=-40, le=60, description="'Pulse 8 beats higher than usual' = 8.")
    hrv_below_usual: bool | None = Field(None, description="'HRV down' = true.")
    mood: int | None = Field(None, ge=1, le=5, description="Mood / motivation, 5 = best ('motivation on the floor' = 1).")
    ill: bool | None = Field(None, description="The athlete said they are ill.")
    ill_below_neck: bool | None = Field(
        None, description="Fever, chest, cough, aching all over or stomach (true); only nose/throat/head (false).",
    )
    symptoms: list[str] = Field(
        default_factory=list, max_length=12, description="The symptoms named, in plain words ('sore throat', 'fever').",
    )
    adjust_today: bool = Field(True, description="Ease today's session when readiness calls for it.")

    @model_validator(mode="after")
    def _something(self) -> CheckinInput:
        if all(v in (None, []) for k, v in self.model_dump().items() if k != "adjust_today"):
            raise ValueError("give at least one value (sleep hours, energy, soreness, stress, mood, pulse, HRV or illness)")
        return self


class ReadinessOut(_Out):
    score: int
    colour: str
    reasons: list[str]
    text: str
    today: AdaptOut | None = None


class MissedInput(_In):
    date: dt.date


class PartialInput(_In):
    date: dt.date
    fraction: float = Field(ge=0, le=1, description="Share of the planned session done (0.5 = half).")


class FatigueInput(_In):
    severity: int = Field(2, ge=1, le=3, description="1 a bit tired, 2 tired, 3 exhausted.")
    date: dt.date | None = Field(None, description="The session to ease, when not today's ('make Thursday's run shorter').")


class IllnessInput(_In):
    start: dt.date | None = Field(None, description="First sick day; default today.")
    days: int = Field(3, ge=1, le=28)
    symptoms: list[str] = Field(default_factory=list, max_length=12, description="The symptoms named ('head cold', 'fever').")
    below_neck: bool | None = Field(
        None, description="Fever, chest, cough, aching all over or stomach: rest (true); nose/throat/head only: easy at most (false).",
    )


class InjuryInput(_In):
    body_part: str
    side: Literal["left", "right"] | None = None
    avoid: list[AvoidKind] = Field(min_length=1)
    days: int = Field(7, ge=1, le=28)


class UnavailableInput(_In):
    start: dt.date | None = Field(default=None, description="The first day away (with `end`, a stretch of days).")
    end: dt.date | None = Field(default=None, description="The last day away; the start day alone when left out.")
    dates: list[dt.date] = Field(
        default_factory=list, max_length=62,
        description="Days away named one by one ('the 9th, 16th and 23rd'), instead of start and end: those days only.",
    )
    reason: str = "unavailable"

    @model_validator(mode="after")
    def _some_days(self) -> UnavailableInput:
        if self.dates and (self.start is not None or self.end is not None):
            raise ValueError("give either start and end, or dates, not both")
        if not self.dates and self.start is None:
            raise ValueError("give the days away: start (and end), or dates")
        return self


def date_runs(days: list[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Days as runs of consecutive days, in order: [27, 29, 30] → (27, 27), (29, 30)."""
    runs: list[tuple[dt.date, dt.date]] = []
    for day in sorted(set(days)):
        if runs and day - runs[-1][1] == dt.timedelta(days=1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


class MoveInput(_In):
    from_date: dt.date
    to_date: dt.date = Field(description="The day the athlete named; it becomes available once, whatever its weekday.")


class SwapInput(_In):
    first: dt.date
    second: dt.date


class SkipInput(_In):
    date: dt.date | None = Field(None, description="The day whose session the athlete drops; default today.")
    reason: str = Field("skipped on request", max_length=200)


class DayCapInput(_In):
    date: dt.date
    minutes: int = Field(ge=0, le=1440, description="Training time the athlete has that day.")


class WeekdayCapInput(_In):
    days: list[Weekday] = Field(min_length=1, max_length=7, description="The weekdays the limit is for, e.g. ['thu'].")
    minutes: int | None = Field(
        ..., ge=0, le=1440, description="Training time the athlete has on each of those days from now on; null lifts the limit."
    )


class DaysInput(_In):
    days: list[Weekday] | None = Field(None, min_length=1, max_length=7)
    without: list[Weekday] | None = Field(
        None, min_length=1, max_length=7, description="Days that are out from now on (the others stay)."
    )
    days_per_week: int | None = Field(None, ge=1, le=7, description="A count when the athlete named no days.")
    long_day: Weekday | None = None


class ChangeOut(_Out):
    date: dt.date
    before: str | None
    after: str | None
    reason: str
    rule_ids: list[str]
    values: dict[str, float | int | str | None]


class AdaptOut(_Out):
    accepted: bool
    summary: str
    refused_reason: str | None
    changes: list[ChangeOut]


LOG_BACK_DAYS = 60
"""How far back the log tool takes a workout by values (older ones come as files)."""

CHANGE_HORIZON_DAYS = 14
"""A reviewing coach sees each changed session of the next two weeks; later ones as a count (issue 9)."""


class LoggedLift(_In):
    exercise: str = Field(min_length=1, max_length=60, description="e.g. 'back squat'.")
    sets: int = Field(ge=1, le=20)
    reps: int = Field(ge=1, le=100, description="Reps per set.")
    load_kg: float = Field(ge=0, le=600, description="Load per rep in kg (0 for body weight).")
    rpe: float | None = Field(None, ge=1, le=10, description="RPE of the last set, 1-10.")


class LogInput(_In):
    """Either ``text`` as the athlete said it, or the values already separated (preferred)."""

    text: str | None = Field(
        None, min_length=1, max_length=500, description="What the athlete did in their words, e.g. 'ran 10k in 52 min'. Omit when giving the values below."
    )
    sport: Literal["run", "ride", "swim", "strength", "other"] | None = Field(None, description="Required with the values below.")
    date: dt.date | None = Field(None, description="The day it was done (default today; never in the future).")
    distance: float | None = Field(None, gt=0, le=1000, description="Distance covered, in distance_unit.")
    distance_unit: Literal["km", "mi", "m"] | None = Field(None, description="Unit of distance (default: the athlete's units).")
    duration: str | None = Field(
        None, max_length=20,
        description="How long it took: '1:02:00', '52 min', '1h05', or 'a:b' read as H:MM or MM:SS by what is "
        "plausible for the sport over the distance ('6 mi in 1:02' is 1 h 2 min, '5 km in 23:45' is 23 min 45 s). "
        "Omitted: the planned session's time is counted and the reply says so.",
    )
    rpe: float | None = Field(None, ge=1, le=10, description="Session effort 1-10.")
    exercises: list[LoggedLift] = Field(default_factory=list, max_length=30, description="Strength: each exercise's sets × reps @ load.")

    @model_validator(mode="after")
    def _text_or_values(self) -> LogInput:
        if self.text is None and self.sport is None:
            raise ValueError("give either text or sport (with duration/distance, or exercises)")
        if self.text is not None and (self.sport is not None or self.exercises):
            raise ValueError("give either text or the values, not both")
        if self.exercises and self.sport not in (None, "strength"):
            raise ValueError("exercises belong to a strength session")
        return self


class TextOut(_Out):
    text: str


class PacesInput(_In):
    distance: str | None = Field(None, description="e.g. 5k, 10k, half, marathon; default: the athlete's recent race")
    time: str | None = Field(None, description="e.g. 48:30 or 1:45:00; default: the athlete's recent race")


class LiftOut(_Out):
    exercise: str
    status: str
    e1rm_kg: float | None
    floor_kg: float | None
    stretch_kg: float | None
    confidence: str
    message: str


class MetricsOut(_Out):
    lifts: list[LiftOut] = Field(default_factory=list)
    ctl: float | None
    atl: float | None
    tsb: float | None
    acute_chronic_ratio: float | None
    activities_last_28_days: int
    readiness: int | None
    readiness_colour: str | None
    text: str


class GuardrailsOut(_Out):
    max_weekly_ramp_pct: float
    long_run_max_share_pct: float
    max_acwr: float
    rules_version: str
    text: str


class NoteInput(_In):
    text: str = Field(min_length=1, max_length=1000, description="What to remember, in the athlete's words.")


class NoteOut(_Out):
    id: int
    kind: str
    facts: list[str]
    text: str


class RecallInput(_In):
    query: str = Field(min_length=1, max_length=500)


class RecallOut(_Out):
    notes: list[NoteOut]
    text: str


class NumbersOut(_Out):
    """The athlete's own numbers as the coach holds them (what they said, or measured)."""

    event: str | None
    race_date: dt.date | None
    days_to_race: int | None
    target_time: str | None
    ftp_w: float | None
    threshold_hr: int | None
    max_hr: int | None
    resting_hr: int | None
    css_per_100m: str | None
    recent_race: str | None
    weekly_km: float | None
    training_days: list[str] = Field(default_factory=list)
    long_day: str | None = None
    goal_pace: str | None = None
    """The target time's pace over the race distance ("5:13 /km"), when both are known."""
    text: str


class AskCoachInput(_In):
    message: str = Field(min_length=1, max_length=1000)


class AskCoachOut(_Out):
    delivered_to: int
    text: str


def _session_out(session: Session, units: str) -> SessionOut:
    return SessionOut(
        date=session.date, sport=session.sport, type=session.type, intensity=session.intensity, key=session.key,
        duration_min=session.duration_min, distance_km=session.distance_km, status=session.status,
        text=render.session_text(session, units),
    )


def _session_line(o: SessionOut) -> str:
    """'Sun 20 Dec: run long (key) — 65 min (1 h 05), 10.1 km': minutes always, hours too when over one."""
    hours = f" ({o.duration_min // 60} h {o.duration_min % 60:02d})" if o.duration_min >= 60 else ""
    distance = f", {o.distance_km:g} km" if o.distance_km else ""
    return f"{o.date:%a %d %b}: {o.sport} {o.type}{' (key)' if o.key else ''} — {o.duration_min} min{hours}{distance}"


NO_PLAN = "This athlete has no plan yet; they need to send /start first."


class CoachTools:
    """The tools for one athlete's turn, bound to that turn's transaction."""

    def __init__(self, service: CoachService, ctx: Ctx) -> None:
        self.service = service
        self.ctx = ctx

    # ------------------------------------------------------------------ helpers

    @property
    def units(self) -> str:
        return self.ctx.athlete.units

    async def _plan(self) -> Plan:
        row = await repo.active_plan_row(self.ctx.session, self.ctx.athlete.id)
        if row is None:
            raise ToolError(NO_PLAN)
        return repo.plan_doc(row)

    def _profile(self) -> Profile:
        if self.ctx.athlete.profile is None:
            raise ToolError("This athlete has no profile yet; they need to send /start first.")
        return Profile.model_validate(self.ctx.athlete.profile)

    async def _adapt(self, events: list[AdaptEvent], reason: str) -> AdaptOut:
        plan, profile = await self._plan(), self._profile()
        adaptation = engine_adapt(plan, profile, events, self.ctx.today, self.service.rules)
        # weeks rebuilt past the next two are summarised, not listed as changes: the plan is saved all the same
        replanned = adaptation.plan.weeks != plan.weeks
        return await self._apply(adaptation, reason, protective=is_protective(events), replanned=replanned)

    async def _apply(self, adaptation: Adaptation, reason: str, *, protective: bool = False, replanned: bool = False) -> AdaptOut:
        adaptation = self._publishable(adaptation, protective=protective)
        changes = [
            ChangeOut(
                date=c.date,
                before=None if c.before is None else render.session_title(c.before, self.units),
                after=None if c.after is None else render.session_title(c.after, self.units),
                reason=c.reason, rule_ids=c.rule_ids, values=c.values,
            )
            for c in adaptation.changes
        ]
        summary = adaptation.summary
        if adaptation.accepted and (adaptation.changes or replanned):
            from coach.library.use import (
                with_library,  # re-planned sessions take the athlete's own workouts again
            )

            adaptation = await with_library(self.ctx.session, self.ctx.athlete.id, adaptation, self.service.rules, self.ctx.today)
            await repo.save_plan(self.ctx.session, self.ctx.athlete, adaptation.plan, source="adapt", reason=reason)
            self.ctx.athlete.profile = adaptation.profile.model_dump(mode="json", by_alias=True)
            await training_log.update_adherence(self.ctx)
            told = await self._tell_reviewing_coach(changes, reason, protective=protective)
            if told:
                summary = f"{summary} Your coach ({', '.join(told)}) has been told and can change it."
        elif adaptation.accepted:
            self.ctx.athlete.profile = adaptation.profile.model_dump(mode="json", by_alias=True)
        return AdaptOut(accepted=adaptation.accepted, summary=summary, refused_reason=adaptation.refused_reason, changes=changes)

    async def _tell_reviewing_coach(self, changes: list[ChangeOut], reason: str, *, protective: bool) -> list[str]:
        """A coach who reviews this athlete sees every change the athlete's words made, in their group.

        The change is applied at once either way: a protective one is never held back, and the coach
        stays the final authority through ``/override`` (logged). Keyed by the change itself, so a
        retried turn posts it once."""
        chats = await self._coach_chats(reviewing=True)
        horizon = self.ctx.today + dt.timedelta(days=CHANGE_HORIZON_DAYS)
        near = [c for c in changes if self.ctx.today <= c.date < horizon]
        if not chats or not near:
            return []
        name = self.ctx.athlete.name
        lines = [f"{c.date:%a %d %b}: {c.before or 'rest'} → {c.after or 'rest'}" for c in near]
        later = len(changes) - len(near)
        kind = "lowers load, applied at once" if protective else "applied"
        text = "\n".join([
            f"Plan change for {name} ({reason}; {kind}):", *lines,
            *([f"…and {later} later session(s) rebuilt from the plan's progression."] if later > 0 else []),
            f"To change it: /override {name} YYYY-MM-DD duration_min=N -- reason",
        ])
        digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        told: list[str] = []
        for link, coach, chat_id in chats:
            if coach is None:
                continue
            self.ctx.session.add(m.OutboxMessage(
                key=f"change:{self.ctx.athlete.id}:{link.coach_id}:{digest}", athlete_id=self.ctx.athlete.id,
                chat_id=chat_id, kind="coach_change", payload={"text": text, "buttons": [], "document": None},
            ))
            told.append(coach.name)
        return told

    async def _coach_chats(self, *, reviewing: bool = False) -> list[tuple[m.CoachLink, m.Coach | None, int]]:
        """Where each linked coach (only those who review, with ``reviewing``) is reached: the group the
        link was made in, else the coach's private chat; links with neither are left out."""
        query = select(m.CoachLink).where(m.CoachLink.athlete_id == self.ctx.athlete.id)
        if reviewing:
            query = query.where(m.CoachLink.requires_review.is_(True))
        chats: list[tuple[m.CoachLink, m.Coach | None, int]] = []
        for link in (await self.ctx.session.execute(query)).scalars().all():
            coach = await self.ctx.session.get(m.Coach, link.coach_id)
            chat_id = link.group_chat_id or (None if coach is None else coach.telegram_user_id)
            if chat_id is not None:
                chats.append((link, coach, chat_id))
        return chats

    def _publishable(self, adaptation: Adaptation, *, protective: bool = False) -> Adaptation:
        """A published plan breaks no limit: validate, repair with the engine's fixer, else refuse.

        Targets (easy share, sessions per week...) a change leaves short are kept as warnings, never a
        reason to refuse; a protective change (less load, rest) is applied whatever remains."""
        if not adaptation.accepted:
            return adaptation
        rules = self.service.rules
        today = self.ctx.today

        def breaks_limit(v: Violation) -> bool:  # a session already in the past is history: nothing can change it
            return not rules.guardrails.is_target(v.rule_id) and not (v.date is not None and v.date < today)

        violations = validate_plan(adaptation.plan, adaptation.profile, rules)
        if not [v for v in violations if breaks_limit(v)]:
            return adaptation
        # Repair the future only: past weeks never change. A change inside the next two weeks can push a
        # later week over a guardrail (e.g. the ramp after a travel week); a published plan has zero
        # violations, so those later weeks are trimmed now rather than left as warnings.
        plan_end = max((w.start + dt.timedelta(days=6) for w in adaptation.plan.weeks), default=self.ctx.today)
        fixed = fix_plan(adaptation.plan, adaptation.profile, rules, editable=(self.ctx.today, plan_end))
        remaining = validate_plan(fixed, adaptation.profile, rules)
        limits = [v for v in remaining if breaks_limit(v)]
        if not limits or protective:
            fixed = fixed.model_copy(update={"validation": fixed.validation.model_copy(update={"violations": remaining})})
            summary = LATER_WARNINGS.sub("", adaptation.summary).rstrip()
            repaired = len(fixed.validation.fixes) - len(adaptation.plan.validation.fixes)
            if repaired > 0:
                summary += f" {repaired} later session(s) adjusted to stay within the guardrails."
            return adaptation.model_copy(update={"plan": fixed, "summary": summary})
        worst = limits[0]
        return adaptation.model_copy(update={
            "accepted": False,
            "refused_reason": f"that change would break a guardrail ({worst.rule_id}): {worst.message}",
        })

    # ------------------------------------------------------------------ reading

    async def _sessions_between(self, first: dt.date, last: dt.date) -> list[Session]:
        """The plan's sessions in a window, read without loading the whole plan (``repo.active_session_docs_between``)."""
        sessions = await repo.active_session_docs_between(self.ctx.session, self.ctx.athlete.id, first, last)
        if sessions is None:
            raise ToolError(NO_PLAN)
        return sessions

    async def today(self, data: DateInput) -> DayOut:
        day = data.date or self.ctx.today
        sessions = await self._sessions_between(day, day)
        text = render.day_text(day, sessions, self.units, "Today" if day == self.ctx.today else render.day_label(day))
        if "FTP" in text and self.ctx.athlete.profile is not None:
            text = render.with_watts(text, self._profile().history.ftp_w)  # "what power do I hold?": the watts too
        return DayOut(date=day, rest_day=not sessions, sessions=[_session_out(s, self.units) for s in sessions], text=text)

    async def sessions(self, data: SessionsInput) -> SessionsOut:
        """The planned sessions between two dates (optionally of one type), each with minutes and distance."""
        found = sorted(
            (s for s in await self._sessions_between(data.start, data.end)
             if s.type != "commitment" and (data.type is None or s.type == data.type)),
            key=lambda s: (s.date, s.sport),
        )
        outs = [_session_out(s, self.units) for s in found]
        longest = max(outs, key=lambda o: (o.duration_min, o.date.toordinal() * -1)) if outs else None
        lines = [_session_line(o) for o in outs] or [f"Nothing planned between {data.start:%a %d %b} and {data.end:%a %d %b}."]
        return SessionsOut(sessions=outs, longest=longest, text="\n".join(lines))

    async def week(self, data: WeekInput) -> WeekOut:
        anchor = self.ctx.today + dt.timedelta(days=7 if data.which == "next" else 0)
        has_plan, week = await repo.active_week_doc(self.ctx.session, self.ctx.athlete.id, anchor)  # that week's rows only
        if not has_plan:
            raise ToolError(NO_PLAN)
        if week is None:
            raise ToolError("The plan has no week at that date.")
        return WeekOut(
            index=week.index, start=week.start, phase=week.phase, cutback=week.cutback, planned_km=week.planned_km,
            planned_minutes=week.planned_minutes, sessions=[_session_out(s, self.units) for s in week.sessions],
            notes=week.notes, text=render.week_text(week, self.units, self.ctx.today),
        )

    async def my_numbers(self, _: NoInput) -> NumbersOut:
        """FTP, heart rates, swim pace, the recent race, the goal and its date: from the profile."""
        profile = self._profile()
        h, goal = profile.history, profile.goal
        race = None if h.recent_race is None else f"{h.recent_race.distance_km:g} km in {h.recent_race.time}"
        weekly = round(sum(h.weekly_km[-4:]) / len(h.weekly_km[-4:]), 1) if h.weekly_km else None
        days = None if goal.date is None else (goal.date - self.ctx.today).days
        event = goal.event.replace("_", " ")
        event_km = self.service.rules.event(goal.event).distance_km
        if event_km is not None:
            event += f" ({event_km:g} km)" if self.units != "mi" else f" ({event_km * 1000 / METRES_PER_MILE:.1f} mi)"
        goal_pace = None
        if goal.target_time and event_km:
            # The target time over the race distance (the pace the plan's race-pace work runs at, unless
            # the target is out of reach: see the plan's notes).
            unit: Literal["km", "mi"] = "mi" if self.units == "mi" else "km"
            goal_pace = f"{format_pace(parse_clock_s(goal.target_time) / event_km, unit)} /{unit}"
        parts = [f"Goal: {event}" + (f" on {goal.date:%a %d %b %Y} ({_days_away(days)})" if goal.date and days is not None else "")
                 + (f", target {goal.target_time}" if goal.target_time else "")
                 + (f" (goal pace {goal_pace})" if goal_pace else "") + "."]
        for label, value in (("FTP", None if h.ftp_w is None else f"{h.ftp_w:g} W"),
                             ("threshold HR", None if h.threshold_hr is None else f"{h.threshold_hr} bpm"),
                             ("max HR", None if h.max_hr is None else f"{h.max_hr} bpm"),
                             ("resting HR", None if h.resting_hr is None else f"{h.resting_hr} bpm"),
                             ("CSS", None if h.css_per_100m is None else f"{h.css_per_100m} /100 m"),
                             ("recent race", race),
                             ("usual week", None if weekly is None else f"{weekly:g} km")):
            if value is not None:
                parts.append(f"{label.capitalize() if label[0].islower() else label}: {value}.")
        availability = profile.availability
        parts.append(f"Training days: {', '.join(d.capitalize() for d in availability.days)}"
                     + (f"; long session on {availability.long_day.capitalize()}." if availability.long_day else "."))
        return NumbersOut(
            event=goal.event, race_date=goal.date, days_to_race=days, target_time=goal.target_time, ftp_w=h.ftp_w,
            threshold_hr=h.threshold_hr, max_hr=h.max_hr, resting_hr=h.resting_hr, css_per_100m=h.css_per_100m,
            recent_race=race, weekly_km=weekly, training_days=list(availability.days), long_day=availability.long_day,
            goal_pace=goal_pace, text=" ".join(parts),
        )

    async def plan_summary(self, _: NoInput) -> PlanOut:
        plan = await self._plan()
        week = render.current_week(plan, self.ctx.today)
        peak = max(plan.weeks, key=lambda w: (w.planned_minutes, -w.index), default=None)
        return PlanOut(
            event=plan.meta.event, race_date=plan.meta.race_date, target_time=plan.meta.target_time, weeks=len(plan.weeks),
            current_week=None if week is None else week.index, current_phase=None if week is None else week.phase,
            peak_week=None if peak is None else peak.index, peak_week_start=None if peak is None else peak.start,
            peak_week_km=None if peak is None else peak.planned_km, peak_week_minutes=None if peak is None else peak.planned_minutes,
            text=render.plan_summary(plan, self.units, self.ctx.today),
        )

    async def explain_session(self, data: DateInput) -> ExplainOut:
        plan = await self._plan()
        day = data.date or self.ctx.today
        week = render.current_week(plan, day)
        sessions = [s for w in plan.weeks for s in w.sessions if s.date == day]
        session = next((s for s in sessions if s.type != "commitment"), sessions[0] if sessions else None)
        reasons: list[str] = []
        if week is not None:
            reasons.append(f"Week {week.index} is a {week.phase} week" + (" and a cutback week." if week.cutback else "."))
        if session is not None:
            if session.key:
                reasons.append(f"The {session.type} session is a key session of the week.")
            reasons.append(f"Intensity: {session.intensity}.")
            if (own := used_workout(session)) is not None:
                reasons.append(f"It is {own}, in place of the engine's {session.type} session.")
        else:
            reasons.append("It's a rest day: recovery is where the training sinks in.")
        return ExplainOut(
            date=day, session=None if session is None else _session_out(session, self.units),
            phase=None if week is None else week.phase, cutback=False if week is None else week.cutback,
            week_notes=[] if week is None else week.notes, reasons=reasons,
        )

    async def metrics(self, _: NoInput) -> MetricsOut:
        first = self.ctx.today - dt.timedelta(days=PMC_WINDOW_DAYS)
        rows = (
            await self.ctx.session.execute(
                select(m.Activity).where(m.Activity.athlete_id == self.ctx.athlete.id, m.Activity.start_time >= dt.datetime.combine(first, dt.time()))
            )
        ).scalars().all()
        daily: dict[dt.date, float] = {}
        for a in rows:
            daily[a.start_time.date()] = daily.get(a.start_time.date(), 0.0) + (a.load or 0.0)
        checkins = await repo.recent_checkins(self.ctx.session, self.ctx.athlete.id, 1)
        latest = checkins[0] if checkins else None
        lifts = await self._lifts()
        recent = sum(1 for a in rows if a.start_time.date() > self.ctx.today - dt.timedelta(days=28))
        if not rows:
            return MetricsOut(
                lifts=lifts, ctl=None, atl=None, tsb=None, acute_chronic_ratio=None, activities_last_28_days=0,
                readiness=None if latest is None else latest.readiness, readiness_colour=None if latest is None else latest.readiness_color,
                text="Not enough data yet: log or upload some sessions and I'll track fitness (CTL), fatigue (ATL) and form (TSB).",
            )
        series = pmc_series(daily, start=first, end=self.ctx.today)
        today = series[-1]
        ratio = acute_chronic_ratio(daily, self.ctx.today)
        text = f"Fitness (CTL) {today.ctl:.1f}, fatigue (ATL) {today.atl:.1f}, form (TSB) {today.tsb:.1f}"
        if ratio is not None:
            text += f"; acute:chronic {ratio:.2f}"
        text += "".join(f" {lift.message}" for lift in lifts)
        return MetricsOut(
            lifts=lifts, ctl=round(today.ctl, 1), atl=round(today.atl, 1), tsb=round(today.tsb, 1),
            acute_chronic_ratio=None if ratio is None else round(ratio, 2), activities_last_28_days=recent,
            readiness=None if latest is None else latest.readiness, readiness_colour=None if latest is None else latest.readiness_color,
            text=text + ".",
        )

    async def _lifts(self) -> list[LiftOut]:
        """Strength per lift from logged sets (seed 004), replayed in date order so the floor only ratchets up."""
        # the live coach's history: /log sets and live sessions' sets, under one set of exercise names
        from coach.service.lifting import strength_history

        sets = await strength_history(self.ctx.session, self.ctx.athlete.id)
        out: list[LiftOut] = []
        for exercise in sorted({s.exercise for s in sets}):
            status = None
            for day in sorted({s.date for s in sets if s.exercise == exercise}):
                status = assess_lift(exercise, sets, day, previous=None if status is None else status.state)
            assert status is not None
            out.append(LiftOut(
                exercise=exercise, status=status.status, e1rm_kg=None if status.estimate is None else round(status.estimate.value_kg, 1),
                floor_kg=None if status.band is None else status.band.floor_kg,
                stretch_kg=None if status.band is None else status.band.stretch_kg, confidence=status.confidence, message=status.message,
            ))
        return out

    async def guardrails(self, _: NoInput) -> GuardrailsOut:
        rules = self.service.rules
        g = rules.guardrails
        ramp = float(g.volume.ramp_max_pct)
        share = round(float(g.long_run_share.default_max) * 100, 1)
        acwr = float(g.acwr.max_ratio)
        return GuardrailsOut(
            max_weekly_ramp_pct=ramp, long_run_max_share_pct=share, max_acwr=acwr, rules_version=rules.version,
            text=f"Weekly volume grows at most {ramp:g} % a week, the long run stays under {share:g} % of the week, "
                 f"and this week's load stays under {acwr:g}× the last four weeks' average.",
        )

    # ------------------------------------------------------------------ changing

    async def log_checkin(self, data: CheckinInput) -> ReadinessOut:
        """Store the check-in as said, score readiness, and decide today's session from it."""
        values = data.model_dump(exclude={"adjust_today"}, exclude_none=True)
        if data.symptoms and data.ill is None:
            values["ill"] = True
        stored = await training_log.store_checkin(self.ctx, values, self.service.clock.now())
        if stored is None:
            raise ToolError("Those numbers don't fit: sleep is 0–24 hours and the 1–5 items are 1 to 5.")
        _, readiness = stored
        today: AdaptOut | None = None
        lines = [f"Readiness {readiness.score}/100 — {readiness.colour}.", *[f"• {r}" for r in readiness.reasons]]
        if data.adjust_today and readiness.colour != "green" and self.ctx.athlete.profile is not None:
            today = await self._adapt([Fatigue(readiness=readiness.score)], f"readiness {readiness.score}")
            for change in today.changes:
                what = f"{change.before} → {change.after or 'rest'}" if change.before else f"new: {change.after}"
                lines.append(f"{change.date:%a %d %b}: {what} ({change.reason}).")
            if not today.changes:
                lines.append("Nothing to change today: keep it easy and listen to your body.")
        elif readiness.colour == "green":
            lines.append("Train as planned.")
        return ReadinessOut(score=readiness.score, colour=readiness.colour, reasons=list(readiness.reasons),
                            text="\n".join(lines), today=today)

    async def _mark(self, day: dt.date, status: str) -> None:
        """Record what the athlete reported on the stored session(s) of that day."""
        if day > self.ctx.today:
            raise ToolError(f"{day.isoformat()} hasn't happened yet, so it can't be {status}.")
        row = await repo.active_plan_row(self.ctx.session, self.ctx.athlete.id)
        planned = [] if row is None else [s for s in repo.sessions_on(row, day) if s.type != "commitment"]
        if not planned:
            raise ToolError(f"There was no session planned on {day.isoformat()}.")
        for session in planned:
            session.status = status

    async def report_missed(self, data: MissedInput) -> AdaptOut:
        await self._mark(data.date, "missed")
        return await self._adapt([Missed(date=data.date)], f"missed session on {data.date}")

    async def report_partial(self, data: PartialInput) -> AdaptOut:
        await self._mark(data.date, "partial")
        return await self._adapt([Partial(date=data.date, fraction=data.fraction)], f"partial session on {data.date}")

    async def report_fatigue(self, data: FatigueInput) -> AdaptOut:
        checkins = await repo.recent_checkins(self.ctx.session, self.ctx.athlete.id, 1)
        readiness = checkins[0].readiness if checkins and checkins[0].date == self.ctx.today else None
        if data.date is not None and data.date < self.ctx.today:
            raise ToolError(f"{data.date.isoformat()} is already past.")
        event = Fatigue(severity=data.severity, readiness=readiness, date=data.date)
        return await self._adapt([event], f"fatigue (severity {data.severity})")

    async def report_illness(self, data: IllnessInput) -> AdaptOut:
        start = data.start or self.ctx.today
        self.ctx.session.add(m.Limitation(
            athlete_id=self.ctx.athlete.id, kind="illness", avoid=["intervals"],
            description="illness" + (f": {', '.join(data.symptoms)}" if data.symptoms else ""),
            since=start, until=start + dt.timedelta(days=data.days),
        ))
        if start <= self.ctx.today < start + dt.timedelta(days=data.days):  # today's check-in says so (what was said only)
            below = True if data.below_neck is None else data.below_neck
            await training_log.store_checkin(
                self.ctx, {"ill": True, "ill_below_neck": below, "symptoms": data.symptoms}, self.service.clock.now(),
            )
        event = Illness.model_validate({"from": start, "days": data.days, "above_neck_only": data.below_neck is False})
        return await self._adapt([event], f"illness from {start}")

    async def report_injury(self, data: InjuryInput) -> AdaptOut:
        part = f"{data.side} {data.body_part}" if data.side else data.body_part
        await repo.add_limitation(self.ctx.session, m.Limitation(
            athlete_id=self.ctx.athlete.id, kind="injury", body_part=data.body_part, side=data.side, avoid=list(data.avoid),
            description=f"sore {part}", since=self.ctx.today, until=self.ctx.today + dt.timedelta(days=data.days),
        ))
        event = Injury.model_validate({"body_part": data.body_part, "avoid": data.avoid, "from": self.ctx.today, "days": data.days})
        return await self._adapt([event], f"injury: {part}")

    async def set_unavailable(self, data: UnavailableInput) -> AdaptOut:
        if data.dates:
            spans = date_runs(data.dates)  # one event per run of days: one re-plan for all of them
        else:
            assert data.start is not None  # the model's validator
            end = data.start if data.end is None else data.end
            if end < data.start:
                raise ToolError("The end date is before the start date.")
            spans = [(data.start, end)]
        events: list[AdaptEvent] = [
            Unavailable.model_validate({"from": a, "to": b, "reason": data.reason, "athlete_asked": True}) for a, b in spans
        ]
        return await self._adapt(events, "unavailable " + ", ".join(f"{a}–{b}" if a != b else f"{a}" for a, b in spans))

    async def move_session(self, data: MoveInput) -> AdaptOut:
        plan, profile = await self._plan(), self._profile()
        adaptation = engine_move(plan, profile, self.service.rules, data.from_date, data.to_date, today=self.ctx.today)
        return await self._apply(adaptation, f"moved {data.from_date} to {data.to_date}")

    async def swap_sessions(self, data: SwapInput) -> AdaptOut:
        plan, profile = await self._plan(), self._profile()
        adaptation = engine_swap(plan, profile, self.service.rules, data.first, data.second, today=self.ctx.today)
        return await self._apply(adaptation, f"swapped {data.first} and {data.second}")

    async def skip_session(self, data: SkipInput) -> AdaptOut:
        day = data.date or self.ctx.today
        if day < self.ctx.today:
            raise ToolError(f"{day.isoformat()} is already past; if you didn't do it, report it as missed.")
        row = await repo.active_plan_row(self.ctx.session, self.ctx.athlete.id)
        planned = [] if row is None else [s for s in repo.sessions_on(row, day) if s.type not in ("commitment", "race")]
        if not planned:
            raise ToolError(f"There's nothing planned on {day.isoformat()}, so there's nothing to skip: it's already a rest day.")
        return await self._adapt([Skip(date=day, reason=data.reason, athlete_asked=True)], f"skip {day}")

    async def limit_day(self, data: DayCapInput) -> AdaptOut:
        if data.date < self.ctx.today:
            raise ToolError(f"{data.date.isoformat()} is already past.")
        if data.minutes == 0:
            raise ToolError("0 minutes means no training that day: say you'll skip it, or that you can't train then.")
        event = DayCapEvent(date=data.date, minutes=data.minutes, athlete_asked=True)
        return await self._adapt([event], f"{data.minutes} min on {data.date}")

    async def limit_weekday(self, data: WeekdayCapInput) -> AdaptOut:
        if data.minutes == 0:
            raise ToolError("0 minutes means no training on those days: change the training days instead (change_days with without).")
        event = WeekdayCapEvent(days=data.days, minutes=data.minutes, athlete_asked=True)
        named = ", ".join(data.days)
        return await self._adapt([event], f"{data.minutes} min on {named} from now on" if data.minutes else f"no limit on {named}")

    async def change_days(self, data: DaysInput) -> AdaptOut:
        events: list[AdaptEvent] = []
        if data.without is not None and data.days is None:
            availability = self._profile().availability
            kept = [d for d in availability.days if d not in data.without]
            if not kept:
                raise ToolError("That would leave no training day at all; which days can you still train?")
            long_day = data.long_day or availability.long_day
            if long_day not in kept:  # the long session's day is gone: the latest day left, weekend first
                long_day = next((d for d in ("sun", "sat") if d in kept), kept[-1])
            data = data.model_copy(update={"days": kept, "long_day": long_day})
        if data.days is None and data.days_per_week is not None:
            data = data.model_copy(update={"days": list(DEFAULT_DAYS_BY_COUNT[data.days_per_week])})
        availability = self._profile().availability
        same_days = data.days is None or sorted(set(data.days), key=WEEKDAYS.index) == list(availability.days)
        if same_days and (data.long_day is None or data.long_day == availability.long_day) and (data.days or data.long_day):
            # "they leave at 8 on Saturdays, so that's when I'll be riding" of a Saturday long ride: nothing to rebuild
            said = f"long day is already {availability.long_day}" if data.long_day else f"days are already {', '.join(availability.days)}"
            return AdaptOut(accepted=True, summary=f"Nothing changed: your {said}.", refused_reason=None, changes=[])
        if data.days is not None:
            events.append(DaysChange(days=data.days, long_day=data.long_day, athlete_asked=True))
        elif data.long_day is not None:
            events.append(LongDayChange(long_day=data.long_day, athlete_asked=True))
        else:
            raise ToolError("Give the new training days or the new long day.")
        return await self._adapt(events, "new training days" if data.days else f"long day {data.long_day}")

    async def log_activity(self, data: LogInput) -> TextOut:
        now = self.service.clock.now()
        if data.text is not None:
            replies = await training_log.log_text(self.ctx, data.text, now)
            return TextOut(text=replies[0].text)
        assert data.sport is not None
        day = data.date or self.ctx.today
        if day > self.ctx.today:
            raise ToolError(f"{day:%a %d %b} is in the future; log a workout once it's done.")
        if day < self.ctx.today - dt.timedelta(days=LOG_BACK_DAYS):
            raise ToolError(f"{day:%d %b %Y} is more than {LOG_BACK_DAYS} days ago; send the file for older workouts.")
        unit = data.distance_unit or ("mi" if self.units == "mi" else "km")
        distance_m = None if data.distance is None else data.distance * {"km": 1000.0, "mi": METRES_PER_MILE, "m": 1.0}[unit]
        duration_s: float | None = None
        if data.duration is not None:
            try:
                clock = parse_clock(data.duration, distance_km=None if distance_m is None else distance_m / 1000, sport=data.sport)
            except AnswerError as error:
                raise ToolError(str(error)) from error
            duration_s = float(parse_clock_s(clock))
        lifts = tuple(LiftFields(x.exercise, x.sets, x.reps, x.load_kg, x.rpe) for x in data.exercises)
        try:
            lines = await training_log.log_fields(
                self.ctx, now, sport=data.sport, day=day, distance_m=distance_m, duration_s=duration_s, rpe=data.rpe, lifts=lifts,
            )
        except LogParseError as error:
            raise ToolError(str(error)) from error
        return TextOut(text="\n".join(lines))

    def _power_zones(self, ftp_w: float) -> str:
        """Coggan's power zones in watts from the athlete's FTP (Allen & Coggan, Training and Racing
        with a Power Meter; the bands are coach/rules/workouts.yaml's)."""
        bands = self.service.rules.workouts.zones.ftp_pct
        names = {"Z1": "recovery", "Z2": "endurance", "Z3": "tempo", "Z4": "threshold", "Z5": "VO2max", "Z6": "anaerobic"}
        lines = [f"Your power zones from FTP {ftp_w:.0f} W:"]
        for zone, (low, high) in bands.items():
            lines.append(f"  {zone} {names.get(zone, '')}: {round(ftp_w * low / 100)}–{round(ftp_w * high / 100)} W ({low:g}–{high:g}% FTP)")
        return "\n".join(lines)

    async def paces(self, data: PacesInput) -> TextOut:
        distance, time = data.distance, data.time
        profile = self._profile()
        ftp = profile.history.ftp_w
        if (distance is None or time is None) and ftp is not None and (profile.sport == "ride" or profile.history.recent_race is None):
            return TextOut(text=self._power_zones(ftp))  # "what does zone 2 mean in watts for me?"
        if distance is None or time is None:
            race = profile.history.recent_race
            if race is None:
                raise ToolError("I need a recent race or time trial for paces, e.g. 10k in 48:30.")
            distance, time = f"{race.distance_km}km", race.time
            prefix = f"From your {race.distance_km:.3g} km in {race.time}:\n"
        else:
            prefix = ""
        text = prefix + training_log.paces(f"{distance} {time}", self.units)[0].text
        if ftp is not None and profile.sport == "tri":
            text += "\n" + self._power_zones(ftp)
        return TextOut(text=text)

    async def remember_note(self, data: NoteInput) -> NoteOut:
        note = await self.service.notes.remember(self.ctx, data.text)
        facts = [str(f.get("description") or f.get("kind")) for f in note.facts]
        limits = await repo.active_limitations(self.ctx.session, self.ctx.athlete.id)
        facts = [lim.description for lim in limits if lim.note_id == note.id] or facts
        extra = f" I'll treat it as: {'; '.join(facts)}." if facts else ""
        return NoteOut(id=note.id, kind=note.kind, facts=facts, text=f"Noted ({note.kind}): {note.text}.{extra}")

    async def recall_notes(self, data: RecallInput) -> RecallOut:
        notes = await self.service.notes.recall(self.ctx, data.query)
        if not notes:
            return RecallOut(notes=[], text="I don't have any notes about that.")
        outs = [NoteOut(id=n.id, kind=n.kind, facts=[], text=n.text) for n in notes]
        return RecallOut(notes=outs, text="What you told me: " + "; ".join(n.text for n in notes))

    async def ask_coach(self, data: AskCoachInput) -> AskCoachOut:
        delivered = 0
        for link, _, chat_id in await self._coach_chats():
            digest = hashlib.sha256(data.message.encode()).hexdigest()[:16]  # stable across processes, unlike hash()
            key = f"ask_coach:{self.ctx.athlete.id}:{link.coach_id}:{digest}:{self.ctx.today}"
            self.ctx.session.add(m.OutboxMessage(
                key=key, athlete_id=self.ctx.athlete.id, chat_id=chat_id, kind="ask_coach",
                payload={"text": f"{self.ctx.athlete.name} asks: {data.message}", "buttons": [], "document": None},
            ))
            delivered += 1
        if delivered == 0:
            return AskCoachOut(delivered_to=0, text="You don't have a human coach linked yet, so I can't pass this on.")
        return AskCoachOut(delivered_to=delivered, text="I've passed your message to your coach.")

    # ------------------------------------------------------------------ the list

    def tools(self) -> list[Tool[Any, Any]]:
        def tool(name: str, description: str, run: Callable[[Any], Awaitable[BaseModel]], input_model: type[BaseModel],
                 output_model: type[BaseModel], mutates: bool = False) -> Tool[Any, Any]:
            return Tool(name=name, description=description, input_model=input_model, output_model=output_model, run=run, mutates=mutates)

        return [
            tool("today", "The athlete's planned sessions on a day (default today), with steps and targets.", self.today, DateInput, DayOut),
            tool("week", "This or next week's plan: phase, volume, sessions and why.", self.week, WeekInput, WeekOut),
            tool("sessions", "The planned sessions between two dates (at most 62 days), optionally of one type, with minutes, "
                 "distance and the longest.", self.sessions, SessionsInput, SessionsOut),
            tool("my_numbers", "The athlete's own numbers: goal and race date, target time, FTP, heart rates, CSS, recent race, "
                 "usual weekly volume.", self.my_numbers, NoInput, NumbersOut),
            tool("plan_summary", "The whole plan at a glance: event, date, weeks, current phase.", self.plan_summary, NoInput, PlanOut),
            tool("explain_session", "Why a day's session is what it is: phase, week notes, key session.", self.explain_session, DateInput, ExplainOut),
            tool("metrics", "Fitness (CTL), fatigue (ATL), form (TSB), acute:chronic ratio and latest readiness.", self.metrics, NoInput, MetricsOut),
            tool("guardrails", "The safety rules every plan obeys (ramp, long-run share, load ratio) with their numbers.", self.guardrails, NoInput, GuardrailsOut),
            tool("log_checkin", "Record a check-in from what the athlete said (sleep, energy, soreness, stress, pulse, HRV; "
                 "unsaid items stay unknown), return readiness 0-100 with reasons, and ease today's session when it is "
                 "amber or red.", self.log_checkin, CheckinInput, ReadinessOut, True),
            tool("report_missed", "The athlete missed a planned session on a date; re-plans the next days.", self.report_missed, MissedInput, AdaptOut, True),
            tool("report_partial", "The athlete did only part of a session; re-plans the next days.", self.report_partial, PartialInput, AdaptOut, True),
            tool("report_fatigue", "The athlete is tired or slept badly; eases today's session (and tomorrow's when very tired).", self.report_fatigue, FatigueInput, AdaptOut, True),
            tool("report_illness", "The athlete is ill; rest then a return-to-training progression.", self.report_illness, IllnessInput, AdaptOut, True),
            tool("report_injury", "Pain or injury; avoids the given sports or impact/intervals/downhill.", self.report_injury, InjuryInput, AdaptOut, True),
            tool("set_unavailable", "The athlete can't train between two dates (travel, holiday).", self.set_unavailable, UnavailableInput, AdaptOut, True),
            tool("move_session", "Move a session to another date the athlete named (that date becomes available once), "
                 "if the limits allow.", self.move_session, MoveInput, AdaptOut, True),
            tool("swap_sessions", "Exchange the sessions of two dates.", self.swap_sessions, SwapInput, AdaptOut, True),
            tool("skip_session", "The athlete drops a session (default today's); nothing is made up.", self.skip_session, SkipInput,
                 AdaptOut, True),
            tool("limit_day", "The athlete has only so many minutes on one date; that day's session is shortened.",
                 self.limit_day, DayCapInput, AdaptOut, True),
            tool("limit_weekday", "From now on the athlete has at most so many minutes on a weekday (\"Thursdays 50 min max from "
                 "now on\"): every coming session on it is shortened and later plans keep the limit; null minutes lifts it.",
                 self.limit_weekday, WeekdayCapInput, AdaptOut, True),
            tool("change_days", "Change training days from now on (the new list, or the days that are out) and/or the "
                 "long-session day.", self.change_days, DaysInput, AdaptOut, True),
            tool(
                "log_activity",
                "Log a finished workout: pass the values (sport, date, distance + unit, duration, RPE; for strength each "
                "exercise's sets × reps @ load_kg), or the athlete's words as text.",
                self.log_activity, LogInput, TextOut, True,
            ),
            tool("paces", "VDOT, race equivalents and training paces from a race result.", self.paces, PacesInput, TextOut),
            tool("remember_note", "Remember something the athlete said (injury, equipment, constraint, preference).", self.remember_note, NoteInput, NoteOut, True),
            tool("recall_notes", "Recall what the athlete said before about a topic.", self.recall_notes, RecallInput, RecallOut),
            tool("ask_coach", "Pass a message to the athlete's human coach.", self.ask_coach, AskCoachInput, AskCoachOut, True),
        ]


__all__ = ["WEEKDAYS", "CoachTools"]
