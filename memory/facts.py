"""Turn a note into structured facts the plan engine treats as hard filters.

"My left knee hurts going downstairs" becomes ``Limitation(body_part="knee", side="left",
avoid=("intervals", "downhill", "hills", "heavy_lower"))``; "I only have a 25 m pool"
becomes ``Equipment(item="pool", exclusive=True, pool_length_m=25)``; "only 45 minutes on
weekdays" becomes ``Constraint(rule="max_minutes", minutes=45, days=("mon", ..., "fri"))``.

Why rules and not the language model: a fact removes sessions from a plan, so it must be
reproducible and each one carries its ``evidence`` (the clause it came from) for the coach
to quote back. The vocabulary is in ``note_rules.yaml``; the avoid tags are the engine's
session types and tags (``memory.vocabulary.AvoidTag``).

Facts are pydantic models with a ``kind`` discriminator, so a list of them round-trips
through JSON (``facts_to_json`` / ``facts_from_json``) for the notes table.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from memory.constants import YARD_M
from memory.rules import NoteRules, load_note_rules, normalise_text
from memory.text import find_durations, split_clauses, split_sentences
from memory.vocabulary import (
    WEEKDAYS,
    AvoidTag,
    BodyPart,
    ConstraintRule,
    EquipmentItem,
    Severity,
    Side,
    SportName,
    Weekday,
)

SIDE_WINDOW_CHARS: Final = 20
"""A side word this close before a body part belongs to it ("my left knee", "left calf and")."""
EQUIPMENT_WINDOW_CHARS: Final = 25
"""Negation or "only" this close to an equipment word applies to it ("don't have a power meter")."""
POOL_LENGTH_RANGE_M: Final = (10.0, 100.0)
"""Lengths outside this are not pool lengths ("I swim 400 m in the pool" is a distance)."""
DAYS_PER_WEEK: Final = 7

_LENGTH: Final = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*(metres|meters|metre|meter|m|yards|yard|yds|yd)\b")
_GOAL_PREFIX: Final = re.compile(r"\b(?:sub|under|break|in|of|than)\s*-?\s*$")
"""A duration right after these is a target ("sub 3 hours", "finish in 4 hours"), not a cap."""
_DURATION_SPAN: Final = r"(\d+|{numbers})\s+({units})\b"


class _Fact(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    since: dt.date = Field(description="The day the athlete said it.")
    until: dt.date | None = Field(
        None, description="Last day it applies (inclusive); None until the athlete says otherwise."
    )
    evidence: str = Field(
        "", description="The clause of the note the fact came from, for the coach to quote."
    )

    def active_on(self, day: dt.date) -> bool:
        """Whether the fact applies on ``day``."""
        return self.since <= day and (self.until is None or day <= self.until)

    @model_validator(mode="after")
    def _ordered(self) -> _Fact:
        if self.until is not None and self.until < self.since:
            raise ValueError(f"until {self.until} is before since {self.since}")
        return self


class Limitation(_Fact):
    """Sessions the plan must not contain while an injury (or a "can't run") lasts.

    ``sport`` scopes ``avoid``: None means every sport; "swim" means only swim sessions
    (a sore shoulder rules out hard swims but not hard rides). ``avoid`` holds session
    types, session tags and whole sports (see ``AvoidTag``).
    """

    kind: Literal["injury"] = "injury"
    body_part: BodyPart | None = None
    side: Side | None = None
    avoid: tuple[AvoidTag, ...] = Field(min_length=1)
    sport: SportName | None = None
    severity: Severity = "moderate"

    def forbids(self, sport: str, session_type: str, tags: frozenset[str] = frozenset()) -> bool:
        """Whether a session of ``sport`` and ``session_type`` carrying ``tags`` is ruled out."""
        if self.sport is not None and sport != self.sport:
            return False
        avoided: set[str] = set(self.avoid)
        return sport in avoided or session_type in avoided or not avoided.isdisjoint(tags)

    def describe(self) -> str:
        """One line for the coach and for the ``limitations.description`` column."""
        where = " ".join(p for p in (self.side, self.body_part) if p) or "injury"
        scope = f" in {self.sport}" if self.sport else ""
        end = f"until {self.until.isoformat()}" if self.until else "until cleared"
        return f"{where} ({self.severity}): avoid {', '.join(self.avoid)}{scope} {end}"


class Equipment(_Fact):
    """What the athlete has or lacks. ``exclusive``: the only way to do ``sport`` ("treadmill only")."""

    kind: Literal["equipment"] = "equipment"
    item: EquipmentItem
    available: bool = True
    exclusive: bool = False
    sport: SportName | None = None
    pool_length_m: float | None = Field(None, gt=0)

    def describe(self) -> str:
        """One line for the coach."""
        name = self.item.replace("_", " ")
        if self.pool_length_m is not None:
            name = f"{self.pool_length_m:g} m {name}"
        if not self.available:
            return f"no {name}"
        return f"{name} only" if self.exclusive else f"has {name}"


class Constraint(_Fact):
    """A scheduling rule: a time cap, a sport off on some days, or days with no training at all.

    ``days`` lists the weekdays it applies to (all seven when the note named none);
    ``max_weekly_minutes`` ignores ``days``.
    """

    kind: Literal["constraint"] = "constraint"
    rule: ConstraintRule
    days: tuple[Weekday, ...] = WEEKDAYS
    minutes: int | None = Field(None, gt=0)
    sport: SportName | None = None

    @model_validator(mode="after")
    def _complete(self) -> Constraint:
        if self.rule in ("max_minutes", "max_weekly_minutes") and self.minutes is None:
            raise ValueError(f"a {self.rule} constraint needs minutes")
        if self.rule == "no_sport" and self.sport is None:
            raise ValueError("a no_sport constraint needs a sport")
        if not self.days:
            raise ValueError("a constraint applies to at least one day")
        return self

    def describe(self) -> str:
        """One line for the coach."""
        days = "every day" if set(self.days) == set(WEEKDAYS) else ", ".join(self.days)
        if self.rule == "max_weekly_minutes":
            return f"at most {self.minutes} min a week"
        if self.rule == "max_minutes":
            return f"at most {self.minutes} min on {days}"
        if self.rule == "no_sport":
            return f"no {self.sport} on {days}"
        return f"no training on {days}"


Fact = Annotated[Limitation | Equipment | Constraint, Field(discriminator="kind")]
_FACTS: Final[TypeAdapter[list[Fact]]] = TypeAdapter(list[Fact])


def facts_to_json(facts: list[Fact]) -> str:
    """Serialise facts to a JSON array (the notes table keeps them beside the note)."""
    return _FACTS.dump_json(facts).decode("utf-8")


def facts_from_json(text: str | bytes) -> list[Fact]:
    """Parse what ``facts_to_json`` wrote; raise ``pydantic.ValidationError`` on anything else."""
    return _FACTS.validate_json(text)


def facts_to_jsonable(facts: list[Fact]) -> list[dict[str, Any]]:
    """Facts as plain dicts for a JSON database column."""
    return [fact.model_dump(mode="json") for fact in facts]


def facts_from_jsonable(data: Any) -> list[Fact]:
    """Facts back from a JSON database column."""
    return _FACTS.validate_python(data)


# --------------------------------------------------------------------------- extraction


def extract_facts(text: str, today: dt.date, rules: NoteRules | None = None) -> list[Fact]:
    """Every injury, equipment and scheduling fact in ``text``, dated ``today``.

    Order: limitations, then equipment, then constraints, each in the order of the note.
    A note with none of them ("felt great") gives an empty list.
    """
    rules = rules if rules is not None else load_note_rules()
    extractor = _Extractor(rules, normalise_text(text), today)
    return extractor.run()


class _Extractor:
    """One pass over one note; a class only to share the compiled rules between the steps."""

    def __init__(self, rules: NoteRules, norm: str, today: dt.date) -> None:
        self.rules = rules
        self.c = rules.compiled
        self.norm = norm
        self.today = today
        self.sentences = split_sentences(norm)
        self.until = self._until()

    def run(self) -> list[Fact]:
        limitations = self._injuries()
        equipment, closures = self._equipment()
        constraints = closures + self._time_caps() + self._no_training()
        limitations, sport_constraints = self._sport_prohibitions(limitations)
        return [*limitations, *equipment, *constraints, *sport_constraints]

    # ------------------------------------------------------------------ helpers

    def _clauses(self) -> list[str]:
        return [clause for sentence in self.sentences for clause in split_clauses(sentence)]

    def _until(self) -> dt.date | None:
        """'for 2 weeks' -> today + 13 days (inclusive); 'this week' -> Sunday; else None."""
        durations = self.rules.durations
        numbers = "|".join(re.escape(n) for n in sorted(durations.numbers, key=len, reverse=True))
        units = "|".join(re.escape(u) for u in sorted(durations.units, key=len, reverse=True))
        span = re.search(
            rf"\bfor\s+(?:the\s+next\s+|another\s+)?{_DURATION_SPAN.format(numbers=numbers, units=units)}",
            self.norm,
        )
        if span:
            count_text, unit = span.group(1), span.group(2)
            count = int(count_text) if count_text.isdigit() else durations.numbers[count_text]
            return self.today + dt.timedelta(days=count * durations.units[unit] - 1)
        if self.c.this_week.search(self.norm):
            return self.today + dt.timedelta(days=DAYS_PER_WEEK - 1 - self.today.weekday())
        return None

    def _days(self, clause: str) -> tuple[Weekday, ...]:
        """Weekdays named in ``clause`` (days and groups such as "weekdays"), in week order."""
        named: set[Weekday] = {day for day, pattern in self.c.weekdays.items() if pattern.search(clause)}
        for pattern, days in self.c.day_groups.values():
            if pattern.search(clause):
                named.update(days)
        return tuple(day for day in WEEKDAYS if day in named)

    def _recovering(self, clause: str) -> bool:
        """A clause that reports pain gone or denies it ("no knee pain", "fine now")."""
        if self.c.recovery.search(clause):
            return True
        return bool(
            re.search(rf"\b(?:no|not|never|without)\s+(?:[\w']+\s+){{0,2}}?{self.c.any_pain.pattern}", clause)
        )

    def _severity(self, clause: str) -> Severity:
        if self.c.severe.search(clause):
            return "severe"
        if self.c.moderate.search(clause):
            return "mild" if self.c.softeners.search(clause) else "moderate"
        if self.c.mild.search(clause):
            return "mild"
        return "moderate"  # a named condition with no pain word

    def _side(self, clause: str, start: int, only_part: bool) -> Side | None:
        """The side word nearest before the body part, or the clause's only side word if it names one part."""
        before = clause[max(0, start - SIDE_WINDOW_CHARS) : start]
        candidates: list[tuple[int, str]] = []
        for side, pattern in self.c.sides.items():
            candidates.extend((m.end(), side) for m in pattern.finditer(before))
        if not candidates and only_part:
            named = {side for side, pattern in self.c.sides.items() if pattern.search(clause)}
            candidates = [(0, named.pop())] if len(named) == 1 else []
        if not candidates:
            return None
        side = max(candidates)[1]
        if side == "left":
            return "left"
        return "right" if side == "right" else None  # "both" knees: no single side

    # ------------------------------------------------------------------ injuries

    def _injuries(self) -> list[Limitation]:
        """A body part with pain (or a named condition) makes a limitation.

        Pain and part are matched within a clause, except when a sentence names a single
        part: then "My knee, it's swollen" still counts, and the severity is the sentence's.
        """
        found: dict[tuple[BodyPart, Side | None], Limitation] = {}
        scoped: list[Limitation] = []
        for sentence in self.sentences:
            live = [clause for clause in split_clauses(sentence) if not self._recovering(clause)]
            mentions = [
                (clause, match.start(), part)
                for clause in live
                for part, pattern in self.c.body_parts.items()
                if (match := pattern.search(clause))
            ]
            single = len({part for _, _, part in mentions}) == 1
            whole = " , ".join(live)
            for clause, start, part in sorted(mentions, key=lambda m: (live.index(m[0]), m[1])):
                context = whole if single else clause
                if not (self.c.any_pain.search(context) or self.c.conditions[part].search(clause)):
                    continue
                severity = self._severity(context)
                parts_in_clause = sum(1 for c, _, _ in mentions if c == clause)
                side = self._side(clause, start, only_part=parts_in_clause == 1)
                if (part, side) in found:
                    continue
                rule = self.rules.body_parts[part]
                avoid = list(rule.avoid) + [t for t in rule.avoid_when_severe if severity == "severe"]
                found[(part, side)] = Limitation(
                    body_part=part,
                    side=side,
                    avoid=tuple(dict.fromkeys(avoid)),
                    severity=severity,
                    since=self.today,
                    until=self.until,
                    evidence=clause,
                )
                scoped.extend(
                    Limitation(
                        body_part=part,
                        side=side,
                        avoid=tuple(tags),
                        sport=sport,
                        severity=severity,
                        since=self.today,
                        until=self.until,
                        evidence=clause,
                    )
                    for sport, tags in rule.avoid_in_sport.items()
                )
        return [*found.values(), *scoped]

    def _injury_context(self) -> bool:
        """Whether "can't run" in this note is about an injury (then a limitation) or about life."""
        return bool(
            self.c.any_pain.search(self.norm)
            or any(p.search(self.norm) for p in self.c.conditions.values())
            or any(kind == "injury" and phrases.search(self.norm) for kind, _, phrases, _ in self.c.cues)
        )

    def _sport_prohibitions(self, limitations: list[Limitation]) -> tuple[list[Limitation], list[Constraint]]:
        """'Can't run': a whole sport off. With an injury it joins the limitation, else it is a constraint."""
        constraints: list[Constraint] = []
        banned: list[tuple[SportName, str]] = []
        for clause in self._clauses():
            for sport, pattern in self.c.prohibited_sport.items():
                if not pattern.search(clause):
                    continue
                days = self._days(clause)
                if days:
                    constraints.append(
                        Constraint(
                            rule="no_sport",
                            sport=sport,
                            days=days,
                            since=self.today,
                            until=self.until,
                            evidence=clause,
                        )
                    )
                elif self.c.one_off.search(clause):
                    continue
                elif self._injury_context():
                    banned.append((sport, clause))
                else:
                    constraints.append(
                        Constraint(
                            rule="no_sport", sport=sport, since=self.today, until=self.until, evidence=clause
                        )
                    )
        if not banned:
            return limitations, constraints
        general = [lim for lim in limitations if lim.sport is None]
        sports = tuple(dict.fromkeys(sport for sport, _ in banned))
        if len(general) == 1:
            only = general[0]
            merged = only.model_copy(update={"avoid": tuple(dict.fromkeys((*only.avoid, *sports)))})
            return [merged if lim is only else lim for lim in limitations], constraints
        ban = Limitation(
            avoid=sports,
            severity=self._severity(self.norm),
            since=self.today,
            until=self.until,
            evidence=banned[0][1],
        )
        return [*limitations, ban], constraints

    # ------------------------------------------------------------------ equipment

    def _equipment(self) -> tuple[list[Equipment], list[Constraint]]:
        items: dict[EquipmentItem, Equipment] = {}
        closures: list[Constraint] = []
        for clause in self._clauses():
            for item, pattern in self.c.equipment.items():
                match = pattern.search(clause)
                if match is None or item in items:
                    continue
                rule = self.rules.equipment.items[item]
                before = clause[max(0, match.start() - EQUIPMENT_WINDOW_CHARS) : match.start()]
                after = clause[match.end() : match.end() + EQUIPMENT_WINDOW_CHARS]
                unavailable = bool(
                    self.c.equipment_negations.search(before)
                    or self.c.equipment_unavailable_after.search(after)
                )
                days = self._days(clause)
                if unavailable and days and rule.sport is not None:
                    # "The pool is closed on Mondays": the item exists, the sport is off those days.
                    closures.append(
                        Constraint(
                            rule="no_sport",
                            sport=rule.sport,
                            days=days,
                            since=self.today,
                            until=self.until,
                            evidence=clause,
                        )
                    )
                    continue
                exclusive = not unavailable and bool(self.c.equipment_exclusive.search(before + " " + after))
                items[item] = Equipment(
                    item=item,
                    available=not unavailable,
                    exclusive=exclusive,
                    sport=rule.sport,
                    pool_length_m=self._pool_length(clause) if item == "pool" else None,
                    since=self.today,
                    until=self.until,
                    evidence=clause,
                )
        return list(items.values()), closures

    @staticmethod
    def _pool_length(clause: str) -> float | None:
        for match in _LENGTH.finditer(clause):
            value = float(match.group(1))
            metres = value * YARD_M if match.group(2).startswith("y") else value
            low, high = POOL_LENGTH_RANGE_M
            if low <= metres <= high:
                return round(metres, 2)
        return None

    # ------------------------------------------------------------------ constraints

    def _time_caps(self) -> list[Constraint]:
        """'Only 45 minutes on weekdays', 'max 6 hours a week': a duration after a limit word."""
        caps: list[Constraint] = []
        spelled = self.rules.constraints.spelled_durations
        for sentence in self.sentences:
            limit = self.c.limit_words.search(sentence)
            if limit is None:
                continue
            for clause in split_clauses(sentence):
                offset = sentence.find(clause)
                for duration in find_durations(clause, self.c.spelled_durations, spelled):
                    if offset + duration.start < limit.start() or _GOAL_PREFIX.search(
                        clause[: duration.start]
                    ):
                        continue
                    tail = clause[duration.end :]
                    days = self._days(clause)
                    if self.c.weekly_words.search(tail):
                        caps.append(
                            Constraint(
                                rule="max_weekly_minutes",
                                minutes=duration.minutes,
                                since=self.today,
                                until=self.until,
                                evidence=clause,
                            )
                        )
                    else:
                        caps.append(
                            Constraint(
                                rule="max_minutes",
                                minutes=duration.minutes,
                                days=days or WEEKDAYS,
                                since=self.today,
                                until=self.until,
                                evidence=clause,
                            )
                        )
        return caps

    def _no_training(self) -> list[Constraint]:
        """'Can't train on Sundays': days with no training at all. Without a day it is a one-off."""
        found: list[Constraint] = []
        for clause in self._clauses():
            if not self.c.prohibited_training.search(clause):
                continue
            days = self._days(clause)
            if days:
                found.append(
                    Constraint(
                        rule="no_training", days=days, since=self.today, until=self.until, evidence=clause
                    )
                )
        return found
