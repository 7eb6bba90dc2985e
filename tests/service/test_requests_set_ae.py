"""Requests blind set AE showed were missed as frozen (issue 10), read from the store after the
message: "next Saturday" said midweek asked about (this week's or the next?), the answer completing
the request; the weekend a date or range names ("the weekend 15-17 January", "the weekend of 16
January"); "new year's day and the day after"; "till bedtime" bounding nothing; "until the Friday"
after the day of a procedure; sessions' days not read as new training days; "change the order of";
the long one and the short one exchanged; a limit with a comma ("2 hours, tops"), "must not exceed
45 minutes", "got to be back"; days taken by jury duty, surgery, client meetings; a gym "not
counted on"; "take off the ride on the 21st", "needs to slide to Wednesday", "cancle tomorows".
"""

from __future__ import annotations

import datetime as dt

import pytest

from coach.brain.offline import next_weekday_options
from coach.language.spans import parse_slots
from coach.store.db import Database
from tests.service.test_asking import button, say, tap
from tests.service.test_requests_set_k import _coach, _minutes, _statuses
from tests.service.test_requests_set_xyz import _trained

# The runner of tests.service.test_asking: Tue/Thu/Sat/Sun (Sat easy, Sun long), plan from Tue 8 Dec 2026.
WEDNESDAY = dt.date(2026, 12, 9)


async def test_next_saturday_said_midweek_asks_which_and_the_tap_frees_that_day(db: Database) -> None:
    coach = await _coach(db, WEDNESDAY)
    before = await coach.show("ann")
    replies = await say(coach, "Next Saturday I cannot run.")
    assert (await coach.show("ann"))["plan"] == before["plan"]
    assert "Sat 12 Dec or Sat 19 Dec" in replies[0].text
    await tap(coach, button(replies, "Sat 19 Dec"))
    after = await coach.show("ann")
    assert _trained(after, ["2026-12-19"]) == [] and _trained(after, ["2026-12-12"]) == ["2026-12-12"]


async def test_next_saturday_answered_in_words_frees_that_day(db: Database) -> None:
    coach = await _coach(db, WEDNESDAY)
    await say(coach, "next saturday I'm out, work thing")
    await say(coach, "this one, the 12th")
    after = await coach.show("ann")
    assert _trained(after, ["2026-12-12"]) == [] and _trained(after, ["2026-12-19"]) == ["2026-12-19"]


@pytest.mark.parametrize(("today", "text", "options"), [
    (WEDNESDAY, "Next Saturday I cannot run.", ("2026-12-12", "2026-12-19")),
    (dt.date(2026, 12, 8), "move next thursday to friday", ("2026-12-10", "2026-12-17")),
    (dt.date(2026, 12, 10), "next tuesday I'm away", None),  # said on a Thursday: the coming Tuesday is next week's
    (WEDNESDAY, "next Saturday the 19th I cannot run", None),  # the date says which
    (WEDNESDAY, "next week Saturday I cannot run", None),
])
def test_which_next_weekday_is_open(today: dt.date, text: str, options: tuple[str, str] | None) -> None:
    found = next_weekday_options(text, today)
    assert (None if found is None else (found[1].isoformat(), found[2].isoformat())) == options


@pytest.mark.parametrize(("today", "text", "start", "end"), [
    (dt.date(2027, 1, 10), "The weekend 15-17 January I am in Milano for the wedding of my friend, from Friday to Sunday.",
     "2027-01-15", "2027-01-17"),
    (dt.date(2026, 12, 8), "I have a wedding the weekend of 16 January", "2027-01-16", "2027-01-17"),
    (dt.date(2027, 1, 10), "away the weekend of the 23rd", "2027-01-23", "2027-01-24"),
    (dt.date(2027, 1, 13), "away over the weekend", "2027-01-16", "2027-01-17"),
])
def test_the_weekend_a_date_names(today: dt.date, text: str, start: str, end: str) -> None:
    span = parse_slots(text, today, past=False).date_range
    assert span is not None and (span.start.isoformat(), span.end.isoformat()) == (start, end)


@pytest.mark.parametrize(("today", "text", "days"), [
    (dt.date(2026, 12, 30), "happy new year's eve eve coach, on new year's day and the day after I'm at my brother's with no bike",
     ["2027-01-01", "2027-01-02"]),
    (dt.date(2026, 12, 30), "the 5th and the following day", ["2027-01-05", "2027-01-06"]),
])
def test_a_day_and_the_day_after(today: dt.date, text: str, days: list[str]) -> None:
    assert [d.isoformat() for d in parse_slots(text, today, past=False).dates] == days


