"""Slot extraction: the facts inside an athlete's plain-language message.

Why regular expressions and no model: the offline brain must work with no API key, give
the same answer every time (so a re-plan can be reproduced in a test) and never guess a
number (MISSION principle 1). Every value returned here is read from the text; a value
that cannot be real (``31 Feb``, ``energy 7/5``, ``rpe 14``) becomes a sentence in
``Slots.errors`` instead of a silent correction.

Why ``today`` is always an argument: the brain never reads the clock, so "yesterday" in a
test means the same day on every machine and in every time zone.

Resolution rules, chosen so a date is never more than one step of judgement away:

* A weekday ("Thursday") is its next occurrence on or after today; when the message is in
  the past tense ("missed Tuesday's run") it is the most recent one on or before today.
  "next Thursday" is strictly after today, "last Thursday" strictly before. A plural
  ("Sundays") is a recurring day: it fills ``weekdays`` but names no date. A weekday next
  to "this/next/last week" is that day of that week ("Tuesday next week").
* A day and month without a year ("12 Jan", "12/01") and a bare ordinal ("the 3rd") are
  the next occurrence on or after today, or the most recent on or before today when the
  message is in the past tense.
* "12/01" is day-first unless ``day_first=False``. Unpadded ratings such as "3/5" or
  "1/2" are read as ratios, never as dates.
* "this week" / "next week" / "last week" are Monday-to-Sunday calendar weeks;
  "this weekend" is the coming Saturday and Sunday (the past one in the past tense).
* ``H:MM`` with H below 10 is hours and minutes ("1:15" long run), above it minutes and
  seconds ("23:41" parkrun); ``H:MM:SS`` is always a duration.
* "45m" is minutes below 100 and metres from 100 up ("2000m"), or next to "pool".
* "5:10/km", "8:30 per mile", "@ 4:50" and "pace 8:30" are paces, never durations; "@8"
  alone is an RPE. An hour count is sleep when its clause (or a message about sleep with
  no training word in that clause) mentions sleep: "slept badly, only 4.5h".
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from coach.engine.units import METRES_PER_KM, METRES_PER_MILE, SECONDS_PER_HOUR, SECONDS_PER_MINUTE
from coach.language.body import BodyPartMention, find_body_parts
from coach.language.quantities import (
    find_distances,
    find_durations,
)
from coach.language.text import clause_bounds, normalise, sentence_bounds
from coach.language.units import DistanceUnit

# --------------------------------------------------------------------------- vocabularies

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
"""The engine's spelling of weekdays (``coach.engine.models.Weekday``), Monday first."""
WEEKDAYS: Final[tuple[Weekday, ...]] = get_args(Weekday)

Sport = Literal["run", "ride", "swim", "strength", "brick"]
"""Sports an athlete names; the engine's ``SessionSport`` spelling."""
SPORTS: Final[tuple[Sport, ...]] = get_args(Sport)

ScaleName = Literal["energy", "soreness", "fatigue", "stress", "mood", "motivation", "sleep", "readiness"]
SCALE_NAMES: Final[tuple[ScaleName, ...]] = get_args(ScaleName)

# --------------------------------------------------------------------------- sharp numbers

SCALE_MIN: Final = 1
SCALE_MAX: Final = 5
"""The morning check-in's 1–5 scales (MISSION: "answers the morning check-in with a tap")."""

RPE_MIN: Final = 1.0
RPE_MAX: Final = 10.0
"""Borg CR-10 / the lifters' RPE scale (Helms et al. 2016, seed 004): 1–10, halves allowed."""

MAX_SLEEP_HOURS: Final = 16.0
"""More sleep than this in one night is a typo, not a number to store."""

MAX_DAYS_PER_WEEK: Final = 7
MAX_RANGE_DAYS: Final = 366
"""A stated absence longer than a year is a typo ("for 300 weeks")."""

SHORT_HOURS_MAX: Final = 10
"""``H:MM`` reads as hours and minutes below this hour count, as minutes and seconds above it."""


YEAR_SEARCH_SPAN: Final = 8
"""Years searched for a day that exists only in leap years ("29 Feb")."""

TWO_DIGIT_YEAR_BASE: Final = 2000

"""International mile (1959 agreement)."""

DAYS_PER_WEEK: Final = 7

# --------------------------------------------------------------------------- the result


class DateRange(BaseModel):
    """An inclusive span of days, such as "Thursday to Sunday"."""

    model_config = ConfigDict(frozen=True)

    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> DateRange:
        if self.end < self.start:
            raise ValueError(f"a range cannot end ({self.end}) before it starts ({self.start})")
        return self

    @property
    def days(self) -> int:
        """How many calendar days the range covers, both ends included."""
        return (self.end - self.start).days + 1


class Slots(BaseModel):
    """Everything read from one message. Every field is optional; nothing is guessed.

    ``date`` is the first single date named; ``dates`` all of them in order;
    ``date_range`` the first span ("Thursday to Sunday", "next week", "for 3 days").
    ``errors`` holds one clear sentence per value that looked like a slot but cannot be one.
    """

    model_config = ConfigDict(frozen=True)

    date: dt.date | None = None
    dates: list[dt.date] = Field(default_factory=list)
    date_range: DateRange | None = None
    past_tense: bool = False
    duration_s: int | None = None
    durations_s: list[int] = Field(default_factory=list)
    distance_m: float | None = None
    distances_m: list[float] = Field(default_factory=list)
    distance_unit: DistanceUnit | None = None
    pace_s_per_km: float | None = None
    sleep_hours: float | None = None
    scales: dict[ScaleName, int] = Field(default_factory=dict)
    rpe: float | None = None
    body_parts: list[BodyPartMention] = Field(default_factory=list)
    sports: list[Sport] = Field(default_factory=list)
    weekdays: list[Weekday] = Field(default_factory=list)
    days_per_week: int | None = None
    day_count: int | None = None
    errors: list[str] = Field(default_factory=list)

    def is_empty(self) -> bool:
        """True when the message carried no slot at all (errors aside)."""
        data = self.model_dump(exclude={"errors", "past_tense"})
        return not any(value for value in data.values())


# --------------------------------------------------------------------------- normalisation


def normalise_text(text: str) -> str:
    """The full normaliser of the language layer (:func:`coach.language.text.normalise`)."""
    return normalise(text)


# --------------------------------------------------------------------------- tense

_PAST_RE: Final = re.compile(
    r"\b(?:missed|skipped|did|didn't|didnt|did not|ran|rode|swam|lifted|was|were|wasn't|weren't|had|felt|went|"
    r"got|couldn't|couldnt|could not|forgot|bailed|finished|completed|logged|trained|walked|jogged|cycled|"
    r"biked|rowed|hiked|raced|crashed|tweaked|pulled|strained|twisted|rolled|started|stopped|dropped|managed|"
    r"tried|happened|slept|woke|shortened|abandoned|aborted|limped|hobbled|struggled|took|ended|ago)\b"
)
"""Words that put a message in the past, so a bare weekday or date resolves backwards.

Curated rather than "any word ending in -ed", because "tired", "need" and "planned" are
not past events. "ran out of time" and "ran late" are idioms, removed before this test.
"""
_PAST_IDIOMS_RE: Final = re.compile(
    r"\b(?:ran|run)\s+(?:out|late|over)\b|(?:'ve|\bhave|\bhas|'s|\bve)\s+got\b|\b(?:why|how|when)\s+did\s+you\b|\bgot\s+(?:a|an|my)\s+(?:[\w-]+\s+){0,3}?(?:race|session|event|wedding|meeting|trip|gig|job|shift|conference|camp|course|booking)\b"
    r"|\bgot\s+(?:plans|guests|visitors|people|family|friends|stuff|things|work|loads|lots|a lot|nothing|something)\b"
    r"|\btook\s+(?:tomorrow|next\s+\w+|[\w' ]{0,20}?\boff\s+work)\b"  # "took tomorrow off work": a day ahead
)


def is_past_tense(text: str) -> bool:
    """Whether ``text`` (already normalised) talks about something that has happened."""
    return _PAST_RE.search(_PAST_IDIOMS_RE.sub(" ", text)) is not None


# --------------------------------------------------------------------------- patterns

