"""What every export format shares: the files it makes, which sessions it takes, their names,
and the heart-rate view of a workout for athletes who train by heart rate."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from coach.engine.models import History, Plan, Session, Step, Target
from coach.engine.rules import Rules

ExportFormat = Literal["ics", "zwo", "fit", "intervals"]
FORMATS: Final[tuple[ExportFormat, ...]] = ("ics", "zwo", "fit", "intervals")
TargetMode = Literal["auto", "hr"]
"""``auto``: each sport's own kind (pace for runs, % FTP for rides, as the plan has it);
``hr``: heart rate wherever the step has a zone and the athlete's threshold or maximum HR is known."""

_PERCENT: Final = 100.0
_SLUG = re.compile(r"[^a-z0-9]+")


class ExportError(Exception):
    """A clear sentence for the user: nothing was written."""


@dataclass(frozen=True, slots=True)
class ExportFile:
    """One file of an export: its name, bytes and MIME type."""

    name: str
    data: bytes
    mime_type: str


@dataclass(frozen=True, slots=True)
class ExportResult:
    """The files written and the sessions left out with why (``date sport type: reason``)."""

    files: tuple[ExportFile, ...]
    skipped: tuple[str, ...] = ()


def workout_sessions(plan: Plan, start: dt.date | None = None, end: dt.date | None = None) -> list[Session]:
    """The plan's sessions still to train, in date order: planned, dated ``start``..``end``
    (inclusive), with steps. Commitments are the athlete's own (a club run): not ours to write."""
    chosen = []
    for week in plan.weeks:
        for session in week.sessions:
            if start is not None and session.date < start:
                continue
            if end is not None and session.date > end:
                continue
            if session.status != "planned" or session.type == "commitment" or not session.steps:
                continue
            chosen.append(session)
    return sorted(chosen, key=lambda s: s.date)


def file_stem(session: Session, index: int) -> str:
    """``2026-11-24-1-run-easy``: by date and session, stable across exports of the same plan."""
    return f"{session.date.isoformat()}-{index}-{_SLUG.sub('-', session.sport)}-{_SLUG.sub('-', session.type)}"


def numbered(sessions: Sequence[Session]) -> list[tuple[Session, str]]:
    """Each session with its file stem (the n-th session of its day)."""
    per_day: dict[dt.date, int] = {}
    out = []
    for session in sessions:
        n = per_day[session.date] = per_day.get(session.date, 0) + 1
        out.append((session, file_stem(session, n)))
    return out


def workout_name(session: Session) -> str:
    """``Run easy`` / ``Ride intervals (key)``: what a watch or Zwift shows as the title."""
    key = " (key)" if session.key else ""
    return f"{session.sport.capitalize()} {session.type}{key}"


def _hr_target(target: Target, history: History, rules: Rules) -> Target | None:
    """A zone-labelled target as a heart-rate band: % of lactate-threshold HR (Friel) when
    that is known, else % of maximum HR (Edwards) — the same bands the engine uses."""
    zone = target.zone
    zones = rules.workouts.zones
    if zone is None or zone not in zones.lthr_pct:
        return None
    if history.threshold_hr is not None:
        low, high = zones.lthr_pct[zone]
        hr = history.threshold_hr
    elif history.max_hr is not None:
        low, high = zones.hr_max_pct[zone]
        hr = history.max_hr
    else:
        return None
    return Target(unit="bpm", low=round(hr * low / _PERCENT), high=round(hr * high / _PERCENT), zone=zone)


def by_heart_rate(steps: Iterable[Step], history: History, rules: Rules) -> list[Step]:
    """The steps with every zone-labelled target turned into a heart-rate band (see ``_hr_target``)."""
    out = []
    for step in steps:
        children = by_heart_rate(step.steps, history, rules) if step.steps else []
        target = step.target
        if target is not None and target.unit not in ("bpm", "hr_zone", "pct_1rm"):
            target = _hr_target(target, history, rules) or target
        out.append(step.model_copy(update={"target": target, "steps": children}))
    return out


def require_hr_anchor(history: History) -> None:
    if history.threshold_hr is None and history.max_hr is None:
        raise ExportError(
            "To export heart-rate targets I need your threshold or maximum heart rate "
            "(tell me, e.g. 'my max HR is 188', or import a recording with heart rate)."
        )
