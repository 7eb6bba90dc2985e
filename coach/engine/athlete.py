"""What the engine reads out of a profile: current volume, load and intensity anchors.

These are interpretations of the *input* (profile + rules), shared by the builder and the
validator so both judge a plan against the same starting point. No decision about the plan
is made here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from coach.engine.load import commitment_load, planned_load
from coach.engine.metrics.running import race_time_s, training_paces, vdot_from_race
from coach.engine.models import Profile, Sport, parse_clock_s
from coach.engine.rules import Rules

PaceBands = tuple[tuple[str, float, float], ...]
# The profile's bounds on ride_speed_kmh: a km/hours history outside them is not a speed.
_MIN_RIDE_SPEED_KMH = 5.0
_MAX_RIDE_SPEED_KMH = 60.0


@dataclass(frozen=True, slots=True)
class Anchors:
    """Intensity anchors known for the athlete; ``None`` where nothing is known.

    Hashable, so generated workouts can be cached per anchor set.
    """

    units: str
    run_paces: PaceBands | None
    ftp_w: float | None
    css_s_per_100m: float | None
    max_hr: int | None
    threshold_hr: int | None
    one_rep_max_kg: tuple[tuple[str, float], ...]
    vdot: float | None
    ride_speed_kmh: float | None = None
    run_pace_estimate_s_per_km: float | None = None
    """Easy pace that run distances are estimated at when no race result gives paces (else None)."""

    def pace(self, band: str) -> tuple[float, float] | None:
        """Daniels pace band ``band`` as (fast, slow) s/km, or ``None`` without a race result."""
        if self.run_paces is None:
            return None
        for name, fast, slow in self.run_paces:
            if name == band:
                return fast, slow
        return None

    def one_rep_max(self, lift: str) -> float | None:
        for name, kg in self.one_rep_max_kg:
            if name == lift:
                return kg
        return None


def vdot_of(profile: Profile) -> float | None:
    """VDOT of the recent race (Daniels & Gilbert 1979), or ``None`` when there is none."""
    race = profile.history.recent_race
    if race is None:
        return None
    return vdot_from_race(race.distance_km * 1000.0, float(parse_clock_s(race.time)))


def anchors_of(profile: Profile, rules: Rules) -> Anchors:
    """Collect the intensity anchors: VDOT paces, FTP, CSS, heart rates and 1RMs."""
    history = profile.history
    vdot = vdot_of(profile)
    paces: PaceBands | None = None
    if vdot is not None:
        table = training_paces(vdot)
        paces = tuple((name, round(fast, 1), round(slow, 1)) for name, (fast, slow) in sorted(table.items()))
    css = float(parse_clock_s(history.css_per_100m)) if history.css_per_100m else None
    aliases = rules.workouts.strength.one_rep_max_aliases
    given = {key.strip().lower().replace(" ", "_"): kg for key, kg in history.one_rep_max_kg.items()}
    lifts: list[tuple[str, float]] = []
    for lift in sorted(aliases):
        for alias in aliases[lift]:
            if alias in given:
                lifts.append((lift, given[alias]))
                break
    return Anchors(
        units=profile.units,
        run_paces=paces,
        ftp_w=history.ftp_w,
        css_s_per_100m=css,
        max_hr=history.max_hr,
        threshold_hr=history.threshold_hr,
        one_rep_max_kg=tuple(lifts),
        vdot=round(vdot, 2) if vdot is not None else None,
        ride_speed_kmh=ride_speed_kmh(profile, rules),
        run_pace_estimate_s_per_km=None if vdot is not None or profile.sport not in ("run", "tri") else run_pace_estimate(profile, rules)[0],
    )


_MIN_RUN_PACE_S_PER_KM = 180.0  # 3:00 /km: faster is not an easy pace, the history is wrong
_MAX_RUN_PACE_S_PER_KM = 600.0  # 10:00 /km: slower is walking (or hours that include other sports)


def run_pace_estimate(profile: Profile, rules: Rules) -> tuple[float, Literal["history", "assumption"]]:
    """The easy running pace to estimate distances at when no race result is known.

    A runner's recent weekly km over weekly hours (their own average pace, mostly easy
    running), within plausible bounds; failing that the rules' documented default.
    """
    history = profile.history
    if profile.sport == "run" and history.weekly_km and history.weekly_hours:
        weeks = rules.guardrails.volume.baseline_weeks
        km, hours = history.weekly_km[-weeks:], history.weekly_hours[-weeks:]
        if sum(km) > 0 and sum(hours) > 0:
            pace = (sum(hours) / len(hours)) * 3600.0 / (sum(km) / len(km))
            if _MIN_RUN_PACE_S_PER_KM <= pace <= _MAX_RUN_PACE_S_PER_KM:
                return round(pace), "history"
    return float(rules.guardrails.volume.default_run_pace_s_per_km), "assumption"


def ride_speed_kmh(profile: Profile, rules: Rules) -> float | None:
    """The athlete's endurance-ride speed: given, or a rider's recent weekly km over hours.

    ``None`` when neither is known (rides then have no planned distance: no guessing).
    """
    history = profile.history
    if history.ride_speed_kmh is not None:
        return round(history.ride_speed_kmh, 1)
    if profile.sport == "ride" and history.weekly_km and history.weekly_hours:
        weeks = rules.guardrails.volume.baseline_weeks
        km, hours = history.weekly_km[-weeks:], history.weekly_hours[-weeks:]
        mean_hours = sum(hours) / len(hours)
        if mean_hours > 0:
            speed = sum(km) / len(km) / mean_hours
            if _MIN_RIDE_SPEED_KMH <= speed <= _MAX_RIDE_SPEED_KMH:
                return round(speed, 1)
    return None


def easy_pace_s_per_km(profile: Profile, rules: Rules) -> float:
    """Easy pace: middle of Daniels' E band when a race result is known, else the rules' default."""
    vdot = vdot_of(profile)
    if vdot is None:
        return rules.guardrails.volume.default_run_pace_s_per_km
    fast, slow = training_paces(vdot)["E"]
    return (fast + slow) / 2


def km_to_minutes(km: float, sport: Sport, profile: Profile, rules: Rules) -> float:
    """Minutes an athlete needs for ``km`` of their sport at easy intensity."""
    if sport == "ride":
        return km / (ride_speed_kmh(profile, rules) or rules.guardrails.volume.default_ride_speed_kmh) * 60.0
    return km * easy_pace_s_per_km(profile, rules) / 60.0


def minutes_to_km(minutes: float, sport: Sport, profile: Profile, rules: Rules) -> float:
    """Inverse of :func:`km_to_minutes`, for telling a person their volume in km."""
    if sport == "ride":
        return minutes / 60.0 * (ride_speed_kmh(profile, rules) or rules.guardrails.volume.default_ride_speed_kmh)
    return minutes * 60.0 / easy_pace_s_per_km(profile, rules)


def baseline_weekly_min(profile: Profile, rules: Rules) -> float:
    """Current weekly training minutes: mean of the last ``baseline_weeks`` of history.

    Hours are preferred (they cover every sport); a km history is converted at easy pace
    (seed 003: "current safe mileage" baseline from the last weeks). No history gives 0.
    """
    weeks = rules.guardrails.volume.baseline_weeks
    history = profile.history
    if history.weekly_hours:
        recent = history.weekly_hours[-weeks:]
        return sum(recent) / len(recent) * 60.0
    if history.weekly_km:
        recent_km = history.weekly_km[-weeks:]
        mean_km = sum(recent_km) / len(recent_km)
        return km_to_minutes(mean_km, profile.sport, profile, rules)
    return 0.0


def weekly_commitment_load(profile: Profile, rules: Rules) -> float:
    """Load of one week of the athlete's recurring commitments (they did them before the plan too)."""
    return sum(commitment_load(c.minutes, c.intensity, rules) for c in profile.commitments)


def baseline_weekly_load(profile: Profile, rules: Rules) -> float:
    """Chronic load before the plan: baseline minutes at easy intensity plus commitments."""
    easy = planned_load(baseline_weekly_min(profile, rules), "easy", rules)
    return easy + weekly_commitment_load(profile, rules)


def race_duration_min(profile: Profile, rules: Rules) -> float:
    """Expected race duration: the target time, else the VDOT prediction (runs), else the rules' default."""
    event = rules.event(profile.goal.event)
    if profile.goal.target_time:
        return parse_clock_s(profile.goal.target_time) / 60.0
    vdot = vdot_of(profile)
    if vdot is not None and event.distance_km is not None and "run" in event.sports:
        return race_time_s(vdot, event.distance_km * 1000.0) / 60.0
    return event.race_duration_min


def monday_of(day: dt.date) -> dt.date:
    """Monday of ``day``'s calendar week (plans use Monday-based weeks)."""
    return day - dt.timedelta(days=day.weekday())
