"""Parsers for onboarding answers: plain language in, a typed value or a clear error out.

Each parser returns the value or raises ``AnswerError`` with a sentence the athlete can act
on. None of them guesses silently: an answer that could mean two things is refused.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from coach.engine.models import WEEKDAYS, Weekday
from coach.engine.units import KM_PER_MILE, METRES_PER_KM, SECONDS_PER_HOUR
from coach.language import (
    WEEKDAY_WORDS,
    ClockAmbiguity,
    DateError,
    find_distances,
    find_durations,
    fold,
    number_words_to_digits,
    read_date,
)

# Upper bounds of believable answers: beyond them we ask again rather than plan on a typo.
MAX_WEEKLY_RUN_KM = 250.0
MAX_WEEKLY_HOURS = 40.0
MIN_RIDE_SPEED_KMH, MAX_RIDE_SPEED_KMH = 5.0, 60.0  # the profile's bounds on history.ride_speed_kmh
MAX_LONGEST_RUN_KM = 250.0
MAX_LONGEST_RIDE_KM = 1300.0
MAX_SESSION_MINUTES = 2880.0


class AnswerError(ValueError):
    """The answer could not be understood or is not believable; the message says why."""


SPORT_WORDS: dict[str, str] = {
    "run": "run", "running": "run", "runner": "run", "jog": "run", "jogging": "run",
    "ride": "ride", "riding": "ride", "bike": "ride", "cycling": "ride", "cyclist": "ride", "bicycle": "ride",
    "tri": "tri", "triathlon": "tri", "triathlete": "tri",
    "strength": "strength", "gym": "strength", "lifting": "strength", "weights": "strength", "lift": "strength",
}

EVENT_PATTERNS: list[tuple[str, str]] = [
    (r"\b(half[ -]?iron ?man|70\.3|middle distance)\b", "70.3"),
    (r"\biron ?man\b|\bfull distance\b|\b140\.6\b", "ironman"),
    (r"\bsprint\b", "sprint_tri"),
    (r"\bolympic\b|\bstandard distance\b", "olympic_tri"),
    (r"\bhalf[ -]?marathon\b|\bhalf\b|\b21(\.1)? ?k(m)?\b", "half_marathon"),
    (r"\b(50 ?k|ultra|ultramarathon)\b", "50k"),
    (r"\bmarathon\b|\b42(\.2)? ?k(m)?\b", "marathon"),
    (r"\b10 ?k(m)?\b", "10k"),
    (r"\b5 ?k(m)?\b|\bparkrun\b", "5k"),
    (r"\bbrevet\b.*?\b600\b|\b600 ?k(m)?\b", "brevet_600"),
    (r"\bbrevet\b.*?\b400\b|\b400 ?k(m)?\b", "brevet_400"),
    (r"\bbrevet\b.*?\b300\b|\b300 ?k(m)?\b", "brevet_300"),
    (r"\bbrevet\b|\b200 ?k(m)?\b|\baudax\b", "brevet_200"),
    (r"\bgran ?fondo\b|\bsportive\b", "gran_fondo"),
    (r"\bmtb\b|\bstage race\b|\bmountain bike\b", "mtb_stage"),
    (r"\bbikepacking\b|\bbike ?packing\b", "bikepacking"),
    (r"\bgeneral\b|\bfitness\b|\bjust (get )?fit\b|\bhealth\b|\bno race\b|\bnone\b", "general_fitness"),
    (r"\bstrength\b|\bstronger\b|\bgym block\b", "strength"),
]

EVENTS_BY_SPORT: dict[str, list[str]] = {
    "run": ["5k", "10k", "half_marathon", "marathon", "50k", "general_fitness"],
    "ride": ["brevet_200", "brevet_300", "brevet_400", "brevet_600", "gran_fondo", "mtb_stage", "bikepacking", "general_fitness"],
    "tri": ["sprint_tri", "olympic_tri", "70.3", "ironman", "general_fitness"],
    "strength": ["strength"],
}

EVENT_LABELS: dict[str, str] = {
    "5k": "5K", "10k": "10K", "half_marathon": "Half marathon", "marathon": "Marathon", "50k": "50K / ultra",
    "general_fitness": "General fitness", "brevet_200": "Brevet 200 km", "brevet_300": "Brevet 300 km",
    "brevet_400": "Brevet 400 km", "brevet_600": "Brevet 600 km", "gran_fondo": "Gran fondo",
    "mtb_stage": "MTB stage race", "bikepacking": "Bikepacking", "sprint_tri": "Sprint triathlon",
    "olympic_tri": "Olympic triathlon", "70.3": "70.3", "ironman": "Ironman", "strength": "Strength block",
}

RACE_DISTANCES_KM: dict[str, float] = {
    "5k": 5.0, "10k": 10.0, "half": 21.0975, "half marathon": 21.0975, "half_marathon": 21.0975,
    "marathon": 42.195, "mile": KM_PER_MILE, "1500m": 1.5, "3k": 3.0, "15k": 15.0, "10 mile": 16.09344,
}

DAY_WORDS: dict[str, Weekday] = WEEKDAY_WORDS
"""The language layer's weekday words (``coach.language.spans.WEEKDAY_WORDS``)."""

