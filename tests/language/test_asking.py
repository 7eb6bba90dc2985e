"""What a message asks of the coach from its wording: information, or a change left unsaid."""

from __future__ import annotations

import pytest

from coach.language.asking import asks_for_a_change, asks_for_information


@pytest.mark.parametrize("text", [
    "why is this week so much lighter than last?",
    "Quick q - why is the long run shorter this week?",
    "hey, when do the long rides get longer?",
    "Does an hour on the trainer count the same as an hour on the road?",
    "how many k is saturday's run",
    "what time am I looking at for the half at goal pace",
    "never gone past 15k, is a marathon even realistic by june",
    "I keep skipping warm ups, do I really need them",
    "could you tell me the distance for Sunday's ride?",
])
def test_questions_for_information_are_recognised(text: str) -> None:
    assert asks_for_information(text)


@pytest.mark.parametrize("text", [
    "is it ok if I skip today?",
    "can we move Thursday's run to Friday? why not",
    "why not make Saturday shorter please",
    "skipped Monday, hip was sore",
    "only 30 min today",
    "should I skip tomorrow?",
])
def test_requests_and_reports_are_not_questions_for_information(text: str) -> None:
    assert not asks_for_information(text)


@pytest.mark.parametrize("text", [
    "can we shuffle the weekend round a bit?",
    "Need a change this weekend",
    "new year's is gonna mess the week right up, can you sort it?",
    "could you rejig next week",
    "any chance we can switch things up on Saturday?",
])
def test_requests_for_some_change_are_recognised(text: str) -> None:
    assert asks_for_a_change(text)


@pytest.mark.parametrize("text", ["how was my week?", "ran 10k in 52 min", "thanks coach", "what's on tomorrow"])
def test_no_change_asked(text: str) -> None:
    assert not asks_for_a_change(text)


def test_units_after_numbers_are_no_foreign_words() -> None:
    from coach.language.odd import foreign_language

    assert foreign_language("xmas eve jog ✔️ 4 mi, 38:20 (9:35/mi)") is None
    assert foreign_language("hoy no puedo correr, mi rodilla duele") == "Spanish"
