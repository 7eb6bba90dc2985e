"""Start-up checks of the database: a clear error instead of a traceback or a silent empty state.

- **Missing** (SQLite): a first run creates the database. But a missing file next to data of an
  earlier run (the memory index in ``COACH_DATA_DIR/memory``, or a ``-wal`` file) means the
  database was lost or the wrong path is configured (a volume not mounted): starting afresh
  would look like every athlete vanished, so the coach refuses and says where to look.
- **Corrupt**: "file is not a database" on the first query, or ``PRAGMA quick_check`` failing
  (a damaged page), ends the start with the path and the advice to restore a backup.
- **Read-only**: a write that changes nothing (``UPDATE alembic_version SET version_num =
  version_num``, rolled back) at start; SQLite's "attempt to write a readonly database" or
  PostgreSQL's read-only transaction ends the start with that reason, instead of failing on the
  first athlete's message.

A disk that fills up mid-write is not a start-up matter: the transaction rolls back (SQLite's
"database or disk is full"), the update stays in the inbox and is handled once there is room.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from coach.store.backup import sqlite_path
from coach.store.db import Database, is_sqlite

RESTORE = "restore it from a backup (README, Backups: coach db backup)"


class DatabaseUnusable(Exception):
    """The database can't be used; the message is one paragraph for the operator."""


def check_not_lost(url: str, memory_dir: Path | None) -> None:
    """Before anything connects (connecting creates an SQLite file): refuse to create a new,
    empty database where an earlier one evidently was."""
    if not is_sqlite(url):
        return
    path = sqlite_path(url)
    if path is None or path.exists():
        return
    evidence = []
    if memory_dir is not None and memory_dir.is_dir() and any(memory_dir.iterdir()):
        evidence.append(f"the memory index in {memory_dir}")
    for suffix in ("-wal", "-journal"):
        if Path(f"{path}{suffix}").exists():
            evidence.append(f"{path.name}{suffix}")
    if evidence:
        raise DatabaseUnusable(
            f"the database {path} is missing, but {' and '.join(evidence)} from an earlier run "
            f"{'is' if len(evidence) == 1 else 'are'} there. Starting with an empty database would lose every athlete: "
            f"check DATABASE_URL / COACH_DATA_DIR (a volume not mounted?), or {RESTORE}. "
            f"To really start afresh, remove {memory_dir} first."
        )


def _where(db: Database) -> str:
    path = sqlite_path(db.url) if is_sqlite(db.url) else None
    return str(path) if path is not None else db.url.split("@")[-1]


def unusable(db: Database, error: DBAPIError) -> DatabaseUnusable:
    """A clear message for a database error met at start-up (``file is not a database``...)."""
    reason = str(error.orig).strip() or type(error.orig).__name__
    if "not a database" in reason or "malformed" in reason:
        return DatabaseUnusable(f"the database {_where(db)} is damaged ({reason}); {RESTORE}.")
    if "readonly" in reason or "read-only" in reason:
        return DatabaseUnusable(f"the database {_where(db)} is read-only ({reason}): check the file's permissions and the disk.")
    return DatabaseUnusable(f"the database {_where(db)} can't be used ({reason}).")


async def check_usable(db: Database) -> None:
    """After migrations: SQLite's ``quick_check``, then a write that changes nothing (rolled back)."""
    try:
        if is_sqlite(db.url):
            async with db.engine.connect() as connection:
                rows = (await connection.execute(text("PRAGMA quick_check"))).scalars().all()
            if [str(r) for r in rows] != ["ok"]:
                detail = " ".join("; ".join(str(r) for r in rows[:3]).split())  # one line: SQLite's rows hold newlines
                raise DatabaseUnusable(f"the database {_where(db)} is damaged (quick_check: {detail}); {RESTORE}.")
        async with db.engine.connect() as connection:
            transaction = await connection.begin()
            try:
                await connection.execute(text("UPDATE alembic_version SET version_num = version_num"))
            finally:
                await transaction.rollback()
    except DBAPIError as error:
        raise unusable(db, error) from error
