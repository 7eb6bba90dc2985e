"""The athlete's own workout library (issue 12, seed 002): workouts imported from ``.zwo`` files
and Intervals.icu folders, and structures detected in their recordings.

Rows hang off ``athletes`` with ``ON DELETE CASCADE``: ``/delete_me`` erases them too.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coach.store.models import Base, utcnow


class LibraryWorkout(Base):
    """One workout of an athlete's library; ``key`` is unique per athlete (``zwo:name``,
    ``intervals:folder/name``, ``detected:<structure>``), so importing again updates, never doubles."""

    __tablename__ = "library_workouts"
    __table_args__ = (UniqueConstraint("athlete_id", "key", name="uq_library_workouts_athlete_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(200))
    sport: Mapped[str] = mapped_column(String(16))
    purpose: Mapped[str] = mapped_column(String(16))  # a session type: easy, tempo, threshold, intervals...
    source: Mapped[str] = mapped_column(String(16))  # zwo | intervals | detected
    source_ref: Mapped[str] = mapped_column(String(255), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    steps: Mapped[list[Any]] = mapped_column(JSON, default=list)  # engine Step documents
    duration_s: Mapped[int] = mapped_column(Integer, default=0)
    seen: Mapped[int] = mapped_column(Integer, default=1)  # detected: recordings that showed it
    last_seen: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ActivityStructure(Base):
    """The structure read from one recording's streams when it was imported (the store keeps no
    streams): the steps, or none for a steady session. One per recording (by fingerprint)."""

    __tablename__ = "library_activity_structures"
    __table_args__ = (UniqueConstraint("athlete_id", "fingerprint", name="uq_library_activity_structures_athlete_fp"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), index=True)
    fingerprint: Mapped[str] = mapped_column(String(128))
    sport: Mapped[str] = mapped_column(String(16))
    start_time: Mapped[dt.datetime] = mapped_column(DateTime)
    steps: Mapped[list[Any] | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
