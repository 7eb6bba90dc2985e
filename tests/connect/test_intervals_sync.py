"""Intervals.icu, end to end against the loopback fake (tests/fakes/intervals_server.py): connect in
the chat, first sync, re-sync, the athlete's own events, plan changes, 401, 429, pagination, one
athlete's connection touching only their data. Everything is checked in the store and on the fake."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select

from coach.clock import FixedClock
from coach.connect.config import ConnectConfig, use
from coach.connect.secrets import SecretBox
from coach.connect.sync import tick
from coach.engine.models import Profile
from coach.service.service import CoachService, Ctx, Who
from coach.service.types import Incoming
from coach.store import models as m
from coach.store import repo
from coach.store.db import Database
from coach.store.models_connect import Connection, SyncedItem
from tests.fakes.intervals_server import FakeIntervals

ANN, BOB = Who(name="ann"), Who(name="bob")
ANN_KEY, BOB_KEY = "annKey0123456789abcdefgh", "bobKey9876543210zyxwvuts"
PROFILE = Profile.model_validate({
    "sport": "run", "goal": {"event": "10k", "date": "2027-02-21"}, "start_date": "2026-11-23",
    "availability": {"days": ["tue", "thu", "sat", "sun"], "long_day": "sun"},
    "history": {"weekly_km": [25, 25, 25, 25], "longest_km": 12, "recent_race": {"distance_km": 10, "time": "50:00"}},
})
START = dt.date(2026, 11, 23)  # a Monday, the plan's first day
FIRST_RUN = dt.date(2026, 11, 24)  # Tuesday: the plan's first session
TODAY = dt.date(2026, 11, 25)  # the day after it


class Sleeps:
    """The client's sleep, recorded instead of slept (429 back-off is checked, not waited)."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def icu() -> Iterator[FakeIntervals]:
    with FakeIntervals() as fake:
        fake.add_athlete("i100", ANN_KEY, name="Ann A")
        fake.add_athlete("i200", BOB_KEY, name="Bob B")
        yield fake
        fake.assert_no_internal_errors()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def config(icu: FakeIntervals, sleeps: Sleeps) -> ConnectConfig:
    return ConnectConfig(icu.url, SecretBox(Fernet.generate_key()), sleep=sleeps)


@pytest.fixture
async def coach(db: Database, config: ConnectConfig) -> AsyncIterator[CoachService]:
    await CoachService(db, FixedClock(START)).add_athlete("ann", PROFILE)
    service = CoachService(db, FixedClock(TODAY))
    use(service, config)
    yield service


def command(text: str) -> Incoming:
    head, _, args = text[1:].partition(" ")
    return Incoming(kind="command", text=text, command=head, args=args)


async def say(service: CoachService, text: str, who: Who = ANN, update_id: int | None = None) -> str:
    result = await service.handle(who, command(text), update_id=update_id)
    return "\n".join(r.text for r in result.replies)


async def count(service: CoachService, model: Any, *where: Any) -> int:
    async with service.db.transaction() as s:
        return int((await s.execute(select(func.count()).select_from(model).where(*where))).scalar_one())


async def planned_from_today(service: CoachService, name: str = "ann") -> list[m.PlannedSession]:
    async with service.db.transaction() as s:
        athlete = await repo.athlete_by_name(s, name)
        assert athlete is not None
        plan = await repo.active_plan_row(s, athlete.id)
        assert plan is not None
        return [x for w in plan.weeks for x in w.sessions if x.date >= TODAY and x.type != "commitment" and x.status == "planned"]


def ours(icu: FakeIntervals, athlete: str = "i100") -> list[dict[str, Any]]:
    return [e for e in icu.events_of(athlete) if str(e.get("external_id") or "").startswith("coach-")]


def seed_ann(icu: FakeIntervals, planned_km: float, planned_min: int) -> None:
    """The planned run done on Tuesday, an older ride, a Strava stub, wellness, a holiday, her own workout."""
    icu.add_activity("i100", start=f"{FIRST_RUN}T07:00:00", type="Run", moving_time=planned_min * 60,
                     distance=planned_km * 1000, average_heartrate=150)
    icu.add_activity("i100", start="2026-11-10T18:00:00", type="Ride", moving_time=5400, distance=45000, icu_training_load=70)
    icu.add_activity("i100", start="2026-11-12T18:00:00", type="Run", source="STRAVA")
    for back in range(5):
        day = TODAY - dt.timedelta(days=back)
        icu.add_wellness("i100", day.isoformat(), restingHR=48 + back, hrv=62.0 - back, sleepSecs=7 * 3600 + 600, weight=61.5)
    icu.add_event("i100", category="HOLIDAY", name="Family trip", start_date_local="2026-12-03T00:00:00",
                  end_date_local="2026-12-05T00:00:00")
    icu.add_event("i100", category="WORKOUT", type="Ride", name="Club ride", start_date_local="2026-11-28T00:00:00",
                  moving_time=5400, description="- 90m Z2")


