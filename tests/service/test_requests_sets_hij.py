"""Requests blind sets H, I and J showed were missed as frozen (issue 10), read from the store after
the message: a time limit for every day of a span, call-offs and days out in slang, the night's
sleep among a workout's hours, the goal pace asked for, and questions that must change nothing
even where a rule reads a request in their words (the effect model's whole-message reading)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from coach.brain.slots import parse_slots
from coach.service.service import CoachService
from coach.store.db import Database
from tests.service.test_asking import PROFILE, TUESDAY, Clock, say, sessions


@pytest.fixture
async def coach(db: Database) -> CoachService:
    service = CoachService(db, Clock(TUESDAY))  # Tue 8 Dec; runs Tue/Thu/Sat/Sun (Sat easy, Sun long)
    await service.add_athlete("ann", PROFILE)
    return service


def _minutes(doc: dict[str, Any], day: str) -> int:
    return sum(m for _, m in sessions(doc).get(day, []))


THIS_WEEK = ("2026-12-08", "2026-12-10", "2026-12-12", "2026-12-13")


@pytest.mark.parametrize("text", [
    "Kids out of school. Max 30 min per run this week.",
    "I've only got nap time, 30 min max each day, today through Sunday",
])
async def test_a_limit_for_every_day_of_a_span_caps_each_planned_day(coach: CoachService, text: str) -> None:
    before = await coach.show("ann")
    await say(coach, text)
    after = await coach.show("ann")
    assert all(0 < _minutes(after, day) <= 30 for day in THIS_WEEK), [_minutes(after, d) for d in THIS_WEEK]
    assert _minutes(after, "2026-12-15") == _minutes(before, "2026-12-15")  # next week untouched


async def test_a_weekday_limit_leaves_the_weekend_alone(coach: CoachService) -> None:
    before = await coach.show("ann")
    await say(coach, "Busy at work: weekday runs 30 min max until the 20th please")
    after = await coach.show("ann")
    assert 0 < _minutes(after, "2026-12-10") <= 30 < _minutes(before, "2026-12-10")
    assert 0 < _minutes(after, "2026-12-17") <= 30
    assert _minutes(after, "2026-12-13") == _minutes(before, "2026-12-13")  # Sunday's long run stays


async def test_one_limit_for_one_day_stays_one_day(coach: CoachService) -> None:
    before = await coach.show("ann")
    await say(coach, "got 20 mins today, that's it")
    after = await coach.show("ann")
    assert 0 < _minutes(after, "2026-12-08") <= 20
    assert _minutes(after, "2026-12-10") == _minutes(before, "2026-12-10")


async def test_days_called_toast_are_dropped_but_toast_legs_are_not(coach: CoachService) -> None:
    await say(coach, "Three 12s in a row starting tonight so today and Saturday are toast. Sunday I'm off")
    after = await coach.show("ann")
    assert _minutes(after, "2026-12-08") == 0 and _minutes(after, "2026-12-12") == 0
    assert _minutes(after, "2026-12-13") > 0


async def test_legs_that_are_toast_drop_nothing(coach: CoachService) -> None:
    await say(coach, "my legs are toast today")
    after = await coach.show("ann")
    assert _minutes(after, "2026-12-08") > 0


@pytest.mark.parametrize(("text", "gone"), [
    ("Righto, new roster at work means Thursdays are cactus from now on", "thu"),
    ("New Year's resolution: no more Saturday runs, that's family day now. Sunday long run stays", "sat"),
])
async def test_a_day_out_for_good_in_slang_leaves_the_training_days(coach: CoachService, text: str, gone: str) -> None:
    await say(coach, text)
    days = (await coach.show("ann"))["profile"]["availability"]["days"]
    assert gone not in days and "sun" in days


async def test_a_session_that_is_going_to_another_day_moves(coach: CoachService) -> None:
    before = sessions(await coach.show("ann"))
    await say(coach, "Dentist at 6 tonight so today's run is going to Wednesday.")
    after = sessions(await coach.show("ann"))
    assert "2026-12-08" not in after and after["2026-12-09"] == before["2026-12-08"]


def test_the_night_is_read_from_the_clause_that_says_slept() -> None:
    slots = parse_slots("Did 60 km yesterday in 2h20, longer than planned! Slept 7h, legs are tired.", dt.date(2026, 12, 13))
    assert slots.sleep_hours == 7.0
    assert 2 * 3600 + 20 * 60 in slots.durations_s  # the ride's time stays a duration


async def test_the_goal_pace_asked_for_is_the_target_over_the_distance(coach: CoachService, db: Database) -> None:
    await coach.add_athlete("bea", PROFILE.model_copy(update={"goal": PROFILE.goal.model_copy(update={"target_time": "1:50:00"})}))
    from coach.service.service import Who
    from coach.service.types import Incoming

    result = await coach.handle(Who(name="bea"), Incoming(kind="text", text="what is my goal pace per kilometre for the race?"))
    text = "\n".join(r.text for r in result.replies)
    assert "5:13 /km" in text and "1:50:00" in text  # 6,600 s over 21.0975 km


@pytest.mark.parametrize("text", [
    "why is this week so much lighter than last week? not complaining, I'm not tired, just curious",
    "how far is saturday's run? want to plan a loop",
    "quick one - why's this week so much shorter than the last?",  # read as a request to ease, before
    "when do the long runs start getting longer?",
    "does an hour on the treadmill count the same as an hour outside?",
])
async def test_a_question_the_rules_read_as_a_request_changes_nothing_once_the_model_is_loaded(
    coach: CoachService, text: str
) -> None:
    coach.offline.classifier().embedder.load()  # as after the start-up warm-up
    before = await coach.show("ann")
    replies = await say(coach, text)
    after = await coach.show("ann")
    assert sessions(after) == sessions(before) and after["profile"] == before["profile"]
    assert after["checkins"] == before["checkins"] and after["notes"] == before["notes"]
    assert replies and replies[0].text


@pytest.mark.parametrize("text", [
    "can we move some stuff around this weekend? got a thing on",
    "can you rejig next week for me?",
    "mate can we shuffle the weekend round a bit? got a wedding on",  # read as "show the week", before
    "need a change next weekend 🙏",  # read as thanks, before
])
async def test_a_change_too_vague_to_make_is_asked_about_once_the_model_is_loaded(coach: CoachService, text: str) -> None:
    coach.offline.classifier().embedder.load()
    before = await coach.show("ann")
    replies = await say(coach, text)
    after = await coach.show("ann")
    assert sessions(after) == sessions(before) and after["profile"] == before["profile"]
    assert "?" in replies[-1].text or any(r.buttons for r in replies)  # a question back, nothing changed


async def test_a_run_cut_short_by_pain_in_plain_words_records_the_part_done_and_the_pain(coach: CoachService) -> None:
    await say(coach, "did 3k of today's run then my hamstring started twinging so I walked home")
    doc = await coach.show("ann")
    statuses = [s["status"] for w in doc["plan"]["weeks"] for s in w["sessions"] if s["date"] == "2026-12-08"]
    assert statuses == ["partial"]
    assert any("hamstring" in str(row) for row in doc["limitations"])


@pytest.mark.parametrize(("text", "source", "target"), [
    ("Christmas do tonight so tomorrow's run is gonna be grim. Can we shift it to Friday?", "2026-12-10", "2026-12-11"),
    ("on call thurs 8am-8pm so thurs run defo not happening. can i do it fri?", "2026-12-10", "2026-12-11"),
])
async def test_the_session_named_as_a_days_own_is_the_one_that_moves(db: Database, text: str, source: str, target: str) -> None:
    coach = CoachService(db, Clock(dt.date(2026, 12, 9)))  # Wednesday: tomorrow is Thursday's run
    await coach.add_athlete("ann", PROFILE)
    before = sessions(await coach.show("ann"))
    await say(coach, text)
    after = sessions(await coach.show("ann"))
    assert source not in after and after[target] == before[source]


async def test_the_biggest_week_is_read_from_the_whole_plan(coach: CoachService) -> None:
    before = await coach.show("ann")
    replies = await say(coach, "what's the biggest week in the whole plan, km wise?")
    weeks = before["plan"]["weeks"]
    peak = max(weeks, key=lambda w: (w["planned_minutes"], -w["index"]))
    assert peak["index"] > 1  # a build: the peak is not the first week
    assert f"week {peak['index']}" in replies[0].text and f"{peak['planned_km']:g} km" in replies[0].text
    assert sessions(await coach.show("ann")) == sessions(before)


def _statuses(doc: dict[str, Any], day: str) -> list[str]:
    return [s["status"] for w in doc["plan"]["weeks"] for s in w["sessions"] if s["date"] == day and s["type"] != "commitment"]


async def test_a_call_off_in_its_own_sentence_drops_that_sentences_day_not_the_workout_told(coach: CoachService) -> None:
    before = await coach.show("ann")
    await say(coach, "Ran 8k this morning in 45 min, lovely and frosty. Thursday I'll skip though, it's parents' evening")
    after = await coach.show("ann")
    assert sessions(after).get("2026-12-10") in (None, []) and sessions(before)["2026-12-10"]  # Thursday dropped
    assert [(a["sport"], a["elapsed_s"]) for a in after["activities"]] == [("run", 45 * 60)]
    assert _statuses(after, "2026-12-08") != ["planned"] and sessions(after)["2026-12-08"]  # today's run logged, not dropped


async def test_a_time_limit_after_a_workout_told_caps_its_day(coach: CoachService) -> None:
    before = await coach.show("ann")
    await say(coach, "Did 40 min easy this morning, 7k. Also Thursday I'm only free for 30 mins")
    after = await coach.show("ann")
    assert 0 < _minutes(after, "2026-12-10") <= 30 < _minutes(before, "2026-12-10")
    assert [a["sport"] for a in after["activities"]] == ["run"]


async def test_a_workout_told_with_tomorrows_limit_in_the_same_message_is_logged_and_the_limit_kept(coach: CoachService) -> None:
    before = await coach.show("ann")
    await say(coach, "Run completed in the rain: 9 km, 55 minutes. Thursday I shall keep to 30 minutes; we have guests.")
    after = await coach.show("ann")
    assert [(a["sport"], a["elapsed_s"]) for a in after["activities"]] == [("run", 55 * 60)]
    assert 0 < _minutes(after, "2026-12-10") <= 30 < _minutes(before, "2026-12-10")


async def test_going_to_a_place_for_a_span_is_time_away_not_a_move(db: Database) -> None:
    service = CoachService(db, Clock(dt.date(2026, 12, 16)))
    await service.add_athlete("ann", PROFILE)
    service.offline.classifier().embedder.load()
    before = await service.show("ann")
    replies = await say(service, "On Saturday I go to Lisbon for Christmas, from 19 until 28, no running while I am there.")
    after = await service.show("ann")
    away = [d for d in sessions(before) if "2026-12-19" <= d <= "2026-12-28"]
    assert away and all(not sessions(after).get(d) for d in away), replies[0].text  # every day of the trip is free
    assert not any(sessions(after).get(d) for d in ("2026-12-29",) if not sessions(before).get(d))  # nothing moved in


async def test_pain_with_an_ease_for_a_named_day_eases_that_day(coach: CoachService) -> None:
    coach.offline.classifier().embedder.load()
    before = await coach.show("ann")
    await say(coach, "Left knee, front, just under the kneecap. Aches after 40 min. Ease Sun.")
    after = await coach.show("ann")
    assert after["limitations"] and _minutes(after, "2026-12-13") < _minutes(before, "2026-12-13")


async def test_pain_with_a_weekend_of_rest_drops_the_weekend(coach: CoachService) -> None:
    coach.offline.classifier().embedder.load()
    await say(coach, "My right Achilles has become rather painful. I intend to rest it entirely this weekend.")
    after = await coach.show("ann")
    assert after["limitations"] and not sessions(after).get("2026-12-12") and not sessions(after).get("2026-12-13")


async def test_not_running_on_two_named_days_after_an_injury_drops_both(coach: CoachService) -> None:
    coach.offline.classifier().embedder.load()
    await say(coach, "Calf went pop on the run this morning, sharp pain. Ain't running Saturday or Sunday that's for sure")
    after = await coach.show("ann")
    assert not sessions(after).get("2026-12-12") and not sessions(after).get("2026-12-13")


async def test_a_question_after_a_remark_about_another_day_is_answered_for_the_day_asked(coach: CoachService) -> None:
    replies = await say(coach, "Sunday's sorted, I know that route. How long is Saturday's run? need to plan a loop")
    text = replies[0].text
    assert "Sat 12 Dec" in text and "Sun 13 Dec" not in text, text


async def test_a_question_about_a_sessions_parts_gets_its_parts(coach: CoachService) -> None:
    plain = (await say(coach, "Saturday's fine. how many mins is sunday's long run?"))[0].text
    parts = (await say(coach, "Saturday's fine. how many mins is the steady bit of sunday's long run?"))[0].text
    assert "@" not in plain and parts.startswith(plain) and "@" in parts.splitlines()[-1], (plain, parts)  # its pace band


async def test_a_vague_shuffle_of_the_weekend_asks_which_weekend_session(coach: CoachService) -> None:
    coach.offline.classifier().embedder.load()
    replies = await say(coach, "can we shuffle the weekend round a bit? got a wedding on")
    labels = [b.label for r in replies for row in r.buttons for b in row]
    assert any("Sat 12 Dec" in x for x in labels) and any("Sun 13 Dec" in x for x in labels), labels
    assert "Which session" in replies[-1].text, replies[-1].text  # the weekend's sessions move, not the week's first
