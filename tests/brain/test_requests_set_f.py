"""What a message asks for, read by the offline brain's request rules (no model needed): the wordings
of blind set F that the rules missed as frozen, each with a near miss that must read otherwise."""

from __future__ import annotations

import datetime as dt

import pytest

from coach.brain.offline import _request_of, _vague_of, _without_plans
from coach.brain.slots import parse_slots

TUE = dt.date(2027, 1, 19)


def request(text: str, intent: str = "unknown", today: dt.date = TUE) -> str | None:
    slots = parse_slots(text, today)
    found = _request_of(text, slots, intent, today)
    return _vague_of(text, slots, found or intent) or found


@pytest.mark.parametrize(
    "text",
    [
        "Cancel today. The roads are sheet ice and I still haven't got a turbo.",
        "Sunday spin cancelled. It's raining sideways and I'm not going out in that",
        "xmas eve run is not happening lol, way too much to do",
        "Thurs run is off, parents evening",
        "whole weekend's a write-off, we're moving house",
    ],
)
def test_a_session_called_off_is_skipped_whatever_the_weather(text: str) -> None:
    assert request(text) == "skip"


def test_weather_alone_changes_nothing() -> None:
    assert request("raining sideways out there, brrr") == "weather"


@pytest.mark.parametrize(
    "text",
    [
        "can we make tomorrows tempo just an easy run instead? I'd rather keep it chill this week",
        "Thursday's ride - can it just be a short easy spin? I'm out late tonight at a gig",
    ],
)
def test_a_session_made_easy_is_eased(text: str) -> None:
    assert request(text, "remember_note") == "ease"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Hi! I should mention I'm a type 1 diabetic, so sometimes I have to cut runs short if my blood sugar tanks", "partial"),
        ("I'm allergic to ibuprofen btw, in case it ever comes up", "unknown"),
        ("Hey coach! I'm Priya, 34, ran my first 10k in 50 min last spring. I much prefer running in the mornings.", "log_workout"),
        ("I'll be in Tenerife from the 2nd to the 9th but I'm hiring a bike so I can still ride everything!", "unavailable"),
    ],
)
def test_facts_and_history_are_kept_not_acted_on(text: str, intent: str) -> None:
    assert request(text, intent) == "remember_note"


def test_a_workout_done_today_is_still_logged() -> None:
    assert request("ran 10k in 50 min this morning", "log_workout") is None  # the classifier's log_workout stands


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Ugh, this week is a nightmare. Can we sort something out?", "week"),
        ("Change of plan this week", "week"),
        ("is it possible to do more at the weekends and less in the week?", "week"),
        ("Can you make the rides shorter?", "partial"),
    ],
)
def test_vague_changes_are_asked_about(text: str, intent: str) -> None:
    assert request(text, intent) in ("vague_change", "vague_less")


def test_a_reading_reported_is_not_a_question_about_my_numbers() -> None:
    assert request("Knackered. 5 hrs sleep and resting HR is up 8 beats. I'll still go out today but properly easy, yeah?", "fatigue") == "ease"
    assert request("what's my resting heart rate?") == "numbers"


def test_someone_elses_illness_is_not_the_athletes() -> None:
    assert request("Skiped yesterday. Kid was sick.", "missed") != "illness"
    assert request("woke up with a streaming cold and a banging headache. no run today", "missed") == "illness"


def test_plans_ahead_are_left_out_of_a_log() -> None:
    told = "Did a gym session at lunch: squats 4x8 @ 80kg, RDLs 3x10. about 45 mins. Still riding tonight as planned."
    assert "riding" not in _without_plans(told) and "squats 4x8" in _without_plans(told)


def test_the_whole_weekend_is_the_coming_saturday_and_sunday() -> None:
    span = parse_slots("whole weekend's a write-off", dt.date(2027, 1, 28), past=False).date_range
    assert span is not None and (span.start, span.end) == (dt.date(2027, 1, 30), dt.date(2027, 1, 31))


@pytest.mark.parametrize(
    "text", ["Switched to a 34/50 compact crankset for the climbs.", "Just got a Wahoo Kickr so I can do indoor sessions now 🙌"],
)
def test_new_kit_is_kept_as_a_note(text: str) -> None:
    assert request(text, "log_workout") == "remember_note"


def test_new_kit_with_a_request_leaves_the_request_to_act() -> None:
    assert request("New power meter pedals arrived! Also please swap Sat/Sun this week.") != "remember_note"


def test_a_workout_told_as_an_fyi_is_logged_not_kept_as_a_note() -> None:
    assert request("FYI: this morning I swam 2,000 m in 42 minutes at the club pool as cross-training.", "remember_note") == "log_workout"
    assert request("FYI I carry a puncture kit now", "remember_note") == "remember_note"


@pytest.mark.parametrize("text", [
    "Did 10k of the long run then my hamstring started twinging so I walked the rest home",
    "my knee is talking to me, gonna cut today's ride to an hour",
    "cut today's short, 3.5k of the 7, calf felt weird",
])
def test_pain_in_plain_words_is_pain(text: str) -> None:
    from coach.brain.offline import _PAIN

    assert _PAIN.search(text.lower())
