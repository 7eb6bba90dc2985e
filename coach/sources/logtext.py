"""Free-text training logs, as typed after ``/log`` in the chat.

Understands one entry per line (or separated by ``;``):

* endurance — ``ran 10k in 52 min``, ``easy 45 min ride``, ``swam 2000m in 40:00``,
  ``1h10 zwift @6``; distance in km/k/m/mi, duration as minutes, hours or a clock;
* strength — ``squat 100x5x3 @8`` (weight × reps × sets), ``bench 80kg 5,5,4`` (one weight,
  reps per set), ``deadlift 3x5 140kg`` (sets × reps, weight), ``press 50kg x 5``; lb converted.

An intensity word or ``@N`` / ``rpe N`` gives a session RPE (Foster's CR-10), which sets the
load. Anything else raises :class:`LogParseError` whose message says what was not understood
and shows an example.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Final

from coach.engine.metrics.strength import StrengthSet
from coach.engine.units import METRES_PER_KM, METRES_PER_MILE, SECONDS_PER_HOUR, SECONDS_PER_MINUTE
from coach.language import ClockAmbiguity, find_distances, find_durations, fold, plausible_speed_mps
from coach.language.quantities import SPEED_BOUNDS_MPS
from coach.language.text import spelled_amounts
from coach.language.units import kilograms_per
from coach.sources.activity import ImportedActivity, RawActivity, Sport, finish

KG_PER_LB: Final = kilograms_per("lb")
#: Plain-language effort → CR-10 session RPE (Foster et al. 2001 descriptors: 2 easy,
#: 3 moderate, 5 hard, 7 very hard, 10 maximal). "Easy" endurance work is rated as a whole
#: session, where athletes put a zone-2 hour at about 3.
INTENSITY_WORDS_RPE: Final[dict[str, float]] = {
    "recovery": 2.0,
    "easy": 3.0,
    "steady": 4.0,
    "moderate": 4.0,
    "tempo": 5.0,
    "hard": 7.0,
    "threshold": 7.0,
    "intervals": 7.0,
    "race": 9.0,
}
#: Sessions longer than this are surely a typo (a 2-day ultra is still under it).
MAX_LOGGED_DURATION_S: Final = 48 * SECONDS_PER_HOUR
MAX_RPE: Final = 10.0
#: In "3x5x100" the first number is sets when it is this small and the last is a weight.
MAX_SETS_FIRST: Final = 12
MAX_BODYWEIGHT_SETS: Final = 6
"""'lunges 3x12' with no unit: up to this many, the first number is sets of a bodyweight exercise."""
MIN_WEIGHT_LAST: Final = 20.0

_SPORT_WORDS: Final[tuple[tuple[re.Pattern[str], Sport], ...]] = (
    (re.compile(r"\b(zwift|trainer|turbo|rollers|virtual ride|rouvy|spin class|spinning|peloton|wattbike)\b"), "virtual_ride"),
    (re.compile(r"\b(ran|run|runs|running|jog|jogged|jogging|treadmill|miler)\b"), "run"),
    (re.compile(r"\b(rode|ride|rides|riding|cycled|cycle|cycling|bike|biked|biking)\b"), "ride"),
    (re.compile(r"\b(swam|swim|swims|swimming|pool|lengths|laps of the pool|breaststroke|freestyle|front crawl|backstroke|butterfly)\b"), "swim"),
)
_NUMBER = r"(\d+(?:[.,]\d+)?)"
_RPE = re.compile(r"(?:@\s*|\brpe\s*)(\d+(?:\.\d+)?)(?![\d.]|\s*(?:w|watts?|bpm|rpm|kg|kgs|lbs?|%)(?!\w))")
"""'@ 7', 'rpe 8'; not '@ 170w avg' (power) nor '@ 150 bpm'."""
_PACE = re.compile(
    r"\b(\d{1,2}):(\d{2})\s*(?:/|per\s*|a\s*)(km|k|kilometre|kilometer|mi|mile)\b|"
    r"(?:pace|@|averaged|averaging|avg|average|at|hit|hitting|(?:slowest|fastest|last|first|each|every|per|a|the)\s+(?:km|k|mile|split|lap)s?\s+(?:was|were|at|in))\s*(?:of\s+|pace\s+)?(\d{1,2}):(\d{2})(?!\s*(?:min|mins|h\b|hrs?|hours?|:))|"
    r"\b(\d{1,2}):(\d{2})s\b"
)
_SLEEP_PHRASE = re.compile(r"\b(?:slept|sleep|sleeping|kip)\b[^.;,]{0,20}?\d+(?:[.,]\d+)?\s*(?:h|hr|hrs|hours?)\b[^.;,]*|"
                           r"\b\d+(?:[.,]\d+)?\s*(?:h|hr|hrs|hours?)\s+(?:of\s+)?sleep\b")
_WEIGHTED = re.compile(r"\d\s*(?:kg|kgs|lbs?)\b|\d+\s*[x×]\s*\d+\s*[x×]\s*\d+")
_STRENGTH_WORDS = re.compile(
    r"\b(strength|gym|weights|lifting|lifted|circuit|core|abs|abdominals?|pilates|crossfit|kettlebell|bodyweight|hiit|squats?|lunges?|deadlifts?|"
    r"planks?|push[- ]?ups?|press[- ]?ups?|pull[- ]?ups?|rdls?|bench|leg press|burpees)\b"
)
_SETS_FIRST = re.compile(
    r"^\s*(?:did\s+)?(\d+)\s*[x×]\s*(\d+)\s+([a-z][a-z' \-]+?)\s*(?:@|at|with (?:the |a |an |two |2 )?)\s*(\d+(?:[.,]\d+)?)\s*(kg|kgs|lbs?)?\b"
)
"""'5x5 back squat @ 80kg': sets × reps first, then the exercise and its load."""
_TOTAL_DISTANCE = re.compile(
    r"\b(\d+(?:[.,]\d+)?)\s*(k|km|kms|mi|miles?)\s+(?:total|in total|all in|altogether|overall)\b|"
    r"\btotal(?: of| was|:)?\s+(\d+(?:[.,]\d+)?)\s*(k|km|kms|mi|miles?)\b"
)
_TOTAL_TIME = re.compile(
    r"\b(\d{1,3})\s*(?:min|mins|minutes)\s+(?:total|in total|all in|altogether|overall)\b|\b(?:total|in total|all in),?\s+(\d{1,3})\s*(?:min|mins|minutes)\b"
)
_SUMMARY_LINE = re.compile(
    r"\s*(?:distance|dist|time|moving time|elapsed time|total time|duration|avg|average|max|elev\w*|calories|pace|hr|"
    r"heart rate|power|cadence|speed|ascent|climb|aerobic(?: te)?|anaerobic(?: te)?|training (?:effect|load)|recovery(?: time)?|"
    r"steps|vo2\s?max|(?:elevation |elev )?gain)\b[^\n]{0,40}?\d", re.I,
)
"""'Distance: 52.3 km' / 'Moving Time: 2:04:11' / 'Avg HR 142 bpm': a line of an activity summary pasted from a watch app."""
_SUMMARY_LABEL_LINE = re.compile(
    r"(?im)^(\s*(?:distance|dist|time|moving time|elapsed time|total time|duration|avg\w*|average[\w ]*|max[\w ]*|elev\w*|"
    r"calories|pace|hr|heart rate|power|cadence|speed|ascent|climb)\s*:?)[ \t]*\n(?=[ \t]*\d)"
)
_SEGMENTS = re.compile(r"\bthen\b|\+|\bfollowed by\b|\bplus\b")
_PART_OF_IT = re.compile(r"\b(?:the |my )?(?:last|final|first|other)\s+$")
"""'bonked for the last 20 min': a part of the session named, not a segment to add."""
_AMBIGUOUS_CLOCK = re.compile(r"\d{1,2}:\d{2}")
_INSTEAD_OF = re.compile(r"\binstead of (?:the |my |today'?s |tonight'?s |a |an )?(?:\w+ )?(?:run|ride|swim|spin|session)\b")
_BESIDE_OTHER = re.compile(r"\b(?:after|before|following) (?:the|my|a|an|this morning'?s|today'?s) (?:\w+ )?(?:run|ride|swim|spin|jog)\b")
"""The other workout a told one came beside ("40 minutes bike in the gym, after the run"): not its sport."""
_DONE_VERBS: Final[tuple[tuple[re.Pattern[str], Sport], ...]] = (
    (re.compile(r"\b(ran|jogged)\b"), "run"),
    (re.compile(r"\b(rode|cycled|biked)\b"), "ride"),
    (re.compile(r"\b(swam)\b"), "swim"),
)
_BARE_KM = re.compile(r"\b(?:ran|run|did|done|rode|jog|jogged|cycled|(?:garmin|watch|strava|app)\s+(?:says|said|shows|showed|reckons|has it at|had it at))\s+(?:a\s+)?(\d{1,3}(?:[.,]\d+)?)\b(?!\s*(?:[:x×]|min|mins|minutes|h\b|hr|hrs|hours?|sets?|reps?|times|%|k\b|km|mi\b|miles?|m\b))")
_NUMBER_THEN_TIME = re.compile(
    r"\s*(\d{1,3}[.,]\d{1,2})\s*(?:/|,|@|-|(?:done|in|ran|run|easy|total)\b)\s*(?:in\s+)?\d{1,2}:\d{2}(?::\d{2})?\s*(?:[.!]|\W*$)"
)
"""'6.2 / 39:10', '8.6 done 54:10': a message of a decimal distance and a time alone (the distance in km)."""
_WEIGHT_UNIT = r"\s*(kg|kgs|lbs?)?"
_STRENGTH_FORMS: Final = (
    # weight x reps x sets (or sets x reps x weight when the numbers say so)
    (
        "wrs",
        re.compile(
            r"^" + _NUMBER + _WEIGHT_UNIT + r"\s*[x×]\s*(\d+)\s*[x×]\s*" + _NUMBER + _WEIGHT_UNIT + r"$"
        ),
    ),
    # sets x reps weight
    ("srw", re.compile(r"^(\d+)\s*[x×]\s*(\d+)\s*(?:(?<=\s)at\s+|@\s*|\s)" + _NUMBER + _WEIGHT_UNIT + r"$")),
    # weight (with its unit) then sets x reps: "bench 80kg 4x6"
    ("wsr", re.compile(r"^" + _NUMBER + r"\s*(kg|kgs|lbs?)\s+(?:for\s+)?(\d+)\s*[x×]\s*(\d+)$")),
    # weight reps,reps,reps
    ("wlist", re.compile(r"^" + _NUMBER + _WEIGHT_UNIT + r"\s+(\d+(?:\s*,\s*\d+)+|\d+)$")),
    # weight x reps
    ("wr", re.compile(r"^" + _NUMBER + _WEIGHT_UNIT + r"\s*[x×]\s*(\d+)$")),
)
_BARE_MINUTES = re.compile(
    r"\b(?:in|easy|steady|recovery|tempo|long|gentle|comfortable|(?:did|done) (?:today'?s|the|my|a|an))\s+(\d{2,3})(?![\d:]|[.,]\d|\s*(?:k|km|mi|m|sec|s|x|th|st|nd|rd|%)\b)"
)
_RACE_HINTS = re.compile(r"\b(parkrun|5k|10k|half marathon|marathon)\b")
_EXERCISE = re.compile(r"^([a-z][a-z' \-]*?)\s*(?=\d)")
_BODYWEIGHT_SETS = re.compile(r"\d+\s*[x×]\s*\d+")
_LIFTS_PREFIX = re.compile(
    r"^\s*(?:(?:gym|strength|weights|lifting|lift|legs?|upper|lower|push|pull)\s*(?:sesh|session|day|workout)?\s*(?:done|today)?\s*[:\-–—.!]?\s*)+"
)
"""'gym sesh:', 'strength day done', 'legs day -': what a list of lifts opens with."""
_HEADING = re.compile(r"^[^:\d]{1,60}:\s*(?=\d|[a-z][a-z ]{0,30}\d)")
"""A sentence before a colon, then the lifts: "did legs at the gym today: 4x8 squats at 50kg, ..."."""
_RUN_ON_LIFT = re.compile(
    r"(?<![a-z])[a-z][a-z' \-]*?\s*\d+\s*[x×]\s*\d+\s*(?:@|at)\s*\d+(?:[.,]\d+)?\s*(?:kg|kgs|lbs?)\b"
)
"""One lift in a run-on list: exercise, sets x reps, @ load with its unit."""
_EXAMPLES: Final = "'ran 10k in 52 min', 'easy 45 min ride', 'swam 2000m in 40:00', 'squat 100x5x3 @8'"


class LogParseError(ValueError):
    """The text is not a log entry I can read; the message is a sentence for the athlete."""


class MissingTimeError(LogParseError):
    """A session read without its time ("ran 7k this morning"): the caller may take the time from
    the plan, and must say so."""

    def __init__(self, message: str, sport: str, distance_m: float | None) -> None:
        super().__init__(message)
        self.sport = sport
        self.distance_m = distance_m


@dataclass(frozen=True, slots=True)
class LoggedStrength:
    """The sets of one lift from a log line."""

    exercise: str
    sets: tuple[StrengthSet, ...]


@dataclass(frozen=True, slots=True)
class UnloadedLift:
    """Sets of one exercise told without a load ("goblet squats 3x10", "plank 3x45s"): the session is
    logged as strength done; no weight is guessed, so the lifter's model learns nothing from it."""

    exercise: str
    sets: int
    reps: int
    seconds: bool = False
    """``reps`` are seconds held ("plank 3x45s")."""


