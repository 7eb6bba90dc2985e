"""Strava webhook events, stored on receipt and handled exactly once (issue 12).

Strava posts each event once, expects a 200 within two seconds, and retries (up to three times)
only when it gets none. So:

- **Receipt** (``record``): the event is written to ``strava_events`` before the 200 goes back,
  keyed by Strava's identity of it (subscription id, object id, aspect type, event time): a
  repeated delivery meets the unique key and is stored once. A failed write answers 500, so
  Strava delivers it again.
- **Handling** (``process_due``): a worker *claims* due events in one transaction
  (``claim_token``, ``claimed_until`` = now + lease; SQLite serialises claims with
  ``BEGIN IMMEDIATE``, PostgreSQL with a transaction-scoped advisory lock, and the claiming
  ``UPDATE`` re-checks that the row is still free), handles them (``strava_sync._event_for``,
  which re-reads Strava's present state, so handling twice would do no harm either), and closes
  each row with its outcome. Events of one Strava owner are claimed together and by one worker
  at a time, oldest first, so a create and the delete after it are never handled side by side by
  two processes. The web server kicks a worker after each receipt; the bot's minute tick runs one
  too, so an event a stopped process left behind (unclaimed, or claimed with a lease that ran
  out) is handled after a restart.
- **Failure**: a try that fails (Strava unreachable, 5xx, its rate limit, a bug) is recorded
  (``attempts``, ``last_error``) and the event waits ``RETRY_S`` (or Strava's own reset time,
  whichever is later); after ``MAX_ATTEMPTS`` tries, or at once when the athlete's access is
  gone (a retry can't help), it is parked as ``failed``. Handled and parked events are deleted
  after ``KEEP_DAYS``.
- Leases and backoff run on real time (``SystemClock``), as the outbox's do: with a fixed
  "today" (``COACH_TODAY``) a backoff must still end.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import and_, delete, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from coach.clock import SystemClock
from coach.connect.config import ConnectConfig
from coach.connect.errors import NotConnected, RateLimited, SecretUnreadable, Unauthorized
from coach.connect.strava_sync import Event
from coach.store.db import Database
from coach.store.models_strava_events import StravaEvent

if TYPE_CHECKING:
    from coach.service.service import CoachService

log = logging.getLogger(__name__)

LEASE_S: Final = 120.0
"""How long a claim holds an owner's events; a worker that dies leaves them to others after this."""
RETRY_S: Final = (30.0, 120.0, 600.0, 3600.0, 6 * 3600.0)
"""The wait after the 1st, 2nd, ... failed try; the last repeats. Strava's 15-minute request
window and a short outage are outlasted by the third wait, a long outage by the fifth."""
MAX_ATTEMPTS: Final = 6
"""Tries before an event is parked as ``failed`` (about seven hours after its receipt)."""
KEEP_DAYS: Final = 30
"""Handled and parked events are kept this long (to answer "what happened to ..."), then deleted."""
CLAIM_LIMIT: Final = 50
ROUNDS: Final = 20
"""Claims per ``process_due`` call: events that arrive while one round runs are taken by the next."""
GONE: Final = (Unauthorized, SecretUnreadable, NotConnected)
"""Failures a retry can't mend: the athlete's access is gone (they reconnect, and a pull catches up)."""
_PG_CLAIM_LOCK: Final = 0x73747276  # "strv": serialises claimers on PostgreSQL


