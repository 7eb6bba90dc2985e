"""Sync with Intervals.icu: pull what the athlete did and felt, push what the plan holds.

**Pull** (the athlete's data in):

- Activities become the same rows an uploaded file makes: the API's fields are read exactly as
  Intervals.icu's activities CSV export is (``coach/sources/csv_export.py``), finished by
  ``coach.sources.activity.finish`` and stored by ``training_log.store_activity``, whose
  fingerprint keeps a recording once whether it came as a file, a log line or a pull. Then
  ``training_log.update_adherence`` links them to the plan (done / partial / missed), as after an
  upload. Each outside id is remembered (``SyncedItem``), so a re-pull counts nothing twice.
  A new activity of the last ``STREAMS_DAYS`` recorded with power or heart rate comes with its
  streams (``time``, ``watts``, ``heartrate``, ``velocity_smooth``), fetched once before it is
  stored, so ``finish`` computes NP, the power curve, Pw:Hr / Pa:Hr decoupling and EF from the
  samples exactly as for an uploaded file; a known one (pulled before, or the same recording
  uploaded) is not asked for again.
  Activities that came to Intervals.icu from Strava are stubs its API doesn't share: they are
  counted and said.
- Wellness (resting HR, HRV rMSSD, sleep) fills the check-in of that day where the athlete left
  it empty: the HRV and pulse baselines readiness compares with come from there, and today's
  readiness is computed as for a check-in. Weight is kept with the item (readiness doesn't use it).
- Calendar: holidays, sick and injured days become unavailable dates through the re-planner's
  own ``set_unavailable`` (sessions move or drop, the days are blocked in the profile). The
  athlete's own planned workouts (WORKOUT events they made) become dated commitments of the plan
  (``coach.engine.own_workouts.plan_around``: that day's training makes room, the week's load is
  not doubled, the validator re-checks it); every pull re-applies the calendar as it is, so a
  workout moved or deleted there moves or leaves the plan too. Their own races are reported.

**Push** (the plan out): every planned session from today on becomes a WORKOUT event (the race a
RACE_A) with the engine's Intervals.icu workout text (steps; pace for runs, % FTP for rides, HR
where the athlete trains by HR) and a stable ``external_id`` (``coach-<athlete>-<date>-<n>``).
A re-push compares with what was pushed before: new sessions are created, changed ones updated,
ones the plan no longer holds deleted; events without our ``external_id`` (the athlete's own) are
never touched.

Network calls run outside database transactions (the CLI and the scheduler), or inside the
chat command's own transaction (``OpenSession``), with short waits. A failed part (wellness, one
batch of workouts) is reported and the rest is kept.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Protocol

from pydantic import ValidationError
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from coach.connect.config import ConnectConfig
from coach.connect.errors import ConnectError, NotConnected, RateLimited, SecretUnreadable, Unauthorized
from coach.connect.intervals import (
    EVENT_CATEGORIES_PULLED,
    PROVIDER,
    PROVIDER_NAME,
    IntervalsClient,
    IntervalsEvent,
    IntervalsWellness,
)
from coach.connect.secrets import SecretBox
from coach.store import models as m
from coach.store import repo
from coach.store.models_connect import Connection, SyncedItem

if TYPE_CHECKING:
    from coach.service.service import CoachService, Ctx

log = logging.getLogger(__name__)

PULL_HISTORY_DAYS: Final = 365
"""The first pull reads a year of activities (enough for the athlete profile and the PMC)."""
PULL_OVERLAP_DAYS: Final = 7
"""Later pulls re-read the last week: activities are often uploaded days late."""
WELLNESS_FIRST_DAYS: Final = 28
"""The first wellness pull: two weeks make the HRV/pulse baseline readiness uses, with room."""
STREAMS_DAYS: Final = 42
"""Streams (power, HR, speed) are fetched for new activities of the last six weeks only: what the
PMC's acute load, decoupling and the recent power curve read; older ones keep their summaries (a
year of streams would be hundreds of requests). Strava's import uses the same window."""
EVENTS_MIN_HORIZON_DAYS: Final = 28
PULL_INTERVAL: Final = dt.timedelta(minutes=30)
"""The bot pulls each connection this often (a plan change is pushed on the next minute's tick)."""
CREATE_BATCH: Final = 100
EXTERNAL_ID_PREFIX: Final = "coach-"
SPORT_TYPES: Final[dict[str, str]] = {
    "run": "Run", "ride": "Ride", "swim": "Swim", "strength": "WeightTraining", "brick": "Workout", "other": "Workout",
}
"""Our session sports as Intervals.icu activity types (Strava's names)."""
BLOCKING: Final[dict[str, str]] = {"HOLIDAY": "holiday", "SICK": "sick", "INJURED": "injured"}
OWN_PLANNED: Final = ("WORKOUT", "RACE_A", "RACE_B", "RACE_C")