LogEntry = ImportedActivity | LoggedStrength | UnloadedLift


def _float(text: str) -> float:
    return float(text.replace(",", "."))


def _kg(value: float, unit: str | None) -> float:
    return value * KG_PER_LB if unit and unit.startswith("lb") else value


def _duration_s(text: str, sport: str | None = None, distance_m: float | None = None) -> tuple[float | None, str]:
    """Duration and the text with it removed, by the language layer's one duration reader: a clock
    first (``a:b`` is H:MM or MM:SS by what is plausible for the sport over the distance: "6 miles
    in 1:02" is an hour, "5k in 23:45" is minutes), else the first duration written ("8 km in 52
    min ... 7 hrs" is 52 minutes), else a bare number after "in" ("6 miles in 58": minutes)."""
    try:
        spans = find_durations(text, distance_m=distance_m, sport=sport, strict=True)
    except ClockAmbiguity as error:
        # "12.5 km in 1:18:40, slowest km was 6:45": a clock that fits no reading is a split when
        # another duration is written plainly; only when none is, the athlete is asked
        plain = [s for s in find_durations(text, distance_m=distance_m, sport=sport) if not _AMBIGUOUS_CLOCK.fullmatch(text[s.start : s.end].strip())]
        if not plain:
            raise LogParseError(str(error)) from error
        spans = plain
    clocks = [span for span in spans if ":" in text[span.start : span.end]]
    chosen = clocks[0] if clocks else spans[0] if spans else None
    if chosen is not None:
        return float(chosen.seconds), text[: chosen.start] + text[chosen.end :]
    found = list(_BARE_MINUTES.finditer(text))  # "6 miles in 58": a bare number after "in" is minutes ("did the 10 in 52": 52)
    bare = next((m for m in found if m.group(0).startswith("in")), found[0] if found else None)
    if bare:
        return float(int(bare.group(1)) * SECONDS_PER_MINUTE), text[: bare.start()] + text[bare.end() :]
    return None, text


