"""Note kinds: the rule-based classifier against labelled notes, and its explanations."""

from __future__ import annotations

from pathlib import Path

import pytest

from memory import NoteRulesError, classify_note, explain_note, load_note_rules, parse_note_rules
from memory.vocabulary import NOTE_KINDS, NoteKind

MIN_ACCURACY = 0.90
"""The bar the brief sets; a miss here usually means a phrase is missing from note_rules.yaml."""

LABELLED_NOTES: list[tuple[str, NoteKind]] = [
    ("My left knee hurts going downstairs", "injury"),
    ("left shoulder felt tweaky on the bench press", "injury"),
    ("Achilles is sore after the long run", "injury"),
    ("lower back tight after deadlifts", "injury"),
    ("I think I've got plantar fasciitis, heel is killing me in the morning", "injury"),
    ("Physio says shin splints, no running for two weeks", "injury"),
    ("Rolled my ankle on the trail yesterday, it's swollen", "injury"),
    ("right hamstring twinged during the sprints", "injury"),
    ("My calves are really tight", "injury"),
    ("Sharp pain in my right hip when I run", "injury"),
    ("Tennis elbow is flaring up again", "injury"),
    ("Knee is a bit sore after cycling", "injury"),
    ("I only have a 25 m pool", "equipment"),
    ("I don't have a power meter", "equipment"),
    ("Treadmill only during the winter", "equipment"),
    ("Just bought a turbo trainer", "equipment"),
    ("I have a pair of dumbbells and a kettlebell at home", "equipment"),
    ("My Garmin died, no heart rate for a while", "equipment"),
    ("The gym near me has a squat rack", "equipment"),
    ("I can swim in the lake in summer, open water", "equipment"),
    ("Only 45 minutes on weekdays", "constraint"),
    ("No swimming on Tuesdays", "constraint"),
    ("I work night shifts on Thursdays and Fridays", "constraint"),
    ("Can't train on Sundays, family day", "constraint"),
    ("Max 6 hours a week in total", "constraint"),
    ("Travelling for work next week, hotel only", "constraint"),
    ("The pool is closed on Mondays", "constraint"),
    ("I have an hour at lunch on Wednesdays", "constraint"),
    ("I prefer running in the morning", "preference"),
    ("I'd rather do my long ride on Saturday than Sunday", "preference"),
    ("I hate the treadmill, rather run in the rain", "preference"),
    ("I love hill sessions", "preference"),
    ("I don't like swimming with paddles", "preference"),
    ("I enjoy training with a group", "preference"),
    ("I want to break 3 hours in the marathon", "goal"),
    ("Signed up for my first Ironman next year", "goal"),
    ("My goal is a sub-20 5k", "goal"),
    ("I'd like to lose weight and get faster", "goal"),
    ("Aiming to qualify for Boston", "goal"),
    ("I want to finish an Olympic triathlon", "goal"),
    ("Felt great today, legs fresh", "feeling"),
    ("Exhausted, slept badly all week", "feeling"),
    ("Legs felt heavy on the run", "feeling"),
    ("Really motivated after the race", "feeling"),
    ("Stressed at work, low energy", "feeling"),
    ("That session was brutal but I loved it", "feeling"),
]
WRITTEN_AFTER_THE_RULES: list[tuple[str, NoteKind]] = [
    ("my IT band is playing up on long runs", "injury"),
    ("tweaked my neck in the pool", "injury"),
    ("wrist still hurts from the fall", "injury"),
    ("groin strain from football", "injury"),
    ("foot feels bruised after the race", "injury"),
    ("there's a 50m outdoor pool near work", "equipment"),
    ("I got a heart rate strap for my birthday", "equipment"),
    ("No bike at the moment, it's in for repair", "equipment"),
    ("I can only get to the gym twice a week", "constraint"),
    ("Mornings before 7 are my only window", "constraint"),
    ("Never on Fridays", "constraint"),
    ("I have two kids so weekends are tight", "constraint"),
    ("I'm happier on the bike than running", "preference"),
    ("Not a fan of track sessions", "preference"),
    ("Would rather swim outdoors", "preference"),
    ("I want to do a half Ironman in 2026", "goal"),
    ("Target: 1:30 half marathon", "goal"),
    ("hoping to complete a 200 km brevet", "goal"),
    ("Tired and flat this week", "feeling"),
    ("Feeling strong, ready for more", "feeling"),
    ("Couldn't sleep before the race, nervous", "feeling"),
]
"""Notes written after the rules were tuned on ``LABELLED_NOTES``, to keep the accuracy honest.

At the time of writing one is missed: "No bike at the moment" reads as "no biking" (a
constraint), since "bike" is both the sport and the machine.
"""

ALL_NOTES = LABELLED_NOTES + WRITTEN_AFTER_THE_RULES


def test_every_kind_is_represented() -> None:
    assert {kind for _, kind in ALL_NOTES} == set(NOTE_KINDS)


def test_classifier_accuracy_on_labelled_notes() -> None:
    misses = [(text, kind, classify_note(text)) for text, kind in ALL_NOTES if classify_note(text) != kind]
    accuracy = 1 - len(misses) / len(ALL_NOTES)
    print(f"\nnote kind accuracy {accuracy:.1%} on {len(ALL_NOTES)} notes; misses: {misses}")
    assert accuracy >= MIN_ACCURACY, misses


def test_classifier_accuracy_on_notes_written_after_the_rules() -> None:
    hits = sum(classify_note(text) == kind for text, kind in WRITTEN_AFTER_THE_RULES)
    assert hits / len(WRITTEN_AFTER_THE_RULES) >= MIN_ACCURACY


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Felt tired, knee a bit sore", "injury"),  # a pain outranks a mood
        ("I only have a 25 m pool", "equipment"),  # "only" alone does not make a constraint
        ("The pool is closed on Mondays", "constraint"),
        ("Can't run this week, travelling", "constraint"),
        ("Can’t run, my knee hurts", "injury"),  # a phone's curly apostrophe
        ("", "feeling"),
    ],
)
def test_classifier_edge_cases(text: str, kind: NoteKind) -> None:
    assert classify_note(text) == kind


def test_explanations_name_the_rules_that_fired() -> None:
    result = explain_note("My left knee hurts going downstairs")
    assert result.kind == "injury"
    assert "injury +1: body part 'knee'" in result.reasons
    assert "injury +2: pain word 'hurts'" in result.reasons
    assert result.scores["injury"] == max(result.scores.values())
    assert explain_note("lorem ipsum").reasons == ("no rule fired",)


def test_the_shipped_rules_load_and_are_cached() -> None:
    assert load_note_rules() is load_note_rules()
    assert load_note_rules().body_parts["knee"].avoid == ["intervals", "downhill", "hills", "heavy_lower"]


def _shipped_rules_text() -> str:
    return (Path(__file__).parents[2] / "memory" / "note_rules.yaml").read_text(encoding="utf-8")


def test_an_avoid_tag_the_engine_does_not_know_is_refused() -> None:
    broken = _shipped_rules_text().replace(
        "avoid: [intervals, downhill, hills, heavy_lower]", "avoid: [interval]", 1
    )
    with pytest.raises(NoteRulesError, match="do not validate"):
        parse_note_rules(broken)


def test_bad_yaml_and_bad_versions_are_refused() -> None:
    with pytest.raises(NoteRulesError, match="not valid YAML"):
        parse_note_rules("version: [1")
    with pytest.raises(NoteRulesError, match="version 2 is not supported"):
        parse_note_rules(_shipped_rules_text().replace("version: 1", "version: 2", 1))
