"""Strava in: connect (OAuth code -> tokens, encrypted), import activities, webhook events.

- Tokens live in the ``connections`` table (provider ``strava``; ``external_athlete_id`` is the
  Strava athlete id) as one Fernet token holding the access and refresh tokens and ``expires_at``
  (``Tokens.seal``). Before any call the access token is refreshed when it has less than an hour
  left, and the new pair is stored at once (Strava may rotate the refresh token).
- Activities become the same rows an uploaded file makes: the summary (and, for recent activities
  with heart rate or power, the streams) read into ``RawActivity``, finished by
  ``coach.sources.activity.finish``, stored by ``training_log.store_activity`` (whose fingerprint —
  sport, start minute, elapsed minutes — keeps one recording once, whether it came as a file, from
  Intervals.icu or from Strava), linked to the plan by ``training_log.update_adherence``. Each
  Strava id is remembered (``SyncedItem``, kind ``activity``) so a re-import counts nothing twice.
- Pages are stored as they come: a limit reached half-way keeps what was imported; the cursor
  (``pulled_through``) moves only when a pull finished, so the next one picks up the rest.
- Webhook events (``_event_for``; stored on receipt and claimed by one worker:
  ``coach/connect/strava_events.py``): ``create``/``update`` fetch that activity and import it;
  ``delete`` removes what Strava alone brought (after Strava confirms the activity is gone: events
  are not signed); an athlete ``update`` with ``authorized: false`` forgets the tokens (after
  Strava confirms they no longer work).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from pydantic import ValidationError
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from coach.connect.config import ConnectConfig
from coach.connect.errors import (
    BadCredentials,
    ConnectError,
    NotConnected,
    RateLimited,
    SecretUnreadable,
    Unauthorized,
)
from coach.connect.secrets import SecretBox
from coach.connect.strava import PROVIDER, PROVIDER_NAME, Returned, Tokens, read_state, scope_problem
from coach.connect.sync import (  # one import window for every provider
    PULL_HISTORY_DAYS,
    PULL_OVERLAP_DAYS,
    STREAMS_DAYS,
)
from coach.store import models as m
from coach.store.models_connect import Connection, SyncedItem

if TYPE_CHECKING:
    from coach.connect.sync import Store
    from coach.service.service import CoachService, Ctx

log = logging.getLogger(__name__)

PULL_INTERVAL: Final = dt.timedelta(hours=6)
"""Webhooks bring new activities as they happen; a pull this often catches anything missed."""
NOT_CONNECTED: Final = "You're not connected to Strava: send /connect strava."


# ---------------------------------------------------------------------- results


@dataclass
class StravaReport:
    new: int = 0
    known: int = 0
    """Already here: imported before, or the same recording uploaded or pulled from Intervals.icu."""
    skipped: int = 0
    streams: int = 0
    plan_changes: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    reconnect: bool = False
    rate_limited: bool = False
    complete: bool = False

    @property
    def ok(self) -> bool:
        return not self.failures

    def document(self) -> dict[str, Any]:
        return {
            "provider": PROVIDER, "ok": self.ok, "reconnect": self.reconnect, "rate_limited": self.rate_limited,
            "pull": {"activities": {"new": self.new, "already_here": self.known, "skipped": self.skipped},
                     "streams": self.streams, "complete": self.complete},
            "plan": list(self.plan_changes), "failed": list(self.failures),
        }

    def lines(self) -> list[str]:
        out = [f"Imported from {PROVIDER_NAME}: {self.new} new activit{'y' if self.new == 1 else 'ies'} "
               f"({self.known} already here)."]
        out += [f"Plan: {c}" for c in self.plan_changes]
        out += [f"Failed: {f}" for f in self.failures]
        return out


# ---------------------------------------------------------------------- connecting


async def connection_of(session: AsyncSession, athlete_id: int) -> Connection | None:
    query = select(Connection).where(Connection.athlete_id == athlete_id, Connection.provider == PROVIDER)
    return (await session.execute(query)).scalar_one_or_none()


async def exchange(config: ConnectConfig, returned: Returned, athlete_id: int, now: dt.datetime) -> tuple[Tokens, dict[str, Any]]:
    """Check what came back from Strava's page (state bound to this athlete, scope) and trade the
    code for tokens. Raises ConnectError with a sentence."""
    if not config.strava.configured:
        raise ConnectError("Strava isn't set up on this coach (STRAVA_CLIENT_ID and STRAVA_CLIENT_SECRET); "
                           "tell whoever runs me.")
    if returned.state is not None and read_state(config.box, returned.state, now) != athlete_id:
        raise BadCredentials("That Strava link wasn't made for you, or is more than a day old: "
                             "send /connect strava for a new one.")
    problem = scope_problem(returned.scope)
    if problem:
        raise BadCredentials(problem)
    async with config.strava_client(lambda: now) as client:
        tokens, athlete = await client.exchange(returned.code)
    return Tokens(tokens.access_token, tokens.refresh_token, tokens.expires_at, returned.scope), athlete


def strava_name(athlete: dict[str, Any]) -> str:
    name = " ".join(str(athlete.get(k) or "") for k in ("firstname", "lastname")).strip()
    return name or str(athlete.get("id") or "your account")


async def save_connection(session: AsyncSession, athlete: m.Athlete, tokens: Tokens, strava_athlete: dict[str, Any],
                          box: SecretBox) -> Connection:
    """Store (or replace) the athlete's Strava connection, tokens encrypted. A Strava account is
    connected to one athlete here (webhook events name the Strava athlete)."""
    external = str(strava_athlete.get("id") or "")
    if not external:
        raise ConnectError("Strava didn't say whose account this is; nothing was saved.")
    other = (await session.execute(select(Connection.athlete_id).where(
        Connection.provider == PROVIDER, Connection.external_athlete_id == external, Connection.athlete_id != athlete.id,
    ))).first()
    if other is not None:
        raise ConnectError("That Strava account is already connected to another athlete here; nothing was saved.")
    row = await connection_of(session, athlete.id)
    if row is None:
        row = Connection(athlete_id=athlete.id, provider=PROVIDER, external_athlete_id=external, secret="")
        session.add(row)
    row.external_athlete_id = external
    row.secret = tokens.seal(box)
    row.status, row.last_error = "active", None
    row.last_pull_at = None
    await session.flush()
    return row


async def forget_connection(session: AsyncSession, athlete_id: int, box: SecretBox | None = None) -> Tokens | bool | None:
    """Delete the connection (the tokens with it); what was imported stays. Returns the tokens it
    held (to revoke them at Strava), True when they were unreadable, False when not connected."""
    row = await connection_of(session, athlete_id)
    if row is None:
        return False
    tokens: Tokens | bool | None = True
    if box is not None:
        try:
            tokens = Tokens.unseal(box, row.secret)
        except (SecretUnreadable, ValueError, KeyError):
            tokens = True
    await session.delete(row)
    await session.flush()
    return tokens


async def disconnect(config: ConnectConfig, store: Store, athlete_id: int, now: dt.datetime) -> bool:
    """Forget the tokens and revoke them at Strava (best effort). False: not connected."""
    async with store.transaction() as s:
        tokens = await forget_connection(s, athlete_id, config.box)
    if tokens is False:
        return False
    if isinstance(tokens, Tokens) and config.strava.configured:
        async with config.strava_client(lambda: now) as client:
            await client.deauthorize(tokens.access_token)
    return True


async def _fresh_tokens(config: ConnectConfig, store: Store, athlete_id: int, now: dt.datetime) -> Tokens:
    """The athlete's tokens, refreshed (and stored) when the access token is near its end.
    Raises NotConnected, SecretUnreadable, Unauthorized."""
    async with store.transaction() as s:
        row = await connection_of(s, athlete_id)
        if row is None:
            raise NotConnected(NOT_CONNECTED)
        tokens = Tokens.unseal(config.box, row.secret)
    if not tokens.due(now):
        return tokens
    async with config.strava_client(lambda: now) as client:
        tokens = await client.refresh(tokens)
    async with store.transaction() as s:
        row = await connection_of(s, athlete_id)
        if row is not None:
            row.secret = tokens.seal(config.box)
    log.info("refreshed the Strava access of athlete %s", athlete_id)
    return tokens


# ---------------------------------------------------------------------- activities


def _aligned(streams: dict[str, list[Any]], key: str, length: int) -> list[float | None] | None:
    values = streams.get(key)
    if not values or len(values) != length:
        return None
    return [float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None for v in values]


def raw_activity(data: dict[str, Any], streams: dict[str, list[Any]] | None = None) -> Any:
    """A Strava activity (summary or detail, with its streams when fetched) as a ``RawActivity``;
    None when it has no start or duration."""
    from coach.sources.activity import ActivityStreams, RawActivity
    from coach.sources.csv_export import _iso_date, _sport

    start = _iso_date(str(data.get("start_date") or "")) or _iso_date(str(data.get("start_date_local") or ""))
    elapsed = data.get("elapsed_time") or data.get("moving_time")
    if start is None or not isinstance(elapsed, int | float) or elapsed <= 0:
        return None
    if start.tzinfo is None:
        start = start.replace(tzinfo=dt.UTC)

    def number(key: str) -> float | None:
        value = data.get(key)
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None

    device_power = bool(data.get("device_watts"))  # else Strava's own estimate: not a measurement
    recorded = ActivityStreams()
    time_s = (streams or {}).get("time") or []
    if len(time_s) > 1 and all(isinstance(t, int | float) for t in time_s):
        n = len(time_s)
        recorded = ActivityStreams(
            time_s=[float(t) for t in time_s], heart_rate_bpm=_aligned(streams or {}, "heartrate", n),
            power_w=_aligned(streams or {}, "watts", n) if device_power else None,
            speed_m_per_s=_aligned(streams or {}, "velocity_smooth", n), distance_m=_aligned(streams or {}, "distance", n),
            altitude_m=_aligned(streams or {}, "altitude", n),
        )
    return RawActivity(
        source_format="csv",  # the API's fields are those of Strava's activity export
        sport=_sport(str(data.get("sport_type") or data.get("type") or "")),
        name=str(data.get("name") or "") or None,
        start_time=start, elapsed_s=float(elapsed), moving_s=number("moving_time"), distance_m=number("distance"),
        elevation_gain_m=number("total_elevation_gain"), avg_hr=number("average_heartrate"), max_hr=number("max_heartrate"),
        avg_power_w=number("average_watts") if device_power else None,
        np_w=number("weighted_average_watts") if device_power else None,
        avg_speed_m_per_s=number("average_speed"), indoor=bool(data.get("trainer")),
        has_gps=bool(data.get("start_latlng")), streams=recorded,
    )


def wants_streams(data: dict[str, Any], today: dt.date) -> bool:
    if data.get("manual") or not (data.get("has_heartrate") or data.get("device_watts")):
        return False
    start = str(data.get("start_date") or data.get("start_date_local") or "")[:10]
    try:
        day = dt.date.fromisoformat(start)
    except ValueError:
        return False
    return (today - day).days <= STREAMS_DAYS


async def _known(session: AsyncSession, athlete_id: int) -> dict[str, SyncedItem]:
    query = select(SyncedItem).where(SyncedItem.athlete_id == athlete_id, SyncedItem.provider == PROVIDER,
                                     SyncedItem.kind == "activity")
    return {item.external_id: item for item in (await session.execute(query)).scalars()}


async def _store(ctx: Ctx, data: dict[str, Any], streams: dict[str, list[Any]] | None, known: dict[str, SyncedItem],
                 report: StravaReport, now: dt.datetime) -> None:
    from coach.service import training_log
    from coach.sources.activity import finish
    from coach.sources.errors import ImportFailure

    external = str(data.get("id"))
    if external in known:
        report.known += 1
        return
    raw = raw_activity(data, streams)
    if raw is None:
        report.skipped += 1
        return
    history = (ctx.athlete.profile or {}).get("history") or {}
    try:
        activity = finish(raw, ftp_w=history.get("ftp_w"), max_hr=history.get("max_hr"), keep_streams=False)
    except (ValueError, ValidationError, ImportFailure):
        report.skipped += 1
        return
    stored = await training_log.store_activity(ctx, activity, source=PROVIDER, file_name=None)
    if stored.new:
        report.new += 1
    else:
        report.known += 1
    item = SyncedItem(athlete_id=ctx.athlete.id, provider=PROVIDER, kind="activity", external_id=external,
                      activity_id=stored.row.id, day=stored.row.start_time.date(),
                      data={"name": data.get("name"), "type": data.get("sport_type") or data.get("type"),
                            "brought": stored.new},
                      updated_at=now.astimezone(dt.UTC).replace(tzinfo=None))
    ctx.session.add(item)
    known[external] = item


async def _with_streams(client: Any, page: list[dict[str, Any]], known: dict[str, SyncedItem], today: dt.date,
                        report: StravaReport) -> tuple[list[tuple[dict[str, Any], dict[str, list[Any]] | None]], RateLimited | None]:
    """The page's new activities with their streams where wanted; stops at a rate limit (what was
    fetched before it is returned, with the error)."""
    ready: list[tuple[dict[str, Any], dict[str, list[Any]] | None]] = []
    for data in page:
        streams = None
        if str(data.get("id")) not in known and wants_streams(data, today):
            try:
                streams = await client.streams(str(data["id"]))
            except RateLimited as error:
                return ready, error
            except ConnectError as error:  # the summary is still worth keeping
                log.info("no streams for a Strava activity: %s", error)
            else:
                report.streams += 1
        ready.append((data, streams))
    return ready, None


# ---------------------------------------------------------------------- one import


async def sync_athlete(service: CoachService, store: Store, athlete_id: int, config: ConnectConfig) -> StravaReport:
    """Import the athlete's Strava activities since the last import (a year the first time)."""
    from coach.connect.sync import _lock

    async with _lock(athlete_id):
        return await _pull(service, store, athlete_id, config)


