"""The check that a reply never states a number no tool returned.

Why: MISSION principle 1 (*the engine decides numbers ... a reply may not state a number that
no tool returned*) and seed 004 ("It won't make things up ... it never invents a number just to
fill the silence").  A prompt asking the model to behave is not enough, so every reply is
checked deterministically here before it reaches the athlete; :class:`coach.brain.claude.ClaudeBrain`
asks the model once to restate an offending reply and otherwise falls back to deterministic text.

Policy (what counts as a number, and what supports it)
=====================================================

**Mentions** found by :func:`extract_numbers` (signs are ignored: "-12" is the number 12):

* integers and decimals, with ``.`` or a decimal ``,`` ("8.0", "32,4"); ``1,200`` (a comma
  followed by exactly three digits) is a thousands separator;
* numbers glued to or followed by a unit: "10k", "8 km", "45min", "5x400m" (two mentions:
  ``5x`` and ``400m``), "10 %", "7 am", "5 min/km", "180 bpm";
* clock values: "4:45", "1:45:00", "4'45\\"" and paces "4:45/km", "7:39 per mile";
* compound durations: "1h45", "1 h 45 min", "2 hours 30 minutes";
* dates: "2027-03-14", "14/03/2027", "14 Mar", "Sunday 14 March 2027", "Mar 14", "Sunday the 14th";
* ranges "4:50–5:10/km", "8-10 km", "8 to 10 km": two mentions, the unit of the second applies
  to the first;
* number words from "eleven" to "ninety-nine", and ordinals above "10th" (a day of the month).

**Not mentions** (never flagged): counting words "zero"-"ten" and ordinals "1st"-"10th";
list markers ("1." or "2)" at the start of a line); the denominator of a score ("7/10" is the
number 7); digits inside the names ``VO2max``, ``SpO2``, ``e1RM``/``1RM``, ``MMP300``...

**Supported** - a mention is fine when *any* of its readings matches *any* number in the
sources (tool results as JSON, the athlete's message, the digest):

* the number as written, ignoring units, within the rounding of what was written: a source
  32.4 supports "32" (``|32.4 - 32| <= 0.5``) but a source 32 does not support "32.4";
* the same quantity in another unit: km, mi, m; s, min, h; pace per km and per mile; km/h and
  mph; kg and lb; fractions and percentages.  Units come from the text ("8 km") or from a JSON
  key suffix (``distance_km``, ``duration_min``, ``pace_s_per_km``, ``ramp_pct``...).
  Metric-imperial conversions get an extra tolerance of 0.1 in the reply's unit (one second for
  paces), so 8.0 km supports "5 miles", "5.0 mi" and "4.9 mi";
* a clock "1:45" is read both as m:ss (105 s) and h:mm (105 min) and matches source clocks,
  durations or paces with the same number of seconds ("45:00" ↔ ``duration_min: 45``);
* a date matches a source date with the same day and month (and year, when both give one; a
  weekday, when given, must agree with the date).

So bare integers 0-10 are allowed when they appear in a source (or are list markers) and are
flagged otherwise: the system prompt tells the model to write small counts as words ("two
easy days").  This check is about *invented* numbers, not unit mistakes: "8 min" is accepted
when a tool returned 8 km.  Spelled-out numbers up to ten and sums the model computed itself
("that's 18 km in total" from 8 + 10) are flagged unless a tool returned them, on purpose.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "DateClaim",
    "NumberMention",
    "Quantity",
    "extract_numbers",
    "is_supported",
    "unreturned_numbers",
]

Dim = Literal["plain", "clock", "distance", "time", "pace", "speed", "mass", "percent"]
MentionKind = Literal["number", "percent", "clock", "duration", "date", "ordinal"]

#: Conversion factor from each canonical unit to the base unit of its dimension
#: (distance: metres, time: seconds, pace: seconds per km, speed: km/h, mass: kg).
_FACTOR: dict[str, float] = {
    "m": 1.0,
    "km": 1000.0,
    "mi": 1609.344,
    "s": 1.0,
    "min": 60.0,
    "h": 3600.0,
    "s/km": 1.0,
    "s/mi": 1.0 / 1.609344,
    "km/h": 1.0,
    "mph": 1.609344,
    "kg": 1.0,
    "lb": 0.45359237,
    "%": 1.0,
}
_IMPERIAL = {"mi", "s/mi", "mph", "lb"}
_METRIC = {"m", "km", "s/km", "km/h", "kg"}
_EPS = 1e-9


@dataclass(frozen=True, slots=True)
class Quantity:
    """One reading of a mention: ``value`` in ``unit``, matched within ``tol`` (same unit).

    ``plain`` is the number as written (no unit); ``clock`` is a clock value in seconds.
    """

    dim: Dim
    value: float
    unit: str | None = None
    tol: float = 0.0


@dataclass(frozen=True, slots=True)
class DateClaim:
    """A calendar date as written; ``month`` is None for a bare day of the month ("the 14th")."""

    year: int | None
    month: int | None
    day: int
    weekday: int | None = None  # 0 = Monday


@dataclass(frozen=True, slots=True)
class NumberMention:
    """A number as it appears in text, with every reading that could support it."""

    text: str
    start: int
    end: int
    kind: MentionKind
    quantities: tuple[Quantity, ...] = ()
    dates: tuple[DateClaim, ...] = ()
    #: the numbers written inside the mention (clock parts, date parts): extra *source* values
    parts: tuple[float, ...] = field(default=(), repr=False)


# ======================================================================
# Patterns
# ======================================================================
_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|(?-i:May)|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_WEEKDAYS = (
    r"(?:mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?"
    r"|sat(?:urday)?|sun(?:day)?)"
)
_ORD = r"(?:st|nd|rd|th)"
_PACE_SUFFIX = (
    r"(?:min(?:utes?)?\s*(?:/|per\s+)\s*(?:km|k|kilomet(?:er|re)|mi(?:le)?|mi)"
    r"|/\s*(?:km|k|mi(?:le)?)|per\s+(?:km|kilomet(?:er|re)|mi(?:le)?))"
)
_UNIT = (
    r"(?:" + _PACE_SUFFIX + r"|km/h|kph|kmh|mph"
    r"|kilomet(?:er|re)s?|kms?|k|miles?|mi|met(?:er|re)s?|m"
    r"|minutes?|mins?|'|hours?|hrs?|h|seconds?|secs?|s"
    r"|percent|%|kilos?|kilograms?|kgs?|pounds?|lbs?"
    r"|a\.m\.|p\.m\.|am|pm|bpm|watts?|w|tss|kj|kcal|reps?|sets?|rpe|rm|x|×)"
)
_NUM = r"(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:[.,]\d+)?)"

_PATTERNS = [
    # a list marker at the start of a line: "1. Easy run"
    r"(?P<listmark>^[ \t]*\d{1,2}[.)](?=[ \t]))",
    # ISO date (the time of a datetime is matched separately as a clock)
    r"(?P<iso>(?<!\d)(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})(?!\d))",
    # numeric date with a year: 14/03/2027, 14.03.27
    r"(?P<nd>(?<![\d/.,])(?P<na>\d{1,2})(?P<sep>[/.])(?P<nb>\d{1,2})(?P=sep)(?P<nc>\d{4}|\d{2})(?![\d/]|[.,]\d))",
    # [weekday] day month [year]: "Sunday 14 Mar", "14th of March 2027"
    r"(?P<dmy>(?:\b(?P<wd1>"
    + _WEEKDAYS
    + r")\.?,?\s+(?:the\s+)?)?(?<![\d.,])(?P<d1>\d{1,2})"
    + _ORD
    + r"?\s+(?:of\s+)?\b(?P<m1>"
    + _MONTHS
    + r")\.?(?![a-z])(?:,?\s+(?P<y1>\d{4})(?!\d))?)",
    # [weekday] month day [year]: "Mar 14", "Sunday, March 14th, 2027"
    r"(?P<mdy>(?:\b(?P<wd2>"
    + _WEEKDAYS
    + r")\.?,?\s+)?\b(?P<m2>"
    + _MONTHS
    + r")\.?\s+(?:the\s+)?(?P<d2>\d{1,2})"
    + _ORD
    + r"?(?![\d:]|[.,]\d)(?:,?\s+(?P<y2>\d{4})(?!\d))?)",
    # weekday + ordinal day: "Sunday the 14th"
    r"(?P<wdo>\b(?P<wd3>" + _WEEKDAYS + r")\.?,?\s+(?:the\s+)?(?P<d3>\d{1,2})" + _ORD + r"(?![a-z]))",
    # compound durations: "1h45", "1 h 45 min", "2 hours and 30 minutes"
    r"(?P<hm>(?<![\d.,])(?P<hh>\d{1,2})\s*(?:h|hrs?|hours?)\s*(?:and\s+)?(?P<hmin>\d{1,2})\s*(?:m|mins?|minutes?)(?![a-z]))",
    r"(?P<hmg>(?<![\d.,])(?P<gh>\d{1,2})h(?P<gm>[0-5]\d)(?![\d:]))",
    # clocks and paces: "4:45", "1:45:00", "4'45\"", "4:50/km", "7:30am"
    r"(?P<clock>(?<![\d:.,])(?P<c1>\d{1,3})(?::(?P<c2>[0-5]\d)(?::(?P<c3>[0-5]\d))?|'(?P<c2q>[0-5]\d)\"?)"
    r"(?![\d:])(?:\s*(?P<csuf>" + _PACE_SUFFIX + r"|min(?:utes?)?|hours?|h|a\.m\.|p\.m\.|am|pm)(?![a-z]))?)",
    # ordinals: "1st", "14th"
    r"(?P<ordinal>(?<![\d.,])(?P<ov>\d{1,4})" + _ORD + r"(?![a-z]))",
    # scores: "7/10" (the denominator is a scale, not a claim)
    r"(?P<score>(?<![\d.,/])(?P<sv>" + _NUM + r")\s*/\s*(?:5|10|20|100)(?![\d/]|[.,]\d))",
    # plain numbers with an optional unit
    r"(?P<num>(?<![\d.,])(?P<nv>" + _NUM + r")(?:\s?(?P<unit>" + _UNIT + r"))?(?![a-z]))",
    r"(?P<numbare>(?<![\d.,])(?P<bv>" + _NUM + r"))",
    # number words from eleven: "twelve", "twenty-five"
    r"(?P<word>\b(?P<tens>eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen"
    r"|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[-\s](?P<ones>one|two|three|four|five"
    r"|six|seven|eight|nine))?\b)",
]
_RE = re.compile("|".join(_PATTERNS), re.IGNORECASE | re.MULTILINE)
_RANGE_GAP = re.compile(r"^\s*(?:-|–|—|to|and)\s*$", re.IGNORECASE)
_IDENT_SKIP = re.compile(r"^(?:vo2(?:max)?|spo2|co2|h2o|o2|e1rm|1rm|mmp\d+|cp\d+)$", re.IGNORECASE)

_MONTH_NUM = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_WEEKDAY_NUM = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_WORDS = {
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
}  # fmt: skip


def _unit_reading(unit: str) -> tuple[Dim, str, float] | None:
    """(dimension, canonical unit, scale) for a unit as written; None for count-like units."""
    u = re.sub(r"\s+", " ", unit.lower().strip())
    if re.fullmatch(_PACE_SUFFIX, u, re.IGNORECASE):
        per_mile = re.search(r"(?:/|per)\s*mi", u) is not None
        scale = 60.0 if u.startswith("min") else 1.0
        return ("pace", "s/mi" if per_mile else "s/km", scale)
    table: list[tuple[str, tuple[Dim, str, float]]] = [
        (r"km/h|kph|kmh", ("speed", "km/h", 1.0)),
        (r"mph", ("speed", "mph", 1.0)),
        (r"kilomet(?:er|re)s?|kms?|k", ("distance", "km", 1.0)),
        (r"miles?|mi", ("distance", "mi", 1.0)),
        (r"met(?:er|re)s?|m", ("distance", "m", 1.0)),
        (r"minutes?|mins?|'", ("time", "min", 1.0)),
        (r"hours?|hrs?|h", ("time", "h", 1.0)),
        (r"seconds?|secs?|s", ("time", "s", 1.0)),
        (r"percent|%", ("percent", "%", 1.0)),
        (r"kilos?|kilograms?|kgs?", ("mass", "kg", 1.0)),
        (r"pounds?|lbs?", ("mass", "lb", 1.0)),
    ]
    for pattern, reading in table:
        if re.fullmatch(pattern, u):
            return reading
    return None


def _parse_number(text: str) -> tuple[float, int]:
    """(value, decimals written) for "8", "8.0", "32,4", "1,200"."""
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+", text):
        return float(text.replace(",", "")), 0
    normalised = text.replace(",", ".")
    decimals = len(normalised.split(".", 1)[1]) if "." in normalised else 0
    return float(normalised), decimals


def _half_unit(decimals: int) -> float:
    return 0.5 * 10.0 ** (-decimals)


def _month(name: str) -> int:
    return _MONTH_NUM[name.lower()[:3]]


def _weekday(name: str | None) -> int | None:
    return _WEEKDAY_NUM[name.lower()[:3]] if name else None


def _valid_date(year: int | None, month: int, day: int) -> bool:
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return False
    try:
        dt.date(year if year is not None else 2000, month, day)  # 2000: a leap year
    except ValueError:
        return False
    return True


def _year(text: str | None) -> int | None:
    if not text:
        return None
    value = int(text)
    return value + 2000 if value < 100 else value


# ======================================================================
# Extraction
# ======================================================================
@dataclass(slots=True)
class _Raw:
    """A match before range propagation: numbers with their unit as written."""

    text: str
    start: int
    end: int
    kind: MentionKind
    value: float = 0.0
    decimals: int = 0
    unit: str | None = None
    clock: tuple[int, ...] = ()
    dates: tuple[DateClaim, ...] = ()
    parts: tuple[float, ...] = ()
    plain_only: bool = False


def extract_numbers(text: str) -> list[NumberMention]:
    """Every number mentioned in ``text``, in order (see the module docstring for the policy)."""
    raws = list(_scan(text))
    _propagate_range_units(text, raws)
    return [_build(raw) for raw in raws]


def _scan(text: str) -> Iterator[_Raw]:
    for m in _RE.finditer(text):
        raw = _raw_from_match(text, m)
        if raw is not None:
            yield raw


def _raw_from_match(text: str, m: re.Match[str]) -> _Raw | None:
    """One regex match to a raw mention, or None when it is not a claim (list marker, "1st"...)."""
    g = m.groupdict()
    start, end, span = m.start(), m.end(), m.group(0)
    if g["dmy"] is not None or g["mdy"] is not None:
        trimmed = span.rstrip(".,")  # "15 March." is the date "15 March"
        end, span = start + len(trimmed), trimmed
    if g["listmark"] is not None:
        return None
    if g["iso"] is not None:
        year, month, day = int(g["iy"]), int(g["im"]), int(g["id"])
        dates = (DateClaim(year, month, day),) if _valid_date(year, month, day) else ()
        return _Raw(span, start, end, "date", dates=dates, parts=(year, day))
    if g["nd"] is not None:
        return _numeric_date(span, start, end, int(g["na"]), int(g["nb"]), _year(g["nc"]))
    if g["dmy"] is not None:
        return _named_date(span, start, end, int(g["d1"]), _month(g["m1"]), _year(g["y1"]), g["wd1"])
    if g["mdy"] is not None:
        return _named_date(span, start, end, int(g["d2"]), _month(g["m2"]), _year(g["y2"]), g["wd2"])
    if g["wdo"] is not None:
        day = int(g["d3"])
        dates = (DateClaim(None, None, day, _weekday(g["wd3"])),)
        return _Raw(span, start, end, "date", dates=dates, parts=(day,))
    if g["hm"] is not None or g["hmg"] is not None:
        hours = int(g["hh"] if g["hm"] is not None else g["gh"])
        minutes = int(g["hmin"] if g["hm"] is not None else g["gm"])
        return _Raw(span, start, end, "duration", clock=(hours, minutes, 0), parts=(hours, minutes))
    if g["clock"] is not None:
        c2 = g["c2"] if g["c2"] is not None else g["c2q"]
        parts = tuple(int(p) for p in (g["c1"], c2, g["c3"]) if p is not None)
        return _Raw(span, start, end, "clock", clock=parts, unit=g["csuf"], parts=tuple(map(float, parts)))
    if g["ordinal"] is not None:
        day = int(g["ov"])
        if day <= 10:
            return None  # "1st", "2nd": counting, not a claim
        dates = (DateClaim(None, None, day),) if day <= 31 else ()
        return _Raw(span, start, end, "ordinal", value=float(day), dates=dates)
    if g["score"] is not None:
        value, decimals = _parse_number(g["sv"])
        return _Raw(span, start, end, "number", value=value, decimals=decimals)
    if g["num"] is not None or g["numbare"] is not None:
        return _plain_number(text, m)
    if g["word"] is not None:
        ones = _WORDS[g["ones"].lower()] if g["ones"] else 0
        return _Raw(span, start, end, "number", value=float(_WORDS[g["tens"].lower()] + ones))
    return None  # pragma: no cover - every alternative is named


def _numeric_date(span: str, start: int, end: int, a: int, b: int, year: int | None) -> _Raw:
    """14/03/2027 or 03/14/2027: both readings when both are valid dates."""
    readings = [DateClaim(year, mo, da) for da, mo in ((a, b), (b, a)) if _valid_date(year, mo, da)]
    dates = tuple(dict.fromkeys(readings))
    return _Raw(span, start, end, "date", dates=dates, parts=(a, b, float(year or 0)))


def _named_date(
    span: str, start: int, end: int, day: int, month: int, year: int | None, weekday: str | None
) -> _Raw:
    dates = (DateClaim(year, month, day, _weekday(weekday)),) if _valid_date(year, month, day) else ()
    parts = (float(day),) + ((float(year),) if year else ())
    return _Raw(span, start, end, "date", dates=dates, parts=parts)


def _plain_number(text: str, m: re.Match[str]) -> _Raw | None:
    g = m.groupdict()
    start, end, span = m.start(), m.end(), m.group(0)
    unit: str | None = g["unit"] if g["num"] is not None else None
    value, decimals = _parse_number(g["nv"] if g["num"] is not None else g["bv"])
    if unit is not None and unit.lower() == "rm" and value == 1:
        return None  # "1RM" is a name
    if _identifier_prefix(text, start):
        if _IDENT_SKIP.match(_identifier(text, start)):
            return None  # VO2max, SpO2, e1RM, MMP300...
        return _Raw(span, start, end, "number", value=value, decimals=decimals, plain_only=True)
    kind: MentionKind = "percent" if unit and unit.strip().lower() in ("%", "percent") else "number"
    return _Raw(span, start, end, kind, value=value, decimals=decimals, unit=unit)


def _identifier_prefix(text: str, start: int) -> bool:
    """True when the number is glued to letters before it ("VO2max", "Z2", "R12"), except x/×."""
    return start > 0 and text[start - 1].isalpha() and text[start - 1] not in "xX×"


def _identifier(text: str, start: int) -> str:
    left = start
    while left > 0 and text[left - 1].isalnum():
        left -= 1
    right = start
    while right < len(text) and text[right].isalnum():
        right += 1
    return text[left:right]


def _propagate_range_units(text: str, raws: list[_Raw]) -> None:
    """In "8-10 km" or "4:50–5:10/km" the unit written once applies to both ends."""
    for i in range(len(raws) - 2, -1, -1):
        first, second = raws[i], raws[i + 1]
        if first.unit is not None or second.unit is None or first.plain_only:
            continue
        same_kind = first.kind == second.kind == "clock"
        if not same_kind and not (first.kind == "number" and second.kind in ("number", "percent")):
            continue
        if _RANGE_GAP.match(text[first.end : second.start]):
            first.unit = second.unit
            first.kind = second.kind


def _build(raw: _Raw) -> NumberMention:
    quantities: list[Quantity] = []
    if raw.kind in ("number", "percent", "ordinal"):
        tol = _half_unit(raw.decimals)
        quantities.append(Quantity("plain", raw.value, None, tol))
        if raw.unit is not None and not raw.plain_only:
            quantities.extend(_unit_quantities(raw.value, tol, raw.unit))
    elif raw.kind == "duration":
        hours, minutes, _ = raw.clock
        quantities.append(Quantity("time", float(hours * 3600 + minutes * 60), "s", 30.0))
    elif raw.kind == "clock":
        quantities.extend(_clock_quantities(raw.clock, raw.unit))
    return NumberMention(
        text=raw.text,
        start=raw.start,
        end=raw.end,
        kind=raw.kind,
        quantities=tuple(quantities),
        dates=raw.dates,
        parts=raw.parts,
    )


def _unit_quantities(value: float, tol: float, unit: str) -> list[Quantity]:
    u = unit.lower().replace(".", "")
    if u in ("am", "pm"):
        hour = value % 12 + (12 if u == "pm" else 0)
        return [Quantity("clock", hour * 3600.0, None, 30.0)]
    reading = _unit_reading(unit)
    if reading is None:
        return []
    dim, canonical, scale = reading
    return [Quantity(dim, value * scale, canonical, tol * scale)]


def _clock_quantities(parts: tuple[int, ...], suffix: str | None) -> list[Quantity]:
    if len(parts) == 3:
        seconds = parts[0] * 3600 + parts[1] * 60 + parts[2]
        return [Quantity("clock", float(seconds), None, 0.5)]
    mss = float(parts[0] * 60 + parts[1])
    hmm = mss * 60.0
    if suffix is None:
        return [Quantity("clock", mss, None, 0.5), Quantity("clock", hmm, None, 30.0)]
    s = suffix.lower().replace(".", "")
    if s in ("am", "pm"):
        hour = parts[0] % 12 + (12 if s == "pm" else 0)
        return [Quantity("clock", float(hour * 3600 + parts[1] * 60), None, 30.0)]
    if re.fullmatch(r"hours?|h", s):
        return [Quantity("clock", hmm, None, 30.0)]
    reading = _unit_reading(suffix)
    if reading is not None and reading[0] == "pace":
        return [Quantity("clock", mss, None, 0.5), Quantity("pace", mss, reading[1], 0.5)]
    return [Quantity("clock", mss, None, 0.5)]  # "4:45 min"


# ======================================================================
# Sources
# ======================================================================
@dataclass(slots=True)
class _Index:
    quantities: list[Quantity] = field(default_factory=list)
    dates: list[DateClaim] = field(default_factory=list)

    def add_mention(self, mention: NumberMention) -> None:
        self.quantities.extend(mention.quantities)
        # parts of clocks and dates are numbers the source states too ("1:45:00" states 45)
        self.quantities.extend(Quantity("plain", p) for p in mention.parts)
        self.dates.extend(mention.dates)

    def add_text(self, text: str) -> None:
        for mention in extract_numbers(text):
            self.add_mention(mention)


_KEY_UNITS: list[tuple[str, tuple[Dim, str, float]]] = [
    (r"(?:s|sec|secs|seconds)_per_(?:km|kilometer|kilometre)", ("pace", "s/km", 1.0)),
    (r"(?:s|sec|secs|seconds)_per_(?:mi|mile)", ("pace", "s/mi", 1.0)),
    (r"(?:min|mins|minutes)_per_(?:km|kilometer|kilometre)", ("pace", "s/km", 60.0)),
    (r"(?:min|mins|minutes)_per_(?:mi|mile)", ("pace", "s/mi", 60.0)),
    (r"km_?h|kph", ("speed", "km/h", 1.0)),
    (r"mph", ("speed", "mph", 1.0)),
    (r"km|kms|kilometers|kilometres", ("distance", "km", 1.0)),
    (r"mi|miles", ("distance", "mi", 1.0)),
    (r"m|meters|metres", ("distance", "m", 1.0)),
    (r"min|mins|minutes", ("time", "min", 1.0)),
    (r"s|sec|secs|seconds", ("time", "s", 1.0)),
    (r"h|hr|hrs|hours", ("time", "h", 1.0)),
    (r"pct|percent|percentage", ("percent", "%", 1.0)),
    (r"frac|fraction|ratio|share", ("percent", "%", 100.0)),
    (r"kg|kgs", ("mass", "kg", 1.0)),
    (r"lb|lbs", ("mass", "lb", 1.0)),
]


def _key_unit(key: str | None) -> tuple[Dim, str, float] | None:
    """The unit a JSON key names by its suffix: ``distance_km``, ``durationMin``, ``pace_s_per_km``."""
    if not key:
        return None
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", key).lower()
    for pattern, reading in _KEY_UNITS:
        if re.search(rf"(?:^|_)(?:{pattern})$", snake):
            return reading
    return None


def _add_json(index: _Index, value: Any, key: str | None = None) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _add_json(index, v, str(k))
    elif isinstance(value, list):
        for item in value:
            _add_json(index, item, key)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int | float):
        _add_source_number(index, float(value), key)
    elif isinstance(value, str):
        stripped = value.strip()
        if re.fullmatch(r"-?\d+(?:\.\d+)?", stripped):
            _add_source_number(index, float(stripped), key)
        else:
            index.add_text(value)


def _add_source_number(index: _Index, value: float, key: str | None) -> None:
    value = abs(value)
    index.quantities.append(Quantity("plain", value))
    reading = _key_unit(key)
    if reading is not None:
        dim, unit, scale = reading
        index.quantities.append(Quantity(dim, value * scale, unit))


def _index(sources: Iterable[str]) -> _Index:
    index = _Index()
    for source in sources:
        if not source:
            continue
        stripped = source.strip()
        if stripped[:1] in "[{":
            try:
                parsed = json.loads(stripped)
            except ValueError:
                parsed = None
            if isinstance(parsed, dict | list):
                _add_json(index, parsed)
                continue
        index.add_text(source)
    return index


# ======================================================================
# Matching
# ======================================================================
def _slack(claim_unit: str, source_unit: str) -> float:
    """Extra tolerance for a metric <-> imperial conversion (in the claim's unit)."""
    crosses = (claim_unit in _METRIC and source_unit in _IMPERIAL) or (
        claim_unit in _IMPERIAL and source_unit in _METRIC
    )
    if not crosses:
        return 0.0
    return 1.0 if claim_unit in ("s/km", "s/mi") else 0.1


def _seconds(q: Quantity) -> float | None:
    """A source quantity as a number of seconds, when it can be read as a clock."""
    if q.dim == "clock":
        return q.value
    if q.dim == "time" and q.unit is not None:
        return q.value * _FACTOR[q.unit]
    if q.dim == "pace":  # a pace is a clock in its own unit ("4:45" per km)
        return q.value
    return None


def _quantity_supported(claim: Quantity, source: Quantity) -> bool:
    tol = claim.tol + _EPS
    if claim.dim == "plain":
        return source.dim == "plain" and abs(claim.value - source.value) <= tol
    if claim.dim == "clock":
        seconds = _seconds(source)
        return seconds is not None and abs(claim.value - seconds) <= tol
    if source.dim == "clock" and claim.dim in ("time", "pace") and claim.unit is not None:
        scale = _FACTOR[claim.unit] if claim.dim == "time" else 1.0
        return abs(claim.value - source.value / scale) <= tol
    if claim.dim != source.dim or claim.unit is None or source.unit is None:
        return False
    converted = source.value * _FACTOR[source.unit] / _FACTOR[claim.unit]
    return abs(claim.value - converted) <= tol + _slack(claim.unit, source.unit)


def _date_supported(claim: DateClaim, source: DateClaim) -> bool:
    if source.day != claim.day:
        return False
    if claim.month is not None and source.month != claim.month:
        return False
    if claim.year is not None and source.year is not None and claim.year != source.year:
        return False
    if claim.weekday is not None:
        year = claim.year if claim.year is not None else source.year
        month = claim.month if claim.month is not None else source.month
        if year is not None and month is not None and _valid_date(year, month, claim.day):
            return dt.date(year, month, claim.day).weekday() == claim.weekday
    return True


def _supported(mention: NumberMention, index: _Index) -> bool:
    if any(_date_supported(claim, src) for claim in mention.dates for src in index.dates):
        return True
    # A number stated with a unit ("23 km") must be backed by a number of that dimension: a bare 23
    # elsewhere (a load, the day of "23 Nov") is a different quantity, not a source for it.
    claims = [q for q in mention.quantities if q.dim != "plain"] or list(mention.quantities)
    return any(_quantity_supported(q, src) for q in claims for src in index.quantities)


def is_supported(mention: NumberMention, sources: Sequence[str]) -> bool:
    """Whether one mention is backed by the sources (see the module docstring)."""
    return _supported(mention, _index(sources))


def unreturned_numbers(reply: str, sources: Sequence[str]) -> list[str]:
    """The numbers in ``reply`` that no source supports, as written, first occurrence first.

    ``sources`` are the tool results (JSON-serialised; keys give units), the athlete's message and
    the digest.  An empty list means the reply may be sent.
    """
    index = _index(sources)
    offending: dict[str, None] = {}
    for mention in extract_numbers(reply):
        if not _supported(mention, index):
            offending.setdefault(mention.text.strip(), None)
    return list(offending)
