"""End-to-end evaluation of the coach on blind message sets (issue 10).

Each item of a set (JSON lines: ``id``, ``athlete`` runner|rider, optional ``today``, ``text``,
``voice``, ``expect``; the format of ``/tmp/blind_brief.md``) is scored on **state**, never on
an intent label:

1. the two athletes of the brief are added once into a template SQLite database, as
   ``coach athlete add NAME --profile FILE`` does (profiles in ``tests/blind/athletes/``), each with
   the plan the sets were written against (``<athlete>.plan.json``, built by the engine of commit
   5aaec5e and frozen): the expectations name that plan's days and minutes, so a later change to
   how first plans are built does not move the figure; re-planning runs on today's engine;
2. per item the template is copied into a fresh ``COACH_DATA_DIR``, the text goes through
   ``CoachService.handle`` as ``coach chat`` sends it (``bot.terminal.parse_line``), with the
   clock fixed on the item's ``today`` (default 2026-12-08);
3. the state is read back with ``CoachService.show`` (what ``coach show --json`` prints) and
   the before/after difference is compared with ``expect``.

Usage::

    .venv/bin/python tools/eval_blind.py --set a            # tests/blind/set_a.jsonl
    .venv/bin/python tools/eval_blind.py --set b --failures # held-out set, print each failure
    .venv/bin/python tools/eval_blind.py --set PATH --json --limit 20

Scoring (per effect, state only): see ``check_effect``. An item passes when every expected
effect holds, nothing raised or logged an error, and (unless it expects ``none``/``ask``) no plan
date more than 14 days after today changed that the item does not name ("collateral"; not
counted for ``days_off_permanent`` and ``injury``, nor on the days of the return after a break of
ten days or more, as many as the break). Reply time is ``CoachService.handle`` only,
after untimed warm-up messages (model loaded, as in a running bot); it depends on machine load.
Always the offline brain (``ANTHROPIC_API_KEY`` is dropped). A multi-line text is sent as one
message (as Telegram does; ``coach chat`` would split it into one message per line).

To measure a commit rather than a working tree others are editing, run it from a snapshot::

    git archive HEAD | tar -x -C /tmp/snap && cp tools/eval_blind.py /tmp/snap/tools/ \
      && (cd /tmp/snap && /work/main/.venv/bin/python tools/build_engine.py && \
          /work/main/.venv/bin/python tools/eval_blind.py --set /work/main/tests/blind/set_a.jsonl)

Importable: ``load_items``, ``evaluate`` (async), ``score_item``, ``summarise``, ``render_text``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
import traceback
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BLIND_DIR = ROOT / "tests" / "blind"
SETS = {path.stem.removeprefix("set_"): path for path in sorted(BLIND_DIR.glob("set_*.jsonl"))}
"""Every frozen set by name: a-z, then two letters (aa, ab, ...), each ``tests/blind/set_<name>.jsonl``."""
ATHLETES = {"runner": ("ann", BLIND_DIR / "athletes" / "runner.json"), "rider": ("rob", BLIND_DIR / "athletes" / "rider.json")}
TIME_ZONE = "Europe/London"
DEFAULT_TODAY = dt.date(2026, 12, 8)
COLLATERAL_AFTER_DAYS = 14
"""Plan changes on dates more than this many days after today are "collateral" (lenient on purpose)."""
COLLATERAL_EXEMPT = {"days_off_permanent", "injury"}
"""Effects that may rightly change the plan far ahead (a weekday gone for good, a limitation until cleared)."""
INACTIVE_STATUSES = {"missed", "skipped", "moved"}
"""A session with one of these statuses is not training that will happen on its day."""
INTENSITY_RANK = {"easy": 0, "moderate": 1, "hard": 2}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WARM_UP = ("hello there", "slept 7 hours, feeling fine", "ran 5k in 30 min", "remember I have a 25 m pool")
"""Untimed, unscored messages sent first so the model and caches are loaded, as in a running bot."""
SLEEP_TOLERANCE_H = 0.25
LOG_TOLERANCE = 0.03
FRACTION_TOLERANCE = 0.1
SIDE_WORDS = re.compile(r"\b(left|right|both|l|r|lower|upper|inner|outer|my|the)\b")
BODY_SYNONYMS = {
    "calves": "calf", "shins": "shin", "knees": "knee", "ankles": "ankle", "hips": "hip", "feet": "foot",
    "hamstrings": "hamstring", "quads": "quad", "quadriceps": "quad", "achilles tendon": "achilles", "glutes": "glute",
    "shoulders": "shoulder", "wrists": "wrist", "toes": "toe", "heel": "heel", "it band": "itb", "iliotibial band": "itb",
}

SPORT_FAMILY = {"virtual_ride": "ride"}
"""A virtual ride (trainer, Zwift) is a ride: the store keeps the finer sport."""


# ---------------------------------------------------------------------------- items


@dataclass(frozen=True)
class Item:
    id: str
    athlete: str
    text: str
    expect: list[dict[str, Any]]
    today: dt.date = DEFAULT_TODAY
    voice: str = ""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Item:
        today = dt.date.fromisoformat(data["today"]) if data.get("today") else DEFAULT_TODAY
        expect = data.get("expect") or []
        if isinstance(expect, dict):
            expect = [expect]
        if data.get("athlete") not in ATHLETES:
            raise ValueError(f"{data.get('id')}: athlete must be one of {sorted(ATHLETES)}, not {data.get('athlete')!r}")
        return cls(id=str(data["id"]), athlete=data["athlete"], text=str(data.get("text", "")), expect=list(expect),
                   today=today, voice=str(data.get("voice", "")))


def load_items(path: Path | str) -> list[Item]:
    """Read a JSON-lines set; blank lines and ``#`` comments are skipped, a bad line is an error naming it."""
    items = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            items.append(Item.from_json(json.loads(line)))
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f"{path}:{number}: {error}") from error
    return items


