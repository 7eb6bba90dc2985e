"""Everyday ways of asking for a change that blind set D showed were missed (issue 10): moves
said with "instead", arrows or "do X on Y", a skip or an easier day in a second clause, "skip one"
without saying which, personal facts said in passing, and workouts logged in spoken words.
Outcomes are read from the store."""

from __future__ import annotations

import pytest

from coach.service.service import CoachService
from coach.store.db import Database
from tests.service.test_asking import PROFILE, TUESDAY, Clock, say, sessions


@pytest.fixture
async def coach(db: Database) -> CoachService:
    service = CoachService(db, Clock(TUESDAY))  # Tue 8 Dec; runs Tue/Thu/Sat/Sun
    await service.add_athlete("ann", PROFILE)
    return service


@pytest.mark.parametrize("text", [
    "fri instead of thu this week",
    "thursday -> friday please",
    "I'll do thursday's run on friday",
    "family stuff on thursday the 10th, can that run go to friday",
])
async def test_a_move_said_in_passing_moves_that_session(coach: CoachService, text: str) -> None:
    before = sessions(await coach.show("ann"))
    await say(coach, text)
    after = sessions(await coach.show("ann"))
    assert "2026-12-10" not in after and after.get("2026-12-11") == before["2026-12-10"]


async def test_a_plan_question_naming_a_day_changes_nothing(coach: CoachService) -> None:
    before = await coach.show("ann")
    replies = await say(coach, "hey coach quick one how long is the run on thursday")
    after = await coach.show("ann")
    assert sessions(after) == sessions(before)
    minutes = sum(m for _, m in sessions(before)["2026-12-10"])
    assert str(minutes) in "\n".join(r.text for r in replies)


async def test_a_skip_in_a_second_clause_after_an_injury_is_done_too(coach: CoachService) -> None:
    await say(coach, "tweaked my back carrying the shopping, gonna skip saturday's run")
    doc = await coach.show("ann")
    assert "2026-12-12" not in sessions(doc)
    assert any("back" in str(lim.get("body_part")) for lim in doc["limitations"])


async def test_an_easier_day_asked_after_a_bad_night_eases_that_day(coach: CoachService) -> None:
    before = sessions(await coach.show("ann"))
    await say(coach, "knackered. 5 hrs sleep. cut thursday's run short pls")
    after = sessions(await coach.show("ann"))
    assert sum(m for _, m in after.get("2026-12-10", [])) < sum(m for _, m in before["2026-12-10"])


@pytest.mark.parametrize("text", ["I need to skip one next week", "might not make one of the runs this weekend"])
async def test_skip_one_without_saying_which_asks_and_changes_nothing(coach: CoachService, text: str) -> None:
    before = await coach.show("ann")
    replies = await say(coach, text)
    after = await coach.show("ann")
    assert sessions(after) == sessions(before)
    assert any(r.buttons for r in replies) and "?" in "\n".join(r.text for r in replies)


@pytest.mark.parametrize("text", ["I weigh 64 kilos now", "I'm type 1 diabetic so I always carry gels", "I commute by bike twice a week"])
async def test_a_fact_said_in_passing_is_remembered_and_the_plan_stays(coach: CoachService, text: str) -> None:
    before = await coach.show("ann")
    await say(coach, text)
    after = await coach.show("ann")
    assert len(after["notes"]) == len(before["notes"]) + 1
    assert sessions(after) == sessions(before)


@pytest.mark.parametrize(("text", "minutes", "km"), [
    ("3 miles on the treadmill, 28 min", 28, 4.83),
    ("ran five point five k in thirty four minutes", 34, 5.5),
    ("8 miler this morning, took me 1hr 20", 80, 12.87),
])
async def test_workouts_in_spoken_words_are_logged_as_said(coach: CoachService, text: str, minutes: int, km: float) -> None:
    await say(coach, text)
    [activity] = (await coach.show("ann"))["activities"]
    assert activity["sport"] == "run"
    assert round(activity["elapsed_s"] / 60) == minutes
    assert activity["distance_km"] == pytest.approx(km, abs=0.01)


async def test_swap_this_weekend_around_exchanges_saturday_and_sunday(coach: CoachService) -> None:
    before = sessions(await coach.show("ann"))
    await say(coach, "swap this weekend around, the forecast is better on sunday")
    after = sessions(await coach.show("ann"))
    assert after["2026-12-12"] == before["2026-12-13"] and after["2026-12-13"] == before["2026-12-12"]


async def test_a_work_trip_over_a_range_of_days_clears_them(coach: CoachService) -> None:
    await say(coach, "I'm in Leeds for work Tue-Thu next week, no chance of running")
    after = sessions(await coach.show("ann"))
    assert "2026-12-15" not in after and "2026-12-17" not in after
