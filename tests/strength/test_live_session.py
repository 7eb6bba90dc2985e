"""A live session through the service, as ``coach chat`` and Telegram send it (issue 14): a
duplicated update, a button tapped twice (two devices), a pain flag remembered and recalled, a
restart mid-session, "finished" -> an activity in ``coach show --json`` with every set."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from coach.clock import FixedClock
from coach.service.notes import NoteMemory
from coach.service.service import CoachService, Ctx, Who
from coach.service.types import Incoming
from coach.store import models as m
from coach.store import models_lifting as lm
from coach.store import repo
from coach.store.db import Database
from coach.strength import Program, load_rules
from memory import HashingEmbedder
from tests.conftest import TODAY

ANN = Who(name="ann", telegram_user_id=4242, chat_id=4242)
LIFT_TABLES = {"lift_programs", "lift_days", "lift_sessions", "lift_sets", "lift_notes"}


def said(text: str) -> Incoming:
    if text.startswith("/"):
        head, _, args = text[1:].partition(" ")
        return Incoming(kind="command", text=text, command=head, args=args)
    return Incoming(kind="text", text=text)


class Chat:
    """One athlete's chat; ``update`` numbers messages the way Telegram does."""

    def __init__(self, db: Database, tmp_path: Path, today: dt.date = TODAY) -> None:
        self.service = CoachService(db, FixedClock(today), memory=NoteMemory(tmp_path / "memory", HashingEmbedder()))
        self.update = 1000

    def restart(self, db: Database, tmp_path: Path, today: dt.date = TODAY) -> None:
        update = self.update
        self.__init__(db, tmp_path, today)  # type: ignore[misc]
        self.update = update

    async def say(self, text: str, *, update_id: int | None = None) -> str:
        self.update += 1
        result = await self.service.handle(ANN, said(text), update_id=update_id or self.update)
        return "\n".join(r.text for r in result.replies)

    async def tap(self, data: str) -> str:
        self.update += 1
        result = await self.service.handle(ANN, Incoming(kind="callback", callback_data=data), update_id=self.update)
        return "\n".join(r.text for r in result.replies)

    async def buttons(self) -> dict[str, str]:
        """The buttons of the pending prescription, by kind (ok, harder, easier, pain)."""
        async with self.service.db.transaction() as s:
            session = (await s.execute(select(lm.LiftSession).where(lm.LiftSession.status != "finished"))).scalar_one()
            seq = session.state["seq"]
            return {kind: f"lift:{kind}:{session.id}:{seq}" for kind in ("ok", "harder", "easier", "pain")}


async def count(db: Database, model: Any, *where: Any) -> int:
    async with db.transaction() as s:
        return int((await s.execute(select(func.count()).select_from(model).where(*where))).scalar_one())


async def sets(db: Database) -> list[lm.LiftSet]:
    async with db.transaction() as s:
        return list((await s.execute(select(lm.LiftSet).order_by(lm.LiftSet.id))).scalars())


