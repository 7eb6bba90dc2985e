"""Normalising an athlete's words, in two stages, so every reader sees the same text.

* :func:`fold` is the light stage: NFKC, straight quotes and dashes, lower case, runs of spaces
  and tabs made one (line breaks kept: they end a clause). Onboarding answers and memory notes
  are folded; so is every phrase list compiled against folded text.
* :func:`normalise` is the full stage the slot reader and the intent classifier see: the fold,
  then phone spellings ("tmrw"), misspelt weekday, month and sport words ("wendsday",
  "thrusday", "saterday"), number words as digits ("three days", "twenty-five"), ordinal words
  ("the third" → "the 3rd") and a few fixed phrases ("an hour and a half" → "90 minutes",
  "christmas day" → "25 december").

Misspellings are matched with rapidfuzz's Damerau–Levenshtein distance (a transposed pair of
letters counts as one edit) against a closed list of words, first letter fixed, at most one edit
for words of up to seven letters and two for longer ones. On the words of the blind sets a, c and
d and the intent exemplars this changes only misspellings (tests/language/test_text.py); the
hand-kept table remains for abbreviations no edit distance finds ("tmrw", "yday", "2moro").
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Final

from rapidfuzz.distance import DamerauLevenshtein

MAX_TEXT_CHARS: Final = 4096
"""Telegram's message limit; longer input is cut so every regex stays linear and fast."""

_PUNCTUATION_MAP: Final = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'", "`": "'",
        "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2010": "-",
        "\u2011": "-", "\u00a0": " ",
    }
)  # fmt: skip


def fold(text: str, *, keep_lines: bool = True) -> str:
    """The light stage: NFKC, straight quotes and dashes, lower case, one space between words.

    Line breaks are kept (collapsed to one) unless ``keep_lines`` is false: a new line ends a
    clause for the slot reader, while a one-line answer or a note's phrase match reads them as spaces.
    """
    text = unicodedata.normalize("NFKC", text[:MAX_TEXT_CHARS]).translate(_PUNCTUATION_MAP).lower()
    if not keep_lines:
        return " ".join(text.split())
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    return re.sub(r" ?\n[\s]*", "\n", text).strip()


# --------------------------------------------------------------------------- full stage

_TYPOS: Final[dict[str, str]] = {
    "tmrw": "tomorrow", "tmr": "tomorrow", "tmrow": "tomorrow", "tmorrow": "tomorrow", "2moro": "tomorrow",
    "2morrow": "tomorrow", "tomoz": "tomorrow", "tomorow": "tomorrow", "tommorow": "tomorrow",
    "tommorrow": "tomorrow", "tomorrrow": "tomorrow", "tomrrow": "tomorrow", "yday": "yesterday",
    "yest": "yesterday", "yesturday": "yesterday", "yesterdy": "yesterday", "yestarday": "yesterday",
    "yesteday": "yesterday", "tdy": "today", "2day": "today", "todays": "today's", "tonite": "tonight",
    "wensday": "wednesday", "missd": "missed", "mised": "missed", "wk": "week", "wks": "weeks", "wkend": "weekend", "w/e": "weekend",
    "thurs": "thursday", "thur": "thursday", "thu": "thursday", "tues": "tuesday", "tue": "tuesday", "weds": "wednesday",
    "fri": "friday", "yesterdays": "yesterday's", "tmrws": "tomorrow's", "tmrw's": "tomorrow's", "2moros": "tomorrow's",
    "tomorows": "tomorrow's", "tommorows": "tomorrow's", "cancle": "cancel", "cancell": "cancel", "cnacel": "cancel", "cansel": "cancel",
}  # fmt: skip
"""Abbreviations athletes type on a phone, mapped to the word the patterns know (weekdays shortened
past doubt too: "move thurs to fri"; "sat", "sun", "wed" and "mon" are English words, left alone). Misspellings
within an edit or two of a known word are left to :data:`FUZZY_WORDS`; "wensday" is two edits
from a seven-letter word, so it stays here."""

