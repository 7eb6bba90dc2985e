"""The weekly batch's own state: runs, one item per (athlete, week), and each athlete's next due time.

- ``batch_runs``: one row per ``coach batch weekly`` (or per scheduled fan-out): which week, how it
  ran (in-process or on a broker), the counters of its outcomes, when it started and finished.
  The counters are updated in the same transaction as each item's outcome, so they are exact
  whatever crashes.
- ``batch_items``: one row per (athlete, week) — the unique key that makes the batch idempotent:
  a retry, a second worker or a re-run finds the row finished and does nothing. ``composed``
  holds a week whose adaptation is saved but whose message is not yet queued (the narrative
  is written outside the transaction), so a crash in between resumes from there.
- ``weekly_due``: when each athlete's next weekly batch is due (UTC), indexed, so the schedule
  finds the due athletes by one range query instead of loading every plan every minute.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coach.store.models import Base, utcnow

ITEM_STATES = ("pending", "composed", "done", "review", "skipped", "failed")
"""``done``: next week is in the outbox for the athlete; ``review``: it waits in the coach's review
queue; ``skipped``: nothing to send (no plan, plan finished, week already begun); ``failed``: the
last attempt raised (``last_error``), retried by the next run or the broker."""
FINISHED_STATES = ("done", "review", "skipped")


class BatchRun(Base):
    __tablename__ = "batch_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="weekly")
    week_start: Mapped[dt.date] = mapped_column(Date, index=True)
    mode: Mapped[str] = mapped_column(String(16), default="in-process")  # in-process | broker
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    review: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    already: Mapped[int] = mapped_column(Integer, default=0)
    """Items an earlier run (or the Sunday tick) had finished: left as they were."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    duration_s_total: Mapped[float] = mapped_column(Float, default=0.0)
    duration_s_max: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class BatchItem(Base):
    __tablename__ = "batch_items"
    __table_args__ = (UniqueConstraint("athlete_id", "week_start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), index=True)
    week_start: Mapped[dt.date] = mapped_column(Date)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("batch_runs.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    outbox_key: Mapped[str | None] = mapped_column(String(200))
    composed: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    duration_s: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class WeeklyDue(Base):
    __tablename__ = "weekly_due"

    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), primary_key=True)
    next_due_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    """UTC (naive, like every time column): the athlete's next local Sunday at the batch hour."""
    time_zone: Mapped[str] = mapped_column(String(64))
    """The zone ``next_due_at`` was computed in (the athlete may move)."""
