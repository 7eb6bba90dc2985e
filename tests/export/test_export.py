"""Exports decode back into the same steps and targets: .ics, .zwo, FIT and Intervals.icu text."""

from __future__ import annotations

import datetime as dt
import io
import xml.etree.ElementTree as ET
import zipfile

import fitdecode
import pytest
from garmin_fit_sdk import Decoder, Stream
from icalendar import Calendar

from coach.engine.models import History, Plan, Profile, Session, Step, Target, Week
from coach.engine.planner import build_plan
from coach.engine.rules import load_rules
from coach.export import ExportError, export_plan, zipped
from coach.export.chat import parse_args
from coach.library.intervals import parse_workout_text

STAMP = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC)
RULES = load_rules()


def _plan(sessions: list[Session]) -> Plan:
    base = build_plan(Profile.model_validate({
        "sport": "run", "goal": {"event": "10k", "date": "2027-02-07"}, "start_date": "2026-11-23",
        "availability": {"days": ["tue", "thu", "sun"], "long_day": "sun"}, "history": {"weekly_km": [25, 25]},
    }), RULES)
    week = Week(index=1, start=dt.date(2026, 11, 23), phase="build", sessions=sessions)
    return base.model_copy(update={"weeks": [week]})


def _run_intervals() -> Session:
    steps = [
        Step(kind="warmup", duration_s=900, target=Target(unit="s_per_km", low=330, high=370, zone="Z1")),
        Step(kind="repeat", label="Intervals", repeat=5, steps=[
            Step(kind="main", label="work", duration_s=180, target=Target(unit="s_per_km", low=240, high=250, zone="Z5")),
            Step(kind="recovery", label="easy", duration_s=120, target=Target(unit="s_per_km", low=360, high=400, zone="Z1")),
        ]),
        Step(kind="cooldown", duration_s=600, target=Target(unit="s_per_km", low=330, high=370, zone="Z1")),
    ]
    return Session(date=dt.date(2026, 11, 24), sport="run", type="intervals", intensity="hard", key=True, duration_min=50, steps=steps)


def _ride_threshold() -> Session:
    steps = [
        Step(kind="warmup", duration_s=600, target=Target(unit="pct_ftp", low=45, high=55, zone="Z1")),
        Step(kind="repeat", label="Threshold", repeat=3, steps=[
            Step(kind="main", label="work", duration_s=480, target=Target(unit="pct_ftp", low=91, high=105, zone="Z4")),
            Step(kind="recovery", label="easy", duration_s=240, target=Target(unit="pct_ftp", low=45, high=55, zone="Z1")),
        ]),
        Step(kind="cooldown", duration_s=600, target=Target(unit="pct_ftp", low=45, high=55, zone="Z1")),
    ]
    return Session(date=dt.date(2026, 11, 26), sport="ride", type="threshold", intensity="hard", duration_min=56, steps=steps)


def _strength() -> Session:
    return Session(date=dt.date(2026, 11, 26), sport="strength", type="strength", intensity="moderate", duration_min=40,
                   steps=[Step(kind="set", exercise="squat", sets=3, reps=5)])


PLAN = _plan([_run_intervals(), _ride_threshold(), _strength()])


def _export(fmt: str, **kwargs: object) -> list[tuple[str, bytes]]:
    result = export_plan(PLAN, fmt, rules=RULES, athlete_key="a1", units="km", stamp=STAMP,  # type: ignore[arg-type]
                         start=dt.date(2026, 11, 23), **kwargs)  # type: ignore[arg-type]
    return [(f.name, f.data) for f in result.files]


def _fit_steps(data: bytes) -> tuple[dict[str, object], list[dict[str, object]]]:
    workout: dict[str, object] = {}
    steps: list[dict[str, object]] = []
    with fitdecode.FitReader(io.BytesIO(data), check_crc=fitdecode.CrcCheck.ENABLED) as reader:
        for frame in reader:
            if isinstance(frame, fitdecode.FitDataMessage):
                values = {f.name: f.value for f in frame.fields}
                if frame.name == "workout":
                    workout = values
                elif frame.name == "workout_step":
                    steps.append(values)
    return workout, steps


def test_fit_run_keeps_pace_and_repeats() -> None:
    files = dict(_export("fit"))
    assert sorted(files) == ["2026-11-24-1-run-intervals.fit", "2026-11-26-1-ride-threshold.fit"]
    data = files["2026-11-24-1-run-intervals.fit"]
    assert Decoder(Stream.from_byte_array(bytearray(data))).check_integrity()  # Garmin's own decoder agrees
    workout, steps = _fit_steps(data)
    assert workout["sport"] == "running" and workout["num_valid_steps"] == 5 == len(steps)
    warm, work, rest, repeat, cool = steps
    assert warm["intensity"] == "warmup" and warm["duration_time"] == 900.0
    assert work["target_type"] == "speed" and work["duration_time"] == 180.0
    # 250 s/km (slow end) .. 240 s/km (fast end) as m/s
    assert work["custom_target_speed_low"] == pytest.approx(1000 / 250, abs=0.001)
    assert work["custom_target_speed_high"] == pytest.approx(1000 / 240, abs=0.001)
    assert rest["intensity"] == "recovery"
    assert repeat["duration_type"] == "repeat_until_steps_cmplt" and repeat["duration_step"] == 1 and repeat["repeat_steps"] == 5
    assert cool["intensity"] == "cooldown" and cool["duration_time"] == 600.0