_MONTHS: Final[dict[str, int]] = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
_MONTH: Final = r"(?P<{name}>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY: Final = r"(?P<{name}>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR: Final = r"(?:,?\s*(?P<year>(?:19|20)\d\d))?"
_RANGE_SEP: Final = r"\s*(?:-|to|until|till|til|through|thru)\s*"
_NOT_QUANTITY: Final = r"(?![\d:]|[.,]\d|\s*(?:k|km|kms|mi|miles?|m|min|mins|minutes?|h|hr|hrs|hours?|x)\b|\s*%)"
_NUM: Final = r"\d+(?:\.\d+)?(?!\.?\d)"
"""A number that is never cut short: "8.5" can never be read as "8" followed by ".5"."""

_WEEKDAY_NAMES: Final[dict[str, int]] = {
    "monday": 0, "mon": 0, "tuesday": 1, "tues": 1, "tue": 1, "wednesday": 2, "wed": 2, "thursday": 3,
    "thurs": 3, "thur": 3, "thu": 3, "friday": 4, "fri": 4, "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
    "weds": 2,
}  # fmt: skip
WEEKDAY_WORDS: Final[dict[str, Weekday]] = {
    **{name: WEEKDAYS[index] for name, index in _WEEKDAY_NAMES.items()},
    **{name + "s": WEEKDAYS[index] for name, index in _WEEKDAY_NAMES.items() if name.endswith("day")},
}
"""Every word that names a weekday ("tues", "weds", "sundays"), in the engine's spelling."""
_AMBIGUOUS_WEEKDAYS: Final = frozenset({"sat", "sun", "wed", "mon"})
"""Abbreviations that are also English words ("I sat", "the sun"): a weekday only in context."""
_WEEKDAY_CONTEXT_BEFORE: Final = frozenset(
    {
        "on",
        "to",
        "till",
        "until",
        "from",
        "by",
        "next",
        "last",
        "this",
        "every",
        "and",
        "or",
        "-",
        "/",
        "&",
        "+",
        "can",
        "min",
        "mins",
        "minutes",
        "hour",
        "hours",
        "hr",
        "hrs",
        "1hr",
        "through",
        "thru",
        "ride",
        "run",
        "swim",
        "session",
        "workout",
        "it",
        "do",
        "make",
        "skip",
        "drop",
        "miss",
        "missed",
        "skipped",
        "before",
        "after",
        "except",
        "til",
    }
)
_WEEKDAY_CONTEXT_AFTER: Final = frozenset(
    {
        "-",
        "/",
        "morning",
        "afternoon",
        "evening",
        "night",
        "session",
        "run",
        "ride",
        "swim",
        "long",
        "workout",
        "instead",
        "rides",
        "runs",
        "sessions",
        "only",
        "be",
        "arvo",
        "am",
        "pm",
        "lunchtime",
        "lunch",
    }
)

_TIME_OF_DAY_RE: Final = re.compile(
    r"\b(?:at\s*|@\s*)?\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)(?!\w)|\bat\s+\d{1,2}[:.]\d{2}\b|(?<![\d:])0\d:\d{2}(?![\d:])"
)
_TWENTY_FOUR_SEVEN_RE: Final = re.compile(r"\b24\s*/\s*7\b")
_PACE_RE: Final = re.compile(
    r"\b(?P<m>\d{1,2}):(?P<s>[0-5]\d)\s*(?:min(?:utes)?\s*)?(?:/|per\s*|a\s+)(?P<unit>km|k|kilometre|kilometer|mi|mile)\b"
    r"|(?:@|\bpace\s*(?:of|was|is|:|at|=)?)\s*(?P<m2>\d{1,2}):(?P<s2>[0-5]\d)(?![\d:])(?!\s*(?:am|pm)\b)"
)
"""A pace: "5:10/km", "8:30 per mile", or "@ 4:50" / "pace 8:30" (per km unless the message is in miles)."""
_MILES_RE: Final = re.compile(r"\b(?:mi|mile|miles)\b")
_SETS_RE: Final = re.compile(
    r"\b\d+\s*x\s*\d+(?:[.:]\d+)?\s*(?:min|mins|minutes?|m|s|sec|secs|k|km|reps?)?\b"
)
_SCALE_RE: Final = re.compile(
    r"\b(?P<name>energy|soreness|fatigue|tiredness|stress|mood|motivation|sleep(?:\s+quality)?|readiness)"
    r"(?:\s+(?:level|score))?\s*(?:is|was|at|=|:|-)?\s*(?P<value>"
    + _NUM
    + r")(?!:)(?:\s*(?:/|out\s+of)\s*(?P<den>\d+))?"
    r"(?!\s*(?:h|hr|hrs|hours?|min|mins|minutes?|m|days?|weeks?|times)\b)"
)
_SCALE_NAMES_BY_WORD: Final[dict[str, ScaleName]] = {
    **{name: name for name in SCALE_NAMES}, "tiredness": "fatigue", "sleep quality": "sleep",
}  # fmt: skip
_RPE_RE: Final = re.compile(
    r"\brpe\s*(?:of|was|is|=|:|@|at)?\s*(?P<a>"
    + _NUM
    + r")|(?<![\d.])(?P<b>"
    + _NUM
    + r")\s*rpe\b|@\s*(?P<c>"
    + _NUM
    + r")(?!:|\s*(?:am|pm|kg|kgs|lb|lbs|w)\b|\s*%)"
)

_ISO_RE: Final = re.compile(r"\b(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})\b")
_NUMERIC_YEAR_RE: Final = re.compile(
    r"(?<![\d/.])(?P<a>\d{1,2})[/.](?P<b>\d{1,2})[/.](?P<y>\d{4}|\d{2})(?![\d/.])"
)
_NUMERIC_RE: Final = re.compile(r"(?<![\d/.:])(?P<a>\d{1,2})/(?P<b>\d{1,2})(?![\d/:]|\.\d|\s*(?:km|k|mi)\b)")
_DAY_RANGE_MONTH_RE: Final = re.compile(
    r"(?<![\d/.:])"
    + _DAY.format(name="d1")
    + _RANGE_SEP
    + r"(?:the\s+)?"
    + _DAY.format(name="d2")
    + r"\s+(?:of\s+)?"
    + _MONTH.format(name="mon")
    + _YEAR
)
_MONTH_DAY_RANGE_RE: Final = re.compile(
    r"\b"
    + _MONTH.format(name="mon")
    + r"\s+"
    + _DAY.format(name="d1")
    + _RANGE_SEP
    + r"(?:the\s+)?"
    + _DAY.format(name="d2")
    + _YEAR
    + _NOT_QUANTITY
)
_BARE_DAY_RANGE_RE: Final = re.compile(
    r"(?:\b(?:away|off|weekend|holiday|trip|from|between|on|the|over|out)\b[^.?!\d]{0,20}?|(?:^|[,;:(])\s*)(?<![\d/.:])"
    r"(?P<d1>[0-3]?\d)(?:st|nd|rd|th)?\s*(?:-|–|to|until|till|til|through(?:\s+to)?|thru(?:\s+to)?)\s*(?:the\s+)?"
    r"(?P<d2>[0-3]?\d)(?:st|nd|rd|th)?"
    + _NOT_QUANTITY
    + r"(?!\s*(?:days?|weeks?|times|reps|sets|x|%|mins?|minutes|hours?|hrs?|km|k|miles?|mi|bpm|w|watts?|kg|lbs?)\b)"
)
""""away for a long weekend 23-24": two days of the coming month, said without the month."""
_DAY_MONTH_RE: Final = re.compile(
    r"(?<![\d/.:])"
    + _DAY.format(name="d")
    + r"\s*(?:of\s+)?"
    + _MONTH.format(name="mon")
    + r"\b"
    + _YEAR
    # "may I", "march on": only the months that are also verbs are held back by a following word
    + r"(?!(?:(?<=may)|(?<=march))\s+(?:be|have|not|need|want|take|do|get|go|run|ride|swim|feel|help|i|we|you|it|is)\b)"
)
_MONTH_DAY_RE: Final = re.compile(
    r"\b"
    + _MONTH.format(name="mon")
    + r"\s+(?:the\s+)?"
    + _DAY.format(name="d")
    + r"\b"
    + _YEAR
    + _NOT_QUANTITY
)
_ORDINAL_RE: Final = re.compile(
    r"\b(?:the|on|from|until|till|by)\s+(?P<d>[0-3]?\d)(?:st|nd|rd|th)\b"
    r"(?!\s+(?:reps?|sets?|intervals?|laps?|km|k|miles?|weeks?|days?|runs?|sessions?|times?|place|attempts?|hills?|"
    r"efforts?|rounds?|x|one|lap|mile|interval|rep|set|repeat|repeats|minute|minutes)\b)"
)
_BARE_DAY_PAIR_RE: Final = re.compile(
    r"\bthe\s+(?P<a>[0-3]?\d)\s+(?:and|&|\+|or)\s+(?:the\s+)?(?P<b>[0-3]?\d)\b(?!\s*(?:st|nd|rd|th|k|km|mi|miles?|m|min|mins|"
    r"minutes?|h|hrs?|hours?|x|%|kg|lbs?|reps?|sets?|weeks?|days?|of)\b)"
)
"""Two days of the month without their ordinal suffix: "the 26 and 27 I am with my family"."""
_NEXT_N_WEEKDAYS_RE: Final = re.compile(
    r"\b(?:the\s+)?next\s+(?P<n>two|three|four|five|couple(?:\s+of)?|[2-5])\s+(?P<w>mon|tues|wednes|thurs|fri|satur|sun)days\b"
)
"""The coming N of a weekday: "working the next two Thursdays"."""
_WEEKDAY_RE: Final = re.compile(
    r"\b(?:(?P<mod>last|(?<!after )next|this|this\s+coming|coming)\s+)?(?P<name>"
    + "|".join(sorted(_WEEKDAY_NAMES, key=len, reverse=True))
    + r")(?P<suffix>'s|s)?\b\.?"
)
SATURDAY: Final = 5
_DAY_AFTER_WEEKDAY_RE: Final = re.compile(
    r"\s+(?:the\s+)?(?P<d>[1-3]\d(?:st|nd|rd|th)?|0?[1-9](?:st|nd|rd|th))\b(?![:.,/]\d|\s*(?:st|nd|rd|th)\b|\s*(?:x|%|k|km|mi|miles?|mins?|minutes?|"
    r"h|hrs?|hours?|w|watts?|bpm|kg|sets?|reps?|of\b)|\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec))"
)
"""A day of the month right after a weekday ("Saturday 16", "Friday the 8th"), no month or unit after it."""
_NTH: Final[dict[str, int]] = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}
_WEEK_OF_MONTH_RE: Final = re.compile(
    r"\b(?:the\s+)?(?P<nth>first|1st|second|2nd|third|3rd|fourth|4th|last)\s+(?:full\s+)?week\s+(?:of|in)\s+(?P<mon>"
    + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\b"
)
"""A week named by its place in a month ("the first week of Jan")."""
_WEEKDAY_WEEK_RE: Final = re.compile(r"\s+week\b(?!\s*(?:after|before|of|end|ends|day|days|night|nights|'s|\d)\b)(?!')")
"""British "Tuesday week": a week after the coming Tuesday."""
_A_WEEK_ON_RE: Final = re.compile(r"(?<!for\s)(?<!in\s)(?<!about\s)\ba\s+week\s+(?:on\s+)?$")
"""British "a week on Tuesday", "a week Tuesday": a week after the coming Tuesday (not "for a week on Friday":
a week's trip from Friday)."""
_RELATIVE_RE: Final = re.compile(
    r"\b(?P<word>(?:the\s+)?day\s+after\s+tomorrow|(?:the\s+)?day\s+before\s+yesterday|tomorrow|yesterday|today|tonight|"
    r"this\s+morning|this\s+afternoon|this\s+evening|earlier\s+today|last\s+night)\b"
)
_RELATIVE_OFFSETS: Final[dict[str, int]] = {
    "day after tomorrow": 2, "day before yesterday": -2, "tomorrow": 1, "yesterday": -1, "today": 0,
    "tonight": 0, "this morning": 0, "this afternoon": 0, "this evening": 0, "earlier today": 0, "last night": -1,
}  # fmt: skip
_DAY_AFTER_RE: Final = re.compile(
    r"\b(?:and|&|\+|or)\s+(?:the\s+)?(?:day\s+after(?:\s+that)?|next\s+day|following\s+day|day\s+following)\b(?!\s+(?:tomorrow|that\s+one))"
)
""""on new year's day and the day after", "the 5th and the following day": the day named and the one after it."""
_OFFSET_RE: Final = re.compile(
    r"\b(?:(?P<n1>\d+)\s+(?P<u1>days?|weeks?)\s+ago|in\s+(?P<n2>\d+|a)\s+(?P<u2>days?|weeks?)(?!\s+(?:a|per)\s+week))\b"
)
_PERIOD_RE: Final = re.compile(
    r"\b(?P<phrase>(?:the\s+)?rest\s+of\s+(?:the|this)\s+week|this\s+week(?!end)|next\s+week(?!end)|last\s+week(?!end)|"
    r"(?:the\s+)?weekend\s+after\s+(?:next|this\s+one|this)|(?:the\s+)?week\s+after\s+next|this\s+weekend|next\s+weekend|last\s+weekend|(?:the|this|at\s+the|over\s+the)\s+weekend|(?:the\s+)?whole\s+weekend|"
    r"(?<![\w-])weekend(?='s\b|\s+is\b|\s+(?:will\s+be|looks)\b)|"
    r"this\s+month|next\s+month|last\s+month)\b"
)
_SPAN_RE: Final = re.compile(
    r"\b(?:for|next|the\s+next|over\s+the\s+next)\s+(?P<n>\d+|a)\s+(?P<unit>days?|weeks?)\b(?!\s+(?:a|per|each)\s+week)"
)
_RANGE_GAP_RE: Final = re.compile(
    r"^\s*(?:-|–|to|until|till|til|through(?:\s+to)?|thru(?:\s+to)?|and)\s*(?:the\s+)?(?:following\s+)?$"
    r"|^\s*(?:until|till|til|through|thru)\s+on\s+(?:the\s+)?$"
    r"|^\s*,?\s*(?:and\s+)?(?:back|home|returning|flying\s+back|coming\s+back)\s+(?:on\s+)?(?:the\s+)?$"
)
"""Between two days that make a range: "Thursday to Sunday", "24th through to the 27th", and a trip's
way out and back ("flight 24 december, back 28 december", "on the 22nd back on the 3rd of January")."""
_WAY_BACK_RE: Final = re.compile(
    r"(?<![a-z'])(?:back|return|returning|home)(?:\s+(?:up|down|home|late|early|again|in\s+[a-z]+|to\s+[a-z]+))*"
    r"\s+(?:on\s+)?(?:the\s+)?$"
)
"""A trip told at more length, the way back right before the second day: "flying the 29th, back the 4th",
"driving down on the 23rd and back up on the 28th", "departure 2026-12-28, return 2027-01-06", "from
the 2nd, reckon we'll be gone a fortnight, back home on the 15th". "My back was sore Thursday" is no
way back: the word must come right before the day."""
_WAY_BACK_GAP_MAX = 90
_AWAY_UNTIL_RE: Final = re.compile(
    r"\b(?:travel\w*|fly|flying|going|away|off|leav(?:e|ing)|visit\w*|stay\w*|holiday\w*|trip|family|parents|abroad)\b"
    r"[^.!?;]*\b(?:until|till|til)\s+(?:on\s+)?(?:the\s+)?$"
)
"""A trip told from its first day to an "until" ("On Christmas eve I travel to Poland to family, until 28 December")."""
_UNTIL_BEFORE_RE: Final = re.compile(r"\b(?:until|till|til|through|thru)\s+(?:on\s+)?(?:the\s+)?$")
_BETWEEN_RE: Final = re.compile(r"\bbetween\s+$")

