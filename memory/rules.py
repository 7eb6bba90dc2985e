"""Load ``note_rules.yaml`` into validated models and compile its phrases once.

The rules are data (see the YAML's header for why); this module only checks them and
turns phrase lists into word-boundary regular expressions, so the classifier and the
fact extractor stay small and every decision traces back to a line of the YAML.
"""

from __future__ import annotations

import functools
import re
from importlib import resources
from typing import Final

import yaml
from pydantic import BaseModel, ConfigDict, Field, PositiveInt, ValidationError, field_validator

from coach.language.text import fold
from memory.errors import NoteRulesError
from memory.vocabulary import (
    AvoidTag,
    BodyPart,
    EquipmentItem,
    NoteKind,
    SportName,
    Weekday,
)

RULES_RESOURCE: Final = "note_rules.yaml"
SUPPORTED_RULES_VERSION: Final = 1


def normalise_text(text: str) -> str:
    """The language layer's light fold (``coach.language.text.fold``) on one line: NFKC, lower case,
    straight quotes and dashes, so "Can’t" from a phone keyboard matches "can't"."""
    return fold(text, keep_lines=False)


def phrase_pattern(phrases: list[str]) -> re.Pattern[str]:
    """One regex matching any phrase as whole words; longer phrases first so "lower back" beats "back"."""
    if not phrases:
        return re.compile(r"(?!x)x")  # matches nothing
    ordered = sorted({normalise_text(p) for p in phrases}, key=len, reverse=True)
    alternation = "|".join(re.escape(p) for p in ordered)
    return re.compile(rf"(?<![\w'])(?:{alternation})(?![\w])")


class _Rules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DayGroup(_Rules):
    phrases: list[str]
    days: list[Weekday]


class PainRules(_Rules):
    severe: list[str]
    moderate: list[str]
    mild: list[str]
    softeners: list[str]


class BodyPartRule(_Rules):
    name: str = Field(description="How the coach says it back to the athlete, e.g. 'lower back'.")
    aliases: list[str] = Field(min_length=1)
    conditions: list[str] = Field(
        default_factory=list, description="Diagnoses that imply both the part and pain."
    )
    avoid: list[AvoidTag]
    avoid_when_severe: list[AvoidTag] = Field(default_factory=list)
    avoid_in_sport: dict[SportName, list[AvoidTag]] = Field(default_factory=dict)
    stressed_by: list[str] = Field(
        default_factory=list, description="Movements that load this part (recall expansion)."
    )


class DurationRules(_Rules):
    units: dict[str, PositiveInt]
    numbers: dict[str, PositiveInt]
    this_week: list[str]


class EquipmentItemRule(_Rules):
    aliases: list[str] = Field(min_length=1)
    sport: SportName | None = None


class EquipmentRules(_Rules):
    items: dict[EquipmentItem, EquipmentItemRule]
    negations: list[str]
    unavailable_after: list[str]
    exclusive: list[str]


class ConstraintRules(_Rules):
    limit_words: list[str]
    one_off_words: list[str]
    weekly_words: list[str]
    training_words: list[str]
    spelled_durations: dict[str, PositiveInt]


class SignalWeights(_Rules):
    body_part: float
    pain: float
    body_part_pain: float
    condition: float
    equipment: float
    prohibited_sport: float
    weekday: float
    duration: float


class Cue(_Rules):
    kind: NoteKind
    weight: float = Field(gt=0)
    phrases: list[str] = Field(default_factory=list)
    patterns: list[str] = Field(default_factory=list)

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, value: list[str]) -> list[str]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"pattern {pattern!r} does not compile: {exc}") from exc
        return value


class ClassificationRules(_Rules):
    priority: list[NoteKind]
    default_kind: NoteKind
    signals: SignalWeights
    cues: list[Cue]

    @field_validator("priority")
    @classmethod
    def _every_kind_once(cls, value: list[NoteKind]) -> list[NoteKind]:
        if len(set(value)) != len(value):
            raise ValueError("each note kind may appear only once in priority")
        return value


class RecallRules(_Rules):
    template: str

    @field_validator("template")
    @classmethod
    def _has_name(cls, value: str) -> str:
        if "{name}" not in value:
            raise ValueError("the recall template must contain {name}")
        return value


