"""Requests blind sets M and N showed were missed as frozen (issue 10), read from the store after
the message: days reported one by one ("sat ✅ sun ❌"), a no-show, a workout on a date ahead or an
altitude that is no workout done, a limit that is no log, the request after "so", "isn't happening",
easing said as "at half" or "easy and short", a weekday gone for good said as "no Thursdays any
more", and the night's sleep said as a bare hour count in a report of how one feels."""

from __future__ import annotations

import datetime as dt

import pytest

from coach.store.db import Database
from tests.service.test_asking import TUESDAY, button, say, sessions, tap
from tests.service.test_requests_set_k import _coach, _minutes, _statuses

MONDAY = dt.date(2026, 12, 14)


@pytest.mark.parametrize(("text", "saturday", "sunday"), [
    ("sat ✅ sun ❌. family stuff", ["planned"], ["missed"]),
    ("saturday 100%, sunday 0%. family emergency", ["planned"], ["missed"]),
    ("Saturday: about half of it. Sunday: nothing.", ["partial"], ["missed"]),
])
async def test_days_reported_one_by_one_are_each_recorded(db: Database, text: str, saturday: list[str], sunday: list[str]) -> None:
    coach = await _coach(db, MONDAY)
    await say(coach, text)
    after = await coach.show("ann")
    assert _statuses(after, "2026-12-12") == saturday and _statuses(after, "2026-12-13") == sunday
    assert after["activities"] == []


async def test_a_day_reported_with_a_colon_is_that_past_day(db: Database) -> None:
    coach = await _coach(db, dt.date(2026, 12, 11))  # a Friday
    await say(coach, "Thursday's run: no. Work.")
    after = await coach.show("ann")
    assert _statuses(after, "2026-12-10") == ["missed"]
    assert _statuses(after, "2026-12-17") == ["planned"]  # next Thursday untouched


async def test_a_no_show_is_a_missed_session(db: Database) -> None:
    coach = await _coach(db, dt.date(2026, 12, 11))
    await say(coach, "thursday was a no-show, I was wrecked")
    assert _statuses(await coach.show("ann"), "2026-12-10") == ["missed"]


@pytest.mark.parametrize("text", [
    "doing a 5k fun run with the kids on 14 feb, not racing it",
    "I live at about 1,400 m in Colorado, so my outdoor power numbers probably read low",
])
async def test_a_workout_ahead_or_an_altitude_is_remembered_not_logged(db: Database, text: str) -> None:
    coach = await _coach(db)
    before = await coach.show("ann")
    await say(coach, text)
    after = await coach.show("ann")
    assert after["activities"] == []
    assert len(after["notes"]) == len(before["notes"]) + 1


async def test_a_limit_said_with_cap_is_no_workout_done(db: Database) -> None:
    coach = await _coach(db, dt.date(2026, 12, 16))
    await say(coach, "dinner with the in-laws on the 20th, the long run has to be done by 9 so cap it at 60 mins")
    after = await coach.show("ann")
    assert after["activities"] == []
    assert 0 < _minutes(after, "2026-12-20") <= 60


async def test_the_day_after_so_is_the_one_called_off(db: Database) -> None:
    coach = await _coach(db, dt.date(2026, 12, 12))  # a Saturday
    before = await coach.show("ann")
    await say(coach, "Mate's 40th tonight so tomorrow is definitely cancelled 🍾")
    after = await coach.show("ann")
    assert _minutes(after, "2026-12-13") == 0
    assert _minutes(after, "2026-12-12") == _minutes(before, "2026-12-12") > 0


async def test_isnt_happening_calls_the_day_off(db: Database) -> None:
    coach = await _coach(db, dt.date(2026, 12, 30))
    assert _minutes(await coach.show("ann"), "2027-01-03") > 0
    await say(coach, "driving down to Cornwall on the 3rd so that long run isn't happening")
    assert _minutes(await coach.show("ann"), "2027-01-03") == 0


@pytest.mark.parametrize(("today", "text", "day"), [
    (TUESDAY, "hip flexor twinging on the right side. can I do today at half?", "2026-12-08"),
    (dt.date(2026, 12, 22), "boxing day run: easy and short please 🦃", "2026-12-26"),
    (TUESDAY, "came off a night shift, only 3 hours kip. today's run half as long please", "2026-12-08"),
])
async def test_easing_said_in_other_words_makes_the_day_easier(db: Database, today: dt.date, text: str, day: str) -> None:
    coach = await _coach(db, today)
    before = await coach.show("ann")
    await say(coach, text)
    after = await coach.show("ann")
    assert _minutes(after, day) < _minutes(before, day)  # easier, or rest where pain is told
    assert set(_statuses(after, day)) <= {"planned"}  # eased, not reported as done in part


