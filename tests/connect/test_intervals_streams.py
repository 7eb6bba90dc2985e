"""Intervals.icu streams (issue 12, "streams when the coach needs power/HR detail"): a pulled ride
recorded with power and heart rate comes with its streams (``GET /api/v1/activity/{id}/streams``,
the recorded fixture ``tests/connect/data/intervals_streams_ride.json``), and the stored activity
gets NP, the power curve, Pw:Hr decoupling and EF exactly as an upload of the same recording does;
a re-pull asks for them no more; activities without power or HR, or older than the window, keep
their summaries; a failed streams request keeps the summary."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select

from coach.connect.config import ConnectConfig
from coach.connect.sync import STREAMS_DAYS, sync_athlete
from coach.service.service import CoachService
from coach.sources.fit import parse_fit
from coach.sources.importer import import_file
from coach.store import models as m
from coach.store import repo
from coach.store.models_connect import SyncedItem
from tests.conftest import RECORDINGS
from tests.connect import test_intervals_sync as base
from tests.connect.test_intervals_sync import TODAY, connect_ann
from tests.fakes.intervals_server import FakeIntervals

# The Intervals.icu tests' fixtures: the loopback fake, its config, the coach with Ann and her plan.
icu, sleeps, config, coach = base.icu, base.sleeps, base.config, base.coach

STREAMS_FILE = Path(__file__).resolve().parent / "data" / "intervals_streams_ride.json"
RIDE_FIT = RECORDINGS / "cycling_first-power-ride.fit"
RIDE_DAY = TODAY - dt.timedelta(days=2)


def streams_fixture() -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(STREAMS_FILE.read_text())
    return data


def stream_requests(icu: FakeIntervals) -> list[str]:
    return [c.path for c in icu.calls if "/streams" in c.path]


def add_ride(icu: FakeIntervals, start: str, streams: list[dict[str, Any]] | None) -> dict[str, Any]:
    """The recording's ride as Intervals.icu lists it: its own NP (172 W) and averages, no decoupling."""
    return icu.add_activity(
        "i100",
        start=start,
        type="Ride",
        moving_time=10056,
        elapsed_time=10453,
        distance=70560.0,
        icu_average_watts=152,
        icu_weighted_avg_watts=172,
        average_heartrate=165,
        max_heartrate=183,
        device_watts=True,
        has_heartrate=True,
        streams=streams,
    )


async def ann_of(service: CoachService) -> int:
    async with service.db.transaction() as s:
        athlete = await repo.athlete_by_name(s, "ann")
        assert athlete is not None
        return athlete.id


async def stored_by_day(service: CoachService) -> dict[str, m.Activity]:
    """Ann's stored activities by start day."""
    async with service.db.transaction() as s:
        rows = await s.execute(select(m.Activity).where(m.Activity.athlete_id == await ann_of(service)))
        return {str(a.start_time.date()): a for a in rows.scalars()}


def test_the_streams_fixture_is_the_recordings_samples_in_the_documented_shape() -> None:
    streams = {x["type"]: x for x in streams_fixture()}
    assert set(streams) == {"time", "watts", "heartrate", "velocity_smooth"}
    documented = {"type", "name", "data", "data2", "valueTypeIsArray", "anomalies", "custom", "allNull"}
    assert all(set(x) == documented and x["allNull"] is False for x in streams.values())
    recorded = parse_fit(RIDE_FIT.read_bytes()).streams
    assert streams["time"]["data"] == recorded.time_s
    assert streams["watts"]["data"] == recorded.power_w
    assert streams["heartrate"]["data"] == recorded.heart_rate_bpm


async def test_a_pulled_ride_gets_its_figures_from_its_streams_once(
    coach: CoachService, icu: FakeIntervals, config: ConnectConfig
) -> None:
    ride = add_ride(icu, f"{RIDE_DAY}T09:00:00", streams_fixture())
    add_ride(icu, f"{TODAY - dt.timedelta(days=STREAMS_DAYS + 5)}T09:00:00", streams_fixture())
    icu.add_activity(
        "i100",
        start=f"{RIDE_DAY - dt.timedelta(days=1)}T18:00:00",
        type="Run",
        moving_time=1800,
        distance=5000,
        average_heartrate=140,
    )  # typed in by hand: no recording behind it
    await connect_ann(coach)
    ann_id = await ann_of(coach)
    report = await sync_athlete(coach, coach.db, ann_id, config, push=False)
    assert report.ok and report.pull is not None
    assert report.pull.streams == 1 and report.pull.document()["streams"] == 1
    assert stream_requests(icu) == [f"/api/v1/activity/{ride['id']}/streams.json"]

    # The same figures an upload of the recording gives (the upload path: import_file -> finish).
    uploaded = import_file(RIDE_FIT.name, RIDE_FIT.read_bytes())
    stored = await stored_by_day(coach)
    pulled = stored[str(RIDE_DAY)]
    assert pulled.source == "intervals"
    assert pulled.np_w == pytest.approx(uploaded.np_w, abs=1e-9) and pulled.np_w != 172  # not the summary's
    assert pulled.details["decoupling_pct"] == pytest.approx(uploaded.decoupling_pct, abs=1e-9)
    assert pulled.details["efficiency_factor"] == pytest.approx(uploaded.efficiency_factor, abs=1e-9)
    assert pulled.details["mmp_w"] == {str(k): v for k, v in uploaded.mmp_w.items()}
    assert pulled.details["best_20min_hr_bpm"] == pytest.approx(uploaded.best_20min_hr_bpm)
    assert pulled.avg_power_w == pytest.approx(uploaded.avg_power_w)
    # Outside the window: the summary's NP, no decoupling; the typed-in run: no streams asked for.
    older = stored[str(TODAY - dt.timedelta(days=STREAMS_DAYS + 5))]
    assert older.np_w == 172 and older.details["decoupling_pct"] is None
    assert len(stored) == 3

    # A re-pull re-reads the last week's list and stores nothing twice: no streams asked again.
    again = await sync_athlete(coach, coach.db, ann_id, config, push=False)
    assert again.pull is not None and again.pull.streams == 0 and again.pull.activities_new == 0
    assert len(stream_requests(icu)) == 1
    assert len(await stored_by_day(coach)) == 3
    # The same recordings already here by another way (an upload, Strava): not asked for either
    # (a re-pull reads the last week: the ride and the run).
    async with coach.db.transaction() as s:
        await s.execute(delete(SyncedItem).where(SyncedItem.kind == "activity"))
    third = await sync_athlete(coach, coach.db, ann_id, config, push=False)
    assert third.pull is not None and third.pull.activities_known == 2 and third.pull.streams == 0
    assert len(stream_requests(icu)) == 1


async def test_a_failed_streams_request_keeps_the_summary(
    coach: CoachService, icu: FakeIntervals, config: ConnectConfig
) -> None:
    ride = add_ride(icu, f"{RIDE_DAY}T09:00:00", streams_fixture())
    icu.fail_next(f"/api/v1/activity/{ride['id']}/streams", 500, times=3)  # the client's two retries too
    await connect_ann(coach)
    ann_id = await ann_of(coach)
    report = await sync_athlete(coach, coach.db, ann_id, config, push=False)
    assert (
        report.ok and report.pull is not None and report.pull.streams == 0 and report.pull.activities_new == 1
    )
    [pulled] = (await stored_by_day(coach)).values()
    assert pulled.np_w == 172 and pulled.details["decoupling_pct"] is None
