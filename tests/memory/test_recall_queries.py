"""Body-part tagging and the query helpers behind ``MemoryIndex.recall``, and duration parsing."""

from __future__ import annotations

import pytest

from memory import recall_queries
from memory.recall import loaded_body_parts, note_body_parts
from memory.rules import load_note_rules
from memory.text import find_durations, split_clauses, split_sentences


@pytest.mark.parametrize(
    ("note", "parts"),
    [
        ("My left knee hurts going downstairs", {"knee"}),
        ("Plantar fasciitis flared up again", {"foot"}),
        ("left calf and right knee both a bit sore", {"calf", "knee"}),
        ("I only have a 25 m pool", set()),
    ],
)
def test_notes_are_tagged_with_the_body_parts_they_name(note: str, parts: set[str]) -> None:
    assert note_body_parts(note) == parts


@pytest.mark.parametrize(
    ("message", "included", "excluded"),
    [
        ("can I do hill repeats?", {"knee", "calf", "achilles"}, {"shoulder", "back"}),
        ("overhead press 5x5", {"shoulder"}, {"knee"}),
        ("Romanian deadlifts", {"back", "hamstring"}, {"shoulder"}),
        ("Swim: 10 x 100 m freestyle", {"shoulder"}, {"knee"}),
        ("my elbow", {"elbow"}, {"knee"}),
    ],
)
def test_messages_load_the_body_parts_their_movements_use(
    message: str, included: set[str], excluded: set[str]
) -> None:
    loaded = loaded_body_parts(message)
    assert included <= loaded
    assert not excluded & loaded


def test_recall_queries_start_with_the_message() -> None:
    assert recall_queries("can I do hill repeats?")[:2] == ["can I do hill repeats?", "knee pain"]
    assert recall_queries("how long is my pool?") == ["how long is my pool?"]
    assert recall_queries("   ") == []


def test_durations_in_every_spelling() -> None:
    rules = load_note_rules()
    spelled = rules.constraints.spelled_durations
    text = "45 min, 1.5 hours, 1h30, an hour and a half, half an hour"
    found = find_durations(text, rules.compiled.spelled_durations, spelled)
    assert [d.minutes for d in found] == [45, 90, 90, 90, 30]


def test_sentences_and_clauses() -> None:
    assert split_sentences("knee sore. pool closed!") == ["knee sore", "pool closed"]
    assert split_clauses("left knee sore, right one fine but calf tight") == [
        "left knee sore",
        "right one fine",
        "calf tight",
    ]