class Store(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[AsyncSession]: ...


class OpenSession:
    """A transaction already open (a chat command's): every step runs in it."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        yield self.session


# ---------------------------------------------------------------------- results


@dataclass
class PullResult:
    activities_new: int = 0
    activities_known: int = 0
    """Already here: pulled before, or the same recording uploaded or logged."""
    activities_skipped: int = 0
    strava_stubs: int = 0
    streams: int = 0
    """New activities whose power / heart-rate streams were fetched (NP, decoupling, EF from them)."""
    wellness_days: int = 0
    wellness_unchanged: int = 0
    own_workouts: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    plan_changes: list[str] = field(default_factory=list)

    def document(self) -> dict[str, Any]:
        return {
            "activities": {"new": self.activities_new, "already_here": self.activities_known,
                           "skipped": self.activities_skipped, "strava_stubs": self.strava_stubs},
            "streams": self.streams,
            "wellness": {"days": self.wellness_days, "unchanged": self.wellness_unchanged},
            "own_workouts": list(self.own_workouts), "blocked": list(self.blocked), "plan": list(self.plan_changes),
        }


@dataclass
class PushResult:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    failed: int = 0

    def document(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "deleted": self.deleted,
                "unchanged": self.unchanged, "failed": self.failed}


@dataclass
class SyncReport:
    pull: PullResult | None = None
    push: PushResult | None = None
    failures: list[str] = field(default_factory=list)
    reconnect: bool = False
    rate_limited: bool = False

    @property
    def ok(self) -> bool:
        return not self.failures

    def document(self) -> dict[str, Any]:
        return {
            "provider": PROVIDER, "ok": self.ok, "reconnect": self.reconnect,
            "pull": None if self.pull is None else self.pull.document(),
            "push": None if self.push is None else self.push.document(),
            "failed": list(self.failures),
        }

    def lines(self) -> list[str]:
        out: list[str] = []
        if self.pull is not None:
            p = self.pull
            out.append(f"Pulled from {PROVIDER_NAME}: {p.activities_new} new activit{'y' if p.activities_new == 1 else 'ies'}"
                       f" ({p.activities_known} already here), wellness for {p.wellness_days} day(s).")
            if p.strava_stubs:
                out.append(f"{p.strava_stubs} activit{'y' if p.strava_stubs == 1 else 'ies'} came to {PROVIDER_NAME} from Strava, "
                           "which its API doesn't share: send those as files (or connect Strava when it comes).")
            out += [f"Blocked: {b}" for b in p.blocked]
            if p.own_workouts:
                out.append("Your own workouts in the calendar (left as they are; each counts as that day's training "
                           "and the plan works around it):")
                out += [f"  {w}" for w in p.own_workouts]
            out += [f"Plan: {c}" for c in p.plan_changes]
        if self.push is not None:
            s = self.push
            out.append(f"Pushed the plan to your {PROVIDER_NAME} calendar: {s.created} created, {s.updated} updated, "
                       f"{s.deleted} deleted, {s.unchanged} unchanged" + (f", {s.failed} failed." if s.failed else "."))
        out += [f"Failed: {f}" for f in self.failures]
        return out


# ---------------------------------------------------------------------- connecting


async def verify(config: ConnectConfig, athlete_id: str, api_key: str) -> str:
    """Ask Intervals.icu who the key belongs to: the athlete's name (or id). Raises ConnectError."""
    async with config.intervals(athlete_id, api_key) as client:
        data = await client.athlete()
    return str(data.get("name") or data.get("id") or athlete_id)


async def connection_of(session: AsyncSession, athlete_id: int) -> Connection | None:
    query = select(Connection).where(Connection.athlete_id == athlete_id, Connection.provider == PROVIDER)
    return (await session.execute(query)).scalar_one_or_none()


async def save_connection(session: AsyncSession, athlete: m.Athlete, athlete_id: str, api_key: str, box: SecretBox) -> Connection:
    """Store (or replace) the athlete's connection with the key encrypted; the next tick syncs it in full."""
    row = await connection_of(session, athlete.id)
    if row is None:
        row = Connection(athlete_id=athlete.id, provider=PROVIDER, external_athlete_id=athlete_id, secret="")
        session.add(row)
    row.external_athlete_id = athlete_id
    row.secret = box.encrypt(api_key)
    row.status, row.last_error = "active", None
    row.pushed_plan_id = None  # push everything on the next sync
    row.last_pull_at = None
    await session.flush()
    return row


async def forget_connection(session: AsyncSession, athlete: m.Athlete) -> bool:
    """Delete the connection and with it the encrypted key; what was imported stays."""
    row = await connection_of(session, athlete.id)
    if row is None:
        return False
    await session.delete(row)
    await session.flush()
    return True


# ---------------------------------------------------------------------- helpers


def digest_of(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:32]


async def _items(session: AsyncSession, athlete_id: int, kind: str) -> dict[str, SyncedItem]:
    query = select(SyncedItem).where(SyncedItem.athlete_id == athlete_id, SyncedItem.provider == PROVIDER, SyncedItem.kind == kind)
    return {item.external_id: item for item in (await session.execute(query)).scalars()}


def _remember(session: AsyncSession, known: dict[str, SyncedItem], athlete_id: int, kind: str, external_id: str,
              now: dt.datetime, **values: Any) -> SyncedItem:
    item = known.get(external_id)
    if item is None:
        item = SyncedItem(athlete_id=athlete_id, provider=PROVIDER, kind=kind, external_id=external_id)
        session.add(item)
        known[external_id] = item
    for name, value in values.items():
        setattr(item, name, value)
    item.updated_at = now
    return item


def _naive(now: dt.datetime) -> dt.datetime:
    return now.astimezone(dt.UTC).replace(tzinfo=None)


# ---------------------------------------------------------------------- pull


@dataclass
class _Pulled:
    activities: list[dict[str, Any]] | None = None
    wellness: list[IntervalsWellness] | None = None
    events: list[IntervalsEvent] | None = None
    through: dt.date | None = None


def raw_activity(data: dict[str, Any]) -> Any:
    """An API activity read exactly as a row of Intervals.icu's activities CSV export (same field
    names), so a pulled activity and an imported export give the same record. None: unusable."""
    from coach.sources.csv_export import _intervals_row, _Row

    header = [k for k, v in data.items() if isinstance(v, str | int | float | bool)]
    return _intervals_row(_Row(header, [str(data[k]) for k in header]), [])


def wants_streams(data: dict[str, Any], today: dt.date) -> bool:
    """A recent activity recorded with power or heart rate (``stream_types`` when the API lists
    them, else its ``device_watts`` / ``has_heartrate`` flags)."""
    types = data.get("stream_types")
    if isinstance(types, list):
        recorded = bool({"watts", "heartrate"} & {str(t) for t in types})
    else:
        recorded = bool(data.get("device_watts") or data.get("has_heartrate"))
    if not recorded:
        return False
    try:
        day = dt.date.fromisoformat(str(data.get("start_date_local") or data.get("start_date") or "")[:10])
    except ValueError:
        return False
    return 0 <= (today - day).days <= STREAMS_DAYS


def recorded_streams(streams: dict[str, list[Any]]) -> Any:
    """The API's streams as the ``ActivityStreams`` a file importer fills (``time`` seconds from the
    start; the others aligned to it, a stream of another length left out). None: no usable time."""
    from coach.sources.activity import ActivityStreams

    def number(value: Any) -> float | None:
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None

    time_s = streams.get("time") or []
    if len(time_s) < 2 or not all(number(t) is not None for t in time_s):
        return None

    def aligned(key: str) -> list[float | None] | None:
        values = streams.get(key)
        if not values or len(values) != len(time_s):
            return None
        return [number(v) for v in values]

    return ActivityStreams(time_s=[float(t) for t in time_s], power_w=aligned("watts"),
                           heart_rate_bpm=aligned("heartrate"), speed_m_per_s=aligned("velocity_smooth"))


async def _fetch(client: IntervalsClient, start: Any, today: dt.date, horizon: dt.date, report: SyncReport) -> _Pulled:
    """Each part on its own: a failed part is reported and the others still come in. A refused key
    stops everything (raised)."""
    pulled = _Pulled()
    first_activity_day = start.pulled_through - dt.timedelta(days=PULL_OVERLAP_DAYS) if start.pulled_through else \
        today - dt.timedelta(days=PULL_HISTORY_DAYS)
    first_wellness_day = start.pulled_through - dt.timedelta(days=PULL_OVERLAP_DAYS) if start.pulled_through else \
        today - dt.timedelta(days=WELLNESS_FIRST_DAYS)
    parts: list[tuple[str, Any]] = [
        ("activities", lambda: client.activities(first_activity_day, today)),
        ("wellness", lambda: client.wellness(first_wellness_day, today)),
        ("events", lambda: client.events(today, horizon, EVENT_CATEGORIES_PULLED)),
    ]
    for name, call in parts:
        try:
            setattr(pulled, name, await call())
        except Unauthorized:
            raise
        except RateLimited as error:
            report.failures.append(f"{name}: {error}")
            report.rate_limited = True
            break  # asking again now would only be refused again
        except ConnectError as error:
            report.failures.append(f"{name}: {error}")
    if pulled.activities is not None:
        pulled.through = today
    return pulled


async def _fetch_streams(client: IntervalsClient, store: Store, athlete_id: int, activities: list[dict[str, Any]],
                         today: dt.date, report: SyncReport, result: PullResult) -> dict[str, dict[str, list[Any]]]:
    """Streams of the pulled activities that are new here (not pulled before, not the same
    recording uploaded or imported already) and recorded with power or HR. A failed fetch keeps
    the activity's summary; a rate limit stops fetching (the rest keep their summaries)."""
    from coach.sources.activity import finish
    from coach.sources.errors import ImportFailure

    candidates = [a for a in activities if wants_streams(a, today)]
    if not candidates:
        return {}
    wanted: list[str] = []
    async with store.transaction() as s:
        known = await _items(s, athlete_id, "activity")
        for data in candidates:
            external_id = str(data.get("id"))
            raw = None if external_id in known else raw_activity(data)
            if raw is None:
                continue
            try:
                fingerprint = finish(raw, keep_streams=False).fingerprint
            except (ValueError, ValidationError, ImportFailure):
                continue
            here = (await s.execute(select(m.Activity.id).where(
                m.Activity.athlete_id == athlete_id, m.Activity.fingerprint == fingerprint))).first()
            if here is None:
                wanted.append(external_id)
    found: dict[str, dict[str, list[Any]]] = {}
    for external_id in wanted:
        try:
            found[external_id] = await client.streams(external_id)
        except Unauthorized:
            raise
        except RateLimited as error:
            report.failures.append(f"streams: {error}")
            report.rate_limited = True
            break
        except ConnectError as error:
            log.warning("no streams for an %s activity (its summary is kept): %s", PROVIDER_NAME, error)
        else:
            result.streams += 1
    return found


async def _apply_activities(ctx: Ctx, activities: list[dict[str, Any]], result: PullResult, now: dt.datetime,
                            streams: dict[str, dict[str, list[Any]]] | None = None) -> None:
    from coach.service import training_log
    from coach.sources.activity import finish
    from coach.sources.errors import ImportFailure

    known = await _items(ctx.session, ctx.athlete.id, "activity")
    history = (ctx.athlete.profile or {}).get("history") or {}
    for data in activities:
        external_id = str(data.get("id"))
        if external_id in known:
            result.activities_known += 1
            continue
        raw = raw_activity(data)
        if raw is None:
            result.activities_skipped += 1
            if str(data.get("source", "")).upper() == "STRAVA":
                result.strava_stubs += 1
            continue
        recorded = recorded_streams((streams or {}).get(external_id) or {})
        if recorded is not None:  # NP, the power curve, decoupling and EF from the samples, as for a file
            raw = raw.model_copy(update={"streams": recorded})
        try:
            if recorded is not None:  # seconds of CPU for a long ride: off the event loop, as an upload is
                activity = await asyncio.to_thread(finish, raw, ftp_w=history.get("ftp_w"),
                                                   max_hr=history.get("max_hr"), keep_streams=False)
            else:
                activity = finish(raw, ftp_w=history.get("ftp_w"), max_hr=history.get("max_hr"), keep_streams=False)
        except (ValueError, ValidationError, ImportFailure):
            result.activities_skipped += 1
            continue
        stored = await training_log.store_activity(ctx, activity, source=PROVIDER, file_name=None)
        if stored.new:
            result.activities_new += 1
        else:
            result.activities_known += 1
        _remember(ctx.session, known, ctx.athlete.id, "activity", external_id, _naive(now), activity_id=stored.row.id,
                  day=stored.row.start_time.date(), data={"name": data.get("name"), "type": data.get("type")})
    result.plan_changes += await training_log.update_adherence(ctx)


WELLNESS_FIELDS: Final = ("sleep_hours", "hrv_ms", "resting_hr_bpm")
_CHECKIN_COLUMN: Final = {"sleep_hours": "sleep_hours", "hrv_ms": "hrv_ms", "resting_hr_bpm": "resting_hr"}


def _wellness_values(record: IntervalsWellness) -> dict[str, float]:
    """The readiness inputs in a wellness record, each kept only if a check-in would accept it."""
    from coach.engine.metrics.readiness import ReadinessCheckIn

    candidates = {
        "sleep_hours": None if record.sleepSecs is None else round(record.sleepSecs / 3600, 2),
        "hrv_ms": record.hrv,  # rMSSD, what the check-in's HRV is (hrvSDNN is another measure)
        "resting_hr_bpm": record.restingHR,
    }
    values: dict[str, float] = {}
    for name, value in candidates.items():
        if value is None:
            continue
        try:
            ReadinessCheckIn(**{name: value})
        except ValidationError:
            continue
        values[name] = float(value)
    return values


async def _apply_wellness(ctx: Ctx, records: list[IntervalsWellness], result: PullResult, now: dt.datetime) -> None:
    from coach.service import training_log

    known = await _items(ctx.session, ctx.athlete.id, "wellness")
    days = [r.day for r in records]
    rows: dict[dt.date, m.CheckIn] = {}
    if days:
        query = select(m.CheckIn).where(m.CheckIn.athlete_id == ctx.athlete.id, m.CheckIn.date >= min(days), m.CheckIn.date <= max(days))
        rows = {row.date: row for row in (await ctx.session.execute(query)).scalars()}
    for record in sorted(records, key=lambda r: r.day):
        values = _wellness_values(record)
        digest = digest_of({**values, "weight": record.weight})
        item = known.get(record.id)
        if item is not None and item.digest == digest:
            result.wellness_unchanged += 1
            continue
        row = rows.get(record.day)
        # What the athlete said in a check-in stands: the device fills only what they left empty.
        missing = {k: v for k, v in values.items() if row is None or getattr(row, _CHECKIN_COLUMN[k]) is None}
        if record.day == ctx.today and missing:
            await training_log.store_checkin(ctx, missing, now)  # today's readiness, as a check-in
        elif missing and record.day <= ctx.today:
            if row is None:
                row = m.CheckIn(athlete_id=ctx.athlete.id, date=record.day)
                ctx.session.add(row)
                rows[record.day] = row
            for name, value in missing.items():
                setattr(row, _CHECKIN_COLUMN[name], value)
        result.wellness_days += 1
        _remember(ctx.session, known, ctx.athlete.id, "wellness", record.id, _naive(now), day=record.day, digest=digest,
                  data={**values, "weight_kg": record.weight})


def ours(event: IntervalsEvent, athlete_id: int) -> bool:
    return bool(event.external_id) and str(event.external_id).startswith(f"{EXTERNAL_ID_PREFIX}{athlete_id}-")


async def _apply_events(service: CoachService, ctx: Ctx, events: list[IntervalsEvent], result: PullResult,
                        report: SyncReport, now: dt.datetime) -> None:
    from coach.brain.errors import ToolError
    from coach.service.tools import CoachTools, UnavailableInput

    known = await _items(ctx.session, ctx.athlete.id, "event")
    for event in sorted(events, key=lambda e: (e.start_date_local, e.id)):
        if event.external_id and str(event.external_id).startswith(EXTERNAL_ID_PREFIX):
            continue  # a workout we pushed (ours or another coach athlete's): never read back as the athlete's
        summary = {"category": event.category, "start": event.start_date_local, "end": event.end_date_local,
                   "name": event.name, "type": event.type, "moving_time": event.moving_time}
        digest = digest_of(summary)
        item = known.get(str(event.id))
        if item is not None and item.digest == digest:
            continue
        if event.category in BLOCKING:
            first, last = max(event.start_day, ctx.today), event.last_day
            if last >= ctx.today:
                reason = f"{BLOCKING[event.category]} (Intervals.icu)"
                try:
                    out = await CoachTools(service, ctx).set_unavailable(UnavailableInput(start=first, end=last, reason=reason))
                except ToolError as error:
                    report.failures.append(f"{reason} {first}–{last}: {error}")
                else:
                    if out.accepted:
                        result.blocked.append(f"{first:%a %d %b}–{last:%a %d %b} ({BLOCKING[event.category]}): {out.summary}")
                    else:
                        report.failures.append(f"{reason} {first}–{last}: {out.refused_reason}")
        elif event.category in OWN_PLANNED:
            minutes = f", {round(event.moving_time / 60)} min" if event.moving_time else ""
            what = event.name or event.type or event.category.lower()
            result.own_workouts.append(f"{event.start_day:%a %d %b}: {what} ({event.type or event.category}{minutes})")
        _remember(ctx.session, known, ctx.athlete.id, "event", str(event.id), _naive(now), day=event.start_day,
                  digest=digest, data=summary)
    await _plan_around_own(service, ctx, events, result, report)


_SPORTS_OF_TYPE: Final[dict[str, str]] = {
    "Run": "run", "TrailRun": "run", "VirtualRun": "run", "Ride": "ride", "VirtualRide": "ride", "GravelRide": "ride",
    "MountainBikeRide": "ride", "EBikeRide": "ride", "Swim": "swim", "OpenWaterSwim": "swim", "WeightTraining": "strength",
}
"""Intervals.icu (Strava) activity types as our session sports; any other type is 'other'."""
_S_PER_HOUR: Final = 3600.0
_PERCENT: Final = 100.0


def own_workout_of(event: IntervalsEvent, rules: Any) -> Any:
    """The athlete's WORKOUT event as a dated commitment, or None without a duration. Its intensity is
    the commitment intensity whose intensity factor is nearest the event's: ``icu_intensity`` (IF in
    %), else from its planned load (Coggan's TSS = hours × IF² × 100, so IF = √(TSS / (100 × hours));
    Allen & Coggan, Training and Racing with a Power Meter), else 'moderate'."""
    import math

    from coach.engine.own_workouts import OwnWorkout

    if not event.moving_time or event.moving_time < 60:
        return None
    minutes = min(600, round(event.moving_time / 60))
    factor: float | None = None
    if event.icu_intensity:
        factor = event.icu_intensity / _PERCENT
    elif event.icu_training_load:
        factor = math.sqrt(event.icu_training_load / (_PERCENT * event.moving_time / _S_PER_HOUR))
    intensity = "moderate"
    if factor is not None:
        table = rules.guardrails.load.commitment_intensity_factor
        intensity = min(table, key=lambda name: (abs(table[name] - factor), name))
    name = (event.name or event.type or "Own workout").strip()[:80] or "Own workout"
    return OwnWorkout(date=event.start_day, sport=_SPORTS_OF_TYPE.get(event.type or "", "other"), minutes=minutes,
                      name=name, intensity=intensity)


async def _plan_around_own(service: CoachService, ctx: Ctx, events: list[IntervalsEvent], result: PullResult,
                           report: SyncReport) -> None:
    """The athlete's dated workouts (the whole pulled calendar, from today) as commitments of the plan,
    saved as a new plan version when that changes the plan."""
    from coach.engine.models import Profile
    from coach.engine.own_workouts import plan_around
    from coach.service import training_log

    row = await repo.active_plan_row(ctx.session, ctx.athlete.id)
    if row is None or ctx.athlete.profile is None:
        return
    own = [w for e in events if e.category == "WORKOUT" and not (e.external_id or "").startswith(EXTERNAL_ID_PREFIX)
           and (w := own_workout_of(e, service.rules)) is not None]
    plan = repo.plan_doc(row)
    until = max(w.start for w in plan.weeks) + dt.timedelta(days=6) if plan.weeks else ctx.today  # the pull covered it all
    outcome = plan_around(plan, Profile.model_validate(ctx.athlete.profile), own, service.rules, today=ctx.today,
                          until=until)
    if not outcome.changed:
        return
    from coach.library.use import prefer_library

    # Sessions moved or shortened for her workouts take her library's workouts again where they fit.
    outcome.plan = (await prefer_library(ctx.session, ctx.athlete.id, outcome.plan, Profile.model_validate(
        ctx.athlete.profile), service.rules, ctx.today)).plan
    before = {(v.rule_id, v.date) for v in plan.validation.violations}
    added = [v for v in outcome.violations if (v.rule_id, v.date) not in before
             and not service.rules.guardrails.is_target(v.rule_id)]
    names = ", ".join(sorted({w.name for w in own}))[:200] or "removed from the calendar"
    await repo.save_plan(ctx.session, ctx.athlete, outcome.plan, source=PROVIDER, reason=f"your own workouts: {names}")
    await training_log.update_adherence(ctx)  # the new version's past sessions linked to what was done, as before
    result.plan_changes += outcome.notes
    result.plan_changes += [f"still over a limit after planning around your workouts: {v.message}" for v in added]


# ---------------------------------------------------------------------- push


def external_id(athlete_id: int, day: dt.date, slot: int) -> str:
    """Stable across plan versions: the same day's n-th session keeps its event (and is updated)."""
    return f"{EXTERNAL_ID_PREFIX}{athlete_id}-{day:%Y%m%d}-{slot}"


def planned_workouts(plan: m.Plan, athlete: m.Athlete, today: dt.date) -> dict[str, dict[str, Any]]:
    """The plan's sessions from today on as Intervals.icu events, by external id."""
    from coach.service import render

    workouts: dict[str, dict[str, Any]] = {}
    slots: dict[dt.date, int] = {}
    for row in sorted((s for w in plan.weeks for s in w.sessions), key=lambda s: (s.date, s.id or 0)):
        if row.date < today or row.type == "commitment" or row.status != "planned":
            continue
        slot = slots.get(row.date, 0)
        slots[row.date] = slot + 1
        session = repo.session_doc(row)
        key = external_id(athlete.id, row.date, slot)
        event: dict[str, Any] = {
            "category": "RACE_A" if row.type == "race" else "WORKOUT",
            "start_date_local": f"{row.date.isoformat()}T00:00:00",
            "type": SPORT_TYPES.get(row.sport, "Workout"),
            "name": render.session_title(session, athlete.units),
            "description": row.intervals_icu or row.description,
            "moving_time": row.duration_min * 60,
            "external_id": key,
        }
        if row.distance_km:
            event["distance"] = round(row.distance_km * 1000)
        workouts[key] = event
    return workouts


async def _push(client: IntervalsClient, store: Store, athlete_id: int, today: dt.date, now: dt.datetime,
                report: SyncReport) -> None:
    result = PushResult()
    report.push = result
    async with store.transaction() as s:
        athlete = await s.get(m.Athlete, athlete_id)
        plan = await repo.active_plan_row(s, athlete_id)
        if athlete is None or plan is None:
            return
        desired = planned_workouts(plan, athlete, today)
        pushed = await _items(s, athlete_id, "pushed")
        plan_id = plan.id
    days = [dt.date.fromisoformat(e["start_date_local"][:10]) for e in desired.values()]
    days += [i.day for i in pushed.values() if i.day is not None and i.day >= today]
    horizon = max([today, *days])
    remote = {str(e.external_id): e for e in await client.events(today, horizon, ("WORKOUT", "RACE_A")) if ours(e, athlete_id)}

    creates = [event for key, event in desired.items() if key not in remote]
    updates = [(key, event) for key, event in desired.items()
               if key in remote and (key not in pushed or pushed[key].digest != digest_of(event))]
    result.unchanged = len(desired) - len(creates) - len(updates)
    doomed = [key for key in remote if key not in desired]

    created: dict[str, str] = {}
    updated: list[str] = []
    deleted: list[str] = []
    stopped = False
    for start in range(0, len(creates), CREATE_BATCH):
        batch = creates[start:start + CREATE_BATCH]
        if stopped:
            result.failed += len(batch)
            continue
        try:
            made = await client.create_events(batch)
        except (Unauthorized, SecretUnreadable):
            raise
        except ConnectError as error:
            result.failed += len(batch)
            report.failures.append(f"creating {len(batch)} workout(s): {error}")
            stopped = isinstance(error, RateLimited)
            continue
        made_by_key = {str(e.external_id): str(e.id) for e in made if e.external_id}
        for event in batch:
            if event["external_id"] in made_by_key:
                created[event["external_id"]] = made_by_key[event["external_id"]]
            else:
                result.failed += 1
    for key, event in updates:
        if stopped:
            result.failed += 1
            continue
        try:
            await client.update_event(str(remote[key].id), event)
        except (Unauthorized, SecretUnreadable):
            raise
        except ConnectError as error:
            result.failed += 1
            report.failures.append(f"updating the workout on {event['start_date_local'][:10]}: {error}")
            stopped = isinstance(error, RateLimited)
            continue
        updated.append(key)
    if doomed and not stopped:
        try:
            await client.delete_events([str(remote[key].id) for key in doomed])
        except (Unauthorized, SecretUnreadable):
            raise
        except ConnectError as error:
            result.failed += len(doomed)
            report.failures.append(f"deleting {len(doomed)} workout(s) the plan no longer holds: {error}")
        else:
            deleted = doomed
    elif doomed:
        result.failed += len(doomed)
    result.created, result.updated, result.deleted = len(created), len(updated), len(deleted)

    async with store.transaction() as s:
        naive_now = _naive(now)
        known = await _items(s, athlete_id, "pushed")
        for key, remote_id in created.items():
            _remember(s, known, athlete_id, "pushed", key, naive_now, remote_id=remote_id,
                      day=dt.date.fromisoformat(desired[key]["start_date_local"][:10]), digest=digest_of(desired[key]))
        for key in updated:
            _remember(s, known, athlete_id, "pushed", key, naive_now, remote_id=str(remote[key].id),
                      day=dt.date.fromisoformat(desired[key]["start_date_local"][:10]), digest=digest_of(desired[key]))
        for key in desired.keys() - created.keys() - set(updated) - {k for k, _ in updates}:
            if key in remote and key not in known:  # on their calendar already, unchanged: remember it
                _remember(s, known, athlete_id, "pushed", key, naive_now, remote_id=str(remote[key].id),
                          day=dt.date.fromisoformat(desired[key]["start_date_local"][:10]), digest=digest_of(desired[key]))
        if deleted:
            await s.execute(delete(SyncedItem).where(
                SyncedItem.athlete_id == athlete_id, SyncedItem.provider == PROVIDER, SyncedItem.kind == "pushed",
                SyncedItem.external_id.in_(deleted)))
        # Items of sessions gone from both sides (deleted by hand in Intervals.icu) are forgotten.
        gone = [key for key, item in known.items() if key not in desired and key not in remote and item.day is not None
                and item.day >= today]
        if gone:
            await s.execute(delete(SyncedItem).where(
                SyncedItem.athlete_id == athlete_id, SyncedItem.provider == PROVIDER, SyncedItem.kind == "pushed",
                SyncedItem.external_id.in_(gone)))
        connection = await connection_of(s, athlete_id)
        if connection is not None:
            connection.last_push_at = naive_now
            if result.failed == 0:
                connection.pushed_plan_id = plan_id


# ---------------------------------------------------------------------- one sync


_locks: dict[int, asyncio.Lock] = {}


def _lock(athlete_id: int) -> asyncio.Lock:
    """One sync per athlete at a time in this process (the scheduler and /sync may meet)."""
    return _locks.setdefault(athlete_id, asyncio.Lock())


async def sync_athlete(service: CoachService, store: Store, athlete_id: int, config: ConnectConfig, *,
                       pull: bool = True, push: bool = True) -> SyncReport:
    """Pull then push (either may be left out) for one athlete; raises NotConnected."""
    async with _lock(athlete_id):
        return await _sync(service, store, athlete_id, config, pull=pull, push=push)


async def _sync(service: CoachService, store: Store, athlete_id: int, config: ConnectConfig, *, pull: bool, push: bool) -> SyncReport:
    from coach.service.service import Ctx

    report = SyncReport()
    async with store.transaction() as s:
        athlete = await s.get(m.Athlete, athlete_id)
        connection = None if athlete is None else await connection_of(s, athlete_id)
        if athlete is None or connection is None:
            raise NotConnected(f"You're not connected to {PROVIDER_NAME}: send /connect intervals ATHLETE_ID API_KEY.")
        today = service.clock.today(athlete.time_zone)
        plan = await repo.active_plan_row(s, athlete_id)
        plan_end = max((w.start + dt.timedelta(days=6) for w in plan.weeks), default=today) if plan is not None else today
        horizon = max(plan_end, today + dt.timedelta(days=EVENTS_MIN_HORIZON_DAYS))
        external_athlete = connection.external_athlete_id
        start = _Cursor(connection.pulled_through)
        try:
            api_key = config.box.decrypt(connection.secret)
        except SecretUnreadable as error:
            connection.status, connection.last_error = "reconnect", str(error)
            report.failures.append(str(error))
            report.reconnect = True
            return report
    now = service.clock.now()
    try:
        async with config.intervals(external_athlete, api_key) as client:
            if pull:
                pulled = await _fetch(client, start, today, horizon, report)
                result = PullResult()
                report.pull = result
                streams = {} if pulled.activities is None or report.rate_limited else await _fetch_streams(
                    client, store, athlete_id, pulled.activities, today, report, result)
                async with store.transaction() as s:
                    athlete = await s.get(m.Athlete, athlete_id)
                    assert athlete is not None
                    ctx = Ctx(s, athlete, today)
                    if pulled.activities is not None:
                        await _apply_activities(ctx, pulled.activities, result, now, streams)
                    if pulled.wellness is not None:
                        await _apply_wellness(ctx, pulled.wellness, result, now)
                    if pulled.events is not None:
                        await _apply_events(service, ctx, pulled.events, result, report, now)
                    connection = await connection_of(s, athlete_id)
                    if connection is not None:
                        connection.last_pull_at = _naive(now)
                        if pulled.through is not None:
                            connection.pulled_through = pulled.through
                        connection.last_error = "; ".join(report.failures)[:2000] or None
            if push and not report.rate_limited:
                try:
                    await _push(client, store, athlete_id, today, now, report)
                except (Unauthorized, SecretUnreadable):
                    raise
                except ConnectError as error:
                    report.push = report.push or PushResult()
                    report.failures.append(f"push: {error}")
    except Unauthorized as error:
        report.failures.append(str(error))
        report.reconnect = True
        async with store.transaction() as s:
            connection = await connection_of(s, athlete_id)
            if connection is not None:
                connection.status, connection.last_error = "reconnect", str(error)
    return report


@dataclass(frozen=True)
class _Cursor:
    pulled_through: dt.date | None


# ---------------------------------------------------------------------- the bot's schedule


_tick_lock = asyncio.Lock()


@dataclass(frozen=True)
class _Due:
    connection_id: int
    athlete_id: int
    pull: bool
    push: bool
    first: bool


async def due_syncs(service: CoachService) -> list[_Due]:
    now = _naive(service.clock.now())
    async with service.db.transaction() as s:
        connections = (await s.execute(select(Connection).where(
            Connection.status == "active", Connection.provider == PROVIDER))).scalars().all()
        due: list[_Due] = []
        for c in connections:
            plan_id = (await s.execute(
                select(m.Plan.id).where(m.Plan.athlete_id == c.athlete_id, m.Plan.status == "active")
                .order_by(m.Plan.version.desc()).limit(1)
            )).scalar_one_or_none()
            pull = c.last_pull_at is None or now - c.last_pull_at >= PULL_INTERVAL
            push = plan_id is not None and plan_id != c.pushed_plan_id
            if pull or push:
                due.append(_Due(c.id, c.athlete_id, pull, push or pull, c.last_pull_at is None))
        return due


async def tick(service: CoachService, config: ConnectConfig | None = None) -> int:
    """The bot's minute: pull connections whose time has come, push plans that changed since their
    last push. Tells an athlete once when their key is refused, and sends the first sync's summary.
    Returns the number of messages queued (the caller wakes its sender)."""
    from coach.connect.config import config_for
    from coach.service.types import Reply

    if _tick_lock.locked():
        return 0
    async with _tick_lock:
        from coach.connect import strava_sync

        config = config or config_for(service)
        queued = await strava_sync.tick(service, config)  # Strava: imports only (coach/connect/strava_sync.py)
        due = await due_syncs(service)
        if not due:
            return queued
        for item in due:
            try:
                report = await sync_athlete(service, service.db, item.athlete_id, config, pull=item.pull, push=item.push)
            except NotConnected:
                continue
            except Exception:
                log.exception("scheduled sync of connection %s failed", item.connection_id)
                continue
            if report.reconnect:
                text = f"{PROVIDER_NAME} refused your key, so I've stopped syncing. Reconnect with " \
                       "/connect intervals ATHLETE_ID API_KEY (Settings → Developer in Intervals.icu)."
                key = f"connect:reconnect:{item.connection_id}:{_naive(service.clock.now()):%Y%m%d%H%M}"
            elif item.first:
                text = "\n".join(report.lines())
                key = f"connect:first:{item.connection_id}:{_naive(service.clock.now()):%Y%m%d%H%M}"
            else:
                continue
            queued += await _notify(service, item.athlete_id, key, Reply(text))
        return queued


async def _notify(service: CoachService, athlete_id: int, key: str, reply: Any) -> int:
    async with service.db.transaction() as s:
        athlete = await s.get(m.Athlete, athlete_id)
        if athlete is None or athlete.telegram_chat_id is None or athlete.inactive_since is not None:
            return 0
        if (await s.execute(select(m.OutboxMessage.id).where(m.OutboxMessage.key == key))).first() is not None:
            return 0
        s.add(m.OutboxMessage(key=key, athlete_id=athlete.id, chat_id=athlete.telegram_chat_id, kind="sync",
                              payload=reply.to_payload()))
        return 1


__all__: Sequence[str] = [
    "OpenSession", "PullResult", "PushResult", "SyncReport", "connection_of", "forget_connection", "planned_workouts",
    "save_connection", "sync_athlete", "tick", "verify",
]
