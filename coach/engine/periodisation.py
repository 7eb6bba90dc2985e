"""Periodisation: the calendar weeks of a plan and the phase of each.

Weeks are Monday-based calendar weeks. Week 1 is the week that holds ``start_date``; days
before ``start_date`` (and after the race or plan end) carry no session, so the first and
last weeks may be partial.

Race plans are laid out backwards from the race (Friel, *The Triathlete's Training Bible*;
Pfitzinger & Douglas, *Advanced Marathoning*): the race week, ``taper_weeks`` of taper before
it, and the weeks before that split into base / build / peak by ``periodisation.phase_split``.
Plans without a race (general fitness, strength) run in rolling blocks of
``plan.block_weeks`` (seed 002: 4-week block directives): base first, then build and peak
alternately. In both, every ``cutback.every_weeks``-th week before the taper is a cutback
week (seed 003: "cutback weeks every 3–4 weeks").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

from coach.engine.athlete import monday_of
from coach.engine.models import Phase, Profile
from coach.engine.rules import Rules

_DAYS_PER_WEEK = 7
_ONE_WEEK = dt.timedelta(days=_DAYS_PER_WEEK)
_TO_SUNDAY = dt.timedelta(days=_DAYS_PER_WEEK - 1)
# With fewer weeks than this before the taper, there is no room for a base phase: all build.
_MIN_WEEKS_FOR_BASE = 3


def recent_max(values: list[float], count: int) -> float:
    """``max(values[-count:])``: the highest of the last ``count`` weekly numbers (the ramp
    rule's reference), without the builtin's generic call in the volume loops."""
    window = values[-count:]
    best = window[0]
    for value in window:
        best = max(best, value)
    return best


class WeekFrame:
    """One calendar week of the plan before any session is placed.

    A plain class with ``Final`` attributes rather than a frozen dataclass: the planner makes
    several per week of every plan it drafts, and mypyc compiles this ``__init__`` (a
    dataclass's generated one stays interpreted). Compiled, the attributes are read-only.
    """

    __slots__ = (
        "cutback",
        "first_day",
        "index",
        "last_day",
        "loading_index",
        "phase",
        "second_quality",
        "start",
        "weeks_out",
    )

    def __init__(
        self,
        index: int,
        start: dt.date,
        first_day: dt.date,
        last_day: dt.date,
        phase: Phase,
        cutback: bool,
        weeks_out: int | None,
        loading_index: int,
        second_quality: bool = False,
    ) -> None:
        self.index: Final = index
        self.start: Final = start
        self.first_day: Final = first_day
        self.last_day: Final = last_day
        self.phase: Final = phase
        self.cutback: Final = cutback
        self.weeks_out: Final = weeks_out
        self.loading_index: Final = loading_index
        # A race build's loading week above the level's volume gets a second quality session
        # (coach/rules/race_prep.yaml, structure.second_quality_from_km); the planner decides.
        self.second_quality: Final = second_quality

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def with_second_quality(self) -> WeekFrame:
        """The same week with a second quality session."""
        return WeekFrame(
            self.index,
            self.start,
            self.first_day,
            self.last_day,
            self.phase,
            self.cutback,
            self.weeks_out,
            self.loading_index,
            True,
        )

    def __repr__(self) -> str:
        return (
            f"WeekFrame(index={self.index}, start={self.start}, first_day={self.first_day}, "
            f"last_day={self.last_day}, phase={self.phase!r}, cutback={self.cutback}, "
            f"weeks_out={self.weeks_out}, loading_index={self.loading_index}, "
            f"second_quality={self.second_quality})"
        )


@dataclass(frozen=True, slots=True)
class Frame:
    """The plan's calendar: first and last day, race date and weeks."""

    start_date: dt.date
    end_date: dt.date
    race_date: dt.date | None
    weeks: tuple[WeekFrame, ...]


def plan_end(profile: Profile, rules: Rules) -> dt.date:
    """Last day of the plan: the goal date, else Sunday of the ``plan.default_weeks``-th week."""
    if profile.goal.date is not None:
        return profile.goal.date
    weeks = rules.guardrails.plan.default_weeks
    return monday_of(profile.start_date) + dt.timedelta(days=weeks * _DAYS_PER_WEEK - 1)


def _repeat(phase: Phase, count: int) -> list[Phase]:
    return [phase] * count


def _race_phases(count: int, taper_weeks: int, rules: Rules) -> list[Phase]:
    taper = min(taper_weeks, count - 1)
    phases: list[Phase] = [*_repeat("taper", taper), "race"]
    rest = count - len(phases)
    if rest <= 0:
        return phases
    split = rules.events.periodisation.phase_split
    if rest < _MIN_WEEKS_FOR_BASE:
        return _repeat("build", rest) + phases
    total = split.base + split.build + split.peak
    peak = round(rest * split.peak / total)
    build = round(rest * split.build / total)
    base = max(1, rest - peak - build)
    build = rest - base - peak
    return _repeat("base", base) + _repeat("build", build) + _repeat("peak", peak) + phases


def _block_phases(count: int, rules: Rules) -> list[Phase]:
    block = rules.guardrails.plan.block_weeks
    phases: list[Phase] = []
    for i in range(count):
        number = i // block
        phases.append("base" if number == 0 else ("build" if number % 2 == 1 else "peak"))
    return phases


def plan_frame(profile: Profile, rules: Rules) -> Frame:
    """Lay out the weeks, phases and cutback weeks of a plan for ``profile``."""
    event = rules.event(profile.goal.event)
    end = plan_end(profile, rules)
    first_monday = monday_of(profile.start_date)
    count = (monday_of(end) - first_monday).days // _DAYS_PER_WEEK + 1
    max_weeks = rules.guardrails.plan.max_weeks
    start = profile.start_date
    if count > max_weeks:
        # A goal 52 weeks away can span 53 calendar weeks; the plan covers the last 52.
        first_monday = monday_of(end) - dt.timedelta(days=(max_weeks - 1) * _DAYS_PER_WEEK)
        start = first_monday
        count = max_weeks
    race_date = profile.goal.date if event.race else None
    phases = _race_phases(count, event.taper_weeks, rules) if event.race else _block_phases(count, rules)
    every = rules.guardrails.cutback.every_weeks
    weeks: list[WeekFrame] = []
    loading = 0
    last = count - 1
    monday = first_monday
    for i, phase in enumerate(phases):
        weeks_out = count - 1 - i if event.race else None
        reduced_phase = phase in ("taper", "race")
        cutback = not reduced_phase and loading == every - 1
        loading = 0 if (cutback or reduced_phase) else loading + 1
        weeks.append(
            WeekFrame(
                index=i + 1,
                start=monday,
                # Only the first week starts after its Monday (on ``start``, within that week)
                # and only the last ends before its Sunday (on ``end``, within that week).
                first_day=start if i == 0 else monday,
                last_day=end if i == last else monday + _TO_SUNDAY,
                phase=phase,
                cutback=cutback,
                weeks_out=weeks_out,
                loading_index=loading,
            )
        )
        monday += _ONE_WEEK
    return Frame(start_date=start, end_date=end, race_date=race_date, weeks=tuple(weeks))
