"""Small text helpers shared by the note classifier and the fact extractor.

Kept apart from the rules so they can be tested on their own: clause splitting decides
which words may vouch for which ("left knee sore, right one fine" must not make the right
knee sore), and duration parsing decides what "1h30" means.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

MINUTES_PER_HOUR: Final = 60

_SENTENCE_SPLIT: Final = re.compile(r"[.;!?\n]+")
_CLAUSE_SPLIT: Final = re.compile(r",|\bbut\b|\bthough\b|\bhowever\b")

_DURATION: Final = re.compile(
    r"(?<![\w.])(?P<hours>\d+)\s*h\s*(?P<hour_minutes>\d{1,2})\b"  # 1h30
    r"|(?<![\w.])(?P<number>\d+(?:\.\d+)?)\s*-?\s*(?P<unit>minutes|minute|mins|min|hours|hour|hrs|hr|h)\b"
)


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` (already normalised), without empty pieces."""
    return [s.strip() for s in _SENTENCE_SPLIT.split(text) if s.strip()]


def split_clauses(sentence: str) -> list[str]:
    """Clauses of one sentence: split on commas and on "but"/"though"/"however"."""
    return [c.strip() for c in _CLAUSE_SPLIT.split(sentence) if c.strip()]


@dataclass(frozen=True)
class DurationMention:
    """A duration found in text: its value in minutes and where it starts and ends."""

    minutes: int
    start: int
    end: int


def find_durations(
    text: str, spelled: re.Pattern[str], spelled_minutes: dict[str, int]
) -> list[DurationMention]:
    """Every duration in ``text``: "45 min", "1.5 hours", "1h30", and spelled ones such as "an hour"."""
    found: list[DurationMention] = []
    for match in _DURATION.finditer(text):
        if match.group("hours") is not None:
            minutes = int(match.group("hours")) * MINUTES_PER_HOUR + int(match.group("hour_minutes"))
        else:
            value = float(match.group("number"))
            unit = match.group("unit")
            minutes = round(value * MINUTES_PER_HOUR) if unit.startswith("h") else round(value)
        found.append(DurationMention(minutes, match.start(), match.end()))
    for match in spelled.finditer(text):
        if not any(d.start <= match.start() < d.end for d in found):
            found.append(DurationMention(spelled_minutes[match.group(0)], match.start(), match.end()))
    return sorted(found, key=lambda d: d.start)
