"""The onboarding conversation: a few plain-language questions that end in a profile.

Pure: the state is a JSON-able dict kept on the athlete row, ``today`` is an argument, and
every step returns the replies to send. Any earlier answer can be corrected at any time
("actually 5 days"); the conversation then carries on where it was.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from coach.engine import load_rules
from coach.engine.models import WEEKDAYS, Profile
from coach.service import answers as a
from coach.service.types import Button, Reply

State = dict[str, Any]

STEPS = ["sport", "units", "event", "date", "target", "days", "long_day", "volume", "longest", "result", "time_zone"]
CALLBACK_PREFIX = "ob:"
CORRECTION_RE = re.compile(r"^\s*(actually|sorry|correction|wait|oops|no,|change|make it|i meant|rather)\b[\s,:-]*", re.I)


@dataclass
class Outcome:
    state: State
    replies: list[Reply] = field(default_factory=list)
    complete: bool = False


def _buttons(options: list[tuple[str, str]], per_row: int = 3) -> list[list[Button]]:
    buttons = [Button(label, CALLBACK_PREFIX + value) for label, value in options]
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]


def _applies(step: str, answers: dict[str, Any]) -> bool:
    sport = answers.get("sport")
    event = answers.get("event")
    if step in ("date", "target"):
        return event not in (None, "general_fitness", "strength")
    if step in ("long_day", "volume", "longest"):
        return sport != "strength"
    return True


def question(step: str, answers: dict[str, Any]) -> Reply:
    """The question for a step, with buttons where a tap is quicker than typing."""
    sport = answers.get("sport", "run")
    units = answers.get("units", "km")
    if step == "sport":
        return Reply("Which sport are we training for?", _buttons([("Run", "run"), ("Ride", "ride"), ("Triathlon", "tri"), ("Strength", "strength")], 4))
    if step == "units":
        return Reply("Kilometres or miles?", _buttons([("km", "km"), ("miles", "miles")]))
    if step == "event":
        options = [(a.EVENT_LABELS[e], e) for e in a.EVENTS_BY_SPORT[sport]]
        return Reply("What's the goal? Pick an event, or general fitness.", _buttons(options, 2))
    if step == "date":
        return Reply("When is the event? (e.g. 2027-04-12 or 12 Apr)")
    if step == "target":
        return Reply("Do you have a target time? (e.g. 1:45:00) — or tap Skip to just finish strong.", _buttons([("Skip", "skip")]))
    if step == "days":
        return Reply("Which days can you train? List them (mon wed fri sun) or say how many (4 days).")
    if step == "long_day":
        days = answers.get("days") or list(WEEKDAYS)
        return Reply("Which day suits the long session?", _buttons([(d.capitalize(), d) for d in days], 4))
    if step == "volume":
        if sport == "run":
            return Reply(f"How much do you run in a normal week right now, in {'miles' if units == 'mi' else 'km'}? (0 is fine)")
        if sport == "ride":
            return Reply(
                "How many hours do you ride in a normal week right now? Add the km or your usual speed "
                "if you know them, and your rides get distances (e.g. 6 hours, about 150 km)."
            )
        return Reply("How many hours do you train in a normal week right now? (e.g. 6 hours)")
    if step == "longest":
        if sport == "run":
            return Reply("What's your longest run in the last month or so? (distance or time, e.g. 14 km or 80 min)")
        return Reply("What's your longest session in the last month or so? (e.g. 3 hours or 90 km)")
    if step == "result":
        if sport == "ride":
            return Reply("Do you know your FTP in watts? (e.g. 250) — or tap Skip.", _buttons([("Skip", "skip")]))
        if sport == "strength":
            return Reply("Your best lifts in kg, if you know them (e.g. squat 100 bench 80 deadlift 140) — or tap Skip.", _buttons([("Skip", "skip")]))
        return Reply("A recent race or time trial? (e.g. 10k in 48:30) — or tap Skip.", _buttons([("Skip", "skip")]))
    if step == "time_zone":
        return Reply("Last one: where are you, so I send things at sensible hours? (a city like London, or UTC+2)")
    raise ValueError(f"unknown onboarding step {step!r}")


def _parse(step: str, text: str, answers: dict[str, Any], today: dt.date) -> dict[str, Any]:
    """Parse one answer into the fields it sets. Raises ``AnswerError`` with the reason."""
    sport = answers.get("sport", "run")
    units = answers.get("units", "km")
    if step == "sport":
        sport = a.parse_sport(text)
        # A strength block is the only strength goal, so the goal question is skipped.
        return {"sport": sport, "event": "strength"} if sport == "strength" else {"sport": sport}
    if step == "units":
        return {"units": a.parse_units(text)}
    if step == "event":
        event = a.parse_event(text, sport)
        return {"event": event}
    if step == "date":
        return {"date": a.parse_future_date(text, today).isoformat()}
    if step == "target":
        if a.is_skip(text):
            return {"target_time": None}
        events = load_rules().events.events
        goal = events.get(answers.get("event", ""))
        distance = None if goal is None else goal.distance_km
        return {"target_time": a.parse_clock(text, distance_km=distance, sport=sport)}
    if step == "days":
        days = a.parse_days(text)
        update: dict[str, Any] = {"days": days}
        if answers.get("long_day") and answers["long_day"] not in days:
            update["long_day"] = None
        return update
    if step == "long_day":
        day = a.parse_weekday(text)
        days = answers.get("days") or []
        if days and day not in days:
            raise a.AnswerError(f"{day.capitalize()} isn't one of your training days ({', '.join(days)}). Pick one of those.")
        return {"long_day": day}
    if step == "volume":
        km, hours = a.parse_weekly_volume(text, sport, units)
        return {"weekly_km": km, "weekly_hours": hours}
    if step == "longest":
        km, minutes = a.parse_longest(text, sport, units)
        return {"longest_km": km, "longest_minutes": minutes}
    if step == "result":
        if a.is_skip(text):
            return {"recent_race": None, "ftp_w": None, "one_rep_max_kg": None}
        if sport == "ride":
            return {"ftp_w": a.parse_ftp(text)}
        if sport == "strength":
            return {"one_rep_max_kg": a.parse_one_rep_maxes(text)}
        distance_km, time = a.parse_race_result(text)
        return {"recent_race": {"distance_km": distance_km, "time": time}}
    if step == "time_zone":
        return {"time_zone": a.parse_time_zone(text)}
    raise ValueError(step)


# Which earlier answer a correction most likely changes, tried in order.
_CORRECTION_GUESSES: list[tuple[str, Callable[[str], bool]]] = [
    ("long_day", lambda t: "long" in t),
    ("days", lambda t: (bool(re.search(r"\bdays?\b|week", t)) or sum(w in a.DAY_WORDS for w in t.split()) >= 2)
     and not re.search(r"\b(km|mi|miles|hours?|h)\b", t)),
    ("units", lambda t: bool(re.fullmatch(r"(in )?(km|kms|kilometres|kilometers|miles|mi|metric|imperial)", t))),
    ("volume", lambda t: bool(re.search(r"\b(a|per|each) week\b|weekly", t))),
    ("target", lambda t: bool(re.search(r"\btarget\b|\bgoal time\b|\bsub\b", t))),
    ("date", lambda t: bool(re.search(r"\d{4}-\d|\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)", t))),
    ("event", lambda t: True),
    ("sport", lambda t: True),
]


def _try_correction(text: str, state: State, today: dt.date) -> tuple[str, dict[str, Any]] | None:
    match = CORRECTION_RE.match(text)
    if not match:
        return None
    rest = a.normalise(text[match.end() :])
    if not rest:
        return None
    answers = state["answers"]
    for step, looks_like in _CORRECTION_GUESSES:
        if not looks_like(rest) or not _applies(step, answers) or step == state.get("step"):
            continue
        if step in ("event", "sport") and step not in answers:
            continue
        try:
            return step, _parse(step, rest, answers, today)
        except a.AnswerError:
            continue
    return None


def _describe(step: str, answers: dict[str, Any]) -> str:
    if step == "days":
        return f"{len(answers['days'])} days a week ({', '.join(answers['days'])})"
    if step == "long_day":
        return f"long session on {answers['long_day']}"
    if step == "event":
        return f"goal: {a.EVENT_LABELS[answers['event']]}"
    if step == "date":
        return f"event on {answers['date']}"
    if step == "units":
        return "miles" if answers["units"] == "mi" else "kilometres"
    if step == "volume":
        if answers.get("weekly_km") is not None and answers.get("weekly_hours") is not None:
            return f"{answers['weekly_hours']:g} hours ({answers['weekly_km']:g} km) a week"
        return f"{answers['weekly_km']:g} km a week" if answers.get("weekly_km") is not None else f"{answers['weekly_hours']:g} hours a week"
    if step == "target":
        return f"target {answers['target_time']}" if answers.get("target_time") else "no target time"
    if step == "sport":
        return f"sport: {answers['sport']}"
    return step


def _next_step(after: str | None, answers: dict[str, Any]) -> str | None:
    start = 0 if after is None else STEPS.index(after) + 1
    for step in STEPS[start:]:
        if _applies(step, answers) and step not in answers.get("_done", []):
            return step
    return None


def start() -> Outcome:
    state: State = {"step": "sport", "answers": {"_done": []}}
    intro = Reply(
        "Hi! I'm your training coach. A few quick questions and you'll have a plan built around "
        "your life. You can correct any answer later (\"actually 5 days\")."
    )
    return Outcome(state, [intro, question("sport", state["answers"])])


def answer(state: State, text: str, today: dt.date) -> Outcome:
    """Take one answer (typed or tapped) and move the conversation on."""
    if text.startswith(CALLBACK_PREFIX):
        text = text[len(CALLBACK_PREFIX) :]
    step: str = state["step"]
    answers: dict[str, Any] = dict(state["answers"])
    answers.setdefault("_done", [])
    new_state: State = {"step": step, "answers": answers}

    correction = _try_correction(text, new_state, today)
    if correction is not None:
        field_step, update = correction
        answers.update(update)
        if field_step not in answers["_done"]:
            answers["_done"] = [*answers["_done"], field_step]
        if field_step == "days" and update.get("long_day", "") is None:
            answers["_done"] = [s for s in answers["_done"] if s != "long_day"]
        if field_step == "event":
            answers["_done"] = [s for s in answers["_done"] if s not in ("date", "target")]
        if field_step == "sport":
            answers["_done"] = ["sport"] + [s for s in answers["_done"] if s == "units"]
        new_step = _next_step(None, answers)
        new_state["step"] = new_step
        replies = [Reply(f"Got it — {_describe(field_step, answers)}.")]
        if new_step is None:
            return Outcome(new_state, replies, complete=True)
        return Outcome(new_state, [*replies, question(new_step, answers)])

    try:
        update = _parse(step, text, answers, today)
    except a.AnswerError as error:
        return Outcome(state, [Reply(str(error)), question(step, state["answers"])])
    answers.update(update)
    answers["_done"] = [*[s for s in answers["_done"] if s != step], step]
    if step == "sport":
        answers["_done"] = [s for s in answers["_done"] if s != "event"] + (["event"] if "event" in update else [])
        if "event" not in update and answers.get("event") == "strength":
            answers.pop("event")
    if step == "event":
        answers["_done"] = [s for s in answers["_done"] if s not in ("date", "target")]
    next_step = _next_step(None, answers)
    new_state["step"] = next_step
    if next_step is None:
        return Outcome(new_state, [], complete=True)
    return Outcome(new_state, [question(next_step, answers)])


def build_profile(answers: dict[str, Any], today: dt.date, name: str | None = None) -> Profile:
    """Turn the answers into the engine's profile document (validated)."""
    sport = answers["sport"]
    days = answers.get("days") or list(a.DEFAULT_DAYS_BY_COUNT[3])
    long_day = answers.get("long_day")
    if sport != "strength" and long_day is None:
        long_day = "sun" if "sun" in days else days[-1]
    history: dict[str, Any] = {}
    if answers.get("weekly_km") is not None:
        history["weekly_km"] = [answers["weekly_km"]] * 4
    if answers.get("weekly_hours") is not None:
        history["weekly_hours"] = [answers["weekly_hours"]] * 4
    for key in ("longest_km", "longest_minutes", "recent_race", "ftp_w", "one_rep_max_kg"):
        if answers.get(key) is not None:
            history[key] = answers[key]
    goal: dict[str, Any] = {"event": answers["event"]}
    if answers.get("date"):
        goal["date"] = answers["date"]
    if answers.get("target_time"):
        goal["target_time"] = answers["target_time"]
    document = {
        "sport": sport,
        "goal": goal,
        "start_date": today.isoformat(),
        "availability": {"days": days, "long_day": long_day if sport != "strength" else None},
        "history": history,
        "units": answers.get("units", "km"),
        "name": name,
    }
    return Profile.model_validate(document)
