"""Durability and work from real recordings (issue 17 item 1): measured with power, never invented without."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from coach.sources.activity import ImportedActivity

Get = Callable[[str], ImportedActivity]


def test_power_ride_gives_a_durability_index(activity: Get) -> None:
    ride = activity("cycling_first-power-ride.fit")
    assert ride.work_kj == pytest.approx(1526, abs=2)  # 152 W average over 2 h 47 min
    (figure,) = ride.durability  # 1526 kJ reaches the 1000 kJ point, not 2000
    assert figure.after_kj == 1000 and figure.duration_s == 300
    assert figure.fresh_w == pytest.approx(223.0, abs=0.5)
    assert figure.fatigued_w == pytest.approx(199.1, abs=0.5)
    assert figure.index == pytest.approx(0.893, abs=0.002)
    assert figure.fatigued_w <= ride.mmp_w[300] and figure.fresh_w <= ride.mmp_w[300]


def test_ride_without_power_has_no_durability_and_no_work(activity: Get) -> None:
    brevet = activity("cycling_brevet-200k.fit")
    assert brevet.durability == [] and brevet.work_kj is None


def test_runs_get_no_durability_index(activity: Get) -> None:
    assert activity("running_portland.fit").durability == []
