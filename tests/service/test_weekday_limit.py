"""A time limit on a weekday from now on, said in plain words (issue 10; blind set Q's "From now on
Thursday runs can't go past 50 min" had turned Thursday into a day off for good), read from the
store after the message: the profile keeps the limit, every coming session on that weekday fits it,
the training days stay, the reason is kept; a one-off or a stretch keeps no standing limit; a limit
no longer needed is lifted."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from coach.store.db import Database
from tests.service.test_asking import say, sessions
from tests.service.test_requests_set_k import _coach

WEDNESDAY = dt.date(2027, 1, 20)  # the runner of tests.service.test_asking: Tue/Thu/Sat/Sun (Sat easy, Sun long)


def _caps(doc: dict[str, Any]) -> dict[str, int]:
    return dict(doc["profile"]["availability"].get("max_minutes") or {})


def _on_weekday(doc: dict[str, Any], weekday: int, since: dt.date) -> dict[str, int]:
    return {day: sum(m for t, m in rows if t != "race") for day, rows in sessions(doc).items()
            if dt.date.fromisoformat(day) >= since and dt.date.fromisoformat(day).weekday() == weekday}


@pytest.mark.parametrize("text", [
    "From now on Thursday runs can't go past 50 min — hard stop for school pickup. So this week's 65 needs trimming too.",
    "thursdays 50 min max going forward please",
    "I only ever have 50 minutes on Thursdays now, school pickup",
])
async def test_a_standing_thursday_limit_holds_on_every_coming_thursday(db: Database, text: str) -> None:
    coach = await _coach(db, WEDNESDAY)
    before = await coach.show("ann")
    assert max(_on_weekday(before, 3, WEDNESDAY).values()) > 50
    await say(coach, text)
    after = await coach.show("ann")
    thursdays = _on_weekday(after, 3, WEDNESDAY)
    assert thursdays and all(0 < m <= 50 for m in thursdays.values())  # shortened, never dropped
    assert _caps(after).get("thu") == 50
    assert after["profile"]["availability"]["days"] == before["profile"]["availability"]["days"]  # Thursday still trains
    assert _on_weekday(after, 5, WEDNESDAY) == _on_weekday(before, 5, WEDNESDAY)  # Saturdays untouched
    assert len(after["notes"]) == len(before["notes"]) + 1  # the reason is kept once


async def test_weekdays_from_now_on_limit_every_weekday_session(db: Database) -> None:
    coach = await _coach(db, WEDNESDAY)
    await say(coach, "weekdays I can only do 30 min from now on, new job")
    after = await coach.show("ann")
    assert {d: _caps(after).get(d) for d in ("mon", "tue", "wed", "thu", "fri")} == dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), 30)
    assert all(m <= 30 for w in (1, 3) for m in _on_weekday(after, w, WEDNESDAY).values())
    assert max(_on_weekday(after, 6, WEDNESDAY).values()) > 30  # the weekend's long run stays long


@pytest.mark.parametrize(("today", "text"), [
    (dt.date(2027, 1, 14), "Thursdays are normally fine for me but today I've got 25 minutes, max"),
    (WEDNESDAY, "this Saturday I've only got 40 min"),
    (WEDNESDAY, "my Thursday runs need to be short for the next few weeks, 40 min max"),
    (WEDNESDAY, "Thursday the 28th I only have 30 min"),
])
async def test_a_one_off_or_a_stretch_keeps_no_standing_limit(db: Database, today: dt.date, text: str) -> None:
    coach = await _coach(db, today)
    before = await coach.show("ann")
    await say(coach, text)
    after = await coach.show("ann")
    assert _caps(after) == _caps(before)
    assert sessions(after) != sessions(before)  # the day or days said are limited all the same


async def test_a_limit_no_longer_needed_is_lifted(db: Database) -> None:
    coach = await _coach(db, WEDNESDAY)
    await say(coach, "from now on thursdays 40 min max")
    assert _caps(await coach.show("ann")).get("thu") == 40
    replies = await say(coach, "I can do longer Thursdays again")
    after = await coach.show("ann")
    assert "thu" not in _caps(after)
    assert "No time limit on Thursdays any more" in replies[0].text
    later = WEDNESDAY + dt.timedelta(days=28)
    assert max(_on_weekday(after, 3, later).values()) > 40  # the later weeks are rebuilt without it