def _distance_m(text: str) -> float | None:
    """The first distance by the language layer's reader; a parkrun only when no number is given."""
    spans = find_distances(text)
    numbered = [span for span in spans if span.unit is not None]
    races = [span for span in spans if span.unit is None and not re.match(r"parkrun", text[span.start :])]
    if races:
        return races[0].metres  # "half marathon 1:52:10"
    if numbered:
        return numbered[0].metres
    return spans[0].metres if spans else None


def _rpe(text: str) -> tuple[float | None, str]:
    match = _RPE.search(re.sub(r"@\s*(?=\d+(?:[.,]\d+)?\s*(?:kg|kgs|lbs?)\b)", " ", text))
    if match:
        value = float(match.group(1))
        if not 0 < value <= MAX_RPE:
            raise LogParseError(f"RPE {value:g} is off the 1–10 scale.")
        return value, text[: match.start()] + text[match.end() :]
    for word, value in INTENSITY_WORDS_RPE.items():
        if re.search(rf"\b{word}\b", text):
            return value, text
    return None, text


def _endurance(
    line: str,
    sport: Sport,
    when: dt.datetime,
    *,
    max_hr: int | None,
    threshold_pace_s_per_km: float | None,
    swim_threshold_pace_s_per_100m: float | None,
    default_sport: Sport | None = None,
) -> ImportedActivity:
    rpe, text = _rpe(_SLEEP_PHRASE.sub(" ", line))
    pace = _PACE.search(text)
    pace_s_per_m: float | None = None
    if pace:
        minutes, seconds, unit = (
            (pace.group(1), pace.group(2), pace.group(3)) if pace.group(1)
            else (pace.group(4), pace.group(5), "km") if pace.group(4) else (pace.group(6), pace.group(7), "km")
        )
        per = METRES_PER_MILE if unit in ("mi", "mile") else METRES_PER_KM
        pace_s_per_m = (int(minutes) * SECONDS_PER_MINUTE + int(seconds)) / per
        text = text[: pace.start()] + text[pace.end() :]
    distance = _distance_m(text)
    total = _TOTAL_DISTANCE.search(text)
    if total is not None:  # "WU 2k, 6k at 5:25, CD 2k. 10k total": the total is the session's
        value, unit = (total.group(1), total.group(2)) if total.group(1) else (total.group(3), total.group(4))
        distance = _float(value) * (METRES_PER_MILE if unit.startswith("mi") else METRES_PER_KM)
    elif distance is None and sport in ("run", "ride", "virtual_ride"):
        bare = _BARE_KM.search(text) or _NUMBER_THEN_TIME.match(text)  # "ran 5.5 this morning, 35 mins", "6.2 / 39:10": km
        if bare is not None and 0 < _float(bare.group(1)) <= (60 if sport == "run" else 300):
            distance = _float(bare.group(1)) * METRES_PER_KM
    total_time = _TOTAL_TIME.search(text)
    spans = [] if total_time is not None else find_durations(text, distance_m=distance, sport=sport)
    if total_time is not None:
        duration: float | None = float(int(total_time.group(1) or total_time.group(2)) * SECONDS_PER_MINUTE)
    elif (
        len(spans) >= 2 and _SEGMENTS.search(text) and not any(":" in text[x.start : x.end] for x in spans)
        and not any(_PART_OF_IT.search(text[: x.start]) for x in spans)
    ):
        duration = float(sum(x.seconds for x in spans))  # "30 min easy then 20 min of hills": 50 min
    else:
        duration, text = _duration_s(text, sport, distance)
    if duration is None and distance is not None and pace_s_per_m is not None:
        duration = round(distance * pace_s_per_m)  # "7k easy, 5:55/km"
    if (
        default_sport is not None and default_sport != sport and distance and duration
        and not plausible_speed_mps(sport, distance, duration) and plausible_speed_mps(default_sport, distance, duration)
    ):
        sport = default_sport  # a rider's "club run: 68 km, 2h40" is a ride
    shown = (
        f"a {distance / METRES_PER_KM:g} km {sport.replace('_', ' ')}"
        if distance
        else f"a {sport.replace('_', ' ')}"
    )
    if duration is None:
        raise MissingTimeError(f"I read {shown} but no time. Add how long it took, e.g. 'ran 10k in 52 min'.", sport, distance)
    fastest = SPEED_BOUNDS_MPS.get(sport)
    if distance and fastest is not None and distance / duration > fastest[1]:
        # "ran 10k, and a 5 min cool down walk": 10 km in 5 minutes is no run; said back, never stored
        raise LogParseError(
            f"I read {shown} in {duration / SECONDS_PER_MINUTE:g} min, faster than anyone can go; check the time or the distance."
        )
    if not 0 < duration <= MAX_LOGGED_DURATION_S:
        raise LogParseError(
            f"A duration of {duration / SECONDS_PER_HOUR:.1f} h looks like a typo; check the time."
        )
    raw = RawActivity(
        source_format="log",
        sport=sport,
        name=line.strip(),
        start_time=when - dt.timedelta(seconds=duration),
        elapsed_s=duration,
        moving_s=duration,
        distance_m=distance,
        rpe=rpe,
    )
    return finish(
        raw,
        max_hr=max_hr,
        threshold_pace_s_per_km=threshold_pace_s_per_km,
        swim_threshold_pace_s_per_100m=swim_threshold_pace_s_per_100m,
    )