@pytest.mark.parametrize(("text", "gone"), [
    ("no thursdays any more - I've joined a choir 🎶", "thu"),
    ("from now on no tuesdays please, new job has late shifts on tuesdays", "tue"),
    ("I'd rather not run on saturdays anymore, it's my only lie-in of the week", "sat"),
    ("Thursdays are dead to me from now on - new rota. Mondays are free if that helps", "thu"),
])
async def test_a_weekday_gone_for_good_said_plainly(db: Database, text: str, gone: str) -> None:
    coach = await _coach(db)
    await say(coach, text)
    days = (await coach.show("ann"))["profile"]["availability"]["days"]
    assert gone not in days and "sun" in days


async def test_a_bare_hour_count_in_a_report_of_how_one_feels_is_sleep(db: Database) -> None:
    coach = await _coach(db)
    await say(coach, "bit wiped, kid's birthday party yesterday lol. 6.5h")
    after = await coach.show("ann")
    assert after["activities"] == []
    assert [c["sleep_hours"] for c in after["checkins"]] == [6.5]


@pytest.mark.parametrize("text", [
    "gym - deadlifts 3x8 @ 60kg, then core stuff. 40 min",
    "Gym: bench 3x8 60kg, pull-ups 3x6, 40 mins",
])
async def test_a_gym_sessions_time_is_kept_with_its_lifts(db: Database, text: str) -> None:
    coach = await _coach(db)
    replies = await say(coach, text)
    lifts = [a for a in (await coach.show("ann"))["activities"] if a["sport"] == "strength"]
    assert lifts and sum(a["elapsed_s"] or 0 for a in lifts) == 40 * 60
    assert "40 min" in replies[0].text


@pytest.mark.parametrize("text", [
    "caffeine gels make me sick so please never suggest them lol",
    "I only have a coffee before rides, no breakfast, that's how I like it",
    "my 10k PB is actually 48:12 not 50, from October",
    "I don't like doing hard efforts outdoors, roads round me are too busy. Indoor only for the hard stuff please",
])
async def test_a_preference_or_a_record_is_remembered_and_changes_nothing(db: Database, text: str) -> None:
    coach = await _coach(db)
    before = await coach.show("ann")
    await say(coach, text)
    after = await coach.show("ann")
    assert len(after["notes"]) == len(before["notes"]) + 1
    assert after["activities"] == [] and after["limitations"] == before["limitations"]
    assert sessions(after) == sessions(before)


async def test_a_day_called_off_beside_a_limit_on_another_day_keeps_each_to_its_day(db: Database) -> None:
    coach = await _coach(db, dt.date(2026, 12, 15))  # a Tuesday
    before = await coach.show("ann")
    await say(coach, "thursday's a no, saturday i can do 30 min tops")
    after = await coach.show("ann")
    assert _minutes(after, "2026-12-17") == 0  # Thursday called off, not limited to 30 min
    assert 0 < _minutes(after, "2026-12-19") <= 30 < _minutes(before, "2026-12-19")


async def test_if_you_dont_give_me_is_no_preference(db: Database) -> None:
    coach = await _coach(db)
    before = await coach.show("ann")
    await say(coach, "If you don't give me a sub-1:40 plan right now I'm deleting this app.")
    assert len((await coach.show("ann"))["notes"]) == len(before["notes"])


async def test_the_limit_asked_for_is_the_cap_not_the_planned_time_said_before_it(db: Database) -> None:
    coach = await _coach(db, dt.date(2027, 1, 10))  # a Sunday: the long run
    before = await coach.show("ann")
    planned = _minutes(before, "2027-01-10")
    hours, minutes = divmod(planned, 60)
    await say(coach, f"gonna do today's long run on the treadmill but no way I'm on it for {hours}h{minutes:02d}. can we cap it at 45 min")
    after = await coach.show("ann")
    assert after["activities"] == []  # a run ahead is no run done
    assert 0 < _minutes(after, "2027-01-10") <= 45 < planned


async def test_a_knee_that_said_nope_is_pain_recorded_beside_the_partial_session(db: Database) -> None:
    coach = await _coach(db)
    await say(coach, "did about two thirds of today's run before my knee said nope")
    after = await coach.show("ann")
    assert [lim["body_part"] for lim in after["limitations"]] == ["knee"]
    assert _statuses(after, "2026-12-08") == ["partial"]


