"""Mean-maximal pace: the fastest time a recording covered each standard distance in.

The running counterpart of the power-duration curve (Allen & Coggan, *Training and Racing
with a Power Meter*, the mean-maximal curve; GoldenCheetah's "Pace" curve for runs): for each
distance, the shortest elapsed time over any stretch of the recording that covers it. The
best efforts it yields feed race-equivalent and VDOT estimates from training data.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from coach.engine.units import METRES_PER_KM

STANDARD_PACE_DISTANCES_M: Final[tuple[float, ...]] = (400.0, 1000.0, 1609.344, 5000.0, 10000.0, 21097.5, 42195.0)
"""400 m, 1 km, the mile, 5K, 10K, half marathon and marathon."""


def fastest_time_s(time_s: Sequence[float], distance_m: Sequence[float], target_m: float) -> float | None:
    """Shortest time (s) over any stretch covering ``target_m``; ``None`` if the recording is shorter.

    ``time_s`` and ``distance_m`` are the recording's cumulative samples (non-decreasing). Two
    pointers: for each end sample, advance the start while the stretch still covers the target.
    """
    if len(time_s) != len(distance_m) or len(time_s) < 2 or target_m <= 0:
        return None
    if distance_m[-1] - distance_m[0] < target_m:
        return None
    best: float | None = None
    start = 0
    for end in range(1, len(distance_m)):
        while start + 1 < end and distance_m[end] - distance_m[start + 1] >= target_m:
            start += 1
        if distance_m[end] - distance_m[start] >= target_m:
            elapsed = time_s[end] - time_s[start]
            if best is None or elapsed < best:
                best = elapsed
    return best


def pace_curve(
    time_s: Sequence[float], distance_m: Sequence[float], distances_m: Sequence[float] = STANDARD_PACE_DISTANCES_M
) -> dict[float, float]:
    """Best pace (s per km) per distance (m); distances longer than the recording are left out."""
    curve: dict[float, float] = {}
    for target in distances_m:
        best = fastest_time_s(time_s, distance_m, target)
        if best is not None and best > 0:
            curve[target] = best / (target / METRES_PER_KM)
    return curve