def _strength(line: str, when: dt.datetime) -> LoggedStrength | None:
    rpe, text = _rpe(line)
    text = re.sub(r"\s+", " ", text.strip())
    match = _EXERCISE.match(text)
    if not match:
        return None
    exercise = match.group(1).strip()
    rest = text[match.end() :].strip()
    day = when.date()
    for form, pattern in _STRENGTH_FORMS:
        m = pattern.match(rest)
        if not m:
            continue
        weights_reps: list[tuple[float, int]]
        if form == "wrs":
            first, unit1, middle, last, unit2 = m.groups()
            a, c = _float(first), _float(last)
            if (unit1 is None and unit2 is not None) or (
                a <= MAX_SETS_FIRST and c >= MIN_WEIGHT_LAST and unit1 is None
            ):
                weights_reps = [(_kg(c, unit2), int(middle))] * int(a)
            else:
                weights_reps = [(_kg(a, unit1), int(middle))] * int(c)
        elif form == "srw":
            sets, reps, weight, unit = m.groups()
            weights_reps = [(_kg(_float(weight), unit), int(reps))] * int(sets)
        elif form == "wsr":
            weight, unit, sets, reps = m.groups()
            weights_reps = [(_kg(_float(weight), unit), int(reps))] * int(sets)
        elif form == "wlist":
            weight, unit, reps_list = m.groups()
            weights_reps = [(_kg(_float(weight), unit), int(r)) for r in reps_list.split(",")]
        else:
            weight, unit, reps = m.groups()
            if unit is None and _float(weight) <= MAX_BODYWEIGHT_SETS and "." not in weight:
                return None  # "lunges 3x12": three sets of twelve with no load, not 3 kg twelve times
            weights_reps = [(_kg(_float(weight), unit), int(reps))]
        if not weights_reps or any(r < 1 or w <= 0 for w, r in weights_reps):
            raise LogParseError(f"'{line.strip()}' has a set with no reps or no weight.")
        return LoggedStrength(
            exercise=exercise,
            sets=tuple(StrengthSet(exercise, day, round(w, 2), r, rpe) for w, r in weights_reps),
        )
    return None


