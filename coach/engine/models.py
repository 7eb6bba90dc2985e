"""The engine's public documents: the athlete profile (input) and the plan (output).

These models are the public contract of ``coach plan --profile FILE --json`` and of
``coach schema profile|plan``: field names are stable API. Add fields, never rename them.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Sport = Literal["run", "ride", "tri", "strength"]
SessionSport = Literal["run", "ride", "swim", "strength", "brick", "other"]
Event = Literal[
    "5k",
    "10k",
    "half_marathon",
    "marathon",
    "50k",
    "general_fitness",
    "brevet_200",
    "brevet_300",
    "brevet_400",
    "brevet_600",
    "gran_fondo",
    "mtb_stage",
    "bikepacking",
    "sprint_tri",
    "olympic_tri",
    "70.3",
    "ironman",
    "strength",
]
Phase = Literal["base", "build", "peak", "taper", "race", "recovery"]
SessionType = Literal[
    "easy",
    "long",
    "tempo",
    "threshold",
    "intervals",
    "recovery",
    "race",
    "strength",
    "technique",
    "commitment",
]
Intensity = Literal["easy", "moderate", "hard"]
SessionStatus = Literal["planned", "done", "partial", "missed", "moved", "skipped"]

_CLOCK_RE = re.compile(r"^(?:(\d+):)?([0-5]?\d):([0-5]\d)$")


def parse_clock_s(text: str) -> int:
    """Parse ``H:MM:SS`` or ``MM:SS`` into seconds; raise ``ValueError`` with a clear sentence."""
    match = _CLOCK_RE.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a time like 1:45:00 or 48:30")
    hours = int(match.group(1) or 0)
    return hours * 3600 + int(match.group(2)) * 60 + int(match.group(3))


def format_clock(seconds: float) -> str:
    """Format seconds as ``H:MM:SS`` (rounded to the second)."""
    total = round(seconds)
    return f"{total // 3600}:{total % 3600 // 60:02d}:{total % 60:02d}"


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


# --------------------------------------------------------------------------- profile


class Goal(_Doc):
    event: Event
    date: dt.date | None = Field(None, description="Race or goal date; required for races, optional for general fitness and strength.")
    target_time: str | None = Field(None, description="Target finish time, H:MM:SS.")

    @field_validator("target_time")
    @classmethod
    def _check_time(cls, value: str | None) -> str | None:
        if value is not None:
            parse_clock_s(value)
        return value


class Availability(_Doc):
    days: list[Weekday] = Field(min_length=1, max_length=7, description="Days the athlete can train.")
    long_day: Weekday | None = Field(None, description="Preferred day for the long session.")
    max_minutes: dict[Weekday, Annotated[int, Field(ge=0, le=1440)]] = Field(
        default_factory=dict, description="Per-day cap on training minutes."
    )

    @field_validator("days")
    @classmethod
    def _unique_days(cls, value: list[Weekday]) -> list[Weekday]:
        if len(set(value)) != len(value):
            raise ValueError("each day may appear only once")
        return sorted(value, key=WEEKDAYS.index)

    @model_validator(mode="after")
    def _long_day_available(self) -> Availability:
        if self.long_day is not None and self.long_day not in self.days:
            raise ValueError(f"long_day {self.long_day!r} is not one of the available days")
        return self


class RecentRace(_Doc):
    distance_km: float = Field(gt=0, le=1000)
    time: str
    date: dt.date | None = None

    @field_validator("time")
    @classmethod
    def _check_time(cls, value: str) -> str:
        parse_clock_s(value)
        return value


class History(_Doc):
    weekly_km: list[Annotated[float, Field(ge=0, le=500)]] = Field(default_factory=list, description="Recent weekly running (or riding) km, oldest first.")
    weekly_hours: list[Annotated[float, Field(ge=0, le=60)]] = Field(default_factory=list, description="Recent weekly training hours, oldest first.")
    longest_km: float | None = Field(None, ge=0, le=1000)
    longest_minutes: float | None = Field(None, ge=0, le=2880)
    recent_race: RecentRace | None = None
    ftp_w: float | None = Field(None, gt=0, le=700)
    ride_speed_kmh: float | None = Field(
        None,
        gt=5,
        le=60,
        description="Average speed of the athlete's usual endurance rides, km/h: rides then get a planned distance.",
    )
    css_per_100m: str | None = Field(None, description="Critical swim speed pace per 100 m, M:SS.")
    one_rep_max_kg: dict[str, Annotated[float, Field(gt=0, le=600)]] = Field(default_factory=dict)
    max_hr: int | None = Field(None, ge=100, le=230)
    resting_hr: int | None = Field(None, ge=25, le=120)
    threshold_hr: int | None = Field(None, ge=80, le=220)

    @field_validator("css_per_100m")
    @classmethod
    def _check_css(cls, value: str | None) -> str | None:
        if value is not None:
            parse_clock_s(value)
        return value


class Blocked(_Doc):
    from_: dt.date = Field(alias="from")
    to: dt.date
    reason: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> Blocked:
        if self.to < self.from_:
            raise ValueError("'to' is before 'from'")
        return self


class Commitment(_Doc):
    day: Weekday
    sport: SessionSport = "other"
    minutes: int = Field(gt=0, le=600)
    name: str = "Commitment"
    intensity: Intensity = "moderate"


class Closure(_Doc):
    facility: Literal["pool"] = "pool"
    days: list[Weekday] = Field(min_length=1, max_length=7)


class DayCap(_Doc):
    """One date with less time than usual ("only 25 minutes on Friday")."""

    date: dt.date
    minutes: int = Field(ge=0, le=1440)


class BRace(_Doc):
    """A shorter race before the goal, ridden or run as training (e.g. the 200, 300 and 400 km
    brevets before a 600): placed as a race session with easier days around it."""

    date: dt.date
    event: Event
    name: str | None = Field(None, max_length=80)


class Profile(_Doc):
    """What the engine knows of an athlete when it builds a plan."""

    sport: Sport
    goal: Goal
    start_date: dt.date
    availability: Availability
    history: History = Field(default_factory=History)
    blocked: list[Blocked] = Field(default_factory=list)
    commitments: list[Commitment] = Field(default_factory=list)
    closures: list[Closure] = Field(default_factory=list)
    available_dates: list[dt.date] = Field(
        default_factory=list,
        description="Dates the athlete made available once (a session moved there on request), whatever the weekday.",
    )
    day_caps: list[DayCap] = Field(default_factory=list, description="One-off caps on one date's training minutes.")
    strength_days: int = Field(0, ge=0, le=3, description="Hybrid: strength days added to an endurance plan.")
    b_races: list[BRace] = Field(
        default_factory=list,
        max_length=12,
        description="Shorter races before the goal, as training (B races): each a date before the goal "
        "date, within the plan, and a known event.",
    )
    units: Literal["km", "mi"] = "km"
    name: str | None = None

    @model_validator(mode="after")
    def _dates(self) -> Profile:
        if self.goal.date is not None and self.goal.date < self.start_date:
            raise ValueError(f"goal.date {self.goal.date} is before start_date {self.start_date}")
        if self.goal.date is not None and (self.goal.date - self.start_date).days > 52 * 7:
            raise ValueError("goal.date is more than 52 weeks after start_date; plans cover 1 to 52 weeks")
        return self


# --------------------------------------------------------------------------- plan


class Target(_Doc):
    """The intensity target of a step. ``low``/``high`` are in ``unit``.

    Units: ``s_per_km`` (run pace), ``pct_ftp`` (ride power), ``w`` (watts),
    ``s_per_100m`` (swim pace), ``bpm`` (heart rate), ``pct_1rm``, ``rpe``.
    """

    unit: Literal["s_per_km", "pct_ftp", "w", "s_per_100m", "bpm", "pct_1rm", "rpe", "hr_zone"]
    low: float
    high: float
    zone: str | None = Field(None, description="Zone label, e.g. Z2.")


class Step(_Doc):
    kind: Literal["warmup", "main", "cooldown", "recovery", "repeat", "set"]
    label: str = ""
    sport: SessionSport | None = Field(
        None, description="The leg's sport in a multisport session (a brick, a triathlon race); null elsewhere."
    )
    duration_s: int | None = None
    distance_m: float | None = None
    target: Target | None = None
    repeat: int = Field(1, ge=1, description="For kind 'repeat': how many times the child steps run.")
    steps: list[Step] = Field(default_factory=list)
    exercise: str | None = None
    sets: int | None = None
    reps: int | None = None
    load_kg: float | None = None


class Session(_Doc):
    date: dt.date
    sport: SessionSport
    type: SessionType
    intensity: Intensity
    key: bool = False
    duration_min: int = Field(ge=0)
    distance_km: float | None = None
    distance_estimated: bool = Field(
        False,
        description="distance_km is an estimate at the plan's assumed easy pace (meta.easy_pace_estimate: no race "
        "result yet); shown as '≈' and replaced once a result gives paces.",
    )
    load: float = Field(0.0, description="Planned training load (TSS-like units).")
    steps: list[Step] = Field(default_factory=list)
    description: str = ""
    intervals_icu: str = Field("", description="The workout in Intervals.icu workout text.")
    status: SessionStatus = "planned"
    waived: list[str] = Field(default_factory=list, description="Rule ids a coach override waived for this session.")


class Week(_Doc):
    index: int = Field(ge=1)
    start: dt.date
    phase: Phase
    cutback: bool = False
    planned_km: float | None = None
    planned_minutes: int = 0
    load: float = 0.0
    sessions: list[Session] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list, description="Why this week looks the way it does.")
    built_minutes: int | None = Field(
        None,
        description="Training minutes before the athlete's reports eased this week (null: as built). The weeks "
        "after it keep their progression: the ramp and load-ratio limits read the larger of this and planned_minutes.",
    )
    built_load: float | None = Field(None, description="The week's load before it was eased (null: as built).")
    return_fraction: float | None = Field(
        None,
        gt=0,
        lt=1,
        description="A week of the return after a break (guardrails adapt.break_return_fractions): at most this "
        "share of built_minutes. Held to it, the week is read as built by the ramp and load-ratio limits, so the "
        "weeks after the return keep the plan as built (null: no return).",
    )


class Alternative(_Doc):
    kind: Literal["later_date", "shorter_event", "finish_only"]
    event: Event
    date: dt.date | None = None
    description: str


class EasyPaceEstimate(_Doc):
    s_per_km: float = Field(gt=0, description="The easy running pace the run distances are estimated at, s/km.")
    source: Literal["history", "assumption"] = Field(
        description="'history': the athlete's recent weekly km over hours; 'assumption': the rules' documented default."
    )


class PlanMeta(_Doc):
    event: Event
    sport: Sport
    start_date: dt.date
    race_date: dt.date | None = Field(None, description="Race day, or the goal date of a plan without a race (strength, fitness).")
    weeks: int = 0
    rules_version: str
    engine_version: str = "1"
    target_time: str | None = None
    level: Literal["novice", "intermediate", "advanced"] | None = Field(
        None, description="A running race build's level, from the athlete's current weekly km (rules race_prep.yaml)."
    )
    easy_pace_estimate: EasyPaceEstimate | None = Field(
        None,
        description="Set when no race result gives running paces: run distances are estimates at this pace "
        "(sessions say distance_estimated).",
    )
    finish_only: bool = Field(
        False,
        description="The build cannot reach the event's minimum preparation in time: a plan to finish only "
        "(no target time, no race-pace work); reason and notes say what it leaves out.",
    )


class Violation(_Doc):
    rule_id: str
    week: int | None = None
    date: dt.date | None = None
    message: str
    values: dict[str, float | int | str | None] = Field(default_factory=dict)


class Fix(_Doc):
    rule_id: str
    action: Literal["move", "shorten", "drop", "convert", "add"]
    week: int | None = None
    date: dt.date | None = None
    detail: str


class Waiver(_Doc):
    rule_id: str
    week: int | None = None
    date: dt.date | None = None
    by: str = Field(description="Who waived the rule (a coach).")
    reason: str = ""


class Validation(_Doc):
    violations: list[Violation] = Field(default_factory=list)
    fixes: list[Fix] = Field(default_factory=list)
    waivers: list[Waiver] = Field(default_factory=list)


class Plan(_Doc):
    feasible: bool
    reason: str | None = None
    alternatives: list[Alternative] = Field(default_factory=list)
    meta: PlanMeta
    weeks: list[Week] = Field(default_factory=list)
    validation: Validation = Field(default_factory=Validation)
    notes: list[str] = Field(
        default_factory=list,
        description="What the plan as a whole aims at and why: level, peak week, longest run, goal pace.",
    )
