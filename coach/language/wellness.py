"""A morning report in the athlete's words → the check-in items they actually gave.

"Slept 6 hours, no energy", "resting pulse 8 beats higher than usual, HRV down", "best I've felt
in weeks": each phrase sets one item on the 1–5 scales of the check-in (Hooper & Mackinnon 1995
wellness items: sleep quality and energy 5 = best, soreness and stress 5 = worst; McLean et al. 2010's
mood item, 5 = best) or a pulse/HRV
value. Items nobody mentioned stay absent: nothing is invented. Negations ("no pain", "not
tired") read as the good end, not the bad one.
"""

from __future__ import annotations

import re
from typing import Any, Final

_NOT: Final = r"(?<!not )(?<!no )(?<!never )(?<!n't )"

ENERGY_WORDS: Final[tuple[tuple[int, re.Pattern[str]], ...]] = (
    (
        5,
        re.compile(
            r"\b(best i'?ve felt|feel(?:ing)? (?:amazing|fantastic|brilliant|awesome|incredible)|full of beans|(?<!keeps )(?<!kept )(?<!watch )(?<!phone )buzzing(?! (?:at|me|on|when|every))|on fire)\b"
        ),
    ),
    (
        4,
        re.compile(
            r"\b(feel(?:ing)? (?:good|great|fresh|strong)|fresh legs|legs (?:feel )?(?:good|fresh|great)|(?:good|lots of) energy|not tired|rested)\b"
        ),
    ),
    (
        1,
        re.compile(
            _NOT
            + r"\b(exhausted|wrecked|shattered|destroyed|knackered|drained|zombie|dead|cooked|fried|spent|"
            r"no energy|zero energy|running on empty|absolutely done|completely done|broken|wiped(?: out)?|"
            r"hanging|hungover|burnt out|burned out|recovering from (?:last night|the party|the night out))\b"
        ),
    ),
    (
        2,
        re.compile(
            _NOT
            + r"\b(tired|flat|sluggish|heavy legs|legs (?:are |feel |still |so |really |very )*heavy|lethargic|low energy|meh|(?:feel|feeling|felt) grim|"
            r"rough|drowsy|sleepy|fatigued|beat|worn out|run down|jet ?lagged|groggy|not great|a bit off|washed out|weak|food coma|"
            r"(?:a |bad |killer |pounding |splitting )?(?:migraine|headache)|legs (?:are |feel |still )*(?:toast|dead|trashed|smashed|cooked|shot)|dead legs|"
            r"(?:feel|feeling|felt)(?: a bit| pretty| really| so| quite)? (?:rubbish|crap|crappy|awful|terrible|lousy|ropey|ropy|poorly|unwell|off)|"
            r"(?:tummy|stomach|gut|belly)(?:'s| is| has| was)?(?: been)? (?:dodgy|upset|bad|off|funny|playing up)|"
            r"period (?:cramps|pains?)|under the weather)\b"
        ),
    ),
)
SORENESS_WORDS: Final[tuple[tuple[int, re.Pattern[str]], ...]] = (
    (
        1,
        re.compile(
            r"\b(no pain|pain[- ]free|no soreness|not sore|legs (?:are |feel )?fine|nothing sore|no niggles)\b"
        ),
    ),
    (5, re.compile(_NOT + r"\b(very sore|super sore|really sore|so sore|crippled|can barely walk|agony)\b")),
    (3, re.compile(r"\b(a (?:bit|little) (?:sore|stiff|achy)|slightly (?:sore|stiff)|bit of doms|stiff)\b")),
    (4, re.compile(_NOT + r"\b(sore|doms|achy|aching|tight legs|legs (?:are )?tight|cramps|cramping)\b")),
)
STRESS_WORDS: Final[tuple[tuple[int, re.Pattern[str]], ...]] = (
    (2, re.compile(r"\b(relaxed|chilled|calm|stress[- ]free|not stressed)\b")),
    (5, re.compile(_NOT + r"\b(super stressed|extremely stressed|stressed out|overwhelmed|panicking)\b")),
    (
        4,
        re.compile(
            _NOT
            + r"\b(stressed|stressful|stress|anxious|work (?:is|was|has been) (?:crazy|brutal|insane|mental|hectic|killing me)|deadline)\b"
        ),
    ),
)
SLEEP_QUALITY_WORDS: Final[tuple[tuple[int, re.Pattern[str]], ...]] = (
    (
        4,
        re.compile(
            r"\b(slept (?:really )?(?:well|great|brilliantly|like a (?:log|baby))|great sleep|good sleep|good night'?s sleep)\b"
        ),
    ),
    (
        1,
        re.compile(
            r"\b(didn'?t sleep|no sleep|barely slept|awful sleep|terrible sleep|slept terribly|sleepless|insomnia)\b"
        ),
    ),
    (
        2,
        re.compile(
            r"\b(slept (?:badly|poorly|rubbish|terrible)|bad sleep|poor sleep|rough night|bad night|broken sleep|"
            r"kept waking|woke up (?:a lot|loads|several times|three times|twice|\w+ times)|up (?:all night|with the baby))\b"
        ),
    ),
)

