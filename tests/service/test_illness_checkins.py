"""Check-ins from words (issue 9 item 5): being ill, low mood and energy said as a score are
stored as said — symptoms named, nothing invented — and today is decided by the neck check
(Eichner 1993): a cold above the neck eases, a fever or stomach bug rests."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from coach.service.service import CoachService
from coach.store import models as m
from coach.store.db import Database
from tests.service.test_asking import PROFILE, TUESDAY, Clock, say, sessions


@pytest.fixture
async def coach(db: Database) -> CoachService:
    service = CoachService(db, Clock(TUESDAY))  # Tue 8 Dec; runs Tue/Thu/Sat/Sun
    await service.add_athlete("ann", PROFILE)
    return service


async def _checkin(coach: CoachService) -> m.CheckIn | None:
    async with coach.db.transaction() as s:
        return (await s.execute(select(m.CheckIn).where(m.CheckIn.date == TUESDAY))).scalar_one_or_none()


def _today(doc: dict[str, Any]) -> int:
    return sum(minutes for _, minutes in sessions(doc).get(TUESDAY.isoformat(), []))


async def test_a_fever_is_a_red_check_in_and_rest_today(coach: CoachService) -> None:
    await say(coach, "Think I've got the flu - fever, aching all over")
    row = await _checkin(coach)
    assert row is not None and row.ill and row.ill_below_neck
    assert set(row.symptoms or []) >= {"flu", "fever", "aching"}
    assert row.readiness_color == "red" and row.sleep_hours is None and row.energy is None  # unsaid stays unknown
    doc = await coach.show("ann")
    assert _today(doc) == 0
    shown = doc["checkins"][0]  # coach show --json carries what was said
    assert shown["ill"] is True and shown["ill_below_neck"] is True and "fever" in shown["symptoms"] and shown["energy"] is None


async def test_a_head_cold_eases_today_instead_of_resting_and_a_named_day_is_called_off(coach: CoachService) -> None:
    before = await coach.show("ann")
    await say(coach, "got a stinking cold, head's all blocked up. not running thursday")
    row = await _checkin(coach)
    assert row is not None and row.ill and row.ill_below_neck is False
    assert "head cold" in (row.symptoms or []) and row.readiness_color == "amber"
    after = await coach.show("ann")
    assert 0 < _today(after) < _today(before)
    assert "2026-12-10" not in sessions(after)


@pytest.mark.parametrize(("text", "item", "value"), [
    ("motivation's on the floor tbh", "mood", 1),
    ("energy is like a 3 out of 10 today", "energy", 2),
])
async def test_mood_and_scores_said_in_words_are_stored(coach: CoachService, text: str, item: str, value: int) -> None:
    await say(coach, text)
    row = await _checkin(coach)
    assert row is not None and getattr(row, item) == value


async def test_weather_is_not_an_illness(coach: CoachService) -> None:
    before = await coach.show("ann")
    await say(coach, "what should I wear for runs in the cold?")
    assert await _checkin(coach) is None
    assert sessions(await coach.show("ann")) == sessions(before)
