"""What the athlete tells the coach, kept as notes (database) and recalled by meaning (FAISS).

The notes table is the source of truth; the index is rebuilt from it when the saved copy is
stale or missing, and changed only after the database commit (``after_commit``): a rolled-back
note leaves no vector behind, a rolled-back deletion keeps its vector. Injuries become
structured limitations the engine treats as hard filters.
Embedding is CPU work, so it runs in a worker thread, never on the event loop.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coach.store import models as m
from coach.store.db import after_commit
from memory import (
    Embedder,
    Limitation,
    MemoryIndex,
    NoteRecord,
    classify_note,
    extract_facts,
    facts_to_jsonable,
)

if TYPE_CHECKING:
    from coach.service.service import Ctx

log = logging.getLogger(__name__)

RECALL_TOP_K = 3
"""Seed 004: the top 3 notes go into the prompt."""


class NoteMemory:
    """The per-process note index, loaded (or rebuilt from the database) on first use."""

    def __init__(self, directory: Path | None, embedder: Embedder | None = None) -> None:
        self.directory = directory
        self.embedder = embedder
        self._index: MemoryIndex | None = None
        self._lock = asyncio.Lock()

    async def index(self, session: AsyncSession) -> MemoryIndex:
        async with self._lock:
            if self._index is None:
                rows = (await session.execute(select(m.Note.athlete_id, m.Note.id, m.Note.text))).all()
                records = [NoteRecord(athlete_id=a, note_id=n, text=t) for a, n, t in rows]
                expected: dict[int, list[int]] = {}
                for record in records:
                    expected.setdefault(record.athlete_id, []).append(record.note_id)
                if self.directory is not None:
                    directory = self.directory
                    result = await asyncio.to_thread(
                        MemoryIndex.load_or_rebuild, directory, lambda: records, expected_note_ids=expected, embedder=self.embedder
                    )
                    self._index = result.index
                    if result.stale:
                        log.info("memory index rebuilt from %d notes", len(records))
                else:
                    index = MemoryIndex(self.embedder)
                    await asyncio.to_thread(index.rebuild, records)
                    self._index = index
            return self._index

    async def _save(self) -> None:
        if self.directory is not None and self._index is not None:
            await asyncio.to_thread(self._index.save, self.directory)

    async def remember(self, ctx: Ctx, text: str) -> m.Note:
        """Store a note with its kind and facts; injuries become active limitations."""
        facts = extract_facts(text, ctx.today)
        note = m.Note(athlete_id=ctx.athlete.id, kind=classify_note(text), text=text, facts=facts_to_jsonable(facts), created_on=ctx.today)
        ctx.session.add(note)
        await ctx.session.flush()
        for fact in facts:
            if isinstance(fact, Limitation):
                ctx.session.add(m.Limitation(
                    athlete_id=ctx.athlete.id, note_id=note.id, kind="injury", body_part=fact.body_part, side=fact.side,
                    sport=fact.sport, avoid=list(fact.avoid), description=fact.describe(), since=fact.since or ctx.today,
                    until=fact.until,
                ))
        athlete_id, note_id = ctx.athlete.id, note.id

        async def index_it(session: AsyncSession) -> None:
            index = await self.index(session)
            await asyncio.to_thread(index.add, athlete_id, note_id, text)
            await self._save()

        after_commit(ctx.session, index_it)  # no vector for a note that is rolled back
        return note

    async def recall(self, ctx: Ctx, text: str, k: int = RECALL_TOP_K) -> list[m.Note]:
        """The athlete's own notes relevant to ``text`` (never another athlete's: per-athlete indexes)."""
        index = await self.index(ctx.session)
        if index.count(ctx.athlete.id) == 0:
            return []
        hits = await asyncio.to_thread(index.recall, ctx.athlete.id, text, k)
        notes = []
        for hit in hits:
            note = await ctx.session.get(m.Note, hit.note_id)
            if note is not None and note.athlete_id == ctx.athlete.id:
                notes.append(note)
        return notes

    async def forget(self, session: AsyncSession, athlete_id: int, note_id: int) -> None:
        """Drop the note's vector once the deletion is committed (a rollback keeps both)."""

        async def unindex(committed: AsyncSession) -> None:
            index = await self.index(committed)
            index.remove(athlete_id, note_id)
            await self._save()

        after_commit(session, unindex)

    async def forget_athlete(self, session: AsyncSession, athlete_id: int) -> None:
        async def unindex(committed: AsyncSession) -> None:
            index = await self.index(committed)
            index.remove_athlete(athlete_id)
            await self._save()

        after_commit(session, unindex)

