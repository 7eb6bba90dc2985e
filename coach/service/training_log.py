"""Use cases that turn what the athlete did and felt into stored numbers.

Logging text (``/log ran 10k in 52 min``), importing files, linking activities to planned
sessions (done / partial / missed), the morning check-in and readiness, and paces. The
numbers come from the engine's metric functions; this module stores them and words them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from coach.engine.metrics.adherence import (
    ActivityRef,
    PlannedSessionRef,
    link_sessions,
    prescription_bias,
    weekly_compliance,
)
from coach.engine.metrics.athlete_profile import build_profile as build_athlete_profile
from coach.engine.metrics.athlete_profile import to_history
from coach.engine.metrics.readiness import (
    PhysiologyBaseline,
    Readiness,
    ReadinessCheckIn,
    RecentSession,
    assess_readiness,
)
from coach.engine.models import format_clock, parse_clock_s
from coach.engine.units import KM_PER_MILE
from coach.service import render
from coach.service.types import Button, Reply
from coach.sources.activity import ImportedActivity
from coach.sources.errors import ImportFailure
from coach.sources.importer import import_activities
from coach.sources.logtext import (
    LiftFields,
    LogEntry,
    LoggedStrength,
    LogParseError,
    MissingTimeError,
    UnloadedLift,
    entries_from_fields,
    parse_log,
    without_endurance,
)
from coach.store import models as m
from coach.store import repo

if TYPE_CHECKING:
    from coach.service.context import Ctx

ADHERENCE_WINDOW_DAYS = 14
"""Planned sessions this far back are re-linked to activities after each log or import."""
RECOVERY_LOOKBACK_H = 96
"""Sessions older than this no longer weigh on readiness (recovery at τ = 30 h is > 95 % by then)."""
BASELINE_CHECKINS = 14
"""HRV and resting HR are compared with the athlete's own last two weeks (seed 004's 'your own baseline')."""

CHECKIN_STEPS: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("sleep_hours", "How many hours did you sleep?", [("≤5", "5"), ("6", "6"), ("7", "7"), ("8", "8"), ("9+", "9")]),
    ("sleep_quality", "Sleep quality? (1 poor – 5 great)", [(str(i), str(i)) for i in range(1, 6)]),
    ("energy", "Energy this morning? (1 flat – 5 buzzing)", [(str(i), str(i)) for i in range(1, 6)]),
    ("soreness", "Muscle soreness? (1 none – 5 very sore)", [(str(i), str(i)) for i in range(1, 6)]),
    ("stress", "Stress? (1 calm – 5 very stressed)", [(str(i), str(i)) for i in range(1, 6)]),
]
CHECKIN_WORDS = {"sleep": "sleep_hours", "slept": "sleep_hours", "quality": "sleep_quality", "energy": "energy",
                 "soreness": "soreness", "sore": "soreness", "stress": "stress", "hrv": "hrv_ms", "rhr": "resting_hr_bpm",
                 "resting": "resting_hr_bpm"}
COLOUR_ADVICE = {
    "green": "Good to go: do today's session as planned.",
    "amber": "Go by feel today: keep the easy parts easy and cut the hard part short if it feels wrong.",
    "red": "Take it easy today: swap hard work for rest or an easy, short session.",
}


@dataclass(frozen=True)
class StoredActivity:
    row: m.Activity
    new: bool


def _athlete_thresholds(athlete: m.Athlete) -> dict[str, Any]:
    history = (athlete.profile or {}).get("history") or {}
    return {"ftp_w": history.get("ftp_w"), "max_hr": history.get("max_hr")}


async def stored_with(ctx: Ctx, fingerprint: str) -> m.Activity | None:
    """The athlete's stored activity with this fingerprint, if any (the store keeps each once)."""
    query = select(m.Activity).where(m.Activity.athlete_id == ctx.athlete.id, m.Activity.fingerprint == fingerprint)
    return (await ctx.session.execute(query)).scalar_one_or_none()


async def store_activity(ctx: Ctx, activity: ImportedActivity, *, source: str, file_name: str | None) -> StoredActivity:
    """Store an activity once: the same recording (by fingerprint) is never stored twice."""
    existing = await stored_with(ctx, activity.fingerprint)
    if existing is not None:
        return StoredActivity(existing, new=False)
    row = m.Activity(
        athlete_id=ctx.athlete.id, fingerprint=activity.fingerprint, source=source, file_name=file_name,
        sport=activity.sport, start_time=activity.start_time.astimezone(dt.UTC).replace(tzinfo=None),
        elapsed_s=activity.elapsed_s, moving_s=activity.moving_s, distance_km=activity.distance_km,
        elevation_gain_m=activity.elevation_gain_m, avg_hr=activity.avg_hr, max_hr=activity.max_hr,
        avg_power_w=activity.avg_power_w, np_w=activity.np_w, tss=activity.tss, load=activity.load,
        details={"load_method": activity.load_method, "warnings": activity.warnings,
                 "mmp_w": {str(k): v for k, v in activity.mmp_w.items()}, "best_20min_hr_bpm": activity.best_20min_hr_bpm,
                 "decoupling_pct": activity.decoupling_pct, "efficiency_factor": activity.efficiency_factor,
                 "work_kj": activity.work_kj, "durability": [f.model_dump() for f in activity.durability]},
    )
    ctx.session.add(row)
    await ctx.session.flush()
    return StoredActivity(row, new=True)