async def connect_ann(coach: CoachService) -> str:
    return await say(coach, f"/connect intervals i100 {ANN_KEY}")


async def test_connect_then_first_sync_pulls_links_and_pushes(coach: CoachService, icu: FakeIntervals) -> None:
    async with coach.db.transaction() as s:
        athlete = await repo.athlete_by_name(s, "ann")
        assert athlete is not None
        plan = await repo.active_plan_row(s, athlete.id)
        assert plan is not None
        tuesday = next(x for x in repo.sessions_on(plan, FIRST_RUN) if x.type != "commitment")
        planned_km, planned_min = tuesday.distance_km or 0.0, tuesday.duration_min
    seed_ann(icu, planned_km, planned_min)

    reply = await connect_ann(coach)
    assert "Connected to Intervals.icu as Ann A" in reply and ANN_KEY not in reply
    reply = await say(coach, "/sync")

    # Activities: the two readable ones stored as imports are, the Strava stub counted and said.
    assert await count(coach, m.Activity, m.Activity.source == "intervals") == 2
    assert "came to Intervals.icu from Strava" in reply
    # Linked to the plan day exactly as an upload: Tuesday's run is done.
    async with coach.db.transaction() as s:
        athlete = await repo.athlete_by_name(s, "ann")
        assert athlete is not None
        plan = await repo.active_plan_row(s, athlete.id)
        assert plan is not None
        tuesday = next(x for x in repo.sessions_on(plan, FIRST_RUN) if x.type != "commitment")
        assert tuesday.status == "done" and tuesday.activity_id is not None
        # Wellness: check-ins carry HRV, resting HR and sleep; today's has a readiness.
        checkins = {c.date: c for c in await repo.recent_checkins(s, athlete.id, 10)}
        assert checkins[TODAY].hrv_ms == 62.0 and checkins[TODAY].resting_hr == 48
        assert checkins[TODAY].readiness is not None
        assert checkins[TODAY - dt.timedelta(days=3)].sleep_hours == pytest.approx(7.17, abs=0.01)
        # The holiday blocks its days (3-4 Dec: the end at midnight is exclusive).
        profile = Profile.model_validate(athlete.profile)
        assert any(b.from_ == dt.date(2026, 12, 3) and b.to == dt.date(2026, 12, 4) for b in profile.blocked)
        assert not [x for x in repo.sessions_between(plan, dt.date(2026, 12, 3), dt.date(2026, 12, 4)) if x.type != "commitment"]
    assert "Club ride" in reply and "Blocked:" in reply

    # Push: one event per planned session from today, with workout text and a stable external id.
    planned = await planned_from_today(coach)
    pushed = ours(icu)
    assert len(pushed) == len(planned) > 10
    assert {e["start_date_local"][:10] for e in pushed} == {x.date.isoformat() for x in planned}
    run = next(e for e in pushed if e["type"] == "Run" and "Pace" in (e["description"] or ""))
    assert "/km Pace" in run["description"]
    assert run["description"] == next(x.intervals_icu for x in planned if x.date.isoformat() == run["start_date_local"][:10])
    assert run["external_id"] == f"coach-1-{run['start_date_local'][:10].replace('-', '')}-0"
    assert f"Pushed the plan to your Intervals.icu calendar: {len(planned)} created" in reply


async def test_resync_doubles_nothing_either_way(coach: CoachService, icu: FakeIntervals) -> None:
    seed_ann(icu, 6.0, 40)
    await connect_ann(coach)
    await say(coach, "/sync")
    activities, checkins, events = await count(coach, m.Activity), await count(coach, m.CheckIn), icu.events_of("i100")
    plan_versions = await count(coach, m.Plan)

    reply = await say(coach, "/sync")
    assert "0 new activities (1 already here)" in reply  # the last week is read again; nothing is new
    assert "0 created, 0 updated, 0 deleted" in reply
    assert await count(coach, m.Activity) == activities and await count(coach, m.CheckIn) == checkins
    assert await count(coach, m.Plan) == plan_versions  # the holiday is applied once
    assert icu.events_of("i100") == events