def parse_log_entry(
    line: str,
    *,
    when: dt.datetime,
    max_hr: int | None = None,
    threshold_pace_s_per_km: float | None = None,
    swim_threshold_pace_s_per_100m: float | None = None,
    default_sport: str | None = None,
) -> LogEntry:
    """One log line → an activity (ending at ``when``) or the sets of one lift (dated ``when``).

    Without a sport word ("6 miles in 58", "10k race 47:12") the athlete's own sport is meant, or a
    run when the words name a running race."""
    text = spelled_amounts(fold(line))
    if not text:
        raise LogParseError(f"The log is empty. Try for example {_EXAMPLES}.")
    when = when if when.tzinfo else when.replace(tzinfo=dt.UTC)
    usual: Sport | None = {"run": "run", "ride": "ride", "swim": "swim"}.get(default_sport or "")  # type: ignore[assignment]

    def endurance(sport: Sport) -> ImportedActivity:
        return _endurance(
            text, sport, when, max_hr=max_hr, threshold_pace_s_per_km=threshold_pace_s_per_km,
            swim_threshold_pace_s_per_100m=swim_threshold_pace_s_per_100m, default_sport=usual,
        )

    told = _BESIDE_OTHER.sub(" ", _INSTEAD_OF.sub(" ", text))  # "swam 40 minutes instead of the long run": a swim
    verbs = {sport for pattern, sport in _DONE_VERBS if pattern.search(told)}
    if len(verbs) == 1:
        return endurance(verbs.pop())
    for pattern, sport in _SPORT_WORDS:
        if pattern.search(told):
            return endurance(sport)
    strength = _strength(re.sub(r"^(?:gym|strength|weights|lifting)\s*[:\-]\s*", "", text), when)
    if strength is not None:
        return strength
    has_time = bool(find_durations(text)) or bool(_BARE_MINUTES.search(text))
    if _STRENGTH_WORDS.search(text) and has_time:
        return endurance("strength")  # "strength session 30 min": time and effort, no sets
    sport_guess = "run" if _RACE_HINTS.search(text) else usual
    if sport_guess is not None and (find_distances(text) or has_time):
        return endurance(sport_guess)
    raise LogParseError(f"I could not read '{line.strip()}' as a session. Try for example {_EXAMPLES}.")


