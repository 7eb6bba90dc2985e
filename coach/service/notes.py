"""What the athlete tells the coach, kept as notes (database) and recalled by meaning (FAISS).

The notes table is the source of truth; each process keeps per-athlete FAISS indexes as a
cache of it. Before every recall the athlete's notes version is read from the database
(``notes_version``: one indexed aggregate query) and compared with the version the cache
was last brought up to; on a miss or a change the athlete's rows are read and the cache is
brought level (new notes embedded, gone or rewritten ones dropped), so a note remembered or
forgotten through any process is seen by every other. Within a process the index is also
changed right after the database commit (``after_commit``): a rolled-back note leaves no
vector behind, a rolled-back deletion keeps its vector. Injuries become structured
limitations the engine treats as hard filters.
Embedding is CPU work, so it runs in a worker thread, never on the event loop.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from coach.store import models as m
from coach.store import repo
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
    from coach.service.context import Ctx

log = logging.getLogger(__name__)

RECALL_TOP_K = 3
"""Seed 004: the top 3 notes go into the prompt."""


class NotesVersion(NamedTuple):
    """What an athlete's notes look like from one cheap query; any remember or forget changes it.

    A deletion lowers ``notes``; a new note raises ``max_id`` (PostgreSQL never reuses ids)
    or, where SQLite reuses the id of a deleted newest note, moves ``newest`` (its clock time)
    or ``text_length``. Only a note replaced under the same id, at the same clock instant,
    by a text of the same length would go unseen.
    """

    notes: int
    max_id: int | None
    newest: dt.datetime | None
    text_length: int | None


def _text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


async def notes_version(session: AsyncSession, athlete_id: int) -> NotesVersion:
    """The athlete's notes version (count, newest id and time, total text length) from the notes table."""
    row = (await session.execute(
        select(func.count(m.Note.id), func.max(m.Note.id), func.max(m.Note.created_at), func.sum(func.length(m.Note.text)))
        .where(m.Note.athlete_id == athlete_id)
    )).one()
    count, max_id, newest, length = row
    return NotesVersion(int(count or 0), max_id, newest, None if length is None else int(length))


class NoteMemory:
    """The per-process note index: loaded (or rebuilt from the database) on first use, then kept
    level with the database athlete by athlete (see the module docstring)."""

    def __init__(self, directory: Path | None, embedder: Embedder | None = None) -> None:
        self.directory = directory
        self.embedder = embedder
        self._index: MemoryIndex | None = None
        self._lock = asyncio.Lock()
        self._versions: dict[int, NotesVersion] = {}
        """The database version each athlete's cached index was last brought level with."""
        self._texts: dict[int, dict[int, str]] = {}
        """Per athlete, the notes in the index: note id -> a hash of the text its vector came from."""
        self._athlete_locks: dict[int, asyncio.Lock] = {}
        self.refreshes = 0
        """How many times an athlete's cache was brought level with the database (for tests and logs)."""

    async def index(self, session: AsyncSession) -> MemoryIndex:
        async with self._lock:
            if self._index is None:
                rows = (await session.execute(select(m.Note.athlete_id, m.Note.id, m.Note.text))).all()
                records = [NoteRecord(athlete_id=a, note_id=n, text=t) for a, n, t in rows]
                expected: dict[int, list[int]] = {}
                for record in records:
                    expected.setdefault(record.athlete_id, []).append(record.note_id)
                    self._texts.setdefault(record.athlete_id, {})[record.note_id] = _text_key(record.text)
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

    async def athlete_index(self, session: AsyncSession, athlete_id: int) -> MemoryIndex:
        """The index with this athlete's notes level with the database (checked on every call)."""
        index = await self.index(session)
        version = await notes_version(session, athlete_id)
        if self._versions.get(athlete_id) == version:
            return index
        lock = self._athlete_locks.setdefault(athlete_id, asyncio.Lock())
        async with lock:
            version = await notes_version(session, athlete_id)
            if self._versions.get(athlete_id) != version:
                await self._refresh(session, index, athlete_id, version)
        return index

    async def _refresh(self, session: AsyncSession, index: MemoryIndex, athlete_id: int, version: NotesVersion) -> None:
        rows = (await session.execute(select(m.Note.id, m.Note.text).where(m.Note.athlete_id == athlete_id))).all()
        wanted = {note_id: _text_key(text) for note_id, text in rows}
        known = self._texts.setdefault(athlete_id, {})
        indexed = set(index.note_ids(athlete_id))
        gone = [n for n in indexed if wanted.get(n) != known.get(n)]
        new = [NoteRecord(athlete_id, n, t) for n, t in rows if n not in indexed or known.get(n) != wanted[n]]

        def apply() -> None:
            for note_id in gone:
                index.remove(athlete_id, note_id)
            index.add_many(new)

        if gone or new:
            await asyncio.to_thread(apply)
            await self._save()
        self._texts[athlete_id] = wanted
        self._versions[athlete_id] = version
        self.refreshes += 1
        if gone or new:
            log.info("memory of athlete %d brought level with the database: %d notes added, %d dropped", athlete_id, len(new), len(gone))

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
                await repo.add_limitation(ctx.session, m.Limitation(
                    athlete_id=ctx.athlete.id, note_id=note.id, kind="injury", body_part=fact.body_part, side=fact.side,
                    sport=fact.sport, avoid=list(fact.avoid), description=fact.describe(), since=fact.since or ctx.today,
                    until=fact.until,
                ))
        athlete_id, note_id = ctx.athlete.id, note.id

        async def index_it(session: AsyncSession) -> None:
            index = await self.index(session)
            await asyncio.to_thread(index.add, athlete_id, note_id, text)
            self._texts.setdefault(athlete_id, {})[note_id] = _text_key(text)
            await self._save()

        after_commit(ctx.session, index_it)  # no vector for a note that is rolled back
        return note

    async def recall(self, ctx: Ctx, text: str, k: int = RECALL_TOP_K) -> list[m.Note]:
        """The athlete's own notes relevant to ``text`` (never another athlete's: per-athlete indexes)."""
        index = await self.athlete_index(ctx.session, ctx.athlete.id)
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
            self._texts.get(athlete_id, {}).pop(note_id, None)
            await self._save()

        after_commit(session, unindex)

    async def forget_athlete(self, session: AsyncSession, athlete_id: int) -> None:
        async def unindex(committed: AsyncSession) -> None:
            index = await self.index(committed)
            index.remove_athlete(athlete_id)
            self._texts.pop(athlete_id, None)
            self._versions.pop(athlete_id, None)
            await self._save()

        after_commit(session, unindex)