_SLEEP_BARE_RE: Final = re.compile(
    r"\b(?:slept|sleep)\s+(?:only\s+|about\s+|like\s+|around\s+|maybe\s+|just\s+|barely\s+|approx\s+|~\s*|"
    r"(?:a|an)\s+(?:solid|good|decent|full|proper|straight|glorious|healthy|measly|poor|rough|broken)\s+)?(?P<h>\d+(?:\.\d+)?)(?![\d:/]|\s*(?:/|out\s+of|x)\b)"
)
_SLEEP_WORD_RE: Final = re.compile(
    r"\b(?:slept|sleep|sleeping|kip|shut-?eye|zzz+|in\s+bed)\b|\b(?:hours?|hrs?|h)\s+(?:banked|in\s+the\s+bank)\b"
    r"|\bup\s+all\s+night\b|\b(?:night|overnight)\s+feeds?\b|\bkept\s+(?:me|us)\s+(?:up|awake)\b|\binsomnia\b"
)
_ACTIVITY_RE: Final = re.compile(
    r"\b(?:run|ran|running|ride|rode|riding|bike|swim|swam|session|workout|training|trained|interval|intervals|tempo|"
    r"easy|long|steady|zone|z2|gym|lift|walk|walked|hike|hiked|row|rowed|spin|turbo|zwift|jog|jogged|race|raced|work)\b"
)
"""Words that make an hour count in a sleep message a training duration ("slept badly, rode 2h")."""
_FEELING_RE: Final = re.compile(
    r"\b(?:feel|feels|feeling|felt|tired|wiped|knackered|exhausted|shattered|zonked|groggy|sleepy|energy|hrv|"
    r"rested|fresh|no issues|all good|fine|amazing|late one|up late|wrecked|cooked|rough)\b"
)
"""How the athlete feels: an hour count standing alone in such a report is the night's sleep
("bit tired, 7 hrs", "all good. 7h, HRV normal", "I feel amazing!! 8 hours and porridge")."""
_TRAINED_RE: Final = re.compile(
    r"\b(?:ran|rode|swam|did|done|trained|session|workout|km|k|mi|miles?|run|ride|swim|spin|turbo|zwift|gym)\b"
)

_DAYS_PER_WEEK_RE: Final = re.compile(
    r"\b(?P<n>\d+)\s*(?:x|days?|times|sessions?|runs?|rides?|workouts?|swims?|trainings?)\s*(?:a|per|/|each|every|in\s+a)\s*(?:week|wk)\b"
    r"|\b(?P<n2>\d+)x\s*/\s*w\b"
    r"|\b(?:only|just|max|maximum|up\s+to|at\s+most)\s+(?:do\s+|train\s+|run\s+|manage\s+|have\s+)?(?P<n3>\d+)\s+(?:days?|sessions?|runs?)\b(?!\s+ago)"
    r"|\b(?:can|could)\s+(?:only\s+)?(?:do|train|run|ride|manage)\s+(?P<n4>\d+)\s+(?:days?|sessions?|runs?)\b(?!\s+ago)"
)

