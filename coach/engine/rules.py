"""Training rules as data: the schema of ``coach/rules/*.yaml`` and its loader.

Every threshold the engine applies (ramp rate, long-run share, taper, zones, event profiles,
KPI gates) lives in the YAML files under ``coach/rules/``, each with a ``version``, and is cited
there. This module only checks their shape, so a changed number changes the plan without a
code change (MISSION.md principle 3, seed 002: "Gate logic is data-driven and file-based").
"""

from __future__ import annotations

from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from coach.engine.errors import RulesError
from coach.engine.models import Event, Intensity, Phase, SessionSport, SessionType, Sport, Weekday

#: ``coach/rules/``: package data, found through importlib.resources wherever the package is installed.
DEFAULT_RULES_DIR = Path(str(resources.files("coach").joinpath("rules")))
RULE_FILES = ("guardrails", "events", "kpi_gates", "workouts", "race_prep")

Fraction = Annotated[float, Field(ge=0, le=1)]
PositiveMin = Annotated[float, Field(gt=0)]
ZoneName = Literal["Z1", "Z2", "Z3", "Z4", "Z5", "Z6"]
QualitySport = Literal["main", "run", "ride", "swim"]


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- guardrails


class VolumeRules(_Rule):
    ramp_max_pct: Annotated[float, Field(gt=0, le=100)]
    ramp_min_step_min: Annotated[float, Field(ge=0)]
    ramp_lookback_weeks: Annotated[int, Field(ge=1, le=8)]
    start_floor_min: Annotated[float, Field(ge=0)]
    baseline_weeks: Annotated[int, Field(ge=1, le=52)]
    default_run_pace_s_per_km: PositiveMin
    default_ride_speed_kmh: PositiveMin
    round_to_min: Annotated[int, Field(ge=1, le=30)]


class AcwrRules(_Rule):
    max_ratio: Annotated[float, Field(gt=1)]
    chronic_weeks: Annotated[int, Field(ge=1, le=8)]
    min_chronic_load: Annotated[float, Field(ge=0)]


class CutbackRules(_Rule):
    every_weeks: Annotated[int, Field(ge=2, le=8)]
    volume_fraction: Annotated[float, Field(gt=0, lt=1)]
    detect_fraction: Annotated[float, Field(gt=0, lt=1)]

    @model_validator(mode="after")
    def _detectable(self) -> CutbackRules:
        if self.volume_fraction > self.detect_fraction:
            raise ValueError("volume_fraction must not exceed detect_fraction, or cutback weeks go unseen")
        return self


class TaperRules(_Rule):
    volume_fraction_by_weeks_out: list[Annotated[float, Field(gt=0, le=1)]] = Field(min_length=1)
    tolerance_pct: Annotated[float, Field(ge=0, le=50)]


class WeekRules(_Rule):
    min_rest_days: Annotated[int, Field(ge=0, le=6)]
    max_training_days: Annotated[int, Field(ge=1, le=7)]
    easy_share_min: Fraction
    easy_share_target: Fraction
    min_session_min: Annotated[int, Field(ge=5, le=120)]
    max_sessions_per_day: Annotated[int, Field(ge=1, le=4)]
    default_day_max_min: Annotated[int, Field(ge=30, le=1440)]


class LongRunShareRules(_Rule):
    default_max: Annotated[float, Field(gt=0, le=1)]
    by_run_days: dict[Annotated[int, Field(ge=1, le=7)], Annotated[float, Field(gt=0, le=1)]]

    def max_share(self, run_days: int) -> float:
        """Largest long-run share for a week with ``run_days`` run days (seed 003: ≤ 30–35 %)."""
        return self.by_run_days.get(run_days, self.default_max)


class IntensityRules(_Rule):
    hard_intensities: list[Intensity]
    easy_zones: list[ZoneName]


class CalendarRules(_Rule):
    pool_swim_max_min: Annotated[int, Field(gt=0)]
    long_ride_weekend: bool
    weekday_ride_max_min: Annotated[int, Field(gt=0)]
    weekend_days: list[Weekday]


class LoadRules(_Rule):
    intensity_factor: dict[SessionType, Annotated[float, Field(gt=0, le=1.5)]]
    commitment_intensity_factor: dict[Intensity, Annotated[float, Field(gt=0, le=1.5)]]

    @field_validator("intensity_factor")
    @classmethod
    def _all_types(cls, value: dict[SessionType, float]) -> dict[SessionType, float]:
        missing = [t for t in SessionType.__args__ if t not in value]  # type: ignore[attr-defined]
        if missing:
            raise ValueError(f"missing session types: {', '.join(missing)}")
        return value


