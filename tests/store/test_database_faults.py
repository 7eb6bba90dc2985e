"""The database missing, corrupt or read-only at start, and full mid-write: a clear start-up error
(one line naming the file, exit 1, nothing created or overwritten) or a clean rollback; never a
silent empty state (coach/store/health.py)."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select

from coach.cli import main
from coach.clock import FixedClock
from coach.service.service import CoachService, Who
from coach.service.types import Incoming
from coach.store import models as m
from coach.store.db import Database
from coach.store.migrate import upgrade
from tests.conftest import TODAY
from tests.test_cli import CONVERSATION


def coach(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, args: list[str], **env: str) -> int:
    monkeypatch.chdir(tmp_path)
    for key in ("DATABASE_URL", "TELEGRAM_BOT_TOKEN", "ANTHROPIC_API_KEY"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COACH_TODAY", TODAY.isoformat())
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return main(args)


def one_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    return err


def a_database_with_ann(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Path:
    profile = tmp_path / "ann.json"
    profile.write_text(
        '{"sport": "run", "goal": {"event": "10k", "date": "2027-02-21"}, "start_date": "2026-11-23",'
        ' "availability": {"days": ["tue", "thu", "sat", "sun"], "long_day": "sun"}, "history": {"weekly_km": [25, 25, 25, 25]}}'
    )
    assert coach(monkeypatch, tmp_path, ["athlete", "add", "ann", "--profile", str(profile)]) == 0
    capsys.readouterr()
    return tmp_path / "data" / "coach.db"


def test_a_file_that_is_not_a_database_is_named_and_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "data" / "coach.db"
    path.parent.mkdir()
    garbage = os.urandom(64 * 1024)
    path.write_bytes(garbage)
    for args in (["show", "--athlete", "ann"], ["db", "upgrade"], ["chat"]):
        assert coach(monkeypatch, tmp_path, args) == 1
        err = one_line(capsys)
        assert str(path) in err and "damaged" in err and "backup" in err
    assert path.read_bytes() == garbage  # not "repaired" into an empty database


def test_a_damaged_page_is_found_at_start_not_by_the_first_athlete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = a_database_with_ann(tmp_path, monkeypatch, capsys)
    with sqlite3.connect(path) as connection:
        page_size = connection.execute("PRAGMA page_size").fetchone()[0]
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    with path.open("r+b") as file:  # one b-tree page in the middle overwritten (a bad sector)
        file.seek(page_size * (pages // 2))
        file.write(os.urandom(page_size))
    assert coach(monkeypatch, tmp_path, ["show", "--athlete", "ann"]) == 1
    err = one_line(capsys)
    assert str(path) in err and "damaged" in err and "backup" in err


def test_a_read_only_database_is_refused_at_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Opened read-only as SQLite sees a file it may not write (the tests run as root, for whom
    file permissions don't apply, so the read-only open is SQLite's own ``mode=ro``)."""
    path = a_database_with_ann(tmp_path, monkeypatch, capsys)
    read_only = f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true"
    assert coach(monkeypatch, tmp_path, ["chat"], DATABASE_URL=read_only) == 1
    err = one_line(capsys)
    assert str(path) in err and "read-only" in err


def test_a_missing_database_beside_an_earlier_runs_memory_is_not_recreated_empty(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    memory = tmp_path / "data" / "memory"
    memory.mkdir(parents=True)
    (memory / "index.faiss").write_bytes(b"vectors of an earlier run")
    assert coach(monkeypatch, tmp_path, ["show", "--athlete", "ann"]) == 1
    err = one_line(capsys)
    assert "coach.db is missing" in err and str(memory) in err and "backup" in err
    assert not (tmp_path / "data" / "coach.db").exists()
    # A first run (nothing there yet) creates the database as always.
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    assert coach(monkeypatch, fresh, ["db", "upgrade"]) == 0
    assert (fresh / "data" / "coach.db").exists()


async def test_a_full_disk_mid_write_rolls_the_update_back_and_it_is_handled_once_there_is_room(tmp_path: Path) -> None:
    """SQLite's "database or disk is full" (``max_page_count`` caps the file where it stands) on
    the onboarding answer that writes the first plan: nothing of it is stored, the update stays
    unprocessed in the inbox; once there is room, the same update is handled, once."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'coach.db'}"
    await asyncio.to_thread(upgrade, url)
    cap: dict[str, int | None] = {"pages": None}
    db = Database(url)

    @event.listens_for(db.engine.sync_engine, "connect")
    def _limit(dbapi_connection: Any, _record: Any) -> None:
        if cap["pages"] is not None:
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA max_page_count={cap['pages']}")
            cursor.close()

    service = CoachService(db, FixedClock(TODAY))
    ann = Who(name="Ann", telegram_user_id=7, chat_id=7)
    try:
        for update_id, said in enumerate(CONVERSATION[:11], start=1):
            await service.handle(ann, Incoming(kind="text", text=said), update_id=update_id)

        async def counts() -> tuple[int, int, bool]:
            async with db.transaction() as s:
                plans = (await s.execute(select(func.count()).select_from(m.Plan))).scalar_one()
                inbox = (await s.execute(select(m.InboxUpdate).where(m.InboxUpdate.update_id == 12))).scalar_one_or_none()
                athlete = (await s.execute(select(m.Athlete))).scalar_one()
                return plans, int(athlete.profile is not None), inbox is not None and inbox.processed_at is not None

        await service.record_update("telegram", 12, {"message": {"text": CONVERSATION[11]}}, 7)
        async with db.engine.connect() as connection:
            cap["pages"] = int((await connection.exec_driver_sql("PRAGMA page_count")).scalar_one())
        await db.engine.dispose()  # new connections get the cap: the disk is full
        with pytest.raises(Exception, match="database or disk is full"):
            await service.handle(ann, Incoming(kind="text", text=CONVERSATION[11]), update_id=12)  # "London": the plan
        assert await counts() == (0, 0, False)  # rolled back: no plan, no profile, the update not processed

        cap["pages"] = None
        await db.engine.dispose()  # room again
        first = await service.handle(ann, Incoming(kind="text", text=CONVERSATION[11]), update_id=12)
        again = await service.handle(ann, Incoming(kind="text", text=CONVERSATION[11]), update_id=12)
        assert first.replies[0].text.startswith("Your plan is ready") and again.duplicate
        assert await counts() == (1, 1, True)
    finally:
        await db.dispose()
