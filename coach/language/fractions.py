"""How much of a session was done, in the athlete's words.

"a third", "about 2/3", "three-quarters", "most of it", "half the run", "20 of the 50 minutes",
"only 4k of today's 8.6", "rode 1h of the 2h": a share of the planned session. "5k into the long
run", "20 min into the ride", "did 10 mins and turned round", "bailed at 6k", "only got 25 min
in": an amount done, to be divided by what was planned (the caller knows the session).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

_WORDS: Final[tuple[tuple[re.Pattern[str], float], ...]] = (
    (re.compile(r"\b(?:two|2)[ -]thirds\b|\b2/3\b"), 2 / 3),
    (re.compile(r"\b(?:three|3)[ -]quarters?\b|\b3/4\b"), 0.75),
    (re.compile(r"\b(?:a|one|1)?\s*third\b|\b1/3\b"), 1 / 3),
    (re.compile(r"\b(?:a|one|1)?\s*quarter\b|\b1/4\b"), 0.25),
    (re.compile(r"\bhalf\b(?![ -](?:marathon|ironman|distance|iron|term|an hour|hour))|\b1/2\b|\bhalfway\b"), 0.5),
    (re.compile(r"\bmost of (?:it|the \w+)\b|\bnearly all\b|\balmost all\b"), 0.75),
    (re.compile(r"\b(?:barely|hardly) (?:any|started)\b|\bbarely\b"), 0.1),
)
_PERCENT: Final = re.compile(
    r"(?<!recovery )(?<!recovery: )(?<!readiness )(?<!readiness: )(?<!battery )(?<!battery: )(?<!score )(?<!charge )(?<!hrv )"
    r"(?<!fat )(?<!humidity )(?<!grade )(?<!gradient )(?<!incline )(?<!ftp )\b(\d{1,3})\s*%"
)
"""A share said in per cent ("did 60% of it"); not a device's score ("Whoop recovery 29%", "body battery
40%"), a body-fat reading or a road's gradient."""
_UNIT: Final = r"((?:minutes?|mins?|miles?|mi|kilomet(?:er|re)s?|kms|km|k|hours?|hrs|hr|h)(?![a-z]))"
_OF: Final = re.compile(
    r"\b(\d+(?:[.,]\d+)?)\s*" + _UNIT + r"?\s+(?:done\s+|completed\s+|in\s+)?(?:out\s+)?of\s+"
    r"(?:the\s+|my\s+|today'?s\s+|a\s+|an\s+)?(\d+(?:[.,]\d+)?)\s*" + _UNIT + r"?"
)
_OF_SESSION: Final = re.compile(
    r"\b(\d+(?:[.,]\d+)?)\s*" + _UNIT + r"\s+(?:done\s+)?(?:out\s+)?of\s+(?:the|my|today'?s|yesterday'?s|\w+day'?s|this)\s+"
    r"(?:\w+\s+)?(?:run|ride|session|swim|workout|spin|jog)\b"
)
_THE_HOUR: Final = (
    (re.compile(r"\b(?:an|one|1) ?h(?:ou)?rs? (?:and )?(\d{1,2})(?: ?min\w*)?(?![\d:])"), "__HOUR_AND__"),
    (re.compile(r"\b(?:an|one) hour\b(?= (?:of|out of|done|then|and|before|in)\b)"), "60 min"),
    (re.compile(r"\b(after|at) the first (?:hour|hr)\b"), r"\1 60 min"),  # "locked up after the first hour today, bailed"
    (re.compile(r"\b(after|at) the first half (?:an )?hour\b"), r"\1 30 min"),
    (re.compile(r"\bof (?:the|an) hour and a half\b"), "of 90 min"),
    (re.compile(r"\bof (?:the|an) hour\b"), "of 60 min"),
    (re.compile(r"\bof (?:the|my) (two|2)[ -]hours?\b"), "of 120 min"),
    (re.compile(r"\bof (?:the|my) (three|3)[ -]hours?\b"), "of 180 min"),
)
_INTO: Final = re.compile(r"\b(\d+(?:[.,]\d+)?)\s*" + _UNIT + r"\s+(?:into|in)\b(?=[^.]*\b(?:run|ride|swim|session|long|workout|it)\b)")
_DID_THEN: Final = re.compile(
    r"\b(?:did|managed|only|just)\s+(?:about\s+|around\s+)?(\d+(?:[.,]\d+)?)\s*" + _UNIT
    + r"\b[^.]{0,30}\b(?:turned|stopped|called|bailed|quit|packed|gave up|walked|headed|snapped|broke|punctured|flatted|mechanical)"
)
_CUT_TO: Final = re.compile(
    r"\b(?:cut (?:it|the \w+|that)(?: short)? (?:down )?(?:to|at)|got cut (?:short )?(?:to|at)|ended (?:up )?(?:at|being)|ended up|came in at)"
    r"\s+(?:about\s+|only\s+|just\s+)?(\d+(?:[.,]\d+)?)\s*" + _UNIT
    + r"|\b(?:bail(?:ed)?|stopped|packed (?:it )?in)\b[^.]{0,40}\b(?:so|making it|for)\s+(?:about\s+)?(\d+(?:[.,]\d+)?)\s*" + _UNIT
    + r"\s*(?:total|in total|all in|altogether)?"
)
"""'i cut it to 30 minutes', 'had to bail on the last 20 minutes, so 70 min total': the amount done."""
_H_MM: Final = re.compile(r"\b(\d)\s?h\s?([0-5]\d)\b(?!\s*(?:k|km|mi|miles?)\b)")
"""Hours and minutes written "1h20" or "2 h 05"."""
_STOPPED_AT: Final = re.compile(
    r"\b(?:bail(?:ed)?|stop(?:ped)?|quit|call(?:ed)? it|pack(?:ed)? (?:it )?in|turn(?:ed)? (?:back|round|around)|gave up|"
    r"pulled the (?:plug|pin)|dnf'?d?)\b[^.]{0,40}?\b(?:at|after)\s+(?:about\s+|around\s+|roughly\s+)?(\d+(?:[.,]\d+)?)\s*" + _UNIT
)
_AT_THEN_STOPPED: Final = re.compile(
    r"\b(?:at|after)\s+(?:about\s+|around\s+|roughly\s+)?(\d+(?:[.,]\d+)?)\s*" + _UNIT
    + r"\b[^.]{0,40}\b(?:turned|stopped|called|bailed|quit|packed|gave up|walked|had to walk|headed|pulled)"
)
_ONLY_GOT: Final = re.compile(
    r"\bonly (?:got (?:in|to|through|as far as)|did|managed|made it(?: to)?)\s+(?:about\s+|around\s+)?(\d+(?:[.,]\d+)?)\s*" + _UNIT
)

