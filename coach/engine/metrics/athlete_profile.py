"""The athlete as the last 8–12 weeks of training show them.

Volume per sport and week, sessions per week, the longest session, typical paces, the highest
heart rate seen, thresholds (FTP from the power curve, threshold pace from a VDOT), and a safe
volume baseline. :func:`to_history` turns the result into ``coach.engine.models.History`` for
the plan builder.

Sources
-------
* FTP = 95 % of the best 20-minute power (Allen & Coggan 2010, ch. 3).
* LTHR ≈ the best 20-minute average heart rate of a hard effort (Friel, *The Triathlete's
  Training Bible*, 4th ed. 2016: LTHR is the average HR over the last 20 min of a 30-min solo
  time trial); otherwise rest + 0.85 · HR reserve (Karvonen; Elevate's default).
* VDOT from the best run (Daniels & Gilbert 1979); threshold pace = the fast end of Daniels' T
  pace. A training run understates VDOT, so this is a floor, and we say so.
* Safe volume: the 4-week average (chronic load) is the baseline and 1.3 × it the ceiling for
  the next week — the upper edge of the acute:chronic "sweet spot" (Gabbett 2016, *Br J Sports
  Med* 50:273–280).
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Protocol

from coach.engine.metrics.load import DEFAULT_RESTING_HR_BPM, threshold_hr_bpm
from coach.engine.metrics.power import FTP_TEST_DURATION_S, ftp_from_mmp_w
from coach.engine.metrics.running import training_paces, vdot_from_race
from coach.engine.models import History

DEFAULT_WINDOW_WEEKS: Final = 12
MIN_WINDOW_WEEKS: Final = 1
BASELINE_WEEKS: Final = 4
SAFE_WEEKLY_INCREASE_RATIO: Final = 1.3
#: A 20-minute HR counts as a threshold effort only when it reaches this share of max HR (ours:
#: threshold sits around 85–92 % of max HR, Friel 2016).
THRESHOLD_EFFORT_MIN_FRACTION_OF_MAX: Final = 0.85
#: Heart rates outside this range are sensor errors, not physiology.
PLAUSIBLE_MAX_HR_RANGE_BPM: Final = (100, 230)
#: Runs shorter than this say little about VDOT.
VDOT_MIN_DISTANCE_KM: Final = 3.0
RIDE_SPORTS: Final = frozenset({"ride", "virtual_ride"})
SECONDS_PER_HOUR: Final = 3600.0
SECONDS_PER_MINUTE: Final = 60.0
METRES_PER_KM: Final = 1000.0
HUNDRED_METRES_PER_KM: Final = 10.0
DAYS_PER_WEEK: Final = 7
# History's own field limits (coach/engine/models.py).
_HISTORY_MAX_WEEKLY_KM: Final = 500.0
_HISTORY_MAX_WEEKLY_HOURS: Final = 60.0
_HISTORY_MAX_FTP_W: Final = 700.0
_HISTORY_MAX_LONGEST_KM: Final = 1000.0
_HISTORY_MAX_LONGEST_MINUTES: Final = 2880.0
_HISTORY_THRESHOLD_HR_RANGE: Final = (80, 220)
_HISTORY_RIDE_SPEED_RANGE_KMH: Final = (5.0, 60.0)


class ActivityLike(Protocol):
    """What the profile needs of an activity; ``coach.sources.activity.ImportedActivity`` fits."""

    @property
    def sport(self) -> str: ...
    @property
    def start_time(self) -> dt.datetime: ...
    @property
    def elapsed_s(self) -> float: ...
    @property
    def moving_s(self) -> float | None: ...
    @property
    def distance_km(self) -> float | None: ...
    @property
    def max_hr(self) -> float | None: ...
    @property
    def mmp_w(self) -> Mapping[int, float]: ...
    @property
    def best_20min_hr_bpm(self) -> float | None: ...


@dataclass(frozen=True, slots=True)
class SportVolume:
    """One sport over the window. Weekly lists are oldest first; ``typical_pace`` is s/km for runs,
    km/h for rides, s/100 m for swims, ``None`` otherwise."""

    sport: str
    weekly_km: tuple[float, ...]
    weekly_hours: tuple[float, ...]
    sessions_per_week: float
    longest_km: float | None
    longest_minutes: float
    typical_pace: float | None
    pace_unit: str | None


@dataclass(frozen=True, slots=True)
class AthleteProfile:
    """The athlete model built from recorded activities."""

    as_of: dt.date
    weeks: int
    activity_count: int
    sports: dict[str, SportVolume]
    weekly_hours: tuple[float, ...]
    sessions_per_week: float
    max_hr_bpm: int | None
    threshold_hr_bpm: int | None
    threshold_hr_source: str | None
    ftp_w: float | None
    vdot: float | None
    threshold_pace_s_per_km: float | None
    baseline_weekly_hours: float
    safe_weekly_hours_max: float
    baseline_weekly_km: dict[str, float]
    safe_weekly_km_max: dict[str, float]
    notes: tuple[str, ...]


def _family(sport: str) -> str:
    return "ride" if sport in RIDE_SPORTS else sport


def _duration_s(activity: ActivityLike) -> float:
    return activity.moving_s if activity.moving_s else activity.elapsed_s


def _window(activities: Iterable[ActivityLike], as_of: dt.date, weeks: int) -> tuple[list[ActivityLike], int]:
    start = as_of - dt.timedelta(days=weeks * DAYS_PER_WEEK)
    chosen = [a for a in activities if start <= a.start_time.date() < as_of]
    if not chosen:
        return [], weeks
    first = min(a.start_time.date() for a in chosen)
    covered = math.ceil((as_of - first).days / DAYS_PER_WEEK)
    return chosen, max(MIN_WINDOW_WEEKS, min(weeks, covered))


def _bucket(activity: ActivityLike, as_of: dt.date, weeks: int) -> int:
    age = (as_of - activity.start_time.date()).days - 1
    return weeks - 1 - age // DAYS_PER_WEEK


def _typical_pace(sport: str, items: Sequence[ActivityLike]) -> tuple[float | None, str | None]:
    paces: list[float] = []
    for a in items:
        km, seconds = a.distance_km, _duration_s(a)
        if not km or km <= 0 or seconds <= 0:
            continue
        if sport == "run":
            paces.append(seconds / km)
        elif sport == "ride":
            paces.append(km / (seconds / SECONDS_PER_HOUR))
        elif sport == "swim":
            paces.append(seconds / (km * HUNDRED_METRES_PER_KM))
    if not paces:
        return None, None
    unit = {"run": "s_per_km", "ride": "km_per_h", "swim": "s_per_100m"}[sport]
    return statistics.median(paces), unit


def build_profile(
    activities: Iterable[ActivityLike], as_of: dt.date, weeks: int = DEFAULT_WINDOW_WEEKS
) -> AthleteProfile:
    """Profile from the activities in the ``weeks`` before ``as_of`` (``as_of`` itself excluded).

    The window shrinks to the weeks actually covered when the history is shorter, so a new
    athlete's first fortnight is not averaged with ten empty weeks.
    """
    if weeks < MIN_WINDOW_WEEKS:
        raise ValueError(f"weeks must be at least {MIN_WINDOW_WEEKS}")
    chosen, span = _window(activities, as_of, weeks)
    notes: list[str] = []
    if span < weeks and chosen:
        notes.append(f"Only {span} week(s) of history; the profile covers those.")
    by_sport: dict[str, list[ActivityLike]] = {}
    for a in chosen:
        by_sport.setdefault(_family(a.sport), []).append(a)

    all_hours = [0.0] * span
    sports: dict[str, SportVolume] = {}
    for sport, items in sorted(by_sport.items()):
        km = [0.0] * span
        hours = [0.0] * span
        for a in items:
            index = _bucket(a, as_of, span)
            km[index] += a.distance_km or 0.0
            hours[index] += _duration_s(a) / SECONDS_PER_HOUR
            all_hours[index] += _duration_s(a) / SECONDS_PER_HOUR
        distances = [a.distance_km for a in items if a.distance_km]
        pace, unit = _typical_pace(sport, items)
        sports[sport] = SportVolume(
            sport=sport,
            weekly_km=tuple(km),
            weekly_hours=tuple(hours),
            sessions_per_week=len(items) / span,
            longest_km=max(distances) if distances else None,
            longest_minutes=max(_duration_s(a) for a in items) / SECONDS_PER_MINUTE,
            typical_pace=pace,
            pace_unit=unit,
        )

    low, high = PLAUSIBLE_MAX_HR_RANGE_BPM
    heart_rates = [a.max_hr for a in chosen if a.max_hr is not None and low <= a.max_hr <= high]
    max_hr = round(max(heart_rates)) if heart_rates else None
    if max_hr is not None:
        notes.append(f"Max HR {max_hr} bpm is the highest seen in training; a true maximum may be higher.")

    threshold_hr: int | None = None
    threshold_source: str | None = None
    efforts = [a.best_20min_hr_bpm for a in chosen if a.best_20min_hr_bpm is not None]
    if max_hr is not None:
        best_effort = max(efforts) if efforts else None
        if best_effort is not None and best_effort >= THRESHOLD_EFFORT_MIN_FRACTION_OF_MAX * max_hr:
            threshold_hr, threshold_source = round(best_effort), "best 20-minute heart rate"
        else:
            threshold_hr = round(threshold_hr_bpm(max_hr, DEFAULT_RESTING_HR_BPM))
            threshold_source = "85 % of heart-rate reserve (no hard 20-minute effort found)"

    rides = [a for a in chosen if a.sport in RIDE_SPORTS]
    best_20 = max((a.mmp_w.get(FTP_TEST_DURATION_S, 0.0) for a in rides), default=0.0)
    ftp = ftp_from_mmp_w(best_20) if best_20 > 0 else None
    if ftp is not None:
        notes.append(f"FTP {ftp:.0f} W = 95 % of the best 20-minute power ({best_20:.0f} W).")

    vdot: float | None = None
    for a in by_sport.get("run", []):
        if a.distance_km and a.distance_km >= VDOT_MIN_DISTANCE_KM and _duration_s(a) > 0:
            candidate = vdot_from_race(a.distance_km * METRES_PER_KM, _duration_s(a))
            vdot = candidate if vdot is None else max(vdot, candidate)
    threshold_pace = training_paces(vdot)["T"][0] if vdot is not None else None
    if vdot is not None:
        notes.append(f"VDOT {vdot:.1f} from training runs is a floor: a race would likely show more.")

    recent = slice(-min(BASELINE_WEEKS, span), None)
    baseline_hours = statistics.fmean(all_hours[recent]) if chosen else 0.0
    baseline_km = {
        sport: statistics.fmean(v.weekly_km[recent]) for sport, v in sports.items() if any(v.weekly_km)
    }
    return AthleteProfile(
        as_of=as_of,
        weeks=span,
        activity_count=len(chosen),
        sports=sports,
        weekly_hours=tuple(all_hours),
        sessions_per_week=len(chosen) / span,
        max_hr_bpm=max_hr,
        threshold_hr_bpm=threshold_hr,
        threshold_hr_source=threshold_source,
        ftp_w=ftp,
        vdot=vdot,
        threshold_pace_s_per_km=threshold_pace,
        baseline_weekly_hours=baseline_hours,
        safe_weekly_hours_max=baseline_hours * SAFE_WEEKLY_INCREASE_RATIO,
        baseline_weekly_km=baseline_km,
        safe_weekly_km_max={sport: km * SAFE_WEEKLY_INCREASE_RATIO for sport, km in baseline_km.items()},
        notes=tuple(notes),
    )


def to_history(profile: AthleteProfile, sport: str = "run") -> History:
    """Fill ``models.History`` for a plan in ``sport`` ("run", "ride", "swim"); values outside
    History's limits are left out rather than clipped."""
    volume = profile.sports.get(_family(sport))
    weekly_km = [round(km, 1) for km in volume.weekly_km] if volume else []
    if any(km > _HISTORY_MAX_WEEKLY_KM for km in weekly_km):
        weekly_km = []
    weekly_hours = [round(h, 2) for h in profile.weekly_hours]
    if any(h > _HISTORY_MAX_WEEKLY_HOURS for h in weekly_hours):
        weekly_hours = []
    low, high = PLAUSIBLE_MAX_HR_RANGE_BPM
    ftp = profile.ftp_w if profile.ftp_w is not None and profile.ftp_w <= _HISTORY_MAX_FTP_W else None
    longest_km = volume.longest_km if volume and volume.longest_km is not None else None
    longest_minutes = volume.longest_minutes if volume else None
    threshold = profile.threshold_hr_bpm
    threshold_low, threshold_high = _HISTORY_THRESHOLD_HR_RANGE
    rides = profile.sports.get("ride")
    speed = rides.typical_pace if rides is not None else None  # median km/h of the recorded rides
    speed_low, speed_high = _HISTORY_RIDE_SPEED_RANGE_KMH
    return History(
        weekly_km=weekly_km,
        weekly_hours=weekly_hours,
        longest_km=round(longest_km, 1)
        if longest_km is not None and longest_km <= _HISTORY_MAX_LONGEST_KM
        else None,
        longest_minutes=(
            round(longest_minutes)
            if longest_minutes is not None and longest_minutes <= _HISTORY_MAX_LONGEST_MINUTES
            else None
        ),
        ftp_w=round(ftp) if ftp is not None else None,
        ride_speed_kmh=round(speed, 1) if speed is not None and speed_low < speed <= speed_high else None,
        max_hr=profile.max_hr_bpm
        if profile.max_hr_bpm is not None and low <= profile.max_hr_bpm <= high
        else None,
        threshold_hr=threshold
        if threshold is not None and threshold_low <= threshold <= threshold_high
        else None,
    )
