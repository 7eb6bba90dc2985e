"""The database seam: one async engine per process, SQLite tuned for concurrent async writers.

SQLite (the embedded default) runs in WAL mode with a busy timeout, and every transaction
starts with ``BEGIN IMMEDIATE`` so that read-then-write transactions take the write lock up
front instead of failing with ``SQLITE_BUSY_SNAPSHOT`` (see shared/STACK.md). PostgreSQL
needs none of this and is used as is by changing ``DATABASE_URL``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from coach.clock import Clock, SystemClock

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 60_000
"""SQLite has one writer at a time; a writer waits this long for the lock. Transactions are short:
a Claude turn runs outside any transaction (``coach/service/turn.py``)."""


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _ensure_sqlite_dir(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def create_engine(url: str) -> AsyncEngine:
    """Create the async engine; for SQLite install the pragmas and the ``BEGIN IMMEDIATE`` hook.
    Errors never show their parameters (what athletes wrote would reach the logs)."""
    if is_sqlite(url):
        _ensure_sqlite_dir(url)
        engine = create_async_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, hide_parameters=True)

        @event.listens_for(engine.sync_engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy (not the driver) decide when transactions begin.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _on_begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_async_engine(url, pool_pre_ping=True, hide_parameters=True)


AfterCommit = Callable[[AsyncSession], Awaitable[None]]
AFTER_COMMIT = "coach_after_commit"


def after_commit(session: AsyncSession, hook: AfterCommit) -> None:
    """Run ``hook`` after ``session``'s transaction commits (with the session, for reads of the
    committed state); a rollback drops it. For what lives outside the database (the FAISS index):
    a rolled-back note then leaves no vector behind."""
    session.sync_session.info.setdefault(AFTER_COMMIT, []).append(hook)


class Database:
    """Owns the engine and hands out transactional sessions."""

    def __init__(self, url: str, clock: Clock | None = None) -> None:
        self.url = url
        self.clock: Clock = clock if clock is not None else SystemClock()
        """Where rows get their times (``created_at``, ``due_at``...); the service sets its own."""
        self.engine = create_engine(url)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    def naive_now(self) -> dt.datetime:
        """The clock's now as naive UTC, the way the time columns store it."""
        return self.clock.now().astimezone(dt.UTC).replace(tzinfo=None)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on any error.
        New rows take their times from ``self.clock`` (see ``models._stamp_from_clock``).
        Work registered with ``after_commit`` runs once the commit succeeded (never after a rollback)."""
        async with self.sessions() as session:
            async with session.begin():
                session.sync_session.info["now"] = self.naive_now
                yield session
            hooks: list[AfterCommit] = session.sync_session.info.pop(AFTER_COMMIT, [])
            for hook in hooks:
                try:
                    await hook(session)
                except Exception:  # the database is the truth; what hangs off it is rebuilt from it
                    log.exception("work after a commit failed; it is rebuilt from the database later")

    async def upgrade(self) -> None:
        """Bring the schema to the newest migration (Alembic ``upgrade head``)."""
        from coach.store.migrate import upgrade

        await asyncio.to_thread(upgrade, self.url)

    async def dispose(self) -> None:
        await self.engine.dispose()
