"""Requests blind set AC showed were missed as frozen (issue 10), read from the store after the
message: a change of how many days a week asked which day, not guessed; a long day said again
changing nothing; British "Tuesday week"; a whole day taken by life ("got the kids all day
thursday, no childcare", "not back till gone 10pm", "no window for a run", "pure fantasy"); a trade
fair not a trade of days; away with the kit ("everything as normal"); a day with nothing planned left
alone; a window of the clock ("6:00 to 6:40") as its length; "keeping today short"; "Tuesdays are
done for running"; a day that "never happened" beside one cut short; a bare "My knee." asked about;
the sentence of a move with its two days; both days of a question; "to Saturday" naming the target;
"5 and a half" hours of sleep; a trip "back late Tuesday"; "the first week of Jan".
"""

from __future__ import annotations

import datetime as dt

import pytest

from coach.store.db import Database
from tests.service.test_asking import say
from tests.service.test_requests_set_k import _coach, _minutes, _statuses
from tests.service.test_requests_set_xyz import _trained

# The runner of tests.service.test_asking: Tue/Thu/Sat/Sun, long run Sunday, plan from Tue 8 Dec 2026.


@pytest.mark.parametrize(("text", "buttons"), [
    ("I'd like to go to 5 runs a week instead of 4.", {"Monday", "Wednesday", "Friday"}),
    ("can only manage 3 days a week from now, not 4", {"Tuesday", "Thursday", "Saturday", "Sunday"}),
])
async def test_a_new_count_of_days_asks_which_day_and_changes_nothing_yet(db: Database, text: str, buttons: set[str]) -> None:
    coach = await _coach(db)
    before = await coach.show("ann")
    replies = await say(coach, text)
    after = await coach.show("ann")
    assert after["plan"] == before["plan"] and after["profile"] == before["profile"]
    labels = {b.label for r in replies for row in r.buttons for b in row}
    assert buttons <= labels and "You choose" in labels


async def test_the_same_count_of_days_changes_nothing(db: Database) -> None:
    coach = await _coach(db)
    before = await coach.show("ann")
    replies = await say(coach, "4 days a week is fine")
    assert (await coach.show("ann"))["plan"] == before["plan"]
    assert "already train 4 days" in replies[0].text


async def test_the_long_day_said_again_rebuilds_nothing_and_the_fact_is_kept(db: Database) -> None:
    coach = await _coach(db)
    before = await coach.show("ann")
    await say(coach, "I do my long runs with the club, they leave at 8 on Sundays, so that's when I'll be running.")
    after = await coach.show("ann")
    assert after["plan"] == before["plan"] and after["profile"]["availability"] == before["profile"]["availability"]
    assert len(after["notes"]) == len(before["notes"]) + 1


@pytest.mark.parametrize(("today", "text", "free", "kept"), [
    (dt.date(2026, 12, 8), "Tuesday week (the 22nd) I'm at a conference all day in Leeds, can't run", ["2026-12-22"], ["2026-12-15"]),
    (dt.date(2026, 12, 15), "got the kids all day thursday, no childcare, partner's working a double", ["2026-12-17"], ["2026-12-15"]),
    (dt.date(2026, 12, 14), "tomorrow I'm on a 6am train to London and not back till gone 10pm", ["2026-12-15"], ["2026-12-17"]),
    (dt.date(2026, 12, 16), "I'm at a trade fair in Frankfurt Saturday and Sunday, so the weekend runs are off.",
     ["2026-12-19", "2026-12-20"], ["2026-12-17"]),
    (dt.date(2027, 1, 5), "Thursday is going to be insane. Dentist for both kids, then parent-teacher conferences until 8. "
     "there is literally no window for a run", ["2027-01-07"], ["2027-01-09"]),
    (dt.date(2026, 12, 16), "Hosting 14 people on Saturday 😱 a run that day is pure fantasy lol", ["2026-12-19"], ["2026-12-20"]),
    (dt.date(2027, 1, 18), "Flying to Dubai on Friday for a wedding, back late Tuesday.", ["2027-01-23", "2027-01-24", "2027-01-26"],
     ["2027-01-21"]),
])
async def test_a_day_life_takes_is_freed_and_only_that_day(
    db: Database, today: dt.date, text: str, free: list[str], kept: list[str]
) -> None:
    coach = await _coach(db, today)
    before = await coach.show("ann")
    assert _trained(before, free) == free and _trained(before, kept) == kept
    await say(coach, text)
    after = await coach.show("ann")
    assert _trained(after, free) == [] and _trained(after, kept) == kept


