"""Illness in the athlete's words → the symptoms they named, and whether any is below the neck.

The vocabulary and its neck-check sorting live in ``coach/rules/symptoms.yaml`` (Eichner 1993;
Nieman 1994). Only what was said is returned: "stinking cold, head's all blocked up" gives
``head cold`` and ``blocked nose`` (above the neck); "flu - fever, aching all over" gives
``flu``, ``fever`` and ``aching`` (below). Nothing is inferred beyond the words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

import yaml

from coach.engine.metrics.strength import RULES_DIR

SYMPTOMS_PATH: Final = RULES_DIR / "symptoms.yaml"
_ILL_IS_I_WILL: Final = re.compile(
    r"\bill (?=(?:go|do|be|run|ride|try|have|need|let|see|take|skip|get|make|just|probably|swim|train|move|aim|stick|keep|call|send|check|push|head)\b)"
)
"""A dropped apostrophe: "ill go indoors if wet" is "I'll go"."""


@dataclass(frozen=True, slots=True)
class Symptoms:
    """What the message said: symptom names (as in the rules file), and where they sit."""

    names: tuple[str, ...]
    below_neck: bool
    unspecified: bool

    @property
    def ill(self) -> bool:
        return bool(self.names) or self.unspecified


@dataclass(frozen=True, slots=True)
class _Vocabulary:
    above: tuple[tuple[str, re.Pattern[str]], ...]
    below: tuple[tuple[str, re.Pattern[str]], ...]
    unspecified: re.Pattern[str]
    not_illness: re.Pattern[str]


def _pattern(phrases: list[str]) -> re.Pattern[str]:
    ordered = sorted({p.lower() for p in phrases}, key=len, reverse=True)
    return re.compile(r"(?<![\w'])(?:" + "|".join(re.escape(p) for p in ordered) + r")(?![\w])")


@lru_cache(maxsize=1)
def _vocabulary() -> _Vocabulary:
    data = yaml.safe_load(SYMPTOMS_PATH.read_text(encoding="utf-8"))
    return _Vocabulary(
        above=tuple((name, _pattern(words)) for name, words in data["above_neck"].items()),
        below=tuple((name, _pattern(words)) for name, words in data["below_neck"].items()),
        unspecified=_pattern(data["unspecified"]),
        not_illness=_pattern(data["not_illness"]),
    )


def read_symptoms(text: str) -> Symptoms:
    """The symptoms named in ``text`` (any case; negated ones such as "no fever" are left out)."""
    words = _vocabulary()
    t = re.sub(r"\s+", " ", text.lower().replace("\u2019", "'"))
    t = _ILL_IS_I_WILL.sub("i'll ", t)  # "ill go indoors if wet": I'll, not ill
    t = words.not_illness.sub(" ", t)
    t = re.sub(
        r"\b(?:no|not|without|nothing (?:on|in) (?:the|my)|never had a|no sign of a?)\s+(?:a |any )?(\w+(?: \w+)?)",
        " ",
        t,
    )
    names: list[str] = []
    below = False
    for group, is_below in ((words.above, False), (words.below, True)):
        for name, pattern in group:
            if pattern.search(t):
                names.append(name)
                below = below or is_below
    unspecified = not names and words.unspecified.search(t) is not None
    return Symptoms(names=tuple(names), below_neck=below or unspecified, unspecified=unspecified)
