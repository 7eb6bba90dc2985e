"""Requests blind set AA showed were missed as frozen (issue 10), read from the store after the
message: weekdays shortened past doubt ("move thurs to fri"), swaps said as "sat n sun", as two
moves or beside "on Sunday", a conference "from Wednesday 20th to Friday 22nd", a trip "until" its
last day, pain words ("shin splints", "can't even bend over", "at me"), sleep said as "only got 4
hrs, bub was up all night", an easier day asked as "could today be a really easy run", a session
missed as "I was unable to", one "aborted after 60 of 75 minutes", "half of yesterdays run", a
session left out ("I'm going to leave tomorrow's run"), voice-to-text punctuation ("question
mark"), and questions answered, not lectured ("long run today. how far").
"""

from __future__ import annotations

import datetime as dt

import pytest

from coach.store.db import Database
from tests.service.test_asking import say
from tests.service.test_requests_set_k import _coach, _minutes, _statuses
from tests.service.test_requests_set_xyz import _days, _trained

# The runner of tests.service.test_asking: Tue/Thu/Sat/Sun, long run Sunday, plan from Tue 8 Dec 2026,
# half marathon on Sun 28 Mar 2027.


@pytest.mark.parametrize(("today", "text", "source", "target"), [
    (dt.date(2026, 12, 8), "move thurs to fri", "2026-12-10", "2026-12-11"),
    (dt.date(2026, 12, 28), "can u move tues to wed pls", "2026-12-29", "2026-12-30"),
])
async def test_weekdays_shortened_past_doubt_are_read(db: Database, today: dt.date, text: str, source: str, target: str) -> None:
    coach = await _coach(db, today)
    before = await coach.show("ann")
    assert _minutes(before, source) > 0 and _minutes(before, target) == 0
    await say(coach, text)
    after = await coach.show("ann")
    assert _minutes(after, source) == 0 and _minutes(after, target) == _minutes(before, source)


@pytest.mark.parametrize(("today", "text", "first", "second"), [
    (dt.date(2026, 12, 8), "swap sat n sun this week mate, footy break-up do sat arvo", "2026-12-12", "2026-12-13"),
    (dt.date(2027, 1, 7), "sunday long run to saturday. saturday run to sunday.", "2027-01-09", "2027-01-10"),
    (dt.date(2026, 12, 17), "Would you mind very much if we swap this Saturday and Sunday around? We have the grandchildren on "
     "Sunday morning.", "2026-12-19", "2026-12-20"),
])
async def test_swaps_said_every_way_trade_the_two_days(db: Database, today: dt.date, text: str, first: str, second: str) -> None:
    coach = await _coach(db, today)
    before = await coach.show("ann")
    assert _minutes(before, first) != _minutes(before, second)
    await say(coach, text)
    after = await coach.show("ann")
    assert (_minutes(after, first), _minutes(after, second)) == (_minutes(before, second), _minutes(before, first))


@pytest.mark.parametrize(("today", "text", "first", "last"), [
    (dt.date(2027, 1, 18), "I will be at a conference in Manchester from Wednesday 20th to Friday 22nd January. No training "
     "possible on those days.", "2027-01-20", "2027-01-22"),
    (dt.date(2026, 12, 20), "On Christmas eve I travel to Poland to family, until 28 December. No running there.",
     "2026-12-24", "2026-12-28"),
])
async def test_a_span_told_with_weekdays_or_until_is_every_day_of_it(
    db: Database, today: dt.date, text: str, first: str, last: str
) -> None:
    coach = await _coach(db, today)
    before = await coach.show("ann")
    assert _trained(before, _days(first, last))[:1] in (["2027-01-21"], ["2026-12-24"])  # the middle day too
    await say(coach, text)
    assert _trained(await coach.show("ann"), _days(first, last)) == []


@pytest.mark.parametrize(("today", "text", "part", "day"), [
    (dt.date(2026, 12, 11), "shin splints are back on my right leg 😤 not running tomorrow", "shin", "2026-12-12"),
    (dt.date(2026, 12, 11), "ouch my lower back 😖 can't even bend over. pls cancel tomorrow's run", "lower_back", "2026-12-12"),
])
async def test_pain_said_beside_a_skip_is_recorded_too(db: Database, today: dt.date, text: str, part: str, day: str) -> None:
    coach = await _coach(db, today)
    await say(coach, text)
    after = await coach.show("ann")
    assert [lim["body_part"] for lim in after["limitations"]] == [part]
    assert _minutes(after, day) == 0 or {s["sport"] for w in after["plan"]["weeks"] for s in w["sessions"] if s["date"] == day} != {"run"}