_SLEEP_TOLD = re.compile(
    r"\bslept\s+(?:only\s+|about\s+|like\s+|around\s+|just\s+|barely\s+|maybe\s+|~\s*)?\d+(?:[.,]\d+)?\s*(?:h|hrs?|hours?)\b"
    r"|\b\d+(?:[.,]\d+)?\s*(?:h|hrs?|hours?)\s+(?:of\s+)?sleep\b",
    re.IGNORECASE,
)
"""A night's sleep told beside a workout ("slept 9h", "6 hrs sleep"): not the workout's time."""


def parse_log(
    text: str, *, when: dt.datetime, max_hr: int | None = None, default_sport: str | None = None
) -> list[LogEntry]:
    """Every entry of a log message (one per line or ``;``-separated part)."""
    text = _SLEEP_TOLD.sub(" ", text)  # "slept 9h 😴 ran 5.4k in 33 mins": the night is no part of the run
    text = _SUMMARY_LABEL_LINE.sub(r"\1 ", text)  # "Time\n54:40": a label and its value on lines of their own
    parts = [p for p in re.split(r"[;\n]", text) if p.strip()]
    if sum(1 for p in parts if _SUMMARY_LINE.match(p)) >= 2:
        parts = [", ".join(p.strip() for p in parts)]  # a pasted watch summary: one session, its fields on lines
    if not parts:
        raise LogParseError(f"The log is empty. Try for example {_EXAMPLES}.")
    if len(parts) >= 2 and any(re.search(r"\d", p) for p in parts):
        parts = [p for p in parts if re.search(r"\d", p)]  # "strength day done" / "felt good" around the lines with numbers
    entries: list[LogEntry] = []
    untracked: list[LogParseError] = []
    for part in [piece for whole in parts for piece in _two_workouts(whole, when, max_hr, default_sport)]:
        lifts = _lift_list(part, when)
        try:
            entries += lifts if lifts else [parse_log_entry(part, when=when, max_hr=max_hr, default_sport=default_sport)]
        except LogParseError as error:
            if len(parts) < 2 or not _BODYWEIGHT_SETS.search(part):
                unloaded = [] if entries else _unloaded_lifts(text)
                if unloaded:
                    return unloaded  # "squats and deadlifts 5x5": strength done, no load to track
                raise
            untracked.append(error)  # "walking lunges 3x12 bw", "plank 3x45s" among lifts: no weight to track
    if not entries and untracked:
        unloaded = _unloaded_lifts(text)
        if unloaded:
            return unloaded
        raise untracked[0]
    return entries