class PlanRules(_Rule):
    default_weeks: Annotated[int, Field(ge=1, le=52)]
    block_weeks: Annotated[int, Field(ge=2, le=8)]
    max_weeks: Annotated[int, Field(ge=1, le=52)]
    max_fix_passes: Annotated[int, Field(ge=1, le=20)]


class AdaptRules(_Rule):
    window_weeks: Annotated[int, Field(ge=1, le=4)]
    keep_hours: Annotated[int, Field(ge=0, le=168)]
    fatigue_day_fractions: dict[Annotated[int, Field(ge=1, le=3)], Annotated[list[Fraction], Field(min_length=1, max_length=14)]]
    readiness_severity_below: dict[Annotated[int, Field(ge=1, le=3)], Annotated[float, Field(ge=0, le=100)]]
    illness_return_fractions: list[Annotated[float, Field(gt=0, le=1)]] = Field(min_length=1)
    illness_above_neck_fraction: float = Field(gt=0, le=1)
    partial_missed_below: Fraction
    resume_fraction: Fraction
    detrain_lost_weeks: float = Field(gt=0, le=12)
    break_return_fractions: list[Annotated[float, Field(gt=0, lt=1)]] = Field(min_length=1, max_length=6)


class RuleKinds(_Rule):
    """Every validator rule is a limit (no change may break it) or a target (what the builder aims at)."""

    limits: list[str] = Field(min_length=1)
    targets: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _disjoint(self) -> RuleKinds:
        both = set(self.limits) & set(self.targets)
        if both:
            raise ValueError(f"rules listed as both limit and target: {', '.join(sorted(both))}")
        return self


class Guardrails(_Rule):
    version: int
    kinds: RuleKinds
    volume: VolumeRules
    acwr: AcwrRules
    cutback: CutbackRules
    taper: TaperRules
    week: WeekRules
    long_run_share: LongRunShareRules
    intensity: IntensityRules
    calendar: CalendarRules
    load: LoadRules
    plan: PlanRules
    adapt: AdaptRules

    def is_target(self, rule_id: str) -> bool:
        """A target the builder aims at; a change may miss it (a limit it may not break)."""
        return rule_id in self.kinds.targets


# --------------------------------------------------------------------------- events


class QualitySpec(_Rule):
    sport: QualitySport
    type: SessionType


def _parse_quality(value: Any) -> Any:
    if isinstance(value, str):
        sport, sep, kind = value.partition(":")
        if not sep:
            raise ValueError(f"{value!r} is not 'sport:type'")
        return {"sport": sport, "type": kind}
    return value


