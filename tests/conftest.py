"""Shared fixtures: a migrated database per test (SQLite always, PostgreSQL when reachable)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import socket
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from coach.clock import FixedClock, pause
from coach.service.service import CoachService
from coach.store.db import Database
from coach.store.migrate import upgrade


def _sleep_that_works_under_libfaketime() -> None:
    """With ``FAKETIME_DONT_FAKE_MONOTONIC=1`` (libfaketime 0.9.10) every ``time.sleep`` fails at
    once with EINVAL (``coach.clock.pause`` says why), the standard library's own too:
    ``subprocess``'s ``wait(timeout)``, and so ``subprocess.run(..., timeout=...)``, polls with it
    once the child's pipes are closed. Only then, in this process, it becomes ``pause``. The
    product and the fakes call ``pause`` themselves: the processes the tests start get no shim."""
    try:
        time.sleep(0)
    except OSError:
        time.sleep = pause


_sleep_that_works_under_libfaketime()


POSTGRES_SERVER_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432"
_CONFIGURED_POSTGRES_URL = os.environ.get("COACH_TEST_POSTGRES_URL")
OWN_DATABASE_PREFIX = "coach_test_"
OWN_DATABASE = None if _CONFIGURED_POSTGRES_URL else f"{OWN_DATABASE_PREFIX}{os.getpid()}"
"""Without ``COACH_TEST_POSTGRES_URL`` each pytest run gets its own database on the server
(``coach_test_<pid>``, created on first use, dropped when the run ends), so two runs at once
(a clean-clone CI beside ``make test``) never drop each other's schema."""
POSTGRES_URL = _CONFIGURED_POSTGRES_URL or f"{POSTGRES_SERVER_URL}/{OWN_DATABASE}"
if OWN_DATABASE is not None:
    os.environ["COACH_TEST_POSTGRES_URL"] = POSTGRES_URL  # processes the tests start use the same database
_own_database_created = False
TODAY = dt.date(2026, 11, 23)  # a Monday
TEST_DATA = Path(__file__).resolve().parent / "data"
"""Recordings and reference values, vendored with their licences (tests/data/README.md)."""
RECORDINGS = TEST_DATA / "activities"


def postgres_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=0.5):
            return True
    except OSError:
        return False



@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Both backends; PostgreSQL is skipped with a clear reason where no server runs (a laptop)."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'coach.db'}"
        upgrade(url)
        yield url
        return
    if not postgres_reachable():
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432 (set COACH_TEST_POSTGRES_URL); SQLite covers this test")
    reset_postgres(POSTGRES_URL)
    upgrade(POSTGRES_URL)
    yield POSTGRES_URL


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def _maintenance(statements: list[str], *, own_stale: bool = False) -> None:
    """Run statements on the server's ``postgres`` database (CREATE/DROP DATABASE need autocommit);
    with ``own_stale`` first drop the databases of earlier runs on this machine that were killed."""
    engine = create_async_engine(f"{POSTGRES_SERVER_URL}/postgres", isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            if own_stale:
                names = (await conn.execute(text("SELECT datname FROM pg_database WHERE datname LIKE :p"),
                                            {"p": OWN_DATABASE_PREFIX + "%"})).scalars().all()
                for name in names:
                    suffix = name.removeprefix(OWN_DATABASE_PREFIX)
                    if suffix.isdigit() and not _pid_alive(int(suffix)):
                        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            for statement in statements:
                await conn.execute(text(statement))
    finally:
        await engine.dispose()


def _ensure_own_database() -> None:
    global _own_database_created
    if OWN_DATABASE is None or _own_database_created:
        return
    asyncio.run(_maintenance([f'DROP DATABASE IF EXISTS "{OWN_DATABASE}" WITH (FORCE)', f'CREATE DATABASE "{OWN_DATABASE}"'],
                             own_stale=True))
    _own_database_created = True


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Drop this run's own PostgreSQL database (a killed run's is dropped by the next run)."""
    if _own_database_created and OWN_DATABASE is not None:
        with contextlib.suppress(OSError):
            asyncio.run(_maintenance([f'DROP DATABASE IF EXISTS "{OWN_DATABASE}" WITH (FORCE)']))


def reset_postgres(url: str) -> None:
    """Start from an empty schema, whatever an earlier run (or an older migration) left behind."""
    if url == POSTGRES_URL:
        _ensure_own_database()

    async def run() -> None:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as conn:
                await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                await conn.execute(text("CREATE SCHEMA public"))
        finally:
            await engine.dispose()

    asyncio.run(run())


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'coach.db'}"
    upgrade(url)
    return url


@pytest.fixture
async def db(sqlite_url: str) -> AsyncIterator[Database]:
    database = Database(sqlite_url)
    yield database
    await database.dispose()


@pytest.fixture
async def any_db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(TODAY)


@pytest.fixture
def service(db: Database, clock: FixedClock) -> CoachService:
    return CoachService(db, clock)


@pytest.fixture
def any_service(any_db: Database, clock: FixedClock) -> CoachService:
    return CoachService(any_db, clock)


__all__ = ["RECORDINGS", "TEST_DATA", "TODAY", "asyncio"]

from tests.fakes.fixtures import anthropic_server, telegram_server  # noqa: E402, F401
