"""The inbox and the outbox: updates are stored before they are handled and marked processed in
the transaction of their effects; replies are queued in the outbox in that same transaction and
marked sent by the transport's one sender.

Exactly once: a replayed update finds its inbox row processed and changes nothing; an update
that keeps failing is retried (``RETRY_BACKOFF_S``) and its chat gets one apology, however often
it fails.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coach.service.context import HandleResult, RetryLater, Who
from coach.service.delivery import apology_key
from coach.service.types import Reply
from coach.store import models as m
from coach.store import models_pictures, repo
from coach.store.db import Database

RETRY_BACKOFF_S = (60, 300, 1800)
"""When a stored update is tried again after the model failed (attempt 1, 2, 3)."""


async def find(s: AsyncSession, source: str, update_id: int, *, lock: bool = False) -> m.InboxUpdate | None:
    """The inbox row of an update, if it was stored."""
    query = select(m.InboxUpdate).where(m.InboxUpdate.source == source, m.InboxUpdate.update_id == update_id)
    if lock:  # PostgreSQL: a second process handling the same update waits here, then finds it processed
        query = query.with_for_update()
    return (await s.execute(query)).scalar_one_or_none()


async def record_update(
    db: Database, source: str, update_id: int, payload: dict[str, Any], user_id: int | None
) -> bool:
    """Store an incoming update before it is handled. Returns False if it was already stored."""
    from sqlalchemy.exc import IntegrityError

    try:
        async with db.transaction() as s:
            existing = await find(s, source, update_id)
            if existing is not None:
                return False
            s.add(m.InboxUpdate(source=source, update_id=update_id, payload=payload, user_id=user_id))
    except IntegrityError:  # another process stored the same update meanwhile (the unique key)
        return False
    return True


async def record_updates(
    db: Database, source: str, updates: Sequence[tuple[int, dict[str, Any], int | None]]
) -> list[int]:
    """Store a batch of incoming updates (one ``getUpdates`` answer: up to 100) in one transaction,
    before any is handled; returns the ids stored now (not those stored before). One transaction
    instead of one per update: on SQLite each takes the one write lock, and a burst of updates
    queued behind the turns being handled reached the coach one by one."""
    from sqlalchemy.exc import IntegrityError

    if not updates:
        return []
    try:
        async with db.transaction() as s:
            ids = [update_id for update_id, _, _ in updates]
            known = set(
                (
                    await s.execute(
                        select(m.InboxUpdate.update_id).where(
                            m.InboxUpdate.source == source, m.InboxUpdate.update_id.in_(ids)
                        )
                    )
                ).scalars()
            )
            stored: list[int] = []
            for update_id, payload, user_id in updates:
                if update_id in known:
                    continue
                known.add(update_id)
                s.add(m.InboxUpdate(source=source, update_id=update_id, payload=payload, user_id=user_id))
                stored.append(update_id)
    except IntegrityError:  # another process stored one of them meanwhile: one by one, as it comes
        return [
            update_id
            for update_id, payload, user_id in updates
            if await record_update(db, source, update_id, payload, user_id)
        ]
    return stored


async def pending_updates(
    db: Database, source: str, max_attempts: int = 3
) -> list[tuple[int, dict[str, Any]]]:
    async with db.transaction() as s:
        rows = (
            await s.execute(
                select(m.InboxUpdate)
                .where(
                    m.InboxUpdate.source == source,
                    m.InboxUpdate.processed_at.is_(None),
                    m.InboxUpdate.attempts < max_attempts,
                    (m.InboxUpdate.next_attempt_at.is_(None))
                    | (m.InboxUpdate.next_attempt_at <= db.naive_now()),
                )
                .order_by(m.InboxUpdate.update_id)
            )
        ).scalars()
        return [(r.update_id, dict(r.payload)) for r in rows]


async def mark_processed(db: Database, source: str, update_id: int) -> None:
    """For updates that need no reply (edits, membership changes): processed, nothing else."""
    async with db.transaction() as s:
        row = await find(s, source, update_id)
        if row is not None and row.processed_at is None:
            row.processed_at = db.naive_now()
            row.attempts += 1


async def membership(
    db: Database, source: str, update_id: int, who: Who, *, reachable: bool, reason: str = ""
) -> None:
    """Telegram says the user blocked the bot (``my_chat_member``: kicked) or unblocked it, in
    their private chat: the athlete is marked inactive (no scheduled sends) or active again."""
    async with db.transaction() as s:
        row = await find(s, source, update_id)
        if row is not None and row.processed_at is not None:
            return
        athlete = (
            None if who.telegram_user_id is None else await repo.athlete_by_telegram(s, who.telegram_user_id)
        )
        if athlete is not None and who.chat_type == "private":
            if not reachable and athlete.inactive_since is None:
                athlete.inactive_since, athlete.inactive_reason = db.naive_now(), reason[:200]
            elif reachable:
                athlete.inactive_since = athlete.inactive_reason = None
        if row is None:
            row = m.InboxUpdate(
                source=source, update_id=update_id, payload={}, user_id=who.telegram_user_id, attempts=0
            )
            s.add(row)
        row.processed_at = db.naive_now()
        row.attempts += 1


async def record_failure(
    db: Database,
    source: str,
    update_id: int,
    error: str,
    *,
    chat_id: int | None = None,
    apology: Reply | None = None,
) -> bool:
    """Count a failed attempt at an update (it is retried until ``MAX_UPDATE_ATTEMPTS``) and, the
    first time only, queue ``apology`` to ``chat_id``: one apology per update, however often it
    fails. Returns True if an apology was queued (for the transport's sender to send)."""
    async with db.transaction() as s:
        row = await find(s, source, update_id)
        if row is not None:
            row.attempts += 1
            row.last_error = error[:2000]
        if apology is None or chat_id is None:
            return False
        keys = (apology_key(source, update_id), f"reply:{source}:{update_id}:postponed")
        if (
            await s.execute(select(m.OutboxMessage.id).where(m.OutboxMessage.key.in_(keys)))
        ).first() is not None:
            return False
        s.add(m.OutboxMessage(key=keys[0], chat_id=chat_id, kind="apology", payload=apology.to_payload()))
        return True


async def unsent(db: Database) -> list[tuple[int, int | None, Reply]]:
    """The outbox rows that are due and not sent yet, oldest first."""
    async with db.transaction() as s:
        rows = (
            await s.execute(
                select(m.OutboxMessage)
                .where(m.OutboxMessage.sent_at.is_(None), m.OutboxMessage.due_at <= db.naive_now())
                .order_by(m.OutboxMessage.id)
            )
        ).scalars().all()
        stored = await models_pictures.load(s, [r.picture_sha256 for r in rows])
        return [(r.id, r.chat_id, Reply.from_payload(models_pictures.with_picture(r.payload, stored))) for r in rows]


async def mark_sent(db: Database, outbox_id: int) -> None:
    async with db.transaction() as s:
        row = await s.get(m.OutboxMessage, outbox_id)
        if row is not None:
            row.sent_at = db.naive_now()
            row.attempts += 1


async def postpone(
    db: Database, who: Who, later: RetryLater, *, update_id: int | None, source: str
) -> HandleResult:
    """Nothing of the update was applied (rolled back); keep it for a retry and say so once."""
    reply = Reply(later.message)
    if update_id is None:
        return HandleResult([reply], [])
    async with db.transaction() as s:
        inbox = await find(s, source, update_id)
        if inbox is None:
            inbox = m.InboxUpdate(
                source=source, update_id=update_id, payload={}, user_id=who.telegram_user_id, attempts=0
            )
            s.add(inbox)
        inbox.attempts += 1
        inbox.last_error = later.message
        delay = RETRY_BACKOFF_S[min(inbox.attempts, len(RETRY_BACKOFF_S)) - 1]
        inbox.next_attempt_at = db.naive_now() + dt.timedelta(seconds=delay)
        if inbox.attempts > 1:
            return HandleResult([], [])  # the athlete already knows; don't repeat it
        row = m.OutboxMessage(
            key=f"reply:{source}:{update_id}:postponed",
            chat_id=who.chat_id,
            kind="reply",
            payload=reply.to_payload(),
        )
        s.add(row)
        await s.flush()
        return HandleResult([reply], [row.id])


async def finish_update(
    db: Database,
    s: AsyncSession,
    inbox: m.InboxUpdate | None,
    who: Who,
    replies: list[Reply],
    update_id: int | None,
    source: str,
    *,
    athlete_id: int | None,
) -> list[int]:
    """Mark the update processed and queue its replies, in the transaction of its effects."""
    if inbox is None:
        return []
    inbox.processed_at = db.naive_now()
    inbox.attempts += 1
    rows = [
        m.OutboxMessage(
            key=f"reply:{source}:{update_id}:{i}",
            athlete_id=athlete_id,
            chat_id=who.chat_id,
            kind="reply",
            payload=reply.to_payload(),
        )
        for i, reply in enumerate(replies)
    ]
    s.add_all(rows)
    await s.flush()
    return [row.id for row in rows]
