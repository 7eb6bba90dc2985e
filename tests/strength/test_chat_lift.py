"""A live session typed into ``coach chat`` (bot/terminal.py ``run_chat``, issue 14): set lines, a
button by its label, a pain flag, "pause", a restart of the chat on the same database, "finished"."""

from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy import select

from bot.terminal import run_chat
from coach.clock import FixedClock
from coach.service.notes import NoteMemory
from coach.service.service import CoachService
from coach.store import models as m
from coach.store import models_lifting as lm
from coach.store.db import Database
from memory import HashingEmbedder
from tests.conftest import TODAY


async def chat(db: Database, tmp_path: Path, *lines: str) -> str:
    service = CoachService(db, FixedClock(TODAY), memory=NoteMemory(tmp_path / "memory", HashingEmbedder()))
    out = io.StringIO()
    assert await run_chat(service, "ann", io.StringIO("\n".join(lines) + "\n"), out, interactive=False) == 0
    return out.getvalue()


async def test_a_session_typed_into_coach_chat_survives_a_restart(db: Database, tmp_path: Path) -> None:
    first = await chat(
        db, tmp_path, "/lift", "60 x 8 @7", "Done as prescribed", "only 3, left knee tweaky", "pause"
    )
    assert "[Done as prescribed]  [Harder]" in first and "Logged: back squat 60 kg × 8 @ 7" in first
    assert "Goblet squat" in first and "Rest 3:00" in first and "Paused day A" in first

    second = await chat(db, tmp_path, "/lift", "16 x 8 @6", "finished")  # a new process: the same session
    assert "Resuming day A (3 set(s) logged so far)" in second and "Goblet squat" in second
    assert "Day A done: 4 sets" in second and "pain noted on back squat" in second
    async with db.transaction() as s:
        rows = (await s.execute(select(lm.LiftSet).order_by(lm.LiftSet.id))).scalars().all()
        activity = (await s.execute(select(m.Activity).where(m.Activity.source == "lift"))).scalar_one()
    assert [(r.exercise, r.reps, r.pain) for r in rows] == [
        ("back_squat", 8, False),
        ("back_squat", 8, False),
        ("back_squat", 3, True),
        ("goblet_squat", 8, False),
    ]
    assert (
        rows[1].weight_kg == rows[1].prescribed_weight_kg
    )  # "Done as prescribed": the prescription's numbers
    assert [x["exercise"] for x in activity.details["sets"]] == [r.exercise for r in rows]