def test_fit_ride_keeps_percent_ftp() -> None:
    _, steps = _fit_steps(dict(_export("fit"))["2026-11-26-1-ride-threshold.fit"])
    work = steps[1]
    assert work["target_type"] == "power"
    assert (work["custom_target_power_low"], work["custom_target_power_high"]) == (91, 105)  # 0-1000 means % FTP


def test_fit_by_heart_rate_needs_and_uses_the_athletes_hr() -> None:
    with pytest.raises(ExportError, match="heart rate"):
        _export("fit", target="hr")
    _, steps = _fit_steps(dict(_export("fit", target="hr", history=History(threshold_hr=170)))
                          ["2026-11-24-1-run-intervals.fit"])
    work = steps[1]
    assert work["target_type"] == "heart_rate"
    # Z5 = 100-106 % of LTHR 170 (Friel), bpm written + 100
    assert (work["custom_target_heart_rate_low"], work["custom_target_heart_rate_high"]) == (270, 280)


def test_zwo_is_valid_xml_with_the_rides_steps() -> None:
    files = _export("zwo")
    assert [name for name, _ in files] == ["2026-11-26-1-ride-threshold.zwo"]  # runs are left out
    root = ET.fromstring(files[0][1])
    assert root.tag == "workout_file" and root.findtext("sportType") == "bike"
    elements = list(root.find("workout") or [])
    assert [e.tag for e in elements] == ["Warmup", "IntervalsT", "Cooldown"]
    intervals = elements[1].attrib
    assert intervals == {"Repeat": "3", "OnDuration": "480", "OffDuration": "240", "OnPower": "0.98", "OffPower": "0.5"}
    assert elements[0].attrib == {"Duration": "600", "PowerLow": "0.45", "PowerHigh": "0.55"}
    assert elements[2].attrib == {"Duration": "600", "PowerLow": "0.55", "PowerHigh": "0.45"}


def test_ics_parses_with_one_event_per_session() -> None:
    (name, data), = _export("ics")
    assert name == "training-plan.ics"
    events = Calendar.from_ical(data).walk("VEVENT")
    assert [(e.decoded("dtstart"), str(e.get("uid"))) for e in events] == [
        (dt.date(2026, 11, 24), "a1-2026-11-24-1@coach"), (dt.date(2026, 11, 26), "a1-2026-11-26-1@coach"),
        (dt.date(2026, 11, 26), "a1-2026-11-26-2@coach"),
    ]


def test_intervals_text_round_trips_to_the_same_steps() -> None:
    files = dict(_export("intervals"))
    assert sorted(files) == ["2026-11-24-1-run-intervals.txt", "2026-11-26-1-ride-threshold.txt", "2026-11-26-2-strength-strength.txt"]
    ride = parse_workout_text(files["2026-11-26-1-ride-threshold.txt"].decode(), "ride")
    assert [s.kind for s in ride] == ["warmup", "repeat", "cooldown"]
    assert ride[1].repeat == 3
    assert [(c.kind, c.duration_s, c.target.unit, c.target.low, c.target.high) for c in ride[1].steps if c.target] == [
        ("main", 480, "pct_ftp", 91, 105), ("recovery", 240, "pct_ftp", 45, 55)]
    run = parse_workout_text(files["2026-11-24-1-run-intervals.txt"].decode(), "run")
    work = run[1].steps[0]
    assert run[1].repeat == 5 and work.target is not None and (work.target.unit, work.target.low, work.target.high) == ("s_per_km", 240, 250)


def test_combined_text_and_zip() -> None:
    result = export_plan(PLAN, "intervals", rules=RULES, athlete_key="a1", units="km", stamp=STAMP, start=dt.date(2026, 11, 23), combined_text=True)
    (file,) = result.files
    assert file.data.decode().startswith("2026-11-24 Run intervals (key)\n")
    bundle = zipped(list(export_plan(PLAN, "fit", rules=RULES, athlete_key="a1", units="km", stamp=STAMP, start=dt.date(2026, 11, 23)).files), "x.zip")
    with zipfile.ZipFile(io.BytesIO(bundle.data)) as archive:
        assert archive.namelist() == ["2026-11-24-1-run-intervals.fit", "2026-11-26-1-ride-threshold.fit"]
    assert bundle.data == zipped(list(export_plan(PLAN, "fit", rules=RULES, athlete_key="a1", units="km", stamp=STAMP,
                                                  start=dt.date(2026, 11, 23)).files), "x.zip").data  # same plan, same bytes


def test_nothing_left_to_export_is_a_sentence() -> None:
    with pytest.raises(ExportError, match="no planned sessions"):
        export_plan(PLAN, "fit", rules=RULES, athlete_key="a1", units="km", stamp=STAMP, start=dt.date(2027, 1, 1))
    with pytest.raises(ExportError, match="can't export"):
        parse_args("pdf")
    assert parse_args(".FIT hr") == ("fit", "hr")
