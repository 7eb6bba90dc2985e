"""The closed vocabularies shared by note rules, facts and the plan engine.

Why closed (``Literal``) rather than free strings: a fact is a hard filter on the plan, so a
typo such as ``"interval"`` must fail when the rules file loads, not silently filter
nothing. ``tests/memory/test_vocabulary.py`` checks that the session types here are the
engine's own (``coach.engine.models.SessionType``), so the two cannot drift apart.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

from coach.language.body import BODY_REGIONS, BodyRegion, OneSide

NoteKind = Literal["injury", "constraint", "preference", "feeling", "equipment", "goal"]
NOTE_KINDS: Final[tuple[NoteKind, ...]] = get_args(NoteKind)

SportName = Literal["run", "ride", "swim", "strength"]
"""Sports a note can name; the same spelling as the engine's ``SessionSport``."""
SPORTS: Final[tuple[SportName, ...]] = get_args(SportName)

SessionTypeTag = Literal[
    "easy", "long", "tempo", "threshold", "intervals", "recovery", "race", "strength", "technique"
]
"""The plan's session types a limitation may rule out (the engine's ``SessionType`` minus "commitment")."""

SessionTag = Literal["downhill", "impact", "hills", "overhead", "heavy_lower"]
"""Properties of a session rather than its type: a hilly easy run is still "hills"."""

AvoidTag = Literal[
    "easy",
    "long",
    "tempo",
    "threshold",
    "intervals",
    "recovery",
    "race",
    "strength",
    "technique",
    "downhill",
    "impact",
    "hills",
    "overhead",
    "heavy_lower",
    "run",
    "ride",
    "swim",
]
"""What a limitation forbids: a session type, a session tag, or a whole sport ("can't run").

"strength" is both a session type and a sport; either reading forbids the same sessions.
"""
AVOID_TAGS: Final[tuple[AvoidTag, ...]] = get_args(AvoidTag)

BodyPart = BodyRegion
"""The body regions a note's rules act on: the language layer's one body-part vocabulary
(``coach.language.body``), where finer parts (glute, IT band, lower back) map to these."""
BODY_PARTS: Final[tuple[BodyPart, ...]] = BODY_REGIONS

Side = OneSide
Severity = Literal["mild", "moderate", "severe"]
SEVERITIES: Final[tuple[Severity, ...]] = get_args(Severity)

EquipmentItem = Literal[
    "pool",
    "open_water",
    "power_meter",
    "heart_rate_monitor",
    "gps_watch",
    "treadmill",
    "turbo_trainer",
    "track",
    "bike",
    "gym",
    "barbell",
    "dumbbells",
    "kettlebell",
    "resistance_bands",
]
EQUIPMENT_ITEMS: Final[tuple[EquipmentItem, ...]] = get_args(EquipmentItem)

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
"""The engine's spelling of weekdays (``coach.engine.models.Weekday``)."""
WEEKDAYS: Final[tuple[Weekday, ...]] = get_args(Weekday)

ConstraintRule = Literal["max_minutes", "max_weekly_minutes", "no_sport", "no_training"]
CONSTRAINT_RULES: Final[tuple[ConstraintRule, ...]] = get_args(ConstraintRule)