class NoteRules(_Rules):
    """The whole of ``note_rules.yaml``, validated."""

    version: int
    sports: dict[SportName, list[str]]
    weekdays: dict[Weekday, list[str]]
    day_groups: dict[str, DayGroup]
    sides: dict[str, list[str]]
    pain: PainRules
    recovery_cues: list[str]
    body_parts: dict[BodyPart, BodyPartRule]
    prohibitions: list[str]
    prohibition_fillers: list[str]
    durations: DurationRules
    equipment: EquipmentRules
    constraints: ConstraintRules
    classification: ClassificationRules
    recall: RecallRules

    @field_validator("version")
    @classmethod
    def _supported(cls, value: int) -> int:
        if value != SUPPORTED_RULES_VERSION:
            raise ValueError(f"rules version {value} is not supported (expected {SUPPORTED_RULES_VERSION})")
        return value

    @field_validator("sides")
    @classmethod
    def _known_sides(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = set(value) - {"left", "right", "both"}
        if unknown:
            raise ValueError(f"unknown sides {sorted(unknown)}; use left, right and both")
        return value

    @functools.cached_property
    def compiled(self) -> CompiledRules:
        return CompiledRules(self)


class CompiledRules:
    """The phrase lists of ``NoteRules`` as regexes, built once per rules object."""

    def __init__(self, rules: NoteRules) -> None:
        self.sports = {sport: phrase_pattern(words) for sport, words in rules.sports.items()}
        self.any_sport = phrase_pattern([w for words in rules.sports.values() for w in words])
        self.weekdays = {day: phrase_pattern(words) for day, words in rules.weekdays.items()}
        self.day_groups = {name: (phrase_pattern(g.phrases), g.days) for name, g in rules.day_groups.items()}
        self.sides = {side: phrase_pattern(words) for side, words in rules.sides.items()}
        self.severe = phrase_pattern(rules.pain.severe)
        self.moderate = phrase_pattern(rules.pain.moderate)
        self.mild = phrase_pattern(rules.pain.mild)
        self.any_pain = phrase_pattern(rules.pain.severe + rules.pain.moderate + rules.pain.mild)
        self.softeners = phrase_pattern(rules.pain.softeners)
        self.recovery = phrase_pattern(rules.recovery_cues)
        self.body_parts = {
            part: phrase_pattern(rule.aliases + rule.conditions) for part, rule in rules.body_parts.items()
        }
        self.conditions = {part: phrase_pattern(rule.conditions) for part, rule in rules.body_parts.items()}
        self.stressed_by = {part: phrase_pattern(rule.stressed_by) for part, rule in rules.body_parts.items()}
        self.prohibitions = phrase_pattern(rules.prohibitions)
        fillers = "|".join(re.escape(f) for f in sorted(rules.prohibition_fillers, key=len, reverse=True))
        self.prohibited_sport = {
            sport: re.compile(rf"{self.prohibitions.pattern}(?:\s+(?:{fillers}))?\s+{pattern.pattern}")
            for sport, pattern in self.sports.items()
        }
        self.equipment = {item: phrase_pattern(rule.aliases) for item, rule in rules.equipment.items.items()}
        self.equipment_negations = phrase_pattern(rules.equipment.negations)
        self.equipment_unavailable_after = phrase_pattern(rules.equipment.unavailable_after)
        self.equipment_exclusive = phrase_pattern(rules.equipment.exclusive)
        self.limit_words = phrase_pattern(rules.constraints.limit_words)
        self.weekly_words = phrase_pattern(rules.constraints.weekly_words)
        self.training_words = phrase_pattern(rules.constraints.training_words)
        self.one_off = phrase_pattern(rules.constraints.one_off_words)
        self.prohibited_training = re.compile(
            rf"{self.prohibitions.pattern}(?:\s+(?:{fillers}))?\s+{self.training_words.pattern}"
        )
        self.any_day = phrase_pattern(
            [w for words in rules.weekdays.values() for w in words]
            + [p for group in rules.day_groups.values() for p in group.phrases]
        )
        self.spelled_durations = phrase_pattern(list(rules.constraints.spelled_durations))
        self.this_week = phrase_pattern(rules.durations.this_week)
        self.cues = [
            (cue.kind, cue.weight, phrase_pattern(cue.phrases), [re.compile(p) for p in cue.patterns])
            for cue in rules.classification.cues
        ]


def parse_note_rules(text: str) -> NoteRules:
    """Validate rules from YAML text; raise ``NoteRulesError`` naming the bad field."""
    try:
        data = yaml.safe_load(text)
        return NoteRules.model_validate(data)
    except yaml.YAMLError as exc:
        raise NoteRulesError(f"The note rules are not valid YAML: {exc}") from exc
    except ValidationError as exc:
        raise NoteRulesError(f"The note rules do not validate: {exc}") from exc


@functools.cache
def load_note_rules() -> NoteRules:
    """The rules shipped with the package (``memory/note_rules.yaml``), parsed once per process."""
    try:
        text = resources.files("memory").joinpath(RULES_RESOURCE).read_text(encoding="utf-8")
    except OSError as exc:
        raise NoteRulesError(
            f"The note rules file {RULES_RESOURCE} is missing from the memory package."
        ) from exc
    return parse_note_rules(text)