_LIFT_NAME: Final = re.compile(
    r"\b(?:squats?|deadlifts?|rdls?|lunges?|press(?:es)?|rows?|pull[- ]?ups?|chin[- ]?ups?|push[- ]?ups?|press[- ]?ups?|planks?|dips?|"
    r"curls?|raises?|bridges?|thrusts?|step[- ]?ups?|crunch(?:es)?|sit[- ]?ups?|burpees?|swings?|cleans?|snatch(?:es)?|bench|flys?|"
    r"flies|extensions?|clamshells?|bird[- ]?dogs?|dead[- ]?bugs?|side[- ]?planks?|hip[- ]?thrusts?|copenhagens?|nordics?)\b"
)
_UNLOADED_PREFIX: Final = re.compile(
    r"^\s*(?:(?:gym|strength|weights|lifting|legs?|upper|lower|push|pull|core)\s*(?:sesh|session|day|workout)?\s*(?:done|today)?\s*[:\-–—]\s*"
    r"|(?:gym|strength|weights|lifting|legs?|upper|lower)\s+(?:sesh|session|day|workout)\s*(?:done|today)?\s*)+"
)
"""A heading before the lifts ("gym -", "strength:", "legs day"), never the lift's own word ("leg press")."""
_UNLOADED_AFTER: Final = re.compile(
    r"^(?P<name>[a-z][a-z' \-]*?)\s*(?P<sets>\d{1,2})\s*[x×]\s*(?P<reps>\d{1,3})\s*(?P<sec>s|secs?|seconds)?"
    r"(?:\s*(?:bw|bodyweight|each(?: side| leg| arm)?|per (?:side|leg|arm)))?\s*$"
)
_UNLOADED_BEFORE: Final = re.compile(
    r"^(?:did\s+)?(?P<sets>\d{1,2})\s*[x×]\s*(?P<reps>\d{1,3})\s*(?P<sec>s|secs?|seconds)?\s+(?P<name>[a-z][a-z' \-]*?)"
    r"(?:\s*(?:each(?: side| leg| arm)?|per (?:side|leg|arm)))?\s*$"
)


def _unloaded_lifts(text: str) -> list[LogEntry]:
    """'squats and deadlifts 5x5', 'strength: 3x10 goblet squats, 3x8 RDL, 3x45s plank': lifts with sets
    and reps and no load, each a lift the words name; empty unless every part with sets reads so."""
    body = _UNLOADED_PREFIX.sub("", fold(text).strip().lower())
    lifts: list[LogEntry] = []
    for piece in re.split(r"[,;\n]|\s+then\s+|\s+plus\s+", body):
        piece = piece.strip(" .!-–—:")
        if not re.search(r"\d\s*[x×]\s*\d", piece):
            continue  # "some core", "felt good"
        match = _UNLOADED_AFTER.match(piece) or _UNLOADED_BEFORE.match(piece)
        if match is None or not _LIFT_NAME.search(match.group("name")):
            return []
        sets, reps = int(match.group("sets")), int(match.group("reps"))
        if not (1 <= sets <= 20 and 1 <= reps <= 300):
            return []
        names = [n.strip() for n in re.split(r"\s+(?:and|&)\s+", match.group("name")) if n.strip()]
        lifts += [UnloadedLift(exercise=name, sets=sets, reps=reps, seconds=match.group("sec") is not None) for name in names]
    return lifts


def without_endurance(text: str) -> str:
    """The sentences of a log that name no run, ride or swim ("Today I did gym: leg press 4x10 at 120
    kg, 45 min total. Then I rode 30 minutes": the first): where a gym session's own time is told."""
    sentences = re.split(r"(?<=[.!?;])\s+|\n|,?\s+then\s+", text)
    return " ".join(p for p in sentences if not any(pattern.search(p.lower()) for pattern, _ in _SPORT_WORDS))


def _two_workouts(part: str, when: dt.datetime, max_hr: int | None, default_sport: str | None) -> list[str]:
    """'7k easy this morning in 44:50, then 20 min of core at the gym', '25 min strength session, and a 20
    min swim after': two entries when each side of "then" (", and a …", "followed by") reads as its own
    workout of a different sport; else the part as it is (one session in
    segments, "30 min easy then 20 min of hills", stays one)."""
    pieces = re.split(r",?\s+(?:and\s+)?then\s+|,?\s+followed by\s+|,\s+(?:and|plus)\s+(?=(?:a|an)\s+\d)|,?\s+and\s+after(?:wards)?,?\s+|"
                      r"[.!]\s+(?:also|plus|and)\s+|,?\s+after that,?\s+", part, maxsplit=1, flags=re.I)
    if len(pieces) != 2:
        return [part]
    try:
        first, second = (parse_log_entry(x, when=when, max_hr=max_hr, default_sport=default_sport) for x in pieces)
    except LogParseError:
        return [part]
    kinds = [x.sport if isinstance(x, ImportedActivity) else "strength" for x in (first, second)]
    return pieces if kinds[0] != kinds[1] else [part]


