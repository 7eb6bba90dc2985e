"""The clock seam. Coaching code asks a ``Clock`` for today; tests and demos fix it with ``COACH_TODAY``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current instant, timezone-aware (UTC)."""
        ...

    def today(self, time_zone: str = "UTC") -> dt.date:
        """Today's date in the athlete's time zone."""
        ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def today(self, time_zone: str = "UTC") -> dt.date:
        return self.now().astimezone(zone(time_zone)).date()


@dataclass(frozen=True)
class FixedClock:
    """A clock stuck on one day (at noon UTC), for tests and ``COACH_TODAY`` demos."""

    day: dt.date

    def now(self) -> dt.datetime:
        return dt.datetime.combine(self.day, dt.time(12, 0), tzinfo=dt.UTC)

    def today(self, time_zone: str = "UTC") -> dt.date:
        return self.day


def zone(name: str) -> dt.tzinfo:
    """An IANA zone or a fixed ``UTC+02:00`` offset as stored on the athlete."""
    if name.startswith("UTC") and len(name) > 3:
        sign = 1 if name[3] == "+" else -1
        hours, _, minutes = name[4:].partition(":")
        return dt.timezone(sign * dt.timedelta(hours=int(hours), minutes=int(minutes or 0)))
    return ZoneInfo(name)


def clock_for(today: dt.date | None) -> Clock:
    return FixedClock(today) if today is not None else SystemClock()