MOOD_WORDS: Final[tuple[tuple[int, re.Pattern[str]], ...]] = (
    (
        5,
        re.compile(
            r"\b(super motivated|so motivated|really motivated|buzzing to (?:train|go|ride|run)|can'?t wait to (?:train|ride|run))\b"
        ),
    ),
    (4, re.compile(_NOT + r"\b(motivated|keen|up for it|good mood|in a good place|mentally fresh)\b")),
    (
        1,
        re.compile(
            r"\b(motivation(?:'s| is)? (?:on the floor|gone|zero|non[- ]?existent|at zero|rock bottom|shot)|zero motivation|"
            r"no motivation|can'?t be bothered|couldn'?t care less|hate (?:running|riding|cycling|training)|"
            r"miserable|depressed|really down|so down|feeling low|mentally (?:done|fried|cooked|shot))\b"
        ),
    ),
    (
        2,
        re.compile(
            r"\b(unmotivated|low motivation|lacking motivation|motivation(?:'s| is)? (?:low|lacking|down|poor|not there)|"
            r"not motivated|not feeling it|not feeling (?:the )?(?:love|vibe)|bit down|a bit low|fed up|grumpy|"
            r"in a funk|mentally tired|struggling to get out)\b"
        ),
    ),
)

_RHR_WORD: Final = (
    r"(?:resting (?:hr|heart ?rate|pulse)|morning (?:hr|heart ?rate|pulse)|rhr|pulse|heart ?rate|hr)"
)
_RHR_DELTA: Final = re.compile(
    _RHR_WORD + r"[^.;,\d]{0,25}?(?:is |was |about |around |like )?(?:up |\+)?(\d{1,2})\s*(?:bpm|beats?)?\s*"
    r"(higher|up|above|more|over|elevated|lower|down|below|under)\b"
    r"|" + _RHR_WORD + r"[^.;,\d]{0,15}(?:up|\+)\s*(?:about |around |by |like |maybe |roughly )?(\d{1,2})\b"
)
_RHR_ABSOLUTE: Final = re.compile(
    r"\b(?:resting (?:hr|heart ?rate|pulse)|rhr|morning (?:hr|pulse))\D{0,12}(\d{2,3})\s*(?:bpm)?\b"
)
_HRV_DOWN: Final = re.compile(
    r"\bhrv\b[^.;,]{0,20}\b(down|low|lower|dropped|tanked|crashed|in the toilet|red|suppressed)\b"
)
_HRV_OK: Final = re.compile(r"\bhrv\b[^.;,]{0,20}\b(normal|fine|good|up|green|high|back up|ok)\b")
_HRV_ABSOLUTE: Final = re.compile(r"\bhrv\D{0,10}(\d{2,3})\s*(?:ms)?\b")


_SCALE_TAIL = (
    r"(?:\s+(?:is|was|at|like|about|around|maybe|probably|honestly|only|barely|a|an|solid|generous))*"
    r"\W{0,3}(\d{1,2}(?:\.\d)?)\s*(?:/|out of|of)\s*(5|10)\b"
)
_SCALES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("energy", re.compile(r"\benergy(?: levels?)?" + _SCALE_TAIL)),
    ("mood", re.compile(r"\b(?:mood|motivation)" + _SCALE_TAIL)),
    ("soreness", re.compile(r"\b(?:soreness|sore|doms)" + _SCALE_TAIL)),
    ("stress", re.compile(r"\bstress(?: levels?)?" + _SCALE_TAIL)),
    ("sleep_quality", re.compile(r"\bsleep(?: quality)?" + _SCALE_TAIL)),
)
"""A score said as a number out of 5 or 10 (the check-in's scales are 1-5, best energy and sleep = 5,
worst soreness and stress = 5; a score out of 10 is halved)."""


def _first(text: str, table: tuple[tuple[int, re.Pattern[str]], ...]) -> int | None:
    for value, pattern in table:
        if pattern.search(text):
            return value
    return None


def read_wellness(text: str, sleep_hours: float | None = None) -> dict[str, Any]:
    """The check-in items a message gives, keyed as the check-in tool's input (only those said)."""
    t = text.lower().replace("’", "'")
    values: dict[str, Any] = {}
    if sleep_hours is not None:
        values["sleep_hours"] = sleep_hours
    for key, table in (
        ("sleep_quality", SLEEP_QUALITY_WORDS),
        ("energy", ENERGY_WORDS),
        ("soreness", SORENESS_WORDS),
        ("stress", STRESS_WORDS),
        ("mood", MOOD_WORDS),
    ):
        value = _first(t, table)
        if value is not None:
            values[key] = value
    for (
        key,
        pattern,
    ) in _SCALES:  # "energy 3/10", "stress 4 out of 5": the number said, on the check-in's 1-5 scale
        found = pattern.search(t)
        if found is not None:
            said, top = float(found.group(1)), float(found.group(2) or 5)
            if 0 <= said <= top and top in (5, 10):
                values[key] = min(5, max(1, round(said / 2) if top == 10 else round(said)))
    delta = _RHR_DELTA.search(t)
    if delta:
        amount = int(delta.group(1) or delta.group(3))
        direction = delta.group(2) or "up"
        values["resting_hr_above_usual_bpm"] = (
            -amount if direction in ("lower", "down", "below", "under") else amount
        )
    else:
        absolute = _RHR_ABSOLUTE.search(t)
        if absolute and 25 <= int(absolute.group(1)) <= 120:
            values["resting_hr_bpm"] = int(absolute.group(1))
    if _HRV_DOWN.search(t):
        values["hrv_below_usual"] = True
    elif _HRV_OK.search(t):
        values["hrv_below_usual"] = False
    else:
        hrv = _HRV_ABSOLUTE.search(t)
        if hrv and 5 <= int(hrv.group(1)) <= 300:
            values["hrv_ms"] = int(hrv.group(1))
    return values