_TYPO_RE: Final = re.compile(
    r"(?<![\w/])(" + "|".join(re.escape(k) for k in sorted(_TYPOS, key=len, reverse=True)) + r")(?![\w/])"
)

FUZZY_WORDS: Final[tuple[str, ...]] = (
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "january", "february", "april", "august", "september", "october", "november", "december",
    "today", "tonight", "tomorrow", "yesterday", "weekend",
    "running", "cycling", "swimming", "riding", "strength", "marathon", "parkrun",
    "hamstring", "achilles", "shoulder", "slept", "instead",
)  # fmt: skip
"""Words whose misspellings are corrected (weekdays, months, days, sports, body parts that are
long enough to tell apart, "slept" and "instead": "hamstirng", "slpet 4 hrs", "insted")."""
FUZZY_MIN_LETTERS: Final = 5
"""Shorter words are too close to other English words ("sun", "mar") to correct."""
FUZZY_LONG_LETTERS: Final = 8
"""From this length a word may be two edits away ("wendsday" → "wednesday"); below, one."""
_NOT_TYPOS: Final = frozenset(
    {"ridding", "rising", "riving", "sundae", "toady", "toddy", "tonights", "sundays", "mondays", "fridays", "tuesdays", "saturdays", "thursdays",
     "wednesdays", "weekends", "runner", "runnings", "cycles", "strengths", "marathons", "parkruns", "aprils",
     "augusts", "octobers", "december's", "sunday's", "monday's", "friday's", "sleet", "swept", "shoulders",
     "hamstrings"}
)  # fmt: skip
"""Real words (and plurals) within an edit of a known word, never "corrected"."""
_WORD_RE: Final = re.compile(rf"(?<![\w'])[a-z]{{{FUZZY_MIN_LETTERS},}}(?!\w)")


@functools.lru_cache(maxsize=4096)
def correct_word(word: str) -> str:
    """``word`` or the known word it is a misspelling of (first letter kept, one or two edits)."""
    if word in FUZZY_WORDS or word in _NOT_TYPOS or len(word) < FUZZY_MIN_LETTERS:
        return word
    if word.endswith("s") and (singular := correct_word(word[:-1])) in FUZZY_WORDS and not singular.endswith("s"):
        return singular + "s"  # "satrudays": a plural keeps its s (a recurring day)
    limit = 2 if len(word) >= FUZZY_LONG_LETTERS else 1
    best, best_distance = word, limit + 1
    for candidate in FUZZY_WORDS:
        if candidate[0] != word[0] or abs(len(candidate) - len(word)) > limit:
            continue
        distance = DamerauLevenshtein.distance(word, candidate, score_cutoff=limit)
        if distance < best_distance:
            best, best_distance = candidate, distance
    return best


def correct_spelling(text: str) -> str:
    """Every misspelt weekday, month, day or sport word of folded ``text`` corrected."""
    return _WORD_RE.sub(lambda m: correct_word(m.group(0)), text)


_RAW_TYPO_RE: Final = re.compile(_TYPO_RE.pattern, re.IGNORECASE)
_RAW_WORD_RE: Final = re.compile(rf"(?<![\w'])[A-Za-z]{{{FUZZY_MIN_LETTERS},}}(?!\w)")


def _as_written(word: str, mended: str) -> str:
    return mended.capitalize() if word[:1].isupper() else mended


def mend_spelling(text: str) -> str:
    """``text`` as written, with only its phone spellings, misspelt known words and "n" for "and"
    mended ("Can I move firday's run to saturdya" → "Can I move friday's run to saturday"): case,
    punctuation and number words stay, so patterns written for the raw message read it as they
    read a message typed with care. The same corrections as :func:`normalise` makes."""

    def phone(match: re.Match[str]) -> str:
        return _as_written(match.group(1), _TYPOS[match.group(1).lower()])

    def misspelt(match: re.Match[str]) -> str:
        word = match.group(0)
        mended = correct_word(word.lower())
        return word if mended == word.lower() else _as_written(word, mended)

    mended = _dictated(_AND_N.sub(" and ", _RAW_WORD_RE.sub(misspelt, _RAW_TYPO_RE.sub(phone, text))))
    return _CLOCK_WINDOW.sub(_clock_window, mended)  # "got 6:00 to 6:40 on the turbo": 40 min, as normalise reads it


