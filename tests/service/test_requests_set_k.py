"""Requests blind set K showed were missed as frozen (issue 10), read from the store after the
message: days named one by one, a season's greeting that is no date, the night's sleep "in the
bank", a weekday gone for good in plain words, a preferred day, two sessions trading days, a
commute's two legs, lifts told without a load, someone else's illness, a plan read back for
confirmation, the limit said as "an hour max" and the pain a request is made for."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from coach.service.service import CoachService
from coach.store.db import Database
from tests.service.test_asking import PROFILE, TUESDAY, Clock, say, sessions


async def _coach(db: Database, day: dt.date = TUESDAY) -> CoachService:
    coach = CoachService(db, Clock(day))  # runs Tue/Thu/Sat/Sun (Sat easy, Sun long), plan from Tue 8 Dec
    await coach.add_athlete("ann", PROFILE)
    return coach


def _minutes(doc: dict[str, Any], day: str) -> int:
    return sum(m for _, m in sessions(doc).get(day, []))


def _statuses(doc: dict[str, Any], day: str) -> list[str]:
    return [s["status"] for w in doc["plan"]["weeks"] for s in w["sessions"] if s["date"] == day and s["type"] != "commitment"]


async def test_days_named_one_by_one_are_those_days_not_every_day_between(db: Database) -> None:
    coach = await _coach(db)
    before = await coach.show("ann")
    await say(coach, "in-laws staying all week so I can't get out thursday or the 15th, sorry")
    after = await coach.show("ann")
    assert _minutes(after, "2026-12-10") == 0 and _minutes(after, "2026-12-15") == 0
    assert _minutes(after, "2026-12-12") > 0 and _minutes(after, "2026-12-13") > 0  # the days between still train
    assert _minutes(before, "2026-12-12") > 0


async def test_a_seasons_greeting_is_no_date(db: Database) -> None:
    coach = await _coach(db, dt.date(2026, 12, 26))
    before = await coach.show("ann")
    await say(coach, "merry christmas and all that 🎄 realistically I can't get out tomorrow or on the 29th. sorry!!")
    after = await coach.show("ann")
    assert _minutes(after, "2026-12-27") == 0 and _minutes(after, "2026-12-29") == 0
    later = [d for d in sessions(before) if d > "2027-01-10"]
    assert all(sessions(after).get(d) == sessions(before)[d] for d in later)  # next Christmas is not blocked


async def test_a_day_named_inside_this_week_is_that_day_only(db: Database) -> None:
    coach = await _coach(db)
    await say(coach, "Ran 5k yesterday in 25:10. Also can't do Thursday this week")
    after = await coach.show("ann")
    assert _minutes(after, "2026-12-10") == 0
    assert _minutes(after, "2026-12-12") > 0 and _minutes(after, "2026-12-13") > 0


async def test_hours_in_the_bank_are_the_nights_sleep_not_a_workout(db: Database) -> None:
    coach = await _coach(db)
    await say(coach, "feeling strong this morning, 8 hours in the bank, ready for today's run")
    after = await coach.show("ann")
    assert after["activities"] == []
    assert [c["sleep_hours"] for c in after["checkins"]] == [8.0]


@pytest.mark.parametrize(("text", "gone"), [
    ("Tuesdays are dead to me from now on, band practice", "tue"),
    ("can we make Thursdays rest days from now on", "thu"),
    ("can't do Thursdays anymore at all, kids have swimming lessons now", "thu"),
])
async def test_a_weekday_gone_for_good_in_plain_words_leaves_the_training_days(db: Database, text: str, gone: str) -> None:
    coach = await _coach(db)
    await say(coach, text)
    days = (await coach.show("ann"))["profile"]["availability"]["days"]
    assert gone not in days and "sun" in days


async def test_a_day_of_this_week_already_gone_is_the_coming_one_for_a_move(db: Database) -> None:
    coach = await _coach(db, dt.date(2026, 12, 10))  # Thursday
    before = sessions(await coach.show("ann"))
    await say(coach, "can we put sunday's long run on monday instead, sunday's family day now (just this week)")
    after = sessions(await coach.show("ann"))
    assert "2026-12-13" not in after and after["2026-12-14"] == before["2026-12-13"]


async def test_the_preferred_day_takes_the_other_days_session(db: Database) -> None:
    coach = await _coach(db)
    before = sessions(await coach.show("ann"))
    await say(coach, "Friday's better for me than Thursday this week if that's ok")
    after = sessions(await coach.show("ann"))
    assert "2026-12-10" not in after and after["2026-12-11"] == before["2026-12-10"]


@pytest.mark.parametrize("text", [
    "Can we do the long run tomorrow and tomorrow's run on Sunday instead?",
    "can I do Saturday and Sunday the other way round this week",
])
async def test_two_sessions_trading_days_are_swapped(db: Database, text: str) -> None:
    coach = await _coach(db, dt.date(2026, 12, 11))  # Friday: Sat 12 easy, Sun 13 long
    before = sessions(await coach.show("ann"))
    await say(coach, text)
    after = sessions(await coach.show("ann"))
    assert after["2026-12-12"] == before["2026-12-13"] and after["2026-12-13"] == before["2026-12-12"]


async def test_a_commute_each_way_is_both_legs(db: Database) -> None:
    coach = await _coach(db)
    await say(coach, "Ran to work and back today, 4 miles each way, about 36 mins each way")
    [run] = (await coach.show("ann"))["activities"]
    assert run["sport"] == "run" and run["elapsed_s"] == 72 * 60 and run["distance_km"] == pytest.approx(12.87, abs=0.01)


async def test_lifts_told_without_a_load_are_a_strength_session_with_no_weight_guessed(db: Database) -> None:
    coach = await _coach(db)
    replies = await say(coach, "squats and deadlifts 5x5")
    activities = (await coach.show("ann"))["activities"]
    assert [a["sport"] for a in activities] == ["strength", "strength"]
    assert "kg" not in replies[0].text.split("(")[0]  # "Logged: squats 5 × 5 (no load given …)"


async def test_someone_elses_illness_is_not_the_athletes(db: Database) -> None:
    coach = await _coach(db, dt.date(2026, 12, 9))  # Wednesday
    before = sessions(await coach.show("ann"))
    await say(coach, "nothing yesterday, sick kid")
    after = await coach.show("ann")
    assert _statuses(after, "2026-12-08") == ["missed"]
    assert sessions(after)["2026-12-10"] == before["2026-12-10"]  # no days off for an illness she doesn't have


async def test_a_plan_read_back_for_confirmation_changes_nothing(db: Database) -> None:
    coach = await _coach(db, dt.date(2026, 12, 12))  # Saturday
    before = await coach.show("ann")
    replies = await say(coach, "Quick one - tomorrow's the shorter run, right?")
    after = await coach.show("ann")
    assert sessions(after) == sessions(before) and replies


async def test_the_limit_is_the_amount_said_as_a_limit_and_the_day_is_reported(db: Database) -> None:
    coach = await _coach(db)
    before = await coach.show("ann")
    await say(coach, "feel rubbish, think I'm coming down with something. not doing 2h today, 20 min max")
    after = await coach.show("ann")
    assert 0 < _minutes(after, "2026-12-08") <= 20 < _minutes(before, "2026-12-08")
    assert len(after["checkins"]) == 1


async def test_the_pain_a_limit_is_asked_for_is_recorded_too(db: Database) -> None:
    coach = await _coach(db)
    before = await coach.show("ann")
    await say(coach, "knee's niggling a bit, can today's run be cut down, like 20 min tops")
    after = await coach.show("ann")
    assert _minutes(after, "2026-12-08") <= 20 < _minutes(before, "2026-12-08")  # capped, or rested for the knee
    assert any("knee" in str(row) for row in after["limitations"])


async def test_a_workout_a_rule_read_as_a_note_is_logged_once_the_model_is_loaded(db: Database) -> None:
    coach = await _coach(db)
    coach.offline.classifier().embedder.load()  # as after the start-up warm-up
    await say(coach, "60 min on the smart trainer in erg mode")
    after = await coach.show("ann")
    assert [(a["sport"], a["elapsed_s"]) for a in after["activities"]] == [("virtual_ride", 3600)]  # on the trainer
    assert after["notes"] == []


@pytest.mark.parametrize("text", ["change thursday", "gonna be tight on time this week", "the weekend after next is looking messy"])
async def test_a_change_said_without_which_is_asked_about(db: Database, text: str) -> None:
    coach = await _coach(db)
    coach.offline.classifier().embedder.load()
    before = await coach.show("ann")
    replies = await say(coach, text)
    after = await coach.show("ann")
    assert sessions(after) == sessions(before) and after["profile"] == before["profile"]
    assert "?" in replies[-1].text or any(r.buttons for r in replies)


async def test_a_holiday_that_is_a_no_go_is_a_day_off(db: Database) -> None:
    coach = await _coach(db)
    await say(coach, "Xmas eve is a no go, family stuff all day")
    after = await coach.show("ann")
    assert _minutes(after, "2026-12-24") == 0 and _minutes(after, "2026-12-26") > 0


async def test_the_whole_weekend_missed_is_its_days_not_the_holiday_named(db: Database) -> None:
    coach = await _coach(db, dt.date(2026, 12, 28))  # Monday after Christmas
    await say(coach, "Skipped the whole weekend, both runs. Christmas happened.")
    after = await coach.show("ann")
    assert _statuses(after, "2026-12-26") == ["missed"] and _statuses(after, "2026-12-27") == ["missed"]


async def test_days_named_in_a_heads_up_are_days_away_and_the_long_day_stays(db: Database) -> None:
    coach = await _coach(db)
    before = await coach.show("ann")
    await say(coach, "heads up I've been asked to work the next 3 Sundays, 13th 20th and 27th, can't run any of them. not sure what you want to do with the long runs")
    after = await coach.show("ann")
    assert all(_minutes(after, day) == 0 for day in ("2026-12-13", "2026-12-20", "2026-12-27"))
    assert _minutes(after, "2026-12-12") > 0 and after["profile"]["availability"] == before["profile"]["availability"]


async def test_new_kit_told_beside_a_check_in_is_remembered(db: Database) -> None:
    coach = await _coach(db)
    await say(coach, "Slept 8 hrs, feeling fresh. New Hokas arrived so I'll try them on today's run")
    after = await coach.show("ann")
    assert [c["sleep_hours"] for c in after["checkins"]] == [8.0]
    assert any("hokas" in str(n).lower() for n in after["notes"])


async def test_a_recap_records_the_day_missed_the_night_and_eases_the_day_asked(db: Database) -> None:
    coach = await _coach(db, dt.date(2026, 12, 9))  # Wednesday
    before = await coach.show("ann")
    await say(coach, "quick recap: didn't touch my trainers yesterday, slept maybe 4 hours, and I'm feeling fragile. "
                     "Tomorrow's run, can we make it a gentler one?")
    after = await coach.show("ann")
    assert _statuses(after, "2026-12-08") == ["missed"]
    assert _minutes(after, "2026-12-10") < _minutes(before, "2026-12-10")
    assert [c["sleep_hours"] for c in after["checkins"]] == [4.0]