Unit = Literal["km", "min"]


@dataclass(frozen=True)
class DoneAmount:
    """An amount done, to divide by the session's planned distance or time."""

    amount: float
    unit: Unit


def _unit(word: str | None) -> Unit | None:
    if word is None:
        return None
    if word.startswith(("k", "mi", "m")) and not word.startswith(("min", "mins")) and word != "m":
        return "km"
    if word.startswith(("min", "h")):
        return "min"
    return None


def _amount(value: str, word: str | None) -> tuple[float, Unit | None]:
    number = float(value.replace(",", "."))
    unit = _unit(word)
    if word and word.startswith("mi") and not word.startswith("min"):
        number *= 1.609344
    if word and word.startswith("h"):
        number *= 60
    return number, unit


def read_done(text: str) -> float | DoneAmount | None:
    """The share done (0–1), an amount done, or ``None`` when the words give neither."""
    t = _H_MM.sub(lambda m: f"{int(m.group(1)) * 60 + int(m.group(2))} min", text.lower())  # "1h20": 80 min
    for pattern, replacement in _THE_HOUR:  # "45 min of the hour": of 60 min; "an hour 40": 100 min
        if replacement == "__HOUR_AND__":
            t = pattern.sub(lambda m: f"{60 + int(m.group(1))} min", t)
        else:
            t = pattern.sub(replacement, t)
    of = _OF.search(t)
    if of:
        done, done_unit = _amount(of.group(1), of.group(2))
        planned_word = of.group(4) or of.group(2)
        if of.group(4) is None and (of.group(2) or "").startswith("h") and float(of.group(3).replace(",", ".")) >= 15:
            planned_word = "min"  # "an hour of the 90": the plan's 90 minutes
        planned, planned_unit = _amount(of.group(3), planned_word)
        if planned > 0 and done < planned and (done_unit is None or planned_unit is None or done_unit == planned_unit):
            return round(done / planned, 2)
    percent = _PERCENT.search(t)
    if percent and 0 < int(percent.group(1)) < 100:
        return int(percent.group(1)) / 100
    for pattern, share in _WORDS:
        if pattern.search(t):
            return round(share, 2)
    cut = _CUT_TO.search(t)
    if cut:
        amount, unit = _amount(cut.group(1) or cut.group(3), cut.group(2) or cut.group(4))
        if unit is not None:
            return DoneAmount(amount, unit)
    for pattern in (_INTO, _DID_THEN, _OF_SESSION, _STOPPED_AT, _AT_THEN_STOPPED, _ONLY_GOT):
        found = pattern.search(t)
        if found:
            amount, unit = _amount(found.group(1), found.group(2))
            if unit is not None:
                return DoneAmount(amount, unit)
    return None
