"""Adherence: which planned sessions were done, weekly compliance, and prescription bias.

Sources
-------
* Matching and the 70 % "partial" line follow TrainingPeaks' compliance colours (a workout is
  "completed" within 80–120 % of plan, "partially" between 50 and 79 %); we use a single 70 %
  line between done and partial, as the project's brief asks.
* Self-grading (seed 004): the error between what was prescribed and what was achieved is
  tracked per session type and only acted on past 5 samples when the mean bias exceeds 5 %.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

MATCH_WINDOW_DAYS: Final = 1
PARTIAL_BELOW_FRACTION: Final = 0.70
BIAS_MIN_SAMPLES: Final = 5
BIAS_THRESHOLD: Final = 0.05
PARTIAL_CREDIT: Final = 0.5  # a partial session counts half in session compliance (ours)

Outcome = Literal["done", "partial", "missed", "pending"]

#: Activity sports that satisfy a planned sport (a virtual ride is a ride; a brick takes either).
SPORT_FAMILIES: Final[dict[str, frozenset[str]]] = {
    "run": frozenset({"run"}),
    "ride": frozenset({"ride", "virtual_ride"}),
    "swim": frozenset({"swim"}),
    "strength": frozenset({"strength"}),
    "brick": frozenset({"ride", "virtual_ride", "run"}),
    "other": frozenset({"other"}),
}


class _Ref(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PlannedSessionRef(_Ref):
    """What the plan asked for."""

    id: str
    date: dt.date
    sport: str
    type: str
    duration_min: float = Field(ge=0)
    distance_km: float | None = Field(None, ge=0)


class ActivityRef(_Ref):
    """What was recorded. ``type`` is an optional hint (e.g. "intervals") from the log or device."""

    id: str
    start_date: dt.date
    sport: str
    duration_min: float = Field(ge=0)
    distance_km: float | None = Field(None, ge=0)
    type: str | None = None


@dataclass(frozen=True, slots=True)
class SessionOutcome:
    """A planned session, the activity linked to it (if any) and the verdict."""

    planned: PlannedSessionRef
    activity: ActivityRef | None
    outcome: Outcome
    completion: float | None  # achieved / planned on the measure used
    measure: Literal["distance", "duration"] | None


@dataclass(frozen=True, slots=True)
class WeeklyCompliance:
    """One ISO week (Monday start): counts, session compliance and duration compliance in percent."""

    week_start: dt.date
    planned: int
    done: int
    partial: int
    missed: int
    pending: int
    sessions_pct: float | None
    duration_pct: float | None


@dataclass(frozen=True, slots=True)
class PrescriptionBias:
    """Mean relative error (achieved − prescribed) / prescribed for one session type."""

    session_type: str
    samples: int
    mean_error: float
    rmse: float
    correction_factor: float | None
    sentence: str | None


def _sport_matches(planned_sport: str, activity_sport: str) -> bool:
    return activity_sport in SPORT_FAMILIES.get(planned_sport, frozenset({planned_sport}))


def _completion(
    planned: PlannedSessionRef, activity: ActivityRef
) -> tuple[float | None, Literal["distance", "duration"] | None]:
    if planned.distance_km and activity.distance_km is not None:
        return activity.distance_km / planned.distance_km, "distance"
    if planned.duration_min > 0:
        return activity.duration_min / planned.duration_min, "duration"
    return None, None


def _match_cost(planned: PlannedSessionRef, activity: ActivityRef) -> tuple[int, int, float]:
    day_gap = abs((activity.start_date - planned.date).days)
    type_mismatch = 0 if activity.type is None or activity.type == planned.type else 1
    ratio, _ = _completion(planned, activity)
    size_gap = abs(math.log(ratio)) if ratio and ratio > 0 else math.inf
    return day_gap, type_mismatch, size_gap


def link_sessions(
    planned: Sequence[PlannedSessionRef], activities: Sequence[ActivityRef], as_of: dt.date
) -> list[SessionOutcome]:
    """Link each planned session to at most one activity, and each activity to at most one session.

    Candidates: same sport family, date within ±1 day. Pairs are taken greedily by (days apart,
    type mismatch, |log(achieved / planned)|), so the same-day, same-type, closest-sized
    activity wins. Unlinked sessions are "missed" once their day + 1 has passed ``as_of``,
    "pending" before. A linked session is "partial" under 70 % of the planned distance (when
    both have one) or else duration.
    """
    pairs: list[tuple[tuple[int, int, float], int, int]] = []
    for i, plan in enumerate(planned):
        for j, activity in enumerate(activities):
            if not _sport_matches(plan.sport, activity.sport):
                continue
            if abs((activity.start_date - plan.date).days) > MATCH_WINDOW_DAYS:
                continue
            pairs.append((_match_cost(plan, activity), i, j))
    pairs.sort(key=lambda p: (p[0], p[1], p[2]))
    linked: dict[int, int] = {}
    used: set[int] = set()
    for _, i, j in pairs:
        if i in linked or j in used:
            continue
        linked[i] = j
        used.add(j)
    outcomes: list[SessionOutcome] = []
    for i, plan in enumerate(planned):
        if i in linked:
            activity = activities[linked[i]]
            ratio, measure = _completion(plan, activity)
            verdict: Outcome = "partial" if ratio is not None and ratio < PARTIAL_BELOW_FRACTION else "done"
            outcomes.append(SessionOutcome(plan, activity, verdict, ratio, measure))
        else:
            overdue = plan.date + dt.timedelta(days=MATCH_WINDOW_DAYS) < as_of
            outcomes.append(SessionOutcome(plan, None, "missed" if overdue else "pending", None, None))
    return outcomes


def _week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def weekly_compliance(outcomes: Iterable[SessionOutcome]) -> list[WeeklyCompliance]:
    """Per ISO week: session compliance (done + ½ partial over decided sessions) and duration
    compliance (achieved minutes, capped per session at the plan, over planned minutes)."""
    weeks: dict[dt.date, list[SessionOutcome]] = {}
    for outcome in outcomes:
        weeks.setdefault(_week_start(outcome.planned.date), []).append(outcome)
    result: list[WeeklyCompliance] = []
    for start in sorted(weeks):
        items = weeks[start]
        counts = {
            kind: sum(1 for o in items if o.outcome == kind)
            for kind in ("done", "partial", "missed", "pending")
        }
        decided = [o for o in items if o.outcome != "pending"]
        sessions_pct = (
            (counts["done"] + PARTIAL_CREDIT * counts["partial"]) / len(decided) * 100.0 if decided else None
        )
        planned_min = math.fsum(o.planned.duration_min for o in decided)
        achieved_min = math.fsum(
            min(o.activity.duration_min, o.planned.duration_min) for o in decided if o.activity is not None
        )
        duration_pct = achieved_min / planned_min * 100.0 if planned_min > 0 else None
        result.append(
            WeeklyCompliance(
                start,
                len(items),
                counts["done"],
                counts["partial"],
                counts["missed"],
                counts["pending"],
                sessions_pct,
                duration_pct,
            )
        )
    return result


def prescription_bias(outcomes: Iterable[SessionOutcome]) -> list[PrescriptionBias]:
    """Prescribed vs achieved per session type; a correction factor once bias > 5 % over ≥ 5 sessions.

    The error is ``completion − 1`` on the linked measure (distance, else duration) of done and
    partial sessions. The factor is ``1 + mean error``: multiply future prescriptions of that
    type by it to prescribe what the athlete actually does.
    """
    errors: dict[str, list[float]] = {}
    for outcome in outcomes:
        if outcome.activity is None or outcome.completion is None:
            continue
        errors.setdefault(outcome.planned.type, []).append(outcome.completion - 1.0)
    result: list[PrescriptionBias] = []
    for session_type in sorted(errors):
        values = errors[session_type]
        mean_error = statistics.fmean(values)
        rmse = math.sqrt(statistics.fmean(v * v for v in values))
        factor: float | None = None
        sentence: str | None = None
        if len(values) >= BIAS_MIN_SAMPLES and abs(mean_error) > BIAS_THRESHOLD:
            factor = 1.0 + mean_error
            direction = "longer" if mean_error > 0 else "shorter"
            sentence = (
                f"Your {session_type} sessions came out {abs(mean_error) * 100:.0f} % {direction} than planned "
                f"over {len(values)} sessions, so future {session_type} sessions are scaled by {factor:.2f}."
            )
        result.append(PrescriptionBias(session_type, len(values), mean_error, rmse, factor, sentence))
    return result
