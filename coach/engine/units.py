"""Unit conversions, named once (STYLE.md: sharp numbers live in one place).

The mile is the international mile (1959 agreement): exactly 1609.344 m.
"""

from __future__ import annotations

from typing import Final

METRES_PER_KM: Final = 1000.0
METRES_PER_MILE: Final = 1609.344
KM_PER_MILE: Final = METRES_PER_MILE / METRES_PER_KM
SECONDS_PER_MINUTE: Final = 60
SECONDS_PER_HOUR: Final = 3600
MS_TO_KMH: Final = 3.6
"""m/s → km/h (3600 s/h ÷ 1000 m/km)."""