def describe_activity(row: m.Activity, units: str) -> str:
    parts = [row.sport.replace("_", " ")]
    if row.distance_km:
        parts.append(render.distance(row.distance_km, units))
    duration_s = row.moving_s or row.elapsed_s
    if duration_s:
        parts.append(f"in {format_clock(duration_s)}")
    if row.load:
        parts.append(f"(load {row.load:.0f})")
    return " ".join(parts)


def _planned_ref(plan_document: dict[str, Any], s: m.PlannedSession) -> PlannedSessionRef:
    """A planned session for linking; an estimated run distance (no race result yet) is not held
    against the athlete: such sessions are judged by duration."""
    estimated = bool((plan_document.get("meta") or {}).get("easy_pace_estimate")) and s.sport == "run" and s.type != "race"
    return PlannedSessionRef(
        id=str(s.id), date=s.date, sport=s.sport, type=s.type, duration_min=s.duration_min,
        distance_km=None if estimated else s.distance_km,
    )


MISSED_LISTED = 3
"""Sessions newly marked missed are listed one by one up to this many; more are one line."""


def plan_lines(changes: list[str]) -> list[str]:
    """The plan's changes after a workout is stored, a line each; many sessions marked missed at once
    (a first log after weeks without one) are said in one line, from the first to the last."""
    missed = [c for c in changes if c.endswith(": missed")]
    if len(missed) <= MISSED_LISTED:
        return [f"Plan: {c}" for c in changes]
    first, last = (" ".join(c.split(" ")[:3]) for c in (missed[0], missed[-1]))
    return [f"Plan: {len(missed)} sessions with nothing logged, {first} to {last}: missed."] + [
        f"Plan: {c}" for c in changes if not c.endswith(": missed")]


async def update_adherence(ctx: Ctx) -> list[str]:
    """Re-link recent activities to planned sessions; returns sentences for sessions whose status changed."""
    first = ctx.today - dt.timedelta(days=ADHERENCE_WINDOW_DAYS)
    # Only the window's sessions: after an adaptation the new version is not loaded yet, and all of
    # it (~90 rows) would be read to link the ~10 sessions of the last two weeks.
    window = await repo.active_sessions_between(ctx.session, ctx.athlete.id, first, ctx.today + dt.timedelta(days=1))
    if window is None:
        return []
    plan_document, in_window = window
    sessions = [s for s in in_window if s.type != "commitment"]
    if not sessions:
        return []
    rows = (
        await ctx.session.execute(
            select(m.Activity).where(
                m.Activity.athlete_id == ctx.athlete.id,
                m.Activity.start_time >= dt.datetime.combine(first - dt.timedelta(days=1), dt.time()),
            )
        )
    ).scalars().all()
    activities = {str(a.id): a for a in rows}
    planned_refs = [_planned_ref(plan_document, s) for s in sessions if s.status in ("planned", "done", "partial", "missed")]
    activity_refs = [
        ActivityRef(id=key, start_date=a.start_time.date(), sport=a.sport, duration_min=(a.moving_s or a.elapsed_s or 0) / 60, distance_km=a.distance_km)
        for key, a in activities.items()
    ]
    by_id = {str(s.id): s for s in sessions}
    changes: list[str] = []
    for outcome in link_sessions(planned_refs, activity_refs, ctx.today):
        session = by_id[outcome.planned.id]
        if outcome.outcome == "pending" and outcome.activity is None:
            continue  # nothing to say yet; keep what the athlete reported (e.g. "missed")
        status = "planned" if outcome.outcome == "pending" else outcome.outcome
        activity_id = None if outcome.activity is None else int(outcome.activity.id)
        if status != session.status or activity_id != session.activity_id:
            if status != session.status:
                pct = "" if outcome.completion is None else f" ({outcome.completion * 100:.0f} % of planned)"
                changes.append(f"{render.day_label(session.date)} {session.sport} {session.type}: {status}{pct}")
            session.status = status
            session.activity_id = activity_id
    return changes


BIAS_WINDOW_DAYS = 56
"""Self-grading looks at the last eight weeks of linked sessions (seed 004: a 30-observation window)."""


