"""``/delete_me``: afterwards a scan of every table (every column of every row) and of the memory
index finds nothing of that athlete, once the confirmation has been delivered; another
athlete's data is untouched."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from telegram import Bot

from bot.sender import OutboxSender
from coach.clock import FixedClock
from coach.service.delivery import Outbox
from coach.service.notes import NoteMemory
from coach.service.service import CoachService, Who
from coach.service.types import Incoming
from coach.store import models as m
from coach.store.db import Database
from memory import HashingEmbedder
from tests.conftest import TODAY
from tests.fakes.telegram_api import DEFAULT_TOKEN, FakeTelegramServer
from tests.test_cli import CONVERSATION

ANN_ID, BOB_ID = 987654321, 123456789
MARKER = "zebra-ANN-42"


def said(text: str) -> Incoming:
    if text.startswith("/"):
        command, _, args = text[1:].partition(" ")
        return Incoming(kind="command", text=text, command=command, args=args)
    return Incoming(kind="text", text=text)


async def everything(db: Database) -> list[tuple[str, str, Any]]:
    """(table, column, value) for every cell of every table."""
    cells = []
    async with db.transaction() as s:
        for table in m.Base.metadata.sorted_tables:
            for row in (await s.execute(select(table))).mappings():
                cells += [(table.name, column, value) for column, value in row.items()]
    return cells


async def test_after_delete_me_no_table_and_no_index_holds_anything_of_the_athlete(
    db: Database, tmp_path: Path, telegram_server: FakeTelegramServer
) -> None:
    service = CoachService(db, FixedClock(TODAY), memory=NoteMemory(tmp_path / "memory", HashingEmbedder()))
    ann = Who(name="Ann", telegram_user_id=ANN_ID, chat_id=ANN_ID)
    bob = Who(name="Bob", telegram_user_id=BOB_ID, chat_id=BOB_ID)
    update = iter(range(1, 1000))
    for who in (ann, bob):
        for text in CONVERSATION:
            await service.handle(who, said(text), update_id=next(update))
    for text in (f"/log ran 7k in 42 min {MARKER}", "/checkin sleep 6 quality 2 energy 2 soreness 4 stress 3"):
        await service.handle(ann, said(text), update_id=next(update))
    async with db.transaction() as s:
        ann_row = (await s.execute(select(m.Athlete).where(m.Athlete.telegram_user_id == ANN_ID))).scalar_one()
        ann_db_id = ann_row.id
        from coach.service.service import Ctx

        await service.notes.remember(Ctx(s, ann_row, TODAY), f"my left knee is sore {MARKER}")
    await service.handle(bob, said("/log ran 5k in 30 min"), update_id=next(update))
    async with db.transaction() as s:
        assert (await service.notes.index(s)).count(ann_db_id) == 1

    await service.handle(ann, said("/delete_me"), update_id=next(update))
    await service.handle(ann, Incoming(kind="callback", callback_data="del:yes"), update_id=next(update))
    async with Bot(DEFAULT_TOKEN, base_url=telegram_server.bot_base_url, base_file_url=telegram_server.file_base_url) as bot:
        sender = OutboxSender(Outbox(db), bot)
        for _ in range(3):  # everything queued goes out, the confirmation last
            await sender.flush()
        await sender.stop(1.0)
    assert "erased" in telegram_server.sent_messages(ANN_ID)[-1]["text"]

    found = [
        (table, column, value) for table, column, value in await everything(db)
        if ((column == "athlete_id" or (table == "athletes" and column == "id")) and value == ann_db_id)
        or str(ANN_ID) in str(value)  # her Telegram id, as a number, in "tg:987654321", in a payload
        or MARKER in str(value)  # what she wrote
    ]
    assert found == [], found[:5]
    async with db.transaction() as s:
        index = await service.notes.index(s)
        assert index.count(ann_db_id) == 0
        bob_row = (await s.execute(select(m.Athlete).where(m.Athlete.telegram_user_id == BOB_ID))).scalar_one()
    assert bob_row.profile is not None  # Bob's data stays
    assert any(table == "activities" for table, column, value in await everything(db) if column == "athlete_id" and value == bob_row.id)
    # The saved index on disk was rewritten without her too: a fresh process finds nothing.
    fresh = NoteMemory(tmp_path / "memory", HashingEmbedder())
    async with db.transaction() as s:
        assert (await fresh.index(s)).count(ann_db_id) == 0