def _lift_list(part: str, when: dt.datetime) -> list[LogEntry]:
    """'gym: squat 60kg 3x8, RDL 50kg 3x10, planks': the lifts with sets (an exercise without
    numbers, like planks, is left out); empty when fewer than one comma-separated lift reads.
    Without commas, lifts told one after another ("strength day done back squat 3x8 @ 60kg RDL
    3x10 @ 50kg"): each exercise with sets x reps @ load, when two or more read."""
    text = _LIFTS_PREFIX.sub("", _HEADING.sub("", part.strip().lower()))
    if any(pattern.search(text) for pattern, _ in _SPORT_WORDS):
        return []
    when = when if when.tzinfo else when.replace(tzinfo=dt.UTC)
    if "," not in part:
        run_on = [m.group(0).strip() for m in _RUN_ON_LIFT.finditer(text)]
        if len(run_on) < 2:
            return []
        found_lifts = [_strength(piece, when) for piece in run_on]
        return [x for x in found_lifts if x is not None]
    lifts: list[LogEntry] = []
    unit = "lb" if re.search(r"\d\s*lbs?\b", text) else "kg"
    for piece in text.split(","):
        # "squats 4x8 @70kg, rdl 3x10 @50": past the RPE scale, a bare load is in the list's unit
        piece = re.sub(r"(\d\s*x\s*\d+\s*@\s*)(\d{2,3}(?:[.,]\d+)?)\b(?!\s*(?:kg|kgs|lbs?)\b)", lambda m: m.group(1) + m.group(2) + unit, piece)
        if _SETS_FIRST.search(piece):  # "3x12 goblet squats with the 20kg kettlebell": the lift, then its sets; the rest is talk
            piece = _SETS_FIRST.sub(lambda m: f"{m.group(3).strip()} {m.group(4)}{m.group(5) or 'kg'} {m.group(1)}x{m.group(2)}\n", piece)
            piece = piece.split("\n", 1)[0]
        if not _WEIGHTED.search(piece):
            continue  # "pull-ups 3x8", "calf raises 3x15": bodyweight sets, not a weight to track
        try:
            found = _strength(piece.strip(), when)
        except LogParseError:
            found = None
        if found is not None:
            lifts.append(found)
    return lifts


@dataclass(frozen=True, slots=True)
class LiftFields:
    """One exercise of a structured log: ``sets`` × ``reps`` @ ``load_kg`` (RPE optional)."""

    exercise: str
    sets: int
    reps: int
    load_kg: float
    rpe: float | None = None


def entries_from_fields(
    *,
    sport: str,
    when: dt.datetime,
    distance_m: float | None = None,
    duration_s: float | None = None,
    rpe: float | None = None,
    lifts: tuple[LiftFields, ...] = (),
    name: str | None = None,
    max_hr: int | None = None,
) -> list[LogEntry]:
    """Log entries from values already separated (the log tool's structured input), checked the
    same way as a typed line: an implausible speed or duration is refused, never stored."""
    when = when if when.tzinfo else when.replace(tzinfo=dt.UTC)
    if sport == "strength" and lifts:
        day = when.date()
        out: list[LogEntry] = []
        for lift in lifts:
            if lift.sets < 1 or lift.reps < 1 or lift.load_kg < 0:
                raise LogParseError(f"{lift.exercise}: a set needs at least one rep and a load of 0 kg or more.")
            if lift.rpe is not None and not 1 <= lift.rpe <= 10:
                raise LogParseError(f"{lift.exercise}: RPE is on a 1–10 scale.")
            sets = tuple(StrengthSet(lift.exercise.strip().lower(), day, round(lift.load_kg, 2), lift.reps, lift.rpe) for _ in range(lift.sets))
            out.append(LoggedStrength(exercise=lift.exercise.strip().lower(), sets=sets))
        return out
    if duration_s is None:
        raise MissingTimeError(f"I need how long the {sport} took.", sport, distance_m)
    if not 0 < duration_s <= MAX_LOGGED_DURATION_S:
        raise LogParseError(f"A duration of {duration_s / SECONDS_PER_HOUR:.1f} h looks like a typo; check the time.")
    if distance_m is not None and distance_m > 0 and sport in ("run", "ride", "swim") and not plausible_speed_mps(sport, distance_m, duration_s):
        speed_kmh = distance_m / duration_s * 3.6
        raise LogParseError(
            f"{distance_m / METRES_PER_KM:g} km in {duration_s / SECONDS_PER_MINUTE:.0f} min is {speed_kmh:.1f} km/h, "
            f"which doesn't look like a {sport}. Check the distance and the time."
        )
    if rpe is not None and not 1 <= rpe <= 10:
        raise LogParseError("RPE is on a 1–10 scale.")
    activity_sport: Sport = sport if sport in ("run", "ride", "swim", "strength") else "other"  # type: ignore[assignment]
    raw = RawActivity(
        source_format="log",
        sport=activity_sport,
        name=name,
        start_time=when - dt.timedelta(seconds=duration_s),
        elapsed_s=duration_s,
        moving_s=duration_s,
        distance_m=distance_m,
        rpe=rpe,
    )
    return [finish(raw, max_hr=max_hr)]
