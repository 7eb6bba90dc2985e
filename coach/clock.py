"""The clock seam. Coaching code asks a ``Clock`` for today; tests and demos fix it with ``COACH_TODAY``."""

from __future__ import annotations

import datetime as dt
import select
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


def pause(seconds: float) -> None:
    """Block the calling thread for ``seconds``; unlike ``time.sleep`` and timed waits on locks,
    this works under libfaketime (the suite runs with the clock a year ahead) in both its modes.

    - ``faketime -f '+365d'`` fakes the monotonic clock too: a timed wait on a lock or an event
      (``Event.wait(timeout)``, ``Thread.join(timeout)``) never returns; ``time.sleep`` works.
    - With ``FAKETIME_DONT_FAKE_MONOTONIC=1`` timed waits work, but every ``time.sleep`` fails at
      once with ``OSError: [Errno 22] Invalid argument``: Python 3.11 sleeps until an absolute
      ``CLOCK_MONOTONIC`` deadline (``clock_nanosleep(TIMER_ABSTIME)``), and libfaketime 0.9.10
      moves that deadline back by the offset, before the clock's start.

    ``select`` with no file descriptors and a relative timeout waits the time asked in both.
    """
    if seconds > 0:
        select.select([], [], [], seconds)
