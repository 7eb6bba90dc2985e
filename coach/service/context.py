"""What the service's use cases work on and answer with: who is talking, one transaction's
context, the result of handling an update, and the two errors a use case may raise.

A leaf module (nothing of ``coach.service`` below it), so every service module can import it
at module level without an import cycle.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from coach.service.types import Reply
from coach.store import models as m


class UserError(Exception):
    """Something the user asked that cannot be done; the message is a sentence for them."""


class RetryLater(Exception):
    """The update can't be answered now (the language model is unreachable): its effects are
    rolled back, the athlete is told so honestly, and the update is kept for a later retry."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.message = message
        self.transient = transient


@dataclass(frozen=True)
class Who:
    """Who is talking. Terminal users are known by name, Telegram users by their user id."""

    name: str
    telegram_user_id: int | None = None
    chat_id: int | None = None
    chat_type: str = "private"


@dataclass
class HandleResult:
    replies: list[Reply]
    outbox_ids: list[int]
    duplicate: bool = False


@dataclass
class Ctx:
    """What a use case works on: one transaction, one athlete, one day."""

    session: AsyncSession
    athlete: m.Athlete
    today: dt.date
