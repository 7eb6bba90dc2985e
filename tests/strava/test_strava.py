"""Strava, end to end against the loopback fake (tests/fakes/strava_server.py): connect by a pasted
address and by the web callback, first import linked to the plan, idempotent re-import, pagination,
token refresh, the webhook (handshake, create, delete, deauthorisation), rate limits (headers and
429), and tokens kept out of the chat history, logs and ``coach show --json``. Checked in the store
and on the fake."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select

from coach.clock import FixedClock
from coach.connect import strava_sync
from coach.connect.config import ConnectConfig, use
from coach.connect.secrets import SecretBox
from coach.connect.strava import StravaConfig, Tokens
from coach.service.service import CoachService, Who
from coach.service.types import Incoming
from coach.store import models as m
from coach.store import repo
from coach.store.db import Database
from coach.store.models_connect import Connection, SyncedItem
from coach.web.server import WebServer
from tests.connect.test_intervals_sync import ANN_KEY, FIRST_RUN, PROFILE, START, TODAY
from tests.fakes.intervals_server import FakeIntervals
from tests.fakes.strava_server import FakeStrava

ANN = Who(name="ann")
STRAVA_ANN = 501
VERIFY = "verify-me-0123456789"
CLIENT_ID, CLIENT_SECRET = "4711", "fake-client-secret-0123456789"


@dataclass
class Clock:
    """A clock the test moves (token expiry, rate-limit windows)."""

    at: dt.datetime

    def now(self) -> dt.datetime:
        return self.at

    def today(self, time_zone: str = "UTC") -> dt.date:
        return self.at.date()


@pytest.fixture
def strava() -> Iterator[FakeStrava]:
    with FakeStrava(CLIENT_ID, CLIENT_SECRET) as fake:
        fake.add_athlete(STRAVA_ANN, "Ann", "Strava")
        fake.add_athlete(502, "Bob", "Strava")
        fake.now = dt.datetime.combine(TODAY, dt.time(12), tzinfo=dt.UTC).timestamp()
        yield fake
        fake.assert_no_internal_errors()


@pytest.fixture
def clock() -> Clock:
    return Clock(dt.datetime.combine(TODAY, dt.time(12), tzinfo=dt.UTC))


def make_config(strava: FakeStrava, redirect: str | None = None, icu_url: str = "http://127.0.0.1:9") -> ConnectConfig:
    return ConnectConfig(icu_url, SecretBox(Fernet.generate_key()), strava=StravaConfig(
        CLIENT_ID, CLIENT_SECRET, strava.url, VERIFY, redirect))


@pytest.fixture
async def coach(db: Database, strava: FakeStrava, clock: Clock) -> AsyncIterator[CoachService]:
    await CoachService(db, FixedClock(START)).add_athlete("ann", PROFILE)
    service = CoachService(db, clock)
    use(service, make_config(strava))
    yield service


def command(text: str) -> Incoming:
    head, _, args = text[1:].partition(" ")
    return Incoming(kind="command", text=text, command=head, args=args)


async def say(service: CoachService, text: str) -> str:
    result = await service.handle(ANN, command(text))
    return "\n".join(r.text for r in result.replies)


async def count(service: CoachService, model: Any, *where: Any) -> int:
    async with service.db.transaction() as s:
        return int((await s.execute(select(func.count()).select_from(model).where(*where))).scalar_one())


async def ann_id(service: CoachService) -> int:
    async with service.db.transaction() as s:
        athlete = await repo.athlete_by_name(s, "ann")
        assert athlete is not None
        return athlete.id


async def tuesday(service: CoachService) -> m.PlannedSession:
    async with service.db.transaction() as s:
        plan = await repo.active_plan_row(s, await ann_id(service))
        assert plan is not None
        return next(x for x in repo.sessions_on(plan, FIRST_RUN) if x.type != "commitment")


async def connect_by_paste(service: CoachService, strava: FakeStrava) -> str:
    reply = await say(service, "/connect strava")
    link = next(word for word in reply.split() if "/oauth/authorize?" in word)
    query = parse_qs(urlsplit(link).query)
    assert query["scope"] == ["activity:read_all"] and query["client_id"] == [CLIENT_ID]
    assert query["redirect_uri"] == ["http://localhost/exchange_token"]
    code = strava.authorize(STRAVA_ANN)
    state = query["state"][0]
    return await say(service, f"/connect strava http://localhost/exchange_token?state={state}&code={code}"
                              "&scope=read,activity:read_all")


async def seed(service: CoachService, strava: FakeStrava, older: int = 0) -> dict[str, Any]:
    """Tuesday's planned run done (with HR streams), an older ride, and ``older`` easy runs before."""
    planned = await tuesday(service)
    run = strava.add_activity(STRAVA_ANN, start=f"{FIRST_RUN}T07:00:00", sport_type="Run",
                              elapsed=planned.duration_min * 60, distance=(planned.distance_km or 6.0) * 1000,
                              heartrate=148, streams=True)
    strava.add_activity(STRAVA_ANN, start="2026-11-10T18:00:00", sport_type="Ride", elapsed=5400, distance=45000, watts=180)
    for n in range(older):
        day = TODAY - dt.timedelta(days=30 + n)
        strava.add_activity(STRAVA_ANN, start=f"{day}T06:{n % 60:02d}:00", sport_type="Run", elapsed=1800, distance=5000)
    return run