async def test_pain_told_just_so_the_coach_knows_is_an_injury(db: Database) -> None:
    coach = await _coach(db, dt.date(2027, 1, 15))
    await say(coach, "Shoulder's at me since I carried the two car seats across the car park, nothing to do with running at all "
                     "but thought you should know in case it does anything to my arm swing ha")
    assert [lim["body_part"] for lim in (await coach.show("ann"))["limitations"]] == ["shoulder"]


async def test_hours_with_a_sleepless_night_are_the_nights_sleep(db: Database) -> None:
    coach = await _coach(db, dt.date(2026, 12, 12))
    before = await coach.show("ann")
    await say(coach, "absolutely cooked mate, only got 4 hrs, bub was up all night. can we cut today's run back")
    after = await coach.show("ann")
    assert [c["sleep_hours"] for c in after["checkins"]] == [4]
    assert 0 < _minutes(after, "2026-12-12") < _minutes(before, "2026-12-12") or _minutes(after, "2026-12-12") == 0
    assert _minutes(after, "2026-12-12") != 240


async def test_an_easier_today_asked_after_last_night_is_todays(db: Database) -> None:
    coach = await _coach(db, dt.date(2026, 12, 12))
    before = await coach.show("ann")
    await say(coach, "morning, feeling a bit rough to be honest, I think it's the Christmas party last night, slept about five "
                     "hours, could today be a really easy run instead")
    after = await coach.show("ann")
    assert _minutes(after, "2026-12-12") < _minutes(before, "2026-12-12")
    assert [c["sleep_hours"] for c in after["checkins"]] == [5]


@pytest.mark.parametrize(("today", "text", "day", "status"), [
    (dt.date(2026, 12, 16), "I regret to report that I was unable to run on Tuesday due to work.", "2026-12-15", "missed"),
    (dt.date(2026, 12, 14), "Saturday's run: aborted after 20 of 35 minutes due to freezing rain.", "2026-12-12", "partial"),
    (dt.date(2026, 12, 9), "did like half of yesterdays run then my headphones died and i got bored lol", "2026-12-08", "partial"),
])
async def test_a_session_gone_by_is_recorded_as_told(db: Database, today: dt.date, text: str, day: str, status: str) -> None:
    coach = await _coach(db, today)
    before = await coach.show("ann")
    await say(coach, text)
    after = await coach.show("ann")
    assert _statuses(after, day) == [status]
    later = _days(today.isoformat(), (today + dt.timedelta(days=5)).isoformat())
    assert [_minutes(after, d) for d in later] == [_minutes(before, d) for d in later]  # nothing ahead changed


async def test_a_session_left_out_is_dropped(db: Database) -> None:
    coach = await _coach(db, dt.date(2026, 12, 11))
    await say(coach, "So I went over on my ankle yesterday stepping off the kerb wrong like an eejit, and it's a bit puffy "
                     "this morning. I'm going to leave tomorrow's run I think, just to be safe.")
    after = await coach.show("ann")
    assert _minutes(after, "2026-12-12") == 0 and [lim["body_part"] for lim in after["limitations"]] == ["ankle"]


async def test_another_day_is_asked_for_not_guessed(db: Database) -> None:
    coach = await _coach(db, dt.date(2026, 12, 9))
    before = await coach.show("ann")
    replies = await say(coach, "Could I please do Thursday's run on another day this week instead?")
    assert (await coach.show("ann"))["plan"] == before["plan"]
    assert any(r.buttons for r in replies) and "?" in replies[-1].text


@pytest.mark.parametrize(("today", "text", "mentions"), [
    (dt.date(2026, 12, 13), "long run today. how far", "km"),
    (dt.date(2027, 1, 4), "Could you confirm the date of the half marathon? I need to book annual leave around it.", "28 Mar"),
    (dt.date(2026, 12, 8), "hey coach when do I actually start doing tempo runs question mark", "tempo"),
])
async def test_questions_are_answered_not_lectured(db: Database, today: dt.date, text: str, mentions: str) -> None:
    coach = await _coach(db, today)
    before = await coach.show("ann")
    replies = await say(coach, text)
    reply = "\n".join(r.text for r in replies)
    assert mentions in reply and "rules allow" not in reply
    after = await coach.show("ann")
    assert after["plan"] == before["plan"] and after["checkins"] == before["checkins"]


