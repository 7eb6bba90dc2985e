"""Messages that carry more than one request, time caps in everyday words, and runs logged
without a time (issue 10). Outcomes are read from the store, never from an intent label."""

from __future__ import annotations

import datetime as dt

import pytest

from coach.service.service import CoachService
from coach.store.db import Database
from tests.service.test_asking import PROFILE, TUESDAY, Clock, say, sessions


@pytest.fixture
async def coach(db: Database) -> CoachService:
    service = CoachService(db, Clock(TUESDAY))
    await service.add_athlete("ann", PROFILE)
    return service


@pytest.mark.parametrize("text", ["only got 30 min today", "30 min max today", "Can only squeeze in 30 minutes today, kids have a party"])
async def test_a_time_cap_for_today_shortens_today_whatever_the_tense(coach: CoachService, text: str) -> None:
    before = sessions(await coach.show("ann"))
    assert sum(m for _, m in before["2026-12-08"]) > 30
    await say(coach, text)
    doc = await coach.show("ann")
    after = sessions(doc)
    assert sum(m for _, m in after["2026-12-08"]) <= 30
    assert doc["activities"] == []  # a cap is not a logged session


async def test_a_cap_today_and_a_weekend_away_in_one_message_do_both(coach: CoachService) -> None:
    await say(coach, "Only got 20 min today and I'm away Saturday and Sunday at my mum's.")
    after = sessions(await coach.show("ann"))
    assert sum(m for _, m in after["2026-12-08"]) <= 20
    assert "2026-12-12" not in after and "2026-12-13" not in after


async def test_a_swap_and_a_cap_in_one_message_do_both(coach: CoachService) -> None:
    before = sessions(await coach.show("ann"))
    await say(coach, "swap thurs and sat, and I only have 30 min on sunday")
    after = sessions(await coach.show("ann"))
    assert after["2026-12-10"] == before["2026-12-12"] and after["2026-12-12"] == before["2026-12-10"]
    assert sum(m for _, m in after["2026-12-13"]) <= 30


async def test_a_run_without_its_time_takes_the_planned_time_and_says_so(coach: CoachService) -> None:
    planned = sum(m for _, m in sessions(await coach.show("ann"))["2026-12-08"])
    replies = await say(coach, "Ran 7k this morning, no pain at all in the knee")
    doc = await coach.show("ann")
    [activity] = doc["activities"]
    assert activity["sport"] == "run" and activity["distance_km"] == pytest.approx(7.0)
    assert round(activity["elapsed_s"] / 60) == planned
    assert f"{planned} min planned" in "\n".join(r.text for r in replies)


async def test_a_run_logged_yesterday_lands_on_yesterday(db: Database) -> None:
    wednesday = TUESDAY + dt.timedelta(days=1)
    coach = CoachService(db, Clock(wednesday))
    await coach.add_athlete("ann", PROFILE)
    await say(coach, "ran 8k yesterday in 44 min")
    [activity] = (await coach.show("ann"))["activities"]
    assert activity["start_time"].startswith("2026-12-08")