_UNITS: Final[dict[str, int]] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS: Final[dict[str, int]] = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
NUMBER_WORDS: Final[dict[str, int]] = {**_UNITS, **_TENS}
"""Number words read as digits (compounds such as "twenty-five" too)."""
_ORDINAL_WORDS: Final[dict[str, int]] = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
    "twentieth": 20, "thirtieth": 30,
}  # fmt: skip

_NUMBER_WORD_RE: Final = re.compile(
    r"\b(?:(?P<tens>" + "|".join(_TENS) + r")(?:[\s-]+(?P<tens_unit>" + "|".join(list(_UNITS)[:9]) + r"))?"
    r"|(?P<unit>" + "|".join(sorted(_UNITS, key=len, reverse=True)) + r"))\b"
)
_ORDINAL_WORD_RE: Final = re.compile(
    r"\bthe\s+(?:(?P<tens>twenty|thirty)[\s-]+)?(?P<ord>"
    + "|".join(sorted(_ORDINAL_WORDS, key=len, reverse=True))
    + r")\b(?!\s+(?:hour|hr|minute|min|mile|km|k|kilometre|kilometer|lap|length|half|quarter|third|interval|rep|set|part|bit|"
    r"section|climb|hill|loop|time|few|couple|session|run|ride|swim|leg|block)s?\b)"
)
"""'the third' is a date ('the 3rd'), unless a count of something follows ('the first hour', 'the second half')."""
_DICTATED: Final = re.compile(r"\s*\b(question mark|exclamation (?:mark|point)|full stop)\b", re.IGNORECASE)
_DICTATED_MARKS: Final[dict[str, str]] = {"question mark": "?", "exclamation mark": "!", "exclamation point": "!", "full stop": "."}
"""Punctuation said to voice-to-text ("when do I start tempo runs question mark")."""


def _dictated(text: str) -> str:
    return _DICTATED.sub(lambda m: _DICTATED_MARKS[m.group(1).lower()], text)


