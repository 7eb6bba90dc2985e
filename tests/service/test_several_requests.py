"""Messages that carry more than one request, time caps in everyday words, and runs logged
without a time (issue 10). Outcomes are read from the store, never from an intent label."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from coach.service.service import CoachService
from coach.store.db import Database
from tests.service.test_asking import PROFILE, TUESDAY, Clock, say, sessions


@pytest.fixture
async def coach(db: Database) -> CoachService:
    service = CoachService(db, Clock(TUESDAY))
    await service.add_athlete("ann", PROFILE)
    return service


@pytest.mark.parametrize("text", ["only got 30 min today", "30 min max today", "Can only squeeze in 30 minutes today, kids have a party"])
async def test_a_time_cap_for_today_shortens_today_whatever_the_tense(coach: CoachService, text: str) -> None:
    before = sessions(await coach.show("ann"))
    assert sum(m for _, m in before["2026-12-08"]) > 30
    await say(coach, text)
    doc = await coach.show("ann")
    after = sessions(doc)
    assert sum(m for _, m in after["2026-12-08"]) <= 30
    assert doc["activities"] == []  # a cap is not a logged session


async def test_a_cap_today_and_a_weekend_away_in_one_message_do_both(coach: CoachService) -> None:
    await say(coach, "Only got 20 min today and I'm away Saturday and Sunday at my mum's.")
    after = sessions(await coach.show("ann"))
    assert sum(m for _, m in after["2026-12-08"]) <= 20
    assert "2026-12-12" not in after and "2026-12-13" not in after


async def test_a_swap_and_a_cap_in_one_message_do_both(coach: CoachService) -> None:
    before = sessions(await coach.show("ann"))
    await say(coach, "swap thurs and sat, and I only have 30 min on sunday")
    after = sessions(await coach.show("ann"))
    assert after["2026-12-10"] == before["2026-12-12"] and after["2026-12-12"] == before["2026-12-10"]
    assert sum(m for _, m in after["2026-12-13"]) <= 30


async def test_a_run_without_its_time_takes_the_planned_time_and_says_so(coach: CoachService) -> None:
    planned = sum(m for _, m in sessions(await coach.show("ann"))["2026-12-08"])
    replies = await say(coach, "Ran 7k this morning, no pain at all in the knee")
    doc = await coach.show("ann")
    [activity] = doc["activities"]
    assert activity["sport"] == "run" and activity["distance_km"] == pytest.approx(7.0)
    assert round(activity["elapsed_s"] / 60) == planned
    assert f"{planned} min planned" in "\n".join(r.text for r in replies)


async def test_a_run_logged_yesterday_lands_on_yesterday(db: Database) -> None:
    wednesday = TUESDAY + dt.timedelta(days=1)
    coach = CoachService(db, Clock(wednesday))
    await coach.add_athlete("ann", PROFILE)
    await say(coach, "ran 8k yesterday in 44 min")
    [activity] = (await coach.show("ann"))["activities"]
    assert activity["start_time"].startswith("2026-12-08")


def statuses(doc: dict[str, Any], day: str) -> list[str]:
    return [s["status"] for w in doc["plan"]["weeks"] for s in w["sessions"] if s["date"] == day and s["type"] != "commitment"]


@pytest.mark.parametrize(
    "text", ["did about 2/3 of it then my legs packed in", "Got about a third of the way through and the heavens opened, so I called it."]
)
async def test_part_of_a_session_is_recorded_as_partial_not_as_a_whole_log(coach: CoachService, text: str) -> None:
    await say(coach, text)
    doc = await coach.show("ann")
    assert statuses(doc, "2026-12-08") == ["partial"]
    assert doc["activities"] == []


@pytest.mark.parametrize(
    ("text", "gone", "kept"),
    [
        ("away for work 15th-17th, no running", ["2026-12-15", "2026-12-17"], ["2026-12-13", "2026-12-19"]),
        ("Christmas party on the 17th so no run that day", ["2026-12-17"], ["2026-12-15", "2026-12-19"]),
        ("the 12th and 13th are out, family", ["2026-12-12", "2026-12-13"], ["2026-12-10", "2026-12-15"]),
        ("shoes are being repaired, no running until Saturday", ["2026-12-08", "2026-12-10"], ["2026-12-12", "2026-12-13"]),
    ],
)
async def test_days_that_are_out_in_everyday_words_hold_no_training(
    coach: CoachService, text: str, gone: list[str], kept: list[str]
) -> None:
    before = sessions(await coach.show("ann"))
    assert all(day in before for day in gone + kept)
    await say(coach, text)
    after = sessions(await coach.show("ann"))
    assert not [day for day in gone if day in after]
    assert all(day in after for day in kept)


async def test_ill_with_the_day_off_named_rests_until_that_day(db: Database) -> None:
    wednesday = TUESDAY + dt.timedelta(days=1)
    coach = CoachService(db, Clock(wednesday))
    await coach.add_athlete("ann", PROFILE)
    assert "2026-12-10" in sessions(await coach.show("ann"))
    await say(coach, "came down with something last night, temp 38.4. thursday's off I reckon")
    assert "2026-12-10" not in sessions(await coach.show("ann"))


async def test_a_score_out_of_ten_is_a_check_in(coach: CoachService) -> None:
    await say(coach, "energy 3/10 today")
    [checkin] = (await coach.show("ann"))["checkins"]
    assert checkin["energy"] in (1, 2) and checkin["sleep_hours"] is None


async def test_weather_is_not_a_symptom(coach: CoachService) -> None:
    before = await coach.show("ann")
    replies = await say(coach, "its freezing out there today brrr")
    after = await coach.show("ann")
    assert sessions(after) == sessions(before) and after["limitations"] == [] and after["checkins"] == []
    assert "plan stands" in replies[0].text


async def test_plural_weekdays_that_are_out_leave_the_availability(coach: CoachService) -> None:
    await say(coach, "From now on Saturdays are a no-go, I've started coaching my lad's football team.")
    doc = await coach.show("ann")
    assert "sat" not in doc["profile"]["availability"]["days"]
    assert not [d for d in sessions(doc) if d >= "2026-12-08" and dt.date.fromisoformat(d).weekday() == 5]


async def test_each_day_goes_to_the_other_is_a_swap_not_new_training_days(coach: CoachService) -> None:
    before = await coach.show("ann")
    await say(coach, "This week I want change: Saturday run goes Sunday and Sunday run goes Saturday.")
    after = await coach.show("ann")
    assert after["profile"]["availability"] == before["profile"]["availability"]
    b, a = sessions(before), sessions(after)
    assert a["2026-12-12"] == b["2026-12-13"] and a["2026-12-13"] == b["2026-12-12"]


async def test_should_i_skip_it_eases_the_session_instead_of_dropping_it(coach: CoachService) -> None:
    before = sum(m for _, m in sessions(await coach.show("ann"))["2026-12-08"])
    await say(coach, "work has been brutal. tonight's run, should I just skip it?")
    after = sessions(await coach.show("ann"))
    assert 0 < sum(m for _, m in after.get("2026-12-08", [])) < before


@pytest.mark.parametrize("text", ["i run with my dog most days so pace can be all over the place", "Got new shoes — Nike Pegasus 41. Just FYI"])
async def test_things_said_for_the_record_are_remembered(coach: CoachService, text: str) -> None:
    await say(coach, text)
    doc = await coach.show("ann")
    assert len(doc["notes"]) == 1 and sessions(doc) == sessions(await coach.show("ann"))


@pytest.mark.parametrize(("text", "fraction"), [("Did 45 min of the hour today then the light went.", 0.75),
                                                 ("Got 4 km done out of the 5.5 then had to sprint home", 0.73)])
async def test_part_of_a_session_in_minutes_or_km_of_the_planned(coach: CoachService, text: str, fraction: float) -> None:
    await say(coach, text)
    doc = await coach.show("ann")
    [today] = [s for w in doc["plan"]["weeks"] for s in w["sessions"] if s["date"] == "2026-12-08"]
    assert today["status"] == "partial" and today.get("fraction", fraction) == pytest.approx(fraction, abs=0.02)


async def test_a_us_date_at_the_end_of_a_sentence_is_read(db: Database) -> None:
    coach = CoachService(db, Clock(dt.date(2026, 12, 23)))  # "12/22" can only be month first, whatever the locale
    await coach.add_athlete("ann", PROFILE)
    await say(coach, "I missed my run on 12/22.")
    assert statuses(await coach.show("ann"), "2026-12-22") == ["missed"]


async def test_a_day_out_for_good_mid_plan_and_a_new_long_day(db: Database) -> None:
    """Past Saturdays are history: taking Saturdays out on the 15th is not refused because of them."""
    coach = CoachService(db, Clock(dt.date(2026, 12, 15)))
    await coach.add_athlete("ann", PROFILE)
    await say(coach, "I can't run Saturdays any more, I've picked up a weekend job. Long run on Sundays from now on.")
    doc = await coach.show("ann")
    assert doc["profile"]["availability"]["days"] == ["tue", "thu", "sun"]
    assert doc["profile"]["availability"]["long_day"] == "sun"
    assert not [d for d in sessions(doc) if d >= "2026-12-15" and dt.date.fromisoformat(d).weekday() == 5]


async def test_a_day_out_for_good_and_a_wedding_this_saturday(coach: CoachService) -> None:
    await say(coach, "I cannot run on Tuesdays anymore because new work. And this Saturday I am at a wedding.")
    doc = await coach.show("ann")
    assert doc["profile"]["availability"]["days"] == ["thu", "sat", "sun"]
    assert "2026-12-12" not in sessions(doc) and "2026-12-19" in sessions(doc)


async def test_ill_and_the_days_called_off_by_name_hold_no_training(coach: CoachService) -> None:
    await say(coach, "Fever and chills since last night. Cancel today and Saturday.")
    after = sessions(await coach.show("ann"))
    assert "2026-12-08" not in after and "2026-12-12" not in after


async def test_a_skip_with_a_grumbling_knee_records_the_knee_too(coach: CoachService) -> None:
    await say(coach, "Knee's grumbling (left, inside). Skip today, and just FYI I switched to new shoes last week.")
    doc = await coach.show("ann")
    assert "2026-12-08" not in sessions(doc)
    assert [lim["body_part"] for lim in doc["limitations"]] == ["knee"]


async def test_a_workout_logged_in_one_clause_and_a_trip_in_another_are_both_done_each_on_its_own_days(coach: CoachService) -> None:
    before = await coach.show("ann")
    await say(coach, "did 8k in 50 this morning. also heads up I'm away the 19th and 20th")
    doc = await coach.show("ann")
    after = sessions(doc)
    assert [(a["sport"], a["distance_km"], a["elapsed_s"]) for a in doc["activities"]] == [("run", 8.0, 3000)]
    assert "2026-12-19" not in after and "2026-12-20" not in after
    assert after["2026-12-15"] == sessions(before)["2026-12-15"], "only the trip's days are cleared"
    # the key long run that lost its Sunday takes the week's lightest easy day (an easy one goes first)
    assert [t for t, _ in after["2026-12-17"]] == ["long"]


async def test_a_skip_ahead_after_a_report_about_yesterday_skips_the_day_ahead(coach: CoachService) -> None:
    await say(coach, "calf tight after yesterday's 10k (58 min). gonna skip thursday")
    doc = await coach.show("ann")
    assert "2026-12-10" not in sessions(doc)
    assert any("calf" in str(lim.get("body_part")) for lim in doc["limitations"])