async def _outcomes(session: Any, athlete: m.Athlete, first: dt.date, last: dt.date, as_of: dt.date) -> list[Any]:
    plan = await repo.active_plan_row(session, athlete.id)
    if plan is None:
        return []
    planned = [s for s in repo.sessions_between(plan, first, last) if s.type != "commitment"]
    rows = await repo.activities_between(
        session, athlete.id, dt.datetime.combine(first - dt.timedelta(days=1), dt.time()),
        dt.datetime.combine(last + dt.timedelta(days=2), dt.time()),
    )
    return link_sessions(
        [_planned_ref(plan.document, s) for s in planned],
        [ActivityRef(id=str(a.id), start_date=a.start_time.date(), sport=a.sport, duration_min=(a.moving_s or a.elapsed_s or 0) / 60,
                     distance_km=a.distance_km) for a in rows],
        as_of,
    )


@dataclass(frozen=True)
class StoredActivityView:
    """A stored activity as the athlete-profile function reads it (``ActivityLike``)."""

    sport: str
    start_time: dt.datetime
    elapsed_s: float
    moving_s: float | None
    distance_km: float | None
    max_hr: float | None
    mmp_w: dict[int, float]
    best_20min_hr_bpm: float | None


PROFILE_WINDOW_WEEKS = 12
"""Seed 003: the athlete profile comes from the last 8-12 weeks."""


async def history_from_activities(session: Any, athlete: m.Athlete, today: dt.date, sport: str) -> dict[str, Any] | None:
    """The profile's ``history`` block derived from stored activities, or None without any."""
    since = dt.datetime.combine(today - dt.timedelta(weeks=PROFILE_WINDOW_WEEKS), dt.time())
    rows = (
        await session.execute(select(m.Activity).where(m.Activity.athlete_id == athlete.id, m.Activity.start_time >= since))
    ).scalars().all()
    views = [
        StoredActivityView(
            sport=a.sport, start_time=a.start_time.replace(tzinfo=dt.UTC), elapsed_s=a.elapsed_s or (a.moving_s or 0.0),
            moving_s=a.moving_s, distance_km=a.distance_km, max_hr=a.max_hr,
            mmp_w={int(k): float(v) for k, v in (a.details.get("mmp_w") or {}).items()},
            best_20min_hr_bpm=a.details.get("best_20min_hr_bpm"),
        )
        for a in rows if a.sport != "strength"
    ]
    if not views:
        return None
    profile = build_athlete_profile(views, as_of=today, weeks=PROFILE_WINDOW_WEEKS)
    history = to_history(profile, "ride" if sport in ("ride", "tri") else "run")
    return history.model_dump(mode="json", exclude_defaults=True)


async def self_correct(session: Any, athlete: m.Athlete, today: dt.date, rules: Any) -> list[str]:
    """Seed 004's self-grading: if what the athlete does differs from what was prescribed by more than
    5 % over at least 5 sessions of a type, correct the next two weeks' sessions of that type (through
    the engine, within the guardrails) and return the sentences that say so."""
    from coach.engine.corrections import apply_corrections
    from coach.engine.models import Profile

    biases = [b for b in prescription_bias(await _outcomes(session, athlete, today - dt.timedelta(days=BIAS_WINDOW_DAYS), today, today))
              if b.correction_factor is not None]
    row = await repo.active_plan_row(session, athlete.id)
    if not biases or row is None or athlete.profile is None:
        return []
    adaptation = apply_corrections(
        repo.plan_doc(row), Profile.model_validate(athlete.profile), rules,
        {b.session_type: b.correction_factor for b in biases if b.correction_factor is not None}, today,
        samples={b.session_type: b.samples for b in biases},
    )
    if not adaptation.accepted or not adaptation.changes:
        return [b.sentence for b in biases if b.sentence]
    await repo.save_plan(session, athlete, adaptation.plan, source="self_grading", reason=adaptation.summary)
    return [*(b.sentence for b in biases if b.sentence), adaptation.summary]


KPI_WINDOW_DAYS = 42
"""KPIs are read from the last six weeks of recordings (seed 002: 4-8 week trend reports)."""
DECOUPLING_MIN_S = 90 * 60
"""Pa:Hr is judged on long steady sessions: seed 002 names 90-120 min Z2 rides."""
FIR_SHORT_S, FIR_LONG_S = 300, 1200
"""FIR = MMP300 / MMP1200 (seed 002)."""


RIDE_SPORTS = ("ride", "virtual_ride")


