"""Durations written as clocks: is ``1:50`` one hour fifty or one minute fifty?

Athletes write ``H:MM`` and ``MM:SS`` the same way. A half-marathon target of "1:50" is
1 h 50 min, a 5 km race in "23:45" is 23 min 45 s, "6 miles in 1:02" is 1 h 2 min and "rode
40 km in 1:20" is 1 h 20 min. The reading is decided by what is humanly plausible for the
sport over the distance, the same way everywhere a clock is read; without a distance, by what
is plausible for a training session. When neither reading is plausible the caller asks.

Speed bounds (metres per second), wide on purpose, from the world records above and a slow
walk or drift below: running 1.2–6.5 (14 min/km walk-jog to faster than the 10,000 m record,
26:11, 6.4 m/s); riding 2.5–20 (9 km/h to the UCI hour record, 56.8 km/h, 15.8 m/s, with room
for descents); swimming 0.25–2.4 (6:40 /100 m to the 50 m record, 2.4 m/s).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from coach.language.units import DISTANCE_WORDS, DistanceUnit, distance_m

SPEED_BOUNDS_MPS: Final[dict[str, tuple[float, float]]] = {
    "run": (1.2, 6.5),
    "ride": (2.5, 20.0),
    "virtual_ride": (2.5, 20.0),
    "swim": (0.25, 2.4),
}
"""Plausible average speeds per sport (see the module docstring for the sources)."""
SESSION_HOURS_MAX: Final = 10
"""Without a distance, ``a:b`` with ``a`` below this reads as hours and minutes (a 1:20 ride),
at or above it as minutes and seconds (45:00). Sessions over ten hours are rare; ones under a
minute are not training."""


class ClockAmbiguity(ValueError):
    """Neither reading of a clock is plausible; the message says both, for a question back."""


def plausible_speed_mps(sport: str | None, distance_m: float, seconds: float) -> bool:
    if seconds <= 0:
        return False
    low, high = SPEED_BOUNDS_MPS.get(sport or "run", (0.25, 20.0))
    return low <= distance_m / seconds <= high


def read_clock(a: int, b: int, *, distance_m: float | None = None, sport: str | None = None) -> int:
    """Seconds for ``a:b``: hours and minutes, or minutes and seconds, whichever is plausible.

    Raises :class:`ClockAmbiguity` when a distance is known and neither reading gives a
    plausible speed for the sport.
    """
    as_hours = a * 3600 + b * 60
    as_minutes = a * 60 + b
    if distance_m is not None and distance_m > 0:
        minutes_ok = plausible_speed_mps(sport, distance_m, as_minutes)
        hours_ok = plausible_speed_mps(sport, distance_m, as_hours)
        if minutes_ok and not hours_ok:
            return as_minutes
        if hours_ok and not minutes_ok:
            return as_hours
        if not minutes_ok and not hours_ok:
            km = distance_m / 1000
            raise ClockAmbiguity(
                f"{a}:{b:02d} for {km:g} km doesn't fit either way ({a} h {b:02d} min or {a} min {b:02d} s); "
                "what was the time?"
            )
    return as_hours if a < SESSION_HOURS_MAX else as_minutes


# --------------------------------------------------------------------------- spans

HALF_MARATHON_M: Final = 21097.5
MARATHON_M: Final = 42195.0
"""World Athletics road distances."""
PARKRUN_M: Final = 5000.0
METRIC_CENTURY_M: Final = 100_000.0
METRES_MIN: Final = 100
"""``Nm`` is metres from this value up (2000m, 400m) and minutes below it (45m), unless a pool is named."""
SECONDS_PER_MINUTE: Final = 60
SECONDS_PER_HOUR: Final = 3600

NUMBER: Final = r"(?:\d{1,3}(?:,\d{3})+|\d+(?:\.\d+|,\d{1,2}(?!\d))?)(?![.,]?\d)"
"""A number never cut short ("8.5" is never "8" then ".5"): a decimal comma ("1,5 h") or a
thousands comma ("10,000m") is read as written."""

_NAMED_DISTANCE_RE: Final = re.compile(
    r"\b(?P<name>half[\s-]?marathon|half[\s-]?mara|metric\s+century|century|marathon|parkrun)\b"
)
NAMED_DISTANCES_M: Final[dict[str, float]] = {
    "half marathon": HALF_MARATHON_M, "half mara": HALF_MARATHON_M, "metric century": METRIC_CENTURY_M,
    "century": 100 * 1609.344, "marathon": MARATHON_M, "parkrun": PARKRUN_M,
}  # fmt: skip
"""Distances athletes name instead of giving a number (a century is 100 miles)."""
_DISTANCE_RE: Final = re.compile(
    r"(?<![\d.:,])(?P<n>"
    + NUMBER
    + r")\s*(?P<unit>"
    + "|".join(sorted(DISTANCE_WORDS, key=len, reverse=True))
    + r")\b(?P<pool>\s*pool)?"
)
_HMS_RE: Final = re.compile(r"(?<![\d:])(?P<h>\d{1,2}):(?P<m>[0-5]\d):(?P<s>[0-5]\d)(?![\d:])")
_CLOCK_RE: Final = re.compile(
    r"(?<![\d:.])(?P<a>\d{1,3}):(?P<b>[0-5]\d)(?![\d:])"
    r"(?!\s*(?:/|per\b|pace|am\b|pm\b|a\s+(?:mile|km|k)\b|mile|km\b|min/|mins?/))"
)
"""``a:b`` that is not a pace ("5:10/km", "8:30 a mile") nor a time of day ("6:30 am")."""
_HOURS_MINUTES_RE: Final = re.compile(
    r"\b(?P<h>\d+)\s*(?:h|hr|hrs|hours?)\s*(?:and\s+)?(?P<m>[0-5]?\d)\s*(?:m|min|mins|minutes?|')?(?![\d:]|[.,]\d)"
    r"(?!\s*(?:km|k|mi|miles?|x|s|sec|secs|seconds?)\b)"
)
_HOURS_RE: Final = re.compile(r"(?<![\d.,])(?P<h>" + NUMBER + r")\s*(?:h|hr|hrs|hours?)\b")
_MINUTES_RE: Final = re.compile(r"(?<![\d.,])(?P<m>" + NUMBER + r")\s*(?:min|mins|minutes?|mn|')(?!\w)")
_M_MINUTES_RE: Final = re.compile(r"(?<![\d.:,])(?P<m>\d{1,2})\s*m\b(?!\s*pool)")
""""45m": minutes (below :data:`METRES_MIN`, with no pool named)."""


@dataclass(frozen=True)
class DistanceSpan:
    """A distance read from text: where it is, in metres, and the unit written (None: a named race)."""

    start: int
    end: int
    metres: float
    unit: DistanceUnit | None


@dataclass(frozen=True)
class DurationSpan:
    """A duration read from text: where it is, in seconds, and whether it has an hours part."""

    start: int
    end: int
    seconds: int
    has_hours: bool


def _number(text: str) -> float:
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+", text):
        return float(text.replace(",", ""))
    return float(text.replace(",", "."))


def find_distances(text: str) -> list[DistanceSpan]:
    """Every distance in normalised ``text``, in order: "10k", "6 miles", "2000m", "1,5 km", "half marathon".

    "45m" below 100 with no pool named is not a distance: :func:`find_durations` reads it as minutes.
    """
    spans: list[DistanceSpan] = []
    taken: list[tuple[int, int]] = []
    for match in _NAMED_DISTANCE_RE.finditer(text):
        name = re.sub(r"[\s-]+", " ", match.group("name"))
        spans.append(DistanceSpan(match.start(), match.end(), NAMED_DISTANCES_M[name], None))
        taken.append((match.start(), match.end()))
    for match in _DISTANCE_RE.finditer(text):
        if any(s < match.end() and match.start() < e for s, e in taken):
            continue
        value, word = _number(match.group("n")), match.group("unit")
        if DISTANCE_WORDS[word] == "m" and value < METRES_MIN and not match.group("pool"):
            continue
        spans.append(
            DistanceSpan(match.start(), match.end(), round(distance_m(value, word), 3), DISTANCE_WORDS[word])
        )
    return sorted(spans, key=lambda span: span.start)


def find_durations(
    text: str, *, distance_m: float | None = None, sport: str | None = None, strict: bool = False
) -> list[DurationSpan]:
    """Every duration in normalised ``text``, in order: "1:02:10", "1:20", "1h10", "1.5 hours", "45 min", "45m".

    A bare ``a:b`` is read by :func:`read_clock` over ``distance_m`` for ``sport``; when neither
    reading is plausible it raises :class:`ClockAmbiguity` if ``strict``, else reads it as a session
    with no distance would be.
    """
    chars = list(text)
    spans: list[DurationSpan] = []

    def take(pattern: re.Pattern[str]) -> list[re.Match[str]]:
        matches = list(pattern.finditer("".join(chars)))
        for match in matches:
            chars[match.start() : match.end()] = " " * (match.end() - match.start())
        return matches

    for match in take(_HMS_RE):
        h, m, s = (int(match.group(g)) for g in ("h", "m", "s"))
        spans.append(
            DurationSpan(match.start(), match.end(), h * SECONDS_PER_HOUR + m * SECONDS_PER_MINUTE + s, True)
        )
    for match in take(_CLOCK_RE):
        a, b = int(match.group("a")), int(match.group("b"))
        try:
            seconds = read_clock(a, b, distance_m=distance_m, sport=sport)
        except ClockAmbiguity:
            if strict:
                raise
            seconds = read_clock(a, b)
        spans.append(
            DurationSpan(
                match.start(), match.end(), seconds, seconds == a * SECONDS_PER_HOUR + b * SECONDS_PER_MINUTE
            )
        )
    for match in take(_HOURS_MINUTES_RE):
        seconds = int(match.group("h")) * SECONDS_PER_HOUR + int(match.group("m")) * SECONDS_PER_MINUTE
        spans.append(DurationSpan(match.start(), match.end(), seconds, True))
    for match in take(_HOURS_RE):
        spans.append(
            DurationSpan(
                match.start(), match.end(), round(_number(match.group("h")) * SECONDS_PER_HOUR), True
            )
        )
    for match in take(_MINUTES_RE):
        spans.append(
            DurationSpan(
                match.start(), match.end(), round(_number(match.group("m")) * SECONDS_PER_MINUTE), False
            )
        )
    for match in take(_M_MINUTES_RE):
        spans.append(
            DurationSpan(match.start(), match.end(), int(match.group("m")) * SECONDS_PER_MINUTE, False)
        )
    return sorted(spans, key=lambda span: span.start)


def read_distance_m(text: str) -> float | None:
    """The first distance in normalised ``text``, in metres, or None."""
    spans = find_distances(text)
    return spans[0].metres if spans else None


def read_duration_s(
    text: str, *, distance_m: float | None = None, sport: str | None = None, strict: bool = True
) -> int | None:
    """The first duration in normalised ``text``, in seconds, or None (see :func:`find_durations`)."""
    spans = find_durations(text, distance_m=distance_m, sport=sport, strict=strict)
    return spans[0].seconds if spans else None
