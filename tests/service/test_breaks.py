"""A break re-plans what it must and leaves the season alone (issue 10; blind sets S and U showed
a week's trip re-planning every week to race day).

A week away that spans a weekend touches two calendar weeks but loses about one week of training:
the weeks after it are read against what the plan built (adapt.detrain_lost_weeks), so nothing
after the return changes. A break of two full weeks costs fitness, and the weeks after it are
brought back down within the ramp, as before."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from coach.engine.models import Plan, Profile
from coach.service.service import CoachService
from coach.store.db import Database
from tests.service.test_asking import TUESDAY, Clock, say, sessions
from tests.service.test_requests_set_k import _minutes

MONDAY = dt.date(2027, 1, 11)


RUNNER = Path(__file__).parents[1] / "blind" / "athletes" / "runner.json"  # half marathon 28 Mar, ~30 km a week


async def _five_weeks_in(db: Database) -> CoachService:
    """The blind sets' runner, plan made on Tue 8 Dec, read five weeks later (nothing logged since)."""
    profile = Profile.model_validate_json(RUNNER.read_text(encoding="utf-8"))
    plan = Plan.model_validate_json(RUNNER.with_suffix(".plan.json").read_text(encoding="utf-8"))
    await CoachService(db, Clock(TUESDAY)).add_athlete("ann", profile, plan)
    return CoachService(db, Clock(MONDAY))


def _after(doc: dict[str, Any], day: str) -> dict[str, list[tuple[str, int]]]:
    return {d: s for d, s in sessions(doc).items() if d > day}


async def test_a_weeks_trip_over_a_weekend_changes_nothing_after_the_return(db: Database) -> None:
    coach = await _five_weeks_in(db)
    before = await coach.show("ann")
    await say(coach, "ski trip!! 23rd to 30th Jan. won't be running, assume nothing that week")
    after = await coach.show("ann")
    trip = [(dt.date(2027, 1, 23) + dt.timedelta(days=n)).isoformat() for n in range(8)]
    assert any(_minutes(before, d) for d in trip)
    assert all(_minutes(after, d) == 0 for d in trip)
    assert _after(after, "2027-01-31") == _after(before, "2027-01-31")  # the season is untouched


def _week_minutes(doc: dict[str, Any], monday: dt.date) -> int:
    return sum(_minutes(doc, (monday + dt.timedelta(days=n)).isoformat()) for n in range(7))


def _types(doc: dict[str, Any], monday: dt.date) -> set[str]:
    days = {(monday + dt.timedelta(days=n)).isoformat() for n in range(7)}
    return {kind for day, held in sessions(doc).items() if day in days for kind, _ in held}


async def test_two_full_weeks_away_are_followed_by_a_return_then_the_plan_as_built(db: Database) -> None:
    coach = await _five_weeks_in(db)
    before = await coach.show("ann")
    replies = await say(coach, "I'm away from the 18th to the 31st of January, no running at all")
    after = await coach.show("ann")
    assert all(_minutes(after, (dt.date(2027, 1, 18) + dt.timedelta(days=n)).isoformat()) == 0 for n in range(14))
    first, second = dt.date(2027, 2, 1), dt.date(2027, 2, 8)  # the two weeks of the return
    assert 0 < _week_minutes(after, first) <= 0.5 * _week_minutes(before, first)
    assert _types(after, first) == {"easy"} and _types(before, first) != {"easy"}  # the first half easy only
    assert 0.5 * _week_minutes(before, second) < _week_minutes(after, second) <= 0.75 * _week_minutes(before, second)
    assert _after(after, "2027-02-14") == _after(before, "2027-02-14")  # then the plan as built, to race day
    returns = {w["start"]: w["return_fraction"] for w in after["plan"]["weeks"] if w["return_fraction"] is not None}
    assert returns == {"2027-02-01": 0.5, "2027-02-08": 0.75}
    assert "return after the break" in " ".join(r.text for r in replies)
    assert not after["plan"]["validation"]["violations"]


async def test_the_return_holds_through_the_next_change(db: Database) -> None:
    """A later report re-validates the whole plan: the return weeks are still read as built."""
    coach = await _five_weeks_in(db)
    await say(coach, "I'm away from the 18th to the 31st of January, no running at all")
    before = await coach.show("ann")
    await say(coach, "skip thursday please, too busy")
    after = await coach.show("ann")
    assert _minutes(after, "2027-01-14") == 0 and _minutes(before, "2027-01-14") > 0
    assert _after(after, "2027-01-17") == _after(before, "2027-01-17")
