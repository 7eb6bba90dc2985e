"""Strava webhook events, kept from receipt until handled (``coach/connect/strava_events.py``).

Strava posts an event once and retries only when it gets no 200 within two seconds; an event held
in memory alone is lost when the process stops before handling it. Each event is therefore stored
before the 200 is sent, under Strava's own identity of it (subscription, object, aspect, event
time: a repeated delivery is the same row), and handled by whichever process claims it first
(``claim_token`` / ``claimed_until``, as the outbox does). The schema comes from migration 0015.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coach.store.models import Base, utcnow


class StravaEvent(Base):
    """One webhook event: ``pending`` until handled (``done``), or ``failed`` after its last try.

    Not tied to an athlete row: an event names the Strava owner, whose connection may be gone by
    the time it is handled (a deauthorisation), and handled events are pruned after some days."""

    __tablename__ = "strava_events"
    __table_args__ = (
        UniqueConstraint("subscription_id", "object_id", "aspect_type", "event_time"),
        Index("ix_strava_events_status_due_at", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(BigInteger)
    object_type: Mapped[str] = mapped_column(String(16))  # activity | athlete
    object_id: Mapped[int] = mapped_column(BigInteger)
    aspect_type: Mapped[str] = mapped_column(String(16))  # create | update | delete
    event_time: Mapped[int] = mapped_column(BigInteger)
    """Strava's ``event_time``: seconds since the epoch, as sent."""
    owner_id: Mapped[int] = mapped_column(BigInteger, index=True)
    updates: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | done | failed
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    due_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    """Not handled before this (real time, naive UTC): the backoff after a failed try."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(Text)
    """What handling did (``imported``, ``deleted``, ``still on Strava`` ...; one per athlete)."""
    claim_token: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    done_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
