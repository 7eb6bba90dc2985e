"""Adherence: linking, done/partial/missed, weekly compliance, prescription bias."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coach.engine.metrics.adherence import (
    ActivityRef,
    PlannedSessionRef,
    link_sessions,
    prescription_bias,
    weekly_compliance,
)

MON = dt.date(2024, 6, 3)


def plan(
    i: int, day: int, sport: str = "run", kind: str = "easy", minutes: float = 60, km: float | None = None
) -> PlannedSessionRef:
    return PlannedSessionRef(
        id=f"p{i}",
        date=MON + dt.timedelta(days=day),
        sport=sport,
        type=kind,
        duration_min=minutes,
        distance_km=km,
    )


def act(
    i: int,
    day: int,
    sport: str = "run",
    minutes: float = 60,
    km: float | None = None,
    kind: str | None = None,
) -> ActivityRef:
    return ActivityRef(
        id=f"a{i}",
        start_date=MON + dt.timedelta(days=day),
        sport=sport,
        duration_min=minutes,
        distance_km=km,
        type=kind,
    )


def test_done_partial_missed_pending() -> None:
    planned = [plan(1, 0), plan(2, 2, minutes=90), plan(3, 4, sport="ride"), plan(4, 6)]
    activities = [act(1, 0, minutes=58), act(2, 3, minutes=50), act(3, 4, sport="virtual_ride")]
    outcomes = {o.planned.id: o for o in link_sessions(planned, activities, as_of=MON + dt.timedelta(days=6))}
    assert outcomes["p1"].outcome == "done" and outcomes["p1"].activity is not None
    assert outcomes["p2"].outcome == "partial"  # 50 of 90 min, a day late
    assert outcomes["p2"].completion == pytest.approx(50 / 90)
    assert outcomes["p3"].outcome == "done"  # a virtual ride satisfies a ride
    assert outcomes["p4"].outcome == "pending"  # today, not yet over


def test_sport_and_window_are_respected() -> None:
    outcomes = link_sessions(
        [plan(1, 0)], [act(1, 0, sport="swim"), act(2, 2)], as_of=MON + dt.timedelta(days=10)
    )
    assert outcomes[0].outcome == "missed"


def test_each_activity_links_once_closest_first() -> None:
    planned = [plan(1, 0, kind="easy", minutes=40), plan(2, 0, kind="long", minutes=120)]
    activities = [act(1, 0, minutes=118), act(2, 0, minutes=41)]
    outcomes = {o.planned.id: o for o in link_sessions(planned, activities, as_of=MON)}
    assert outcomes["p1"].activity is not None and outcomes["p1"].activity.id == "a2"
    assert outcomes["p2"].activity is not None and outcomes["p2"].activity.id == "a1"


def test_distance_wins_over_duration_when_both_known() -> None:
    outcomes = link_sessions([plan(1, 0, minutes=60, km=12)], [act(1, 0, minutes=40, km=12)], as_of=MON)
    assert outcomes[0].outcome == "done"
    assert outcomes[0].measure == "distance"


def test_weekly_compliance() -> None:
    planned = [plan(1, 0), plan(2, 2), plan(3, 4), plan(4, 8)]
    activities = [act(1, 0), act(2, 2, minutes=30)]
    weeks = weekly_compliance(link_sessions(planned, activities, as_of=MON + dt.timedelta(days=8)))
    assert [w.week_start for w in weeks] == [MON, MON + dt.timedelta(days=7)]
    first = weeks[0]
    assert (first.done, first.partial, first.missed) == (1, 1, 1)
    assert first.sessions_pct == pytest.approx(50.0)
    assert first.duration_pct == pytest.approx(90 / 180 * 100)
    assert weeks[1].pending == 1 and weeks[1].sessions_pct is None


def test_bias_needs_five_samples_and_five_percent() -> None:
    planned = [plan(i, i * 7, kind="tempo", minutes=40) for i in range(6)]
    activities = [act(i, i * 7, minutes=44) for i in range(6)]
    outcomes = link_sessions(planned, activities, as_of=MON + dt.timedelta(days=60))
    (bias,) = prescription_bias(outcomes)
    assert bias.samples == 6
    assert bias.mean_error == pytest.approx(0.10)
    assert bias.correction_factor == pytest.approx(1.10)
    assert bias.sentence is not None and "10 % longer" in bias.sentence and "6 sessions" in bias.sentence
    (few,) = prescription_bias(outcomes[:4])
    assert few.correction_factor is None and few.sentence is None
    small = link_sessions(planned, [act(i, i * 7, minutes=41) for i in range(6)], as_of=MON)
    assert prescription_bias(small)[0].correction_factor is None


@given(
    st.lists(
        st.tuples(st.integers(0, 13), st.sampled_from(["run", "ride", "swim"]), st.floats(10, 200)),
        max_size=12,
    ),
    st.lists(
        st.tuples(st.integers(0, 13), st.sampled_from(["run", "ride", "swim"]), st.floats(0, 200)),
        max_size=12,
    ),
)
def test_links_are_one_to_one(
    plans: list[tuple[int, str, float]], acts: list[tuple[int, str, float]]
) -> None:
    planned = [plan(i, d, sport=s, minutes=m) for i, (d, s, m) in enumerate(plans)]
    activities = [act(i, d, sport=s, minutes=m) for i, (d, s, m) in enumerate(acts)]
    outcomes = link_sessions(planned, activities, as_of=MON + dt.timedelta(days=20))
    linked = [o.activity.id for o in outcomes if o.activity is not None]
    assert len(linked) == len(set(linked))
    assert len(outcomes) == len(planned)
    for o in outcomes:
        if o.activity is not None:
            assert abs((o.activity.start_date - o.planned.date).days) <= 1