@pytest.mark.parametrize(("today", "text", "free", "kept"), [
    (dt.date(2026, 12, 14), "Kids' nativity is Thursday afternoon and then we're taking them into town to see the lights, "
     "won't be back till bedtime.", ["2026-12-17"], ["2026-12-15"]),
    (dt.date(2026, 12, 12), "I shall be in hospital for a minor day procedure on Tuesday 15 December and have been advised "
     "not to exercise until the Friday.", ["2026-12-15", "2026-12-17"], ["2026-12-19"]),
    (dt.date(2027, 1, 17), "Tuesday I have surgery on tooth. Dentist say no sport for two days, Tuesday and Wednesday.",
     ["2027-01-19"], ["2027-01-21"]),
    (dt.date(2026, 12, 27), "In Miami Jan 5-8. Client meetings dawn to midnight.", ["2027-01-05", "2027-01-07"], ["2027-01-09"]),
    (dt.date(2027, 1, 12), "just so you know I'm on jury duty Thursday the fourteenth and they said it could go all day",
     ["2027-01-14"], ["2027-01-16"]),
    (dt.date(2027, 1, 3), "FYI I'm at a conference in Vegas Tuesday through Thursday this coming week. Hotel gym has a "
     "treadmill but I'm not counting on it.", ["2027-01-05", "2027-01-07"], ["2027-01-09"]),
    (dt.date(2027, 1, 10), "The weekend 15-17 January I am in Milano for the wedding of my friend, from Friday to Sunday.",
     ["2027-01-16", "2027-01-17"], ["2027-01-12", "2027-01-14"]),
])
async def test_days_life_takes_are_freed_and_only_those(db: Database, today: dt.date, text: str, free: list[str], kept: list[str]) -> None:
    coach = await _coach(db, today)
    before = await coach.show("ann")
    assert _trained(before, free) == free and _trained(before, kept) == kept
    await say(coach, text)
    after = await coach.show("ann")
    assert _trained(after, free) == [] and _trained(after, kept) == kept


async def test_sessions_days_named_are_not_new_training_days(db: Database) -> None:
    coach = await _coach(db, dt.date(2027, 1, 11))
    before = await coach.show("ann")
    await say(coach, "Coach, on the weekend I did only the run of Sunday. Saturday I could not.")
    after = await coach.show("ann")
    assert after["profile"]["availability"] == before["profile"]["availability"]
    assert _statuses(after, "2027-01-09") == ["missed"] and _statuses(after, "2027-01-10") == ["planned"]


@pytest.mark.parametrize(("today", "text", "first", "second"), [
    (dt.date(2027, 1, 8), "Coach, this weekend Saturday is rain and Sunday is sunny. Please change the order of Saturday run and Sunday run.",
     "2027-01-09", "2027-01-10"),
    (dt.date(2026, 12, 15), "Hello, this Sunday I have a family lunch at my parents at noon. Is it possible to make the long run on "
     "Saturday and the Saturday run on Sunday? Then both are done.", "2026-12-19", "2026-12-20"),
    (dt.date(2027, 1, 28), "Hola coach, this weekend can we change: Sunday the long run and Saturday the short one? Saturday is "
     "the baptism of my niece.", "2027-01-30", "2027-01-31"),
])
async def test_the_weekend_exchanged(db: Database, today: dt.date, text: str, first: str, second: str) -> None:
    coach = await _coach(db, today)
    before = await coach.show("ann")
    await say(coach, text)
    after = await coach.show("ann")
    assert (_minutes(after, first), _minutes(after, second)) == (_minutes(before, second), _minutes(before, first))
    assert after["profile"]["availability"] == before["profile"]["availability"]


@pytest.mark.parametrize(("today", "text", "day", "minutes"), [
    (dt.date(2026, 12, 8), "A week on Sunday I've only got half an hour, got to be back for the football.", "2026-12-20", 30),
    (dt.date(2027, 1, 7), "Sunday I gotta be back by 11 for my kid's hockey game. I can head out around 8:30, so call it 45 minutes, tops.",
     "2027-01-10", 45),
    (dt.date(2027, 1, 17), "Tuesday's session must not exceed 45 minutes: I have a train at 07:40.", "2027-01-19", 45),
])
async def test_a_limit_said_as_life(db: Database, today: dt.date, text: str, day: str, minutes: int) -> None:
    coach = await _coach(db, today)
    assert _minutes(await coach.show("ann"), day) > minutes
    await say(coach, text)
    assert 0 < _minutes(await coach.show("ann"), day) <= minutes


