"""``ImportedActivity``: what every importer returns, and the shared finishing step.

Importers (FIT, GPX, TCX, CSV, /log text) read what the file says into :class:`RawActivity`;
:func:`finish` turns it into an :class:`ImportedActivity` the same way for every format: it
resamples streams to 1 Hz, computes NP, the power curve, TSS and the load with the engine's
pure metrics, checks plausibility, and derives a stable fingerprint for de-duplication.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Sequence
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator

from coach.engine.metrics.load import LoadInputs, activity_load, grades_from_altitude
from coach.engine.metrics.power import (
    JOULES_PER_KJ,
    STANDARD_MMP_DURATIONS_S,
    aerobic_decoupling_pct,
    durability_profile,
    efficiency_factor,
    normalized_power_w,
    power_duration_curve,
    training_stress_score,
    work_kj,
)
from coach.engine.units import METRES_PER_KM, MS_TO_KMH

Sport = Literal["run", "ride", "virtual_ride", "swim", "strength", "other"]
SourceFormat = Literal["fit", "gpx", "tcx", "csv", "log"]
LoadMethod = Literal[
    "power", "pace", "swim_pace", "heart_rate", "session_rpe", "duration_estimate", "reported"
]

#: Samples further apart than this are a pause: not filled, not counted as riding time.
MAX_FILL_GAP_S: Final = 10
#: Heart rates above this are sensor faults (a chest strap on dry skin can read 240+); samples
#: below the minimum are dropouts (0 is what most devices write when no strap is paired).
MAX_PLAUSIBLE_HR_BPM: Final = 230
MIN_VALID_HR_BPM: Final = 25
#: Highest believable *average* speed per sport, km/h: above the world hour record on a bike
#: (56.8 km/h, 2022), the marathon record pace (21 km/h) and the 1500 m swim record (5.7 km/h)
#: with room for downhill or drafting; above these the number is a device error.
PLAUSIBLE_MAX_AVG_SPEED_KMH: Final[dict[str, float]] = {
    "run": 25.0,
    "ride": 60.0,
    "virtual_ride": 70.0,
    "swim": 8.0,
    "strength": 30.0,
    "other": 100.0,
}
BEST_HR_DURATION_S: Final = 1200
#: Share of 1 Hz samples that must carry HR for the 20-minute best and decoupling to be used.
MIN_HR_COVERAGE: Final = 0.5
#: Elevation changes smaller than this are noise when summing climbing from an altitude stream
#: (GoldenCheetah's default "elevation hysteresis", 3 m).
ELEVATION_HYSTERESIS_M: Final = 3.0
#: Fingerprints round the start down to this many seconds and the duration to whole minutes.
FINGERPRINT_START_ROUNDING_S: Final = 60
FINGERPRINT_LENGTH: Final = 16
_SPORT_FAMILY: Final[dict[str, str]] = {"virtual_ride": "ride"}


class ActivityStreams(BaseModel):
    """Raw samples as recorded: ``time_s`` seconds from the start, the rest aligned to it."""

    model_config = ConfigDict(extra="forbid")

    time_s: list[float] = Field(default_factory=list)
    power_w: list[float | None] | None = None
    heart_rate_bpm: list[float | None] | None = None
    speed_m_per_s: list[float | None] | None = None
    distance_m: list[float | None] | None = None
    altitude_m: list[float | None] | None = None
    cadence_rpm: list[float | None] | None = None

    def resample_1hz(self, values: Sequence[float | None]) -> list[float | None]:
        """One value per second of recording: gaps up to ``MAX_FILL_GAP_S`` take the next sample's
        value (smart recording), longer gaps are pauses and contribute a single sample."""
        if len(values) != len(self.time_s):
            raise ValueError("stream length differs from time_s")
        out: list[float | None] = []
        previous_t: float | None = None
        for t, value in zip(self.time_s, values, strict=True):
            if previous_t is None:
                out.append(value)
            else:
                step = round(t - previous_t)
                if step <= 0:
                    continue
                out.extend([value] * (step if step <= MAX_FILL_GAP_S else 1))
            previous_t = t
        return out


class RawActivity(BaseModel):
    """What a file says, before any metric is computed. Summary fields are the device's own."""

    model_config = ConfigDict(extra="forbid")

    source_format: SourceFormat
    sport: Sport
    sub_sport: str | None = None
    name: str | None = None
    start_time: dt.datetime
    elapsed_s: float | None = None
    moving_s: float | None = None
    distance_m: float | None = None
    elevation_gain_m: float | None = None
    avg_hr: float | None = None
    max_hr: float | None = None
    avg_power_w: float | None = None
    np_w: float | None = None
    avg_speed_m_per_s: float | None = None
    device_ftp_w: float | None = None
    device_max_hr: float | None = None
    device_resting_hr: float | None = None
    device_threshold_hr: float | None = None
    device_tss: float | None = None
    reported_load: float | None = Field(
        None, description="Load the exporting platform computed (Intervals.icu, Strava)."
    )
    has_gps: bool = False
    indoor: bool = False
    pool_length_m: float | None = None
    rpe: float | None = None
    streams: ActivityStreams = Field(default_factory=ActivityStreams)
    warnings: list[str] = Field(default_factory=list)