def resolve_set(name: str) -> Path:
    return SETS.get(name, Path(name))


# ---------------------------------------------------------------------------- state views


def _sessions_by_date(doc: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for week in (doc.get("plan") or {}).get("weeks", []):
        for s in week.get("sessions", []):
            out[s["date"]].append(s)
    return out


def _training(sessions: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sessions that are training to be done (not a fixed commitment, not marked missed/moved)."""
    return [s for s in sessions if s.get("type") != "commitment" and s.get("status") not in INACTIVE_STATUSES and s.get("duration_min", 0) > 0]


def _sig(s: dict[str, Any]) -> tuple[Any, ...]:
    return (s.get("sport"), s.get("type"), s.get("intensity"), s.get("duration_min"), s.get("distance_km"), s.get("status"))


def _day_sig(sessions: Iterable[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return sorted((_sig(s) for s in sessions), key=repr)


def _short(sessions: Iterable[dict[str, Any]]) -> str:
    parts = [f"{s.get('sport')} {s.get('type')} {s.get('duration_min')}min {s.get('intensity')} [{s.get('status')}]" for s in sessions]
    return ", ".join(parts) or "nothing"


def _rows(doc: dict[str, Any], key: str) -> list[str]:
    return sorted(json.dumps(row, sort_keys=True, default=str) for row in doc.get(key) or [])


def _new_rows(before: dict[str, Any], after: dict[str, Any], key: str) -> list[dict[str, Any]]:
    remaining = Counter(_rows(before, key))
    new = []
    for row in after.get(key) or []:
        encoded = json.dumps(row, sort_keys=True, default=str)
        if remaining[encoded] > 0:
            remaining[encoded] -= 1
        else:
            new.append(row)
    return new


@dataclass
class Diff:
    """What an item changed, date by date and table by table."""

    plan_dates: dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]]
    new_checkins: list[dict[str, Any]]
    checkins_changed: bool
    new_activities: list[dict[str, Any]]
    activities_changed: bool
    new_notes: list[dict[str, Any]]
    notes_changed: bool
    new_limitations: list[dict[str, Any]]
    limitations_changed: bool
    profile_changed: bool

    @property
    def anything(self) -> bool:
        return bool(self.plan_dates) or self.checkins_changed or self.activities_changed or self.notes_changed or \
            self.limitations_changed or self.profile_changed

    def describe(self) -> list[str]:
        lines = [f"plan {d}: {_short(b)} -> {_short(a)}" for d, (b, a) in sorted(self.plan_dates.items())]
        if self.checkins_changed:
            lines.append("check-ins: " + "; ".join(
                f"{c['date']} sleep {c.get('sleep_hours')} energy {c.get('energy')} soreness {c.get('soreness')} readiness {c.get('readiness')}"
                for c in self.new_checkins) if self.new_checkins else "check-ins changed")
        if self.activities_changed:
            lines.append("activities: " + "; ".join(
                f"{a['sport']} {a.get('distance_km')} km {a.get('elapsed_s')} s" for a in self.new_activities) if self.new_activities else "activities changed")
        if self.notes_changed:
            lines.append("notes: " + "; ".join(f"[{n['kind']}] {n['text'][:60]}" for n in self.new_notes) if self.new_notes else "notes changed")
        if self.limitations_changed:
            lines.append("limitations: " + "; ".join(
                f"{lim.get('body_part')} ({lim.get('side')}) avoid {lim.get('avoid')}" for lim in self.new_limitations) if self.new_limitations else "limitations changed")
        if self.profile_changed:
            lines.append("profile changed")
        return lines


def diff_state(before: dict[str, Any], after: dict[str, Any]) -> Diff:
    b, a = _sessions_by_date(before), _sessions_by_date(after)
    plan_dates = {d: (b.get(d, []), a.get(d, [])) for d in set(b) | set(a) if _day_sig(b.get(d, [])) != _day_sig(a.get(d, []))}
    return Diff(
        plan_dates=plan_dates,
        new_checkins=_new_rows(before, after, "checkins"), checkins_changed=_rows(before, "checkins") != _rows(after, "checkins"),
        new_activities=_new_rows(before, after, "activities"),
        activities_changed=_rows(before, "activities") != _rows(after, "activities"),
        new_notes=_new_rows(before, after, "notes"), notes_changed=_rows(before, "notes") != _rows(after, "notes"),
        new_limitations=_new_rows(before, after, "limitations"),
        limitations_changed=_rows(before, "limitations") != _rows(after, "limitations"),
        profile_changed=json.dumps(before.get("profile"), sort_keys=True) != json.dumps(after.get("profile"), sort_keys=True),
    )


# ---------------------------------------------------------------------------- scoring


@dataclass
class EffectResult:
    effect: str
    ok: bool
    why: str
    vacuous: bool = False
    """The expectation names a day with no training before the message (the brief's scenario, not the coach)."""


def _total(sessions: list[dict[str, Any]]) -> int:
    return sum(int(s.get("duration_min") or 0) for s in sessions)


def _max_intensity(sessions: list[dict[str, Any]]) -> int:
    return max((INTENSITY_RANK.get(s.get("intensity", "easy"), 0) for s in sessions), default=-1)


def _body(text: str | None) -> str:
    cleaned = SIDE_WORDS.sub(" ", (text or "").lower().replace("-", " ").replace("_", " "))
    cleaned = " ".join(cleaned.split())
    return BODY_SYNONYMS.get(cleaned, cleaned)


def _body_matches(expected: str, actual: str | None) -> bool:
    e, a = _body(expected), _body(actual)
    if not e or not a:
        return False
    return e == a or e in a or a in e or e.rstrip("s") == a.rstrip("s")


MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december")


def mentions(reply: str, wanted: str) -> bool:
    """Case-insensitive containment; a month name is also found as its abbreviation or an ISO date's ``-MM-``."""
    text, word = reply.lower(), wanted.lower().strip()
    if word in text:
        return True
    if word in MONTHS:
        number = MONTHS.index(word) + 1
        return re.search(rf"\b{word[:3]}\b", text) is not None or f"-{number:02d}-" in text
    return False


def _near(value: float | None, target: float, tolerance: float) -> bool:
    return value is not None and abs(value - target) <= tolerance * target + 1e-9


def check_effect(effect: dict[str, Any], before: dict[str, Any], after: dict[str, Any], diff: Diff, reply: str, today: dt.date) -> EffectResult:
    """Does one expected effect hold? State-based only."""
    name = str(effect.get("effect"))
    b, a = _sessions_by_date(before), _sessions_by_date(after)

    def tb(day: str) -> list[dict[str, Any]]:
        return _training(b.get(day, []))

    def ta(day: str) -> list[dict[str, Any]]:
        return _training(a.get(day, []))

    if name == "checkin":
        rows = [c for c in after.get("checkins") or [] if c.get("date") == today.isoformat()]
        if not rows:
            return EffectResult(name, False, "no check-in stored for today")
        if effect.get("sleep_h") is not None:
            sleep = rows[0].get("sleep_hours")
            if sleep is None or abs(float(sleep) - float(effect["sleep_h"])) > SLEEP_TOLERANCE_H:
                return EffectResult(name, False, f"check-in sleep {sleep} h, expected {effect['sleep_h']}")
        return EffectResult(name, True, "check-in stored")

    if name == "eased":
        day = str(effect["date"])
        before_s, after_s = tb(day), ta(day)
        if not before_s:
            return EffectResult(name, not after_s, f"no training on {day} before ({'still none' if not after_s else 'now ' + _short(after_s)})", vacuous=True)
        if not after_s:
            return EffectResult(name, True, f"{day}: training gone")
        if _total(after_s) < _total(before_s):
            return EffectResult(name, True, f"{day}: {_total(before_s)} -> {_total(after_s)} min")
        if _max_intensity(after_s) < _max_intensity(before_s):
            return EffectResult(name, True, f"{day}: intensity lowered")
        return EffectResult(name, False, f"{day} unchanged or harder: {_short(before_s)} -> {_short(after_s)}")

    if name == "removed":
        day = str(effect["date"])
        after_s = ta(day)
        return EffectResult(name, not after_s, f"{day}: {'no training left' if not after_s else 'still ' + _short(after_s)}",
                            vacuous=not tb(day))

    if name == "moved":
        d1, d2 = str(effect["from"]), str(effect["to"])
        before_1 = tb(d1)
        if not before_1:
            return EffectResult(name, False, f"no training on {d1} before the message", vacuous=True)
        types = {s["type"] for s in before_1}
        on_d2 = [s for s in ta(d2) if s["type"] in types]
        still_d1 = [s for s in ta(d1) if s["type"] in types]
        count_b2 = sum(1 for s in tb(d2) if s["type"] in types)
        grew = len(on_d2) > count_b2 or _total(ta(d2)) > _total(tb(d2))
        ok = bool(on_d2) and not still_d1 and grew
        return EffectResult(name, ok, f"{d1}: {_short(a.get(d1, []))}; {d2}: {_short(b.get(d2, []))} -> {_short(a.get(d2, []))}")

    if name == "swapped":
        d1, d2 = str(effect["a"]), str(effect["b"])
        b1, b2, a1, a2 = tb(d1), tb(d2), ta(d1), ta(d2)
        if not b1 and not b2:
            return EffectResult(name, False, f"no training on {d1} or {d2} before", vacuous=True)

        def same(x: list[dict[str, Any]], y: list[dict[str, Any]]) -> bool:
            return sorted(s["type"] for s in x) == sorted(s["type"] for s in y) and abs(_total(x) - _total(y)) <= 5

        if sorted(s["type"] for s in b1) == sorted(s["type"] for s in b2) and abs(_total(b1) - _total(b2)) <= 5:
            ok = same(a1, b2) and same(a2, b1)  # identical days: a swap is indistinguishable from no change
        else:
            ok = same(a1, b2) and same(a2, b1)
        return EffectResult(name, ok, f"{d1}: {_short(b1)} -> {_short(a1)}; {d2}: {_short(b2)} -> {_short(a2)}")

    if name in ("missed", "partial"):
        day = str(effect["date"])
        rows = [s for s in a.get(day, []) if s.get("type") != "commitment"]
        if not rows:
            return EffectResult(name, False, f"no session on {day}", vacuous=not b.get(day))
        statuses = [s.get("status") for s in rows]
        ok = all(st == name for st in statuses)
        why = f"{day} status {statuses}"
        if ok and name == "partial" and effect.get("fraction") is not None:
            recorded = [s.get("fraction") for s in rows if s.get("fraction") is not None]
            if recorded and abs(float(recorded[0]) - float(effect["fraction"])) > FRACTION_TOLERANCE:
                return EffectResult(name, False, f"{why}, fraction {recorded[0]} vs {effect['fraction']}")
        return EffectResult(name, ok, why)

    if name == "logged":
        sport = str(effect.get("sport", ""))
        # a virtual ride (trainer, Zwift) is a ride: the store keeps the finer sport
        candidates = [x for x in diff.new_activities if SPORT_FAMILY.get(str(x.get("sport")), x.get("sport")) == sport]
        if not candidates:
            found = ", ".join(f"{x.get('sport')}" for x in diff.new_activities) or "none"
            return EffectResult(name, False, f"no new {sport} activity (new: {found})")
        problems: list[str] = []
        for activity in candidates:
            problems = []
            if effect.get("distance_km") is not None and not _near(activity.get("distance_km"), float(effect["distance_km"]), LOG_TOLERANCE):
                problems.append(f"distance {activity.get('distance_km')} vs {effect['distance_km']}")
            if effect.get("duration_min") is not None:
                seconds = activity.get("elapsed_s") or activity.get("moving_s")
                minutes = None if seconds is None else float(seconds) / 60
                if not _near(minutes, float(effect["duration_min"]), LOG_TOLERANCE):
                    problems.append(f"duration {None if minutes is None else round(minutes, 1)} min vs {effect['duration_min']}")
            if not problems:
                return EffectResult(name, True, f"{sport} logged")
        return EffectResult(name, False, "; ".join(problems))

    if name == "injury":
        part = str(effect.get("body_part", ""))
        new = diff.new_limitations
        if any(_body_matches(part, lim.get("body_part")) for lim in new):
            return EffectResult(name, True, f"limitation {part}")
        got = ", ".join(str(lim.get("body_part")) for lim in new) or "none"
        return EffectResult(name, False, f"no new limitation for {part} (new: {got})")

    if name == "note":
        return EffectResult(name, bool(diff.new_notes), f"{len(diff.new_notes)} new note(s)")

    if name == "unavailable":
        dates = [str(d) for d in effect.get("dates") or []]
        left = [d for d in dates if ta(d)]
        if left:
            return EffectResult(name, False, "still training on " + ", ".join(f"{d} ({_short(ta(d))})" for d in left))
        vacuous = not any(tb(d) for d in dates)
        return EffectResult(name, True, "no training on " + ", ".join(dates), vacuous=vacuous)

    if name == "days_off_permanent":
        weekday = str(effect.get("weekday", "")).lower()[:3]
        days = ((after.get("profile") or {}).get("availability") or {}).get("days") or []
        if weekday in days:
            return EffectResult(name, False, f"availability still has {weekday}: {days}")
        on_it = [  # the race itself keeps its date: it is the goal, not a session the athlete's days place
            d for d in a if d >= today.isoformat() and WEEKDAYS[dt.date.fromisoformat(d).weekday()] == weekday
            and [s for s in ta(d) if s.get("type") != "race"]
        ]
        if on_it:
            return EffectResult(name, False, f"{len(on_it)} future session(s) still on {weekday}, first {min(on_it)}")
        return EffectResult(name, True, f"{weekday} out of availability")

    if name == "cap":
        day, minutes = str(effect["date"]), int(effect["minutes"])
        total = _total(ta(day))
        return EffectResult(name, total <= minutes, f"{day}: {total} min (cap {minutes})", vacuous=not tb(day))

    if name == "none":
        if diff.anything:
            return EffectResult(name, False, "state changed: " + "; ".join(diff.describe())[:300])
        missing = [m for m in effect.get("reply_mentions") or [] if not mentions(reply, str(m))]
        if missing:
            return EffectResult(name, False, f"reply lacks {missing}")
        return EffectResult(name, True, "unchanged")

    if name == "ask":
        if diff.anything:
            return EffectResult(name, False, "state changed: " + "; ".join(diff.describe())[:300])
        return EffectResult(name, "?" in reply, "asked back" if "?" in reply else "no question in the reply")

    return EffectResult(name, False, f"unknown effect {name!r}")


RETURN_AFTER_DAYS = 10
"""Days away from which a return period may follow (guardrails adapt.detrain_lost_weeks: two weeks lost)."""


def _return_days(effect: dict[str, Any]) -> list[str]:
    """The days after a break of ``RETURN_AFTER_DAYS`` or more, as many as the break: a coach brings
    the athlete back over them (adapt.break_return_fractions), so their changes are no collateral."""
    dates = sorted(dt.date.fromisoformat(str(d)) for d in effect.get("dates") or [])
    if effect.get("effect") != "unavailable" or not dates:
        return []
    span = (dates[-1] - dates[0]).days + 1
    if span < RETURN_AFTER_DAYS:
        return []
    return [(dates[-1] + dt.timedelta(days=n)).isoformat() for n in range(1, span + 1)]


def _same_weekday_limit(effect: dict[str, Any], day: str, diff: Diff, after: dict[str, Any]) -> bool:
    """A later day of a capped date's weekday shortened to within the cap, where the profile now keeps
    that weekday's limit: the limit kept from now on ("from now on Thursday runs can't go past 50
    min"), which the brief's one-date ``cap`` cannot say. Days capped one by one stay collateral."""
    if effect.get("effect") != "cap" or not effect.get("date") or not effect.get("minutes"):
        return False
    weekday = dt.date.fromisoformat(str(effect["date"])).weekday()
    if dt.date.fromisoformat(day).weekday() != weekday:
        return False
    standing = ((after.get("profile") or {}).get("availability") or {}).get("max_minutes") or {}
    if not standing.get(WEEKDAYS[weekday]) or standing[WEEKDAYS[weekday]] > float(effect["minutes"]):
        return False
    before, after = diff.plan_dates[day]
    return 0 < _total(_training(after)) <= float(effect["minutes"]) < _total(_training(before))


def collateral(item: Item, diff: Diff, after: dict[str, Any] | None = None) -> list[str]:
    """Plan dates changed more than ``COLLATERAL_AFTER_DAYS`` after today that no expected effect names
    (a later day of a capped weekday shortened to within the cap is named by that cap)."""
    names = {str(e.get("effect")) for e in item.expect}
    if names & COLLATERAL_EXEMPT:
        return []
    named: set[str] = set()
    for effect in item.expect:
        for key in ("date", "from", "to", "a", "b"):
            if effect.get(key):
                named.add(str(effect[key]))
        named.update(str(d) for d in effect.get("dates") or [])
        named.update(_return_days(effect))
    horizon = (item.today + dt.timedelta(days=COLLATERAL_AFTER_DAYS)).isoformat()
    return sorted(d for d in diff.plan_dates if d > horizon and d not in named
                  and not any(_same_weekday_limit(e, d, diff, after or {}) for e in item.expect))


@dataclass
class ItemResult:
    id: str
    athlete: str
    today: str
    voice: str
    text: str
    expect: list[dict[str, Any]]
    passed: bool
    effects: list[EffectResult]
    collateral: list[str]
    changes: list[str]
    reply: str
    ms: float
    error: str | None = None
    logged_errors: list[str] = field(default_factory=list)

    @property
    def vacuous(self) -> bool:
        return any(e.vacuous for e in self.effects)


def score_item(item: Item, before: dict[str, Any], after: dict[str, Any], reply: str, *, ms: float = 0.0,
               error: str | None = None, logged_errors: Sequence[str] = ()) -> ItemResult:
    diff = diff_state(before, after)
    effects = [check_effect(e, before, after, diff, reply, item.today) for e in item.expect]
    if not effects:
        effects = [EffectResult("(no expectation)", False, "the item expects nothing")]
    names = {e.effect for e in effects}
    extra = [] if names & {"none", "ask"} else collateral(item, diff, after)
    passed = all(e.ok for e in effects) and not extra and error is None and not logged_errors
    return ItemResult(id=item.id, athlete=item.athlete, today=item.today.isoformat(), voice=item.voice, text=item.text, expect=item.expect, passed=passed,
                      effects=effects, collateral=extra, changes=diff.describe(), reply=reply, ms=ms, error=error,
                      logged_errors=list(logged_errors))


# ---------------------------------------------------------------------------- running


class _ErrorCatcher(logging.Handler):
    """Collects log records at ERROR or with a traceback while an item runs (a swallowed exception still counts)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR or record.exc_info:
            text = record.getMessage()
            if record.exc_info:
                text += "\n" + "".join(traceback.format_exception(*record.exc_info))
            self.records.append(f"{record.name}: {text}")


def _sqlite_url(directory: Path) -> str:
    return f"sqlite+aiosqlite:///{directory / 'coach.db'}"


async def build_template(directory: Path) -> None:
    """The two athletes of the brief, added as ``coach athlete add`` does, time zone London."""
    from sqlalchemy import update

    from coach.clock import FixedClock
    from coach.engine.models import Plan, Profile
    from coach.service.notes import NoteMemory
    from coach.service.service import CoachService
    from coach.store import models as m
    from coach.store.db import Database

    directory.mkdir(parents=True, exist_ok=True)
    db = Database(_sqlite_url(directory))
    try:
        await db.upgrade()
        service = CoachService(db, FixedClock(DEFAULT_TODAY), memory=NoteMemory(directory / "memory"))
        for name, path in ATHLETES.values():
            profile = Profile.model_validate_json(path.read_text(encoding="utf-8"))
            frozen = path.with_suffix(".plan.json")  # the plan the set was written against, frozen with it
            plan = Plan.model_validate_json(frozen.read_text(encoding="utf-8")) if frozen.exists() else None
            await service.add_athlete(name, profile, plan)
        async with db.transaction() as s:  # onboarding asks for a city; a profile document has no time zone
            await s.execute(update(m.Athlete).values(time_zone=TIME_ZONE))
    finally:
        await db.dispose()


async def run_item(item: Item, template: Path, workdir: Path, catcher: _ErrorCatcher | None = None) -> ItemResult:
    """One message end to end on a fresh copy of the template."""
    from bot.terminal import format_reply, parse_line
    from coach.clock import FixedClock
    from coach.service.notes import NoteMemory
    from coach.service.service import CoachService, Who
    from coach.store.db import Database

    name = ATHLETES[item.athlete][0]
    directory = Path(tempfile.mkdtemp(prefix=f"{item.id}-", dir=workdir))
    shutil.copytree(template, directory, dirs_exist_ok=True)
    db = Database(_sqlite_url(directory))
    service = CoachService(db, FixedClock(item.today), memory=NoteMemory(directory / "memory"))
    error: str | None = None
    reply = ""
    if catcher is not None:
        catcher.records.clear()
    try:
        before = await service.show(name)
        started = time.perf_counter()
        try:
            result = await service.handle(Who(name=name), parse_line(item.text, []))
            reply = "\n".join(format_reply(r) for r in result.replies)
        except Exception:  # a traceback is a result here
            error = traceback.format_exc()
        ms = (time.perf_counter() - started) * 1000
        try:
            after = await service.show(name)
        except Exception:  # the state can't be read back: count it, score against the state before
            error = (error or "") + "reading the state back failed:\n" + traceback.format_exc()
            after = before
    finally:
        await db.dispose()
        shutil.rmtree(directory, ignore_errors=True)
    logged = list(catcher.records) if catcher is not None else []
    return score_item(item, before, after, reply, ms=ms, error=error, logged_errors=logged)


async def evaluate(items: Sequence[Item], *, workdir: Path | None = None, warm_up: bool = True,
                   progress: bool = False) -> list[ItemResult]:
    """Score every item; the template is built once, each item runs on its own copy."""
    own = workdir is None
    base = Path(tempfile.mkdtemp(prefix="coach-blind-")) if workdir is None else workdir
    template = base / "template"
    catcher = _ErrorCatcher()
    root_logger = logging.getLogger()
    root_logger.addHandler(catcher)
    try:
        await build_template(template)
        if warm_up and items:  # load the embedder and classifier off the timed path (as a running bot has them)
            from coach.service.service import default_classifier

            default_classifier().warm_up()
            for text in WARM_UP:
                await run_item(Item(id="warmup", athlete="runner", text=text, expect=[{"effect": "none"}]), template, base)
            catcher.records.clear()
        results = []
        for number, item in enumerate(items, 1):
            results.append(await run_item(item, template, base, catcher))
            if progress and number % 25 == 0:
                sys.stderr.write(f"  {number}/{len(items)}\n")
        return results
    finally:
        root_logger.removeHandler(catcher)
        if own:
            shutil.rmtree(base, ignore_errors=True)


# ---------------------------------------------------------------------------- reporting


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def _rate(passed: int, total: int) -> dict[str, Any]:
    return {"passed": passed, "total": total, "rate": round(passed / total, 4) if total else None}


def summarise(results: Sequence[ItemResult]) -> dict[str, Any]:
    per_effect: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    per_effect_held: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    per_athlete: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in results:
        for name in {e.effect for e in r.effects}:
            per_effect[name][0] += r.passed
            per_effect[name][1] += 1
        for e in r.effects:
            per_effect_held[e.effect][0] += e.ok
            per_effect_held[e.effect][1] += 1
        per_athlete[r.athlete][0] += r.passed
        per_athlete[r.athlete][1] += 1
    times = [r.ms for r in results]
    return {
        "items": len(results),
        "overall": _rate(sum(r.passed for r in results), len(results)),
        "overall_ignoring_collateral": _rate(
            sum(all(e.ok for e in r.effects) and r.error is None and not r.logged_errors for r in results), len(results)),
        "per_effect": {k: _rate(*v) for k, v in sorted(per_effect.items())},
        "per_effect_held": {k: _rate(*v) for k, v in sorted(per_effect_held.items())},
        "per_athlete": {k: _rate(*v) for k, v in sorted(per_athlete.items())},
        "collateral_items": sum(1 for r in results if r.collateral),
        "tracebacks": sum(1 for r in results if r.error),
        "logged_errors": sum(1 for r in results if r.logged_errors),
        "vacuous_expectations": sorted(r.id for r in results if r.vacuous),
        "reply_ms": {"p50": round(statistics.median(times), 1) if times else 0.0, "p95": round(_percentile(times, 0.95), 1),
                     "max": round(max(times), 1) if times else 0.0},
    }


def _pct(rate: dict[str, Any]) -> str:
    return "—" if rate["rate"] is None else f"{100 * rate['rate']:5.1f} % ({rate['passed']}/{rate['total']})"


def render_text(summary: dict[str, Any], label: str = "") -> str:
    lines = [f"Blind evaluation{' of ' + label if label else ''}: {summary['items']} items",
             f"overall           {_pct(summary['overall'])}",
             f"  ignoring collateral {_pct(summary['overall_ignoring_collateral'])}",
             "per effect (item passes / effect holds):"]
    for name, rate in summary["per_effect"].items():
        lines.append(f"  {name:<19} {_pct(rate)}   held {_pct(summary['per_effect_held'][name])}")
    lines.append("per athlete:")
    for name, rate in summary["per_athlete"].items():
        lines.append(f"  {name:<19} {_pct(rate)}")
    ms = summary["reply_ms"]
    lines += [f"collateral items  {summary['collateral_items']}", f"tracebacks        {summary['tracebacks']}",
              f"logged errors     {summary['logged_errors']}",
              f"reply ms          p50 {ms['p50']}  p95 {ms['p95']}  max {ms['max']}"]
    if summary["vacuous_expectations"]:
        lines.append(f"expectations naming a day with no session before ({len(summary['vacuous_expectations'])}): "
                     + ", ".join(summary["vacuous_expectations"]))
    return "\n".join(lines)


def render_failure(r: ItemResult) -> str:
    lines = [f"--- {r.id} [{r.athlete}, {r.voice}, today {r.today}] {r.ms:.0f} ms", f"text:     {r.text[:300]!r}",
             f"expected: {json.dumps(r.expect, ensure_ascii=False)}"]
    for e in r.effects:
        lines.append(f"  {'ok ' if e.ok else 'BAD'} {e.effect}: {e.why}{' (vacuous)' if e.vacuous else ''}")
    if r.collateral:
        lines.append(f"  BAD collateral: plan changed on {', '.join(r.collateral[:6])}{'...' if len(r.collateral) > 6 else ''}")
    lines.append("changed:  " + ("; ".join(r.changes)[:600] if r.changes else "nothing"))
    lines.append(f"reply:    {r.reply[:200]!r}")
    if r.error:
        lines.append("TRACEBACK:\n" + r.error)
    for record in r.logged_errors:
        lines.append("LOGGED ERROR:\n" + record[:2000])
    return "\n".join(lines)


def _result_json(r: ItemResult) -> dict[str, Any]:
    data = asdict(r)
    data["vacuous"] = r.vacuous
    return data


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="End-to-end evaluation of the coach on a blind message set.")
    parser.add_argument("--set", default="a", help="a set name: a-z, aa, ab, ... (tests/blind/set_<name>.jsonl) or a path")
    parser.add_argument("--json", action="store_true", help="print the summary and every item as JSON")
    parser.add_argument("--failures", action="store_true", help="print each failed item")
    parser.add_argument("--limit", type=int, default=None, help="only the first N items")
    parser.add_argument("--only", default=None, help="comma-separated item ids (a-011,a-015) to run alone")
    args = parser.parse_args(argv)
    os.environ.pop("ANTHROPIC_API_KEY", None)  # the offline brain: blind figures are reproducible
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    path = resolve_set(args.set)
    if not path.exists():
        sys.stderr.write(f"eval_blind: no set at {path}\n")
        return 2
    items = load_items(path)
    if args.only:
        wanted = {part.strip() for part in args.only.split(",") if part.strip()}
        items = [item for item in items if item.id in wanted]
    if args.limit is not None:
        items = items[: args.limit]
    results = asyncio.run(evaluate(items, progress=not args.json))
    summary = summarise(results)
    if args.json:
        print(json.dumps({"set": str(path), "summary": summary, "items": [_result_json(r) for r in results]}, indent=2,
                         ensure_ascii=False, default=str))
    else:
        if args.failures:
            for r in results:
                if not r.passed:
                    print(render_failure(r))
            print()
        print(render_text(summary, path.name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