_SPORT_PATTERNS: Final[tuple[tuple[Sport, re.Pattern[str]], ...]] = (
    ("brick", re.compile(r"\bbricks?\b")),
    (
        "run",
        re.compile(
            r"\b(?:runs?|running|runner|ran|jog|jogs|jogging|jogged|parkrun|treadmill|trail\s+run\w*)\b(?!\s+(?:out|late|over)\b)"
        ),
    ),
    (
        "ride",
        re.compile(
            r"\b(?:rides?|riding|rode|bikes?|biking|biked|cycling|cycle|cycled|cyclist|zwift|turbo|spin\s+class|peloton|mtb|gravel)\b"
        ),
    ),
    ("swim", re.compile(r"\b(?:swims?|swimming|swam|pool|open\s+water|freestyle|breaststroke|backstroke)\b")),
    (
        "strength",
        re.compile(
            r"\b(?:strength|gym|lift|lifts|lifting|lifted|weights|squats?|deadlifts?|deadlifting|bench(?:\s+press)?|s&c|s\s+and\s+c|kettlebells?|leg\s+day|"
            r"circuits?(?:\s+class)?|bootcamp|hiit|crossfit|body\s?pump|core\s+(?:class|work|exercises?|session|workout|routine|circuit)|"
            r"ab(?:dominal)?s?\s+(?:exercises?|work|workout|session|routine|circuit)|abdominals|planks?|planking|pilates)\b"
        ),
    ),
)

# --------------------------------------------------------------------------- date helpers


def _next_month(day: dt.date) -> dt.date:
    """The first day of the month after ``day``'s."""
    return dt.date(day.year + 1, 1, 1) if day.month == 12 else dt.date(day.year, day.month + 1, 1)


def _month_days(month: int) -> int:
    """The most days a month can have in any year (February: 29)."""
    return 29 if month == 2 else calendar.monthrange(2001, month)[1]


def next_weekday(anchor: dt.date, weekday: int, *, strictly: bool = False) -> dt.date:
    """The first ``weekday`` (Monday = 0) on or after ``anchor`` (after, when ``strictly``)."""
    delta = (weekday - anchor.weekday()) % DAYS_PER_WEEK
    if strictly and delta == 0:
        delta = DAYS_PER_WEEK
    return anchor + dt.timedelta(days=delta)


def previous_weekday(anchor: dt.date, weekday: int, *, strictly: bool = False) -> dt.date:
    """The last ``weekday`` (Monday = 0) on or before ``anchor`` (before, when ``strictly``)."""
    delta = (anchor.weekday() - weekday) % DAYS_PER_WEEK
    if strictly and delta == 0:
        delta = DAYS_PER_WEEK
    return anchor - dt.timedelta(days=delta)


def resolve_weekday(
    weekday: Weekday, today: dt.date, *, past: bool = False, modifier: str | None = None
) -> dt.date:
    """The date a weekday name means, by the rules in the module docstring (always within 7 days)."""
    index = WEEKDAYS.index(weekday)
    if modifier == "last":
        return previous_weekday(today, index, strictly=True)
    if modifier == "next":
        return next_weekday(today, index, strictly=True)
    return previous_weekday(today, index) if past else next_weekday(today, index)


def _resolve_month_day(day: int, month: int, anchor: dt.date, past: bool) -> dt.date:
    """Next (or, in the past tense, last) occurrence of ``day``/``month`` relative to ``anchor``."""
    step = -1 if past else 1
    for offset in range(YEAR_SEARCH_SPAN + 1):
        year = anchor.year + step * offset
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            continue
        if (candidate <= anchor) if past else (candidate >= anchor):
            return candidate
    raise ValueError(f"no {day}/{month} within {YEAR_SEARCH_SPAN} years")  # unreachable for valid days


def _resolve_ordinal(day: int, anchor: dt.date, past: bool) -> dt.date:
    """Next (or last) date whose day of the month is ``day``, skipping months that lack it."""
    year, month = anchor.year, anchor.month
    step = -1 if past else 1
    for _ in range(13):
        if day <= calendar.monthrange(year, month)[1]:
            candidate = dt.date(year, month, day)
            if (candidate <= anchor) if past else (candidate >= anchor):
                return candidate
        month += step
        if month == 0:
            year, month = year - 1, 12
        elif month == 13:
            year, month = year + 1, 1
    raise ValueError(f"no day {day} within a year")  # unreachable for 1..31


def _week_start(day: dt.date, first_weekday: int = 0) -> dt.date:
    """The first day of ``day``'s week, weeks starting on ``first_weekday`` (Monday = 0)."""
    return day - dt.timedelta(days=(day.weekday() - first_weekday) % DAYS_PER_WEEK)


