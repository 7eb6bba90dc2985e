"""The athlete's library in their plan: the store's workouts handed to the engine
(:mod:`coach.engine.library_match`), and the active plan refreshed when the library changes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from coach.engine.adapt import Adaptation
from coach.engine.library_match import LibraryMatch, LibraryUse, LibraryWorkout, apply_library
from coach.engine.models import Plan, Profile
from coach.library.model import Workout
from coach.library.store import library
from coach.store import models as m
from coach.store import repo

MAX_NAMED = 4


def engine_library(workouts: list[Workout]) -> list[LibraryWorkout]:
    return [LibraryWorkout(key=w.key, name=w.name, sport=w.sport, purpose=w.purpose, steps=w.steps, seen=w.seen) for w in workouts]


async def prefer_library(session: AsyncSession, athlete_id: int, plan: Plan, profile: Profile, rules: Any, today: dt.date) -> LibraryMatch:
    """``plan`` with the athlete's own workouts where they fit (from ``today`` on); unchanged without a library."""
    workouts = await library(session, athlete_id)
    if not workouts:
        return LibraryMatch(plan=plan)
    return apply_library(plan, profile, engine_library(workouts), rules, start=today)


async def with_library(session: AsyncSession, athlete_id: int, adaptation: Adaptation, rules: Any, today: dt.date) -> Adaptation:
    """An accepted adaptation with the athlete's own workouts applied again from ``today`` on.

    A re-plan regenerates the sessions it eases, converts, resizes or rebuilds (the weeks after a
    new set of training days are built afresh), and those come back as the engine's steps: the
    library is matched again so the adapted weeks still prefer the athlete's workouts. Sessions
    that kept theirs are left as they are (:func:`apply_library` goes on from them); every swap
    is re-validated there, so the adaptation's guardrails hold."""
    if not adaptation.accepted:
        return adaptation
    result = await prefer_library(session, athlete_id, adaptation.plan, adaptation.profile, rules, today)
    if not result.uses:
        return adaptation
    return adaptation.model_copy(update={"plan": result.plan})


def uses_text(uses: list[LibraryUse]) -> str:
    """'From your library: Tue 13 Apr your 'Tuesday 5×4 min' workout, 5 → 6 reps; …' ('' when none)."""
    if not uses:
        return ""
    lines = [f"{u.date:%a %d %b}: {u.text}" for u in uses[:MAX_NAMED]]
    more = f"\n…and {len(uses) - MAX_NAMED} more sessions from your library." if len(uses) > MAX_NAMED else ""
    return "Your own workouts in the plan:\n" + "\n".join(lines) + more


async def refresh_active_plan(session: AsyncSession, athlete: m.Athlete, rules: Any, today: dt.date) -> list[LibraryUse]:
    """After the library changed: the active plan from ``today`` on, with the library's workouts,
    saved as a new version when anything changed. Returns the uses (empty: nothing changed)."""
    if athlete.profile is None:
        return []
    row = await repo.active_plan_row(session, athlete.id)
    if row is None:
        return []
    plan = repo.plan_doc(row)
    profile = Profile.model_validate(athlete.profile)
    result = await prefer_library(session, athlete.id, plan, profile, rules, today)
    if not result.uses or result.plan == plan:
        return []
    names = ", ".join(sorted({u.name for u in result.uses}))
    await repo.save_plan(session, athlete, result.plan, source="library", reason=f"your own workouts: {names}")
    return result.uses