async def test_away_with_the_kit_and_everything_as_normal_changes_nothing(db: Database) -> None:
    coach = await _coach(db, dt.date(2026, 12, 21))
    before = await coach.show("ann")
    await say(coach, "I am at my parents 23rd to 28th but I take my trainers, so everything as normal.")
    after = await coach.show("ann")
    assert after["plan"] == before["plan"] and after["profile"] == before["profile"]


async def test_a_day_with_nothing_planned_is_left_alone(db: Database) -> None:
    coach = await _coach(db, dt.date(2026, 12, 20))
    before = await coach.show("ann")
    assert _minutes(before, "2026-12-25") == 0
    replies = await say(coach, "Christmas Day I won't be running, obviously. Don't even try 😂")
    assert (await coach.show("ann"))["profile"] == before["profile"]
    assert "Nothing is planned on" in replies[0].text


@pytest.mark.parametrize(("today", "text", "limit"), [
    (dt.date(2026, 12, 15), "Tonight I've literally got 6:00 to 6:40 on the treadmill before I have to grab the little one "
     "from nursery", 40),
    (dt.date(2026, 12, 24), "Keeping today short! 30 min and back before everyone arrives!!", 30),
])
async def test_time_said_as_a_window_or_keeping_it_short_caps_today(db: Database, today: dt.date, text: str, limit: int) -> None:
    coach = await _coach(db, today)
    before = await coach.show("ann")
    assert _minutes(before, today.isoformat()) > limit
    await say(coach, text)
    after = await coach.show("ann")
    assert 0 < _minutes(after, today.isoformat()) <= limit and after["activities"] == before["activities"]


async def test_first_week_of_a_month_names_that_weeks_days(db: Database) -> None:
    coach = await _coach(db, dt.date(2026, 12, 27))
    await say(coach, "Rota's out. First week of Jan I'm on 7am-7pm days, so Tuesday and Thursday that week I'll be dead on my "
                     "feet. Can we make those 30 minutes max?")
    after = await coach.show("ann")
    assert 0 < _minutes(after, "2027-01-05") <= 30 and 0 < _minutes(after, "2027-01-07") <= 30


async def test_a_weekday_done_for_running_leaves_the_week(db: Database) -> None:
    coach = await _coach(db, dt.date(2027, 1, 5))
    await say(coach, "I've joined a choir. Tuesday nights. And before you ask, Tuesday mornings are my early shift, so Tuesdays are "
                     "done for running.")
    assert "tue" not in (await coach.show("ann"))["profile"]["availability"]["days"]


async def test_a_day_that_never_happened_beside_one_cut_short(db: Database) -> None:
    coach = await _coach(db, dt.date(2027, 1, 31))
    await say(coach, "ugh. thursday never happened AND I cut today's long run short at 40 minutes because my sister called")
    after = await coach.show("ann")
    assert _statuses(after, "2027-01-28") == ["missed"] and _statuses(after, "2027-01-31") == ["partial"]


async def test_a_bare_body_part_is_asked_about_and_the_answer_recorded_with_it(db: Database) -> None:
    coach = await _coach(db)
    replies = await say(coach, "My knee.")
    assert (await coach.show("ann"))["limitations"] == []
    assert "knee" in replies[0].text and "?" in replies[0].text
    await say(coach, "it hurts going downstairs since Sunday")
    assert [lim["body_part"] for lim in (await coach.show("ann"))["limitations"]] == ["knee"]


