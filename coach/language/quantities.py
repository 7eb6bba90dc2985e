"""Durations written as clocks: is ``1:50`` one hour fifty or one minute fifty?

Athletes write ``H:MM`` and ``MM:SS`` the same way. A half-marathon target of "1:50" is
1 h 50 min, a 5 km race in "23:45" is 23 min 45 s, "6 miles in 1:02" is 1 h 2 min and "rode
40 km in 1:20" is 1 h 20 min. The reading is decided by what is humanly plausible for the
sport over the distance, the same way everywhere a clock is read; without a distance, by what
is plausible for a training session. When neither reading is plausible the caller asks.

Speed bounds (metres per second), wide on purpose, from the world records above and a slow
walk or drift below: running 1.2–6.5 (14 min/km walk-jog to faster than the 10,000 m record,
26:11, 6.4 m/s); riding 2.5–20 (9 km/h to the UCI hour record, 56.8 km/h, 15.8 m/s, with room
for descents); swimming 0.25–2.4 (6:40 /100 m to the 50 m record, 2.4 m/s).
"""

from __future__ import annotations

from typing import Final

SPEED_BOUNDS_MPS: Final[dict[str, tuple[float, float]]] = {
    "run": (1.2, 6.5),
    "ride": (2.5, 20.0),
    "virtual_ride": (2.5, 20.0),
    "swim": (0.25, 2.4),
}
"""Plausible average speeds per sport (see the module docstring for the sources)."""
SESSION_HOURS_MAX: Final = 10
"""Without a distance, ``a:b`` with ``a`` below this reads as hours and minutes (a 1:20 ride),
at or above it as minutes and seconds (45:00). Sessions over ten hours are rare; ones under a
minute are not training."""


class ClockAmbiguity(ValueError):
    """Neither reading of a clock is plausible; the message says both, for a question back."""


def plausible_speed_mps(sport: str | None, distance_m: float, seconds: float) -> bool:
    if seconds <= 0:
        return False
    low, high = SPEED_BOUNDS_MPS.get(sport or "run", (0.25, 20.0))
    return low <= distance_m / seconds <= high


def read_clock(a: int, b: int, *, distance_m: float | None = None, sport: str | None = None) -> int:
    """Seconds for ``a:b``: hours and minutes, or minutes and seconds, whichever is plausible.

    Raises :class:`ClockAmbiguity` when a distance is known and neither reading gives a
    plausible speed for the sport.
    """
    as_hours = a * 3600 + b * 60
    as_minutes = a * 60 + b
    if distance_m is not None and distance_m > 0:
        minutes_ok = plausible_speed_mps(sport, distance_m, as_minutes)
        hours_ok = plausible_speed_mps(sport, distance_m, as_hours)
        if minutes_ok and not hours_ok:
            return as_minutes
        if hours_ok and not minutes_ok:
            return as_hours
        if not minutes_ok and not hours_ok:
            km = distance_m / 1000
            raise ClockAmbiguity(
                f"{a}:{b:02d} for {km:g} km doesn't fit either way ({a} h {b:02d} min or {a} min {b:02d} s); "
                "what was the time?"
            )
    return as_hours if a < SESSION_HOURS_MAX else as_minutes
