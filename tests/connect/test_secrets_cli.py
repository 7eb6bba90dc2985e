"""The secret box (COACH_SECRET_KEY or a generated 0600 key file), the command line (connect,
sync --json, disconnect), the schedule's messages, and the migration of this area's tables, on
SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.engine import Connection as SyncConnection

from coach.clock import FixedClock
from coach.connect.config import ConnectConfig
from coach.connect.errors import SecretUnreadable
from coach.connect.secrets import BadSecretKey, SecretBox, key_file, secret_box
from coach.connect.sync import OpenSession, save_connection, sync_athlete, tick
from coach.service.service import CoachService
from coach.store import models as m
from coach.store import repo
from coach.store.db import Database, create_engine
from coach.store.models import Base
from coach.store.models_connect import Connection, SyncedItem
from tests.connect.test_intervals_sync import ANN_KEY, PROFILE, START, TODAY, seed_ann
from tests.fakes.intervals_server import FakeIntervals


def test_a_key_file_is_generated_owner_only_and_reused(tmp_path: Path) -> None:
    box = secret_box(tmp_path / "data", None)
    path = key_file(tmp_path / "data")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    token = box.encrypt("s3cret-value")
    assert "s3cret-value" not in token
    assert secret_box(tmp_path / "data", None).decrypt(token) == "s3cret-value"  # the same key next time
    with pytest.raises(SecretUnreadable):
        SecretBox(Fernet.generate_key()).decrypt(token)


def test_coach_secret_key_wins_and_a_bad_one_is_named(tmp_path: Path) -> None:
    key = Fernet.generate_key().decode()
    token = secret_box(tmp_path, key).encrypt("x")
    assert SecretBox(key).decrypt(token) == "x"
    assert not key_file(tmp_path).exists()
    with pytest.raises(BadSecretKey, match="COACH_SECRET_KEY"):
        secret_box(tmp_path, "not-a-fernet-key")


@pytest.fixture
def icu() -> Iterator[FakeIntervals]:
    with FakeIntervals() as fake:
        fake.add_athlete("i100", ANN_KEY, name="Ann A")
        yield fake
        fake.assert_no_internal_errors()


def test_the_command_line_connects_syncs_and_disconnects(
    tmp_path: Path, icu: FakeIntervals, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from coach.cli import main

    seed_ann(icu, 6.0, 40)
    for name in ("DATABASE_URL", "COACH_SECRET_KEY", "TELEGRAM_BOT_TOKEN", "ANTHROPIC_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COACH_TODAY", TODAY.isoformat())
    monkeypatch.setenv("INTERVALS_API_URL", icu.url)
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    monkeypatch.chdir(tmp_path)  # no .env from the checkout
    profile = tmp_path / "ann.json"
    profile.write_text(PROFILE.model_dump_json(by_alias=True))
    assert main(["athlete", "add", "ann", "--profile", str(profile)]) == 0

    assert main(["connect", "intervals", "--athlete", "ann", "--intervals-id", "i100", "--api-key", "wrongKey0000000000"]) == 1
    assert "refused your API key" in capsys.readouterr().err
    assert main(["connect", "intervals", "--athlete", "ann", "--intervals-id", "bob", "--api-key", ANN_KEY]) == 2
    assert main(["connect", "intervals", "--athlete", "ann", "--intervals-id", "i100", "--api-key", ANN_KEY]) == 0
    out = capsys.readouterr()
    assert "Connected ann to Intervals.icu as Ann A" in out.out and ANN_KEY not in out.out + out.err
    assert stat.S_IMODE(key_file(tmp_path / "data").stat().st_mode) == 0o600

    assert main(["sync", "--athlete", "ann", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["athlete"] == "ann" and report["ok"] is True
    assert report["pull"]["activities"] == {"new": 2, "already_here": 0, "skipped": 1, "strava_stubs": 1}
    assert report["push"]["created"] > 10 and report["push"]["failed"] == 0
    assert main(["sync", "--athlete", "ann", "--push", "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["pull"] is None and again["push"]["created"] == 0 and again["push"]["unchanged"] == report["push"]["created"]

    assert main(["show", "--athlete", "ann", "--json"]) == 0
    assert ANN_KEY not in capsys.readouterr().out
    assert main(["disconnect", "intervals", "--athlete", "ann"]) == 0
    assert main(["sync", "--athlete", "ann"]) == 1
    assert "not connected" in capsys.readouterr().err
    assert ANN_KEY.encode() not in (tmp_path / "data" / "coach.db").read_bytes()


async def test_the_schedule_tells_a_telegram_athlete_once(db: Database, icu: FakeIntervals) -> None:
    await CoachService(db, FixedClock(START)).add_athlete("ann", PROFILE)
    service = CoachService(db, FixedClock(TODAY))
    config = ConnectConfig(icu.url, SecretBox(Fernet.generate_key()))
    async with db.transaction() as s:
        athlete = await repo.athlete_by_name(s, "ann")
        assert athlete is not None
        athlete.telegram_chat_id = 42
        await save_connection(s, athlete, "i100", ANN_KEY, config.box)
    assert await tick(service, config) == 1  # the first sync's summary
    icu.athletes["i100"].key = "rotatedKey000000000000000"
    later = CoachService(db, FixedClock(TODAY + dt.timedelta(days=1)))
    assert await tick(later, config) == 1  # refused: asked to reconnect
    assert await tick(later, config) == 0  # once: the connection waits for /connect
    async with db.transaction() as s:
        texts = [r.payload["text"] for r in (await s.execute(select(m.OutboxMessage).order_by(m.OutboxMessage.id))).scalars()]
    assert texts[0].startswith("Pulled from Intervals.icu") and "Pushed the plan" in texts[0]
    assert "refused your key" in texts[1]


async def test_sync_runs_on_postgresql_too(any_db: Database, icu: FakeIntervals) -> None:
    await CoachService(any_db, FixedClock(START)).add_athlete("ann", PROFILE)
    service = CoachService(any_db, FixedClock(TODAY))
    config = ConnectConfig(icu.url, SecretBox(Fernet.generate_key()))
    seed_ann(icu, 6.0, 40)
    async with any_db.transaction() as s:
        athlete = await repo.athlete_by_name(s, "ann")
        assert athlete is not None
        athlete_id = athlete.id
        await save_connection(s, athlete, "i100", ANN_KEY, config.box)
    first = await sync_athlete(service, any_db, athlete_id, config)
    async with any_db.transaction() as s:  # inside one open transaction, as a chat /sync runs
        second = await sync_athlete(service, OpenSession(s), athlete_id, config)
    assert first.ok and second.ok, (first.failures, second.failures)
    assert first.pull is not None and first.pull.activities_new == 2
    assert second.push is not None and second.push.created == 0 and second.push.unchanged == first.push.created  # type: ignore[union-attr]


def test_the_migration_makes_the_tables_the_models_describe(database_url: str) -> None:
    async def run() -> list[object]:
        engine = create_engine(database_url)
        try:
            async with engine.connect() as conn:
                def diff(connection: SyncConnection) -> list[object]:
                    return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))

                return await conn.run_sync(diff)
        finally:
            await engine.dispose()

    ours = {Connection.__tablename__, SyncedItem.__tablename__}
    mine = [d for d in asyncio.run(run()) if any(f"'{name}'" in repr(d) for name in ours)]
    assert mine == []