def _durability_index(rows: Any) -> float | None:
    """Seed 002's DI from the latest ride that reached a durability work point (1000 kJ or more,
    with 5 min of riding after it): its index at the deepest point reached, since durability is
    the deterioration late in prolonged exercise (Maunder et al. 2021, *Sports Med* 51:1619-1628;
    work points of van Erp et al. 2021; see ``coach.engine.metrics.power``)."""
    rides = [a for a in rows if a.sport in RIDE_SPORTS and a.details.get("durability")]
    if not rides:
        return None
    latest = max(rides, key=lambda a: a.start_time)
    deepest = max(latest.details["durability"], key=lambda f: f["after_kj"])
    return round(float(deepest["index"]), 3)


def _kj_per_day_pct_of_target(rows: Any, plan: Any, ftp_w: float | None, since: dt.date, today: dt.date) -> float | None:
    """Seed 002's kJ/day gate (bikepacking: "kJ per day, primary load & fueling driver"): the biggest
    recorded riding day's work over the biggest planned riding day's work in the same window, in
    percent. A planned ride's work comes from its planned TSS and the athlete's FTP
    (``power.planned_work_kj``); without power data, an FTP or a plan there is no figure."""
    from coach.engine.metrics.power import planned_work_kj

    done: dict[dt.date, float] = {}
    for a in rows:
        if a.sport in RIDE_SPORTS and a.details.get("work_kj"):
            day = a.start_time.date()
            done[day] = done.get(day, 0.0) + float(a.details["work_kj"])
    if not done or plan is None or not ftp_w:
        return None
    planned: dict[dt.date, float] = {}
    for week in plan.weeks:
        for s in week.sessions:
            if s.sport in RIDE_SPORTS and since <= s.date <= today:
                work = planned_work_kj(s.duration_min, s.load, float(ftp_w))
                if work:
                    planned[s.date] = planned.get(s.date, 0.0) + work
    if not planned:
        return None
    return round(max(done.values()) / max(planned.values()) * 100.0, 1)


