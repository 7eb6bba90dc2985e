"""Format detection, failure kinds, de-duplication and the CSV exports."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import pytest

from coach.sources.activity import ImportedActivity
from coach.sources.errors import (
    MAX_FILE_BYTES,
    CorruptFile,
    EmptyFile,
    FileTooLarge,
    ImportFailure,
    MultipleActivities,
    NotAnActivity,
    TruncatedFile,
    UnsupportedFormat,
)
from coach.sources.importer import detect_format, import_activities, import_file

from .conftest import DATA_DIR

Get = Callable[[str], ImportedActivity]


@pytest.fixture(scope="module")
def small_fit(activities_dir: Path) -> bytes:
    return (activities_dir / "swimming_pool-swim.fit").read_bytes()


@pytest.fixture(scope="module")
def gpx_bytes(activities_dir: Path) -> bytes:
    return (activities_dir / "swimming_open-water-swim.gpx").read_bytes()


def assert_sentence(error: ImportFailure) -> None:
    message = str(error)
    assert message[0].isupper() and message.endswith("."), message


def test_detects_by_content_before_extension(small_fit: bytes, gpx_bytes: bytes) -> None:
    assert detect_format("upload.bin", small_fit) == "fit"
    assert detect_format("track.xml", gpx_bytes) == "gpx"
    assert detect_format("x.csv", b"a,b\n1,2\n") == "csv"
    with pytest.raises(UnsupportedFormat) as info:
        detect_format("notes.txt", b"hello")
    assert_sentence(info.value)
    with pytest.raises(UnsupportedFormat, match="ZIP"):
        detect_format("export.zip", b"PK\x03\x04rest")


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("empty.fit", b"", EmptyFile),
        ("short.fit", b"\x0e\x10", TruncatedFile),
        ("bad.fit", b"\x0e\x10\x00\x00\x00\x00\x00\x00NOPE" + b"\x00" * 40, CorruptFile),
        ("notes.docx", b"\x00\x01\x02", UnsupportedFormat),
    ],
)
def test_failure_kinds(name: str, data: bytes, kind: type[ImportFailure]) -> None:
    with pytest.raises(kind) as info:
        import_activities(name, data)
    assert_sentence(info.value)


def test_truncated_and_corrupt_fit(small_fit: bytes) -> None:
    with pytest.raises(TruncatedFile) as info:
        import_file("cut.fit", small_fit[: len(small_fit) // 2])
    assert_sentence(info.value)
    damaged = bytearray(small_fit)
    damaged[len(damaged) // 2] ^= 0xFF
    with pytest.raises((CorruptFile, TruncatedFile)):
        import_file("damaged.fit", bytes(damaged))


def test_truncated_gpx(gpx_bytes: bytes) -> None:
    with pytest.raises(TruncatedFile):
        import_file("cut.gpx", gpx_bytes[: len(gpx_bytes) // 2])


def test_route_only_gpx_is_not_an_activity() -> None:
    route = b"""<?xml version="1.0"?><gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1">
    <rte><rtept lat="45.0" lon="5.0"/><rtept lat="45.1" lon="5.1"/></rte></gpx>"""
    with pytest.raises(NotAnActivity, match="route") as info:
        import_file("route.gpx", route)
    assert_sentence(info.value)


def test_tcx_course_is_not_an_activity() -> None:
    course = b"""<?xml version="1.0"?><TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">
    <Courses><Course><Name>Loop</Name></Course></Courses></TrainingCenterDatabase>"""
    with pytest.raises(NotAnActivity, match="course"):
        import_file("course.tcx", course)


def test_file_too_large() -> None:
    with pytest.raises(FileTooLarge, match="MB") as info:
        import_activities("huge.fit", b"\0" * (MAX_FILE_BYTES + 1))
    assert_sentence(info.value)


def test_gzip_is_unpacked(gpx_bytes: bytes) -> None:
    plain = import_file("swim.gpx", gpx_bytes)
    packed = import_file("swim.gpx.gz", gzip.compress(gpx_bytes))
    assert packed.fingerprint == plain.fingerprint
    with pytest.raises(TruncatedFile):
        import_file("swim.gpx.gz", gzip.compress(gpx_bytes)[:-40])


def test_dedupe_fingerprint_is_stable_across_reimport(small_fit: bytes, activity: Get) -> None:
    first = import_file("pool.fit", small_fit)
    second = import_file("renamed-copy.fit", bytes(small_fit), ftp_w=300, max_hr=190)
    assert first.fingerprint == second.fingerprint == activity("swimming_pool-swim.fit").fingerprint
    assert first.model_dump(mode="json")["fingerprint"] == first.fingerprint
    moved = first.model_copy(update={"start_time": first.start_time.replace(hour=first.start_time.hour + 1)})
    assert moved.fingerprint != first.fingerprint


def test_json_excludes_streams_and_writes_utc_z(small_fit: bytes) -> None:
    imported = import_file("pool.fit", small_fit)
    assert imported.streams is not None
    dumped = imported.model_dump_json()
    assert "streams" not in dumped
    assert '"start_time":"2018-08-24T07:35:36Z"' in dumped


def test_strava_csv_export() -> None:
    rows = import_activities("activities.csv", (DATA_DIR / "strava_activities.csv").read_bytes())
    assert [r.sport for r in rows] == ["run", "virtual_ride", "strength"]
    run, ride, gym = rows
    assert run.distance_km == pytest.approx(10.0205)  # the second, metre-valued Distance column
    assert run.elapsed_s == 3105 and run.moving_s == 3050
    assert run.avg_hr == 152 and run.max_hr == 171
    assert run.start_time.isoformat() == "2020-02-09T09:30:43+00:00"
    assert ride.np_w == 214 and ride.load == 68 and ride.load_method == "reported"
    assert gym.distance_km is None and gym.load_method == "session_rpe"
    assert any("skipped" in w for w in run.warnings)
    with pytest.raises(MultipleActivities):
        import_file("activities.csv", (DATA_DIR / "strava_activities.csv").read_bytes())


def test_intervals_csv_export() -> None:
    rows = import_activities("i.csv", (DATA_DIR / "intervals_activities.csv").read_bytes())
    assert [r.sport for r in rows] == ["ride", "run", "swim", "strength"]
    ride = rows[0]
    assert ride.start_time.isoformat() == "2024-05-01T06:30:00+00:00"
    assert ride.distance_km == 82.0 and ride.elevation_gain_m == 950.0
    assert ride.tss == pytest.approx(10800 / 3600 * (201 / 260) ** 2 * 100)
    assert rows[1].load == 48 and rows[1].load_method == "reported"


def test_unknown_csv_is_unsupported() -> None:
    with pytest.raises(UnsupportedFormat, match="Strava"):
        import_activities("x.csv", b"when,what\n2024-01-01,run\n")
