"""Athlete profile from synthetic activities: weeks, volumes, thresholds, History."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import pytest

from coach.engine.metrics.athlete_profile import build_profile, to_history

AS_OF = dt.date(2024, 6, 3)  # a Monday


@dataclass(frozen=True)
class Act:
    sport: str
    start_time: dt.datetime
    elapsed_s: float
    moving_s: float | None = None
    distance_km: float | None = None
    max_hr: float | None = None
    mmp_w: Mapping[int, float] = field(default_factory=dict)
    best_20min_hr_bpm: float | None = None


def at(days_before: int) -> dt.datetime:
    return dt.datetime.combine(AS_OF - dt.timedelta(days=days_before), dt.time(7), tzinfo=dt.UTC)


def history_of_runs(weeks: int = 10) -> list[Act]:
    runs = []
    for week in range(weeks):
        for day in (1, 3, 5):
            runs.append(Act("run", at(week * 7 + day), 3000, 3000, 10.0, max_hr=182, best_20min_hr_bpm=165))
    return runs


def test_weekly_volume_and_sessions() -> None:
    profile = build_profile(history_of_runs(), AS_OF)
    run = profile.sports["run"]
    assert profile.weeks == 10  # shrinks to the history covered
    assert run.weekly_km == (30.0,) * 10
    assert run.sessions_per_week == pytest.approx(3.0)
    assert run.longest_km == 10.0
    assert run.typical_pace == pytest.approx(300.0) and run.pace_unit == "s_per_km"
    assert profile.baseline_weekly_km["run"] == pytest.approx(30.0)
    assert profile.safe_weekly_km_max["run"] == pytest.approx(39.0)
    assert profile.max_hr_bpm == 182
    assert profile.threshold_hr_bpm == 165 and profile.threshold_hr_source == "best 20-minute heart rate"
    assert profile.vdot is not None and profile.threshold_pace_s_per_km is not None


def test_window_excludes_old_and_future_activities() -> None:
    acts = [*history_of_runs(2), Act("run", at(200), 3600, 3600, 12.0), Act("run", at(-1), 3600, 3600, 12.0)]
    profile = build_profile(acts, AS_OF)
    assert profile.activity_count == 6
    assert profile.weeks == 2


def test_ftp_from_best_20_minutes_and_ride_family() -> None:
    acts = [
        Act("ride", at(3), 7200, 7000, 60.0, mmp_w={1200: 280.0}),
        Act("virtual_ride", at(10), 3600, 3600, 30.0, mmp_w={1200: 300.0}),
        Act("run", at(5), 3600, 3600, 10.0, mmp_w={1200: 400.0}),  # running power is ignored
    ]
    profile = build_profile(acts, AS_OF)
    assert profile.ftp_w == pytest.approx(285.0)
    assert set(profile.sports) == {"ride", "run"}
    assert profile.sports["ride"].typical_pace is not None and profile.sports["ride"].pace_unit == "km_per_h"


def test_implausible_hr_and_no_hard_effort() -> None:
    acts = [
        Act("run", at(2), 3000, 3000, 8.0, max_hr=245),
        Act("run", at(4), 3000, 3000, 8.0, max_hr=175, best_20min_hr_bpm=120),
    ]
    profile = build_profile(acts, AS_OF)
    assert profile.max_hr_bpm == 175
    assert profile.threshold_hr_source is not None and "reserve" in profile.threshold_hr_source


def test_empty_history_and_to_history() -> None:
    profile = build_profile([], AS_OF)
    assert profile.activity_count == 0 and profile.sports == {} and profile.max_hr_bpm is None
    history = to_history(profile)
    assert history.weekly_km == [] and history.ftp_w is None
    full = to_history(build_profile(history_of_runs(), AS_OF), "run")
    assert full.weekly_km == [30.0] * 10
    assert full.longest_minutes == 50
    assert full.max_hr == 182 and full.threshold_hr == 165
    with pytest.raises(ValueError):
        build_profile([], AS_OF, weeks=0)


def test_ride_speed_from_recorded_rides() -> None:
    rides = [
        Act("ride", at(week * 7 + 2), 7200, 7200, km)  # 2 h rides at 24, 26 and 30 km/h
        for week, km in enumerate((48.0, 52.0, 60.0))
    ]
    history = to_history(build_profile(rides, AS_OF), "ride")
    assert history.ride_speed_kmh == 26.0  # the median ride, not the mean
    fast = [Act("ride", at(2), 3600, 3600, 75.0)]  # 75 km/h is no riding speed: left out
    assert to_history(build_profile(fast, AS_OF), "ride").ride_speed_kmh is None
    assert to_history(build_profile(history_of_runs(), AS_OF), "run").ride_speed_kmh is None
