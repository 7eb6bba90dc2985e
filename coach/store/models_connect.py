"""Tables of the connections area (Intervals.icu now, Strava later): who is connected to what, with
the key encrypted, and which outside item became which of ours.

``Connection`` holds the credentials (a Fernet token, never the key itself: see
``coach/connect/secrets.py``) and the sync cursor. ``SyncedItem`` remembers every outside thing a
sync has met (an activity, a wellness day, a calendar event, a workout we pushed) by its outside
id, so that a re-sync counts nothing twice and pushes only what changed. Items are the athlete's,
not the connection's: they outlive a ``/disconnect``, so a reconnect doubles nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coach.store.models import Base, utcnow


class Connection(Base):
    __tablename__ = "connections"
    __table_args__ = (UniqueConstraint("athlete_id", "provider"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(16))  # intervals
    external_athlete_id: Mapped[str] = mapped_column(String(64))
    secret: Mapped[str] = mapped_column(Text)
    """The API key, encrypted with COACH_SECRET_KEY (a Fernet token)."""
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | reconnect
    last_error: Mapped[str | None] = mapped_column(Text)
    last_pull_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    pulled_through: Mapped[dt.date | None] = mapped_column(Date)
    """The newest day whose activities are in: the next pull starts a few days before it."""
    last_push_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    pushed_plan_id: Mapped[int | None] = mapped_column(Integer)
    """The plan version last pushed in full: a newer active plan is pushed on the next tick."""
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class SyncedItem(Base):
    __tablename__ = "synced_items"
    __table_args__ = (UniqueConstraint("athlete_id", "provider", "kind", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))  # activity | wellness | event | pushed
    external_id: Mapped[str] = mapped_column(String(128))
    remote_id: Mapped[str | None] = mapped_column(String(64))
    """For a pushed workout: the event id the provider gave it."""
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id", ondelete="SET NULL"))
    day: Mapped[dt.date | None] = mapped_column(Date)
    digest: Mapped[str] = mapped_column(String(64), default="")
    """What the item held when last seen (or pushed): a different digest means it changed."""
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