DEFAULT_DAYS_BY_COUNT: dict[int, list[Weekday]] = {
    1: ["sun"],
    2: ["wed", "sun"],
    3: ["tue", "thu", "sun"],
    4: ["tue", "thu", "sat", "sun"],
    5: ["mon", "tue", "thu", "sat", "sun"],
    6: ["mon", "tue", "wed", "thu", "sat", "sun"],
    7: list(WEEKDAYS),
}
"""Spread days so hard sessions can be separated; used when the athlete gives only a count."""

SKIP_WORDS = re.compile(r"^\s*(skip|no|none|nope|n/?a|nothing|-|don'?t know|not sure|no idea|finish|just finish)\b", re.I)


def normalise(text: str) -> str:
    """The language layer's light fold (NFKC, straight quotes and dashes, lower case), on one line."""
    return fold(text, keep_lines=False)


def is_skip(text: str) -> bool:
    return bool(SKIP_WORDS.match(text))


def _replace_number_words(text: str) -> str:
    return number_words_to_digits(text)


def parse_sport(text: str) -> str:
    words = re.findall(r"[a-z]+", normalise(text))
    found = {SPORT_WORDS[w] for w in words if w in SPORT_WORDS}
    if len(found) == 1:
        return found.pop()
    if {"run", "ride"} <= found and "swim" in text.lower():
        return "tri"
    if "swim" in text.lower():
        return "tri"
    if len(found) > 1:
        raise AnswerError("Pick one main sport for now: run, ride, triathlon or strength.")
    raise AnswerError("I didn't catch the sport. Is it run, ride, triathlon or strength?")


def parse_event(text: str, sport: str) -> str:
    t = normalise(text)
    if t in EVENTS_BY_SPORT[sport]:  # a tapped button carries the event id itself
        return t
    for pattern, event in EVENT_PATTERNS:
        if re.search(pattern, t):
            if event not in EVENTS_BY_SPORT[sport]:
                if sport == "strength":
                    return "strength"
                allowed = ", ".join(EVENT_LABELS[e] for e in EVENTS_BY_SPORT[sport])
                raise AnswerError(f"{EVENT_LABELS[event]} isn't a {sport} goal I can plan. Choose one of: {allowed}.")
            return event
    allowed = ", ".join(EVENT_LABELS[e] for e in EVENTS_BY_SPORT[sport])
    raise AnswerError(f"I didn't recognise that goal. Choose one of: {allowed}.")


def parse_date(text: str, today: dt.date, *, day_first: bool = True) -> dt.date:
    """A calendar date, read by the language layer's one date reader (``coach.language.read_date``):
    2027-04-12, 12/04/2027 (by locale), 12 Apr 2027, April 12, 12 Apr, "in 12 weeks"; a date
    without a year is its next occurrence on or after ``today``."""
    try:
        value = read_date(normalise(text), today, day_first=day_first)
    except DateError:
        raise AnswerError(f"{text.strip()!r} isn't a real date (check the day and month).") from None
    if value is None:
        raise AnswerError("I couldn't read that date. Try something like 2027-04-12 or 12 Apr 2027.")
    return value


