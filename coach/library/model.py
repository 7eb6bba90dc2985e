"""A workout of the athlete's library: the engine's steps plus where it came from and what it is for."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Final, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from coach.engine.models import SessionSport, SessionType, Step
from coach.package_data import RULES_DIR

LibrarySource = Literal["zwo", "intervals", "detected"]
ZoneName = Literal["Z1", "Z2", "Z3", "Z4", "Z5", "Z6"]
_PERCENT: Final = 100.0


class LibraryImportError(Exception):
    """A library file that can't be read: the message says why, in a sentence; nothing is stored."""


class Detection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    smoothing_s: int = Field(ge=1)
    min_segment_s: int = Field(ge=1)
    min_contrast: float = Field(gt=1)
    min_reps: int = Field(ge=2)
    same_duration_pct: float = Field(gt=0)
    same_duration_s: int = Field(ge=0)
    same_intensity_pct: float = Field(gt=0)
    min_work_s: int = Field(ge=1)
    min_activity_s: int = Field(ge=0)
    band_pct_ftp: float = Field(ge=0)
    band_s_per_km: float = Field(ge=0)


class Purpose(BaseModel):
    model_config = ConfigDict(extra="forbid")
    by_zone: dict[ZoneName, SessionType]
    long_min: dict[SessionSport, int]


class LibraryRules(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int
    purpose: Purpose
    detection: Detection


@functools.cache
def library_rules() -> LibraryRules:
    """``coach/rules/library.yaml``, checked."""
    with (RULES_DIR / "library.yaml").open(encoding="utf-8") as handle:
        return LibraryRules.model_validate(yaml.safe_load(handle))


class Workout(BaseModel):
    """One library workout. ``key`` identifies it per athlete (importing again updates it)."""

    model_config = ConfigDict(extra="forbid")

    key: str
    name: str
    sport: SessionSport
    purpose: SessionType
    source: LibrarySource
    source_ref: str = ""
    description: str = ""
    steps: list[Step]
    seen: int = 1
    last_seen: str | None = None

    @property
    def duration_s(self) -> int:
        return total_seconds(self.steps)


def total_seconds(steps: Iterable[Step]) -> int:
    """Seconds of ``steps``, repeats expanded (distance-only steps count 0)."""
    total = 0
    for step in steps:
        if step.kind == "repeat":
            total += step.repeat * total_seconds(step.steps)
        else:
            total += step.duration_s or 0
    return total


def _zone_of_pct_ftp(pct: float, bands: dict[str, tuple[float, float]]) -> str:
    for zone in sorted(bands):
        if pct <= bands[zone][1]:
            return zone
    return "Z6"


# Coggan % FTP bands, the same as coach/rules/workouts.yaml (read here without the engine's loader).
_FTP_BANDS: Final[dict[str, tuple[float, float]]] = {
    "Z1": (45, 55), "Z2": (56, 75), "Z3": (76, 90), "Z4": (91, 105), "Z5": (106, 120), "Z6": (121, 150)
}


def _work_steps(steps: Sequence[Step]) -> list[Step]:
    """The steps that say what a workout is for: the work of its repeats where it has any
    (a warm-up or recovery jog is not the point), else its main steps."""
    repeated = [c for s in steps if s.kind == "repeat" for c in _work_steps(s.steps) if c.kind == "main"]
    if repeated:
        return repeated
    return [s for s in steps if s.kind == "main"]


def step_zone(step: Step) -> str | None:
    target = step.target
    if target is None:
        return None
    if target.zone:
        return target.zone
    if target.unit == "pct_ftp":
        return _zone_of_pct_ftp((target.low + target.high) / 2, _FTP_BANDS)
    return None


def classify(steps: Sequence[Step], sport: SessionSport) -> SessionType:
    """What a workout is for: the zone of its hardest work step (``library.yaml`` purpose.by_zone);
    without zones, repeats mean intervals and a steady session is easy, or long past ``long_min``."""
    rules = library_rules().purpose
    zones = sorted(z for z in (step_zone(s) for s in _work_steps(steps)) if z is not None)
    has_repeats = any(s.kind == "repeat" for s in steps)
    fallback: SessionType = "intervals" if has_repeats else "easy"
    purpose: SessionType = rules.by_zone.get(zones[-1], "easy") if zones else fallback  # type: ignore[call-overload]
    if purpose == "easy" and not has_repeats:
        long_min = rules.long_min.get(sport)
        if long_min is not None and total_seconds(steps) >= long_min * 60:
            return "long"
    return purpose