async def measured_kpis(session: Any, athlete: m.Athlete, today: dt.date, plan: Any = None) -> dict[str, float]:
    """The KPIs the gates need, from stored recordings; a KPI without data is simply absent.

    ``plan`` (the active plan) gives the kJ/day gate its target; without it that KPI is absent."""
    since = dt.datetime.combine(today - dt.timedelta(days=KPI_WINDOW_DAYS), dt.time())
    # The window ends today.
    rows = await repo.activities_between(session, athlete.id, since, dt.datetime.combine(today + dt.timedelta(days=1), dt.time()))
    kpis: dict[str, float] = {}
    decoupling = sorted(
        float(a.details["decoupling_pct"]) for a in rows
        if a.details.get("decoupling_pct") is not None and (a.moving_s or a.elapsed_s or 0) >= DECOUPLING_MIN_S
    )
    if decoupling:
        kpis["pa_hr_decoupling_pct"] = round(decoupling[len(decoupling) // 2], 1)  # the median: one bad day is not a trend
    best: dict[int, float] = {}
    for a in rows:
        for key, watts in (a.details.get("mmp_w") or {}).items():
            best[int(key)] = max(best.get(int(key), 0.0), float(watts))
    if best.get(FIR_SHORT_S) and best.get(FIR_LONG_S):
        kpis["fir"] = round(best[FIR_SHORT_S] / best[FIR_LONG_S], 3)
    durability_index = _durability_index(rows)
    if durability_index is not None:
        kpis["durability_index"] = durability_index
    kj_pct = _kj_per_day_pct_of_target(rows, plan, _athlete_thresholds(athlete)["ftp_w"], since.date(), today)
    if kj_pct is not None:
        kpis["kj_per_day_pct_of_target"] = kj_pct
    return kpis


async def gate_next_week(session: Any, athlete: m.Athlete, today: dt.date, rules: Any) -> list[str]:
    """Seed 002's KPI gates on next week's phase change; held weeks are saved, and said."""
    from coach.engine.gates import NOTHING_TO_JUDGE, hold_for_gates
    from coach.engine.models import Profile

    row = await repo.active_plan_row(session, athlete.id)
    if row is None or athlete.profile is None:
        return []
    plan = repo.plan_doc(row)
    result = hold_for_gates(plan, Profile.model_validate(athlete.profile), rules,
                            await measured_kpis(session, athlete, today, plan), today)
    if result.accepted and result.changes:
        await repo.save_plan(session, athlete, result.plan, source="kpi_gate", reason=result.summary)
    return [] if result.summary in NOTHING_TO_JUDGE else [result.summary]


async def week_review(session: Any, athlete: m.Athlete, week_start: dt.date, today: dt.date) -> list[str]:
    """The past week in numbers: sessions done / partial / missed, readiness, and self-grading."""
    last = week_start + dt.timedelta(days=6)
    lines: list[str] = []
    for week in weekly_compliance(await _outcomes(session, athlete, week_start, last, today)):
        decided = week.done + week.partial + week.missed
        if decided:
            pct = "" if week.sessions_pct is None else f" ({week.sessions_pct:.0f} %)"
            lines.append(f"Last week: {week.done} of {decided} sessions done{pct}, {week.partial} partial, {week.missed} missed.")
    # Of the latest 7 check-ins, those of the week (an older one never counts: the latest from its Monday on).
    checkins = [c for c in await repo.recent_checkins_since(session, athlete.id, week_start, 7) if c.date <= last and c.readiness is not None]
    if checkins:
        mean = sum(c.readiness or 0 for c in checkins) / len(checkins)
        lines.append(f"Readiness averaged {mean:.0f}/100 over {len(checkins)} check-in(s).")
    return lines


async def log_text(ctx: Ctx, text: str, now: dt.datetime) -> list[Reply]:
    if not text.strip():
        return [Reply("Tell me what you did, e.g. /log ran 10k in 52 min, /log squat 100x5x3 @8 — or send a .fit/.gpx/.tcx file.")]
    first_line = text.strip().splitlines()[0].lower()
    if "\n" in text.strip() and first_line.count(",") >= 3 and re.search(r"\b(distance|time|date|type)\b", first_line):
        return await import_document(ctx, "pasted.csv", text.strip().encode())  # a CSV export pasted as text
    day = _day_named(text, ctx.today)
    when = now if day == ctx.today else dt.datetime.combine(day, dt.time(12, 0), tzinfo=dt.UTC)
    text = _spelled_out(text)
    sport = (ctx.athlete.profile or {}).get("sport")
    lines: list[str] = []
    try:
        entries = parse_log(text, when=when, max_hr=_athlete_thresholds(ctx.athlete)["max_hr"], default_sport=sport)
    except MissingTimeError as error:
        planned = await _planned_minutes(ctx, day, error.sport)
        if planned is None:
            return [Reply(str(error))]
        try:  # "ran 7k this morning": the time is the planned session's, and the reply says so
            entries = parse_log(f"{text} in {planned} min", when=when, max_hr=_athlete_thresholds(ctx.athlete)["max_hr"],
                                default_sport=sport)
        except LogParseError:
            return [Reply(str(error))]
        lines.append(f"No time given: I counted the {planned} min planned for {day:%a %d %b}. Send the time if it was different.")
    except LogParseError as error:
        return [Reply(str(error))]
    lifted = [e for e in entries if isinstance(e, (LoggedStrength, UnloadedLift))]
    # a gym session's time: the whole message's, or beside a run or ride, the time told in its own sentences
    session_s = None if not lifted else _session_time_s(text if len(lifted) == len(entries) else without_endurance(text))
    lines += await store_entries(ctx, entries, now, session_s=session_s)
    return [Reply("\n".join(lines))]


def _session_time_s(text: str) -> float | None:
    """A gym session's own time told beside its lifts ("…, then core stuff. 40 min", "~45 min all in"):
    the longest duration of 10 minutes to 4 hours written (a plank's "3x45s" is a set, not the session)."""
    from coach.language.quantities import find_durations

    told = [span.seconds for span in find_durations(text) if 600 <= span.seconds <= 4 * 3600]
    return float(max(told)) if told else None


async def store_entries(ctx: Ctx, entries: list[LogEntry], now: dt.datetime, *, session_s: float | None = None) -> list[str]:
    """Store parsed log entries (a typed line and the log tool's structured input end here
    alike), link them to the plan, and say what was stored and what changed. ``session_s``: a
    strength session's time, kept with its first lift."""
    lines: list[str] = []
    for entry in entries:
        if isinstance(entry, LoggedStrength):
            lines.append(await _store_strength(ctx, entry, now, session_s))
            session_s = None
            continue
        if isinstance(entry, UnloadedLift):
            lines.append(await _store_unloaded(ctx, entry, now, session_s))
            session_s = None
            continue
        stored = await store_activity(ctx, entry, source="log", file_name=None)
        verb = "Logged" if stored.new else "Already had"
        lines.append(f"{verb}: {describe_activity(stored.row, ctx.athlete.units)}.")
    changes = await update_adherence(ctx)
    lines += plan_lines(changes)
    return lines


async def log_fields(
    ctx: Ctx, now: dt.datetime, *, sport: str, day: dt.date, distance_m: float | None, duration_s: float | None,
    rpe: float | None, lifts: tuple[LiftFields, ...],
) -> list[str]:
    """The log tool's structured input: the same checks and storage as a typed /log."""
    when = now if day == ctx.today else dt.datetime.combine(day, dt.time(12, 0), tzinfo=dt.UTC)
    if duration_s is None and sport != "strength":
        planned = await _planned_minutes(ctx, day, sport)
        if planned is None:
            raise LogParseError(f"I need how long the {sport} took.")
        duration_s = planned * 60.0
        lead = [f"No time given: I counted the {planned} min planned for {day:%a %d %b}. Send the time if it was different."]
    else:
        lead = []
    entries = entries_from_fields(
        sport=sport, when=when, distance_m=distance_m, duration_s=duration_s, rpe=rpe, lifts=lifts,
        max_hr=_athlete_thresholds(ctx.athlete)["max_hr"],
    )
    return lead + await store_entries(ctx, entries, now)


def _spelled_out(text: str) -> str:
    """Number words and spoken durations as digits, line by line ("two and a half hours" is 2.5 hours,
    "an hour on the turbo" 1 hour), the way the language layer reads every message."""
    from coach.brain.slots import normalise_text

    lines = (re.sub(r"\b(\d+) point (\d+)\b", r"\1.\2", normalise_text(line)) for line in text.splitlines())  # "five point five k"
    return "\n".join(lines)


def _day_named(text: str, today: dt.date) -> dt.date:
    """The day a log is about: 'yesterday', 'Saturday', 'on the 5th' (never ahead of today), else today."""
    # the language layer's dates; imported late (it loads the brain package)
    from coach.brain.slots import parse_slots

    slots = parse_slots(text, today, past=True)
    day = slots.date
    return day if day is not None and today - dt.timedelta(days=14) <= day <= today else today


async def _planned_minutes(ctx: Ctx, day: dt.date, sport: str) -> int | None:
    row = await repo.active_plan_row(ctx.session, ctx.athlete.id)
    if row is None:
        return None
    sessions = [s for s in repo.sessions_on(row, day) if s.sport == sport and s.type not in ("commitment", "race")]
    return sessions[0].duration_min if sessions else None


async def _store_lift(
    ctx: Ctx, now: dt.datetime, exercise: str, sets: list[dict[str, Any]], key: str, session_s: float | None = None
) -> bool:
    """One exercise's sets as a strength activity, unless the same sets are stored that day: True when new.
    ``session_s``: the whole session's time, when told (kept with its first lift)."""
    activity = m.Activity(
        athlete_id=ctx.athlete.id, fingerprint=f"strength:{exercise}:{now.date().isoformat()}:{key}", source="log",
        sport="strength", start_time=now.astimezone(dt.UTC).replace(tzinfo=None), elapsed_s=session_s,
        details={"exercise": exercise, "sets": sets},
    )
    if await stored_with(ctx, activity.fingerprint) is not None:
        return False
    ctx.session.add(activity)
    await ctx.session.flush()
    return True


def _session_said(session_s: float | None) -> str:
    return "" if session_s is None else f" Session time: {session_s / 60:g} min."


async def _store_strength(ctx: Ctx, entry: LoggedStrength, now: dt.datetime, session_s: float | None = None) -> str:
    sets = [{"weight_kg": s.weight_kg, "reps": s.reps, "rpe": s.rpe} for s in entry.sets]
    key = "|".join(f"{s['weight_kg']}x{s['reps']}" for s in sets)
    summary = ", ".join(f"{s['weight_kg']:g} kg × {s['reps']}" for s in sets)
    if not await _store_lift(ctx, now, entry.exercise, sets, key, session_s):
        return f"Already had: {entry.exercise} {summary}."
    return f"Logged: {entry.exercise.replace('_', ' ')} {summary}.{_session_said(session_s)}"


async def _store_unloaded(ctx: Ctx, entry: UnloadedLift, now: dt.datetime, session_s: float | None = None) -> str:
    """Sets told without a load: the strength session is on record, with no weight guessed."""
    unit = "s" if entry.seconds else ""
    sets = [{"weight_kg": None, "reps": entry.reps, "rpe": None, **({"seconds": True} if entry.seconds else {})}] * entry.sets
    told = f"{entry.exercise} {entry.sets} × {entry.reps}{unit}"
    if not await _store_lift(ctx, now, entry.exercise, sets, f"{entry.sets}x{entry.reps}{unit}", session_s):
        return f"Already had: {told}."
    return f"Logged: {told} (no load given; add it, e.g. 'squat 3x8 @ 60kg', to track your strength).{_session_said(session_s)}"


async def import_document(ctx: Ctx, file_name: str, data: bytes) -> list[Reply]:
    """Import an uploaded recording. A bad file gets a clear message and nothing is stored."""
    thresholds = _athlete_thresholds(ctx.athlete)
    try:  # in a worker thread: a big recording takes seconds of CPU, and other chats go on meanwhile
        activities = await asyncio.to_thread(
            import_activities, file_name, data, ftp_w=thresholds["ftp_w"], max_hr=thresholds["max_hr"], keep_streams=False
        )
    except ImportFailure as error:
        return [Reply(f"I couldn't import {file_name}: {error} Nothing was saved.")]
    lines = []
    for activity in activities:
        stored = await store_activity(ctx, activity, source="file", file_name=file_name)
        verb = "Imported" if stored.new else "Already had"
        lines.append(f"{verb}: {describe_activity(stored.row, ctx.athlete.units)} on {stored.row.start_time.date().isoformat()}.")
        lines += [f"  Note: {w}" for w in activity.warnings]
    changes = await update_adherence(ctx)
    lines += plan_lines(changes)
    return [Reply("\n".join(lines))]


# ---------------------------------------------------------------------- check-in


def _checkin_question(index: int) -> Reply:
    field, question, options = CHECKIN_STEPS[index]
    return Reply(question, [[Button(label, f"ci:{field}:{value}") for label, value in options]])


def parse_checkin_text(text: str) -> dict[str, float]:
    """"sleep 7 quality 4 energy 3 soreness 2 stress 3 hrv 55 rhr 48" → fields (unknown words ignored)."""
    values: dict[str, float] = {}
    for word, number in re.findall(r"([a-z]+)\D{0,3}?(\d+(?:[.,]\d+)?)", text.lower()):
        field = CHECKIN_WORDS.get(word)
        if field is not None:
            values[field] = float(number.replace(",", "."))
    return values


async def checkin_start(ctx: Ctx, args: str, now: dt.datetime) -> list[Reply]:
    values = parse_checkin_text(args)
    required = [field for field, _, _ in CHECKIN_STEPS]
    if values and all(field in values for field in required):
        return await _checkin_finish(ctx, values, now)
    ctx.athlete.dialog = {"flow": "checkin", "answers": values}
    missing = next(i for i, (field, _, _) in enumerate(CHECKIN_STEPS) if field not in values)
    return [Reply("Morning check-in — a few taps."), _checkin_question(missing)]


async def checkin_answer(ctx: Ctx, data: str, now: dt.datetime) -> list[Reply]:
    """A tapped answer ``ci:field:value``."""
    dialog = ctx.athlete.dialog or {}
    if dialog.get("flow") != "checkin":
        return [Reply("That check-in has already been saved. Send /checkin to start a new one.")]
    _, field, value = data.split(":", 2)
    return await _checkin_continue(ctx, {field: float(value)}, now)


async def checkin_text(ctx: Ctx, text: str, now: dt.datetime) -> list[Reply] | None:
    """A typed answer during a check-in: "7", or "energy 3 soreness 2". ``None``: not a check-in answer
    (the check-in is dropped and the message handled as usual)."""
    values = parse_checkin_text(text)
    if not values and re.fullmatch(r"\d+(?:[.,]\d+)?", text.strip()):
        answers = (ctx.athlete.dialog or {}).get("answers", {})
        field = next(f for f, _, _ in CHECKIN_STEPS if f not in answers)
        values = {field: float(text.strip().replace(",", "."))}
    if not values:
        ctx.athlete.dialog = None
        return None
    return await _checkin_continue(ctx, values, now)


async def _checkin_continue(ctx: Ctx, values: dict[str, float], now: dt.datetime) -> list[Reply]:
    answers = dict((ctx.athlete.dialog or {}).get("answers", {}))
    answers.update(values)
    remaining = [i for i, (f, _, _) in enumerate(CHECKIN_STEPS) if f not in answers]
    if remaining:
        ctx.athlete.dialog = {"flow": "checkin", "answers": answers}
        return [_checkin_question(remaining[0])]
    ctx.athlete.dialog = None
    return await _checkin_finish(ctx, answers, now)


async def _checkin_finish(ctx: Ctx, values: dict[str, Any], now: dt.datetime) -> list[Reply]:
    stored = await store_checkin(ctx, values, now)
    if stored is None:
        ctx.athlete.dialog = None
        return [Reply("Those numbers don't fit: sleep is 0–24 hours and the others are 1 to 5. Send /checkin to try again.")]
    readiness = stored[1]
    lines = [f"Readiness {readiness.score}/100 — {readiness.colour}.", *[f"• {r}" for r in readiness.reasons], COLOUR_ADVICE[readiness.colour]]
    return [Reply("\n".join(lines))]


async def store_checkin(ctx: Ctx, values: dict[str, Any], now: dt.datetime) -> tuple[m.CheckIn, Readiness] | None:
    """Today's check-in from what the athlete gave (unsaid items stay unknown) and its readiness;
    ``None`` when a value is out of range. A second check-in the same day updates the first with
    what it adds."""
    row = (
        await ctx.session.execute(select(m.CheckIn).where(m.CheckIn.athlete_id == ctx.athlete.id, m.CheckIn.date == ctx.today))
    ).scalar_one_or_none()
    known: dict[str, Any] = {}
    values = dict(values)
    symptoms = [str(x) for x in values.pop("symptoms", None) or []]
    if row is not None:
        known = {
            "sleep_hours": row.sleep_hours, "sleep_quality": row.sleep_quality, "energy": row.energy, "soreness": row.soreness,
            "stress": row.stress, "hrv_ms": row.hrv_ms, "resting_hr_bpm": row.resting_hr, "mood": row.mood, "ill": row.ill,
            "ill_below_neck": row.ill_below_neck,
        }
        symptoms = list(dict.fromkeys([*(row.symptoms or []), *symptoms]))
    if values.get("ill_below_neck") is False and known.get("ill_below_neck"):
        values.pop("ill_below_neck")  # a second report the same day never makes an illness look milder
    known.update({k: v for k, v in values.items() if v is not None})
    if symptoms:
        known["ill"] = True
    for item in ("sleep_quality", "energy", "soreness", "stress", "mood"):
        if known.get(item) is not None:
            known[item] = int(known[item])
    try:
        check_in = ReadinessCheckIn(**{k: v for k, v in known.items() if v is not None})
    except ValueError:
        return None
    readiness = await assess(ctx, check_in, now)
    if row is None:
        row = m.CheckIn(athlete_id=ctx.athlete.id, date=ctx.today)
        ctx.session.add(row)
    row.sleep_hours, row.sleep_quality, row.energy = check_in.sleep_hours, check_in.sleep_quality, check_in.energy
    row.soreness, row.stress, row.hrv_ms, row.resting_hr = check_in.soreness, check_in.stress, check_in.hrv_ms, check_in.resting_hr_bpm
    row.mood, row.ill, row.ill_below_neck, row.symptoms = check_in.mood, check_in.ill, check_in.ill_below_neck, symptoms or None
    row.readiness, row.readiness_color, row.reasons = readiness.score, readiness.colour, list(readiness.reasons)
    return row, readiness


async def assess(ctx: Ctx, check_in: ReadinessCheckIn, now: dt.datetime) -> Readiness:
    since = (now - dt.timedelta(hours=RECOVERY_LOOKBACK_H)).astimezone(dt.UTC).replace(tzinfo=None)
    rows = (
        await ctx.session.execute(select(m.Activity).where(m.Activity.athlete_id == ctx.athlete.id, m.Activity.start_time >= since))
    ).scalars().all()
    recent = [
        RecentSession(
            end_time=(a.start_time + dt.timedelta(seconds=a.elapsed_s or 0)).replace(tzinfo=dt.UTC),
            stimulus="neuromuscular" if a.sport == "strength" else "metabolic",
            load=a.load, rpe=a.rpe, label=f"your {a.sport} on {a.start_time.strftime('%a')}",
        )
        for a in rows
    ]
    history = [c for c in await repo.recent_checkins(ctx.session, ctx.athlete.id, BASELINE_CHECKINS + 1) if c.date != ctx.today]
    baseline = PhysiologyBaseline(
        hrv_ms=[c.hrv_ms for c in reversed(history) if c.hrv_ms is not None],
        resting_hr_bpm=[c.resting_hr for c in reversed(history) if c.resting_hr is not None],
    )
    return assess_readiness(check_in, now, recent, baseline)


# ---------------------------------------------------------------------- paces


def paces(args: str, units: str) -> list[Reply]:
    from coach.cli_athlete import paces_report, parse_distance_m

    words = args.split()
    if len(words) != 2:
        return [Reply("Give a distance and a time, e.g. /paces 10k 48:30")]
    try:
        report = paces_report(parse_distance_m(words[0]), parse_clock_s(words[1]))
    except ValueError as error:
        return [Reply(f"{error}. Try e.g. /paces 10k 48:30")]
    per = "/mi" if units == "mi" else "/km"
    distance_m, time_s = parse_distance_m(words[0]), parse_clock_s(words[1])
    lines = [
        f"{words[0]} in {words[1]}: an average of {_pace(time_s / (distance_m / 1000), units)}{per}.",
        f"VDOT {report['vdot']}", "Race equivalents:",
    ]
    equivalents: dict[str, dict[str, Any]] = report["equivalents"]  # type: ignore[assignment]
    lines += [f"  {name.replace('_', ' ')}: {value['time']}" for name, value in equivalents.items()]
    lines.append("Training paces:")
    pace_table: dict[str, dict[str, Any]] = report["paces"]  # type: ignore[assignment]
    for name, bounds in pace_table.items():
        fast, slow = float(bounds["fast_s_per_km"]), float(bounds["slow_s_per_km"])
        lines.append(f"  {name}: {_pace(fast, units)}–{_pace(slow, units)}{per}")
    return [Reply("\n".join(lines))]


def _pace(seconds_per_km: float, units: str) -> str:
    value = round(seconds_per_km * (KM_PER_MILE if units == "mi" else 1))
    return f"{value // 60}:{value % 60:02d}"
