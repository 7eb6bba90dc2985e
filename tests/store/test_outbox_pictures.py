"""Outbox pictures stored once (issue 15): migration 0016 moves the pictures of existing outbox
rows into ``outbox_pictures`` (each once) and the sender reads them back, a downgrade puts them
into the payloads again; deleting an athlete leaves no picture of theirs that no other message
shows."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from sqlalchemy import func, select, text

from coach.service import inbox
from coach.service.types import Document, Reply
from coach.store import models as m
from coach.store import repo
from coach.store.db import Database, create_engine
from coach.store.migrate import downgrade, upgrade
from coach.store.models_pictures import OutboxPicture


async def _sql(url: str, statement: str, **params: object) -> list[tuple[object, ...]]:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            result = await conn.execute(text(statement), params)
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        await engine.dispose()


def test_upgrade_moves_existing_pictures_out_of_the_payloads_and_downgrade_puts_them_back(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'coach.db'}"
    upgrade(url, "0015")
    chart = Reply(
        "Your week", document=Document("week.png", b"\x89PNG same picture", "image/png")
    ).to_payload()
    export = Reply("Your export", document=Document("plan.csv", b"date,km\n", "text/csv")).to_payload()
    rows = [
        ("week:1", chart),
        ("week:2", chart),
        ("export:1", export),
        ("plain:1", Reply("hello").to_payload()),
    ]
    for key, payload in rows:
        asyncio.run(
            _sql(
                url,
                "INSERT INTO outbox (key, chat_id, kind, payload, due_at, attempts, parts_sent) "
                "VALUES (:key, 7, 'reply', :payload, '2026-01-01 00:00:00', 0, 0)",
                key=key,
                payload=json.dumps(payload),
            )
        )

    upgrade(url)
    stored = asyncio.run(_sql(url, "SELECT sha256, data FROM outbox_pictures ORDER BY data"))
    assert sorted(data for _, data in stored) == sorted(
        [b"\x89PNG same picture", b"date,km\n"]
    )  # the chart once
    after = {
        key: (json.loads(str(payload)), sha)
        for key, payload, sha in asyncio.run(_sql(url, "SELECT key, payload, picture_sha256 FROM outbox"))
    }
    assert after["week:1"][1] == after["week:2"][1] and after["week:1"][1] in {sha for sha, _ in stored}
    assert "data_hex" not in json.dumps([payload for payload, _ in after.values()])
    assert after["plain:1"] == (Reply("hello").to_payload(), None)

    async def unsent() -> dict[str, Reply]:
        db = Database(url)
        try:
            return {
                key: reply
                for (_, _, reply), key in zip(
                    await inbox.unsent(db), ("week:1", "week:2", "export:1", "plain:1"), strict=True
                )
            }
        finally:
            await db.dispose()

    replies = asyncio.run(unsent())
    assert replies["week:2"].document == Document("week.png", b"\x89PNG same picture", "image/png")
    assert replies["export:1"].document == Document("plan.csv", b"date,km\n", "text/csv")

    downgrade(url, "0015")
    before = dict(asyncio.run(_sql(url, "SELECT key, payload FROM outbox")))
    assert {key: json.loads(str(payload)) for key, payload in before.items()} == dict(rows)


async def pictures(db: Database) -> dict[str, bytes]:
    async with db.transaction() as s:
        return {p.sha256: p.data for p in (await s.execute(select(OutboxPicture))).scalars()}


def week_picture(data: bytes) -> Reply:
    return Reply("Next week: …", document=Document("week.png", data, "image/png"))


async def test_deleting_an_athlete_drops_their_pictures_unless_another_message_shows_them(
    db: Database,
) -> None:
    """ann's picture is hers alone; bo and cy were sent the same one (``repo.delete_athlete`` is what
    /delete_me runs). Rows written through the ORM store their picture once, and are read with it."""
    async with db.transaction() as s:
        athletes = [
            m.Athlete(name=name, telegram_chat_id=100 + i) for i, name in enumerate(("ann", "bo", "cy"))
        ]
        s.add_all(athletes)
        await s.flush()
        ids = {a.name: a.id for a in athletes}
        for name, data in (("ann", b"ann's week"), ("bo", b"a shared week"), ("cy", b"a shared week")):
            for n in range(2):
                s.add(
                    m.OutboxMessage(
                        key=f"week:{name}:{n}",
                        athlete_id=ids[name],
                        chat_id=100 + ids[name],
                        kind="weekly_plan",
                        payload=week_picture(data).to_payload(),
                    )
                )
    assert sorted((await pictures(db)).values()) == [b"a shared week", b"ann's week"]
    replies = {chat_id: reply for _, chat_id, reply in await inbox.unsent(db)}
    assert replies[100 + ids["ann"]].document == Document("week.png", b"ann's week", "image/png")

    async def delete(name: str) -> None:
        async with db.transaction() as s:
            athlete = await s.get(m.Athlete, ids[name])
            assert athlete is not None
            await repo.delete_athlete(s, athlete)

    await delete("ann")
    assert list((await pictures(db)).values()) == [b"a shared week"]
    await delete("bo")
    assert list((await pictures(db)).values()) == [b"a shared week"]  # cy's messages still show it
    await delete("cy")
    assert await pictures(db) == {}
    async with db.transaction() as s:
        assert (await s.execute(select(func.count(m.OutboxMessage.id)))).scalar_one() == 0