async def test_the_athletes_own_workout_is_left_alone_and_a_removed_session_is_removed(
    coach: CoachService, icu: FakeIntervals
) -> None:
    own = icu.add_event("i100", category="WORKOUT", type="Run", name="Parkrun", start_date_local="2026-11-28T09:00:00",
                        description="- 5km Z4")
    await connect_ann(coach)
    await say(coach, "/sync push")
    before = {e["external_id"]: e for e in ours(icu)}
    skipped = next(x for x in await planned_from_today(coach) if x.date > TODAY)

    from coach.service.tools import CoachTools, SkipInput

    async with coach.db.transaction() as s:
        athlete = await repo.athlete_by_name(s, "ann")
        assert athlete is not None
        out = await CoachTools(coach, Ctx(s, athlete, TODAY)).skip_session(SkipInput(date=skipped.date))
        assert out.accepted

    reply = await say(coach, "/sync push")
    after = {e["external_id"]: e for e in ours(icu)}
    gone = set(before) - set(after)
    assert [before[k]["start_date_local"][:10] for k in gone] == [skipped.date.isoformat()]
    assert "1 deleted" in reply and "0 created" in reply
    assert all(after[k] == before[k] for k in after)  # the rest untouched
    assert next(e for e in icu.events_of("i100") if e["id"] == own["id"]) == own  # hers: as she made it


async def test_a_changed_session_is_updated_on_the_next_tick(coach: CoachService, icu: FakeIntervals, config: ConnectConfig) -> None:
    await connect_ann(coach)
    assert await tick(coach, config) == 0  # first tick: full sync (no Telegram chat: nothing to send)
    target = next(x for x in await planned_from_today(coach) if x.date > TODAY and x.sport == "run")
    await coach.add_coach("carl", ["ann"])
    minutes = target.duration_min - 5
    await coach.coach_override("carl", "ann", target.date, [f"duration_min={minutes}"], "short on time")
    calls = len(icu.calls)

    await tick(coach, config)  # the plan changed: pushed without waiting for the pull interval
    changed = [c for c in icu.calls[calls:] if c.method == "PUT" and "/events/" in c.path]
    assert len(changed) == 1 and changed[0].body["moving_time"] == minutes * 60
    assert not [c for c in icu.calls[calls:] if "/activities" in c.path]  # no pull yet
    calls = len(icu.calls)
    await tick(coach, config)
    assert len(icu.calls) == calls  # nothing due


async def test_a_refused_key_asks_to_reconnect_and_stops_syncing(coach: CoachService, icu: FakeIntervals, config: ConnectConfig) -> None:
    await connect_ann(coach)
    icu.athletes["i100"].key = "rotatedKey000000000000000"
    reply = await say(coach, "/sync")
    assert "refused your API key" in reply and "/connect intervals" in reply
    async with coach.db.transaction() as s:
        connection = (await s.execute(select(Connection))).scalar_one()
        assert connection.status == "reconnect"
    calls = len(icu.calls)
    later = CoachService(coach.db, FixedClock(TODAY + dt.timedelta(days=1)))
    await tick(later, config)
    assert len(icu.calls) == calls
    wrong = await say(coach, "/connect intervals i100 wrongKey1234567890")
    assert "refused your API key" in wrong and "Nothing was saved" in wrong


async def test_429_waits_as_told_and_a_longer_wait_keeps_what_was_imported(
    coach: CoachService, icu: FakeIntervals, sleeps: Sleeps
) -> None:
    seed_ann(icu, 6.0, 40)
    await connect_ann(coach)
    icu.fail_next("/activities", 429, retry_after=3)
    reply = await say(coach, "/sync pull")
    assert sleeps.waits == [3.0]
    assert await count(coach, m.Activity) == 2 and "Failed" not in reply

    icu.add_activity("i100", start=f"{TODAY}T06:30:00", type="Run", moving_time=1800, distance=5000)
    icu.fail_next("/wellness", 429, retry_after=600)
    reply = await say(coach, "/sync")
    assert "slow down" in reply and "600 s" in reply
    assert await count(coach, m.Activity) == 3  # the activities pulled before the 429 are kept
    assert sleeps.waits == [3.0]  # never waited 600 s


async def test_a_part_that_fails_is_said_and_the_rest_kept(coach: CoachService, icu: FakeIntervals) -> None:
    seed_ann(icu, 6.0, 40)
    await connect_ann(coach)
    icu.fail_next("/wellness", 500, times=3)
    reply = await say(coach, "/sync")
    assert "Failed: wellness: Intervals.icu answered 500" in reply
    assert await count(coach, m.Activity) == 2 and ours(icu)
    assert await count(coach, SyncedItem, SyncedItem.kind == "wellness") == 0
    reply = await say(coach, "/sync pull")  # the next sync brings the wellness in
    assert "wellness for 5 day(s)" in reply


async def test_pagination_brings_every_activity_once(coach: CoachService, icu: FakeIntervals) -> None:
    for back in range(1, 251):
        icu.add_activity("i100", start=f"{TODAY - dt.timedelta(days=back)}T07:00:00", type="Run", moving_time=1800, distance=5000)
    # Two activities at the same start on the page boundary (the 200th newest): neither is lost.
    icu.add_activity("i100", start=f"{TODAY - dt.timedelta(days=200)}T07:00:00", type="Ride", moving_time=3600, distance=30000)
    await connect_ann(coach)
    await say(coach, "/sync pull")
    assert await count(coach, m.Activity) == 251
    assert len([c for c in icu.calls if c.path.endswith("/activities")]) >= 2
    assert all(c.query["limit"] == "200" for c in icu.calls if c.path.endswith("/activities"))