def real_now() -> dt.datetime:
    """Real time, naive UTC (the time columns' form), for leases and backoff."""
    return SystemClock().now().astimezone(dt.UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Claimed:
    id: int
    attempts: int
    event: Event


@dataclass
class Processed:
    """What one ``process_due`` call did."""

    done: int = 0
    retried: int = 0
    parked: int = 0
    outcomes: list[str] = field(default_factory=list)

    @property
    def notified(self) -> int:
        """Messages queued for athletes (a deauthorisation tells the athlete)."""
        return sum(1 for outcome in self.outcomes if "deauthorized" in outcome)


def _event(row: StravaEvent) -> Event:
    return Event(
        row.object_type,
        row.aspect_type,
        str(row.object_id),
        str(row.owner_id),
        dict(row.updates or {}),
        row.subscription_id,
        row.event_time,
    )


async def record(db: Database, event: Event, *, clock: Callable[[], dt.datetime] = real_now) -> bool:
    """Store a received event; False when it was here already (Strava delivered it again)."""
    values = {
        "subscription_id": event.subscription_id,
        "object_type": event.object_type,
        "object_id": int(event.object_id),
        "aspect_type": event.aspect_type,
        "event_time": event.event_time,
        "owner_id": int(event.owner_id),
        "updates": event.updates,
        "status": "pending",
        "received_at": db.naive_now(),
        "due_at": clock(),
        "attempts": 0,
    }
    key = ["subscription_id", "object_id", "aspect_type", "event_time"]
    async with db.transaction() as s:
        dialect = s.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        done = await s.execute(
            insert(StravaEvent).values(**values).on_conflict_do_nothing(index_elements=key)
        )
        return bool(getattr(done, "rowcount", 0))


class StravaEventQueue:
    """Claims, closes, retries and releases stored events on behalf of one worker or more."""

    def __init__(
        self,
        db: Database,
        *,
        lease_clock: Callable[[], dt.datetime] = real_now,
        lease_s: float = LEASE_S,
        claim_limit: int = CLAIM_LIMIT,
    ) -> None:
        self.db = db
        self.lease_clock = lease_clock
        self.lease_s = lease_s
        self.claim_limit = claim_limit

    async def _serialise_claims(self, s: AsyncSession) -> None:
        if s.get_bind().dialect.name == "postgresql":
            await s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_CLAIM_LOCK})

    async def claim(self, token: str, *, limit: int | None = None) -> list[Claimed]:
        """Claim the due events of owners no worker holds, oldest first."""
        e = StravaEvent
        limit = limit or self.claim_limit
        async with self.db.transaction() as s:
            await self._serialise_claims(s)
            wall = self.lease_clock()
            free = or_(e.claim_token.is_(None), e.claimed_until.is_(None), e.claimed_until <= wall)
            busy = select(e.owner_id).where(
                e.status == "pending", e.claim_token.is_not(None), e.claimed_until > wall
            )
            ids = list(
                (
                    await s.execute(
                        select(e.id)
                        .where(e.status == "pending", e.due_at <= wall, free, e.owner_id.not_in(busy))
                        .order_by(e.event_time, e.id)
                        .limit(limit)
                    )
                ).scalars()
            )
            if not ids:
                return []
            # The row update is the claim: it takes only rows still pending and free.
            await s.execute(
                update(e)
                .where(e.id.in_(ids), e.status == "pending", free)
                .values(claim_token=token, claimed_until=wall + dt.timedelta(seconds=self.lease_s))
                .execution_options(synchronize_session=False)
            )
            rows = (
                (
                    await s.execute(
                        select(e)
                        .where(e.claim_token == token, e.status == "pending")
                        .order_by(e.event_time, e.id)
                    )
                )
                .scalars()
                .all()
            )
            return [Claimed(row.id, row.attempts, _event(row)) for row in rows]

    async def done(self, claimed: Claimed, token: str, outcome: str) -> bool:
        """Handled: close the row (only while this worker still holds it)."""
        e = StravaEvent
        async with self.db.transaction() as s:
            closed = await s.execute(
                update(e)
                .where(e.id == claimed.id, e.claim_token == token, e.status == "pending")
                .values(
                    status="done",
                    outcome=outcome[:2000],
                    attempts=e.attempts + 1,
                    done_at=self.lease_clock(),
                    claim_token=None,
                    claimed_until=None,
                )
                .execution_options(synchronize_session=False)
            )
            return bool(getattr(closed, "rowcount", 0))

    async def failed(
        self,
        claimed: Claimed,
        token: str,
        error: str,
        *,
        permanent: bool = False,
        retry_after_s: float | None = None,
    ) -> float | None:
        """A try failed: record it, then wait the backoff (returned, seconds) or park (None)."""
        e = StravaEvent
        attempts = claimed.attempts + 1
        wall = self.lease_clock()
        values: dict[str, Any] = {
            "attempts": attempts,
            "last_error": error[:2000],
            "claim_token": None,
            "claimed_until": None,
        }
        wait: float | None = None
        if permanent or attempts >= MAX_ATTEMPTS:
            values |= {"status": "failed", "done_at": wall}
        else:
            wait = max(RETRY_S[min(attempts, len(RETRY_S)) - 1], retry_after_s or 0.0)
            values["due_at"] = wall + dt.timedelta(seconds=wait)
        async with self.db.transaction() as s:
            await s.execute(
                update(e)
                .where(e.id == claimed.id, e.claim_token == token, e.status == "pending")
                .values(**values)
                .execution_options(synchronize_session=False)
            )
        return wait

    async def renew(self, token: str) -> None:
        """Still working: push the lease on what this worker holds forward."""
        e = StravaEvent
        async with self.db.transaction() as s:
            await s.execute(
                update(e)
                .where(e.claim_token == token, e.status == "pending")
                .values(claimed_until=self.lease_clock() + dt.timedelta(seconds=self.lease_s))
                .execution_options(synchronize_session=False)
            )

    async def release(self, token: str) -> None:
        """Give back what this worker claimed and did not handle (a shutdown, a cancelled task)."""
        e = StravaEvent
        async with self.db.transaction() as s:
            await s.execute(
                update(e)
                .where(e.claim_token == token, e.status == "pending")
                .values(claim_token=None, claimed_until=None)
                .execution_options(synchronize_session=False)
            )

    async def prune(self, *, keep_days: int = KEEP_DAYS) -> int:
        """Delete handled and parked events older than ``keep_days``."""
        e = StravaEvent
        before = self.lease_clock() - dt.timedelta(days=keep_days)
        async with self.db.transaction() as s:
            gone = await s.execute(
                delete(e)
                .where(and_(e.status.in_(("done", "failed")), e.done_at < before))
                .execution_options(synchronize_session=False)
            )
            return int(getattr(gone, "rowcount", 0) or 0)


