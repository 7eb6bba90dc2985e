"""The strength coach's tables (issue 14): the program and its queue position, the day labels
(never deleted: history joins on them), live sessions (one open per athlete, by a unique key),
sets (an idempotent key per session), and what the athlete said hurt, by movement.

Imported by ``coach.service.lifting``; the schema itself comes from migration 0006.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from coach.store.models import Base, utcnow


class LiftProgram(Base):
    """One per athlete: the queue of days (JSON of ``coach.strength.Program``), where it stands and the phase."""

    __tablename__ = "lift_programs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), unique=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(Integer, default=0)
    phase: Mapped[str] = mapped_column(String(16), default="accumulation")
    days_in_phase: Mapped[int] = mapped_column(Integer, default=0)
    generation: Mapped[int] = mapped_column(Integer, default=1)
    plate_increment_kg: Mapped[float] = mapped_column(Float, default=2.5)
    lift_states: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """Per exercise: band floor/stretch, confidence rung, sessions seen (they never go backwards)."""
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class LiftDay(Base):
    """A day label an athlete's program has ever had: a stable key, kept when the program is regenerated."""

    __tablename__ = "lift_days"
    __table_args__ = (UniqueConstraint("athlete_id", "label"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class LiftSession(Base):
    """A live session. ``open_key`` is the athlete id while it is active or paused and NULL once it
    ends: its unique constraint is the referee, so two devices can never open two sessions."""

    __tablename__ = "lift_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), index=True)
    open_key: Mapped[int | None] = mapped_column(Integer, unique=True)
    day_label: Mapped[str] = mapped_column(String(16))
    day_index: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | paused | finished
    plan: Mapped[dict[str, Any]] = mapped_column(JSON)  # the day as planned when it opened, readiness, phase
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # stopped slots, the pending prescription
    started_at: Mapped[dt.datetime] = mapped_column(DateTime)
    paused_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id", ondelete="SET NULL"))
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class LiftSet(Base):
    """One logged set. ``set_key`` (the number of the prescription it answers) is unique per
    session: a replayed update or a second device's tap can't log it twice."""

    __tablename__ = "lift_sets"
    __table_args__ = (UniqueConstraint("session_id", "set_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("lift_sessions.id", ondelete="CASCADE"), index=True)
    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), index=True)
    set_key: Mapped[str] = mapped_column(String(32))
    day_label: Mapped[str] = mapped_column(String(16), index=True)
    slot_index: Mapped[int] = mapped_column(Integer)
    exercise: Mapped[str] = mapped_column(String(48))
    pattern: Mapped[str] = mapped_column(String(24))
    role: Mapped[str] = mapped_column(String(16))
    prescribed_weight_kg: Mapped[float | None] = mapped_column(Float)
    prescribed_reps: Mapped[int] = mapped_column(Integer)
    target_rpe: Mapped[float] = mapped_column(Float)
    weight_kg: Mapped[float | None] = mapped_column(Float)
    reps: Mapped[int] = mapped_column(Integer)
    rpe: Mapped[float | None] = mapped_column(Float)
    pain: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    hours_since_last: Mapped[float | None] = mapped_column(Float)
    performed_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class LiftNote(Base):
    """What the athlete said hurt, by movement: recalled the next time that movement comes up."""

    __tablename__ = "lift_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), index=True)
    exercise: Mapped[str] = mapped_column(String(48))
    pattern: Mapped[str] = mapped_column(String(24), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_on: Mapped[dt.date] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