_AND_N: Final = re.compile(r"(?<=[a-z]) n (?=[a-z])", re.IGNORECASE)
"""'sat n sun': and."""
_CAPITAL_ABBREVIATIONS: Final = re.compile(r"\b(Sat|Sun|Wed|Mon|SAT|SUN|WED|MON)\b")
_CAPITAL_FULL: Final[dict[str, str]] = {
    "sat": "saturday",
    "sun": "sunday",
    "wed": "wednesday",
    "mon": "monday",
}
"""Capitalised, these abbreviations are weekdays; lower-case they may be "I sat", "the sun"
(and are read as days only where nothing else fits: ``_PHRASES``)."""
_PHRASES: Final[tuple[tuple[re.Pattern[str], str], ...]] = (
    # Holidays as dates (UK and US names); "Saturday 19th" is the 19th ("Friday week" is read by
    # ``spans``: the Friday after the coming one).
    # a season's greeting is not a date: "merry christmas and all that, I can't get out tomorrow"
    (re.compile(r"\b(?:merry|happy) (?:christmas|xmas|chrimbo|new year)\b(?!'?s? (?:eve|day)\b)"), "season's greetings"),
    (re.compile(r"\bhappy new year'?s eve(?: eve)?\b"), "season's greetings"),
    (re.compile(r"\b(?:christmas|xmas|chrimbo) eve\b"), "24 december"),
    (
        re.compile(
            r"\b(?:christmas|xmas)(?: day)?\b(?!'?s? (?:party|parties|shopping|fair|market|do|dinner|lunch|drinks|concert|play|"
            r"show|tree|jumper|break|holidays?|eve|card|cards|present|presents|gig|is|was|week|period|time|season|stuff|madness|"
            r"chaos|rush|busy|hectic|plans?|social|socials|meet|meetup|gathering|bash|lights|light)\b)"
        ),
        "25 december",
    ),
    (re.compile(r"\bboxing day\b|\b(?:st\.? )?stephen'?s day\b"), "26 december"),
    # two ordinals with a slash: "the 16th/17th" is the 16th and the 17th
    (re.compile(r"\b(?:the\s+)?([0-3]?\d(?:st|nd|rd|th))\s*/\s*([0-3]?\d(?:st|nd|rd|th))\b"), r"the \1 and the \2"),
    # a dropped apostrophe: "tonights run", "todays ride", "tomorrows session"
    (re.compile(r"\b(tonight|today|tomorrow)s\b"), r"\1's"),
    (_AND_N, " and "),  # "sat n sun", "thurs n fri"
    # "sat is a no go", "sun's out": a short day name as the subject of a sentence is the day
    *(
        (re.compile(rf"(?:^|(?<=[,;.!?] )|(?<=\band )){short}(?=(?:(?:'s| is) (?:a no|off|not|no good)| isn'?t| won'?t| no go| off| not)\b)"), full)
        for short, full in _CAPITAL_FULL.items()
    ),
    # ... and beside another day, an arrow or "on": "sat → fri", "on sat", "sat and sun", "sat/sun"
    *(
        (re.compile(rf"(?<=\bon ){short}\b(?!')|\b{short}(?=\s*(?:→|->|=>|/|&|\+))|\b{short}(?=\s+and\s+(?:sat|sun|mon|tue|wed|thu|fri)[a-z]*\b)"
                    rf"|(?<=→ ){short}\b|(?<=→){short}\b|(?<=-> ){short}\b|(?<=->){short}\b|(?<=/){short}\b|(?<=& ){short}\b"), full)
        for short, full in _CAPITAL_FULL.items()
    ),
    *(
        (re.compile(rf"\b((?:sat|sun|mon|tue|wed|thu|fri)[a-z]*) and {short}\b"), rf"\1 and {full}")
        for short, full in _CAPITAL_FULL.items()
    ),
    (re.compile(r"\bnew year'?s eve\b|\bnye\b|\bhogmanay\b"), "31 december"),
    (re.compile(r"\bnew year'?s(?: day)?\b"), "1 january"),
    # "Saturday the 23rd" / "sat 23rd": the ordinal names the day ("on 23rd" reads as a date, a bare "23rd" would not)
    (
        re.compile(
            r"\b(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\s+(?=(?:the\s+)?\d{1,2}(?:st|nd|rd|th)\b)"
        ),
        "on ",
    ),
    # "thursdays ride" (the apostrophe dropped) is Thursday's ride, not every Thursday
    (
        re.compile(
            r"\b(mon|tues|wednes|thurs|fri|satur|sun)days (?=(?:long |easy |hard |short )?(?:ride|run|swim|session|workout|spin|tempo|intervals)\b)"
        ),
        r"\1day's ",
    ),
    (re.compile(r"\b(\d{1,2}(?:st|nd|rd|th)) (and|&|or) (\d{1,2}(?:st|nd|rd|th))\b"), r"the \1 \2 the \3"),
    (
        re.compile(
            r"\b(\d{1,2}(?:st|nd|rd|th))\s*(?:-|–|—|to|till|until)\s*(?:the\s+)?(\d{1,2}(?:st|nd|rd|th))\b"
        ),
        r"the \1 to the \2",
    ),
    (re.compile(r"\b(?:an?|1)\s+hour\s+and\s+a\s+half\b|\bhour\s+and\s+a\s+half\b"), "90 minutes"),
    (re.compile(r"\b(?:an?|1)\s+hour\s+and\s+a\s+quarter\b|\bhour\s+and\s+a\s+quarter\b"), "75 minutes"),
    (re.compile(r"\bthree\s+quarters\s+of\s+an\s+hour\b"), "45 minutes"),
    (re.compile(r"\b(?:a\s+)?quarter\s+of\s+an\s+hour\b"), "15 minutes"),
    (re.compile(r"\bhalf\s+(?:an?\s+)?hour\b"), "30 minutes"),
    (re.compile(r"\b(\d+)\s+and\s+a\s+half\s+(hours?|h)\b"), r"\1.5 \2"),
    (re.compile(r"\ban?\s+hour\b"), "1 hour"),
    # "hour on the turbo done": a bare hour of training is one hour
    (re.compile(r"(?:^|(?<=[.!?;,]\s))hour(?=\s+(?:on|of|in|at)\s+(?:the\s+|my\s+)?(?:turbo|trainer|bike|zwift|treadmill|track|road|trails?|pool|rollers)\b)"), "1 hour"),
    (re.compile(r"\b(\d+(?:\.\d+)?)-?ish\b"), r"\1"),  # "5ish hrs", "7-ish"
    (re.compile(r"\b(?:a |one )?hundred\b(?! (?:and|thousand|\d))"), "100"),  # "hundred k with the club"
    (re.compile(r"\ba\s+couple\s+(?:of\s+)?(?=days|weeks|hours|sessions|runs)"), "2 "),
)


