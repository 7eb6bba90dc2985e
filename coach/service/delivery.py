"""Outbox delivery: exactly one sender per message, whatever the number of senders.

Replies and scheduled messages are written to the ``outbox`` in the transaction of their
effects (see ``CoachService``); this module is how a transport takes them out again.

- **Claims.** A sender *claims* the due rows of a chat in one transaction (``claim_token``,
  ``claimed_until`` = now + lease) before sending them, and marks each row sent after delivery.
  A chat with any unsent row whose ``claimed_until`` lies ahead is skipped by every other
  sender, so one chat is served by one sender at a time, in ``id`` order, and a row is never
  sent by two (two tasks, two processes). SQLite serialises claims with ``BEGIN IMMEDIATE``,
  PostgreSQL with a transaction-scoped advisory lock.
- **Holds.** The same column holds a chat back with no token: after Telegram's 429 (until its
  ``retry_after``) and after a failed send (backoff, then parked after ``MAX_SEND_ATTEMPTS``).
  A hold is in the database, so a restarted or second process respects it too.
- **Leases run on real time.** ``due_at`` is compared with the service's clock (the clock seam:
  ``COACH_TODAY`` fixes it), but a lease or a hold is a timeout between processes, so it runs on
  the system clock (``SystemClock``): with a fixed "today" a hold must still end.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from coach.clock import SystemClock
from coach.service.types import Reply
from coach.store import models as m
from coach.store import models_pictures as pictures
from coach.store.db import Database
from coach.store.models_delivery import EditTarget

LEASE_S = 60.0
"""How long a claim holds a chat's rows; renewed after each message sent. A sender that dies
(SIGKILL, power cut) leaves its rows to others after this long."""
SEND_RETRY_S = (2.0, 10.0, 60.0, 300.0)
"""The hold after the 1st, 2nd, ... failed send of a row (not a 429: that one says how long)."""
MAX_SEND_ATTEMPTS = 5
"""A row that failed this many sends is parked with its error (``attempts``, ``last_error``)."""
CLAIM_LIMIT = 100
PER_CHAT_LIMIT = 10
_PG_CLAIM_LOCK = 0x636F616368  # "coach": serialises claimers on PostgreSQL


def apology_key(source: str, update_id: int) -> str:
    """The outbox key of the one apology an update may get, however often it fails."""
    return f"sorry:{source}:{update_id}"


def update_of_reply_key(key: str) -> tuple[str, int] | None:
    """``reply:{source}:{update_id}:{n}`` (the service's reply keys) -> (source, update_id)."""
    parts = key.split(":")
    if len(parts) >= 4 and parts[0] == "reply" and parts[2].lstrip("-").isdigit():
        return parts[1], int(parts[2])
    return None


def lease_now() -> dt.datetime:
    """Real time, naive UTC (the time columns' form), for leases and holds."""
    return SystemClock().now().astimezone(dt.UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class OutboxItem:
    id: int
    chat_id: int
    kind: str
    key: str
    reply: Reply
    parts_sent: int
    athlete_id: int | None = None


def _item(row: m.OutboxMessage, stored: dict[str, bytes]) -> OutboxItem:
    """The row as a message to send, its picture (stored once, ``models_pictures``) put back in."""
    assert row.chat_id is not None
    reply = Reply.from_payload(pictures.with_picture(row.payload, stored))
    return OutboxItem(row.id, row.chat_id, row.kind, row.key, reply, row.parts_sent or 0, row.athlete_id)


class Outbox:
    """Claims, completes, holds and releases outbox rows on behalf of one sender or more."""

    def __init__(self, db: Database, *, lease_clock: Callable[[], dt.datetime] = lease_now, lease_s: float = LEASE_S) -> None:
        self.db = db
        self.lease_clock = lease_clock
        self.lease_s = lease_s
        self._marks: list[tuple[OutboxItem, str, asyncio.Future[None]]] = []
        self._marker: asyncio.Task[None] | None = None
        self.mark_transactions = 0
        """Transactions that marked delivered messages (each marks one or more: ``sent``)."""

    async def _serialise_claims(self, s: AsyncSession) -> None:
        if s.get_bind().dialect.name == "postgresql":
            await s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_CLAIM_LOCK})

    async def claim(self, token: str, *, limit: int = CLAIM_LIMIT, per_chat: int = PER_CHAT_LIMIT) -> list[OutboxItem]:
        """Claim due rows of chats nobody holds, oldest first, at most ``per_chat`` per chat.

        Rows without a chat (nobody to send to) are closed as sent, as before."""
        o = m.OutboxMessage
        async with self.db.transaction() as s:
            await self._serialise_claims(s)
            now, wall = self.db.naive_now(), self.lease_clock()
            await s.execute(
                update(o).where(o.chat_id.is_(None), o.sent_at.is_(None), o.due_at <= now)
                .values(sent_at=now).execution_options(synchronize_session=False)
            )
            busy = select(o.chat_id).where(
                o.sent_at.is_(None), o.chat_id.is_not(None), o.claimed_until.is_not(None), o.claimed_until > wall
            )
            rows = (
                await s.execute(
                    select(o)
                    .where(o.sent_at.is_(None), o.due_at <= now, o.attempts < MAX_SEND_ATTEMPTS, o.chat_id.is_not(None),
                           o.chat_id.not_in(busy))
                    .order_by(o.id)
                    .limit(limit)
                )
            ).scalars().all()
            taken: list[m.OutboxMessage] = []
            per: dict[int, int] = {}
            until = wall + dt.timedelta(seconds=self.lease_s)
            for row in rows:
                assert row.chat_id is not None
                if per.get(row.chat_id, 0) >= per_chat:
                    continue
                per[row.chat_id] = per.get(row.chat_id, 0) + 1
                row.claim_token, row.claimed_until = token, until
                taken.append(row)
            stored = await pictures.load(s, [row.picture_sha256 for row in taken])
            return [_item(row, stored) for row in taken]

    async def sent(self, item: OutboxItem, token: str) -> None:
        """Delivered: close the row and renew the lease on the rest of this chat's claim (only this
        chat's rows: its task alone touches them, so two chats' tasks never lock each other's rows).

        Group commit: the marks that arrive while one is being written go into the next
        transaction together, one for all of them, and each caller returns once its own mark is
        committed. A caller cancelled while it waits (shutdown) does not cancel the mark: the
        message was delivered. ``drain`` waits for the marks in flight."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        self._marks.append((item, token, done))
        if self._marker is None or self._marker.done() or self._marker.get_loop() is not loop:
            self._marker = loop.create_task(self._write_marks(), name="coach-outbox-marks")
        await done

    async def drain(self) -> None:
        """Wait until every delivered message reported to ``sent`` is marked (shutdown, tests)."""
        marker = self._marker
        if marker is not None and not marker.done() and marker.get_loop() is asyncio.get_running_loop():
            await asyncio.gather(asyncio.shield(marker), return_exceptions=True)

    async def _write_marks(self) -> None:
        while self._marks:
            batch, self._marks = self._marks, []
            try:
                await self._mark_sent([(item, token) for item, token, _ in batch])
            except BaseException as error:
                for _, _, done in (*batch, *self._marks):
                    if not done.done():
                        done.set_exception(error if isinstance(error, Exception) else RuntimeError("marking cancelled"))
                if not isinstance(error, Exception):
                    self._marks = []
                    raise
            else:
                for _, _, done in batch:
                    if not done.done():
                        done.set_result(None)

    async def _mark_sent(self, batch: list[tuple[OutboxItem, str]]) -> None:
        o = m.OutboxMessage
        self.mark_transactions += 1
        async with self.db.transaction() as s:
            rows = {row.id: row for row in (await s.execute(select(o).where(o.id.in_([item.id for item, _ in batch])))).scalars()}
            now, orphans = self.db.naive_now(), []
            for item, _ in batch:
                row = rows.get(item.id)
                if row is None or row.sent_at is not None:
                    continue
                row.sent_at = now
                row.attempts += 1
                row.claim_token = row.claimed_until = None
                if row.athlete_id is None and row.chat_id is not None and row.chat_id > 0:
                    # A private message of nobody on file (the confirmation of /delete_me, an apology):
                    # once delivered, only its key stays (it dedups), not whom it went to or what it said.
                    orphans.append(row.picture_sha256)
                    row.chat_id, row.payload = None, Reply("").to_payload()
            if orphans:
                await s.flush()
                await pictures.drop_orphans(s, orphans)
            chats: dict[str, set[int]] = {}
            for item, token in batch:
                chats.setdefault(token, set()).add(item.chat_id)
            until = self.lease_clock() + dt.timedelta(seconds=self.lease_s)
            for token, chat_ids in chats.items():
                await s.execute(
                    update(o).where(o.claim_token == token, o.chat_id.in_(sorted(chat_ids)), o.sent_at.is_(None))
                    .values(claimed_until=until).execution_options(synchronize_session=False)
                )

    async def progress(self, item: OutboxItem, parts_sent: int) -> None:
        """Parts of a long reply already delivered: a retry sends only the rest."""
        async with self.db.transaction() as s:
            row = await s.get(m.OutboxMessage, item.id)
            if row is not None:
                row.parts_sent = parts_sent

    async def hold_chat(self, chat_id: int, seconds: float) -> None:
        """Nothing goes to ``chat_id`` for ``seconds`` (Telegram's retry_after), from any sender."""
        o = m.OutboxMessage
        until = self.lease_clock() + dt.timedelta(seconds=seconds)
        async with self.db.transaction() as s:
            for row in (await s.execute(select(o).where(o.chat_id == chat_id, o.sent_at.is_(None)))).scalars():
                _hold(row, until)

    async def failed(
        self, item: OutboxItem, token: str, error: str, *, permanent: bool = False, whole_chat: bool = False,
        apology: Reply | None = None,
    ) -> tuple[float | None, OutboxItem | None]:
        """A send failed. Counts the attempt, then either parks the row (``permanent`` or too many
        attempts; ``whole_chat``: every unsent row of the chat, e.g. the user blocked the bot, whose
        athlete is then marked inactive) and releases the chat, or holds the chat for the backoff. Returns the hold in seconds (None if
        parked) and, on a reply's first failure, its update's one apology, claimed by ``token`` to
        be sent at once."""
        o = m.OutboxMessage
        async with self.db.transaction() as s:
            row = await s.get(o, item.id)
            if row is None or row.sent_at is not None:
                return None, None
            row.attempts += 1
            row.last_error = error[:2000]
            others = (
                await s.execute(select(o).where(o.chat_id == item.chat_id, o.sent_at.is_(None), o.id != item.id))
            ).scalars().all()
            wall = self.lease_clock()
            hold: float | None = None
            if permanent or row.attempts >= MAX_SEND_ATTEMPTS:
                row.attempts = max(row.attempts, MAX_SEND_ATTEMPTS)
                row.claim_token = row.claimed_until = None
                if whole_chat:  # nobody there to send to: no more scheduled sends until they write again
                    await mark_unreachable(s, item.chat_id, error, self.db.naive_now())
                for other in others:
                    if whole_chat:
                        other.attempts = max(other.attempts, MAX_SEND_ATTEMPTS)
                        other.last_error = row.last_error
                    if other.claim_token == token:
                        other.claim_token = other.claimed_until = None
            else:
                hold = SEND_RETRY_S[min(row.attempts, len(SEND_RETRY_S)) - 1]
                until = wall + dt.timedelta(seconds=hold)
                for held in (row, *others):
                    _hold(held, until)
            sorry: OutboxItem | None = None
            origin = update_of_reply_key(row.key)
            if apology is not None and row.kind == "reply" and origin is not None and row.attempts == 1 and not whole_chat:
                key = apology_key(*origin)
                exists = (await s.execute(select(o.id).where(o.key.in_((key, f"reply:{origin[0]}:{origin[1]}:postponed"))))).first()
                if exists is None:
                    new = o(key=key, athlete_id=row.athlete_id, chat_id=row.chat_id, kind="apology", payload=apology.to_payload(),
                            claim_token=token, claimed_until=wall + dt.timedelta(seconds=self.lease_s))
                    s.add(new)
                    await s.flush()
                    sorry = _item(new, {})  # an apology has no picture
            return hold, sorry

    async def move_chat(self, old_chat_id: int, new_chat_id: int, token: str) -> None:
        """A group became a supergroup (Telegram: ``migrate_to_chat_id``): its unsent messages go to
        the new chat id, and what this sender claimed there is given back to be claimed anew."""
        o = m.OutboxMessage
        async with self.db.transaction() as s:
            await s.execute(
                update(o).where(o.chat_id == old_chat_id, o.sent_at.is_(None))
                .values(chat_id=new_chat_id).execution_options(synchronize_session=False)
            )
            await s.execute(
                update(o).where(o.chat_id == new_chat_id, o.sent_at.is_(None), o.claim_token == token)
                .values(claim_token=None, claimed_until=None).execution_options(synchronize_session=False)
            )

    async def edit_target(self, chat_id: int, edit_key: str) -> int | None:
        """The message id the first reply with ``edit_key`` got in ``chat_id`` (None: send a new one)."""
        t = EditTarget
        async with self.db.transaction() as s:
            found = (await s.execute(select(t.message_id).where(t.chat_id == chat_id, t.edit_key == edit_key))).scalar_one_or_none()
            return None if found is None else int(found)

    async def remember_message(self, item: OutboxItem, message_id: int) -> None:
        """A reply with an ``edit_key`` was sent as ``message_id``: later ones with the key edit it."""
        key = item.reply.edit_key
        if key is None:
            return
        t = EditTarget
        async with self.db.transaction() as s:
            row = (await s.execute(select(t).where(t.chat_id == item.chat_id, t.edit_key == key))).scalar_one_or_none()
            if row is None:
                s.add(t(athlete_id=item.athlete_id, chat_id=item.chat_id, edit_key=key, message_id=message_id))
            else:
                row.message_id, row.updated_at = message_id, self.db.naive_now()

    async def release(self, token: str, chat_id: int | None = None) -> None:
        """Give back what this sender claimed and did not send (shutdown; one chat after an error)."""
        o = m.OutboxMessage
        mine = [o.claim_token == token, o.sent_at.is_(None)]
        if chat_id is not None:
            mine.append(o.chat_id == chat_id)
        async with self.db.transaction() as s:
            await s.execute(
                update(o).where(*mine).values(claim_token=None, claimed_until=None).execution_options(synchronize_session=False)
            )


async def mark_unreachable(s: AsyncSession, chat_id: int, reason: str, now: dt.datetime) -> int:
    """The athletes whose private chat is ``chat_id`` can't be reached (they blocked the bot):
    marked inactive, so the scheduler skips them. Returns how many were newly marked."""
    a = m.Athlete
    done = await s.execute(
        update(a).where(a.telegram_chat_id == chat_id, a.inactive_since.is_(None))
        .values(inactive_since=now, inactive_reason=reason[:200]).execution_options(synchronize_session=False)
    )
    return int(getattr(done, "rowcount", 0) or 0)


def _hold(row: m.OutboxMessage, until: dt.datetime) -> None:
    """Hold a row until ``until`` with no claim; a longer hold already on it stays."""
    if row.claim_token is None and row.claimed_until is not None and row.claimed_until > until:
        return
    row.claim_token = None
    row.claimed_until = until
