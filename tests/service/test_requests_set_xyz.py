"""Requests blind sets X, Y and Z showed were missed as frozen (issue 10), read from the store after
the message: a trip told as its way out and its way back ("flying the 29th, back the 4th"), a range
that runs into the next month ("from the 22nd until New Year's Day"), weekdays inside the weekend or
week a message names, days away said after a move or in the sentence after their dates, sessions
called off as "remove", "delete it" or "get rid of", a time limit for every session of a span ("keep
those ones to 30 min", "max 30 min runs that week"), weekdays written "sat"/"sun" beside a limit,
number words ("forty one minutes"), "hour on the treadmill", a skip said beside a move, a knee "being
weird", and lifts after a sentence and a colon. And what a good coach asks back about: "I'm off on the
3rd" (off work, or no training?), "this weekend or the next one", "a few days next month", "I need to
reduce my training"."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from coach.store.db import Database
from tests.service.test_asking import TUESDAY, button, say, sessions, tap
from tests.service.test_requests_set_k import _coach, _minutes, _statuses

# The runner of tests.service.test_asking: Tue/Thu/Sat/Sun, long run Sunday, plan from Tue 8 Dec 2026.


def _days(first: str, last: str) -> list[str]:
    start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    return [(start + dt.timedelta(days=n)).isoformat() for n in range((end - start).days + 1)]


def _trained(doc: dict[str, Any], days: list[str]) -> list[str]:
    return [d for d in days if _minutes(doc, d) > 0]


@pytest.mark.parametrize(("today", "text", "first", "last"), [
    (dt.date(2026, 12, 22), "so my parents want me in istanbul for new year, flying the 29th, back the 4th. cant run there realy.",
     "2026-12-29", "2027-01-04"),
    (TUESDAY, "We will spend Christmas at our cabin, from the 22nd until New Year's Day; we drive home on the 1st. No running there.",
     "2026-12-22", "2027-01-01"),
    (TUESDAY, "I will be on a business trip: departure 2026-12-28, return 2027-01-06. No running possible.", "2026-12-28", "2027-01-06"),
    (dt.date(2026, 12, 20), "Oi coach, off to Byron with the girls from boxing day, back the 30th, just clear them days yeah?",
     "2026-12-26", "2026-12-30"),
    (dt.date(2026, 12, 23), "headin home to me nans in kerry from stephens day till the 29th, no runnin there sorry", "2026-12-26", "2026-12-29"),
])
async def test_a_trip_told_by_its_way_out_and_back_is_days_away(
    db: Database, today: dt.date, text: str, first: str, last: str
) -> None:
    coach = await _coach(db, today)
    before = await coach.show("ann")
    assert _trained(before, _days(first, last))
    await say(coach, text)
    after = await coach.show("ann")
    assert _trained(after, _days(first, last)) == []
    week_after = _days((dt.date.fromisoformat(last) + dt.timedelta(days=1)).isoformat(),
                       (dt.date.fromisoformat(last) + dt.timedelta(days=3)).isoformat())
    assert [_minutes(after, d) for d in week_after] == [_minutes(before, d) for d in week_after]  # the way back trains


async def test_weekdays_said_after_a_named_weekend_are_that_weekends(db: Database) -> None:
    coach = await _coach(db)  # Tuesday 8 Dec
    await say(coach, "sales at the mart all next weekend. no runs sat or sun")
    after = await coach.show("ann")
    assert _minutes(after, "2026-12-19") == 0 and _minutes(after, "2026-12-20") == 0
    assert _minutes(after, "2026-12-12") > 0 and _minutes(after, "2026-12-13") > 0


async def test_weekdays_of_the_week_after_next_are_that_weeks(db: Database) -> None:
    coach = await _coach(db)
    await say(coach, "I am going to Krakow for work the week after next Monday to Friday so the Tuesday and the Thursday "
                     "run I cannot do it but the weekend I am back home and I can run normal")
    after = await coach.show("ann")
    assert _trained(after, _days("2026-12-21", "2026-12-25")) == []
    assert _minutes(after, "2026-12-15") > 0 and _minutes(after, "2026-12-26") > 0 and _minutes(after, "2026-12-27") > 0


async def test_days_away_said_after_a_move_are_freed_too(db: Database) -> None:
    coach = await _coach(db)
    before = await coach.show("ann")
    await say(coach, "Three things. 1) Slept 6h, post-call. 2) Move Thursday to Friday. 3) I'm off 24th-28th Dec, no running.")
    after = await coach.show("ann")
    assert _minutes(after, "2026-12-10") == 0 and _minutes(after, "2026-12-11") == _minutes(before, "2026-12-10")
    assert _trained(after, _days("2026-12-24", "2026-12-28")) == []


@pytest.mark.parametrize("text", [
    "Thursday run, remove.",
    "thursday I cannot, delete it",
    "can you get rid of Thursday's run I've got the dentist",
    "kill thursday's run, family stuff all day",
])
async def test_a_session_called_off_in_other_words_is_removed(db: Database, text: str) -> None:
    coach = await _coach(db)
    await say(coach, text)
    after = await coach.show("ann")
    assert _minutes(after, "2026-12-10") == 0
    assert _minutes(after, "2026-12-12") > 0  # the rest of the week stays


async def test_a_limit_for_those_sessions_covers_the_span_the_clause_before_named(db: Database) -> None:
    coach = await _coach(db)
    await say(coach, "mum's coming to stay from the 14th to the 18th, I'll still run but can we keep those ones to 30 min? cheers")
    after = await coach.show("ann")
    assert [_minutes(after, d) for d in ("2026-12-15", "2026-12-17")] == [30, 30]
    assert _minutes(after, "2026-12-19") > 30


async def test_a_limit_for_the_runs_of_a_week_named_by_a_day_in_it(db: Database) -> None:
    coach = await _coach(db)
    await say(coach, "finals are the week of the 14th so i gotta cut back, can we do like max 30 min runs that week")
    after = await coach.show("ann")
    assert all(0 < _minutes(after, d) <= 30 for d in ("2026-12-15", "2026-12-17", "2026-12-19", "2026-12-20"))
    assert _minutes(after, "2026-12-10") > 30  # this week stays as built


@pytest.mark.parametrize(("text", "day", "limit"), [
    ("only 45 min sun", "2026-12-13", 45),
    ("can sat be 30 mins max, got a party", "2026-12-12", 30),
])
async def test_a_limit_on_a_weekday_written_short(db: Database, text: str, day: str, limit: int) -> None:
    coach = await _coach(db)
    before = await coach.show("ann")
    await say(coach, text)
    after = await coach.show("ann")
    assert 0 < _minutes(after, day) <= limit < _minutes(before, day)
    assert _minutes(after, TUESDAY.isoformat()) == _minutes(before, TUESDAY.isoformat())  # not today's


@pytest.mark.parametrize(("text", "distance_km", "minutes"), [
    ("just finished seven k in forty one minutes", 7.0, 41),
    ("hour on the treadmill done, sweated buckets", None, 60),
])
async def test_numbers_said_in_words_are_logged(db: Database, text: str, distance_km: float | None, minutes: int) -> None:
    coach = await _coach(db, dt.date(2026, 12, 10))
    await say(coach, text)
    (activity,) = (await coach.show("ann"))["activities"]
    assert activity["sport"] == "run" and (activity["moving_s"] or activity["elapsed_s"]) == pytest.approx(minutes * 60)
    assert activity["distance_km"] == (None if distance_km is None else pytest.approx(distance_km))


async def test_a_skip_and_a_move_in_one_message_are_both_made(db: Database) -> None:
    coach = await _coach(db)
    before = await coach.show("ann")
    await say(coach, "skip today, and move thursday's to friday, crazy week")
    after = await coach.show("ann")
    assert _minutes(after, TUESDAY.isoformat()) == 0
    assert _minutes(after, "2026-12-10") == 0 and _minutes(after, "2026-12-11") == _minutes(before, "2026-12-10")


async def test_a_skip_told_with_the_day_it_moves_to_is_a_move(db: Database) -> None:
    coach = await _coach(db)
    before = await coach.show("ann")
    await say(coach, "Rough night, maybe 5 hours. I'll skip today's run and do it Wednesday instead.")
    after = await coach.show("ann")
    assert _minutes(after, TUESDAY.isoformat()) == 0
    assert _minutes(after, "2026-12-09") == _minutes(before, TUESDAY.isoformat())  # moved, not also skipped


async def test_a_knee_being_weird_is_recorded_with_the_skip(db: Database) -> None:
    coach = await _coach(db)
    await say(coach, "my knee is being weird again 😭 can we skip today")
    after = await coach.show("ann")
    assert _minutes(after, TUESDAY.isoformat()) == 0
    assert [lim["body_part"] for lim in after["limitations"]] == ["knee"]


async def test_lifts_after_a_sentence_and_a_colon_are_logged(db: Database) -> None:
    coach = await _coach(db)
    await say(coach, "did legs at the gym today: 4x8 squats at 50kg, 3x10 walking lunges, 3x12 calf raises")
    activities = (await coach.show("ann"))["activities"]
    assert activities and {a["sport"] for a in activities} == {"strength"}


async def test_a_week_away_said_with_its_days_changes_only_those(db: Database) -> None:
    coach = await _coach(db)
    before = sessions(await coach.show("ann"))
    await say(coach, "away 28 29 30 dec")
    after = await coach.show("ann")
    assert _trained(after, _days("2026-12-28", "2026-12-30")) == []
    assert sessions(after)["2026-12-31"] == before["2026-12-31"]


async def test_off_on_a_day_asks_whether_it_is_off_work_or_off_training(db: Database) -> None:
    coach = await _coach(db, dt.date(2026, 12, 20))
    before = sessions(await coach.show("ann"))
    replies = await say(coach, "im off on the 3rd")
    assert "?" in replies[0].text and sessions(await coach.show("ann")) == before
    await tap(coach, button(replies, "Off work"))
    assert sessions(await coach.show("ann")) == before
    replies = await say(coach, "coach I will be off the 3rd")
    await tap(coach, button(replies, "No training"))
    assert _minutes(await coach.show("ann"), "2027-01-03") == 0


@pytest.mark.parametrize("text", [
    "My husband surprise me with a trip!! We go away this weekend or the next one, he doesn't tell me which",
    "traveling for work next month, few days. ugh",
    "Coach, I need to reduce my training.",
])
async def test_what_a_coach_would_ask_about_changes_nothing_yet(db: Database, text: str) -> None:
    coach = await _coach(db, dt.date(2026, 12, 9))
    before = sessions(await coach.show("ann"))
    replies = await say(coach, text)
    assert "?" in replies[0].text
    assert sessions(await coach.show("ann")) == before


async def test_a_session_that_ended_short_is_partial(db: Database) -> None:
    coach = await _coach(db, dt.date(2026, 12, 14))  # Monday; Sunday 13 Dec was the long run
    await say(coach, "Yesterday's long run ended up 30 min, ran out of daylight")
    after = await coach.show("ann")
    assert _statuses(after, "2026-12-13") == ["partial"]
    assert after["activities"] == [] or all(a["sport"] == "run" for a in after["activities"])


@pytest.mark.parametrize("text", ["happy nye coach 🥳🎆 what's on saturday? how long?", "saturday run how long? which pace"])
async def test_a_question_about_a_day_is_answered_with_that_days_session(db: Database, text: str) -> None:
    coach = await _coach(db)
    before = await coach.show("ann")
    replies = await say(coach, text)
    minutes = _minutes(before, "2026-12-12")
    assert f"{minutes} min" in replies[0].text
    assert sessions(await coach.show("ann")) == sessions(before)
