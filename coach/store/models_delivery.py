"""Which Telegram message a reply with an ``edit_key`` edits (``coach.service.types.Reply.edit_key``).

The sender records the message id the first reply with a key got in a chat; a later reply with
the same key in that chat is sent as an edit of it (a rest timer is one message). The schema
comes from migration 0012.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coach.store.models import Base, utcnow


class EditTarget(Base):
    """The message a chat's ``edit_key`` stands for (deleted with the athlete)."""

    __tablename__ = "edit_targets"
    __table_args__ = (UniqueConstraint("chat_id", "edit_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    athlete_id: Mapped[int | None] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    edit_key: Mapped[str] = mapped_column(String(200))
    message_id: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