@pytest.mark.parametrize("text", ["knee 😖😖 cant run", "my knee hurts"])
async def test_a_body_part_with_its_pain_is_recorded_at_once(db: Database, text: str) -> None:
    coach = await _coach(db)
    await say(coach, text)
    assert [lim["body_part"] for lim in (await coach.show("ann"))["limitations"]] == ["knee"]


@pytest.mark.parametrize(("today", "text", "source", "target"), [
    (dt.date(2026, 12, 10), "Right, confession time. Work Christmas do is Friday night, free bar, and I know exactly how Saturday "
     "morning is going to go. Any chance Saturday's run can go to Monday instead? I'd rather shift it than pretend.",
     "2026-12-12", "2026-12-14"),
    (dt.date(2026, 12, 9), "move the long run to saterday this week, sunday im bizy", "2026-12-13", "2026-12-12"),
])
async def test_a_move_reads_its_own_sentence_and_the_day_said_after_to(
    db: Database, today: dt.date, text: str, source: str, target: str
) -> None:
    coach = await _coach(db, today)
    before = await coach.show("ann")
    await say(coach, text)
    after = await coach.show("ann")
    assert _minutes(after, source) == 0 and _minutes(after, target) >= _minutes(before, source)


async def test_a_question_about_two_days_answers_both(db: Database) -> None:
    coach = await _coach(db, dt.date(2026, 12, 10))
    doc = await coach.show("ann")
    replies = await say(coach, "what's on saturday and sunday this week?")
    text = replies[0].text
    assert "Sat 12 Dec" in text and "Sun 13 Dec" in text
    assert f"{_minutes(doc, '2026-12-12')} min" in text and f"{_minutes(doc, '2026-12-13')} min" in text
    assert (await coach.show("ann"))["plan"] == doc["plan"]


async def test_hours_of_sleep_and_a_half_with_no_unit(db: Database) -> None:
    coach = await _coach(db, dt.date(2026, 12, 16))
    await say(coach, "stress at work is THROUGH THE ROOF. slept maybe 5 and a half")
    assert [c["sleep_hours"] for c in (await coach.show("ann"))["checkins"]] == [5.5]



async def test_a_time_limit_lands_on_the_day_it_is_for_not_the_day_that_bounds_the_reason(db: Database) -> None:
    coach = await _coach(db, dt.date(2026, 12, 14))
    before = await coach.show("ann")
    assert _minutes(before, "2026-12-17") > 30
    await say(coach, "car's in the garage till friday so i cant drive to the trail on thurs. ill just do wat i can from my front "
                     "door, prob like 30 mins max")
    after = await coach.show("ann")
    assert 0 < _minutes(after, "2026-12-17") <= 30 and after["profile"]["day_caps"] != []


async def test_an_hour_at_a_time_caps_each_day_named(db: Database) -> None:
    coach = await _coach(db, dt.date(2027, 1, 18))
    await say(coach, "I'm on call Thursday and Saturday this week. Have to stay within 10 mins of the hospital so it's treadmill "
                     "only, and realistically an hour at a time before my bleep goes.")
    after = await coach.show("ann")
    assert 10 < _minutes(after, "2027-01-21") <= 60 and 10 < _minutes(after, "2027-01-23") <= 60


@pytest.mark.parametrize(("today", "text", "day", "status"), [
    (dt.date(2026, 12, 20), "Overslept and the club long run went without me. Going to leave it rather than go solo.", "2026-12-20",
     "missed"),
    (dt.date(2026, 12, 12), "Pulled the pin at 1h20 today. Puncture and no spare tube, rookie error.", "2026-12-12", "partial"),
])
async def test_a_session_missed_or_cut_short_in_other_words(db: Database, today: dt.date, text: str, day: str, status: str) -> None:
    coach = await _coach(db, today)
    await say(coach, text)
    assert _statuses(await coach.show("ann"), day) == [status]