def _number_word(match: re.Match[str]) -> str:
    if match.group("unit"):
        return str(_UNITS[match.group("unit")])
    value = _TENS[match.group("tens")]
    if match.group("tens_unit"):
        value += _UNITS[match.group("tens_unit")]
    return str(value)


def _ordinal_word(match: re.Match[str]) -> str:
    value = _ORDINAL_WORDS[match.group("ord")]
    if match.group("tens"):
        value += _TENS[match.group("tens")]
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(value % 10 if value not in (11, 12, 13) else 0, "th")
    return f"the {value}{suffix}"


def number_words_to_digits(text: str) -> str:
    """ "three days", "twenty-five km" → "3 days", "25 km" (folded text)."""
    return _NUMBER_WORD_RE.sub(_number_word, text)


_EACH_WAY: Final = re.compile(
    r"\b(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>km|kms|k|kilometres?|kilometers?|mi|miles?|mins?|minutes?|m)\s+(?:each|either|per)\s+way\b"
)


_ORDINAL_LIST: Final = re.compile(
    r"\b(?<!the )\d{1,2}(?:st|nd|rd|th)(?:[ ,]+(?:the )?\d{1,2}(?:st|nd|rd|th))+[ ,]+(?:and|&|or)[ ,]+(?:the )?\d{1,2}(?:st|nd|rd|th)\b"
)


def _ordinal_list(match: re.Match[str]) -> str:
    """ "9th 16th and 23rd" → "the 9th the 16th and the 23rd": each a day of the month."""
    return re.sub(r"(?<!the )\b(\d{1,2}(?:st|nd|rd|th))\b", r"the \1", match.group(0))


_MONTH_WORDS: Final = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*"
_DAYS_THEN_MONTH: Final = re.compile(
    r"(?<![\d/.:])\b(?P<days>[0-3]?\d(?:(?:\s*,\s*|\s+(?:and|&)\s+|\s+)[0-3]?\d){1,6})\s+(?P<month>" + _MONTH_WORDS + r")\b"
)
_MONTH_THEN_DAYS: Final = re.compile(
    r"\b(?P<month>" + _MONTH_WORDS + r")\s+(?P<days>[0-3]?\d(?:(?:\s*,\s*|\s+(?:and|&)\s+)[0-3]?\d){1,6})\b(?![\d/.:]|\s*(?:-|to|till|until)\b)"
)


