"""Pictures of outbox messages, stored once each, keyed by the SHA-256 of their bytes (issue 15).

A reply's picture (the Sunday preview's week, a chart) used to travel inside its outbox row, as
hex in the JSON payload: ~195 kB per row, and the same picture again for every athlete whose week
looks the same (the weekly batch for 10,000 athletes wrote ~2 GB of it). Now the payload's
``document`` names the picture (``{"file_name", "mime_type", "sha256"}``, no ``data_hex``),
``outbox.picture_sha256`` references it (a foreign key: a referenced picture cannot be deleted),
and ``outbox_pictures`` holds its bytes once (schema: migration 0016).

- **Writing.** An ``OutboxMessage`` inserted or updated through the ORM is converted by the mapper
  events below: its picture is stored, or found by its hash, and the payload keeps the reference.
  A Core insert (the weekly batch's one insert per chunk) uses ``picture_ref`` and ``store``.
- **Reading.** ``load`` fetches the pictures of rows about to be sent and ``with_picture`` puts the
  bytes back into a payload, so ``Reply.from_payload`` reads the same payload as before. A payload
  that still holds ``data_hex`` (written before 0016, or by a Core update) is read as it is.
- **Deleting.** ``drop_orphans``: of the given pictures, those no outbox row references any more
  (after ``/delete_me`` deleted an athlete's rows; a picture another row still uses stays).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import DateTime, LargeBinary, String, delete, exists, inspect, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, Mapper, mapped_column, object_session
from sqlalchemy.sql.dml import Insert

from coach.store.models import Base, JsonDict, OutboxMessage, utcnow

log = logging.getLogger(__name__)


class OutboxPicture(Base):
    """The bytes of one picture sent through the outbox, whoever it goes to."""

    __tablename__ = "outbox_pictures"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


def picture_ref(file_name: str, mime_type: str, data: bytes) -> tuple[JsonDict, str]:
    """A payload's ``document`` naming the picture by its hash, and the hash."""
    sha = hashlib.sha256(data).hexdigest()
    return {"file_name": file_name, "mime_type": mime_type, "sha256": sha}, sha


def split(payload: JsonDict) -> tuple[JsonDict, str | None, bytes | None]:
    """``payload`` with its picture's bytes replaced by their hash: (payload, hash, bytes); a
    payload without inline bytes comes back as it is, with the hash it names (if any)."""
    document = payload.get("document")
    if not isinstance(document, dict):
        return payload, None, None
    if "data_hex" not in document:
        sha = document.get("sha256")
        return payload, None if sha is None else str(sha), None
    data = bytes.fromhex(str(document["data_hex"]))
    reference, sha = picture_ref(str(document["file_name"]), str(document["mime_type"]), data)
    return {**payload, "document": reference}, sha, data


def with_picture(payload: JsonDict, pictures: Mapping[str, bytes]) -> JsonDict:
    """``payload`` with its picture's bytes put back (``data_hex``), as ``Reply.from_payload`` reads it.
    A picture that cannot be found (never, with the foreign key) leaves the message without one."""
    document = payload.get("document")
    if not isinstance(document, dict) or "data_hex" in document or "sha256" not in document:
        return payload
    data = pictures.get(str(document["sha256"]))
    if data is None:
        log.warning("outbox picture %s is missing; the message goes without it", document["sha256"])
        return {**payload, "document": None}
    return {
        **payload,
        "document": {
            "file_name": document["file_name"],
            "mime_type": document["mime_type"],
            "data_hex": data.hex(),
        },
    }


def _insert_ignoring_duplicates(dialect: str) -> Insert:
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(OutboxPicture).on_conflict_do_nothing(index_elements=["sha256"])
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(OutboxPicture).on_conflict_do_nothing(index_elements=["sha256"])


async def store(session: AsyncSession, pictures: Mapping[str, bytes]) -> None:
    """Store these pictures (by hash) unless they are there already: one statement."""
    if not pictures:
        return
    stamp = session.info["now"]() if "now" in session.info else utcnow()
    rows = [{"sha256": sha, "data": data, "created_at": stamp} for sha, data in pictures.items()]
    await session.execute(_insert_ignoring_duplicates(session.get_bind().dialect.name), rows)


async def load(session: AsyncSession, hashes: Collection[str | None]) -> dict[str, bytes]:
    """The bytes of these pictures, by hash (one query)."""
    wanted = {h for h in hashes if h}
    if not wanted:
        return {}
    query = select(OutboxPicture.sha256, OutboxPicture.data).where(OutboxPicture.sha256.in_(wanted))
    return {sha: data for sha, data in (await session.execute(query)).tuples()}


async def drop_orphans(session: AsyncSession, hashes: Collection[str | None]) -> None:
    """Delete those of these pictures that no outbox row references any more. In a savepoint: on
    PostgreSQL another transaction may reference one meanwhile (the foreign key then refuses the
    delete), and that picture is nobody's orphan."""
    wanted = {h for h in hashes if h}
    if not wanted:
        return
    used = exists().where(OutboxMessage.picture_sha256 == OutboxPicture.sha256)
    try:
        async with session.begin_nested():
            await session.execute(
                delete(OutboxPicture)
                .where(OutboxPicture.sha256.in_(wanted), ~used)
                .execution_options(synchronize_session=False)
            )
    except IntegrityError:
        log.info("an outbox picture was referenced again while being deleted; it stays")


def _stored_form(mapper: Mapper[Any], connection: Connection, target: OutboxMessage) -> None:
    """Before an outbox row is written through the ORM: its picture goes to ``outbox_pictures``."""
    if target.payload is None:
        return
    payload, sha, data = split(target.payload)
    if data is not None and sha is not None:
        session = object_session(target)
        now = None if session is None else session.info.get("now")
        row = {"sha256": sha, "data": data, "created_at": now() if now is not None else utcnow()}
        connection.execute(_insert_ignoring_duplicates(connection.dialect.name), [row])
        target.payload = payload
    target.picture_sha256 = sha


def _before_update(mapper: Mapper[Any], connection: Connection, target: OutboxMessage) -> None:
    if inspect(target).attrs.payload.history.has_changes():
        _stored_form(mapper, connection, target)


def _register() -> None:
    from sqlalchemy import event

    event.listen(OutboxMessage, "before_insert", _stored_form)
    event.listen(OutboxMessage, "before_update", _before_update)


_register()