async def test_connect_by_pasted_address_first_import_and_idempotent_reimport(
    coach: CoachService, strava: FakeStrava, caplog: pytest.LogCaptureFixture
) -> None:
    for name in ("coach", "httpx", "httpcore", "tornado"):
        caplog.set_level(logging.DEBUG, logger=name)
    reply = await connect_by_paste(coach, strava)
    assert "Connected to Strava as Ann Strava" in reply
    async with coach.db.transaction() as s:
        row = (await s.execute(select(Connection).where(Connection.provider == "strava"))).scalar_one()
        assert row.external_athlete_id == str(STRAVA_ANN) and row.status == "active"
        assert not any(token in row.secret for token in strava.issued)
        history = [msg.text for msg in (await s.execute(select(m.ChatMessage))).scalars()]
    assert "/connect strava (id and key hidden)" in history
    assert not any(token in line for token in strava.issued for line in history)

    await seed(coach, strava, older=205)  # 207 activities: two pages of 200
    reply = await say(coach, "/sync")
    assert "Imported from Strava: 207 new activities (0 already here)" in reply
    pages = [c.query["page"] for c in strava.requests_to("/athlete/activities")]
    assert pages == ["1", "2"] and strava.requests_to("/athlete/activities")[0].query["per_page"] == "200"
    assert await count(coach, m.Activity, m.Activity.source == "strava") == 207
    # Streams only for the recent activities with heart rate or power (the run, the ride), not the old easy runs.
    assert len(strava.requests_to("/streams")) == 2
    async with coach.db.transaction() as s:
        run = (await s.execute(select(m.Activity).where(m.Activity.start_time == dt.datetime(2026, 11, 24, 7)))).scalar_one()
        assert run.sport == "run" and run.avg_hr == pytest.approx(148, abs=1) and run.details["best_20min_hr_bpm"] is not None
        ride = (await s.execute(select(m.Activity).where(m.Activity.sport == "ride"))).scalar_one()
        assert ride.avg_power_w == 180 and ride.distance_km == 45.0
    planned = await tuesday(coach)
    assert planned.status == "done" and planned.activity_id == run.id

    before = len(strava.calls)
    reply = await say(coach, "/sync")
    assert "0 new activities" in reply
    assert await count(coach, m.Activity) == 207 and await count(coach, SyncedItem, SyncedItem.provider == "strava") == 207
    listing = [c for c in strava.calls[before:] if "/athlete/activities" in c.path]
    assert int(listing[0].query["after"]) >= int(dt.datetime(2026, 11, 18, tzinfo=dt.UTC).timestamp())  # a week's overlap
    assert not [c for c in strava.calls[before:] if "/streams" in c.path]
    assert not any(token in caplog.text for token in strava.issued)


async def test_a_bad_code_a_foreign_state_and_a_refused_scope_save_nothing(coach: CoachService, strava: FakeStrava) -> None:
    assert "didn't accept that code" in await say(coach, "/connect strava " + "a" * 40)
    other_config = make_config(strava)  # another server's secret: its state is not ours
    from coach.connect.strava import make_state

    foreign = make_state(other_config.box, await ann_id(coach), coach.clock.now())
    reply = await say(coach, f"/connect strava http://localhost/exchange_token?state={foreign}&code={strava.authorize(STRAVA_ANN)}")
    assert "wasn't made for you" in reply
    reply = await say(coach, f"/connect strava http://localhost/exchange_token?code={strava.authorize(STRAVA_ANN)}&scope=read")
    assert "didn't allow me to see your activities" in reply
    assert "didn't allow access" in await say(coach, "/connect strava http://localhost/exchange_token?state=x&error=access_denied")
    assert await count(coach, Connection) == 0