async def test_a_scripted_session_with_a_duplicate_a_pain_flag_and_a_restart(db: Database, tmp_path: Path) -> None:
    chat = Chat(db, tmp_path)
    opened = await chat.say("/lift")
    assert "Day A" in opened and "not enough data yet" in opened  # no history: a calibration set, no invented number
    first = await chat.say("60 x 8 @7")
    assert "Logged: back squat 60 kg × 8 @ 7" in first and "Rest 2:30" in first

    # the same Telegram update delivered twice: applied once
    again = chat.update + 1
    await chat.say("60 x 8 @7.5", update_id=again)
    await chat.say("60 x 8 @7.5", update_id=again)
    assert len(await sets(db)) == 2

    # every weight the coach gives is a multiple of the plate increment
    pending = await pending_prescription(db)
    assert pending["weight_kg"] is not None and (pending["weight_kg"] / 2.5) == int(pending["weight_kg"] / 2.5)

    # pain: rest >= 180 s and a safer variant, the note remembered
    hurt = await chat.say("only 3, left knee tweaky")
    assert "Goblet squat" in hurt and "Rest 3:00" in hurt
    assert (await pending_prescription(db))["rest_s"] >= load_rules().pain.min_rest_s
    logged = await sets(db)
    assert logged[-1].pain and logged[-1].reps == 3 and logged[-1].exercise == "back_squat"
    assert await count(db, lm.LiftNote) == 1
    assert await count(db, m.Limitation) == 1  # the memory turned it into a limitation too

    # a restart mid-session: a new service on the same database resumes at the same set
    chat.restart(db, tmp_path)
    resumed = await chat.say("/lift")
    assert "Resuming day A (3 set(s) logged so far)" in resumed and "Goblet squat" in resumed
    await chat.say("16 x 8 @6")
    assert "Paused" in await chat.say("pause")
    chat.restart(db, tmp_path)
    assert "Resuming" in await chat.say("starting my workout")
    await chat.say("50 x 8 @7")  # bench press calibration

    # the same button tapped on two devices: one set
    before = len(await sets(db))
    tap = (await chat.buttons())["ok"]
    await chat.tap(tap)
    assert "already logged" in await chat.tap(tap)
    assert len(await sets(db)) == before + 1

    await chat.say("50 x 8 @7")
    await chat.say("52.5 x 8, hard")
    summary = await chat.say("finished")
    assert "Day A done" in summary and "Top sets" in summary and "Next in the queue: day B" in summary
    assert "bench press" in summary and "e1RM" in summary

    doc = await chat.service.show("tg:4242")
    lifted = [a for a in doc["activities"] if a["sport"] == "strength"]
    assert len(lifted) == 1
    every = lifted[0]["details"]["sets"]
    assert len(every) == len(await sets(db)) == 8
    assert every[2] == {"exercise": "back_squat", "reps": 3, "load_kg": 60.0, "rpe": None, "pain": True}
    # session RPE x minutes (Foster 2001) on the one load scale of every sport: an hour at RPE 7 is 100, like an hour at FTP
    assert lifted[0]["load"] == pytest.approx(lifted[0]["rpe"] * lifted[0]["elapsed_s"] / 60 * 100 / 420, abs=0.05)
    assert await count(db, lm.LiftSession, lm.LiftSession.open_key.is_not(None)) == 0

    # next time that movement comes up, the note is recalled; the safer variant comes first
    later = Chat(db, tmp_path, TODAY + dt.timedelta(days=2))
    later.update = chat.update  # the same chat: Telegram's update ids go on
    await later.say("/lift")  # day B
    await later.say("finished")
    async with db.transaction() as s:
        program = (await s.execute(select(lm.LiftProgram))).scalar_one()
        program.position = 0  # back to day A
    text = await later.say("/lift")
    assert "left knee tweaky" in text and "Goblet squat" in text


async def pending_prescription(db: Database) -> dict[str, Any]:
    async with db.transaction() as s:
        session = (await s.execute(select(lm.LiftSession).where(lm.LiftSession.open_key.is_not(None)))).scalar_one()
        return dict(session.state["pending"])


async def test_one_open_session_per_athlete_and_buttons_of_a_closed_session_expire(db: Database, tmp_path: Path) -> None:
    chat = Chat(db, tmp_path)
    await chat.say("/lift")
    old = (await chat.buttons())["ok"]
    await chat.say("/lift")  # a second device opens: the same session
    assert await count(db, lm.LiftSession) == 1
    await chat.say("40 x 8")
    await chat.say("finished")
    assert "already closed" in await chat.tap(old)
    assert len(await sets(db)) == 1