def _utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


class DurabilityFigure(BaseModel):
    """Best power over ``duration_s`` before and after ``after_kj`` of work in one ride, and their
    ratio, the durability index (seed 002's DI; Maunder et al. 2021; see ``power.durability``)."""

    model_config = ConfigDict(extra="forbid")

    after_kj: int
    duration_s: int
    fresh_w: float
    fatigued_w: float
    index: float


class ImportedActivity(BaseModel):
    """One recorded session, whatever file it came from. Units are in the names."""

    model_config = ConfigDict(extra="forbid")

    sport: Sport
    sub_sport: str | None = None
    name: str | None = None
    source_format: SourceFormat
    start_time: dt.datetime = Field(description="UTC start of the recording.")
    elapsed_s: float = Field(ge=0)
    moving_s: float | None = Field(None, ge=0)
    distance_km: float | None = Field(None, ge=0)
    elevation_gain_m: float | None = Field(None, ge=0)
    avg_hr: float | None = None
    max_hr: float | None = None
    avg_power_w: float | None = None
    np_w: float | None = None
    tss: float | None = Field(None, description="Power TSS (rides with power and an FTP).")
    load: float = Field(0.0, description="Training load in TSS-like points, whatever the sport.")
    load_method: LoadMethod = "duration_estimate"
    has_gps: bool = False
    indoor: bool = False
    mmp_w: dict[int, float] = Field(
        default_factory=dict, description="Best average power (W) per duration (s)."
    )
    best_20min_hr_bpm: float | None = None
    efficiency_factor: float | None = None
    decoupling_pct: float | None = None
    work_kj: float | None = Field(
        None, ge=0, description="Work done (kJ): from the power stream, else average power × moving time."
    )
    durability: list[DurabilityFigure] = Field(
        default_factory=list,
        description="Durability at each work point the ride reached (rides with a power stream only).",
    )
    flags: list[str] = Field(default_factory=list, description="Machine codes of data problems found.")
    warnings: list[str] = Field(default_factory=list, description="The same problems as sentences.")
    streams: ActivityStreams | None = Field(None, exclude=True, repr=False)

    @field_validator("start_time")
    @classmethod
    def _to_utc(cls, value: dt.datetime) -> dt.datetime:
        return _utc(value)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def fingerprint(self) -> str:
        """Stable identity for de-duplication: sport family + start (to the minute) + minutes.

        The same activity imported twice — or as FIT and later as its GPX export — gets the
        same fingerprint, so the store keeps it once.
        """
        family = _SPORT_FAMILY.get(self.sport, self.sport)
        epoch = int(self.start_time.timestamp())
        start = epoch - epoch % FINGERPRINT_START_ROUNDING_S
        minutes = round(self.elapsed_s / 60.0)
        key = f"{family}|{start}|{minutes}"
        return hashlib.sha256(key.encode()).hexdigest()[:FINGERPRINT_LENGTH]

    @property
    def duration_s(self) -> float:
        """Moving time where known, else elapsed."""
        return self.moving_s if self.moving_s else self.elapsed_s

    def to_json_row(self, file: str | None = None, error: str | None = None) -> dict[str, object]:
        """The flat row ``coach import --json`` prints."""
        return {
            "file": file,
            "sport": self.sport,
            "start_time": self.start_time.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "elapsed_s": round(self.elapsed_s, 1),
            "moving_s": None if self.moving_s is None else round(self.moving_s, 1),
            "distance_km": None if self.distance_km is None else round(self.distance_km, 3),
            "elevation_gain_m": None if self.elevation_gain_m is None else round(self.elevation_gain_m, 1),
            "avg_hr": None if self.avg_hr is None else round(self.avg_hr),
            "max_hr": None if self.max_hr is None else round(self.max_hr),
            "avg_power_w": None if self.avg_power_w is None else round(self.avg_power_w, 1),
            "np_w": None if self.np_w is None else round(self.np_w, 1),
            "tss": None if self.tss is None else round(self.tss, 1),
            "load": round(self.load, 1),
            "load_method": self.load_method,
            "fingerprint": self.fingerprint,
            "warnings": list(self.warnings),
            "error": error,
        }


