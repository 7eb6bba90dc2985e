"""The athlete's own workouts: .zwo and Intervals.icu folder import, detection from recordings,
stored per athlete; bad files get a sentence and store nothing."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from coach.engine.models import Step
from coach.library import LibraryImportError, read_library_file
from coach.library.detect import Recorded, library_from, structure, structure_name
from coach.library.store import detect, library, record_structure, save_workouts
from coach.service.service import CoachService
from coach.sources.activity import ActivityStreams
from coach.sources.importer import import_activities
from coach.store import models as m
from tests.conftest import RECORDINGS

ZWO = b"""<?xml version="1.0"?>
<workout_file><author>me</author><name>Over-unders</name><description>my go-to</description><sportType>bike</sportType>
<workout>
  <Warmup Duration="600" PowerLow="0.50" PowerHigh="0.75"/>
  <IntervalsT Repeat="4" OnDuration="120" OffDuration="60" OnPower="1.05" OffPower="0.88"/>
  <SteadyState Duration="300" Power="0.55"><textevent timeoffset="0" message="easy"/></SteadyState>
  <Cooldown Duration="300" PowerLow="0.60" PowerHigh="0.40"/>
</workout></workout_file>"""

FOLDER = [{"id": 7, "athlete_id": "i123", "type": "FOLDER", "name": "Go-to", "children": [
    {"id": 1, "name": "Sweet spot 3x10", "type": "Ride",
     "description": "Warmup\n- 10m 50-65%\n\nMain Set 3x\n- 10m 88-94%\n- 5m 55%\n\nCooldown\n- 10m 50%"},
    {"id": 2, "name": "Track 6x800", "type": "Run",
     "description": "- Warmup 15m Z1 HR\n- 6x\n  - 0.8km 3:50/km Pace\n  - 2m 6:30/km Pace\n- Cooldown 10m Z1 HR"},
    {"id": 3, "name": "VO2 doc", "type": "Ride", "workout_doc": {"steps": [
        {"duration": 600, "warmup": True, "power": {"start": 50, "end": 70, "units": "%ftp"}},
        {"reps": 5, "steps": [{"duration": 180, "power": {"value": 115, "units": "%ftp"}},
                              {"duration": 180, "power": {"value": 50, "units": "%ftp"}}]}]}},
    {"id": 4, "name": "Gym", "type": "WeightTraining", "description": "squats"},
]}]


def test_zwo_import_reads_every_step() -> None:
    (workout,), skipped = read_library_file("overunders.zwo", ZWO)
    assert skipped == []
    assert (workout.name, workout.sport, workout.purpose, workout.key) == ("Over-unders", "ride", "threshold", "zwo:over-unders")  # 105 % FTP: Coggan Z4
    warm, repeat, steady, cool = workout.steps
    assert (warm.kind, warm.duration_s, warm.target and (warm.target.low, warm.target.high)) == ("warmup", 600, (50, 75))
    assert repeat.repeat == 4
    assert [(c.kind, c.duration_s, c.target and c.target.low) for c in repeat.steps] == [("main", 120, 105), ("recovery", 60, 88)]
    assert (steady.duration_s, cool.kind, cool.target and (cool.target.low, cool.target.high)) == (300, "cooldown", (40, 60))
    assert workout.duration_s == 600 + 4 * 180 + 300 + 300


def test_intervals_folder_import() -> None:
    workouts, skipped = read_library_file("folders.json", json.dumps(FOLDER).encode())
    assert [w.name for w in workouts] == ["Sweet spot 3x10", "Track 6x800", "VO2 doc"]
    assert skipped == ["Gym: no steps I can read (WeightTraining)"]
    sweet, track, vo2 = workouts
    assert (sweet.sport, sweet.purpose, sweet.key) == ("ride", "threshold", "intervals:go-to-sweet-spot-3x10")
    assert [s.kind for s in sweet.steps] == ["warmup", "repeat", "cooldown"] and sweet.steps[1].repeat == 3
    assert (track.sport, track.purpose) == ("run", "intervals")
    rep = track.steps[1]
    assert rep.repeat == 6 and rep.steps[0].distance_m == 800 and rep.steps[0].target is not None
    assert (rep.steps[0].target.unit, rep.steps[0].target.low) == ("s_per_km", 230)
    assert vo2.steps[1].repeat == 5 and [c.kind for c in vo2.steps[1].steps] == ["main", "recovery"]


@pytest.mark.parametrize(("name", "data", "message"), [
    ("a.zwo", b"not xml at all", "not valid XML"),
    ("a.zwo", b"<html><body/></html>", "not a Zwift workout"),
    ("a.zwo", b"<workout_file><workout><Surf Duration='60'/></workout></workout_file>", "<Surf> is not a Zwift workout step"),
    ("a.zwo", b"<workout_file><workout><SteadyState Duration='x' Power='1'/></workout></workout_file>", "is not a number"),
    ("a.zwo", b'<!DOCTYPE x [<!ENTITY a "b">]><workout_file/>', "DTD"),
    ("a.json", b"{oops", "not JSON"),
    ("a.json", b'{"hello": 1}', "not an Intervals.icu folder"),
    ("a.txt", b"hello", "not a workout library file"),
    ("a.zwo", b"  ", "empty"),
])
def test_bad_files_get_a_sentence(name: str, data: bytes, message: str) -> None:
    with pytest.raises(LibraryImportError, match=message):
        read_library_file(name, data)


def _interval_ride(reps: int = 5, ftp: float = 250) -> ActivityStreams:
    power = [150.0 + i % 7 for i in range(600)]
    for _ in range(reps):
        power += [270.0 + i % 5 for i in range(240)] + [130.0 + i % 3 for i in range(180)]
    power += [140.0] * 600
    return ActivityStreams(time_s=[float(i) for i in range(len(power))], power_w=power)


def test_detection_reads_warmup_repeats_recoveries_cooldown() -> None:
    steps = structure("ride", _interval_ride(), ftp_w=250)
    assert steps is not None
    assert [s.kind for s in steps] == ["warmup", "repeat", "cooldown"]
    repeat = steps[1]
    assert repeat.repeat == 5
    work, rest = repeat.steps
    assert (work.duration_s, rest.duration_s) == (240, 180)
    assert work.target is not None and work.target.unit == "pct_ftp" and work.target.low < 109 < work.target.high
    assert structure_name(steps) == "5 × 4 min @ 109% FTP"
    speed = [3.0] * 900
    for _ in range(6):
        speed += [4.4] * 180 + [2.8] * 90
    speed += [2.9] * 600
    run = structure("run", ActivityStreams(time_s=[float(i) for i in range(len(speed))], speed_m_per_s=speed))
    assert run is not None and structure_name(run) == "6 × 3 min @ 3:45/km"


def test_real_recordings_without_a_workout_give_no_structure() -> None:
    """Steady and hilly sessions (the vendored real recordings) must not invent repeats."""
    for name in ("cycling_first-power-ride.fit", "running_portland.fit", "tcx_run.tcx"):
        (activity,) = import_activities(name, (RECORDINGS / name).read_bytes(), ftp_w=250, max_hr=None, keep_streams=True)
        assert structure(activity.sport, activity.streams, 250) is None, name


def test_detected_library_is_deterministic() -> None:
    ride = structure("ride", _interval_ride(), ftp_w=250)
    other = structure("ride", _interval_ride(reps=6), ftp_w=250)
    assert ride is not None and other is not None
    history = [
        Recorded("b", "ride", dt.datetime(2026, 10, 8, 7), ride),
        Recorded("a", "ride", dt.datetime(2026, 10, 1, 7), ride),
        Recorded("c", "virtual_ride", dt.datetime(2026, 10, 15, 7), other),
    ]
    first = library_from(history)
    assert [w.model_dump() for w in first] == [w.model_dump() for w in library_from(list(reversed(history)))]
    assert [(w.name, w.seen, w.last_seen, w.purpose) for w in first] == [
        ("5 × 4 min @ 109% FTP", 2, "2026-10-08", "intervals"), ("6 × 4 min @ 109% FTP", 1, "2026-10-15", "intervals")]


async def test_library_is_stored_per_athlete(service: CoachService) -> None:
    async with service.db.transaction() as s:
        ann, bob = m.Athlete(name="ann"), m.Athlete(name="bob")
        s.add_all([ann, bob])
        await s.flush()
        workouts, _ = read_library_file("folders.json", json.dumps(FOLDER).encode())
        assert await save_workouts(s, ann.id, workouts) == (3, 0)
        assert await save_workouts(s, ann.id, workouts) == (0, 3)  # importing again updates, never doubles
        steps = structure("ride", _interval_ride(), ftp_w=250)
        for day in (1, 8):
            start = dt.datetime(2026, 10, day, 7, tzinfo=dt.UTC)
            assert await record_structure(s, ann.id, fingerprint=f"fp{day}", sport="ride", start=start, steps=steps)
        assert not await record_structure(s, ann.id, fingerprint="fp1", sport="ride", start=start, steps=steps)
        await record_structure(s, ann.id, fingerprint="steady", sport="ride", start=start, steps=None)
        detected = await detect(s, ann.id)
        again = await detect(s, ann.id)
        assert [w.model_dump() for w in detected] == [w.model_dump() for w in again]
        assert [(w.name, w.seen) for w in detected] == [("5 × 4 min @ 109% FTP", 2)]
        ann_id, bob_id = ann.id, bob.id
    async with service.db.transaction() as s:
        stored = await library(s, ann_id)
        assert sorted(w.source for w in stored) == ["detected", "intervals", "intervals", "intervals"]
        assert await library(s, bob_id) == []
        sweet = next(w for w in stored if w.name == "Sweet spot 3x10")
        assert sweet.steps[1].steps[0] == Step(kind="main", duration_s=600, target=sweet.steps[1].steps[0].target)


def test_recordings_folder_is_vendored() -> None:
    assert Path(RECORDINGS, "cycling_first-power-ride.fit").is_file()