async def served(service: CoachService) -> tuple[WebServer, str]:
    from tests.web.conftest import free_port

    port = free_port()
    server = WebServer(service, "123:abc", "127.0.0.1", port)
    server.start()
    return server, f"http://127.0.0.1:{port}"


async def test_the_web_callback_connects_and_tells_the_chat(db: Database, strava: FakeStrava, clock: Clock) -> None:
    await CoachService(db, FixedClock(START)).add_athlete("ann", PROFILE)
    async with db.transaction() as s:
        athlete = await repo.athlete_by_name(s, "ann")
        assert athlete is not None
        athlete.telegram_chat_id = 77
    service = CoachService(db, clock)
    config = make_config(strava, redirect="https://coach.example/strava/callback")
    use(service, config)
    reply = await say(service, "/connect strava")
    link = next(word for word in reply.split() if "/oauth/authorize?" in word)
    query = parse_qs(urlsplit(link).query)
    assert query["redirect_uri"] == ["https://coach.example/strava/callback"] and "won't load" not in reply
    server, url = await served(service)
    try:
        async with httpx.AsyncClient(base_url=url) as http:
            forged = await http.get("/strava/callback", params={"state": "forged", "code": strava.authorize(STRAVA_ANN)})
            assert forged.status_code == 400 and await count(service, Connection) == 0
            denied = await http.get("/strava/callback", params={"state": query["state"][0], "error": "access_denied"})
            assert "didn&#x27;t allow access" in denied.text and await count(service, Connection) == 0
            code = strava.authorize(STRAVA_ANN)
            answer = await http.get("/strava/callback", params={
                "state": query["state"][0], "code": code, "scope": "read,activity:read_all"})
    finally:
        await server.stop()
    assert answer.status_code == 200 and "Connected as Ann Strava" in answer.text
    assert await count(service, Connection, Connection.provider == "strava") == 1
    async with db.transaction() as s:
        sent = (await s.execute(select(m.OutboxMessage).where(m.OutboxMessage.kind == "sync"))).scalars().all()
    assert [json.loads(json.dumps(x.payload))["text"].split(".")[0] for x in sent] == ["Connected to Strava as Ann Strava"]
    # The first import comes on the bot's minute, once.
    strava.add_activity(STRAVA_ANN, start=f"{FIRST_RUN}T07:00:00", elapsed=2400, distance=6000)
    from coach.connect.sync import tick

    assert await tick(service, config) == 1
    assert await tick(service, config) == 0
    assert await count(service, m.Activity, m.Activity.source == "strava") == 1


async def test_an_access_token_near_its_end_is_refreshed_and_the_new_pair_kept(
    coach: CoachService, strava: FakeStrava, clock: Clock
) -> None:
    await connect_by_paste(coach, strava)
    await seed(coach, strava)
    clock.at += dt.timedelta(hours=5, minutes=30)  # 30 min left of six hours: refresh first
    strava.now = clock.at.timestamp()
    assert "2 new activities" in await say(coach, "/sync")
    grants = [c.grant_type for c in strava.requests_to("/oauth/token")]
    assert grants == ["authorization_code", "refresh_token"]
    async with coach.db.transaction() as s:
        row = (await s.execute(select(Connection))).scalar_one()
        tokens = Tokens.unseal(strava_config(coach).box, row.secret)
    assert tokens.expires_at == int(clock.at.timestamp()) + 21600
    clock.at += dt.timedelta(hours=7)  # the old access token died long ago; the kept refresh token works
    strava.now = clock.at.timestamp()
    assert "0 new activities" in await say(coach, "/sync")
    assert [c.grant_type for c in strava.requests_to("/oauth/token")][-1] == "refresh_token"
    assert not [c for c in strava.calls if c.status == 401]


def strava_config(service: CoachService) -> ConnectConfig:
    from coach.connect.config import config_for

    return config_for(service)