def _days_of_one_month(match: re.Match[str]) -> str:
    """ "away 28 29 30 jan", "jan 30 and 31": each day with the month ("28 jan, 29 jan and 30 jan")."""
    days = re.findall(r"\d+", match.group("days"))
    if not all(1 <= int(d) <= 31 for d in days) or len(set(days)) != len(days):
        return match.group(0)
    month = match.group("month")
    named = [f"{d} {month}" for d in days]
    return ", ".join(named[:-1]) + " and " + named[-1]


def _both_ways(match: re.Match[str]) -> str:
    """ "12km each way" → "24 km there and back": a commute's distance and time are both legs."""
    amount = float(match.group("n")) * 2
    return f"{amount:g} {match.group('unit')} there and back"


def normalise(text: str) -> str:
    """The full stage: :func:`fold`, then phone spellings, misspellings, number and ordinal words
    as digits, and fixed phrases. Shared by the slot reader and the intent classifier, so "tmrw",
    "three days" and "Tuesday’s" read the same to the rules, the exemplars and the patterns."""
    text = unicodedata.normalize("NFKC", text[:MAX_TEXT_CHARS]).translate(_PUNCTUATION_MAP)
    text = _CAPITAL_ABBREVIATIONS.sub(lambda m: _CAPITAL_FULL[m.group(1).lower()], text)
    text = _dictated(fold(text))
    text = _TYPO_RE.sub(lambda m: _TYPOS[m.group(1)], text)
    text = correct_spelling(text)
    text = _ORDINAL_WORD_RE.sub(_ordinal_word, text)
    text = number_words_to_digits(text)
    text = _ORDINAL_LIST.sub(_ordinal_list, text)
    for pattern, replacement in _PHRASES:
        text = pattern.sub(replacement, text)
    text = _EACH_WAY.sub(_both_ways, text)
    text = _MONTH_THEN_DAYS.sub(_days_of_one_month, _DAYS_THEN_MONTH.sub(_days_of_one_month, text))
    return re.sub(r"[ \t]+", " ", spelled_amounts(text)).strip()


_WORDS_OF_TIME: Final = re.compile(
    r"\b((?:" + "|".join(_TENS) + r")(?:[\s-]+(?:" + "|".join(list(_UNITS)[:9]) + r"))?|" + "|".join(sorted(_UNITS, key=len, reverse=True))
    + r")\s+(and\s+a\s+half\s+(?:hours?|hrs?)|(?:hours?|hrs?|mins?|minutes|km|kms|kilometres?|kilometers?|miles?|k\b))"
)
"""A time or distance said in words ("two and a half hours", "forty minutes"): the count as digits."""
_HALF_FRACTION: Final = re.compile(r"\b(\d{1,3})\s+1/2\s*(?=k\b|km|kms|mi\b|miles?|mile|hours?|hrs?|h\b)")
""""7 1/2 mile long run": the half written as a fraction."""
_HOUR_AND: Final = re.compile(r"(?<![\d.])\b(?:an?\s+|1\s+)?hour\s+and\s+(\d{1,2})\b(?!\s*(?:k\b|km|mi\b|miles?|sec|and a half))(?:\s*(?:mins?|minutes))?")
_SLEPT_AND_A_HALF: Final = re.compile(r"\b((?:slept|sleep|kip|got)\b[^.?!\d]{0,15})(\d{1,2}) and a half\b")
"""Hours of sleep said with no unit ("slept maybe 5 and a half")."""
_AND_A_HALF: Final = re.compile(r"\b(\d+) and a half\b(?= ?(?:k|km|kms|kilometres?|kilometers?|mi|miles?|hours?|hrs?|h)\b)")
_POOL_LENGTHS: Final = re.compile(
    r"\b(?P<n>\d{1,3}) (?:lengths?|laps?) (?:of|in) (?:a |the |my )?(?P<pool>\d{2}(?:\.\d)?) ?-? ?(?:m|metres?|meters?)\b(?: pool)?"
)