async def _pull(service: CoachService, store: Store, athlete_id: int, config: ConnectConfig) -> StravaReport:
    from coach.service import training_log
    from coach.service.service import Ctx

    report = StravaReport()
    async with store.transaction() as s:
        athlete = await s.get(m.Athlete, athlete_id)
        connection = None if athlete is None else await connection_of(s, athlete_id)
        if athlete is None or connection is None:
            raise NotConnected(NOT_CONNECTED)
        today = service.clock.today(athlete.time_zone)
        through = connection.pulled_through
    now = service.clock.now()
    first_day = through - dt.timedelta(days=PULL_OVERLAP_DAYS) if through else today - dt.timedelta(days=PULL_HISTORY_DAYS)
    after = dt.datetime.combine(first_day, dt.time(), tzinfo=dt.UTC)
    try:
        tokens = await _fresh_tokens(config, store, athlete_id, now)
        async with store.transaction() as s:
            known = await _known(s, athlete_id)
        async with config.strava_client(service.clock.now, tokens.access_token) as client:
            async for page in client.activity_pages(after):
                ready, stopped = await _with_streams(client, page, known, today, report)
                async with store.transaction() as s:
                    athlete = await s.get(m.Athlete, athlete_id)
                    assert athlete is not None
                    ctx = Ctx(s, athlete, today)
                    for data, streams in ready:
                        await _store(ctx, data, streams, known, report, now)
                if stopped is not None:
                    raise stopped
        report.complete = True
    except (Unauthorized, SecretUnreadable) as error:
        report.failures.append(str(error))
        report.reconnect = True
    except RateLimited as error:
        report.failures.append(str(error))
        report.rate_limited = True
    except NotConnected:
        raise
    except ConnectError as error:
        report.failures.append(str(error))
    async with store.transaction() as s:
        athlete = await s.get(m.Athlete, athlete_id)
        assert athlete is not None
        if report.new:
            report.plan_changes += await training_log.update_adherence(Ctx(s, athlete, today))
        connection = await connection_of(s, athlete_id)
        if connection is not None:
            connection.last_pull_at = now.astimezone(dt.UTC).replace(tzinfo=None)
            if report.complete:
                connection.pulled_through = today
            connection.last_error = "; ".join(report.failures)[:2000] or None
            if report.reconnect:
                connection.status = "reconnect"
    return report