async def test_webhook_handshake_create_delete_and_deauthorisation(coach: CoachService, strava: FakeStrava) -> None:
    async with coach.db.transaction() as s:
        athlete = await repo.athlete_by_name(s, "ann")
        assert athlete is not None
        athlete.telegram_chat_id = 77
    await connect_by_paste(coach, strava)
    server, url = await served(coach)
    try:
        async with httpx.AsyncClient(base_url=url) as http:
            hub = {"hub.mode": "subscribe", "hub.challenge": "15f7d1a91c1f40", "hub.verify_token": VERIFY}
            ok = await http.get("/strava/webhook", params=hub)
            assert ok.status_code == 200 and ok.json() == {"hub.challenge": "15f7d1a91c1f40"}
            wrong = await http.get("/strava/webhook", params={**hub, "hub.verify_token": "guess"})
            assert wrong.status_code == 403 and "15f7d1a91c1f40" not in wrong.text

            planned = await tuesday(coach)
            run = strava.add_activity(STRAVA_ANN, start=f"{FIRST_RUN}T07:00:00", elapsed=planned.duration_min * 60,
                                      distance=(planned.distance_km or 6.0) * 1000, heartrate=150, streams=True)
            event = {"aspect_type": "create", "event_time": 1764000000, "object_id": run["id"], "object_type": "activity",
                     "owner_id": STRAVA_ANN, "subscription_id": 120475, "updates": {}}
            assert (await http.post("/strava/webhook", json=event)).status_code == 200
            await strava_sync.drain()
            assert await count(coach, m.Activity, m.Activity.source == "strava") == 1
            assert (await tuesday(coach)).status == "done"
            assert (await http.post("/strava/webhook", json=event)).status_code == 200  # Strava retries: still one
            await strava_sync.drain()
            assert await count(coach, m.Activity) == 1

            # A rename follows; a re-type changes what Strava alone brought.
            run["name"], run["sport_type"], run["type"] = "Gravel loop", "GravelRide", "GravelRide"
            await http.post("/strava/webhook", json={**event, "aspect_type": "update",
                                                     "updates": {"title": "Gravel loop", "type": "GravelRide"}})
            await strava_sync.drain()
            async with coach.db.transaction() as s:
                item = (await s.execute(select(SyncedItem).where(SyncedItem.provider == "strava"))).scalar_one()
                stored = await s.get(m.Activity, item.activity_id)
                assert item.data["name"] == "Gravel loop" and stored is not None and stored.sport == "ride"
            assert (await tuesday(coach)).activity_id is None  # a ride doesn't do a planned run
            # A delete while the activity is still on Strava (events aren't signed) changes nothing.
            gone = {**event, "aspect_type": "delete"}
            await http.post("/strava/webhook", json=gone)
            await strava_sync.drain()
            assert await count(coach, m.Activity) == 1
            strava.delete_activity(STRAVA_ANN, run["id"])
            await http.post("/strava/webhook", json={**gone, "event_time": 1764000050})  # a new event, not a repeat
            await strava_sync.drain()
            assert await count(coach, m.Activity) == 0 and await count(coach, SyncedItem, SyncedItem.provider == "strava") == 0
            assert (await tuesday(coach)).activity_id is None

            assert (await http.post("/strava/webhook", json={"object_type": "nonsense"})).status_code == 400
            deauth = {"aspect_type": "update", "event_time": 1764000100, "object_id": STRAVA_ANN, "object_type": "athlete",
                      "owner_id": STRAVA_ANN, "subscription_id": 120475, "updates": {"authorized": "false"}}
            await http.post("/strava/webhook", json=deauth)  # forged: the tokens still work, so they are kept
            await strava_sync.drain()
            assert await count(coach, Connection) == 1
            strava.revoke(STRAVA_ANN)
            await http.post("/strava/webhook", json={**deauth, "event_time": 1764000200})
            await strava_sync.drain()
    finally:
        await server.stop()
    assert await count(coach, Connection) == 0
    async with coach.db.transaction() as s:
        texts = [x.payload["text"] for x in (await s.execute(select(m.OutboxMessage))).scalars()]
    assert any("You removed my access on Strava" in t for t in texts)


