"""Requests blind sets S, T, U and V showed were missed as frozen (issue 10), read from the store
after the message: a request after an injury or illness report (after a dash, an emoji, or with no
punctuation at all), the state a report implies stored as today's check-in, someone else's illness
left alone, weekdays gone for good said as "Thursdays no longer work", days missed said as "didn't
get it done" or "no runs tue or thu this week", facts said in passing kept as notes, moves said as
"the day before", "rather X than Y" or naming the free day first, a limit said as "only got 45
minutes available tonight", "the rest of the week" off when ill, a holiday booking that is no new
goal, and questions about the first harder session or a session's minutes answered from the plan."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from coach.store.db import Database
from tests.service.test_asking import TUESDAY, say, sessions
from tests.service.test_requests_set_k import _coach, _minutes, _statuses

FRIDAY = dt.date(2026, 12, 11)
EASY_TYPES = {"easy", "long", "recovery", "race", "strength"}


def sessions_on(doc: dict[str, Any], day: str) -> list[tuple[str, int]]:
    return sessions(doc).get(day, [])


def _today_checkin(doc: dict[str, Any], day: dt.date) -> dict[str, Any] | None:
    return next((c for c in doc["checkins"] if c["date"] == day.isoformat()), None)


def _text(replies: list[Any]) -> str:
    return "\n".join(r.text for r in replies)


@pytest.mark.parametrize("text", [
    "Slept 5 hrs and my lower back is stiff — skip today's run",
    "lower back is killing me 😖 not running today",
    "crashed on the ice, grazed + sore left hip, not running today",
])
async def test_a_request_after_an_injury_report_is_acted_on(db: Database, text: str) -> None:
    coach = await _coach(db)
    assert _minutes(await coach.show("ann"), TUESDAY.isoformat()) > 0
    await say(coach, text)
    after = await coach.show("ann")
    assert _minutes(after, TUESDAY.isoformat()) == 0
    assert after["limitations"], "the pain is recorded too"


async def test_a_request_without_punctuation_after_an_injury_is_acted_on(db: Database) -> None:
    coach = await _coach(db)
    await say(coach, "rolled my ankle walking the dog it's swollen up can we hold off on running Thursday")
    after = await coach.show("ann")
    assert _minutes(after, "2026-12-10") == 0
    assert [lim["body_part"] for lim in after["limitations"]] == ["ankle"]


async def test_a_second_clause_without_a_day_is_about_the_day_the_message_names(db: Database) -> None:
    coach = await _coach(db)
    before = await coach.show("ann")
    await say(coach, "My neck is sore this morning. Should I still run today? Maybe go shorter?")
    after = await coach.show("ann")
    assert 0 < _minutes(after, TUESDAY.isoformat()) < _minutes(before, TUESDAY.isoformat())


async def test_illness_said_with_a_request_is_todays_check_in(db: Database) -> None:
    coach = await _coach(db)
    await say(coach, "Bit of a head cold today. Can we make the run easier and a bit shorter?")
    checkin = _today_checkin(await coach.show("ann"), TUESDAY)
    assert checkin is not None and checkin["ill"] is True


async def test_fatigue_said_in_typos_is_todays_check_in(db: Database) -> None:
    coach = await _coach(db)
    await say(coach, "stresed at work, legs hevy")
    checkin = _today_checkin(await coach.show("ann"), TUESDAY)
    assert checkin is not None and checkin["energy"] is not None and checkin["energy"] <= 3


async def test_someone_elses_illness_is_no_illness_of_the_athlete(db: Database) -> None:
    coach = await _coach(db, FRIDAY)
    await say(coach, "Didn't get either run done this week, Tuesday or Thursday — sick kid.")
    after = await coach.show("ann")
    assert _statuses(after, "2026-12-08") == ["missed"] and _statuses(after, "2026-12-10") == ["missed"]
    assert after["limitations"] == [] and _today_checkin(after, FRIDAY) is None
    assert after["activities"] == []


@pytest.mark.parametrize(("text", "gone"), [
    ("Thursdays no longer work for me - I'm starting a new job with late finishes every Thursday.", "thu"),
    ("footy season's starting so from now on no running saturdays", "sat"),
    ("Coach, Saturday is my only day to sleep long. From now, I want no run on Saturday. Please.", "sat"),
])
async def test_a_weekday_gone_for_good_leaves_the_week(db: Database, text: str, gone: str) -> None:
    coach = await _coach(db)
    await say(coach, text)
    days = (await coach.show("ann"))["profile"]["availability"]["days"]
    assert gone not in days and len(days) == 3


@pytest.mark.parametrize(("text", "day"), [
    ("I didn't get Thursday's easy run done", "2026-12-10"),
    ("totally forgot about thursday lol", "2026-12-10"),
    ("tuesday was a no go, snow everywere", "2026-12-08"),
])
async def test_a_session_not_done_is_missed_never_logged(db: Database, text: str, day: str) -> None:
    coach = await _coach(db, FRIDAY)
    await say(coach, text)
    after = await coach.show("ann")
    assert _statuses(after, day) == ["missed"]
    assert after["activities"] == []


async def test_days_of_this_week_gone_are_missed_not_days_away(db: Database) -> None:
    coach = await _coach(db, FRIDAY)
    before = await coach.show("ann")
    await say(coach, "no runs tue or thu this week. work is brutal")
    after = await coach.show("ann")
    assert _statuses(after, "2026-12-08") == ["missed"] and _statuses(after, "2026-12-10") == ["missed"]
    assert _minutes(after, "2026-12-12") == _minutes(before, "2026-12-12") > 0  # the weekend still trains


@pytest.mark.parametrize("text", [
    "got zwift for xmas",
    "my lthr is 168 btw",
    "dont like running in the rain, ill go on the treadmill if wet",
    "Changed jobs, working from home now.",
    "Did a max HR test last week, topped out at 184.",
])
async def test_a_fact_said_in_passing_is_kept(db: Database, text: str) -> None:
    coach = await _coach(db, FRIDAY)
    before = await coach.show("ann")
    await say(coach, text)
    after = await coach.show("ann")
    assert len(after["notes"]) == len(before["notes"]) + 1
    assert after["limitations"] == [] and after["activities"] == []
    assert after["plan"] == before["plan"]


@pytest.mark.parametrize(("today", "text", "moved_from", "moved_to"), [
    # of two days named, the one with a session is the one that moves
    (TUESDAY, "Can this weekend's long run be Monday instead (the 14th)? Sunday's taken up with a gymnastics competition.",
     "2026-12-13", "2026-12-14"),
    (dt.date(2026, 12, 28), "NYE run — can I do it the day before instead?", "2026-12-31", "2026-12-30"),
    (TUESDAY, "hey coach I'd rather run Friday than Thursday this week if that's OK the kids swimming lessons have moved to Thursday nights",
     "2026-12-10", "2026-12-11"),
])
async def test_a_move_said_in_other_words_moves_that_session(
    db: Database, today: dt.date, text: str, moved_from: str, moved_to: str,
) -> None:
    coach = await _coach(db, today)
    before = await coach.show("ann")
    await say(coach, text)
    after = await coach.show("ann")
    assert _minutes(after, moved_from) == 0
    assert _minutes(after, moved_to) == _minutes(before, moved_from) > 0


async def test_a_shorter_session_asked_for_is_eased_not_reported_done(db: Database) -> None:
    sunday = dt.date(2026, 12, 13)
    coach = await _coach(db, sunday)
    before = await coach.show("ann")
    await say(coach, "make todays long run a bit shorter, meeting mates at 12")
    after = await coach.show("ann")
    assert 0 < _minutes(after, sunday.isoformat()) < _minutes(before, sunday.isoformat())
    assert _statuses(after, sunday.isoformat()) == ["planned"]


async def test_time_available_tonight_is_a_limit_not_a_partial_session(db: Database) -> None:
    coach = await _coach(db)
    await say(coach, "I've only got 45 minutes available tonight before the kids' bedtime.")
    after = await coach.show("ann")
    assert 0 < _minutes(after, TUESDAY.isoformat()) <= 45
    assert _statuses(after, TUESDAY.isoformat()) == ["planned"]


async def test_ill_for_the_rest_of_the_week_clears_it_to_sunday(db: Database) -> None:
    coach = await _coach(db)
    await say(coach, "Covid positive 😷 out for the rest of the week")
    after = await coach.show("ann")
    assert all(_minutes(after, day) == 0 for day in ("2026-12-08", "2026-12-10", "2026-12-12", "2026-12-13"))


async def test_a_holiday_booked_is_days_away_not_a_new_goal(db: Database) -> None:
    coach = await _coach(db, dt.date(2026, 12, 16))
    before = await coach.show("ann")
    await say(coach, "We've just booked a last-minute cottage in Norfolk from the 27th of December to the 2nd of January, "
                     "so I won't be running at all that week.")
    after = await coach.show("ann")
    assert after["profile"]["goal"] == before["profile"]["goal"]
    assert all(_minutes(after, day) == 0 for day in ("2026-12-27", "2026-12-29", "2026-12-31", "2027-01-02"))


async def test_the_first_harder_session_is_answered_from_the_plan(db: Database) -> None:
    coach = await _coach(db)
    before = await coach.show("ann")
    replies = await say(coach, "When do the faster sessions start? Getting bored of all this easy stuff.")
    after = await coach.show("ann")
    assert after["plan"] == before["plan"] and after["notes"] == before["notes"]
    first = min(
        (dt.date.fromisoformat(s["date"]) for w in before["plan"]["weeks"] for s in w["sessions"]
         if s["type"] not in EASY_TYPES | {"commitment"} and s["date"] >= TUESDAY.isoformat()),
    )
    assert f"{first:%d %b}" in _text(replies)


async def test_minutes_asked_for_are_given_as_minutes(db: Database) -> None:
    coach = await _coach(db, dt.date(2026, 12, 12))  # Saturday: tomorrow is the long run
    minutes = _minutes(await coach.show("ann"), "2026-12-13")
    assert minutes >= 60
    replies = await say(coach, "how many mins tmrw")
    assert f"{minutes} min" in _text(replies)


async def test_the_swap_is_of_the_days_its_clause_names(db: Database) -> None:
    monday = dt.date(2026, 12, 14)
    coach = await _coach(db, monday)
    before = await coach.show("ann")
    await say(coach, "Swap Sat and Sun this week, and I've only got an hour tomorrow.")
    after = await coach.show("ann")
    long_before = [t for t, _ in sessions_on(before, "2026-12-20")]
    assert [t for t, _ in sessions_on(after, "2026-12-19")] == long_before == ["long"]
    assert 0 < _minutes(after, "2026-12-15") <= 60


@pytest.mark.parametrize(("text", "day"), [
    ("Saturday is not possible, I have an event with my work. Sunday is normal.", "2026-12-12"),
    ("Take Thursday out this week, I've got a ton going on.", "2026-12-10"),
])
async def test_a_day_called_off_in_other_words_is_free(db: Database, text: str, day: str) -> None:
    coach = await _coach(db)
    before = await coach.show("ann")
    await say(coach, text)
    after = await coach.show("ann")
    assert _minutes(before, day) > 0 and _minutes(after, day) == 0
    assert _minutes(after, "2026-12-13") > 0


async def test_a_day_missed_and_a_day_ahead_with_little_time(db: Database) -> None:
    coach = await _coach(db, dt.date(2026, 12, 11))  # a Friday
    await say(coach, "Coach, yesterday I missed the run. And Saturday I have only 30 minutes, not more.")
    after = await coach.show("ann")
    assert _statuses(after, "2026-12-10") == ["missed"] and _statuses(after, "2026-12-12") == ["planned"]
    assert 0 < _minutes(after, "2026-12-12") <= 30


async def test_the_day_a_skip_names_is_the_one_skipped(db: Database) -> None:
    saturday = dt.date(2026, 12, 12)
    coach = await _coach(db, saturday)
    before = await coach.show("ann")
    await say(coach, "long haul flight last night, jet lagged, maybe 3h sleep. skip today, I'll be right for tomorrow's long run")
    after = await coach.show("ann")
    assert _minutes(after, "2026-12-12") == 0
    assert _minutes(after, "2026-12-13") == _minutes(before, "2026-12-13") > 0


async def test_the_week_coming_said_at_the_weekend_is_the_next_one(db: Database) -> None:
    coach = await _coach(db, dt.date(2026, 12, 13))  # a Sunday
    doc = await coach.show("ann")
    week = next(w for w in doc["plan"]["weeks"] if w["sessions"] and w["sessions"][0]["date"] >= "2026-12-14")
    km = sum(s.get("distance_km") or 0 for s in week["sessions"] if s["type"] != "commitment")
    replies = await say(coach, "what's the total distance for the week coming, in km?")
    assert f"{km:.1f} km" in _text(replies)


async def test_days_named_before_the_away_words_are_away_too(db: Database) -> None:
    coach = await _coach(db)
    await say(coach, "The 10th and the 12th I'm out, moving house.")
    after = await coach.show("ann")
    assert _minutes(after, "2026-12-10") == 0 and _minutes(after, "2026-12-12") == 0


async def test_a_typed_body_part_and_a_pop_are_an_injury(db: Database) -> None:
    coach = await _coach(db)
    await say(coach, "left kneee sore after todays run")
    assert [lim["body_part"] for lim in (await coach.show("ann"))["limitations"]] == ["knee"]


async def test_a_run_told_in_numbers_alone_is_logged(db: Database) -> None:
    coach = await _coach(db, dt.date(2026, 12, 29))
    await say(coach, "6.2 / 39:10")
    (activity,) = (await coach.show("ann"))["activities"]
    assert activity["sport"] == "run" and activity["distance_km"] == pytest.approx(6.2)