_CLOCK_WINDOW: Final = re.compile(
    r"\b(got|from|between|have|free)\s+(\d{1,2}):(\d\d)\s*(?:to|till|until|-|and)\s*(\d{1,2}):(\d\d)\b(?!\s*(?:/|pace|per|a\s+k|a\s+mile))",
    re.I,
)
"""A window of the clock to train in ("I've got 6:00 to 6:40 on the turbo"): its length, not two durations."""


_SLEPT_FROM_TO: Final = re.compile(
    r"\b(slept|sleep|kip|kipped)\s+(?:from\s+)?(\d{1,2})(?::(\d\d))?\s*(am|pm)\s*(?:till|til|until|to|-)\s*(\d{1,2})(?::(\d\d))?\s*(am|pm)\b", re.I
)
"""Sleep said by the clock ("slept 10am till 3pm" after a night shift): its length in hours."""


def _slept_from_to(match: re.Match[str]) -> str:
    def clock(hour: str, minute: str | None, half: str) -> float:
        return int(hour) % 12 + (12 if half.lower() == "pm" else 0) + int(minute or 0) / 60

    start = clock(match.group(2), match.group(3), match.group(4))
    end = clock(match.group(5), match.group(6), match.group(7))
    hours = end - start if end > start else end + 24 - start
    return f"{match.group(1)} {hours:g} hours" if 1 <= hours <= 14 else match.group(0)


def _clock_window(match: re.Match[str]) -> str:
    start = int(match.group(2)) * 60 + int(match.group(3))
    end = int(match.group(4)) * 60 + int(match.group(5))
    minutes = end - start
    return f"{match.group(1)} {minutes} min" if 0 < minutes <= 240 else match.group(0)


def spelled_amounts(text: str) -> str:
    """Amounts said in words a reader of numbers misses, as numbers: "5 and a half k" → "5.5 k",
    "30 lengths of the 25-metre pool" → "750 m (30 lengths of 25 m)". Folded text in and out."""
    text = _WORDS_OF_TIME.sub(lambda m: f"{_NUMBER_WORD_RE.sub(_number_word, m.group(1))} {m.group(2)}", text)  # "two and a half hours"
    text = _HOUR_AND.sub(r"1 hour \1 min", text)
    text = _HALF_FRACTION.sub(r"\1.5 ", text)
    text = _AND_A_HALF.sub(r"\1.5", text)
    text = _SLEPT_AND_A_HALF.sub(r"\1\2.5", text)
    text = _CLOCK_WINDOW.sub(_clock_window, text)
    text = _SLEPT_FROM_TO.sub(_slept_from_to, text)
    return _POOL_LENGTHS.sub(
        lambda m: f"{int(m.group('n')) * float(m.group('pool')):g} m ({m.group('n')} lengths of {m.group('pool')})", text
    )


_CLAUSE_SPLIT_RE: Final = re.compile(r"[,;!?\n]|\.(?=\s|$)|\s-\s|\bbut\b|\band\b|\bthen\b")


_SENTENCE_SPLIT_RE: Final = re.compile(r"[!?\n]|\.(?=\s|$)")


def sentence_bounds(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of normalised ``text``: split at ".", "!", "?" and line breaks."""
    bounds: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_SPLIT_RE.finditer(text):
        bounds.append((start, match.start()))
        start = match.end()
    bounds.append((start, len(text)))
    return bounds


def clause_bounds(text: str) -> list[tuple[int, int]]:
    """(start, end) of each clause of normalised ``text``: split at punctuation, line breaks, "and", "but", "then"."""
    bounds: list[tuple[int, int]] = []
    start = 0
    for match in _CLAUSE_SPLIT_RE.finditer(text):
        bounds.append((start, match.start()))
        start = match.end()
    bounds.append((start, len(text)))
    return bounds


__all__ = [
    "FUZZY_WORDS",
    "MAX_TEXT_CHARS",
    "NUMBER_WORDS",
    "clause_bounds",
    "correct_spelling",
    "correct_word",
    "fold",
    "normalise",
    "number_words_to_digits",
    "sentence_bounds",
]  # fmt: skip
