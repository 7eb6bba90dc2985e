"""The language layer: reading athletes' own words into typed values.

One place for what onboarding, ``/log``, commands, the brain and memory all need to read: the
normaliser (:mod:`~coach.language.text`: a light fold and the full stage), the one date reader
and the slot reader (:mod:`~coach.language.spans`), durations and distances
(:mod:`~coach.language.quantities`, units by pint in :mod:`~coach.language.units`) and body
parts with their side (:mod:`~coach.language.body`). It imports nothing of the coach but the
engine's units, and never reads the clock: today is an argument.
"""

from coach.language.body import (
    LOWER_BODY,
    REGION_OF,
    BodyPart,
    BodyPartMention,
    BodyRegion,
    Side,
    find_body_parts,
)
from coach.language.quantities import (
    ClockAmbiguity,
    DistanceSpan,
    DurationSpan,
    find_distances,
    find_durations,
    plausible_speed_mps,
    read_clock,
    read_distance_m,
    read_duration_s,
)
from coach.language.spans import WEEKDAY_WORDS, DateError, Slots, parse_slots, read_date
from coach.language.text import fold, normalise, number_words_to_digits

__all__ = [
    "LOWER_BODY",
    "REGION_OF",
    "WEEKDAY_WORDS",
    "BodyPart",
    "BodyPartMention",
    "BodyRegion",
    "ClockAmbiguity",
    "DateError",
    "DistanceSpan",
    "DurationSpan",
    "Side",
    "Slots",
    "find_body_parts",
    "find_distances",
    "find_durations",
    "fold",
    "normalise",
    "number_words_to_digits",
    "parse_slots",
    "plausible_speed_mps",
    "read_clock",
    "read_date",
    "read_distance_m",
    "read_duration_s",
]
