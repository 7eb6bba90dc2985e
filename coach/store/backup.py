"""``coach db backup FILE``: a consistent copy of the database while the coach keeps running.

- **SQLite**: SQLite's online backup API (``sqlite3.Connection.backup``) copies the database in
  one step inside a read transaction, so the copy is one committed state even while the bot
  writes (WAL mode: readers never block the writer, and the writer never blocks the backup).
  The copy is written beside ``FILE`` under a temporary name, checked (``PRAGMA
  integrity_check``), switched to a self-contained rollback journal (no ``-wal`` file needed to
  open it) and only then renamed to ``FILE``: a failed or interrupted backup never leaves a
  half-written ``FILE`` behind, and an older backup at ``FILE`` stays until the new one is whole.
- **PostgreSQL**: ``pg_dump --format=custom`` when it is installed (the password goes through
  ``PGPASSWORD``, never the command line); otherwise the exact ``pg_dump`` command to run.

A missing database is an error, never an empty backup: the backup does not create the file.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from sqlalchemy.engine import URL, make_url


class BackupError(Exception):
    """The backup could not be made; the message says why, for the person running it."""


@dataclass(frozen=True)
class BackupReport:
    destination: Path
    size_bytes: int
    schema_revision: str | None
    rows: dict[str, int] = field(default_factory=dict)
    tool: str = "sqlite3 backup API"

    def summary(self) -> str:
        total = sum(self.rows.values())
        revision = f"schema {self.schema_revision}" if self.schema_revision else "no schema version"
        counted = f", {total} rows in {len(self.rows)} tables" if self.rows else ""
        return f"Backed up to {self.destination} ({_size(self.size_bytes)}, {revision}{counted}; {self.tool})."


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MiB" if n >= 1024 * 1024 else f"{max(1, round(n / 1024))} KiB"


def sqlite_path(url: str | URL) -> Path | None:
    """The file of an SQLite URL (None for ``:memory:``)."""
    database = make_url(url).database
    if not database or database == ":memory:":
        return None
    if database.startswith("file:"):  # the URI form (``?uri=true``): file:/path?mode=ro
        database = urlparse(database).path
    return Path(database).expanduser()


def backup(url: str, destination: Path) -> BackupReport:
    """Back up the database at ``url`` to ``destination`` (see the module's docstring)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return backup_sqlite(url, destination)
    if backend == "postgresql":
        return backup_postgres(parsed, destination)
    raise BackupError(f"I can back up SQLite and PostgreSQL databases, not {backend}.")


# ---------------------------------------------------------------------- SQLite


def backup_sqlite(url: str, destination: Path) -> BackupReport:
    source = sqlite_path(url)
    if source is None:
        raise BackupError("an in-memory database has nothing to back up")
    if not source.is_file():
        raise BackupError(f"there is no database at {source} (nothing to back up; check DATABASE_URL or COACH_DATA_DIR)")
    destination = destination.expanduser()
    if destination.exists() and destination.resolve() == source.resolve():
        raise BackupError(f"{destination} is the database itself; choose another file")
    if destination.is_dir():
        raise BackupError(f"{destination} is a directory; give a file name")
    folder = destination.parent if str(destination.parent) else Path(".")
    if not folder.is_dir():
        raise BackupError(f"the folder {folder} does not exist")
    try:
        handle, temporary_name = tempfile.mkstemp(prefix=f".{destination.name}.", suffix=".partial", dir=folder)
    except OSError as error:
        raise BackupError(f"can't write in {folder}: {error.strerror}") from error
    os.close(handle)
    temporary = Path(temporary_name)
    try:
        rows, revision = _copy_sqlite(source, temporary)
        os.replace(temporary, destination)
    except sqlite3.DatabaseError as error:
        raise BackupError(f"the backup failed: {error}") from error
    except OSError as error:
        raise BackupError(f"can't write {destination}: {error.strerror or error}") from error
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
    return BackupReport(destination, destination.stat().st_size, revision, rows)


def _copy_sqlite(source: Path, target: Path) -> tuple[dict[str, int], str | None]:
    # mode=rw: never create the source (a missing file is an error above, not an empty backup).
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=rw", uri=True, timeout=60)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)  # pages=-1: one step, one consistent snapshot
            dst.execute("PRAGMA journal_mode=DELETE")  # a single file, readable without its -wal
            check = dst.execute("PRAGMA integrity_check").fetchone()
            if check is None or check[0] != "ok":
                raise sqlite3.DatabaseError(f"the copy failed its integrity check: {check}")
            tables = [
                name for (name,) in dst.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            ]
            rows = {name: int(dst.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]) for name in tables}
            revision = None
            if "alembic_version" in tables:
                found = dst.execute("SELECT version_num FROM alembic_version").fetchone()
                revision = None if found is None else str(found[0])
                rows.pop("alembic_version")
            dst.commit()
        finally:
            dst.close()
    finally:
        src.close()
    return rows, revision


# ---------------------------------------------------------------------- PostgreSQL


def libpq_url(url: URL) -> str:
    """The URL ``pg_dump`` understands, without the password (it goes through ``PGPASSWORD``)."""
    query = {k: v for k, v in url.query.items() if k in ("sslmode", "sslrootcert", "sslcert", "sslkey", "options")}
    plain = URL.create("postgresql", username=url.username, host=url.host, port=url.port, database=url.database, query=query)
    return plain.render_as_string(hide_password=False)


def pg_dump_command(url: URL, destination: Path) -> list[str]:
    return ["pg_dump", "--format=custom", "--no-owner", f"--file={destination}", f"--dbname={libpq_url(url)}"]


def backup_postgres(url: URL, destination: Path, *, pg_dump: str | None = None) -> BackupReport:
    command = pg_dump_command(url, destination.expanduser())
    executable = pg_dump or shutil.which("pg_dump")
    advice = (
        "back it up with PostgreSQL's own tool, e.g.\n"
        f"  {' '.join(command)}\n"
        "(restore with: pg_restore --clean --if-exists --no-owner --dbname=... FILE)"
    )
    if executable is None:
        raise BackupError(f"pg_dump is not installed here, so I can't back up PostgreSQL myself; {advice}")
    environment = dict(os.environ)
    if url.password is not None:
        environment["PGPASSWORD"] = str(url.password)
    destination = destination.expanduser()
    partial = destination.with_name(f".{destination.name}.partial")
    command = [executable, *pg_dump_command(url, partial)[1:]]
    try:
        done = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=3600, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
        raise BackupError(f"pg_dump did not run ({error}); {advice}") from error
    if done.returncode != 0:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
        message = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"
        raise BackupError(f"pg_dump failed: {message}")
    try:
        os.replace(partial, destination)
    except OSError as error:
        raise BackupError(f"can't write {destination}: {error.strerror or error}") from error
    return BackupReport(destination, destination.stat().st_size, None, tool="pg_dump, custom format")