# ---------------------------------------------------------------------- webhook events


@dataclass(frozen=True)
class Event:
    """A webhook event as Strava documents it (``object_type``, ``object_id``, ``aspect_type``,
    ``updates``, ``owner_id``, ``subscription_id``, ``event_time`` in epoch seconds)."""

    object_type: str
    aspect_type: str
    object_id: str
    owner_id: str
    updates: dict[str, Any]
    subscription_id: int = 0
    event_time: int = 0

    @classmethod
    def read(cls, body: Any) -> Event | None:
        if not isinstance(body, dict):
            return None
        try:
            object_type, aspect = str(body["object_type"]), str(body["aspect_type"])
            object_id, owner = _integer(body["object_id"]), _integer(body["owner_id"])
            subscription, at = _integer(body["subscription_id"]), _integer(body["event_time"])
        except (KeyError, TypeError, ValueError):
            return None
        if object_type not in ("activity", "athlete") or aspect not in ("create", "update", "delete"):
            return None
        updates = body.get("updates")
        return cls(object_type, aspect, str(object_id), str(owner), updates if isinstance(updates, dict) else {},
                   subscription, at)

    @property
    def deauthorized(self) -> bool:
        return self.object_type == "athlete" and str(self.updates.get("authorized", "")).lower() == "false"


