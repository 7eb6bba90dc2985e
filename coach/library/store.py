"""The library kept per athlete (``coach/store/models_library.py``): import, list, detect."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from coach.engine.models import Step
from coach.library.detect import Recorded, library_from
from coach.library.model import Workout
from coach.store.models_library import ActivityStructure, LibraryWorkout


def _workout(row: LibraryWorkout) -> Workout:
    return Workout(
        key=row.key, name=row.name, sport=row.sport, purpose=row.purpose, source=row.source,
        source_ref=row.source_ref, description=row.description, steps=[Step.model_validate(s) for s in row.steps],
        seen=row.seen, last_seen=row.last_seen.isoformat() if row.last_seen else None,
    )


def _fill(row: LibraryWorkout, workout: Workout) -> None:
    row.name = workout.name[:200]
    row.sport = workout.sport
    row.purpose = workout.purpose
    row.source = workout.source
    row.source_ref = workout.source_ref[:255]
    row.description = workout.description
    row.steps = [s.model_dump(mode="json", exclude_defaults=True) for s in workout.steps]
    row.duration_s = workout.duration_s
    row.seen = workout.seen
    row.last_seen = dt.date.fromisoformat(workout.last_seen) if workout.last_seen else None


async def save_workouts(session: AsyncSession, athlete_id: int, workouts: list[Workout]) -> tuple[int, int]:
    """Store workouts by key (a second import of the same one updates it): (added, updated)."""
    added = updated = 0
    for workout in workouts:
        query = select(LibraryWorkout).where(LibraryWorkout.athlete_id == athlete_id, LibraryWorkout.key == workout.key[:255])
        row = (await session.execute(query)).scalar_one_or_none()
        if row is None:
            row = LibraryWorkout(athlete_id=athlete_id, key=workout.key[:255])
            session.add(row)
            added += 1
        else:
            updated += 1
        _fill(row, workout)
    await session.flush()
    return added, updated


async def library(session: AsyncSession, athlete_id: int) -> list[Workout]:
    """The athlete's library, sorted by sport, purpose and name (then key)."""
    query = select(LibraryWorkout).where(LibraryWorkout.athlete_id == athlete_id)
    rows = (await session.execute(query)).scalars().all()
    return sorted((_workout(r) for r in rows), key=lambda w: (w.sport, w.purpose, w.name.lower(), w.key))


async def record_structure(
    session: AsyncSession, athlete_id: int, *, fingerprint: str, sport: str, start: dt.datetime, steps: list[Step] | None
) -> bool:
    """Keep one recording's detected structure (None: steady); once per fingerprint. True if new.

    The import path calls this with the structure read from the streams it has in hand
    (``coach.library.detect.structure``), since the store keeps no streams."""
    query = select(ActivityStructure).where(ActivityStructure.athlete_id == athlete_id, ActivityStructure.fingerprint == fingerprint)
    if (await session.execute(query)).scalar_one_or_none() is not None:
        return False
    naive = start.astimezone(dt.UTC).replace(tzinfo=None) if start.tzinfo else start
    session.add(ActivityStructure(
        athlete_id=athlete_id, fingerprint=fingerprint, sport=sport, start_time=naive,
        steps=None if steps is None else [s.model_dump(mode="json", exclude_defaults=True) for s in steps],
    ))
    await session.flush()
    return True


async def detect(session: AsyncSession, athlete_id: int) -> list[Workout]:
    """Rebuild the detected part of the library from every stored structure (same history, same
    library); imported workouts are left as they are. Returns the detected workouts."""
    query = select(ActivityStructure).where(ActivityStructure.athlete_id == athlete_id, ActivityStructure.steps.is_not(None))
    recorded = [
        Recorded(r.fingerprint, r.sport, r.start_time, [Step.model_validate(s) for s in r.steps or []])
        for r in (await session.execute(query)).scalars().all()
    ]
    workouts = library_from(recorded)
    await session.execute(delete(LibraryWorkout).where(LibraryWorkout.athlete_id == athlete_id, LibraryWorkout.source == "detected"))
    await session.flush()
    await save_workouts(session, athlete_id, workouts)
    return workouts