@pytest.mark.parametrize(("today", "text", "gone", "to"), [
    (dt.date(2027, 1, 20), "coach can you take off the run on the 21st I've got parents evening at the school", "2027-01-21", None),
    (dt.date(2026, 12, 19), "cancle tomorows long run pls, famly stuff", "2026-12-20", None),
    (dt.date(2026, 12, 21), "Tomorrow's 55-min run needs to slide to Wednesday. Board review Tuesday that's going to run late.",
     "2026-12-22", "2026-12-23"),
])
async def test_a_session_taken_off_or_slid(db: Database, today: dt.date, text: str, gone: str, to: str | None) -> None:
    coach = await _coach(db, today)
    before = await coach.show("ann")
    await say(coach, text)
    after = await coach.show("ann")
    assert _minutes(after, gone) == 0
    if to is not None:
        assert _minutes(after, to) == _minutes(before, gone)


@pytest.mark.parametrize(("text", "sports"), [
    ("Coach I did 8 km in 48 min and after, 20 min of abdominal exercises.", {"run", "strength"}),
    ("Ran 40 minutes easy. Also 30 minutes core exercises after.", {"run", "strength"}),
])
async def test_a_run_and_the_core_work_after_are_two_workouts(db: Database, text: str, sports: set[str]) -> None:
    coach = await _coach(db, dt.date(2027, 1, 23))
    await say(coach, text)
    assert {a["sport"] for a in (await coach.show("ann"))["activities"]} == sports


async def test_a_gym_sessions_own_time_beside_a_run(db: Database) -> None:
    coach = await _coach(db, dt.date(2027, 1, 7))
    replies = await say(coach, "Today I did gym: leg press 4x10 at 120 kg, deadlift 3x5 at 80 kg, 45 min total. Then I ran 30 minutes easy.")
    assert "Session time: 45 min" in replies[0].text
    assert {a["sport"] for a in (await coach.show("ann"))["activities"]} == {"run", "strength"}


async def test_slept_a_solid_eight_is_eight_hours(db: Database) -> None:
    coach = await _coach(db, dt.date(2027, 1, 20))
    await say(coach, "Bit of a dose of the sniffles. Grand otherwise. Slept a solid 8.")
    assert [c["sleep_hours"] for c in (await coach.show("ann"))["checkins"]] == [8.0]


async def test_ill_and_todays_run_called_off_takes_it_out(db: Database) -> None:
    coach = await _coach(db, dt.date(2027, 1, 5))
    await say(coach, "Good morning sir, I am having loose motions since night, feeling very weak. Today's run I will not do.")
    assert _minutes(await coach.show("ann"), "2027-01-05") == 0


@pytest.mark.parametrize("text", [
    "Joined a running club. They do a social 5k on Wednesday nights, not a training session really, more for the blether.",
    "Coach, I join the club run every Sunday 6am, that one I will do for sure.",
])
async def test_a_habit_told_is_kept_not_logged(db: Database, text: str) -> None:
    coach = await _coach(db, dt.date(2027, 1, 9))
    before = await coach.show("ann")
    await say(coach, text)
    after = await coach.show("ann")
    assert after["activities"] == before["activities"] and after["plan"] == before["plan"]
    assert len(after["notes"]) == len(before["notes"]) + 1


async def test_the_run_of_the_weekend_on_friday_asks_which_and_moves_it_there(db: Database) -> None:
    coach = await _coach(db, dt.date(2027, 1, 27))
    before = await coach.show("ann")
    replies = await say(coach, "Coach, the run of the weekend, can I do it on Friday?")
    assert (await coach.show("ann"))["plan"] == before["plan"]
    await tap(coach, button(replies, "Sun 31 Jan"))
    after = await coach.show("ann")
    assert _minutes(after, "2027-01-29") == _minutes(before, "2027-01-31") and _minutes(after, "2027-01-31") == 0


