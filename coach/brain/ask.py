"""One specific question instead of a guess: the pending "ask" of a chat (issue 10).

When a message lacks what an action needs ("move Thursday's run to the weekend": Saturday or
Sunday?), the brain asks one question with a button per answer it can act on. The question
and its answers are stored with the athlete (``Athlete.dialog``, flow ``"ask"``), so a tap or a
typed answer an hour later, or after a restart, completes the action; a pending question
expires after ``ASK_TTL`` and a message that answers none of the choices is read as a new
message. Every choice is a tool call the engine still checks: asking never skips a limit.

Typed answers are matched to choices by what people write back: the button's words ("Sat 12
Dec", "saturday"), an ordinal ("the first", "2"), a date or weekday the choice is about, or a
refusal ("neither", "never mind"). An ask may also name the intent a free-text answer
completes (``intent``): "Which dates?" → "12 to 15 Jan" is read as unavailability.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Final, Literal

ASK_TTL: Final = dt.timedelta(hours=6)
"""How long a question waits for its answer. Long enough for "ask at breakfast, answer at
lunch"; short enough that "Saturday" next week is not read as the answer to an old question."""

CANCEL: Final = "cancel"
CALLBACK_PREFIX: Final = "ask:"
CANCEL_DATA: Final = CALLBACK_PREFIX + "x"

_CANCEL_WORDS: Final = re.compile(
    r"^\s*(no|nope|nah|neither|none|never ?mind|nevermind|cancel|forget it|leave it|leave it as it is|don'?t|"
    r"no thanks|no thank you|not now|skip it|nothing)\b", re.I,
)
_ORDINALS: Final = (
    (re.compile(r"^\s*(?:the\s+)?(?:1|1st|first|one|former|top)\b(?:\s+one)?", re.I), 0),
    (re.compile(r"^\s*(?:the\s+)?(?:2|2nd|second|two)\b(?:\s+one)?", re.I), 1),
    (re.compile(r"^\s*(?:the\s+)?(?:3|3rd|third|three)\b(?:\s+one)?", re.I), 2),
    (re.compile(r"^\s*(?:the\s+)?(?:4|4th|fourth|four)\b(?:\s+one)?", re.I), 3),
)
_LAST: Final = re.compile(r"^\s*(?:the\s+)?(?:last|latter|bottom)\b", re.I)


@dataclass(frozen=True)
class Choice:
    """One answer the coach can act on: a button, and the tool call it makes.

    ``tool`` is a tool name (the engine checks the call as any other), ``""`` for "nothing to
    change", or ``step:<name>`` for a follow-up question the brain asks next. ``dates`` and
    ``words`` are what a typed answer may name to pick this choice.
    """

    label: str
    tool: str
    input: dict[str, Any] = field(default_factory=dict)
    dates: tuple[str, ...] = ()
    words: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"label": self.label, "tool": self.tool, "input": self.input, "dates": list(self.dates), "words": list(self.words)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Choice:
        return cls(
            label=str(data["label"]), tool=str(data.get("tool", "")), input=dict(data.get("input") or {}),
            dates=tuple(str(d) for d in data.get("dates") or ()), words=tuple(str(w) for w in data.get("words") or ()),
        )


@dataclass(frozen=True)
class Ask:
    """A question, its choices, and the message it is about."""

    question: str
    choices: tuple[Choice, ...] = ()
    about: str = ""
    intent: str | None = None
    """The intent a typed answer that names no choice completes ("Which dates?" → unavailable)."""

    def to_json(self) -> dict[str, Any]:
        return {"question": self.question, "choices": [c.to_json() for c in self.choices], "about": self.about, "intent": self.intent}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Ask:
        return cls(
            question=str(data.get("question", "")), choices=tuple(Choice.from_json(c) for c in data.get("choices") or ()),
            about=str(data.get("about", "")), intent=data.get("intent"),
        )


Answer = Choice | Literal["cancel"] | None


def match_answer(ask: Ask, text: str, *, dates: list[dt.date], weekdays: list[str]) -> Answer:
    """The choice a typed answer picks, ``"cancel"`` for a refusal, or None when it picks none.

    ``dates`` and ``weekdays`` are what the language layer read in ``text`` (resolved against
    the athlete's today, forward). A date or weekday picks a choice only when exactly one
    choice is about it; an ordinal picks by position.
    """
    stripped = text.strip().lower().rstrip(".!?")
    if not stripped:
        return None
    for choice in ask.choices:
        if stripped == choice.label.lower():
            return choice
    if _CANCEL_WORDS.search(stripped) and len(stripped.split()) <= 6:
        return CANCEL
    if ask.choices:
        for pattern, index in _ORDINALS:
            if pattern.search(stripped) and index < len(ask.choices) and len(stripped.split()) <= 4:
                return ask.choices[index]
        if _LAST.search(stripped) and len(stripped.split()) <= 4:
            return ask.choices[-1]
    named = {d.isoformat() for d in dates}
    if named:
        hits = [c for c in ask.choices if named & set(c.dates)]
        if len(hits) == 1:
            return hits[0]
    if weekdays:
        hits = [c for c in ask.choices if set(weekdays) & {w for w in c.words}]
        if len(hits) == 1:
            return hits[0]
    words = set(re.findall(r"[a-z']+", stripped))
    hits = [c for c in ask.choices if words & {w for w in c.words if not _is_weekday(w)}]
    if len(hits) == 1:
        return hits[0]
    return None


def _is_weekday(word: str) -> bool:
    return word in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def day_label(day: dt.date) -> str:
    """'Sat 12 Dec': what a button says for a day."""
    return f"{day:%a} {day.day} {day:%b}"


def day_words(day: dt.date, today: dt.date) -> tuple[str, ...]:
    """Words a typed answer may use for ``day``: its weekday, and today/tomorrow where they apply."""
    words = [("mon", "tue", "wed", "thu", "fri", "sat", "sun")[day.weekday()]]
    if day == today:
        words += ["today", "tonight"]
    elif day == today + dt.timedelta(days=1):
        words.append("tomorrow")
    return tuple(words)


def expires_at(now: dt.datetime) -> str:
    return (now + ASK_TTL).isoformat()


def expired(data: dict[str, Any], now: dt.datetime) -> bool:
    raw = data.get("expires_at")
    if not raw:
        return True
    try:
        until = dt.datetime.fromisoformat(str(raw))
    except ValueError:
        return True
    if until.tzinfo is None and now.tzinfo is not None:
        until = until.replace(tzinfo=now.tzinfo)
    return now >= until


__all__ = [
    "ASK_TTL", "CALLBACK_PREFIX", "CANCEL", "CANCEL_DATA", "Answer", "Ask", "Choice", "day_label", "day_words",
    "expired", "expires_at", "match_answer",
]  # fmt: skip