@pytest.mark.parametrize(("text", "mentions"), [
    ("what pace am i meant to hold on race day? ngl 1:50 feels big", "Goal: half marathon"),
    ("what's the game plan for race day pace-wise? like what min/km", "Goal: half marathon"),
    ("remind me what days im running again, my brain is mush", "Training days: Tue, Thu, Sat, Sun"),
    ("When do we start the faster stuff? I'm getting a bit bored of plodding, not gonna lie", "first harder one"),
    ("when do we start doing the spicy stuff, tempo n that? asking for a friend (the friend is me)", "first harder one"),
])
async def test_questions_about_the_goal_the_days_and_the_first_hard_session(db: Database, text: str, mentions: str) -> None:
    """Questions the tuning sets still got wrong at the session's start (the race pace answered with every
    training pace, the days with "no notes yet", the faster sessions with the week)."""
    coach = await _coach(db, dt.date(2026, 12, 20))
    before = await coach.show("ann")
    reply = "\n".join(r.text for r in await say(coach, text))
    assert mentions in reply
    assert (await coach.show("ann"))["plan"] == before["plan"]


@pytest.mark.parametrize(("today", "text", "day"), [
    (dt.date(2026, 12, 18), "sharp pain on the outside of my knee since the weekend, hurts on stairs. please take sunday's long run "
     "off the table", "2026-12-20"),
    (dt.date(2026, 12, 15), "Achilles is tight and a bit creaky in the mornings. Could Thursday be a rest day?", "2026-12-17"),
    (dt.date(2027, 1, 9), "slept 5h, right achilles is sore and i'm gonna skip tmrws long run", "2027-01-10"),
])
async def test_a_day_asked_off_with_pain_is_rest_not_cross_training(db: Database, today: dt.date, text: str, day: str) -> None:
    coach = await _coach(db, today)
    assert _minutes(await coach.show("ann"), day) > 0
    await say(coach, text)
    after = await coach.show("ann")
    assert _minutes(after, day) == 0 and len(after["limitations"]) == 1


@pytest.mark.parametrize(("text", "moved"), [
    ("Tomorrow's a no-go, got the mechanic coming, so can ya shift it to Wednesday?", True),
    ("New Year's Eve I'm working a 13-hour shift. Please take that session out.", False),
])
async def test_shift_the_verb_is_a_move_and_the_work_shift_is_not(db: Database, text: str, moved: bool) -> None:
    coach = await _coach(db, dt.date(2026, 12, 28))  # Monday: Tuesday 29th trains, Wednesday 30th rests, NYE a Thursday
    before = await coach.show("ann")
    await say(coach, text)
    after = await coach.show("ann")
    if moved:
        assert _minutes(after, "2026-12-29") == 0 and _minutes(after, "2026-12-30") == _minutes(before, "2026-12-29")
    else:
        assert _minutes(after, "2026-12-31") == 0 and _minutes(after, "2026-12-30") == 0


@pytest.mark.parametrize("text", [
    "I'm wrecked. slept maybe 4 hours, too much wine last night. can we do the long run tomorrow instead?",
    "Just back from Singapore, jetlagged to hell — slept 3 hours. Running today feels like a bad idea; can it be tomorrow?",
    "Storm. Not going out. Tomorrow instead.",
    "Coach, today I cannot. I can do this training tomorrow?",
])
async def test_todays_session_offered_to_tomorrow_moves_there(db: Database, text: str) -> None:
    coach = await _coach(db, dt.date(2026, 12, 20))  # Sunday: the long run today, Monday free
    before = await coach.show("ann")
    await say(coach, text)
    after = await coach.show("ann")
    assert _minutes(after, "2026-12-20") == 0 and _minutes(after, "2026-12-21") == _minutes(before, "2026-12-20")


async def test_a_day_named_inside_the_week_named_is_the_target(db: Database) -> None:
    coach = await _coach(db, dt.date(2027, 1, 27))  # Wednesday: Saturday easy, Sunday long
    before = await coach.show("ann")
    await say(coach, "long run on sat insted this week")
    after = await coach.show("ann")
    assert _minutes(after, "2027-01-31") == 0
    assert _minutes(after, "2027-01-30") == _minutes(before, "2027-01-30") + _minutes(before, "2027-01-31")