def _month_range(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


# --------------------------------------------------------------------------- the parser


@dataclass(frozen=True)
class _DateMention:
    """A single date found in the text, with what is needed to re-resolve it as a range end."""

    start: int
    end: int
    value: dt.date
    kind: Literal["fixed", "weekday", "ordinal", "monthday"]
    number: int = 0  # weekday index, day of month
    month: int = 0
    modified: bool = False  # "next"/"last"/"this" fixed the week already


@dataclass
class _Found:
    """Mutable scratch space while one message is parsed; frozen into ``Slots`` at the end."""

    dates: list[_DateMention]
    ranges: list[tuple[int, DateRange]]
    weekdays: list[tuple[int, Weekday]]
    durations: list[tuple[int, int, bool]]  # position, seconds, has an hours component
    distances: list[tuple[int, float, DistanceUnit | None]]
    errors: list[str]


class _Text:
    """The normalised message with a mask: a matched span is blanked so no later pattern reuses it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._chars = list(text)

    @property
    def current(self) -> str:
        return "".join(self._chars)

    def take(self, pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
        """Yield each match on the current (masked) text, then blank it."""
        for match in list(pattern.finditer(self.current)):
            yield match
            self.mask(match.start(), match.end())

    def mask(self, start: int, end: int) -> None:
        for index in range(start, end):
            self._chars[index] = " "


class SlotParser:
    """Reads slots from messages; holds only settings, so one instance serves every thread."""

    def __init__(self, *, day_first: bool = True, week_start: int = 0) -> None:
        self.day_first = day_first
        self.week_start = week_start
        """The athlete's first day of the week (Monday = 0, Sunday = 6): "this/next/last week"."""

    def parse(self, text: str, today: dt.date, *, past: bool | None = None) -> Slots:
        """Parse ``text`` relative to ``today``; never raises on any input string.

        An unexpected internal error is reported as a sentence in ``errors`` rather than
        raised, so one odd message cannot take the bot down; the tests assert it never
        happens on generated text.
        """
        try:
            return self._parse(text, today, past)
        except Exception as exc:  # a parser bug must not crash the conversation
            return Slots(errors=[f"The message could not be read completely ({type(exc).__name__})."])

    # ------------------------------------------------------------------ steps

    def _parse(self, raw: str, today: dt.date, past_given: bool | None = None) -> Slots:
        text = normalise_text(raw)
        past = is_past_tense(text) if past_given is None else past_given
        work = _Text(text)
        found = _Found(dates=[], ranges=[], weekdays=[], durations=[], distances=[], errors=[])

        for _ in work.take(_TWENTY_FOUR_SEVEN_RE):
            pass
        for _ in work.take(_TIME_OF_DAY_RE):
            pass
        pace = self._pace(work)
        for _ in work.take(_SETS_RE):
            pass
        scales, sleep_scale_hours = self._scales(work, found)
        rpe = self._rpe(work, found)
        self._dates(work, today, past, found)
        named_distances = find_distances(work.current)
        sports = self._sports(text)
        sleep_hours = self._durations(
            work,
            found,
            sleep_scale_hours,
            named_distances[0].metres if len(named_distances) == 1 else None,
            sports[0] if sports else None,
        )
        self._distances(work, found)
        days_per_week = self._days_per_week(work, found)

        singles = sorted(found.dates, key=lambda m: m.start)
        ranges = sorted(found.ranges, key=lambda item: item[0])
        durations = sorted(found.durations)
        distances = sorted(found.distances, key=lambda item: item[0])
        weekdays: list[Weekday] = []
        for _, name in sorted(found.weekdays):
            if name not in weekdays:
                weekdays.append(name)
        date_range = ranges[0][1] if ranges else None
        inner = [r for _, r in ranges[1:] if date_range is not None and date_range.start <= r.start and r.end <= date_range.end]
        if date_range is not None and date_range.days == DAYS_PER_WEEK and inner:
            date_range = inner[0]  # "the week after next, Monday to Friday": those days of that week
        return Slots(
            date=singles[0].value if singles else None,
            dates=[m.value for m in singles],
            date_range=date_range,
            past_tense=past,
            duration_s=durations[0][1] if durations else None,
            durations_s=[d[1] for d in durations],
            distance_m=distances[0][1] if distances else None,
            distances_m=[d[1] for d in distances],
            distance_unit=distances[0][2] if distances else None,
            pace_s_per_km=pace,
            sleep_hours=sleep_hours,
            scales=scales,
            rpe=rpe,
            body_parts=self._body_parts(text),
            sports=sports,
            weekdays=weekdays,
            days_per_week=days_per_week,
            day_count=date_range.days if date_range is not None and self._span_given(text) else None,
            errors=found.errors,
        )

    @staticmethod
    def _span_given(text: str) -> bool:
        return _SPAN_RE.search(text) is not None

    @staticmethod
    def _pace(work: _Text) -> float | None:
        pace: float | None = None
        in_miles = _MILES_RE.search(work.text) is not None
        for match in work.take(_PACE_RE):
            minutes, secs = match.group("m", "s") if match.group("m") else match.group("m2", "s2")
            seconds = int(minutes) * SECONDS_PER_MINUTE + int(secs)
            unit = match.group("unit")
            per_mile = unit in ("mi", "mile") if unit else in_miles
            value = seconds / (METRES_PER_MILE / METRES_PER_KM) if per_mile else float(seconds)
            if pace is None:
                pace = round(value, 1)
        return pace

    @staticmethod
    def _scales(work: _Text, found: _Found) -> tuple[dict[ScaleName, int], float | None]:
        """1–5 ratings; "sleep 7.5" with no denominator is hours, not a rating."""
        scales: dict[ScaleName, int] = {}
        sleep_hours: float | None = None
        for match in list(_SCALE_RE.finditer(work.current)):
            name = _SCALE_NAMES_BY_WORD[re.sub(r"\s+", " ", match.group("name"))]
            value = float(match.group("value"))
            denominator = match.group("den")
            if name == "sleep" and denominator is None and (value > SCALE_MAX or not value.is_integer()):
                sleep_hours = value
                work.mask(match.start(), match.end())
                continue
            work.mask(match.start(), match.end())
            if denominator is not None and int(denominator) != SCALE_MAX:
                found.errors.append(
                    f"'{match.group(0).strip()}' is not on the {SCALE_MIN}–{SCALE_MAX} scale the check-in uses; "
                    f"please give it as a number from {SCALE_MIN} to {SCALE_MAX}."
                )
                continue
            if not value.is_integer() or not SCALE_MIN <= value <= SCALE_MAX:
                found.errors.append(
                    f"'{match.group(0).strip()}' is outside the {SCALE_MIN}–{SCALE_MAX} scale; "
                    f"please give a whole number from {SCALE_MIN} to {SCALE_MAX}."
                )
                continue
            scales.setdefault(name, int(value))
        return scales, sleep_hours

    @staticmethod
    def _rpe(work: _Text, found: _Found) -> float | None:
        rpe: float | None = None
        for match in work.take(_RPE_RE):
            value = float(match.group("a") or match.group("b") or match.group("c"))
            if not RPE_MIN <= value <= RPE_MAX or (value * 2) % 1:
                found.errors.append(
                    f"RPE '{match.group(0).strip()}' must be between {RPE_MIN:g} and {RPE_MAX:g} (halves allowed)."
                )
                continue
            if rpe is None:
                rpe = value
        return rpe

    # ------------------------------------------------------------------ dates

    def _dates(self, work: _Text, today: dt.date, past: bool, found: _Found) -> None:
        self._explicit_ranges(work, today, past, found)
        for match in work.take(_ISO_RE):
            self._fixed(match, int(match.group("y")), int(match.group("m")), int(match.group("d")), found)
        for match in work.take(_NUMERIC_YEAR_RE):
            day, month = self._day_month(int(match.group("a")), int(match.group("b")))
            year = int(match.group("y"))
            year = year + TWO_DIGIT_YEAR_BASE if year < 100 else year
            self._fixed(match, year, month, day, found)
        for pattern in (_DAY_MONTH_RE, _MONTH_DAY_RE):
            for match in work.take(pattern):
                self._month_day(
                    match,
                    int(match.group("d")),
                    _MONTHS[match.group("mon")],
                    match.group("year"),
                    today,
                    past,
                    found,
                )
        for match in list(_NUMERIC_RE.finditer(work.current)):
            a, b = int(match.group("a")), int(match.group("b"))
            if self._is_ratio(match.group("a"), a, b):
                continue
            work.mask(match.start(), match.end())
            day, month = self._day_month(a, b)
            self._month_day(match, day, month, None, today, past, found)
        for match in list(_BARE_DAY_PAIR_RE.finditer(work.current)):
            a, b = int(match.group("a")), int(match.group("b"))
            if not (1 <= a <= 31 and 1 <= b - a <= 6 and b <= 31):
                continue
            work.mask(match.start(), match.end())
            first = _resolve_ordinal(a, today, past)
            for day_number, value in ((a, first), (b, first + dt.timedelta(days=b - a))):
                found.dates.append(_DateMention(match.start(), match.end(), value, "ordinal", number=day_number))
        for match in work.take(_NEXT_N_WEEKDAYS_RE):
            count = {"two": 2, "three": 3, "four": 4, "five": 5}.get(match.group("n"), 2 if match.group("n").startswith("couple") else None)
            count = count or int(match.group("n"))
            first = next_weekday(today, _WEEKDAY_NAMES[match.group("w") + "day"], strictly=True)
            for n in range(count):
                found.dates.append(_DateMention(match.start(), match.end(), first + dt.timedelta(days=7 * n), "fixed"))
        for match in work.take(_ORDINAL_RE):
            day = int(match.group("d"))
            if not 1 <= day <= max(_month_days(m) for m in range(1, 13)):
                found.errors.append(f"'{match.group(0).strip()}' is not a day of the month.")
                continue
            value = _resolve_ordinal(day, today, past)
            found.dates.append(_DateMention(match.start("d"), match.end(), value, "ordinal", number=day))
        self._week_of_month(work, today, found)
        self._weekdays(work, today, past, found)
        for match in work.take(_RELATIVE_RE):
            word = re.sub(r"^the\s+", "", re.sub(r"\s+", " ", match.group("word")))
            value = today + dt.timedelta(days=_RELATIVE_OFFSETS[word])
            found.dates.append(_DateMention(match.start(), match.end(), value, "fixed"))
        for match in work.take(_DAY_AFTER_RE):
            before = [m for m in found.dates if m.end <= match.start() and not work.current[m.end : match.start()].strip(" ,")]
            if before:
                found.dates.append(_DateMention(match.start(), match.end(), before[-1].value + dt.timedelta(days=1), "fixed"))
        for match in work.take(_OFFSET_RE):
            number = match.group("n1") or match.group("n2")
            unit = match.group("u1") or match.group("u2")
            days = (1 if number == "a" else int(number)) * (DAYS_PER_WEEK if unit.startswith("week") else 1)
            if days > MAX_RANGE_DAYS:
                found.errors.append(f"'{match.group(0)}' is too far away to plan around.")
                continue
            sign = -1 if match.group("n1") else 1
            found.dates.append(
                _DateMention(match.start(), match.end(), today + dt.timedelta(days=sign * days), "fixed")
            )
        self._combine_ranges(work, found, today)
        self._periods(work, today, past, found)
        self._weekdays_in_named_week(found, today, past)
        self._spans(work, today, found)

    def _day_month(self, a: int, b: int) -> tuple[int, int]:
        """Day and month in the athlete's order; "12/17" can only be US order, so it is read so."""
        day, month = (a, b) if self.day_first else (b, a)
        if month > 12 >= day and 1 <= month <= 31:
            day, month = month, day
        return day, month

    @staticmethod
    def _is_ratio(raw_numerator: str, numerator: int, denominator: int) -> bool:
        """ "3/5", "1/2", "8/10" are ratings or fractions: unpadded, numerator not above denominator."""
        return (
            not raw_numerator.startswith("0") and denominator in (2, 3, 4, 5, 10) and numerator <= denominator
        )

    @staticmethod
    def _fixed(match: re.Match[str], year: int, month: int, day: int, found: _Found) -> None:
        try:
            value = dt.date(year, month, day)
        except ValueError:
            found.errors.append(_impossible_date(match.group(0), day, month, year))
            return
        found.dates.append(_DateMention(match.start(), match.end(), value, "fixed"))

    @staticmethod
    def _month_day(
        match: re.Match[str],
        day: int,
        month: int,
        year: str | None,
        today: dt.date,
        past: bool,
        found: _Found,
    ) -> None:
        if year is not None:
            SlotParser._fixed(match, int(year), month, day, found)
            return
        if not 1 <= month <= 12 or not 1 <= day <= _month_days(month):
            found.errors.append(_impossible_date(match.group(0), day, month, None))
            return
        value = _resolve_month_day(day, month, today, past)
        found.dates.append(
            _DateMention(match.start(), match.end(), value, "monthday", number=day, month=month)
        )

    def _explicit_ranges(self, work: _Text, today: dt.date, past: bool, found: _Found) -> None:
        """ "12-15 Dec" and "Dec 12-15": two days sharing one month (and year)."""
        for pattern in (_DAY_RANGE_MONTH_RE, _MONTH_DAY_RANGE_RE):
            for match in work.take(pattern):
                month = _MONTHS[match.group("mon")]
                first, last = int(match.group("d1")), int(match.group("d2"))
                raw = match.group(0).strip()
                if not (1 <= first <= _month_days(month) and 1 <= last <= _month_days(month)):
                    found.errors.append(_impossible_date(raw, max(first, last), month, None))
                    continue
                into_next = last < first and pattern is _DAY_RANGE_MONTH_RE and first >= 20 and last <= 10
                if last < first and not into_next:
                    found.errors.append(f"'{raw}' ends before it starts.")
                    continue
                year_text = match.group("year")
                try:
                    if year_text is not None:
                        end = dt.date(int(year_text), month, last)
                    else:
                        end = _resolve_month_day(last, month, today, past)
                    if into_next:  # "the 22nd until 1 January": the month named is the end's
                        before = end.replace(day=1) - dt.timedelta(days=1)
                        start = before.replace(day=first) if first <= before.day else end
                    else:
                        start = dt.date(end.year, month, first)
                except ValueError:
                    found.errors.append(
                        _impossible_date(raw, last, month, int(year_text) if year_text else None)
                    )
                    continue
                found.ranges.append((match.start(), DateRange(start=start, end=end)))
        for match in work.take(_BARE_DAY_RANGE_RE):
            first, last = int(match.group("d1")), int(match.group("d2"))
            if 20 <= first <= 31 and 1 <= last <= 10 and not past:  # "the 31st through the 3rd": into the next month
                start_month = today if first >= today.day else _next_month(today)
                if first > calendar.monthrange(start_month.year, start_month.month)[1]:
                    continue
                start = dt.date(start_month.year, start_month.month, first)
                after = _next_month(start)
                found.ranges.append((match.start("d1"), DateRange(start=start, end=dt.date(after.year, after.month, last))))
                continue
            if not (1 <= first < last <= 31) or last - first > 14:
                continue
            year, month = today.year, today.month
            if not past and last < today.day:  # already gone this month: the coming month's
                year, month = (year + 1, 1) if month == 12 else (year, month + 1)
            if last > _month_days(month):
                continue
            found.ranges.append((match.start("d1"), DateRange(start=dt.date(year, month, first), end=dt.date(year, month, last))))

    def _week_of_month(self, work: _Text, today: dt.date, found: _Found) -> None:
        """ "the first week of Jan", "last week of February": that week of the month, Monday to Sunday
        (the first is the first whole week: "first week of Jan" 2027 is 4-10 January)."""
        for match in work.take(_WEEK_OF_MONTH_RE):
            month = _MONTHS[match.group("mon")]
            year = today.year if month >= today.month else today.year + 1
            first, last = _month_range(year, month)
            if match.group("nth") == "last":  # the last whole week: it ends on or before the month's last day
                start = previous_weekday(last - dt.timedelta(days=DAYS_PER_WEEK - 1), self.week_start)
            else:
                start = next_weekday(first, self.week_start) + dt.timedelta(days=DAYS_PER_WEEK * (_NTH[match.group("nth")] - 1))
            found.ranges.append((match.start(), DateRange(start=start, end=start + dt.timedelta(days=DAYS_PER_WEEK - 1))))

    def _weekdays(self, work: _Text, today: dt.date, past: bool, found: _Found) -> None:
        current = work.current
        for match in list(_WEEKDAY_RE.finditer(current)):
            name = match.group("name")
            if name in _AMBIGUOUS_WEEKDAYS and not _weekday_in_context(current, match):
                continue
            work.mask(match.start(), match.end())
            index = _WEEKDAY_NAMES[name]
            weekday = WEEKDAYS[index]
            found.weekdays.append((match.start("name"), weekday))
            recurring = match.group("suffix") == "s" and name.endswith("day")
            if recurring or any(
                0 < m.start - match.end() <= 2 and m.kind != "weekday" and m.value.weekday() == index
                for m in found.dates
            ):
                continue  # "Sunday 11 April": the date names the day, the weekday only agrees with it
            modifier = match.group("mod")
            numbered = None if match.group(0).endswith(".") else _DAY_AFTER_WEEKDAY_RE.match(current, match.end())
            day_of = _day_with_weekday(int(re.sub(r"\D", "", numbered.group("d"))), index, today, past) if numbered else None
            if numbered and day_of is not None and not any(m.start <= numbered.start("d") < m.end for m in found.dates):
                # "from Saturday 16 to Wednesday 20 January": the weekday and its day of the month are one date
                work.mask(numbered.start(), numbered.end())
                found.dates.append(_DateMention(match.start(), numbered.end(), day_of, "ordinal", number=day_of.day))
                continue
            modifier = "this" if (modifier and "this" in modifier) or modifier == "coming" else modifier
            value = resolve_weekday(weekday, today, past=past and modifier != "next", modifier=modifier)
            week_after = None if modifier or recurring else _WEEKDAY_WEEK_RE.match(current, match.end())
            before_at = max(0, match.start() - 20)
            week_before = None if modifier or recurring else _A_WEEK_ON_RE.search(current[before_at : match.start()])
            if (week_after is not None and not match.group(0).endswith(".")) or week_before is not None:
                # "Tuesday week", "a week on Tuesday": the Tuesday after the coming one, and its week the week
                # named ("Friday week I'm on a stag do, and the Saturday ...": that Saturday)
                value = next_weekday(today, index, strictly=True) + dt.timedelta(days=DAYS_PER_WEEK)
                monday = _week_start(value, self.week_start)
                found.ranges.append((match.start(), DateRange(start=monday, end=monday + dt.timedelta(days=DAYS_PER_WEEK - 1))))
                if week_after is not None and not match.group(0).endswith("."):
                    work.mask(week_after.start(), week_after.end())
                if week_before is not None:
                    work.mask(before_at + week_before.start(), match.start())
            found.dates.append(
                _DateMention(
                    match.start(), match.end(), value, "weekday", number=index, modified=bool(modifier)
                )
            )

    def _combine_ranges(self, work: _Text, found: _Found, today: dt.date) -> None:
        """Turn "Thursday to Sunday", "from the 3rd to the 7th", "between X and Y" into ranges."""
        text = work.current
        singles = sorted(found.dates, key=lambda m: m.start)
        used: set[int] = set()
        for first, second in itertools.pairwise(singles):
            if id(first) in used or id(second) in used:
                continue
            gap = text[first.end : second.start]
            way_back = (
                len(gap) <= _WAY_BACK_GAP_MAX and not re.search(r"[.!?;]", gap)
                and first.value < (_range_end(first.value, second) if second.kind == "weekday" and not second.modified else second.value)
                and (_WAY_BACK_RE.search(gap) is not None or _AWAY_UNTIL_RE.search(gap) is not None)
                and not _UNTIL_BEFORE_RE.search(text[max(0, first.start - 20) : first.start])
                and not any(first.end <= at < second.start for at, _ in found.ranges)
            )  # "until Sunday the 13th, flying home Monday the 14th": the 13th ends it, the 14th is no range
            from_to = (  # "from Wednesday 20th to Friday 22nd" (each weekday read "on"): a span, not a move's two days
                re.match(r"\s*(?:to|until|till|-|–)\s+on\s+(?:the\s+)?$", gap) is not None
                and re.search(r"\bfrom\s+(?:on\s+)?(?:the\s+)?$", text[max(0, first.start - 20) : first.start]) is not None
            )
            if not _RANGE_GAP_RE.match(gap) and not way_back and not from_to:
                continue
            if gap.strip() == "and" and not _BETWEEN_RE.search(text[max(0, first.start - 12) : first.start]):
                continue
            end = _range_end(first.value, second)
            start = first.value
            named_week = (
                re.match(r"\s*(?:of\s+)?(?:the\s+)?(next\s+week|week\s+after\s+next)\b", text[second.end : second.end + 30])
                or re.search(r"\b(next\s+week|week\s+after\s+next)[,:]?\s*(?:from\s+)?$", text[max(0, first.start - 30) : first.start])
            )
            if (
                first.kind == second.kind == "weekday"
                and not first.modified
                and not second.modified
                and named_week
            ):  # "Tue-Thu next week", "the week after next Monday to Friday": that week's days, not the coming ones
                weeks_on = 2 if "after" in named_week.group(1) else 1
                first_day = _week_start(today, self.week_start) + dt.timedelta(days=weeks_on * DAYS_PER_WEEK)
                start = first_day + dt.timedelta(days=(first.number - self.week_start) % DAYS_PER_WEEK)
                end = first_day + dt.timedelta(days=(second.number - self.week_start) % DAYS_PER_WEEK)
                if end < start:
                    end += dt.timedelta(days=DAYS_PER_WEEK)
            if end < start:
                found.errors.append(
                    f"The range from {first.value:%d %b} to {second.value:%d %b} ends before it starts."
                )
                continue
            found.ranges.append((first.start, DateRange(start=start, end=end)))
            used.update((id(first), id(second)))
        found.dates = [m for m in found.dates if id(m) not in used]

    def _periods(self, work: _Text, today: dt.date, past: bool, found: _Found) -> None:
        monday = _week_start(today)  # the weekend is Saturday and Sunday whatever day weeks start on
        first_day = _week_start(today, self.week_start)
        current = work.current
        that_week = re.search(r"\bthat\s+week\b(?!end)", current)
        told = sorted([(at, r.start) for at, r in found.ranges] + [(m.start, m.value) for m in found.dates if m.kind != "weekday"])
        earlier = [day for at, day in told if that_week is not None and at < that_week.start()]
        if that_week is not None and earlier and not any(r.days == DAYS_PER_WEEK for _, r in found.ranges):
            # "Locum in Inverness 14-18 Dec. … drop Tue & Thu that week": the week of the days named before
            monday_then = _week_start(earlier[0], self.week_start)
            found.ranges.append((that_week.start(), DateRange(start=monday_then, end=monday_then + dt.timedelta(days=6))))
        for named in [m for m in found.dates if re.search(r"\bweek\s+of\s+(?:the\s+)?$", current[max(0, m.start - 14) : m.start])]:
            # "finals are the week of the 14th": the week that holds the day
            week_of = _week_start(named.value, self.week_start)
            found.dates.remove(named)
            found.ranges.append((named.start, DateRange(start=week_of, end=week_of + dt.timedelta(days=6))))
        for match in work.take(_PERIOD_RE):
            phrase = re.sub(r"\s+", " ", match.group("phrase"))
            start: dt.date
            end: dt.date
            if "rest of" in phrase:
                start, end = today, first_day + dt.timedelta(days=6)
            elif phrase == "this week":
                start, end = first_day, first_day + dt.timedelta(days=6)
            elif phrase == "next week":
                start = first_day + dt.timedelta(days=DAYS_PER_WEEK)
                end = start + dt.timedelta(days=6)
            elif phrase.endswith("week after next"):
                start = first_day + dt.timedelta(days=2 * DAYS_PER_WEEK)
                end = start + dt.timedelta(days=6)
            elif phrase == "last week":
                start = first_day - dt.timedelta(days=DAYS_PER_WEEK)
                end = start + dt.timedelta(days=6)
            elif phrase == "next weekend" or re.search(r"weekend after (?:next|this)", phrase):
                # "the weekend after next" is the one after the coming weekend ("Ski trip the weekend after
                # next, the 26th and 27th", said on Friday the 18th), as "next weekend" is here
                start = monday + dt.timedelta(days=DAYS_PER_WEEK + 5)
                if "after next" in phrase and today.weekday() >= 5:
                    start += dt.timedelta(days=DAYS_PER_WEEK)  # said on a weekend day: two after the one under way
                end = start + dt.timedelta(days=1)
            elif phrase == "last weekend" or (phrase.endswith("weekend") and past and today.weekday() < 5):
                start = monday - dt.timedelta(days=2)
                end = start + dt.timedelta(days=1)
            elif phrase == "weekend" and current[: match.start()].endswith("that ") and len(found.dates) == 1:
                # "married in san antonio feb 6 so that weekend is out": the weekend of the day named
                named = found.dates.pop()
                start = named.value + dt.timedelta(days=(5 - named.value.weekday()) if named.value.weekday() <= 5 else -1)
                end = start + dt.timedelta(days=1)
            elif phrase.endswith("weekend") and (told_after := self._day_after_weekend(current, match.end(), found)) is not None:
                if isinstance(told_after, DateRange):
                    continue  # "The weekend 15-17 January I am in Milano": the days named are the weekend
                # "a wedding the weekend of 16 January": the weekend that holds the day
                start = told_after + dt.timedelta(days=(SATURDAY - told_after.weekday()) if told_after.weekday() <= SATURDAY else -1)
                end = start + dt.timedelta(days=1)
            elif phrase.endswith("weekend"):
                start = monday + dt.timedelta(days=5)
                end = start + dt.timedelta(days=1)
            else:  # months
                year, month = today.year, today.month
                if phrase == "next month":
                    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
                elif phrase == "last month":
                    year, month = (year - 1, 12) if month == 1 else (year, month - 1)
                start, end = _month_range(year, month)
            found.ranges.append((match.start(), DateRange(start=start, end=end)))

    @staticmethod
    def _day_after_weekend(current: str, end: int, found: _Found) -> DateRange | dt.date | None:
        """The range or day named right after "the weekend" ("the weekend 15-17 January", "the
        weekend of the 16th"), which says which weekend it is; a day named after "of" is taken out of the days."""
        for at, told in found.ranges:
            if end <= at <= end + 4 and re.fullmatch(r"[\s,:(]*", current[end:at]):
                return told
        for named in found.dates:
            between = current[end : named.start]
            if named.kind != "weekday" and end <= named.start <= end + 9 and re.fullmatch(r"[\s,:(]*(?:of\s+)?(?:the\s+)?", between):
                if "of" in between:
                    found.dates.remove(named)  # "the weekend of the 16th": the weekend, not the day ("this weekend (30th/31st)": both)
                return named.value
        return None

    def _weekdays_in_named_week(self, found: _Found, today: dt.date, past: bool) -> None:
        """ "Tuesday next week" is the Tuesday of that week, not the coming Tuesday. On the last day of a
        week, "Tuesday and Thursday this week" said of plans ahead is the week about to start: its
        days named have all gone."""
        weeks = [
            r for _, r in found.ranges if r.start.weekday() == self.week_start and r.days == DAYS_PER_WEEK
        ]
        weekends = [r for _, r in found.ranges if r.start.weekday() == SATURDAY and r.days == 2]
        if not weeks and len(weekends) == 1:  # "all next weekend. no rides sat or sun": that weekend's days
            saturday = weekends[0].start
            found.dates = [
                dataclasses.replace(m, value=saturday + dt.timedelta(days=m.number - SATURDAY))
                if m.kind == "weekday" and not m.modified and m.number >= SATURDAY else m
                for m in found.dates
            ]
        if len(weeks) != 1:
            return
        week_start = weeks[0].start
        named = [m for m in found.dates if m.kind == "weekday" and not m.modified]
        if (
            not past and named and today == week_start + dt.timedelta(days=DAYS_PER_WEEK - 1)
            and all(week_start + dt.timedelta(days=(m.number - self.week_start) % DAYS_PER_WEEK) < today for m in named)
        ):
            week_start += dt.timedelta(days=DAYS_PER_WEEK)

        def in_week(number: int) -> dt.date:
            day = week_start + dt.timedelta(days=(number - self.week_start) % DAYS_PER_WEEK)
            # of plans ahead, a day of this week already gone is the coming one: "can Sunday's long run be
            # on Monday this week?" said on a Friday is the Monday after that Sunday
            return next_weekday(today, number) if not past and day < today else day

        found.dates = [
            dataclasses.replace(m, value=in_week(m.number)) if m.kind == "weekday" and not m.modified else m
            for m in found.dates
        ]

    @staticmethod
    def _spans(work: _Text, today: dt.date, found: _Found) -> None:
        """ "for 3 days", "for a week": a range from the first date named (or today)."""
        for match in work.take(_SPAN_RE):
            count = 1 if match.group("n") == "a" else int(match.group("n"))
            days = count * (DAYS_PER_WEEK if match.group("unit").startswith("week") else 1)
            if not 1 <= days <= MAX_RANGE_DAYS:
                found.errors.append(f"'{match.group(0)}' is not a span I can plan around.")
                continue
            if found.ranges:
                continue
            anchor_mention = min(found.dates, key=lambda m: m.start) if found.dates else None
            start = anchor_mention.value if anchor_mention is not None else today
            if anchor_mention is not None:
                found.dates.remove(anchor_mention)
            found.ranges.append(
                (match.start(), DateRange(start=start, end=start + dt.timedelta(days=days - 1)))
            )

    # ------------------------------------------------------------------ quantities

    @staticmethod
    def _durations(
        work: _Text,
        found: _Found,
        sleep_from_scale: float | None,
        distance_m: float | None,
        sport: str | None,
    ) -> float | None:
        """Durations, with hour quantities in a sleep clause read as sleep hours instead.

        A bare ``a:b`` is read by plausibility over the message's one distance, when it names
        exactly one (``read_clock``: "swam 400m in 8:30" is minutes), else as a session's time.
        """
        text = work.text
        candidates: list[tuple[int, int, bool]] = []
        for span in find_durations(work.current, distance_m=distance_m, sport=sport):
            work.mask(span.start, span.end)
            candidates.append((span.start, span.seconds, span.has_hours))

        sleep_hours = sleep_from_scale
        clauses = clause_bounds(text)
        message_about_sleep = _SLEEP_WORD_RE.search(text) is not None
        # A clause that says "slept" is read first: in "did 60 km in 2h20! slept 7h" the 7 h is the night;
        # then a sentence that says it ("11.7 km, 1h14m. Slept badly, 5 hours maybe": the 5 hours).
        said_in_clause = {
            position for position, _, has_hours in candidates
            if has_hours and _SLEEP_WORD_RE.search(_clause_at(text, clauses, position)) is not None
        }
        if not said_in_clause and message_about_sleep:
            sentences = sentence_bounds(text)
            said_in_clause = {
                position for position, _, has_hours in candidates
                if has_hours and _SLEEP_WORD_RE.search(_clause_at(text, sentences, position)) is not None
                and not _ACTIVITY_RE.search(_clause_at(text, clauses, position))
            }
        # No sleep word, but a report of how the athlete feels with an hour count standing alone and
        # no training in the message: "bit wiped, party yesterday lol. 6.5h", "energy's good, 7.5 hours".
        feeling_hours = (
            not message_about_sleep and _FEELING_RE.search(text) is not None and _TRAINED_RE.search(text) is None
        )
        for position, seconds, has_hours in candidates:
            clause = _clause_at(text, clauses, position)
            about_sleep = position in said_in_clause or (
                message_about_sleep and not said_in_clause and not _ACTIVITY_RE.search(clause)
            ) or (
                feeling_hours and has_hours and 4 * SECONDS_PER_HOUR <= seconds <= 12 * SECONDS_PER_HOUR
                and not _ACTIVITY_RE.search(clause)
            )
            if has_hours and about_sleep:
                hours = seconds / SECONDS_PER_HOUR
                if sleep_hours is None:
                    sleep_hours = hours
            else:
                found.durations.append((position, seconds, has_hours))
        for match in work.take(_SLEEP_BARE_RE):
            if sleep_hours is None:
                sleep_hours = float(match.group("h"))
        if sleep_hours is not None and not 0 < sleep_hours <= MAX_SLEEP_HOURS:
            found.errors.append(f"{sleep_hours:g} hours is not a night's sleep I can record.")
            return None
        return round(sleep_hours, 2) if sleep_hours is not None else None

    @staticmethod
    def _distances(work: _Text, found: _Found) -> None:
        for span in find_distances(work.current):
            work.mask(span.start, span.end)
            found.distances.append((span.start, span.metres, span.unit))

    @staticmethod
    def _days_per_week(work: _Text, found: _Found) -> int | None:
        result: int | None = None
        for match in work.take(_DAYS_PER_WEEK_RE):
            value = int(next(g for g in match.group("n", "n2", "n3", "n4") if g is not None))
            if not 1 <= value <= MAX_DAYS_PER_WEEK:
                found.errors.append(f"'{match.group(0).strip()}': a week has {MAX_DAYS_PER_WEEK} days.")
                continue
            if result is None:
                result = value
        return result

    # ------------------------------------------------------------------ words

    @staticmethod
    def _body_parts(text: str) -> list[BodyPartMention]:
        return find_body_parts(text)

    @staticmethod
    def _sports(text: str) -> list[Sport]:
        hits: list[tuple[int, Sport]] = []
        for sport, pattern in _SPORT_PATTERNS:
            match = pattern.search(text)
            if match is not None:
                hits.append((match.start(), sport))
        return [sport for _, sport in sorted(hits)]


def _weekday_in_context(text: str, match: re.Match[str]) -> bool:
    """Whether an ambiguous abbreviation ("sat", "sun", "wed", "mon") is used as a weekday."""
    if match.group("mod") or match.group("suffix") == "'s":
        return True
    before = re.findall(r"\w+|[&/+-]", text[: match.start("name")])
    after = re.findall(r"\w+|[&/+-]", text[match.end() :])
    if before and before[-1] in _WEEKDAY_CONTEXT_BEFORE:
        return True
    if after and after[0] in _WEEKDAY_CONTEXT_AFTER:
        return True
    return bool(
        after[:2]
        and after[0] in ("to", "and", "or", "-", "&", "/", "+")
        and len(after) > 1
        and after[1] in _WEEKDAY_NAMES
    )


def _day_with_weekday(day: int, weekday: int, today: dt.date, past: bool) -> dt.date | None:
    """The next (in the past tense, the last) date on day ``day`` of a month that falls on ``weekday``,
    within a year: "Saturday 16" said in January 2027 is Sat 16 Jan; None when no month fits."""
    if not 1 <= day <= 31:
        return None
    anchor = today
    for _ in range(13):
        candidate = _resolve_ordinal(day, anchor, past)
        if candidate.weekday() == weekday:
            return candidate
        anchor = candidate + dt.timedelta(days=-1 if past else 1)
    return None


def _range_end(start: dt.date, mention: _DateMention) -> dt.date:
    """The end of a range, re-resolved so it falls on or after its start."""
    if mention.kind == "weekday":
        return next_weekday(start, mention.number)
    if mention.kind == "ordinal":
        return _resolve_ordinal(mention.number, start, past=False)
    if mention.kind == "monthday":
        return _resolve_month_day(mention.number, mention.month, start, past=False)
    return mention.value


def _impossible_date(raw: str, day: int, month: int, year: int | None) -> str:
    """A clear sentence for a date that does not exist, naming the month's real length."""
    raw = raw.strip()
    if not 1 <= month <= 12:
        return f"'{raw}' is not a real date: there is no month {month}."
    month_name = calendar.month_name[month]
    limit = calendar.monthrange(year, month)[1] if year is not None else _month_days(month)
    if month == 2 and year is None:
        return f"'{raw}' is not a real date: February has at most 29 days."
    when = f" in {year}" if year is not None else ""
    if day < 1:
        return f"'{raw}' is not a real date: days start at 1."
    return f"'{raw}' is not a real date: {month_name}{when} has {limit} days."


def _clause_at(text: str, bounds: list[tuple[int, int]], position: int) -> str:
    for start, end in bounds:
        if start <= position < end:
            return text[start:end]
    return text


_PARSERS: dict[tuple[bool, int], SlotParser] = {}


def _parser(day_first: bool, week_start: int) -> SlotParser:
    key = (day_first, week_start)
    if key not in _PARSERS:
        _PARSERS[key] = SlotParser(day_first=day_first, week_start=week_start)
    return _PARSERS[key]


def parse_slots(
    text: str, today: dt.date, *, day_first: bool = True, past: bool | None = None, week_start: int = 0
) -> Slots:
    """Read every slot in ``text`` relative to ``today``; pure, deterministic, never raises.

    ``past`` says which way a bare weekday points ("Thursday": the last one or the next one);
    by default the tense of the words decides, but a caller that knows the message is a request
    about the days ahead (a move, a trip, a time cap) says so. ``day_first`` is the athlete's
    locale ("12/3": 12 March, or 3 December); ``week_start`` their first day of the week
    (Monday = 0, Sunday = 6) for "this/next/last week"."""
    return _parser(day_first, week_start).parse(text, today, past=past)


_DOTTED_DAY_MONTH_RE: Final = re.compile(r"(\d{1,2})\.(\d{1,2})\.?")


class DateError(ValueError):
    """Words that name a date that does not exist ("31 Feb"); the message says why."""


def read_date(
    text: str,
    today: dt.date,
    *,
    day_first: bool = True,
    week_start: int = 0,
    past: bool = False,
    fallback: bool = True,
) -> dt.date | None:
    """The calendar date ``text`` names, relative to ``today`` (never the clock); None when it names none.

    The one date reader: onboarding's goal date and the slot reader's dates are the same rules
    ("2027-04-12", "12/04/2027" by locale, "12 Apr", "April 12th", "the 27th", "next Tue",
    "tomorrow", "in 3 weeks"; a date without a year is its next occurrence, or its last when
    ``past``). What the rules do not read goes, when ``fallback``, to dateparser for an absolute
    date with a day and a month ("12.04", "Apr-12-2027"): measured by bench/bench_language_dates.py
    on the blind sets a, c and d, the rules read every expected date of more messages than
    dateparser's ``search_dates`` (figures in the bench's output and the README), so dateparser is
    only the fallback. Raises :class:`DateError` for a date that does not exist.
    """
    if (numeric := _DOTTED_DAY_MONTH_RE.fullmatch(text.strip())) is not None:
        text = f"{numeric.group(1)}/{numeric.group(2)}"  # an answer of just "12.04" is a date, not a decimal
    slots = parse_slots(text, today, day_first=day_first, past=past, week_start=week_start)
    if slots.date is not None:
        return slots.date
    if slots.date_range is not None:
        return slots.date_range.start
    impossible = [
        error for error in slots.errors if "not a real date" in error or "day of the month" in error
    ]
    if impossible:
        raise DateError(impossible[0])
    return _library_date(text, today, day_first=day_first, past=past) if fallback else None


def _library_date(text: str, today: dt.date, *, day_first: bool, past: bool) -> dt.date | None:
    import dateparser  # type: ignore[import-untyped]  # imported on first use: a third of a second nobody pays who never needs it

    found = dateparser.parse(
        text[:200],
        languages=["en"],
        settings={
            "RELATIVE_BASE": dt.datetime.combine(today, dt.time(12)),
            "PREFER_DATES_FROM": "past" if past else "future",
            "DATE_ORDER": "DMY" if day_first else "MDY",
            "REQUIRE_PARTS": ["day", "month"],
        },
    )
    return None if found is None else found.date()
