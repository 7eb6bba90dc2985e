"""The offline brain: the same tools as Claude, chosen by intent and slots, in plainer words.

With no API key the coach still understands everyday messages: the intent classifier
(nearest labelled exemplars with the same embedder as memory, plus high-precision rules) and
the slot parser (dates, durations, distances, body parts...) pick the tool calls; the reply is
a template from ``prompts/offline_v1.yaml`` filled with the tools' own outputs. It never
computes a number itself, so every number it states came back from a tool.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

import yaml

from coach.brain.intents import IntentClassifier, IntentResult
from coach.brain.slots import Slots, normalise_text, parse_slots
from coach.brain.tools import Tool, ToolCall, execute_tool
from coach.language.fractions import DoneAmount, read_done
from coach.language.wellness import read_wellness
from coach.package_data import PROMPTS_DIR

DEFAULT_TEMPLATES = "offline_v1.yaml"

FollowUp = Literal["checkin", "memory", "new_plan"]

# Words that name a session type, for "move the long run to Saturday".
SESSION_WORDS: tuple[tuple[str, str], ...] = (
    (r"\blong\b", "long"),
    (r"\btempo\b", "tempo"),
    (r"\bthreshold\b", "threshold"),
    (r"\binterval", "intervals"),
    (r"\b(repeats|reps|track)\b", "intervals"),
    (r"\beasy\b", "easy"),
    (r"\brecovery\b", "recovery"),
    (r"\b(gym|strength|lift)", "strength"),
    (r"\bswim", "technique"),
)
LOWER_BODY = {
    "knee",
    "ankle",
    "achilles",
    "calf",
    "shin",
    "foot",
    "hamstring",
    "quad",
    "hip",
    "glute",
    "it_band",
    "plantar",
}
"""Pain here means running impact hurts: avoid intervals, downhill and impact until cleared."""
SEVERE_FATIGUE = re.compile(
    r"\b(dead|exhausted|wrecked|destroyed|shattered|knackered|cooked|fried|no energy)\b", re.I
)
MILD_FATIGUE = re.compile(r"\b(a bit|bit|slightly|little|kinda|somewhat)\b", re.I)
NEXT_WEEK = re.compile(r"\bnext week\b", re.I)
SEVERE_SLEEP_H = 5.0
"""Under five hours' sleep counts as severe fatigue (seed 000's "slept four hours" example)."""


@dataclass
class OfflineReply:
    text: str
    tool_calls: list[ToolCall] = field(default_factory=list)
    intent: str = "unknown"
    confidence: float = 0.0
    follow_up: FollowUp | None = None


@cache
def load_templates(name: str = DEFAULT_TEMPLATES) -> dict[str, str]:
    data = yaml.safe_load((PROMPTS_DIR / name).read_text(encoding="utf-8"))
    return {str(k): str(v) for k, v in data.items() if k != "version"}


class OfflineBrain:
    """Intent + slots → tool calls → a template reply. Deterministic for a given classifier."""

    def __init__(
        self, classifier: Callable[[], IntentClassifier], templates: Mapping[str, str] | None = None
    ) -> None:
        self._classifier_factory = classifier
        self._classifier: IntentClassifier | None = None
        self.templates = dict(templates or load_templates())

    def classifier(self) -> IntentClassifier:
        if self._classifier is None:
            self._classifier = self._classifier_factory()
        return self._classifier

    async def classify(self, message: str, today: dt.date) -> IntentResult:
        classifier = self.classifier()
        return await asyncio.to_thread(classifier.classify, message, today=today)

    async def reply(self, *, message: str, today: dt.date, tools: Sequence[Tool[Any, Any]]) -> OfflineReply:
        result = await self.classify(message, today)
        slots = result.slots or Slots()
        by_name = {t.name: t for t in tools}
        turn = _Turn(self, by_name, message, today, slots)
        intent = _request_of(message, slots, result.intent) or result.intent
        if intent in _AHEAD and slots.past_tense:
            # "i cant run thursday, got a hospital appt": a request about the days ahead, whatever the verbs
            slots = parse_slots(message, today, past=False)
            turn.slots = slots
            intent = _request_of(message, slots, result.intent) or intent
        turn.wellness = read_wellness(message, slots.sleep_hours or _hours_of_sleep(message, slots))
        if turn.wellness and intent in _WELLNESS_FIRST and not _EASE.search(message):
            intent = "wellness"
        handler = getattr(turn, f"on_{intent}", turn.on_unknown)
        first: list[str] = []
        if intent in ("injury", "illness"):
            first = await turn.also(intent, reports_only=True)  # what happened is recorded before the plan changes
        text, follow_up = await handler()
        text = "\n".join([*first, text]) if first else text
        if intent in _REPORTS:
            more = await turn.also(intent)
            text = "\n".join([text, *more]) if more else text
        if turn.wellness and intent not in ("wellness", "checkin") and _reports_state(turn.wellness):
            # "skipped Monday, slept 4 hours": the report is stored too, today left to the main request.
            extra = await turn.checkin_only()
            text = f"{text}\n{extra}" if extra else text
        return OfflineReply(
            text=text,
            tool_calls=turn.calls,
            intent=result.intent,
            confidence=result.confidence,
            follow_up=follow_up,
        )


_WELLNESS_FIRST = frozenset({"checkin", "fatigue", "today", "tomorrow", "unknown", "greeting", "thanks", "explain", "week"})
_EASE = re.compile(
    r"\b(shorter|shorten|easier|lighter|dial (?:it |that )?back|tone (?:it |that )?down|cut (?:it |that )?short|"
    r"take it easy|go easy|back off|ease off|ease (?:it|up)|reduce|less)\b", re.I,
)


_GOT_HOURS = re.compile(r"\b(?:got|had|managed|grabbed)\s+(?:maybe\s+|about\s+|only\s+|like\s+|barely\s+)*(\d+(?:[.,]5)?)\s*(?:h|hrs?|hours?)\b", re.I)


def _hours_of_sleep(message: str, slots: Slots) -> float | None:
    """'The baby was up three times and I got maybe 5 hours': hours got in a tired, sport-less
    report are hours of sleep."""
    found = _GOT_HOURS.search(message)
    if found is None or slots.sports or not (SEVERE_FATIGUE.search(message) or re.search(r"\b(tired|night|baby|woke|up)\b", message, re.I)):
        return None
    hours = float(found.group(1).replace(",", "."))
    return hours if 0 < hours <= 12 else None


def _reports_state(values: dict[str, Any]) -> bool:
    """Sleep, pulse, HRV or energy: a state worth a check-in even inside another request."""
    return any(k in values for k in ("sleep_hours", "energy", "resting_hr_above_usual_bpm", "resting_hr_bpm", "hrv_below_usual", "hrv_ms"))


_AHEAD = frozenset({"unavailable", "move_session", "cap", "skip", "swap", "ease", "change_days", "days_out"})
_REPORTS = frozenset({"missed", "partial", "injury", "illness", "log_workout", "fatigue", "wellness", "skip", "ease", "unavailable"})
_PARTIAL_CUES = re.compile(
    r"\b(into (?:the|my|today'?s)|of the|of today'?s|of my|turned (?:round|around|back)|cut (?:it )?short|called it|"
    r"packed in|bailed|stopped|had to (?:stop|walk)|limped|got a lift|half (?:the|of)|third|quarter|2/3|3/4|1/3|"
    r"most of it|said no)\b"
)
_MISSED_CUES = re.compile(
    r"\b(skipped|missed|didn'?t (?:do|run|ride|swim|train|go|make it)|did not (?:do|run|ride)|no (?:long )?(?:run|ride) today|"
    r"haven'?t (?:run|ridden|trained))\b"
)
_PAIN = re.compile(
    r"\b(hurt|hurts|hurting|sore|pain|painful|aching|ache|aches|twinge|twinged|flared|tight|killing me|playing up|niggle|"
    r"swollen|tweaked|pulled|strained|throbbing|said no|packed in|gone)\b"
)
_NO_PAIN = re.compile(r"\b(no pain|pain[- ]free|doesn'?t hurt|didn'?t hurt|not sore|no issues|feels? (?:fine|good|great)|all good)\b")


_NUMBERS_Q = re.compile(
    r"\b(ftp|threshold|max(?:imum)? (?:hr|heart rate)|resting (?:hr|heart rate)|css|target time|goal time|"
    r"when(?:'s| is| was)? (?:my|the) (?:race|event|sportive|marathon|half|gran fondo|fondo|triathlon|tri|brevet|goal)|"
    r"how (?:many|long) (?:days|weeks) (?:until|till|to) (?:my|the) (?:race|event|sportive|marathon|half))\b", re.I,
)
_QUESTION_START = re.compile(r"^\s*(how|what|what's|whats|when|which|why|is|are|does|do|will)\b", re.I)
_PAIN_NOT_NEGATED = re.compile(r"(?<!no )(?<!not )\b(hurts|hurting|painful|aching|swollen|sharp pain|killing me)\b", re.I)


_SWAP = re.compile(r"\b(swap|switch|swop|trade|flip)\b", re.I)
_SKIP = re.compile(r"\b(skip|drop|ditch|bin|cancel|scrap|miss out)\b", re.I)
_CAP_WORDS = re.compile(
    r"\b(tops|max|maximum|at most|only|most i can|that'?s it|that is it|i (?:have|'ve got|got|can do|can spare)|"
    r"i'?ve got|got|time crunch|squeeze|between meetings|no more than|limited to|short on time|all i have)\b", re.I,
)
_TODAY_WORDS = re.compile(r"\b(today'?s?|tonight'?s?|this (?:morning|evening|afternoon)'?s?)\b", re.I)
_CAP_STRONG = re.compile(
    r"\b(tops|max|maximum|at most|most i can|that'?s it|that is it|no more than|all i have|between meetings|time crunch|"
    r"short on time|only (?:have|got|get)|i only)\b", re.I,
)
_MOVE = re.compile(
    r"\b(instead of|instead|move|moved|push|shift|go to|happen on|do it on|switch to|bump)\b|→|->", re.I,
)
_NOTE_OVER = frozenset({"unknown", "greeting", "thanks", "paces", "settings", "change_days", "checkin", "fatigue", "log_workout",
                        "today", "week", "explain", "remember_note"})
_SESSION_REF = re.compile(r"\b(run|ride|swim|session|workout|long one|training|it)\b|'s\b", re.I)
_CORRECTION = re.compile(r"\b(actually|make that|make it|rather|no wait|scratch that)\b", re.I)
_NEVER = r"(out|off|no good|impossible|can'?t|cannot|no longer|never|no more|won'?t work|not able|unable|off limits|family day)"
_FOR_GOOD = r"(from now on|anymore|any more|for good|going forward|permanently|every week|ever again|again|starting now|now on)"
_DAYS_OUT = re.compile(
    r"\b" + _NEVER + r"\b[^.?!]*\b" + _FOR_GOOD + r"\b|\b" + _FOR_GOOD + r"\b[^.?!]*\b" + _NEVER + r"\b"
    r"|\b" + _NEVER + r"\b[^.?!]{0,30}\b(?:mon|tues|wednes|thurs|fri|satur|sun)days\b"
    r"|\b(?:mon|tues|wednes|thurs|fri|satur|sun)days\b[^.?!]{0,30}\b(?:are|is)\s+(?:out|off|family day|no good)\b", re.I,
)
_NOTE_CUES = re.compile(
    r"\b(i'?ve got (?:a|an|new|some)|i have (?:a|an|new|some)|i own|bought|new (?:shoes|bike|watch|trainer)|"
    r"i prefer|i'?d rather|i like to|i hate|i don'?t like|i love|i only (?:ride|run|swim|train) (?:indoors|outdoors|in the)|"
    r"my watch|fyi|just so you know|for the record|power meter|heart rate strap|chest strap|treadmill|dumbbells|"
    r"foam roller|smart trainer|kickr|garmin|pool (?:is|near)|\d+\s*m pool)\b", re.I,
)
_QUESTION = re.compile(r"^\s*(how|what|what's|whats|when|which|why|is|are|does|do|will)\b[^?]*\?\s*$", re.I)
_MUTATING = frozenset({"move_session", "change_days", "unavailable", "missed", "partial", "fatigue", "illness"})


def _request_of(message: str, slots: Slots, intent: str) -> str | None:
    """Requests the classifier has no intent for, and questions that must not change anything.

    A question ("How long is Saturday's run?") is answered, never acted on; "swap", "skip",
    "only 25 minutes on Friday" and "Mondays are out from now on" are requests with one tool each.
    """
    if _NUMBERS_Q.search(message) and ("?" in message or _QUESTION_START.search(message)):
        return "numbers"
    if _QUESTION.search(message) and not re.search(r"\b(can|could|may) i\b", message, re.I):
        return "question" if intent in _MUTATING else None
    if intent in ("injury", "illness") and _NO_PAIN.search(message) and not _PAIN_NOT_NEGATED.search(message):
        return "no_pain"
    if _SWAP.search(message) and (len(slots.dates) >= 2 or len(slots.weekdays) >= 2):
        return "swap"
    if (
        _MOVE.search(message) and len(set(slots.dates)) >= 2 and _SESSION_REF.search(message)
        and intent not in ("missed", "partial", "log_workout")
    ):
        return "move_session"
    spare = [d for d in slots.durations_s if slots.sleep_hours is None or abs(d - slots.sleep_hours * 3600) > 60]
    strong = _CAP_STRONG.search(message) is not None
    if (
        spare and (strong or (_CAP_WORDS.search(message) and not _EASE.search(message))) and not slots.past_tense
        and not slots.distances_m and intent not in ("log_workout", "missed", "partial", "illness", "injury")
    ):
        return "cap"
    if _DAYS_OUT.search(message) and slots.weekdays and intent not in ("missed", "partial", "log_workout"):
        return "days_out"
    if _NOTE_CUES.search(message) and intent in _NOTE_OVER and not slots.past_tense:
        return "remember_note"
    if _SKIP.search(message) and not slots.past_tense and intent not in ("missed", "partial", "log_workout"):
        return "skip"
    if _EASE.search(message) and intent not in ("log_workout", "missed", "partial", "injury", "illness"):
        return "ease"
    return None


class _Turn:
    """One message: the intent handlers, each calling tools and filling a template."""

    def __init__(
        self,
        brain: OfflineBrain,
        tools: Mapping[str, Tool[Any, Any]],
        message: str,
        today: dt.date,
        slots: Slots,
    ) -> None:
        self.t = brain.templates
        self.tools = tools
        self.message = message
        self.today = today
        self.slots = slots
        self.calls: list[ToolCall] = []
        self.wellness: dict[str, Any] = {}

    async def call(self, name: str, data: dict[str, Any]) -> ToolCall:
        call = await execute_tool(self.tools, name, data)
        self.calls.append(call)
        return call

    async def text_of(self, name: str, data: dict[str, Any]) -> str:
        call = await self.call(name, data)
        if call.is_error or call.output is None:
            return f"I couldn't do that: {call.error}"
        return str(call.output.get("text", ""))

    async def adapt(self, name: str, data: dict[str, Any], extra: str = "") -> str:
        call = await self.call(name, data)
        text = self.adapted_text(call)
        applied = not call.is_error and call.output is not None and call.output["accepted"]
        return "\n".join([text, extra]) if extra and applied else text

    def day(self) -> dt.date:
        return self.slots.date or self.today

    Result = tuple[str, FollowUp | None]

    # ------------------------------------------------------------------ simple ones

    async def on_greeting(self) -> Result:
        return self.t["greeting"], None

    async def on_thanks(self) -> Result:
        return self.t["thanks"], None

    async def on_help(self) -> Result:
        return self.t["help"], None

    async def on_unknown(self) -> Result:
        return self.t["unknown"].format(help=self.t["help"]), None

    async def on_delete_data(self) -> Result:
        return self.t["delete_data"], None

    async def on_settings(self) -> Result:
        return self.t["settings"], None

    # ------------------------------------------------------------------ reading

    async def on_today(self) -> Result:
        return await self.text_of("today", {"date": self.day().isoformat()}), None

    async def on_tomorrow(self) -> Result:
        return await self.text_of("today", {"date": (self.today + dt.timedelta(days=1)).isoformat()}), None

    async def on_week(self) -> Result:
        which = "next" if NEXT_WEEK.search(self.message) else "this"
        return await self.text_of("week", {"which": which}), None

    async def on_plan_overview(self) -> Result:
        return await self.text_of("plan_summary", {}), None

    async def on_explain(self) -> Result:
        call = await self.call("explain_session", {"date": self.day().isoformat()})
        if call.is_error or call.output is None:
            return f"I couldn't look that up: {call.error}", None
        out = call.output
        lines = [] if out["session"] is None else [out["session"]["text"]]
        lines += out["reasons"]
        lines += [f"Why this week: {note}" for note in out["week_notes"][:3]]
        return "\n".join(lines), None

    async def on_metrics(self) -> Result:
        return await self.text_of("metrics", {}), None

    async def on_paces(self) -> Result:
        if self.slots.distance_m and self.slots.duration_s:
            total = self.slots.duration_s
            clock = f"{total // 3600}:{total % 3600 // 60:02d}:{total % 60:02d}"
            return await self.text_of(
                "paces", {"distance": f"{self.slots.distance_m / 1000:g}km", "time": clock}
            ), None
        call = await self.call("paces", {})
        if call.is_error or call.output is None:
            return self.t["need_paces"], None
        return str(call.output["text"]), None

    async def on_new_plan(self) -> Result:
        return self.t["new_plan"], "new_plan"

    async def on_recall_notes(self) -> Result:
        return "", "memory"

    async def on_checkin(self) -> Result:
        scales = self.slots.scales
        if self.slots.sleep_hours is not None and all(
            k in scales for k in ("sleep", "energy", "soreness", "stress")
        ):
            data = {
                "sleep_hours": self.slots.sleep_hours,
                "sleep_quality": scales["sleep"],
                "energy": scales["energy"],
                "soreness": scales["soreness"],
                "stress": scales["stress"],
            }
            return await self.text_of("log_checkin", data), None
        return self.t["checkin_prompt"], "checkin"

    # ------------------------------------------------------------------ changing

    async def on_fatigue(self) -> Result:
        severity = 2
        if SEVERE_FATIGUE.search(self.message) or (
            self.slots.sleep_hours is not None and self.slots.sleep_hours < SEVERE_SLEEP_H
        ):
            severity = 3
        elif MILD_FATIGUE.search(self.message):
            severity = 1
        return await self.adapt("report_fatigue", {"severity": severity}), None

    def missed_days(self) -> list[dt.date]:
        """Every past day named ("Saturday or Sunday", "Tuesday and Thursday"), else today."""
        days = sorted({d for d in self.slots.dates if d <= self.today})
        span = self.slots.date_range
        if not days and span is not None and span.start <= self.today:
            days = [span.start + dt.timedelta(days=n) for n in range((min(span.end, self.today) - span.start).days + 1)]
        return days or [self.slots.date if self.slots.date and self.slots.date <= self.today else self.today]

    async def on_missed(self) -> Result:
        texts: list[str] = []
        days = self.missed_days()
        for day in days:
            call = await self.call("report_missed", {"date": day.isoformat()})
            if call.is_error and len(days) > 1:
                continue  # a day of the span with nothing planned: the others still count
            texts.append(self.adapted_text(call))
        return "\n".join(texts) or self.t["need_dates"], None

    async def on_partial(self) -> Result:
        day = self.slots.date if self.slots.date and self.slots.date <= self.today else self.today
        done = read_done(normalise_text(self.message))
        fraction: float | None = done if isinstance(done, float) else None
        if isinstance(done, DoneAmount):
            planned = await self.call("today", {"date": day.isoformat()})
            sessions = [] if planned.output is None else [x for x in planned.output["sessions"] if x["type"] != "commitment"]
            if sessions:
                total = sum((x["distance_km"] or 0) if done.unit == "km" else x["duration_min"] for x in sessions)
                fraction = round(min(done.amount / total, 1.0), 2) if total else None
        if fraction is None:
            durations = self.slots.durations_s
            fraction = round(min(durations) / max(durations), 2) if len(durations) >= 2 and max(durations) > 0 else 0.5
        return await self.adapt("report_partial", {"date": day.isoformat(), "fraction": fraction}), None

    async def also(self, primary: str, *, reports_only: bool = False) -> list[str]:
        """A message often carries more than one report ("skipped Monday, my hip was sore",
        "IT band flared 5k into the long run"): after the main one, the others it plainly states."""
        done = {c.name for c in self.calls}
        text = self.message.lower()
        extra: list[str] = []
        if (
            primary != "partial" and "report_partial" not in done and "report_missed" not in done and "log_activity" not in done
            and _PARTIAL_CUES.search(text) and read_done(normalise_text(self.message)) is not None
        ):
            extra.append((await self.on_partial())[0])
        elif primary not in ("missed", "partial") and "report_missed" not in done and _MISSED_CUES.search(text):
            extra.append((await self.on_missed())[0])
        if (
            not reports_only and primary != "injury" and "report_injury" not in done and self.slots.body_parts and _PAIN.search(text)
            and not _NO_PAIN.search(text)
        ):
            extra.append((await self.on_injury())[0])
        return extra

    def adapted_text(self, call: ToolCall) -> str:
        if call.is_error or call.output is None:
            return f"I couldn't do that: {call.error}"
        out = call.output
        if not out["accepted"]:
            return self.t["refused"].format(reason=out["refused_reason"])
        lines = [
            f"• {c['date']}: " + (f"{c['before']} → {c['after']}" if c["before"] and c["after"] else f"{c['before']} → rest" if c["before"] else f"new: {c['after']}")
            + f" ({c['reason']})"
            for c in out["changes"]
        ]
        return "\n".join([self.t["adapted" if lines else "adapted_nothing"].format(summary=out["summary"]), *lines])

    async def on_log_workout(self) -> Result:
        return await self.text_of("log_activity", {"text": self.message[:500]}), None

    async def on_illness(self) -> Result:
        data: dict[str, Any] = {"start": (self.slots.date or self.today).isoformat()}
        if self.slots.day_count:
            data["days"] = min(max(self.slots.day_count, 1), 28)
        return await self.adapt("report_illness", data), None

    async def on_injury(self) -> Result:
        note = await self.text_of("remember_note", {"text": self.message[:1000]})
        parts = self.slots.body_parts
        if not parts:
            return note + "\n" + self.t["injury_extra"], None
        part = parts[0]
        avoid = ["intervals", "downhill", "impact"] if part.part in LOWER_BODY else ["intervals"]
        side = part.side if part.side in ("left", "right") else None
        data = {"body_part": part.part, "side": side, "avoid": avoid}
        return await self.adapt("report_injury", data, extra=self.t["injury_extra"]), None

    async def on_unavailable(self) -> Result:
        span = self.slots.date_range
        if span is not None:
            start, end = span.start, span.end
        elif self.slots.dates:
            start, end = min(self.slots.dates), max(self.slots.dates)
        else:
            return self.t["need_dates"], None
        return await self.adapt(
            "set_unavailable", {"start": start.isoformat(), "end": end.isoformat(), "reason": "unavailable"}
        ), None

    async def on_move_session(self) -> Result:
        if not self.slots.weekdays and len(self.slots.dates) < 1:
            return self.t["need_move"], None
        wanted = next(
            (kind for pattern, kind in SESSION_WORDS if re.search(pattern, self.message, re.I)), None
        )
        week = await self.call("week", {"which": "next" if NEXT_WEEK.search(self.message) else "this"})
        if week.is_error or week.output is None:
            return f"I couldn't look up the week: {week.error}", None
        sessions = [
            s
            for s in week.output["sessions"]
            if s["type"] != "commitment" and s["date"] >= self.today.isoformat()
        ]
        if wanted is not None:
            sessions = [s for s in sessions if s["type"] == wanted]
        if len(self.slots.dates) >= 2:
            from_date, to_date = self.slots.dates[0], self.slots.dates[-1]
            if re.search(r"\binstead of\b", self.message, re.I):  # "Friday instead of Saturday": Saturday's moves
                from_date, to_date = to_date, from_date
        else:
            if not sessions:
                return self.t["need_move"], None
            from_date = dt.date.fromisoformat(sessions[0]["date"])
            week_start = dt.date.fromisoformat(week.output["start"])
            target_day = self.slots.weekdays[-1] if self.slots.weekdays else None
            if target_day is None:
                return self.t["need_move"], None
            to_date = week_start + dt.timedelta(
                days=("mon", "tue", "wed", "thu", "fri", "sat", "sun").index(target_day)
            )
        if from_date == to_date:
            return self.t["already_there"].format(date=from_date.isoformat()), None
        return await self.adapt(
            "move_session", {"from_date": from_date.isoformat(), "to_date": to_date.isoformat()}
        ), None

    async def on_wellness(self) -> Result:
        """A morning report in words: stored as said, readiness scored, today's session decided."""
        return await self.text_of("log_checkin", self.wellness), None

    async def checkin_only(self) -> str:
        call = await self.call("log_checkin", {**self.wellness, "adjust_today": False})
        if call.is_error or call.output is None:
            return ""
        return f"Check-in noted: readiness {call.output['score']}/100 ({call.output['colour']})."

    async def on_ease(self) -> Result:
        """'Can we dial back today's run?', 'the Thursday run I do shorter': that session, easier."""
        severity = 3 if SEVERE_FATIGUE.search(self.message) else 1 if MILD_FATIGUE.search(self.message) else 2
        data: dict[str, Any] = {"severity": severity}
        day = self.coming_day()
        if day != self.today:
            data["date"] = day.isoformat()
        if self.wellness:
            await self.checkin_only()
        return await self.adapt("report_fatigue", data), None

    async def on_question(self) -> Result:
        """A question about a day's session: answered from the plan, nothing changed."""
        return await self.text_of("today", {"date": self.coming_day().isoformat()}), None

    async def on_numbers(self) -> Result:
        """'What's my FTP again?', 'when's the sportive?': the athlete's own numbers, nothing changed."""
        return await self.text_of("my_numbers", {}), None

    async def on_no_pain(self) -> Result:
        """'A noise in my knee but no pain': nothing to change; say so, and what would change it."""
        return self.t["no_pain"], None

    async def on_swap(self) -> Result:
        days = sorted(set(self.slots.dates))[:2]
        if len(days) < 2:
            return self.t["need_move"], None
        return await self.adapt("swap_sessions", {"first": days[0].isoformat(), "second": days[1].isoformat()}), None

    def coming_day(self) -> dt.date:
        """The day a request is about: a bare weekday ("on Friday") means the next one, never the last;
        "today's", "tonight's" or "this evening" is today, whatever else the message names ("last night")."""
        if _TODAY_WORDS.search(self.message):
            return self.today
        day = self.day()
        while day < self.today:
            day += dt.timedelta(days=7)
        return day

    async def on_skip(self) -> Result:
        return await self.adapt("skip_session", {"date": self.coming_day().isoformat()}), None

    async def on_cap(self) -> Result:
        """'Thursday I have 15 mins tops', 'an hour tops, actually make that 40': that day, that long."""
        durations = self.slots.durations_s
        seconds = durations[-1] if _CORRECTION.search(self.message) else durations[0]
        return await self.adapt("limit_day", {"date": self.coming_day().isoformat(), "minutes": max(1, seconds // 60)}), None

    async def on_days_out(self) -> Result:
        return await self.adapt("change_days", {"without": list(dict.fromkeys(self.slots.weekdays))}), None

    async def on_change_days(self) -> Result:
        data: dict[str, Any] = {}
        if re.search(r"\blong\b", self.message, re.I) and self.slots.weekdays:
            data["long_day"] = self.slots.weekdays[-1]
        elif len(self.slots.weekdays) >= 2:
            data["days"] = list(dict.fromkeys(self.slots.weekdays))
        elif self.slots.days_per_week:
            data["days_per_week"] = max(1, min(7, self.slots.days_per_week))
        if not data:
            return self.t["need_days"], None
        return await self.adapt("change_days", data), None

    async def on_remember_note(self) -> Result:
        text = (
            re.sub(
                r"^\s*(please\s+)?(remember|note|fyi|for the record)( that)?[:,]?\s*",
                "",
                self.message,
                flags=re.I,
            )
            or self.message
        )
        return await self.text_of("remember_note", {"text": text[:1000]}), None

    async def on_ask_coach(self) -> Result:
        return await self.text_of("ask_coach", {"message": self.message[:1000]}), None

    async def on_override_attempt(self) -> Result:
        call = await self.call("guardrails", {})
        if call.is_error or call.output is None:
            return self.t["refused"].format(reason="the plan's safety rules"), None
        return self.t["why_guardrails"].format(text=call.output["text"]), None
