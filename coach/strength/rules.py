"""``coach/rules/strength.yaml``, read and checked once (pydantic): a typo fails at start-up."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

Pattern = Literal[
    "squat", "hinge", "horizontal_push", "vertical_push", "horizontal_pull", "vertical_pull", "single_leg", "carry", "core"
]
Phase = Literal["accumulation", "intensification", "deload"]
Colour = Literal["green", "amber", "red"]
Track = Literal["strength", "conditioning", "mobility"]

RULES_RESOURCE = "strength.yaml"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PatternRule(_Model):
    lower_body: bool


class ExerciseRule(_Model):
    pattern: Pattern
    equipment: tuple[str, ...] = ()
    safer: tuple[str, ...] = ()


class DayTemplate(_Model):
    label: str = Field(min_length=1, max_length=16)
    patterns: tuple[Pattern, ...] = Field(min_length=1)


class Dose(_Model):
    sets: int = Field(ge=1, le=10)
    reps: int = Field(ge=1, le=12)
    rpe: float = Field(ge=6.0, le=10.0)
    rest_s: int = Field(ge=0, le=600)


class PhaseDose(_Model):
    main: Dose
    accessory: Dose


class PhaseRules(_Model):
    accumulation_min_days: int
    accumulation_max_days: int
    intensification_max_days: int
    deload_days: int
    plateaued_share_to_intensify: float = Field(ge=0, le=1)
    fatigue_red_checkins: int


class ReadinessAdjust(_Model):
    rpe_delta: float
    sets_delta: int


class PainRules(_Model):
    min_rest_s: int = Field(ge=180)  # seed 004: never below 180 s
    words: tuple[str, ...]
    negations: tuple[str, ...]


class ButtonRules(_Model):
    harder_rpe_delta: float
    easier_rpe_delta: float


class Calibration(_Model):
    reps: int
    rpe: float
    rest_s: int


class SelfGrading(_Model):
    window: int
    min_samples: int
    bias_threshold: float
    rmse_threshold: float
    bucket_edges_h: tuple[float, float]
    max_correction: float


class TransferRules(_Model):
    min_pairs: int
    min_r2: float


class Tracks(_Model):
    session_minutes: int
    by_goal: dict[str, dict[Track, float]]
    default_goal: str


class Hybrid(_Model):
    keep_away_days: int


class LimitationRule(_Model):
    safer: tuple[Pattern, ...] = ()
    skip: tuple[Pattern, ...] = ()


class StrengthRules(_Model):
    version: int
    plate_increment_kg: float = Field(gt=0)
    plate_increment_range_kg: tuple[float, float]
    patterns: dict[Pattern, PatternRule]
    exercises: dict[str, ExerciseRule]
    days: dict[int, tuple[DayTemplate, ...]]
    default_days_per_week: int
    tracks: Tracks
    phases: dict[Phase, PhaseDose]
    phase_rules: PhaseRules
    readiness: dict[Colour, ReadinessAdjust]
    target_rpe_range: tuple[float, float]
    hard_set_rpe: float
    hard_set_extra_rest_s: int
    pain: PainRules
    effort_words: dict[str, float]
    buttons: ButtonRules
    calibration: Calibration
    self_grading: SelfGrading
    transfer: TransferRules
    hybrid: Hybrid
    aliases: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    limitations: dict[str, LimitationRule] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> StrengthRules:
        for name, exercise in self.exercises.items():
            for variant in exercise.safer:
                if variant not in self.exercises:
                    raise ValueError(f"exercise {name}: safer variant {variant!r} is not an exercise")
                if self.exercises[variant].pattern != exercise.pattern:
                    raise ValueError(f"exercise {name}: safer variant {variant!r} trains another pattern")
        for pattern in self.patterns:
            if not any(e.pattern == pattern and not e.equipment for e in self.exercises.values()):
                raise ValueError(f"pattern {pattern} has no exercise that needs no equipment")
        labels: dict[str, tuple[str, ...]] = {}
        for count, templates in self.days.items():
            if len(templates) != count:
                raise ValueError(f"days {count}: {len(templates)} templates")
            for template in templates:
                if labels.setdefault(template.label, template.patterns) != template.patterns:
                    raise ValueError(f"day label {template.label} means different patterns in different templates")
        seen: dict[str, str] = {}
        for target, names in self.aliases.items():
            if target not in self.exercises:
                raise ValueError(f"aliases: {target!r} is not an exercise")
            for name in names:
                if seen.setdefault(name, target) != target:
                    raise ValueError(f"aliases: {name!r} names both {seen[name]} and {target}")
        if self.default_days_per_week not in self.days or self.tracks.default_goal not in self.tracks.by_goal:
            raise ValueError("default_days_per_week and tracks.default_goal must name an entry")
        return self


def parse_rules(text: str) -> StrengthRules:
    return StrengthRules.model_validate(yaml.safe_load(text))


@lru_cache(maxsize=1)
def load_rules() -> StrengthRules:
    """The packaged rules (cached: read once per process)."""
    text = resources.files("coach").joinpath("rules").joinpath(RULES_RESOURCE).read_text(encoding="utf-8")
    return parse_rules(text)


def canonical_exercise(name: str, rules: StrengthRules | None = None) -> str:
    """The exercise a logged name means ('Squat' -> back_squat, 'OHP' -> overhead_press); a name the
    rules don't know stays its own lift (lower case, underscores)."""
    rules = rules or load_rules()
    key = "_".join(name.strip().lower().replace("-", " ").split())
    if key in rules.exercises:
        return key
    for target, names in rules.aliases.items():
        if key in names:
            return target
    return key
