"""The importers against real FIT/GPX/TCX recordings and the facts their devices recorded."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from coach.sources.activity import ImportedActivity
from coach.sources.errors import EmptyFile, ImportFailure

Get = Callable[[str], ImportedActivity]


def test_huez_matches_the_device_summary(activity: Get) -> None:
    huez = activity("cycling_huez.fit")
    assert huez.sport == "ride"
    assert huez.start_time == dt.datetime(2015, 7, 10, 8, 58, 32, tzinfo=dt.UTC)
    assert huez.distance_km == pytest.approx(141.9, abs=0.1)
    assert huez.elevation_gain_m == pytest.approx(2050, abs=30)
    assert huez.avg_hr == 148
    assert huez.max_hr == 174
    assert huez.has_gps
    assert huez.to_json_row("x")["start_time"] == "2015-07-10T08:58:32Z"


def test_brevet_has_no_power(activity: Get) -> None:
    brevet = activity("cycling_brevet-200k.fit")
    assert brevet.distance_km == pytest.approx(204.6, abs=0.5)
    assert brevet.avg_power_w is None and brevet.np_w is None and brevet.tss is None
    assert brevet.mmp_w == {}
    assert brevet.load_method in ("heart_rate", "duration_estimate")


def test_power_ride_np_and_tss_close_to_the_device(activity: Get) -> None:
    ride = activity("cycling_first-power-ride.fit")
    assert ride.np_w == pytest.approx(172, rel=0.02)  # device: normalized_power 172
    assert ride.avg_power_w == pytest.approx(152, rel=0.02)  # device: avg_power 152
    assert ride.tss == pytest.approx(254, rel=0.03)  # device: TSS 254 at its FTP 180
    assert ride.load_method == "power"
    assert ride.mmp_w[1200] >= ride.mmp_w[3600]
    assert ride.mmp_w[1] == pytest.approx(564, abs=1)  # device: max_power 564


def test_treadmill_run_has_no_gps(activity: Get) -> None:
    run = activity("running_treadmill.fit")
    assert run.sport == "run"
    assert not run.has_gps
    assert run.indoor
    assert run.distance_km == pytest.approx(10.63, abs=0.01)
    assert run.elevation_gain_m is None


def test_pool_swim(activity: Get) -> None:
    swim = activity("swimming_pool-swim.fit")
    assert swim.sport == "swim"
    assert swim.distance_km == pytest.approx(0.78)
    assert not swim.has_gps
    assert swim.load > 0


def test_zwift_is_a_virtual_ride_without_real_gps(activity: Get) -> None:
    zwift = activity("cycling_zwift-pschit.fit")
    assert zwift.sport == "virtual_ride"
    assert not zwift.has_gps
    assert zwift.moving_s is not None and zwift.moving_s <= zwift.elapsed_s


def test_empty_file_is_a_clear_error(imported: dict[str, ImportedActivity | ImportFailure]) -> None:
    error = imported["others_empty.fit"]
    assert isinstance(error, EmptyFile)
    assert str(error).endswith(".") and "empty" in str(error)


def test_flagged_heart_rate_is_left_out(activity: Get) -> None:
    flagged = activity("others_flagged-hr.fit")
    assert flagged.sport == "strength"
    assert "implausible_heart_rate" in flagged.flags
    assert flagged.avg_hr is None and flagged.max_hr is None
    assert any("245 bpm" in w for w in flagged.warnings)


def test_flagged_speed_is_reported(activity: Get) -> None:
    flagged = activity("others_flagged-speed.fit")
    assert "implausible_speed" in flagged.flags
    assert any("79 km/h" in w for w in flagged.warnings)
    assert flagged.distance_km == pytest.approx(31.9, abs=0.1)


def test_gpx_ride_and_open_water_swim(activity: Get) -> None:
    ride = activity("gpx_ride.gpx")
    assert ride.sport == "ride" and ride.source_format == "gpx"
    assert ride.start_time == dt.datetime(2018, 7, 26, 17, 17, 10, tzinfo=dt.UTC)
    assert 30 < (ride.distance_km or 0) < 40
    assert ride.avg_hr is not None and ride.elevation_gain_m is not None
    swim = activity("swimming_open-water-swim.gpx")
    assert swim.sport == "swim"
    assert 2.0 < (swim.distance_km or 0) < 3.0


def test_tcx_run(activity: Get) -> None:
    run = activity("tcx_run.tcx")
    assert run.sport == "run" and run.source_format == "tcx"
    assert run.start_time == dt.datetime(2017, 8, 29, 15, 23, 18, tzinfo=dt.UTC)
    assert run.distance_km == pytest.approx(11.09, abs=0.05)
    assert run.avg_hr is not None and run.max_hr is not None
    assert run.elevation_gain_m is not None and run.elevation_gain_m > 0


def test_every_recording_is_consistent(imported: dict[str, ImportedActivity | ImportFailure]) -> None:
    fingerprints = set()
    for name, result in imported.items():
        if isinstance(result, ImportFailure):
            assert name == "others_empty.fit"
            continue
        assert result.start_time.tzinfo == dt.UTC
        assert result.elapsed_s > 0
        assert result.moving_s is None or result.moving_s <= result.elapsed_s
        assert result.load >= 0
        assert result.max_hr is None or result.avg_hr is None or result.max_hr >= result.avg_hr
        fingerprints.add(result.fingerprint)
        assert "streams" not in result.model_dump(mode="json")
    assert len(fingerprints) == len(imported) - 1