async def test_regeneration_keeps_history(db: Database, tmp_path: Path) -> None:
    """Seed 004's 'forgot 75 % of history': every logged set still joins its day after a new program."""
    chat = Chat(db, tmp_path)
    await chat.say("/lift program 4")
    for day in range(4):
        chat.service.clock = FixedClock(TODAY + dt.timedelta(days=2 * day))
        await chat.say("/lift")
        await chat.say("40 x 8 @7")
        await chat.say("finished")
    async with db.transaction() as s:  # what the memory keeps when they say so; the program is rebuilt from it
        athlete = await repo.athlete_by_telegram(s, 4242)
        assert athlete is not None
        note = await chat.service.notes.remember(Ctx(s, athlete, TODAY), "I don't have a barbell any more")
        assert any(f.get("kind") == "equipment" and f.get("available") is False for f in note.facts)
    await chat.say("/lift program 2")
    text = await chat.say("/lift program")
    assert "barbell" in text.lower()  # "Without: barbell"
    async with db.transaction() as s:
        row = (await s.execute(select(lm.LiftProgram))).scalar_one()
        program = Program.from_json(row.document)
        assert row.generation >= 3 and len(program.days) == 2
        assert not any(ex.startswith(("back_squat", "deadlift", "bench_press", "barbell")) for d in program.days
                       for ex in (s.exercise for s in d.slots))
        labels = set((await s.execute(select(lm.LiftDay.label))).scalars())
        logged = list((await s.execute(select(lm.LiftSet))).scalars())
    assert len(logged) == 4 and {x.day_label for x in logged} == {"A", "B", "C", "D"}
    assert all(x.day_label in labels for x in logged)
    assert {x.day_label for x in logged} <= set(program.labels) | set(program.retired)


async def test_plate_increment_from_settings(db: Database, tmp_path: Path) -> None:
    chat = Chat(db, tmp_path)
    assert "between" in await chat.say("/settings plates 0")
    assert "1.25 kg" in await chat.say("/settings plates 1.25")
    async with db.transaction() as s:
        assert (await s.execute(select(lm.LiftProgram.plate_increment_kg))).scalar_one() == 1.25


async def test_without_a_session_set_lines_are_not_swallowed(db: Database, tmp_path: Path) -> None:
    chat = Chat(db, tmp_path)
    async with db.transaction() as s:
        athlete = m.Athlete(name="tg:4242", telegram_user_id=4242)
        s.add(athlete)
        await s.flush()
        ctx = Ctx(s, athlete, TODAY)
        from coach.service.lifting import on_plain_text

        assert await on_plain_text(chat.service, ctx, "I ran 10k yesterday") is None
    assert await count(db, lm.LiftSession) == 0


def test_the_migration_matches_the_models(database_url: str) -> None:
    """SQLite and PostgreSQL: migration 0006 creates exactly what models_lifting declares."""
    from coach.store.db import create_engine

    async def run() -> list[Any]:
        engine = create_engine(database_url)
        try:
            async with engine.connect() as conn:
                def sync(connection: Connection) -> list[Any]:
                    diff = compare_metadata(MigrationContext.configure(connection), m.Base.metadata)
                    return [d for d in diff if LIFT_TABLES & set(_tables(d))]

                return await conn.run_sync(sync)
        finally:
            await engine.dispose()

    assert asyncio.run(run()) == []


def _tables(diff: Any) -> list[str]:
    found = []
    for part in diff if isinstance(diff, list) else [diff]:
        for item in part if isinstance(part, tuple) else (part,):
            name = getattr(item, "name", None) or getattr(getattr(item, "table", None), "name", None)
            if isinstance(name, str):
                found.append(name)
    return found


async def test_delete_me_erases_the_lifting_tables(db: Database, tmp_path: Path) -> None:
    chat = Chat(db, tmp_path)
    await chat.say("/lift")
    await chat.say("40 x 8 @7, knee hurts")
    async with db.transaction() as s:
        athlete = await repo.athlete_by_telegram(s, 4242)
        assert athlete is not None
        await repo.delete_athlete(s, athlete)
    for model in (lm.LiftProgram, lm.LiftDay, lm.LiftSession, lm.LiftSet, lm.LiftNote):
        assert await count(db, model) == 0
