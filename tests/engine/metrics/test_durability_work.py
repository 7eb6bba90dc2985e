"""Durability at fixed work points and work (kJ), done and planned (issue 17 item 1)."""

from __future__ import annotations

import math

import pytest

from coach.engine.metrics.power import (
    durability_profile,
    normalized_power_w,
    planned_work_kj,
    training_stress_score,
    work_kj,
)


def test_durability_profile_stops_at_the_last_work_point_reached() -> None:
    # 200 W for 3 h = 2160 kJ, with a 300 W 5-minute effort early and a 270 W one after 2000 kJ.
    stream = [200.0] * 10800
    stream[600:900] = [300.0] * 300
    stream[10400:10700] = [270.0] * 300
    figures = durability_profile(stream)
    assert [f.after_kj for f in figures] == [1000, 2000]  # 3000 kJ is never reached
    assert figures[-1].fresh_w == pytest.approx(300.0)
    assert figures[-1].fatigued_w == pytest.approx(270.0)
    assert figures[-1].index == pytest.approx(0.9)


def test_no_power_or_too_little_work_gives_no_durability() -> None:
    assert durability_profile([]) == []
    assert durability_profile([150.0] * 3600) == []  # 540 kJ: short of 1000 kJ


def test_work_is_power_times_time() -> None:
    assert work_kj([250.0] * 3600) == pytest.approx(900.0)
    assert work_kj([None, -5.0, 100.0]) == pytest.approx(0.1)


def test_planned_work_inverts_tss() -> None:
    """A steady ride's TSS turned back into kJ gives the ride's own work."""
    ftp_w, hours, watts = 250.0, 4.0, 175.0
    stream = [watts] * int(hours * 3600)
    tss = training_stress_score(len(stream), normalized_power_w(stream) or 0.0, ftp_w)
    assert planned_work_kj(hours * 60, tss, ftp_w) == pytest.approx(work_kj(stream), rel=1e-3)
    assert math.isclose(work_kj(stream), 2520.0)
    assert planned_work_kj(0, tss, ftp_w) is None and planned_work_kj(60, 50, 0) is None
