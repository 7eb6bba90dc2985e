"""Slot extraction for the brain: the reader now lives in the language layer (``coach.language.spans``).

Kept as the brain's import path, so the offline brain, the intent classifier and the services
read messages through the one reader; see :mod:`coach.language.spans` for the rules.
"""

from __future__ import annotations

from coach.engine.units import METRES_PER_MILE
from coach.language.body import BODY_PARTS, BodyPart, BodyPartMention, Side
from coach.language.quantities import HALF_MARATHON_M, MARATHON_M, PARKRUN_M
from coach.language.spans import (
    SPORTS,
    WEEKDAYS,
    DateRange,
    SlotParser,
    Slots,
    Sport,
    Weekday,
    is_past_tense,
    next_weekday,
    normalise_text,
    parse_slots,
    previous_weekday,
    resolve_weekday,
)

__all__ = [
    "BODY_PARTS",
    "HALF_MARATHON_M",
    "MARATHON_M",
    "METRES_PER_MILE",
    "PARKRUN_M",
    "SPORTS",
    "WEEKDAYS",
    "BodyPart",
    "BodyPartMention",
    "DateRange",
    "Side",
    "SlotParser",
    "Slots",
    "Sport",
    "Weekday",
    "is_past_tense",
    "next_weekday",
    "normalise_text",
    "parse_slots",
    "previous_weekday",
    "resolve_weekday",
]
