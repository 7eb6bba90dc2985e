"""Migrations: an empty database migrates to the newest schema, and the models match it."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from coach.store.db import create_engine
from coach.store.migrate import current_heads, downgrade, upgrade
from coach.store.models import Base

EXPECTED_TABLES = {
    "athletes", "goals", "plans", "plan_weeks", "planned_sessions", "activities", "checkins", "notes", "limitations",
    "coaches", "coach_groups", "coach_links", "overrides", "chat_messages", "inbox", "outbox", "alembic_version",
    "connections", "synced_items", "lift_programs", "lift_days", "lift_sessions", "lift_sets", "lift_notes",
    "batch_runs", "batch_items", "weekly_due", "web_tokens", "library_workouts", "library_activity_structures", "edit_targets",
    "strava_events", "outbox_pictures",
}


def _inspect(url: str) -> tuple[set[str], list[object]]:
    async def run() -> tuple[set[str], list[object]]:
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                def sync(connection: Connection) -> tuple[set[str], list[object]]:
                    tables = set(inspect(connection).get_table_names())
                    diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
                    return tables, diff

                return await conn.run_sync(sync)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_migrates_from_empty_and_matches_models(database_url: str) -> None:
    # The fixture has already upgraded; downgrade to nothing and back up again.
    downgrade(database_url, "base")
    tables, _ = _inspect(database_url)
    assert tables <= {"alembic_version"}
    upgrade(database_url)
    tables, diff = _inspect(database_url)
    assert tables >= EXPECTED_TABLES
    assert diff == [], f"models and migrations differ: {diff}"
    assert current_heads(database_url) == ["0017"]  # one head: the newest migration