async def test_rate_limits_stop_before_going_over_and_a_429_loses_nothing(
    coach: CoachService, strava: FakeStrava, clock: Clock
) -> None:
    await connect_by_paste(coach, strava)
    for n in range(3):  # three recent runs with heart rate: a listing and three stream requests
        strava.add_activity(STRAVA_ANN, start=f"{TODAY - dt.timedelta(days=n + 1)}T06:00:00", elapsed=1800,
                            distance=5000, heartrate=140, streams=True)
    strava.read_limit_15 = 3
    reply = await say(coach, "/sync")
    assert "15-minute request limit for this coach is used up (3 of 3)" in reply and "after 12:15 UTC" in reply
    assert not [c for c in strava.calls if c.status == 429]  # stopped before going over
    kept = await count(coach, m.Activity)
    assert kept == 2  # the two whose streams came before the limit: kept

    clock.at += dt.timedelta(minutes=15)  # the next window
    strava.now = clock.at.timestamp()
    strava.used_15 = 0
    assert "1 new activity (2 already here)" in await say(coach, "/sync")
    assert await count(coach, m.Activity) == 3

    strava.read_limit_15 = 100
    strava.used_15 = 0
    strava.fail_next("/athlete/activities", 429)
    reply = await say(coach, "/sync")
    assert "too many requests" in reply or "used up" in reply
    assert await count(coach, m.Activity) == 3


async def test_the_same_recording_from_intervals_and_strava_is_counted_once(db: Database, strava: FakeStrava, clock: Clock) -> None:
    await CoachService(db, FixedClock(START)).add_athlete("ann", PROFILE)
    with FakeIntervals() as icu:
        icu.add_athlete("i100", ANN_KEY, name="Ann A")
        service = CoachService(db, clock)
        use(service, make_config(strava, icu_url=icu.url))
        icu.add_activity("i100", start=f"{FIRST_RUN}T07:00:00", type="Run", moving_time=2400, distance=6000)
        strava.add_activity(STRAVA_ANN, start=f"{FIRST_RUN}T07:00:00", sport_type="TrailRun", elapsed=2400, distance=6000)
        assert "Connected to Intervals.icu" in await say(service, f"/connect intervals i100 {ANN_KEY}")
        await connect_by_paste(service, strava)
        reply = await say(service, "/sync pull")
        icu.assert_no_internal_errors()
    assert "1 new activity (0 already here)" in reply and "0 new activities (1 already here)" in reply
    assert await count(service, m.Activity) == 1


def test_the_command_line_connects_syncs_and_shows_no_token(
    tmp_path: Path, strava: FakeStrava, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from coach.cli import main

    for name in ("DATABASE_URL", "COACH_SECRET_KEY", "TELEGRAM_BOT_TOKEN", "ANTHROPIC_API_KEY", "WEBAPP_URL"):
        monkeypatch.delenv(name, raising=False)
    env = {"COACH_DATA_DIR": str(tmp_path / "data"), "COACH_TODAY": TODAY.isoformat(), "STRAVA_API_URL": strava.url,
           "STRAVA_CLIENT_ID": CLIENT_ID, "STRAVA_CLIENT_SECRET": CLIENT_SECRET, "LOG_LEVEL": "DEBUG"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)
    profile = tmp_path / "ann.json"
    profile.write_text(PROFILE.model_dump_json(by_alias=True))
    assert main(["athlete", "add", "ann", "--profile", str(profile)]) == 0
    strava.add_activity(STRAVA_ANN, start=f"{FIRST_RUN}T07:00:00", elapsed=2400, distance=6000)

    assert main(["connect", "strava", "--athlete", "ann"]) == 0
    assert "/oauth/authorize?" in capsys.readouterr().out
    assert main(["connect", "strava", "--athlete", "ann", "--code", "not a code"]) == 2
    assert main(["connect", "strava", "--athlete", "ann", "--code", strava.authorize(STRAVA_ANN)]) == 0
    assert "Connected ann to Strava as Ann Strava" in capsys.readouterr().out
    assert main(["sync", "--athlete", "ann", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["provider"] == "strava" and report["pull"]["activities"]["new"] == 1 and report["ok"] is True
    assert main(["show", "--athlete", "ann", "--json"]) == 0
    out = capsys.readouterr()
    assert not any(token in out.out + out.err for token in strava.issued)
    assert not any(token.encode() in (tmp_path / "data" / "coach.db").read_bytes() for token in strava.issued)
    assert main(["disconnect", "strava", "--athlete", "ann"]) == 0
    assert strava.requests_to("/oauth/deauthorize")
    assert main(["sync", "--athlete", "ann"]) == 1
