"""The memory's vocabularies must be the plan engine's, or a limitation would filter nothing."""

from __future__ import annotations

from typing import get_args

from coach.engine import models as engine
from memory import vocabulary
from memory.rules import load_note_rules


def test_session_types_a_limitation_may_avoid_are_the_engines() -> None:
    assert set(get_args(vocabulary.SessionTypeTag)) == set(get_args(engine.SessionType)) - {"commitment"}


def test_weekdays_and_sports_are_spelled_as_in_the_engine() -> None:
    assert vocabulary.WEEKDAYS == engine.WEEKDAYS
    assert set(vocabulary.SPORTS) <= set(get_args(engine.SessionSport))


def test_avoid_tags_are_session_types_tags_and_sports() -> None:
    expected = (
        set(get_args(vocabulary.SessionTypeTag))
        | set(get_args(vocabulary.SessionTag))
        | set(vocabulary.SPORTS)
    )
    assert set(vocabulary.AVOID_TAGS) == expected


def test_every_body_part_and_equipment_item_has_rules() -> None:
    rules = load_note_rules()
    assert set(rules.body_parts) == set(vocabulary.BODY_PARTS)
    assert set(rules.equipment.items) == set(vocabulary.EQUIPMENT_ITEMS)
    assert set(rules.sports) == set(vocabulary.SPORTS)
    assert set(rules.weekdays) == set(vocabulary.WEEKDAYS)
