"""Requests blind set AG showed were missed as frozen (issue 10), read from the store after the
message: a workout told beside a hotel, time that frees up, gastroenteritis, weekdays gone "not
possible any more", the move of the clause that asks it, two days moved to two others in order, a
move said with "it", limits said "only got an hour tomorrow", "just be an easy 30", "cutting it to",
"sat arvo", two bare days of the month, "the next two Thursdays", "no run sunday" told on Monday, a
knee "cooked", a question with its context, zones, "did today's 55", a ride "after the run", and
the questions a good coach asks back (when, which session, how many fewer)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from coach.store.db import Database
from tests.service.test_asking import say, sessions
from tests.service.test_requests_set_k import _coach, _statuses
from tests.service.test_requests_set_xyz import _trained

# The runner of tests.service.test_asking: Tue/Thu/Sat/Sun (Sat easy, Sun long), plan from Tue 8 Dec 2026.


def _new(before: dict[str, Any], after: dict[str, Any], key: str) -> list[dict[str, Any]]:
    return after[key][len(before[key]):] if len(after[key]) >= len(before[key]) else after[key]


def _minutes(doc: dict[str, Any], day: str) -> int:
    return sum(m for _, m in sessions(doc).get(day, []))


async def test_a_workout_told_beside_a_hotel_is_logged_and_the_plan_stays(db: Database) -> None:
    coach = await _coach(db, dt.date(2026, 12, 16))
    before = await coach.show("ann")
    await say(coach, "hotel pool swim this morning, 2 km in 48 min")
    after = await coach.show("ann")
    swims = [a for a in after["activities"] if a["sport"] == "swim"]
    assert len(swims) == 1 and abs(swims[0]["distance_km"] - 2.0) < 0.01 and swims[0]["elapsed_s"] == 48 * 60
    assert sessions(after) == sessions(before)


@pytest.mark.parametrize("text", [
    "The school holidays start on 21 December until 7 January, so I will have more time.",
    "Heads up, I'm moving to a new ward in Feb, mostly day shifts, which should make training way easier",
    "Rotation is 2 weeks at sea, 2 weeks home. Only a rowing machine on board.",
])
async def test_time_that_frees_up_or_a_pattern_of_life_is_kept_and_takes_no_day(db: Database, text: str) -> None:
    coach = await _coach(db, dt.date(2026, 12, 19))
    before = await coach.show("ann")
    await say(coach, text)
    after = await coach.show("ann")
    assert sessions(after) == sessions(before)
    assert len(after["notes"]) == len(before["notes"]) + 1


async def test_gastroenteritis_is_an_illness_today(db: Database) -> None:
    coach = await _coach(db, dt.date(2026, 12, 10))  # a Thursday: a run is planned
    before = await coach.show("ann")
    assert _trained(before, ["2026-12-10"]) == ["2026-12-10"]
    await say(coach, "I have gastroenteritis, I cannot run today and maybe not Saturday either.")
    after = await coach.show("ann")
    assert _trained(after, ["2026-12-10"]) == []
    assert [c for c in after["checkins"] if c["date"] == "2026-12-10"]


@pytest.mark.parametrize(("text", "gone"), [
    ("From now Tuesday is not possible anymore, I have a fixed late shift every Tuesday.", "tue"),
    ("lambing's started early this yr, sundays are gone for me now, its all feeding and checking ewes", "sun"),
    ("Saturday for me is not possible any more, I take care of my grandson every Saturday now.", "sat"),
])
async def test_a_weekday_not_possible_any_more_leaves_the_week(db: Database, text: str, gone: str) -> None:
    coach = await _coach(db, dt.date(2026, 12, 15))
    await say(coach, text)
    days = (await coach.show("ann"))["profile"]["availability"]["days"]
    assert gone not in days and len(days) == 3


async def test_the_move_is_the_clause_that_asks_it(db: Database) -> None:
    coach = await _coach(db)  # Tue 8 Dec
    await say(coach, "I slept only 5 hours. Please cancel today's run, and could Thursday's run be moved to Friday? "
                     "I have a client dinner on Thursday.")
    after = await coach.show("ann")
    assert _trained(after, ["2026-12-08", "2026-12-10", "2026-12-11"]) == ["2026-12-11"]


async def test_two_days_moved_to_two_others_in_order(db: Database) -> None:
    coach = await _coach(db, dt.date(2027, 1, 4))
    before = await coach.show("ann")
    await say(coach, "I have to be in court all day on Tuesday and Thursday this week. Kindly move those runs to Wednesday and Friday.")
    after = await coach.show("ann")
    assert _trained(after, ["2027-01-05", "2027-01-07"]) == []
    assert _minutes(after, "2027-01-06") == _minutes(before, "2027-01-05")
    assert _minutes(after, "2027-01-08") == _minutes(before, "2027-01-07")


async def test_a_workout_and_a_move_said_with_it(db: Database) -> None:
    coach = await _coach(db, dt.date(2027, 1, 28))  # a Thursday
    await say(coach, "done today's run seven K in forty four minutes also Saturday I'm driving the whole day can we put it to Friday")
    after = await coach.show("ann")
    assert [a for a in after["activities"] if a["sport"] == "run" and abs(a["distance_km"] - 7) < 0.01]
    assert _trained(after, ["2027-01-29", "2027-01-30"]) == ["2027-01-29"]


async def test_missed_is_the_day_named_and_the_move_is_made(db: Database) -> None:
    coach = await _coach(db, dt.date(2026, 12, 12))  # a Saturday
    await say(coach, "no run thurs, missed it. doing todays now. sundays market day so want to do sunday's run monday")
    after = await coach.show("ann")
    assert _statuses(after, "2026-12-10") == ["missed"] and _statuses(after, "2026-12-12") == ["planned"]
    assert _trained(after, ["2026-12-13", "2026-12-14"]) == ["2026-12-14"]


@pytest.mark.parametrize(("today", "text", "day", "minutes"), [
    (dt.date(2026, 12, 12), "only got 30 mins tomorrow mate, work's flat out before the shutdown", "2026-12-13", 30),
    (dt.date(2026, 12, 15), "Feeling properly run down and sniffly, slept badly. Can today just be an easy 30 min jog?", "2026-12-15", 30),
    (dt.date(2026, 12, 16), "heatwave forecast for sat arvo. I'll head off at 6am but I'm cutting it to 20 min", "2026-12-19", 20),
])
async def test_a_limit_said_plainly(db: Database, today: dt.date, text: str, day: str, minutes: int) -> None:
    coach = await _coach(db, today)
    assert _minutes(await coach.show("ann"), day) > minutes
    await say(coach, text)
    assert 0 < _minutes(await coach.show("ann"), day) <= minutes


@pytest.mark.parametrize(("today", "text", "free", "kept"), [
    (dt.date(2026, 12, 23), "The 26 and 27 I am with my family in Medellín, no running there.", ["2026-12-26", "2026-12-27"], ["2026-12-29"]),
    (dt.date(2026, 12, 12), "Working the next two Thursdays, 7am till late, so those runs aren't happening",
     ["2026-12-17", "2026-12-24"], ["2026-12-15", "2026-12-19"]),
    (dt.date(2026, 12, 31), "Saturday and Sunday I cannot run, I visit my parents in Lyon.", ["2027-01-02", "2027-01-03"], ["2027-01-05"]),
])
async def test_days_named_plainly_are_freed(db: Database, today: dt.date, text: str, free: list[str], kept: list[str]) -> None:
    coach = await _coach(db, today)
    await say(coach, text)
    after = await coach.show("ann")
    assert _trained(after, free) == [] and _trained(after, kept) == kept


async def test_no_run_sunday_told_on_monday_is_missed(db: Database) -> None:
    coach = await _coach(db, dt.date(2026, 12, 14))
    await say(coach, "no run sunday, cow was calving")
    assert _statuses(await coach.show("ann"), "2026-12-13") == ["missed"]


async def test_a_knee_cooked_is_an_injury(db: Database) -> None:
    coach = await _coach(db, dt.date(2027, 1, 25))
    await say(coach, "outside of my right knee is cooked again, ITB I reckon 😩")
    assert any("knee" in str(x.get("body_part")) for x in (await coach.show("ann"))["limitations"])


async def test_a_question_with_its_context_is_answered_and_nothing_kept(db: Database) -> None:
    coach = await _coach(db, dt.date(2026, 12, 30))
    before = await coach.show("ann")
    replies = await say(coach, "Is tomorrow's run still 35 minutes? We've got a NYE party so I want to get it done early in the morning.")
    after = await coach.show("ann")
    assert sessions(after) == sessions(before) and len(after["notes"]) == len(before["notes"])
    assert f"{_minutes(before, '2026-12-31')} min" in replies[0].text


async def test_the_zone_of_an_easy_run_is_said(db: Database) -> None:
    coach = await _coach(db)
    replies = await say(coach, "what zone is easy meant to be on the watch")
    assert "Z2" in replies[0].text


@pytest.mark.parametrize(("text", "sport", "minutes"), [
    ("Weekend recap: missed yesterday's long one (work callout), did today's 55 on the treadmill, 9 km.", "run", 55),
    ("Yesterday I did also 40 minutes bike in the gym, after the run.", "ride", 40),
])
async def test_workouts_told_in_passing_are_logged_as_said(db: Database, text: str, sport: str, minutes: int) -> None:
    coach = await _coach(db, dt.date(2026, 12, 14))
    before = await coach.show("ann")
    await say(coach, text)
    new = _new(before, await coach.show("ann"), "activities")
    assert [(a["sport"], a["elapsed_s"]) for a in new] == [(sport, minutes * 60)]


@pytest.mark.parametrize(("today", "text"), [
    (dt.date(2026, 12, 21), "I will be travelling at some point after Christmas. Please adjust the plan accordingly."),
    (dt.date(2026, 12, 23), "They're sending me offshore for two weeks in January, please sort the plan out for that"),
    (dt.date(2027, 1, 13), "might do the long one saturday this week, or maybe monday, depends on the weather i guess"),
    (dt.date(2026, 12, 14), "This week is going to be absolutely bananas. Twins' nativity, work deadline, in-laws arriving Friday. "
                            "Something has to give but honestly I don't know what, what do you think I should drop?"),
    (dt.date(2026, 12, 11), "can I do it tomorrow instead"),
    (dt.date(2026, 12, 27), "From January I would prefer fewer sessions per week."),
])
async def test_what_a_good_coach_asks_back_changes_nothing_yet(db: Database, today: dt.date, text: str) -> None:
    coach = await _coach(db, today)
    before = await coach.show("ann")
    replies = await say(coach, text)
    after = await coach.show("ann")
    assert sessions(after) == sessions(before) and after["profile"] == before["profile"]
    assert "?" in " ".join(r.text for r in replies)


async def test_two_days_made_easier_once_each(db: Database) -> None:
    coach = await _coach(db, dt.date(2027, 1, 12))
    before = await coach.show("ann")
    await say(coach, "I am very tired this week, stress at the pharmacy and I sleep bad. Can we make Thursday and Saturday more easy?")
    after = await coach.show("ann")
    for day in ("2027-01-14", "2027-01-16"):
        assert 0.5 * _minutes(before, day) <= _minutes(after, day) < _minutes(before, day)  # eased once, not twice
