"""``coach db backup FILE``: a consistent, working copy of a running database, or a clear error."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from coach.cli import main
from coach.clock import FixedClock
from coach.engine.models import Profile
from coach.service.service import CoachService
from coach.store import backup as backup_module
from coach.store.backup import sqlite_path
from coach.store.db import Database
from coach.store.migrate import current_heads, upgrade
from tests.conftest import POSTGRES_URL, TODAY, postgres_reachable, reset_postgres

PROFILE = Profile.model_validate({
    "sport": "run", "goal": {"event": "half_marathon", "date": "2027-03-28"}, "start_date": "2026-11-23",
    "availability": {"days": ["tue", "thu", "sat", "sun"], "long_day": "sun"},
    "history": {"weekly_km": [30, 30, 30, 30], "longest_km": 15},
})


def coach_db_backup(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, url: str, target: Path) -> int:
    """``coach db backup target`` in this process, with ``url`` as DATABASE_URL."""
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "data"))
    return main(["db", "backup", str(target)])


async def shown(url: str, name: str) -> dict[str, object]:
    db = Database(url)
    try:
        return await CoachService(db, FixedClock(TODAY)).show(name)
    finally:
        await db.dispose()


async def test_a_backup_taken_while_a_writer_holds_the_lock_is_the_committed_state_and_opens_as_the_database(
    service: CoachService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    await service.add_athlete("ann", PROFILE)
    source = sqlite_path(service.db.url)
    assert source is not None
    # Another process is mid-write (the bot handling an update): the lock is held, nothing committed.
    writer = sqlite3.connect(source, isolation_level=None, timeout=60)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO athletes (name, time_zone, units, created_at) VALUES ('uncommitted', 'UTC', 'km', '2026-11-23')")
    target = tmp_path / "backups" / "coach-2026-11-23.db"
    target.parent.mkdir()
    try:
        assert coach_db_backup(monkeypatch, tmp_path, service.db.url, target) == 0
    finally:
        writer.execute("COMMIT")  # the writer was never blocked by the backup
        writer.close()
    out = capsys.readouterr().out
    assert "Backed up to" in out and f"schema {current_heads(service.db.url)[0]}" in out

    copy = sqlite3.connect(target)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one self-contained file
        names = [name for (name,) in copy.execute("SELECT name FROM athletes")]
    finally:
        copy.close()
    assert names == ["ann"]  # the committed state only
    assert not list(target.parent.glob("*.partial")) and not Path(f"{target}-wal").exists()
    # The copy works as the coach's database: same athlete, same plan.
    backup_url = f"sqlite+aiosqlite:///{target}"
    await asyncio.to_thread(upgrade, backup_url)  # already at head: a no-op
    assert await shown(backup_url, "ann") == await service.show("ann")


def test_no_database_no_backup_and_nothing_created(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nowhere" / "coach.db"
    target = tmp_path / "backup.db"
    assert coach_db_backup(monkeypatch, tmp_path, f"sqlite+aiosqlite:///{missing}", target) == 1
    assert "there is no database at" in capsys.readouterr().err
    assert not missing.exists() and not missing.parent.exists() and not target.exists()


def test_a_failed_backup_leaves_the_previous_one_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A corrupt database (or any failure mid-copy) gives exit 1 and a message; the backup from
    yesterday at FILE is untouched and no partial file is left."""
    corrupt = tmp_path / "coach.db"
    corrupt.write_bytes(b"this is not an SQLite database" * 200)
    target = tmp_path / "backup.db"
    target.write_bytes(b"yesterday's backup")
    assert coach_db_backup(monkeypatch, tmp_path, f"sqlite+aiosqlite:///{corrupt}", target) == 1
    err = capsys.readouterr().err
    assert "no backup made" in err and "not a database" in err and "Traceback" not in err
    assert target.read_bytes() == b"yesterday's backup"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []


def test_refuses_the_database_itself_a_folder_and_a_missing_folder(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = sqlite_path(sqlite_url)
    assert source is not None
    before = source.read_bytes()
    for target, says in ((source, "is the database itself"), (tmp_path, "is a directory"), (tmp_path / "no" / "x.db", "does not exist")):
        assert coach_db_backup(monkeypatch, tmp_path, sqlite_url, target) == 1
        assert says in capsys.readouterr().err
    assert source.read_bytes() == before


def test_postgres_without_pg_dump_gives_the_command_without_the_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("coach.store.backup.shutil.which", lambda _name: None)
    url = "postgresql+asyncpg://coach:s3cret@db.example:5433/coach"
    assert coach_db_backup(monkeypatch, tmp_path, url, tmp_path / "coach.dump") == 1
    err = capsys.readouterr().err
    assert "pg_dump --format=custom" in err and "postgresql://coach@db.example:5433/coach" in err
    assert "s3cret" not in err and not (tmp_path / "coach.dump").exists()


@pytest.mark.skipif(not postgres_reachable(), reason="PostgreSQL is not reachable at 127.0.0.1:5432 (set COACH_TEST_POSTGRES_URL)")
@pytest.mark.skipif(shutil.which("pg_dump") is None or shutil.which("pg_restore") is None, reason="pg_dump/pg_restore are not installed")
async def test_postgres_backup_with_pg_dump_restores_to_the_same_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    await asyncio.to_thread(reset_postgres, POSTGRES_URL)
    await asyncio.to_thread(upgrade, POSTGRES_URL)
    db = Database(POSTGRES_URL)
    try:
        service = CoachService(db, FixedClock(TODAY))
        await service.add_athlete("ann", PROFILE)
        before = await service.show("ann")
    finally:
        await db.dispose()
    target = tmp_path / "coach.dump"
    assert coach_db_backup(monkeypatch, tmp_path, POSTGRES_URL, target) == 0
    assert "pg_dump" in capsys.readouterr().out

    await asyncio.to_thread(reset_postgres, POSTGRES_URL)  # the database is lost
    libpq = backup_module.libpq_url(make_url(POSTGRES_URL))
    subprocess.run(["pg_restore", "--no-owner", f"--dbname={libpq}", str(target)], check=True, capture_output=True)
    assert await shown(POSTGRES_URL, "ann") == before