class PhaseMix(_Rule):
    base: list[QualitySpec]
    build: list[QualitySpec]
    peak: list[QualitySpec]
    taper: list[QualitySpec]

    @field_validator("base", "build", "peak", "taper", mode="before")
    @classmethod
    def _strings(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [_parse_quality(item) for item in value]
        return value

    def for_phase(self, phase: Phase) -> list[QualitySpec]:
        """Quality sessions of ``phase``; the race week uses the taper mix."""
        if phase in ("base", "recovery"):
            return self.base
        if phase == "build":
            return self.build
        if phase == "peak":
            return self.peak
        return self.taper


class VolumeProfile(_Rule):
    peak_cap_weekly_min: PositiveMin
    target_peak_weekly_min: PositiveMin
    min_peak_weekly_min: Annotated[float, Field(ge=0)]
    finish_only_min_peak_weekly_min: Annotated[float, Field(ge=0)]

    @model_validator(mode="after")
    def _ordered(self) -> VolumeProfile:
        if self.target_peak_weekly_min > self.peak_cap_weekly_min:
            raise ValueError("target_peak_weekly_min exceeds peak_cap_weekly_min")
        if self.min_peak_weekly_min > self.target_peak_weekly_min:
            raise ValueError("min_peak_weekly_min exceeds target_peak_weekly_min")
        return self


class PhaseCounts(_Rule):
    base: Annotated[int, Field(ge=0, le=3)] = 0
    build: Annotated[int, Field(ge=0, le=3)] = 0
    peak: Annotated[int, Field(ge=0, le=3)] = 0
    taper: Annotated[int, Field(ge=0, le=3)] = 0

    def for_phase(self, phase: Phase) -> int:
        if phase in ("base", "recovery"):
            return self.base
        if phase == "build":
            return self.build
        if phase == "peak":
            return self.peak
        return self.taper


LegSport = Literal["swim", "ride", "run", "transition"]


class RaceLeg(_Rule):
    """One leg of a multisport race: its sport (or a transition), distance and share of time."""

    sport: LegSport
    label: str
    km: PositiveMin | None = None
    share: Annotated[float, Field(gt=0, le=1)]


class EventProfile(_Rule):
    sports: list[Sport] = Field(min_length=1)
    race: bool
    distance_km: PositiveMin | None
    min_weeks: Annotated[int, Field(ge=1, le=52)]
    taper_weeks: Annotated[int, Field(ge=0, le=6)]
    volume: VolumeProfile
    volume_by_sport: dict[Sport, VolumeProfile] = Field(default_factory=dict)
    long_session_max_min: dict[SessionSport, PositiveMin]
    long_share_target: dict[SessionSport, Annotated[float, Field(gt=0, le=1)]]
    race_duration_min: Annotated[float, Field(ge=0)]
    race_intensity_factor: Annotated[float, Field(ge=0, le=1.5)]
    sport_split: dict[SessionSport, Annotated[float, Field(gt=0, le=1)]]
    sport_split_by_sport: dict[Sport, dict[SessionSport, Annotated[float, Field(gt=0, le=1)]]] = Field(
        default_factory=dict
    )
    session_mix: PhaseMix
    bricks: PhaseCounts = Field(default_factory=PhaseCounts)
    shorter: list[Event]
    kpi_profile: str
    race_legs: list[RaceLeg] = Field(default_factory=list)

    @field_validator("race_legs")
    @classmethod
    def _legs_add_up(cls, value: list[RaceLeg]) -> list[RaceLeg]:
        if value and abs(sum(leg.share for leg in value) - 1.0) > 1e-6:
            raise ValueError(f"leg shares must add up to 1, got {sum(leg.share for leg in value):.3f}")
        return value

    @field_validator("sport_split")
    @classmethod
    def _sums_to_one(cls, value: dict[SessionSport, float]) -> dict[SessionSport, float]:
        if abs(sum(value.values()) - 1.0) > 1e-6:
            raise ValueError(f"shares must add up to 1, got {sum(value.values()):.3f}")
        return value

    def volume_for(self, sport: Sport) -> VolumeProfile:
        return self.volume_by_sport.get(sport, self.volume)

    def split_for(self, sport: Sport) -> dict[SessionSport, float]:
        return self.sport_split_by_sport.get(sport, self.sport_split)


class PhaseSplit(_Rule):
    base: Fraction
    build: Fraction
    peak: Fraction


class Periodisation(_Rule):
    phase_split: PhaseSplit


class EventsFile(_Rule):
    version: int
    periodisation: Periodisation
    events: dict[Event, EventProfile]

    @field_validator("events")
    @classmethod
    def _every_event(cls, value: dict[Event, EventProfile]) -> dict[Event, EventProfile]:
        missing = [e for e in Event.__args__ if e not in value]  # type: ignore[attr-defined]
        if missing:
            raise ValueError(f"missing event profiles: {', '.join(missing)}")
        return value


# --------------------------------------------------------------------------- KPI gates


class KpiGate(_Rule):
    kpi: str
    op: Literal["ge", "le", "between"]
    low: float | None = None
    high: float | None = None
    unit: str
    mandatory: bool
    transition: Literal["base_to_build", "build_to_peak", "peak_to_taper"]
    note: str

    @model_validator(mode="after")
    def _bounds(self) -> KpiGate:
        if self.op in ("ge", "between") and self.low is None:
            raise ValueError(f"gate {self.kpi}: op {self.op} needs 'low'")
        if self.op in ("le", "between") and self.high is None:
            raise ValueError(f"gate {self.kpi}: op {self.op} needs 'high'")
        return self

    def passes(self, value: float) -> bool:
        """Whether a measured KPI ``value`` opens this gate."""
        if self.op == "ge":
            return self.low is not None and value >= self.low
        if self.op == "le":
            return self.high is not None and value <= self.high
        return self.low is not None and self.high is not None and self.low <= value <= self.high


class KpiProfile(_Rule):
    gates: list[KpiGate]


class KpiFile(_Rule):
    version: int
    profiles: dict[str, KpiProfile]


# --------------------------------------------------------------------------- workouts

ZoneBand = tuple[float, float]


class Zones(_Rule):
    ftp_pct: dict[ZoneName, ZoneBand]
    hr_max_pct: dict[ZoneName, ZoneBand]
    lthr_pct: dict[ZoneName, ZoneBand]
    css_offset_s_per_100m: dict[ZoneName, ZoneBand]
    rpe: dict[ZoneName, ZoneBand]
    run_pace_band: dict[ZoneName, Literal["E", "M", "T", "I", "R"]]
    ride_speed_reference_zone: ZoneName


class Template(_Rule):
    label: str
    zone: ZoneName
    warmup_min: Annotated[float, Field(ge=0)] = 0
    cooldown_min: Annotated[float, Field(ge=0)] = 0
    work_zone: ZoneName | None = None
    continuous: bool = False
    work_min: PositiveMin | None = None
    recovery_min: Annotated[float, Field(ge=0)] = 0
    min_reps: Annotated[int, Field(ge=1)] = 1
    max_reps: Annotated[int, Field(ge=1)] = 1
    min_work_min: Annotated[float, Field(ge=0)] = 0
    max_work_min: Annotated[float, Field(ge=0)] = 0

    @model_validator(mode="after")
    def _structured(self) -> Template:
        if self.work_zone is not None and not self.continuous and self.work_min is None:
            raise ValueError(f"template {self.label!r}: repeats need work_min")
        return self


class BrickRules(_Rule):
    label: str
    run_fraction: Fraction
    run_min_min: PositiveMin
    run_max_min: PositiveMin
    ride_zone: ZoneName
    run_zone: ZoneName


class RaceRules(_Rule):
    label: str


class HillRules(_Rule):
    label: str
    reps: Annotated[int, Field(ge=1, le=12)]
    work_s: Annotated[int, Field(ge=10, le=120)]
    recovery_s: Annotated[int, Field(ge=0, le=240)]
    zone: ZoneName


class SessionRules(_Rule):
    quality_min_min: PositiveMin
    quality_max_min: dict[SessionSport, PositiveMin]
    max_sessions_per_week: dict[SessionSport, Annotated[int, Field(ge=1, le=14)]]
    max_sessions_per_week_tri: dict[SessionSport, Annotated[int, Field(ge=1, le=14)]]
    swim_session_target_min: PositiveMin
    race_week_quality_days_before: Annotated[int, Field(ge=1, le=6)]
    min_warmup_min: Annotated[float, Field(ge=0)]
    min_step_min: Annotated[float, Field(ge=0)]
    race_eve_rest: bool
    race_week_session_max_min: PositiveMin


class StrengthWave(_Rule):
    sets: Annotated[int, Field(ge=1, le=10)]
    reps: Annotated[int, Field(ge=1, le=20)]
    pct_1rm: Annotated[float, Field(gt=0, le=100)]
    rpe: Annotated[float, Field(ge=1, le=10)]


class Accessory(_Rule):
    sets: Annotated[int, Field(ge=1, le=10)]
    reps: Annotated[int, Field(ge=1, le=30)]
    rpe: Annotated[float, Field(ge=1, le=10)]


class StrengthDay(_Rule):
    name: str
    main: list[str] = Field(min_length=1)
    accessory: list[str]


class StrengthRules(_Rule):
    sessions_per_week: Annotated[int, Field(ge=1, le=6)]
    hybrid_session_min: PositiveMin
    warmup_min: Annotated[float, Field(ge=0)]
    work_min_per_set: PositiveMin
    rest_min_per_set: dict[Literal["main", "accessory"], PositiveMin]
    waves: list[StrengthWave] = Field(min_length=1)
    hybrid_sets_minus: Annotated[int, Field(ge=0, le=5)]
    accessory: Accessory
    days: list[StrengthDay] = Field(min_length=1)
    one_rep_max_aliases: dict[str, list[str]]
    load_round_kg: PositiveMin


class WorkoutsFile(_Rule):
    version: int
    zones: Zones
    templates: dict[SessionSport, dict[SessionType, Template]]
    brick: BrickRules
    hills: HillRules
    race: RaceRules
    sessions: SessionRules
    strength: StrengthRules

    def template(self, sport: SessionSport, kind: SessionType) -> Template | None:
        return self.templates.get(sport, {}).get(kind)


# --------------------------------------------------------------------------- race_prep.yaml

Level = Literal["novice", "intermediate", "advanced"]
LEVELS: tuple[Level, ...] = ("novice", "intermediate", "advanced")


class LevelBands(_Rule):
    intermediate_from_km: PositiveMin
    advanced_from_km: PositiveMin

    def level(self, weekly_km: float) -> Level:
        if weekly_km >= self.advanced_from_km:
            return "advanced"
        if weekly_km >= self.intermediate_from_km:
            return "intermediate"
        return "novice"


class PrepBuild(_Rule):
    peak_over_current: Annotated[float, Field(ge=1, le=3)]
    peak_max_over_current: Annotated[float, Field(ge=1, le=5)]
    long_step_max_min: PositiveMin
    long_target_weeks_before_taper: Annotated[int, Field(ge=0, le=8)]


class PrepGoal(_Rule):
    out_of_reach_pct: Annotated[float, Field(ge=0, le=50)]
    relaxed_pct: Annotated[float, Field(ge=0, le=50)]


class Strides(_Rule):
    reps: Annotated[int, Field(ge=1, le=12)]
    work_s: Annotated[int, Field(ge=5, le=60)]
    recovery_s: Annotated[int, Field(ge=0, le=180)]


DrillSport = Literal["run", "tri"]


class PrepStructure(_Rule):
    second_quality_from_km: PositiveMin
    second_quality_min_run_days: Annotated[int, Field(ge=1, le=7)]
    medium_long_from_km: PositiveMin
    medium_long_fraction: Annotated[float, Field(gt=0, lt=1)]
    strides: Strides
    # The athletes whose base weeks carry strides and hill repeats on easy runs, by sport.
    base_drills_sports: list[DrillSport] = Field(default_factory=lambda: list[DrillSport](["run"]))


class ByLevel(_Rule):
    novice: PositiveMin
    intermediate: PositiveMin
    advanced: PositiveMin

    def of(self, level: Level) -> float:
        return float(getattr(self, level))


class LongMinimum(_Rule):
    """A longest run of at least ``km`` or of at least ``minutes`` (whichever comes first)."""

    km: PositiveMin
    minutes: PositiveMin


class GoalPace(_Rule):
    session: Literal["long", "tempo", "threshold", "intervals"]
    start_min: PositiveMin
    max_min: PositiveMin
    max_fraction: Annotated[float, Field(gt=0, le=1)]


class EventPrep(_Rule):
    peak_km: ByLevel
    long_km: ByLevel
    min_long: LongMinimum | None = None
    finish_only_long: LongMinimum | None = None
    goal_pace: GoalPace | None = None
    second_quality: Literal["tempo", "threshold", "intervals"] | None = None
    medium_long: bool = False


TimedSport = Literal["ride", "run"]


class OpenWaterSwim(_Rule):
    """A triathlon build's continuous swim at about race distance (issue 17): once in each
    loading week of ``phases``, exempt from the pool's lane limit (open water)."""

    km: Annotated[float, Field(gt=0)]
    max_min: PositiveMin
    default_css_s_per_100m: Annotated[float, Field(gt=0)]
    phases: list[Literal["base", "build", "peak"]]


class TimedPrep(_Rule):
    """A ride or triathlon build: long-session targets and minimums in minutes per sport."""

    long_min: dict[TimedSport, PositiveMin]
    long_share_max: dict[Literal["ride"], Annotated[float, Field(gt=0, le=1)]] = Field(default_factory=dict)
    min_long: dict[TimedSport, PositiveMin] = Field(default_factory=dict)
    finish_only_long: dict[TimedSport, PositiveMin] = Field(default_factory=dict)
    long_step_max_min: dict[TimedSport, PositiveMin] = Field(default_factory=dict)
    open_water: OpenWaterSwim | None = None


class LongSessionNote(_Rule):
    """Advice a week's notes carry when its long ``sport`` session of ``events`` lasts at
    least ``from_min`` (fuelling, night riding, back-to-back days; the open-water swim, the
    only long swim a triathlon build plans)."""

    sport: Literal["ride", "run", "swim"]
    from_min: PositiveMin
    events: list[Event] = Field(min_length=1)
    note: str = Field(min_length=1)


class BRaceRules(_Rule):
    """Days around a B race (race_prep.yaml ``b_races``)."""

    eve_days: Annotated[int, Field(ge=0, le=3)]
    eve_max_min: PositiveMin
    after_days: Annotated[int, Field(ge=0, le=3)]
    after_max_min: PositiveMin
    min_days_before_goal: Annotated[int, Field(ge=1, le=60)]


class BackToBack(_Rule):
    """A second long ride on the day after the long ride (race_prep.yaml ``back_to_back``)."""

    events: list[Event] = Field(min_length=1)
    phases: list[Phase] = Field(min_length=1)
    fraction: Annotated[float, Field(gt=0, lt=1)]
    min_long_min: PositiveMin


class RacePrepFile(_Rule):
    version: int
    levels: LevelBands
    build: PrepBuild
    goal: PrepGoal
    structure: PrepStructure
    events: dict[Event, EventPrep]
    timed_events: dict[Event, TimedPrep] = Field(default_factory=dict)
    long_session_notes: list[LongSessionNote] = Field(default_factory=list)
    b_races: BRaceRules | None = None
    back_to_back: BackToBack | None = None


# --------------------------------------------------------------------------- all rules


class Rules(BaseModel):
    """All rule files, loaded and checked. ``version`` names every file's version."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    guardrails: Guardrails
    events: EventsFile
    kpi: KpiFile
    workouts: WorkoutsFile
    prep: RacePrepFile

    @cached_property
    def memo(self) -> dict[Any, Any]:
        """A cache for values derived from these rules only (e.g. generated workouts)."""
        return {}

    @cached_property
    def version(self) -> str:
        return (
            f"guardrails@{self.guardrails.version}+events@{self.events.version}"
            f"+kpi@{self.kpi.version}+workouts@{self.workouts.version}+race_prep@{self.prep.version}"
        )

    def updated(self, **sections: Any) -> Rules:
        """A copy with whole sections replaced (what-if tools, tests); caches are not shared."""
        copy = self.model_copy(update=sections)
        copy.__dict__.pop("memo", None)
        copy.__dict__.pop("version", None)
        return copy

    def event(self, name: Event) -> EventProfile:
        return self.events.events[name]

    @model_validator(mode="after")
    def _cross_refs(self) -> Rules:
        for name, profile in self.events.events.items():
            if profile.kpi_profile not in self.kpi.profiles:
                raise ValueError(
                    f"events.{name}.kpi_profile {profile.kpi_profile!r} is not in kpi_gates.yaml"
                )
        return self


_FILE_FIELD = {
    "guardrails": "guardrails",
    "events": "events",
    "kpi_gates": "kpi",
    "workouts": "workouts",
    "race_prep": "prep",
}


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(f"{path}: cannot be read ({exc.strerror or exc})", path=path) from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RulesError(f"{path}: is not valid YAML ({exc})", path=path) from exc
    if not isinstance(data, dict):
        raise RulesError(f"{path}: expected a mapping at the top level", path=path)
    if "version" not in data:
        raise RulesError(f"{path}: field 'version' is missing", path=path, field="version")
    return data


def _first_error(path: Path, exc: ValidationError, prefix: str = "") -> RulesError:
    error = exc.errors()[0]
    loc = [str(part) for part in error["loc"]]
    if prefix and loc and loc[0] == prefix:
        loc = loc[1:]
    field = ".".join(loc) or "(top level)"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return RulesError(f"{path}: field {field!r}: {error['msg']}{more}", path=path, field=field)


_CACHE: dict[tuple[Path, tuple[float, ...]], Rules] = {}


def load_rules(directory: Path | None = None) -> Rules:
    """Load and check ``guardrails.yaml``, ``events.yaml``, ``kpi_gates.yaml``, ``workouts.yaml`` and ``race_prep.yaml``.

    ``directory`` defaults to the package's ``coach/rules/`` folder. Raises :class:`RulesError`
    naming the file and field on bad data. Loaded rules are cached per directory and file
    modification times, so editing a file is seen on the next call.
    """
    folder = (directory or DEFAULT_RULES_DIR).resolve()
    paths = {name: folder / f"{name}.yaml" for name in RULE_FILES}
    try:
        stamp = tuple(paths[name].stat().st_mtime_ns for name in RULE_FILES)
    except OSError:
        stamp = ()
    key = (folder, tuple(float(s) for s in stamp))
    if stamp and key in _CACHE:
        return _CACHE[key]
    raw = {name: _read_yaml(path) for name, path in paths.items()}
    parsed: dict[str, Any] = {}
    models: dict[str, type[BaseModel]] = {
        "guardrails": Guardrails,
        "events": EventsFile,
        "kpi_gates": KpiFile,
        "workouts": WorkoutsFile,
        "race_prep": RacePrepFile,
    }
    for name, model in models.items():
        try:
            parsed[_FILE_FIELD[name]] = model.model_validate(raw[name])
        except ValidationError as exc:
            raise _first_error(paths[name], exc) from exc
    try:
        rules = Rules(**parsed)
    except ValidationError as exc:
        raise _first_error(paths["events"], exc) from exc
    if stamp:
        _CACHE[key] = rules
    return rules