async def handle(service: CoachService, config: ConnectConfig, event: Event) -> str:
    """Handle one event for every athlete connected to its owner; raises on a failure (the caller
    retries). Returns what was done, one phrase per athlete."""
    from coach.connect.strava import PROVIDER
    from coach.connect.strava_sync import _event_for
    from coach.connect.sync import _lock
    from coach.store.models_connect import Connection

    async with service.db.transaction() as s:
        athlete_ids = list(
            (
                await s.execute(
                    select(Connection.athlete_id).where(
                        Connection.provider == PROVIDER,
                        Connection.external_athlete_id == event.owner_id,
                        Connection.status == "active",
                    )
                )
            ).scalars()
        )
    done: list[str] = []
    for athlete_id in athlete_ids:
        async with _lock(athlete_id):
            done.append(f"athlete {athlete_id}: {await _event_for(service, config, event, athlete_id)}")
    return "; ".join(done) or "no athlete here"


Handler = Callable[["CoachService", ConnectConfig, Event], Any]


async def process_due(
    service: CoachService,
    config: ConnectConfig,
    *,
    queue: StravaEventQueue | None = None,
    handler: Handler = handle,
    rounds: int = ROUNDS,
) -> Processed:
    """Claim and handle due events until none is left (or ``rounds`` claims); a failed try is
    recorded and retried later. Safe to run in several tasks and processes at once."""
    queue = queue or StravaEventQueue(service.db)
    token = uuid.uuid4().hex
    result = Processed()
    try:
        for _ in range(rounds):
            claimed = await queue.claim(token)
            if not claimed:
                break
            for item in claimed:
                await _one(queue, token, item, service, config, handler, result)
                await queue.renew(token)
    finally:
        await queue.release(token)
    return result


async def _one(
    queue: StravaEventQueue,
    token: str,
    item: Claimed,
    service: CoachService,
    config: ConnectConfig,
    handler: Handler,
    result: Processed,
) -> None:
    what = f"Strava {item.event.object_type} {item.event.aspect_type} event {item.id}"
    try:
        outcome = str(await handler(service, config, item.event))
    except GONE as error:
        await queue.failed(item, token, str(error), permanent=True)
        log.info("%s parked: the access is gone (%s)", what, error)
        result.parked += 1
        return
    except RateLimited as error:
        wait = await queue.failed(item, token, str(error), retry_after_s=error.retry_after_s)
    except Exception as error:  # a bug or an outage: recorded with its traceback, tried again later
        log.exception("%s failed", what)
        wait = await queue.failed(item, token, f"{type(error).__name__}: {error}")
    else:
        if await queue.done(item, token, outcome):
            result.done += 1
            result.outcomes.append(outcome)
            log.info("%s: %s", what, outcome)
        return
    if wait is None:
        result.parked += 1
        log.warning("%s parked after %d tries", what, MAX_ATTEMPTS)
    else:
        result.retried += 1
        log.info("%s failed; tried again in %.0f s", what, wait)


# ---------------------------------------------------------------------- kicked after a receipt

_pending: set[asyncio.Task[Any]] = set()


def process_in_background(service: CoachService, config: ConnectConfig) -> None:
    """Strava wants its 200 within two seconds: the stored events are handled after the answer."""

    async def run() -> None:
        try:
            await process_due(service, config)
        except Exception:
            log.exception("handling stored Strava events failed; the next tick tries again")

    task = asyncio.get_running_loop().create_task(run(), name="strava-events")
    _pending.add(task)
    task.add_done_callback(_pending.discard)


async def drain() -> None:
    """Wait for the events being handled (tests; a clean shutdown)."""
    while _pending:
        await asyncio.gather(*list(_pending), return_exceptions=True)


__all__: Sequence[str] = [
    "Claimed",
    "Processed",
    "StravaEventQueue",
    "drain",
    "handle",
    "process_due",
    "process_in_background",
    "record",
]