def parse_future_date(text: str, today: dt.date, max_weeks: int = 52) -> dt.date:
    value = parse_date(text, today)
    if value <= today:
        raise AnswerError(f"{value.isoformat()} is not in the future. When is the event?")
    if (value - today).days > max_weeks * 7:
        raise AnswerError(f"{value.isoformat()} is more than {max_weeks} weeks away; I plan up to {max_weeks} weeks. Pick a nearer goal, or choose general fitness for now.")
    return value


def parse_clock(text: str, *, distance_km: float | None = None, sport: str | None = None) -> str:
    """A finish time like 1:45:00, 1h45, 48:30 or 3h → normalised H:MM:SS. A bare ``a:b`` is read
    as H:MM or MM:SS by what is plausible over ``distance_km`` ("1:50" for a half is 1 h 50 min)."""
    t = normalise(text)
    try:
        spans = find_durations(
            t, distance_m=None if distance_km is None else distance_km * METRES_PER_KM, sport=sport, strict=True
        )
    except ClockAmbiguity as error:
        raise AnswerError(str(error)) from error
    if not spans:
        raise AnswerError("I couldn't read that time. Write it like 1:45:00, 1h45 or 48:30.")
    seconds = spans[0].seconds
    if seconds <= 0:
        raise AnswerError("A time has to be more than zero.")
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def parse_days(text: str) -> list[Weekday]:
    """Either named days ("mon wed fri sun", "weekdays") or a count ("4 days", "four")."""
    t = _replace_number_words(normalise(text))
    if re.search(r"\b(km|kms|mi|miles?|hours?|hrs?|kilomet\w*)\b", t):
        raise AnswerError("That sounds like a distance or time; I'll ask about volume next. First: which days can you train?")
    named: list[Weekday] = []
    if re.search(r"\bevery ?day\b|\bdaily\b|\ball week\b", t):
        return list(WEEKDAYS)
    if "weekend" in t:
        named += ["sat", "sun"]
    if "weekday" in t:
        named += ["mon", "tue", "wed", "thu", "fri"]
    for word in re.findall(r"[a-z]+", t):
        if word in DAY_WORDS:
            named.append(DAY_WORDS[word])
    range_match = re.search(r"\b([a-z]+) ?(?:-|to|through|till|until) ?([a-z]+)\b", t)
    if range_match and range_match.group(1) in DAY_WORDS and range_match.group(2) in DAY_WORDS:
        a, b = WEEKDAYS.index(DAY_WORDS[range_match.group(1)]), WEEKDAYS.index(DAY_WORDS[range_match.group(2)])
        if a <= b:
            named += list(WEEKDAYS[a : b + 1])
    if named:
        return sorted(set(named), key=WEEKDAYS.index)
    count = re.search(r"\b(\d+)\b", t)
    if count:
        n = int(count.group(1))
        if not 1 <= n <= 7:
            raise AnswerError(f"A week has 7 days, so {n} days a week can't work. How many days, 1 to 7?")
        return list(DEFAULT_DAYS_BY_COUNT[n])
    raise AnswerError("Which days can you train? List them (mon, wed, fri, sun) or give a number (4 days).")


def parse_weekday(text: str) -> Weekday:
    days = [DAY_WORDS[w] for w in re.findall(r"[a-z]+", normalise(text)) if w in DAY_WORDS]
    if len(set(days)) == 1:
        return days[0]
    raise AnswerError("Which one day? For example: sunday.")


def _number(text: str) -> float | None:
    match = re.search(r"(\d+(?:[.,]\d+)?)", text)
    return None if match is None else float(match.group(1).replace(",", "."))


