"""Strava webhook events kept in the database (coach/connect/strava_events.py): a repeated delivery
is stored and handled once, two workers racing handle each event once (and one owner's events in
one worker at a time), an event a stopped process left behind is handled after a restart, and a
failed try is recorded and retried after its backoff, then parked. Against the loopback Strava
fake; the race runs on SQLite and on PostgreSQL where one is reachable."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from typing import Any

import httpx
from cryptography.fernet import Fernet
from sqlalchemy import select, update

from coach.clock import FixedClock
from coach.connect import strava_sync
from coach.connect.config import ConnectConfig, config_for, use
from coach.connect.errors import Unauthorized
from coach.connect.secrets import SecretBox
from coach.connect.strava_events import (
    KEEP_DAYS,
    LEASE_S,
    MAX_ATTEMPTS,
    RETRY_S,
    StravaEventQueue,
    process_due,
    real_now,
    record,
)
from coach.connect.strava_sync import Event
from coach.service.service import CoachService
from coach.store import models as m
from coach.store.db import Database
from coach.store.models_connect import Connection
from coach.store.models_strava_events import StravaEvent
from tests.connect.test_intervals_sync import FIRST_RUN, TODAY
from tests.fakes.strava_server import FakeStrava
from tests.strava.test_strava import STRAVA_ANN, Clock, connect_by_paste, count, served

SUBSCRIPTION = 120475


def activity_event(activity_id: int, at: int = 1764000000, owner: int = STRAVA_ANN) -> Event:
    return Event("activity", "create", str(activity_id), str(owner), {}, SUBSCRIPTION, at)


async def rows(service: CoachService) -> list[StravaEvent]:
    async with service.db.transaction() as s:
        return list((await s.execute(select(StravaEvent).order_by(StravaEvent.id))).scalars())


def detail_fetches(strava: FakeStrava, activity_id: int) -> int:
    return sum(1 for c in strava.calls if c.path == f"/api/v3/activities/{activity_id}")


def ahead(db: Database, seconds: float) -> StravaEventQueue:
    """A queue whose real-time clock (leases, backoff) runs ``seconds`` ahead."""
    return StravaEventQueue(db, lease_clock=lambda: real_now() + dt.timedelta(seconds=seconds))


def a_run(strava: FakeStrava, hour: int = 7) -> dict[str, Any]:
    return strava.add_activity(
        STRAVA_ANN,
        start=f"{FIRST_RUN}T{hour:02d}:00:00",
        elapsed=2400,
        distance=6000,
        heartrate=150,
        streams=True,
    )


async def test_a_repeated_delivery_is_stored_once_and_handled_once(
    coach: CoachService, strava: FakeStrava
) -> None:
    await connect_by_paste(coach, strava)
    run = a_run(strava)
    body = {
        "aspect_type": "create",
        "event_time": 1764000000,
        "object_id": run["id"],
        "object_type": "activity",
        "owner_id": STRAVA_ANN,
        "subscription_id": SUBSCRIPTION,
        "updates": {},
    }
    server, url = await served(coach)
    try:
        async with httpx.AsyncClient(base_url=url) as http:
            for _ in range(3):  # Strava retries a delivery it thinks went unanswered
                assert (await http.post("/strava/webhook", json=body)).status_code == 200
            await strava_sync.drain()
            assert (await http.post("/strava/webhook", json={**body, "event_time": None})).status_code == 400
    finally:
        await server.stop()
    [stored] = await rows(coach)
    assert (stored.status, stored.attempts, stored.object_id, stored.owner_id) == (
        "done",
        1,
        run["id"],
        STRAVA_ANN,
    )
    assert stored.outcome is not None and "imported" in stored.outcome
    assert detail_fetches(strava, run["id"]) == 1
    assert await count(coach, m.Activity) == 1
    assert not await record(coach.db, activity_event(run["id"]))  # the same event again: not stored


async def _race(database_url: str, clock: FixedClock) -> tuple[Counter[str], list[StravaEvent], list[int]]:
    """Two workers, each with its own engine (as two processes have), on 24 events of 6 owners."""
    first, second = Database(database_url), Database(database_url)
    try:
        for owner in range(1, 7):
            for n in range(4):
                assert await record(first, activity_event(1000 * owner + n, 1764000000 + n, owner=owner))
        handled: Counter[str] = Counter()
        busy: set[str] = set()
        overlaps: list[int] = []

        async def handler(_service: Any, _config: Any, event: Event) -> str:
            if event.owner_id in busy:
                overlaps.append(int(event.owner_id))
            busy.add(event.owner_id)
            handled[event.object_id] += 1
            await asyncio.sleep(0.005)  # lets the other worker claim meanwhile
            busy.discard(event.owner_id)
            return "handled"

        config = ConnectConfig("http://127.0.0.1:9", SecretBox(Fernet.generate_key()))
        workers = [
            process_due(
                CoachService(db, clock), config, handler=handler, queue=StravaEventQueue(db, claim_limit=3)
            )
            for db in (first, second)
        ]
        results = await asyncio.gather(*workers)
        assert [r.done > 0 for r in results] == [True, True]  # both took part
        assert sum(r.done for r in results) == 24
        return handled, await rows(CoachService(first, clock)), overlaps
    finally:
        await first.dispose()
        await second.dispose()


async def test_two_workers_racing_handle_each_event_once(database_url: str) -> None:
    handled, stored, overlaps = await _race(database_url, FixedClock(TODAY))
    assert len(handled) == 24 and set(handled.values()) == {1}
    assert {row.status for row in stored} == {"done"} and {row.attempts for row in stored} == {1}
    assert all(row.claim_token is None for row in stored)
    assert overlaps == []  # one owner's events never in two workers at once


async def test_an_event_left_by_a_stopped_process_is_handled_after_a_restart(
    sqlite_url: str, coach: CoachService, strava: FakeStrava, clock: Clock
) -> None:
    await connect_by_paste(coach, strava)
    async with coach.db.transaction() as s:  # the regular import is not due: only the events do anything
        await s.execute(update(Connection).values(last_pull_at=clock.now().replace(tzinfo=None)))
    early, late = a_run(strava, 7), a_run(strava, 18)
    config = config_for(coach)
    assert await record(
        coach.db, activity_event(early["id"])
    )  # stored by a web server that stopped before handling it
    await coach.db.dispose()

    restarted = Database(sqlite_url)
    try:
        service = CoachService(restarted, clock)
        use(service, config)
        await strava_sync.tick(service, config)  # the bot's minute
        assert [(r.object_id, r.status) for r in await rows(service)] == [(early["id"], "done")]
        # One a worker claimed and then died with: left alone while its lease runs, then taken.
        assert await record(restarted, activity_event(late["id"], 1764000100))
        assert len(await StravaEventQueue(restarted).claim("dead-worker")) == 1
        await strava_sync.tick(service, config)
        assert (await rows(service))[1].status == "pending"
        assert (await process_due(service, config, queue=ahead(restarted, LEASE_S + 1))).done == 1
        assert {r.status for r in await rows(service)} == {"done"}
        assert detail_fetches(strava, early["id"]) == detail_fetches(strava, late["id"]) == 1
        assert await count(service, m.Activity) == 2
    finally:
        await restarted.dispose()


async def test_a_failed_try_is_recorded_retried_after_its_backoff_then_parked(
    coach: CoachService, strava: FakeStrava
) -> None:
    await connect_by_paste(coach, strava)
    run = a_run(strava)
    config = config_for(coach)
    await record(coach.db, activity_event(run["id"]))
    strava.fail_next(f"/api/v3/activities/{run['id']}", 503)
    first = await process_due(coach, config)
    assert (first.done, first.retried) == (0, 1)
    [row] = await rows(coach)
    assert row.status == "pending" and row.attempts == 1 and "503" in (row.last_error or "")
    wait_s = (row.due_at - real_now()).total_seconds()
    assert RETRY_S[0] - 5 < wait_s <= RETRY_S[0]
    assert (await process_due(coach, config)).done == 0  # still waiting
    assert (await process_due(coach, config, queue=ahead(coach.db, RETRY_S[0] + 1))).done == 1
    [row] = await rows(coach)
    assert (row.status, row.attempts) == ("done", 2) and await count(coach, m.Activity) == 1

    # A try that keeps failing is parked after MAX_ATTEMPTS; a refused access at once.
    async def failing(_service: Any, _config: Any, event: Event) -> str:
        if event.owner_id == "88":
            raise Unauthorized("Strava no longer accepts my access.")
        raise RuntimeError("a bug")

    await record(coach.db, activity_event(7, 1764000200, owner=77))
    await record(coach.db, activity_event(8, 1764000300, owner=88))
    day_s = 24 * 3600.0
    for n in range(MAX_ATTEMPTS):
        await process_due(coach, config, queue=ahead(coach.db, day_s * (n + 1)), handler=failing)
    by_owner = {r.owner_id: r for r in await rows(coach)}
    assert (by_owner[88].status, by_owner[88].attempts) == ("failed", 1)
    assert "no longer accepts" in (by_owner[88].last_error or "")
    assert (by_owner[77].status, by_owner[77].attempts) == ("failed", MAX_ATTEMPTS)
    assert "RuntimeError: a bug" in (by_owner[77].last_error or "")
    # Handled and parked events go after KEEP_DAYS.
    assert await ahead(coach.db, (KEEP_DAYS + MAX_ATTEMPTS + 1) * day_s).prune() == 3
    assert await rows(coach) == []