@pytest.mark.parametrize("text", [
    "hands go numb after about an hour, pinky and ring finger mostly",
    "hands went numb on saturday's run, still a bit of pins and needles",
])
async def test_numb_hands_are_recorded_as_the_hand(db: Database, text: str) -> None:
    coach = await _coach(db, dt.date(2026, 12, 14))
    await say(coach, text)
    assert [lim["body_part"] for lim in (await coach.show("ann"))["limitations"]] == ["hand"]


@pytest.mark.parametrize("text", ["on the other hand my legs feel fine today", "can you give me a hand with my paces"])
def test_hand_in_a_saying_is_no_body_part(text: str) -> None:
    from coach.brain.slots import parse_slots

    assert [m.part for m in parse_slots(text, TUESDAY).body_parts] == []


async def test_one_sore_knee_said_twice_is_one_limitation_that_lasts_the_longer(db: Database) -> None:
    coach = await _coach(db)
    await say(coach, "my left knee hurts")
    first = (await coach.show("ann"))["limitations"]
    await say(coach, "left knee still sore, and the right knee a bit too")
    after = (await coach.show("ann"))["limitations"]
    assert [(lim["body_part"], lim["side"]) for lim in first] == [("knee", "left")]
    assert sorted((lim["body_part"], lim["side"]) for lim in after) == [("knee", "left"), ("knee", "right")]


async def test_a_run_done_yesterday_is_logged_beside_a_day_to_come(db: Database) -> None:
    coach = await _coach(db, dt.date(2026, 12, 16))  # a Wednesday
    await say(coach, "calf tight after yesterday's 10k (58 min). gonna skip thursday")
    after = await coach.show("ann")
    assert [(a["sport"], a["elapsed_s"]) for a in after["activities"]] == [("run", 58 * 60)]
    assert _minutes(after, "2026-12-17") == 0


async def test_a_devices_recovery_score_is_no_share_of_a_session_done(db: Database) -> None:
    coach = await _coach(db)
    await say(coach, "Whoop recovery 29% 🔴 HRV 44 (my normal is 70), sleep 5h 30. Can today's run be shorter? Like 30 min")
    after = await coach.show("ann")
    assert _statuses(after, "2026-12-08") == ["planned"]  # not "partial (29 %)"
    assert 0 < _minutes(after, "2026-12-08") <= 30


async def test_a_distance_asked_about_a_day_is_answered_and_nothing_moves(db: Database) -> None:
    coach = await _coach(db)
    before = await coach.show("ann")
    replies = await say(coach, "Sunday's long one — distance?")
    after = await coach.show("ann")
    assert sessions(after) == sessions(before)
    long_km = next(s["distance_km"] for w in before["plan"]["weeks"] for s in w["sessions"] if s["date"] == "2026-12-13")
    assert f"{long_km:g}" in " ".join(r.text for r in replies)


async def test_has_to_be_done_in_is_a_limit(db: Database) -> None:
    coach = await _coach(db, dt.date(2026, 12, 12))
    await say(coach, "Long run tomorrow has to be done in 40 minutes, we're out for lunch at 10")
    assert 0 < _minutes(await coach.show("ann"), "2026-12-13") <= 40


async def test_for_context_is_a_fact_to_keep(db: Database) -> None:
    coach = await _coach(db)
    before = await coach.show("ann")
    await say(coach, "For context my 10k time was 46 minutes two summers ago, so this is a comeback.")
    after = await coach.show("ann")
    assert len(after["notes"]) == len(before["notes"]) + 1 and after["activities"] == []


async def test_a_move_from_x_to_y_after_a_report_is_made(db: Database) -> None:
    coach = await _coach(db)
    await say(coach, "slept 5h, knee's a bit sore and can we move thursday to friday")
    after = await coach.show("ann")
    assert [lim["body_part"] for lim in after["limitations"]] == ["knee"]
    assert _minutes(after, "2026-12-10") == 0 and _minutes(after, "2026-12-11") > 0


async def test_a_day_to_train_on_with_several_sessions_that_could_go_there_is_asked_about(db: Database) -> None:
    coach = await _coach(db, dt.date(2026, 12, 14))  # a Monday: Tue, Thu, Sat and Sun ahead
    before = await coach.show("ann")
    replies = await say(coach, "can I run on wednesday?")
    after = await coach.show("ann")
    assert sessions(after) == sessions(before)  # nothing guessed
    await tap(coach, button(replies, "Thu"))  # one tap: Thursday's run goes to Wednesday
    moved = await coach.show("ann")
    assert _minutes(moved, "2026-12-17") == 0 and _minutes(moved, "2026-12-16") == _minutes(before, "2026-12-17") > 0