# --------------------------------------------------------------------------- finishing


def _present(values: Sequence[float | None] | None) -> bool:
    return values is not None and any(v is not None for v in values)


def _mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return math.fsum(present) / len(present) if present else None


def _forward_fill(values: Sequence[float | None]) -> list[float]:
    out: list[float] = []
    last: float | None = None
    for v in values:
        if v is not None:
            last = v
        if last is not None:
            out.append(last)
    return out


def _best_mean(values: Sequence[float], window: int) -> float | None:
    if len(values) < window:
        return None
    running = math.fsum(values[:window])
    best = running
    for i in range(window, len(values)):
        running += values[i] - values[i - window]
        best = max(best, running)
    return best / window


def _elevation(raw: RawActivity) -> float | None:
    if raw.sport == "strength":
        return None
    if raw.elevation_gain_m is not None:
        return raw.elevation_gain_m
    if raw.indoor:
        return None
    if raw.streams.altitude_m is not None and _present(raw.streams.altitude_m):
        return elevation_gain_m(raw.streams.altitude_m)
    return None


def _plausible_hr(
    raw: RawActivity, hr_1hz: list[float | None], flags: list[str], warnings: list[str]
) -> bool:
    high = MAX_PLAUSIBLE_HR_BPM
    candidates = [v for v in (raw.avg_hr, raw.max_hr) if v]
    mean = _mean(hr_1hz)
    if mean is not None:
        candidates.append(mean)
    if any(v > high for v in candidates):
        flags.append("implausible_heart_rate")
        worst = max(candidates)
        warnings.append(
            f"The heart-rate data looks wrong (it reaches {worst:.0f} bpm, above {high}), so it was left out."
        )
        return False
    return True


def elevation_gain_m(
    altitude_m: Sequence[float | None], hysteresis_m: float = ELEVATION_HYSTERESIS_M
) -> float:
    """Total climbing from an altitude stream, ignoring wiggles under ``hysteresis_m``."""
    gain = 0.0
    anchor: float | None = None
    for value in altitude_m:
        if value is None:
            continue
        if anchor is None:
            anchor = value
        elif value - anchor >= hysteresis_m:
            gain += value - anchor
            anchor = value
        elif anchor - value >= hysteresis_m:
            anchor = value
    return gain