def _integer(value: Any) -> int:
    """A whole number as JSON sends it (not a bool, not a fraction, within a signed 64-bit column)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError("not an integer")
    number = int(value)
    if not 0 <= number < 2**63:
        raise ValueError("out of range")
    return number


async def _event_for(service: CoachService, config: ConnectConfig, event: Event, athlete_id: int) -> str:
    now = service.clock.now()
    if event.object_type == "athlete":
        if not event.deauthorized:
            return "ignored"
        try:  # events are not signed: believe it once Strava refuses the tokens
            tokens = await _fresh_tokens(config, service.db, athlete_id, now)
            async with config.strava_client(service.clock.now, tokens.access_token) as client:
                await client.athlete()
        except (Unauthorized, SecretUnreadable):
            async with service.db.transaction() as s:
                await forget_connection(s, athlete_id)
            await _notify(service, athlete_id, f"strava:deauthorized:{athlete_id}:{now:%Y%m%d%H%M}",
                          "You removed my access on Strava, so I've forgotten it. What I imported stays; "
                          "send /connect strava to connect again.")
            return "deauthorized"
        return "still authorised"
    tokens = await _fresh_tokens(config, service.db, athlete_id, now)
    async with config.strava_client(service.clock.now, tokens.access_token) as client:
        detail = await client.activity(event.object_id)
        if event.aspect_type == "delete":
            if detail is not None:
                return "still on Strava"
            return await _remove(service, athlete_id, event.object_id)
        if detail is None:
            return "not found"
        async with service.db.transaction() as s:
            athlete = await s.get(m.Athlete, athlete_id)
            assert athlete is not None
            today = service.clock.today(athlete.time_zone)
            known = await _known(s, athlete_id)
        if event.object_id in known:
            return await _update(service, athlete_id, event.object_id, detail)
        report = StravaReport()
        ready, _stopped = await _with_streams(client, [detail], known, today, report)
    from coach.service import training_log
    from coach.service.service import Ctx

    async with service.db.transaction() as s:
        athlete = await s.get(m.Athlete, athlete_id)
        assert athlete is not None
        ctx = Ctx(s, athlete, today)
        for data, streams in ready:
            await _store(ctx, data, streams, known, report, now)
        if report.new:
            await training_log.update_adherence(ctx)
    return "imported" if report.new else "already here"


async def _update(service: CoachService, athlete_id: int, external: str, detail: dict[str, Any]) -> str:
    """A renamed or re-typed activity: what Strava alone brought follows it."""
    from coach.sources.csv_export import _sport

    async with service.db.transaction() as s:
        item = (await _known(s, athlete_id))[external]
        item.data = {**(item.data or {}), "name": detail.get("name"), "type": detail.get("sport_type") or detail.get("type")}
        row = None if item.activity_id is None else await s.get(m.Activity, item.activity_id)
        if row is not None and row.source == PROVIDER:
            sport = _sport(str(detail.get("sport_type") or detail.get("type") or ""))
            if sport != row.sport:
                from coach.service import training_log
                from coach.service.service import Ctx

                row.sport = sport
                linked = (await s.execute(select(m.PlannedSession).where(m.PlannedSession.activity_id == row.id))).scalars()
                for session in linked:  # re-judged below with the new sport
                    session.activity_id, session.status = None, "planned"
                athlete = await s.get(m.Athlete, athlete_id)
                assert athlete is not None
                await training_log.update_adherence(Ctx(s, athlete, service.clock.today(athlete.time_zone)))
                return "updated"
    return "unchanged"


async def _remove(service: CoachService, athlete_id: int, external: str) -> str:
    """Strava confirmed the activity is gone: forget it, and delete the stored activity when Strava
    alone brought it (an upload or an Intervals.icu pull of the same recording stays)."""
    from coach.service import training_log
    from coach.service.service import Ctx

    async with service.db.transaction() as s:
        item = (await _known(s, athlete_id)).get(external)
        if item is None:
            return "unknown"
        activity_id = item.activity_id
        await s.delete(item)
        await s.flush()
        row = None if activity_id is None else await s.get(m.Activity, activity_id)
        others = 0 if activity_id is None else len((await s.execute(select(SyncedItem.id).where(
            SyncedItem.activity_id == activity_id))).all())
        if row is None or row.source != PROVIDER or others:
            return "forgotten"
        linked = (await s.execute(select(m.PlannedSession).where(m.PlannedSession.activity_id == activity_id))).scalars()
        for session in linked:
            session.activity_id, session.status = None, "planned"
        await s.execute(delete(m.Activity).where(m.Activity.id == activity_id))
        athlete = await s.get(m.Athlete, athlete_id)
        assert athlete is not None
        await training_log.update_adherence(Ctx(s, athlete, service.clock.today(athlete.time_zone)))
    return "deleted"


async def _notify(service: CoachService, athlete_id: int, key: str, text: str) -> int:
    from coach.connect.sync import _notify as notify
    from coach.service.types import Reply

    return await notify(service, athlete_id, key, Reply(text))


async def drain() -> None:
    """Wait for the webhook events being handled in this process (tests; a clean shutdown)."""
    from coach.connect.strava_events import drain as events_drain

    await events_drain()


# ---------------------------------------------------------------------- the bot's schedule


async def tick(service: CoachService, config: ConnectConfig) -> int:
    """Handle stored webhook events that are due (``coach/connect/strava_events.py``), then import for
    connections whose time has come (the first within the minute); tells the athlete the first
    import's summary, and once when Strava refused the access. Returns messages queued."""
    from coach.connect import strava_events

    queued = 0
    if config.strava.configured:  # webhook events a stopped or busy process left: handled here
        try:
            handled = await strava_events.process_due(service, config)
            queued += handled.notified
            await strava_events.StravaEventQueue(service.db).prune()
        except Exception:
            log.exception("handling stored Strava events failed; the next tick tries again")
    now = service.clock.now().astimezone(dt.UTC).replace(tzinfo=None)
    async with service.db.transaction() as s:
        due = [(c.id, c.athlete_id, c.last_pull_at is None) for c in (await s.execute(
            select(Connection).where(Connection.provider == PROVIDER, Connection.status == "active"))).scalars()
            if c.last_pull_at is None or now - c.last_pull_at >= PULL_INTERVAL]
    if due and not config.strava.configured:
        return queued
    for connection_id, athlete_id, first in due:
        try:
            report = await sync_athlete(service, service.db, athlete_id, config)
        except NotConnected:
            continue
        except Exception:
            log.exception("scheduled Strava import of connection %s failed", connection_id)
            continue
        if report.reconnect:
            queued += await _notify(service, athlete_id, f"strava:reconnect:{connection_id}:{now:%Y%m%d%H%M}",
                                    "Strava no longer accepts my access, so I've stopped importing. Reconnect with /connect strava.")
        elif first:
            queued += await _notify(service, athlete_id, f"strava:first:{connection_id}:{now:%Y%m%d%H%M}",
                                    "\n".join(report.lines()))
    return queued


__all__: Sequence[str] = [
    "Event", "StravaReport", "connection_of", "disconnect", "drain", "exchange", "forget_connection",
    "save_connection", "sync_athlete", "tick",
]