def parse_distance_km(text: str, units: str = "km") -> float:
    """A distance: "25 km", "15 miles", "a marathon", "30" (in the athlete's units), "0", "none"."""
    t = _replace_number_words(normalise(text))
    if is_skip(t) or re.search(r"\b(nothing|zero)\b", t):
        return 0.0
    spans = find_distances(t)
    if spans:
        return round(spans[0].metres / METRES_PER_KM, 2)
    value = _number(t)
    if value is None:
        raise AnswerError("How far, in km or miles? For example: 25 km.")
    return round(value * (KM_PER_MILE if units == "mi" else 1.0), 2)


def parse_hours(text: str) -> float:
    """Hours: "6 hours", "6h", "90 min", "1:30" (the language layer's duration reader), or a bare "6"."""
    t = _replace_number_words(normalise(text))
    if is_skip(t) or re.search(r"\b(nothing|zero)\b", t):
        return 0.0
    spans = find_durations(t)
    if spans:
        return round(spans[0].seconds / SECONDS_PER_HOUR, 2)
    value = _number(t)
    if value is None:
        raise AnswerError("How many hours? For example: 6 hours.")
    return value


_SPEED_RE = re.compile(r"(\d+(?:[.,]\d+)?) ?(?:km/h|kmh|kph|km an hour|km per hour|(mph|mi/h|miles an hour|miles per hour))")


def _ride_km(text: str) -> tuple[str, float | None, float | None]:
    """A rider's answer with its weekly distance and riding speed taken out: (rest, km, km/h)."""
    speed_kmh = km = None
    speed = _SPEED_RE.search(text)
    if speed:
        speed_kmh = float(speed.group(1).replace(",", ".")) * (KM_PER_MILE if speed.group(2) else 1.0)
        text = text.replace(speed.group(0), " ")
    distance = next((span for span in find_distances(text) if span.unit in ("km", "mi")), None)
    if distance is not None:
        km = distance.metres / METRES_PER_KM
        text = text[: distance.start] + " " + text[distance.end :]
    return text, km, speed_kmh


def parse_weekly_volume(text: str, sport: str, units: str) -> tuple[float | None, float | None]:
    """Current weekly volume: (km, hours). Runs in distance, other sports in hours; a rider
    may add the distance or the speed ("6 hours, about 150 km", "6 h at 26 km/h"), which
    gives the plan's rides their distances."""
    if sport == "ride":
        rest, km, speed_kmh = _ride_km(_replace_number_words(normalise(text)))
        hours = parse_hours(rest)
        if hours > MAX_WEEKLY_HOURS:
            raise AnswerError(f"{hours:g} hours a week is more than I can believe. How many hours do you ride in a normal week?")
        if km is None and speed_kmh is not None:
            km = speed_kmh * hours
        if km is not None and hours > 0 and not MIN_RIDE_SPEED_KMH <= km / hours <= MAX_RIDE_SPEED_KMH:
            raise AnswerError(
                f"{km:g} km in {hours:g} hours is {km / hours:.0f} km/h, which isn't a riding speed. "
                "How many hours do you ride in a normal week, and about how many km?"
            )
        return (round(km, 1) if km is not None else None), hours
    if sport == "run":
        km = parse_distance_km(text, units)
        if km > MAX_WEEKLY_RUN_KM:
            raise AnswerError(f"{km:g} km a week is more than even elite runners do. How many km do you run in a normal week?")
        return km, None
    hours = parse_hours(text)
    if hours > MAX_WEEKLY_HOURS:
        raise AnswerError(f"{hours:g} hours a week is more than I can believe. How many hours do you train in a normal week?")
    return None, hours


def parse_longest(text: str, sport: str, units: str) -> tuple[float | None, float | None]:
    """Longest recent session: (km, minutes)."""
    t = normalise(text)
    if re.search(r"\b(h|hr|hrs|hour|hours|min|mins|minutes)\b|\d+h|\d:\d\d", t):
        minutes = parse_hours(t) * 60
        if minutes > MAX_SESSION_MINUTES:
            raise AnswerError("That's longer than two days. What was your longest session, roughly?")
        return None, round(minutes)
    km = parse_distance_km(t, units)
    limit = MAX_LONGEST_RUN_KM if sport == "run" else MAX_LONGEST_RIDE_KM
    if km > limit:
        raise AnswerError(f"{km:g} km in one session is hard to believe. What was your longest recent session?")
    return km, None