@pytest.mark.parametrize(("today", "text"), [
    (dt.date(2027, 1, 5), "Something came up. One day this week I cannot train."),
    (dt.date(2027, 1, 9), "Heads up, I'll be at the cabin for part of next week, no treadmill there."),
    (dt.date(2027, 1, 31), "Coach, next week I have one day of travel for work, I think it is Thursday but maybe Tuesday."),
    (dt.date(2026, 12, 12), "move saturday to sunday. actualy no monday. or just leave it idk"),
])
async def test_a_day_not_yet_known_is_asked_and_nothing_changes(db: Database, today: dt.date, text: str) -> None:
    coach = await _coach(db, today)
    before = await coach.show("ann")
    replies = await say(coach, text)
    assert (await coach.show("ann"))["plan"] == before["plan"]
    assert "?" in replies[0].text and replies[0].buttons


@pytest.mark.parametrize(("today", "text", "wanted"), [
    (dt.date(2026, 12, 20), "How many weeks have I left till the race?", "14 weeks"),
    (dt.date(2026, 12, 22), "is thursday still on even tho its xmas eve lol", "Thu 24 Dec\n• Run"),
    (dt.date(2027, 1, 31), "What's on for the week ahead?", "Tue 02 Feb"),
])
async def test_questions_answered_from_the_plan(db: Database, today: dt.date, text: str, wanted: str) -> None:
    coach = await _coach(db, today)
    before = await coach.show("ann")
    replies = await say(coach, text)
    assert (await coach.show("ann"))["plan"] == before["plan"]
    assert wanted in replies[0].text


@pytest.mark.parametrize(("text", "ftp_w", "wanted"), [
    ("Long ride 1 h 55 min @ 56–75% FTP (Z2)", 250, "56–75% FTP ≈ 140–188 W (Z2)"),
    ("4 × 8 min @ 91-105 % FTP", 300, "91-105 % FTP ≈ 273–315 W"),
    ("Long ride 1 h 55 min @ 56–75% FTP (Z2)", None, "56–75% FTP (Z2)"),
])
def test_a_share_of_ftp_is_said_in_watts_too(text: str, ftp_w: float | None, wanted: str) -> None:
    from coach.service.render import with_watts

    assert wanted in with_watts(text, ftp_w)


@pytest.mark.parametrize(("today", "text", "missed", "planned", "logged"), [
    (dt.date(2026, 12, 14), "Weekend recap: Saturday didn't happen (hungover, sorry 🙈), Sunday long run done, 8.1 km in 51:00.",
     ["2026-12-12"], [], 8.1),
    (dt.date(2026, 12, 14), "Saturday was a write-off (kids' party, 14 screaming 6-year-olds) but Sunday I did an hour, 9.4 km",
     ["2026-12-12"], [], 9.4),
    (dt.date(2026, 12, 29), "Skipped both weekend runs (Xmas) — back at it today", ["2026-12-26", "2026-12-27"], ["2026-12-29"], None),
])
async def test_a_weekend_told_day_by_day(
    db: Database, today: dt.date, text: str, missed: list[str], planned: list[str], logged: float | None
) -> None:
    coach = await _coach(db, today)
    await say(coach, text)
    after = await coach.show("ann")
    assert all(_statuses(after, d) == ["missed"] for d in missed)
    assert all(_statuses(after, d) == ["planned"] for d in planned)
    distances = [a["distance_km"] for a in after["activities"]]
    assert distances == ([] if logged is None else [pytest.approx(logged)])


def test_many_sessions_marked_missed_at_once_are_one_line() -> None:
    from coach.service.training_log import plan_lines

    missed = [f"{day} run easy: missed" for day in ("Sat 09 Jan", "Sun 10 Jan", "Tue 12 Jan", "Thu 14 Jan")]
    assert plan_lines([*missed, "Sat 16 Jan run easy: done (103 % of planned)"]) == [
        "Plan: 4 sessions with nothing logged, Sat 09 Jan to Thu 14 Jan: missed.",
        "Plan: Sat 16 Jan run easy: done (103 % of planned)",
    ]
    assert plan_lines(missed[:2]) == [f"Plan: {c}" for c in missed[:2]]


async def test_a_first_log_after_weeks_says_the_missed_sessions_in_one_line(db: Database) -> None:
    coach = await _coach(db, dt.date(2027, 1, 23))
    replies = await say(coach, "ran 8 km in 48 min")
    lines = [line for line in replies[0].text.splitlines() if line.startswith("Plan:")]
    assert len(lines) <= 2 and "sessions with nothing logged" in lines[0]