async def test_work_doubles_on_two_days_free_both_not_a_move(db: Database) -> None:
    coach = await _coach(db, dt.date(2026, 12, 19))
    before = await coach.show("ann")
    assert _trained(before, ["2026-12-22", "2026-12-24"]) == ["2026-12-22", "2026-12-24"]
    await say(coach, "I'm doing doubles at the restaurant on the 22nd and the 24th, Christmas rush innit. No way I can fit runs round that")
    assert _trained(await coach.show("ann"), ["2026-12-22", "2026-12-24"]) == []


async def test_an_easier_day_instead_of_endurance_eases_that_day_and_moves_nothing(db: Database) -> None:
    coach = await _coach(db, dt.date(2026, 12, 15))
    before = await coach.show("ann")
    await say(coach, "Saturday's club run always turns into a race, so can Sunday be a proper recovery jog instead of endurance?")
    after = await coach.show("ann")
    assert _minutes(after, "2026-12-19") == _minutes(before, "2026-12-19")
    assert 0 <= _minutes(after, "2026-12-20") < _minutes(before, "2026-12-20")


async def test_not_sure_about_a_run_asks_what_is_up(db: Database) -> None:
    coach = await _coach(db, dt.date(2026, 12, 16))
    before = await coach.show("ann")
    replies = await say(coach, "Not sure I should run tomorrow.")
    assert (await coach.show("ann"))["plan"] == before["plan"]
    assert replies[0].buttons and "?" in replies[0].text


async def test_sleep_by_the_clock_after_a_night_shift_is_its_hours(db: Database) -> None:
    coach = await _coach(db, dt.date(2027, 1, 20))
    await say(coach, "Just off my last night shift, slept 10am till 3pm.")
    assert [c["sleep_hours"] for c in (await coach.show("ann"))["checkins"]] == [5]


async def test_when_do_i_get_to_run_fast_names_the_first_harder_session(db: Database) -> None:
    coach = await _coach(db, dt.date(2026, 12, 8))
    doc = await coach.show("ann")
    first = next(s for w in doc["plan"]["weeks"] for s in w["sessions"]
                 if s["type"] not in ("easy", "long", "recovery", "rest", "strength", "mobility"))
    replies = await say(coach, "When do I get to run fast? It's been easy-easy for ages.")
    day = dt.date.fromisoformat(first["date"])
    assert f"{day:%a} {day:%d} {day:%b}" in replies[0].text and (await coach.show("ann"))["plan"] == doc["plan"]


async def test_maybe_the_weekend_maybe_one_day_asks_which_with_each_day_of_it(db: Database) -> None:
    coach = await _coach(db, dt.date(2027, 1, 13))
    before = await coach.show("ann")
    replies = await say(coach, "Weekend of the 16th I have something. Maybe the whole weekend, maybe only Saturday.")
    assert (await coach.show("ann"))["plan"] == before["plan"]
    labels = {b.label for r in replies for row in r.buttons for b in row}
    assert {"Free Sat 16 Jan", "Free Sun 17 Jan", "Wait until I know"} <= labels


async def test_a_calf_that_went_pop_is_a_run_cut_short_and_an_injury(db: Database) -> None:
    coach = await _coach(db, dt.date(2026, 12, 13))
    await say(coach, "Calf went pop at 6k on the long run, had to walk home. Feels like something tore.")
    after = await coach.show("ann")
    assert _statuses(after, "2026-12-13") == ["partial"] and [lim["body_part"] for lim in after["limitations"]] == ["calf"]


async def test_a_measured_max_hr_is_kept_as_a_note(db: Database) -> None:
    coach = await _coach(db, dt.date(2026, 12, 19))
    before = await coach.show("ann")
    await say(coach, "Max HR from a ramp test last week: 187.")
    after = await coach.show("ann")
    assert len(after["notes"]) == len(before["notes"]) + 1 and "187" in after["notes"][-1]["text"]