def parse_race_result(text: str) -> tuple[float, str]:
    """A recent race or time trial: "10k in 48:30", "half 1:52:10", "5 km 24:00"."""
    t = normalise(text)
    time_match = re.search(r"\b\d{1,2}:\d{2}(?::\d{2})?\b", t)
    if not time_match:
        raise AnswerError("Give the distance and time, like: 10k in 48:30 — or say skip.")
    rest = t.replace(time_match.group(0), " ")
    distance: float | None = None
    for name in sorted(RACE_DISTANCES_KM, key=len, reverse=True):
        if re.search(r"\b" + re.escape(name) + r"\b", rest):
            distance = RACE_DISTANCES_KM[name]
            break
    if distance is None:
        spans = find_distances(rest)
        distance = spans[0].metres / METRES_PER_KM if spans else None
    if distance is None or distance <= 0:
        raise AnswerError("Which distance was that? For example: 10k in 48:30.")
    return round(distance, 4), parse_clock(time_match.group(0), distance_km=distance, sport="run")


def parse_ftp(text: str) -> float:
    value = _number(normalise(text))
    if value is None or not 50 <= value <= 600:
        raise AnswerError("Give your FTP in watts, between 50 and 600 — or say skip.")
    return value


def parse_one_rep_maxes(text: str) -> dict[str, float]:
    """"squat 100 bench 80 deadlift 140" → {"squat": 100, ...} (kg)."""
    lifts = {"squat": "squat", "bench": "bench_press", "deadlift": "deadlift", "press": "overhead_press", "ohp": "overhead_press"}
    found: dict[str, float] = {}
    for word, lift in lifts.items():
        match = re.search(r"\b" + word + r"\w*\D{0,12}?(\d+(?:\.\d+)?)", normalise(text))
        if match:
            value = float(match.group(1))
            if not 10 <= value <= 500:
                raise AnswerError(f"{value:g} kg for {lift.replace('_', ' ')} doesn't look right.")
            found[lift] = value
    if not found:
        raise AnswerError("Tell me your best lifts like: squat 100 bench 80 deadlift 140 (kg) — or say skip.")
    return found


CITY_ALIASES = {"nyc": "America/New_York", "new york": "America/New_York", "la": "America/Los_Angeles",
                "sf": "America/Los_Angeles", "san francisco": "America/Los_Angeles", "uk": "Europe/London",
                "britain": "Europe/London", "england": "Europe/London", "gmt": "Europe/London", "utc": "UTC"}


@cache
def _city_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for name in sorted(available_timezones()):
        city = name.rsplit("/", 1)[-1].replace("_", " ").lower()
        if "/" in name and city not in index:
            index[city] = name
    return index


def parse_time_zone(text: str) -> str:
    """A city ("London"), an IANA zone ("Europe/Berlin") or an offset ("UTC+2", "+05:30")."""
    t = normalise(text)
    offset = re.fullmatch(r"(?:utc|gmt)? ?([+-])(\d{1,2})(?::?(\d{2}))?", t)
    if offset:
        hours, minutes = int(offset.group(2)), int(offset.group(3) or 0)
        if hours > 14 or minutes >= 60:
            raise AnswerError("That offset doesn't exist. Try something like UTC+2.")
        return f"UTC{offset.group(1)}{hours:02d}:{minutes:02d}"
    if t in CITY_ALIASES:
        return CITY_ALIASES[t]
    for name in available_timezones():
        if name.lower() == t:
            return name
    index = _city_index()
    if t in index:
        ZoneInfo(index[t])
        return index[t]
    raise AnswerError("I don't know that place. Name a big city near you (e.g. London) or an offset like UTC+2.")


def parse_units(text: str) -> str:
    t = normalise(text)
    if re.search(r"\b(mi|mile|miles|imperial)\b", t):
        return "mi"
    if re.search(r"\b(km|kms|kilometres?|kilometers?|metric)\b", t):
        return "km"
    raise AnswerError("Kilometres or miles?")