def finish(
    raw: RawActivity,
    *,
    ftp_w: float | None = None,
    max_hr: int | None = None,
    resting_hr: int | None = None,
    threshold_hr: int | None = None,
    threshold_pace_s_per_km: float | None = None,
    swim_threshold_pace_s_per_100m: float | None = None,
    keep_streams: bool = True,
) -> ImportedActivity:
    """Compute metrics and checks shared by every importer (see the module docstring).

    Athlete settings passed here win over those the device stored in the file (FIT
    ``zones_target``/``user_profile``), which win over nothing: without a max HR from either,
    no heart-rate load is computed.
    """
    streams = raw.streams
    flags: list[str] = []
    warnings = list(raw.warnings)
    start_time = _utc(raw.start_time)

    elapsed = raw.elapsed_s
    if elapsed is None and streams.time_s:
        elapsed = streams.time_s[-1] - streams.time_s[0]
    elapsed = max(elapsed or 0.0, 0.0)
    moving = min(raw.moving_s, elapsed) if raw.moving_s is not None and elapsed > 0 else raw.moving_s

    power_1hz = (
        [p if p is not None and p >= 0 else 0.0 for p in streams.resample_1hz(streams.power_w)]
        if _present(streams.power_w) and streams.power_w is not None
        else []
    )
    hr_1hz = streams.resample_1hz(streams.heart_rate_bpm) if streams.heart_rate_bpm is not None else []
    hr_1hz = [h if h is not None and h >= MIN_VALID_HR_BPM else None for h in hr_1hz]

    hr_ok = _plausible_hr(raw, hr_1hz, flags, warnings)
    if not hr_ok:
        hr_1hz = []
    avg_hr = (raw.avg_hr or _mean(hr_1hz)) if hr_ok else None
    stream_max_hr = max((h for h in hr_1hz if h is not None), default=None)
    device_max_hr = raw.max_hr or stream_max_hr
    avg_hr = avg_hr if avg_hr else None
    device_max_hr = device_max_hr if hr_ok and device_max_hr else None

    distance_m = raw.distance_m
    if distance_m is None and streams.distance_m:
        known = [d for d in streams.distance_m if d is not None]
        distance_m = max(known) if known else None
    if not distance_m:
        distance_m = None  # a zero distance means the recording had none (gym, treadmill without pod)
    duration = moving or elapsed
    if distance_m is not None and duration > 0:
        limit = PLAUSIBLE_MAX_AVG_SPEED_KMH[raw.sport]
        device_speed = (raw.avg_speed_m_per_s or 0.0) * MS_TO_KMH
        own_speed = distance_m / duration * MS_TO_KMH
        if own_speed > limit:
            flags.append("implausible_speed")
            warnings.append(
                f"The distance gives an average of {own_speed:.0f} km/h, too fast for a {raw.sport}; "
                "distance and pace were left out."
            )
            distance_m = None
        elif device_speed > limit:
            flags.append("implausible_speed")
            warnings.append(
                f"The device reports an average speed of {device_speed:.0f} km/h, impossible for a {raw.sport}; "
                f"the average was recomputed from the distance ({own_speed:.1f} km/h)."
            )

    np_w = normalized_power_w(power_1hz) if power_1hz else raw.np_w
    avg_power = (math.fsum(power_1hz) / len(power_1hz)) if power_1hz else raw.avg_power_w
    mmp = power_duration_curve(power_1hz, STANDARD_MMP_DURATIONS_S) if power_1hz else {}
    ftp = ftp_w or raw.device_ftp_w
    tss: float | None = None
    if np_w and ftp and raw.sport in ("ride", "virtual_ride"):
        tss = training_stress_score(len(power_1hz) if power_1hz else duration, np_w, ftp)
    elif raw.device_tss is not None and raw.sport in ("ride", "virtual_ride"):
        tss = raw.device_tss

    hr_coverage = sum(1 for h in hr_1hz if h is not None) / len(hr_1hz) if hr_1hz else 0.0
    best_hr = (
        _best_mean(_forward_fill(hr_1hz), BEST_HR_DURATION_S) if hr_coverage >= MIN_HR_COVERAGE else None
    )

    speed_1hz: list[float | None] = []
    grade: list[float] | None = None
    if _present(streams.speed_m_per_s) and streams.speed_m_per_s is not None:
        speed_1hz = streams.resample_1hz(streams.speed_m_per_s)
    elif _present(streams.distance_m) and streams.distance_m is not None:
        distance_1hz = streams.resample_1hz(streams.distance_m)
        speed_1hz = [
            (b - a) if a is not None and b is not None and b >= a else None
            for a, b in zip([distance_1hz[0], *distance_1hz[:-1]], distance_1hz, strict=True)
        ]
    if (
        raw.sport == "run"
        and speed_1hz
        and _present(streams.altitude_m)
        and _present(streams.distance_m)
        and streams.altitude_m is not None
        and streams.distance_m is not None
        and not raw.indoor
    ):
        grade = grades_from_altitude(
            streams.resample_1hz(streams.distance_m), streams.resample_1hz(streams.altitude_m)
        )
    if "implausible_speed" in flags:
        speed_1hz, grade = [], None

    ef: float | None = None
    decoupling: float | None = None
    # Pw:Hr for rides needs power (speed on a bike follows the road, not the rider); Pa:Hr for runs
    # uses speed.
    output: list[float | None] = (
        list(power_1hz) if power_1hz else (list(speed_1hz) if raw.sport == "run" else [])
    )
    if hr_coverage >= MIN_HR_COVERAGE and output and len(output) == len(hr_1hz) and avg_hr:
        decoupling = aerobic_decoupling_pct(output, hr_1hz)
        reference = (
            np_w
            if power_1hz and np_w
            else (distance_m / duration * 60.0 if distance_m and duration else None)
        )
        ef = efficiency_factor(reference, avg_hr) if reference else None

    load = activity_load(
        LoadInputs(
            sport=raw.sport,
            duration_s=duration,
            distance_m=distance_m,
            power_w=power_1hz or None,
            np_w=np_w,
            ftp_w=ftp,
            speed_m_per_s=speed_1hz or None,
            grade=grade,
            threshold_pace_s_per_km=threshold_pace_s_per_km,
            swim_threshold_pace_s_per_100m=swim_threshold_pace_s_per_100m,
            heart_rate_bpm=hr_1hz or None,
            avg_hr_bpm=avg_hr,
            max_hr_bpm=max_hr or raw.device_max_hr,
            resting_hr_bpm=resting_hr or raw.device_resting_hr,
            threshold_hr_bpm=threshold_hr or raw.device_threshold_hr,
            rpe=raw.rpe,
        )
    )

    work: float | None = None
    if power_1hz:
        work = work_kj(power_1hz)
    elif raw.avg_power_w and duration > 0:
        work = raw.avg_power_w * duration / JOULES_PER_KJ
    figures = (
        [
            DurabilityFigure(
                after_kj=round(f.after_kj),
                duration_s=f.duration_s,
                fresh_w=round(f.fresh_w, 1),
                fatigued_w=round(f.fatigued_w, 1),
                index=round(f.index, 3),
            )
            for f in durability_profile(power_1hz)
        ]
        if power_1hz and raw.sport in ("ride", "virtual_ride")
        else []
    )

    load_value: float = load.value
    load_method: LoadMethod = load.method
    if raw.reported_load is not None and load.method in ("duration_estimate", "session_rpe"):
        load_value, load_method = raw.reported_load, "reported"

    return ImportedActivity(
        sport=raw.sport,
        sub_sport=raw.sub_sport,
        name=raw.name,
        source_format=raw.source_format,
        start_time=start_time,
        elapsed_s=elapsed,
        moving_s=moving,
        distance_km=None if distance_m is None else distance_m / METRES_PER_KM,
        elevation_gain_m=_elevation(raw),
        avg_hr=avg_hr,
        max_hr=device_max_hr,
        avg_power_w=avg_power,
        np_w=np_w,
        tss=tss,
        load=load_value,
        load_method=load_method,
        has_gps=raw.has_gps,
        indoor=raw.indoor,
        mmp_w=mmp,
        best_20min_hr_bpm=best_hr,
        efficiency_factor=ef,
        decoupling_pct=decoupling,
        work_kj=None if work is None else round(work, 1),
        durability=figures,
        flags=flags,
        warnings=warnings,
        streams=streams if keep_streams else None,
    )