async def test_the_key_is_never_stored_shown_or_logged(
    coach: CoachService, icu: FakeIntervals, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.INFO)  # the SQL driver's DEBUG lines carry every parameter, whatever is written
    for name in ("coach", "httpx", "httpcore"):
        caplog.set_level(logging.DEBUG, logger=name)
    tg = Who(name="Ann", telegram_user_id=777, chat_id=777)
    text = f"/connect intervals i100 {ANN_KEY}"
    await coach.record_update("telegram", 1, {"update_id": 1, "message": {"text": text, "chat": {"id": 777}}}, 777)
    reply = await say(coach, text, who=tg, update_id=1)
    assert "Connected" in reply
    await say(coach, "/sync", who=tg, update_id=2)
    async with coach.db.transaction() as s:
        athlete = await repo.athlete_by_telegram(s, 777)
        assert athlete is not None
        document = await coach.athlete_document(s, athlete)
        history = [c.text for c in (await s.execute(select(m.ChatMessage))).scalars()]
        inbox = [json.dumps(r.payload) for r in (await s.execute(select(m.InboxUpdate))).scalars()]
        outbox = [json.dumps(r.payload) for r in (await s.execute(select(m.OutboxMessage))).scalars()]
        secret = (await s.execute(select(Connection.secret))).scalar_one()
    assert "/connect intervals (id and key hidden)" in history
    [shown] = document["connections"]  # coach show --json: the connection's status, never its key
    assert shown["provider"] == "intervals" and shown["external_athlete_id"] == "i100" and shown["status"] == "active"
    assert shown["last_pull_at"] is not None
    for where in [json.dumps(document, default=str), *history, *inbox, *outbox, secret, caplog.text]:
        assert ANN_KEY not in where
    await coach.db.dispose()
    for path in tmp_path.glob("coach.db*"):  # nowhere in the database files either
        assert ANN_KEY.encode() not in path.read_bytes()


async def test_one_athletes_connection_touches_only_their_data(coach: CoachService, icu: FakeIntervals) -> None:
    await CoachService(coach.db, FixedClock(START)).add_athlete("bob", PROFILE)
    seed_ann(icu, 6.0, 40)
    icu.add_activity("i200", start=f"{TODAY}T06:00:00", type="Run", moving_time=2000, distance=5500)
    await connect_ann(coach)
    assert "Connected" in await say(coach, f"/connect intervals i200 {BOB_KEY}", who=BOB)
    await say(coach, "/sync")  # ann's sync only

    async with coach.db.transaction() as s:
        bob = await repo.athlete_by_name(s, "bob")
        assert bob is not None
        bob_id = bob.id
    assert await count(coach, m.Activity, m.Activity.athlete_id == bob_id) == 0
    assert await count(coach, m.CheckIn, m.CheckIn.athlete_id == bob_id) == 0
    assert icu.events_of("i200") == []
    assert {c.path.split("/")[4] for c in icu.calls} == {"i100", "i200"}  # bob's id only to check his key
    assert [c.path for c in icu.calls if "i200" in c.path] == ["/api/v1/athlete/i200"]
    # Ann's key can't read Bob's account: the fake refuses (403), and so would Intervals.icu.
    reply = await say(coach, f"/connect intervals i200 {ANN_KEY}")
    assert "Nothing was saved" in reply


async def test_disconnect_forgets_the_key_and_keeps_the_data(coach: CoachService, icu: FakeIntervals) -> None:
    seed_ann(icu, 6.0, 40)
    await connect_ann(coach)
    await say(coach, "/sync pull")
    assert "forgotten your key" in await say(coach, "/disconnect")
    assert await count(coach, Connection) == 0 and await count(coach, m.Activity) == 2
    assert (await coach.show("ann"))["connections"] == []
    assert "not connected" in await say(coach, "/sync")
    await connect_ann(coach)  # reconnecting doubles nothing
    assert "0 new activities (2 already here)" in await say(coach, "/sync pull")


async def test_bad_connect_lines_get_a_clear_answer_and_store_nothing(coach: CoachService) -> None:
    assert "/connect intervals ATHLETE_ID API_KEY" in await say(coach, "/connect")
    assert "doesn't look like" in await say(coach, "/connect intervals bob12 somekey12345")
    assert "doesn't look like" in await say(coach, "/connect intervals i100 short")
    assert "Strava isn't set up on this coach" in await say(coach, "/connect strava")  # no STRAVA_CLIENT_ID here
    assert await count(coach, Connection) == 0
