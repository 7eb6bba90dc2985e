"""SQLAlchemy 2 models: the coach's durable state.

The same models run on SQLite (embedded default) and PostgreSQL (by URL). Schema changes
go through Alembic migrations in ``coach/store/migrations``; never ``create_all`` in
production code.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JsonDict = dict[str, Any]


def utcnow() -> dt.datetime:
    """The wall clock, naive UTC: only the fallback for rows written outside ``Database.transaction``
    (migrations, ad-hoc scripts). Rows written by the coach get their times from the clock seam."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


STAMPED_COLUMNS = ("created_at", "received_at", "due_at")
"""Columns filled from the session's clock when a new row leaves them empty."""


@event.listens_for(Session, "before_flush")
def _stamp_from_clock(session: Session, _context: Any, _instances: Any) -> None:
    """Fill the time columns of new rows from the clock seam (``session.info["now"]``), so that a
    fixed or future clock (``COACH_TODAY``, tests, faketime) and the rows' times always agree:
    an outbox row is "due" by the same clock that asks what is due."""
    now = session.info.get("now")
    if now is None:
        return
    stamp: dt.datetime | None = None
    for obj in session.new:
        for column in STAMPED_COLUMNS:
            if hasattr(obj, column) and getattr(obj, column) is None:
                if stamp is None:
                    stamp = now()
                setattr(obj, column, stamp)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Athlete(Base):
    __tablename__ = "athletes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(120))  # what people call them (Telegram first name)
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    telegram_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    units: Mapped[str] = mapped_column(String(8), default="km")
    dialog: Mapped[JsonDict | None] = mapped_column(JSON)  # an open multi-step conversation (onboarding, check-in)
    profile: Mapped[JsonDict | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    inactive_since: Mapped[dt.datetime | None] = mapped_column(DateTime)
    """Telegram can't reach them (they blocked the bot): no scheduled sends until they write again."""
    inactive_reason: Mapped[str | None] = mapped_column(String(200))

    plans: Mapped[list[Plan]] = relationship(back_populates="athlete", cascade="all, delete-orphan", passive_deletes=True)


class Goal(Base):
    __tablename__ = "goals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), index=True)
    sport: Mapped[str] = mapped_column(String(16))
    event: Mapped[str] = mapped_column(String(32))
    date: Mapped[dt.date | None] = mapped_column(Date)
    target_time: Mapped[str | None] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Plan(Base):
    """One version of an athlete's plan. A new version is written for every change; old ones are kept."""

    __tablename__ = "plans"
    __table_args__ = (UniqueConstraint("athlete_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | archived | pending_review
    source: Mapped[str] = mapped_column(String(32), default="engine")  # onboarding | import | adapt | coach
    reason: Mapped[str] = mapped_column(Text, default="")
    document: Mapped[JsonDict] = mapped_column(JSON)  # the engine's plan JSON (meta, validation)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    athlete: Mapped[Athlete] = relationship(back_populates="plans")
    weeks: Mapped[list[PlanWeek]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanWeek.index", passive_deletes=True
    )


class PlanWeek(Base):
    __tablename__ = "plan_weeks"
    __table_args__ = (UniqueConstraint("plan_id", "index"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    index: Mapped[int] = mapped_column(Integer)
    start: Mapped[dt.date] = mapped_column(Date)
    phase: Mapped[str] = mapped_column(String(16))
    cutback: Mapped[bool] = mapped_column(Boolean, default=False)
    planned_km: Mapped[float | None] = mapped_column(Float)
    planned_minutes: Mapped[int] = mapped_column(Integer, default=0)
    load: Mapped[float] = mapped_column(Float, default=0.0)
    notes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    built_minutes: Mapped[int | None] = mapped_column(Integer)  # before the athlete's reports eased the week
    built_load: Mapped[float | None] = mapped_column(Float)
    return_fraction: Mapped[float | None] = mapped_column(Float)  # a week of the return after a break

    plan: Mapped[Plan] = relationship(back_populates="weeks")
    sessions: Mapped[list[PlannedSession]] = relationship(
        back_populates="week", cascade="all, delete-orphan", order_by="PlannedSession.date", passive_deletes=True
    )


class PlannedSession(Base):
    __tablename__ = "planned_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    week_id: Mapped[int] = mapped_column(ForeignKey("plan_weeks.id", ondelete="CASCADE"), index=True)
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    sport: Mapped[str] = mapped_column(String(16))
    type: Mapped[str] = mapped_column(String(16))
    intensity: Mapped[str] = mapped_column(String(16))
    key: Mapped[bool] = mapped_column(Boolean, default=False)
    duration_min: Mapped[int] = mapped_column(Integer)
    distance_km: Mapped[float | None] = mapped_column(Float)
    load: Mapped[float] = mapped_column(Float, default=0.0)
    steps: Mapped[list[Any]] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(Text, default="")
    intervals_icu: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="planned")
    waived: Mapped[list[Any]] = mapped_column(JSON, default=list)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id", ondelete="SET NULL"))

    week: Mapped[PlanWeek] = relationship(back_populates="sessions")


class Activity(Base):
    __tablename__ = "activities"
    __table_args__ = (UniqueConstraint("athlete_id", "fingerprint"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), index=True)
    fingerprint: Mapped[str] = mapped_column(String(128))
    source: Mapped[str] = mapped_column(String(16), default="file")  # file | log | manual
    file_name: Mapped[str | None] = mapped_column(String(255))
    sport: Mapped[str] = mapped_column(String(16))
    start_time: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    elapsed_s: Mapped[float | None] = mapped_column(Float)
    moving_s: Mapped[float | None] = mapped_column(Float)
    distance_km: Mapped[float | None] = mapped_column(Float)
    elevation_gain_m: Mapped[float | None] = mapped_column(Float)
    avg_hr: Mapped[float | None] = mapped_column(Float)
    max_hr: Mapped[float | None] = mapped_column(Float)
    avg_power_w: Mapped[float | None] = mapped_column(Float)
    np_w: Mapped[float | None] = mapped_column(Float)
    tss: Mapped[float | None] = mapped_column(Float)
    load: Mapped[float | None] = mapped_column(Float)
    rpe: Mapped[float | None] = mapped_column(Float)
    details: Mapped[JsonDict] = mapped_column(JSON, default=dict)  # strength sets, notes
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class CheckIn(Base):
    __tablename__ = "checkins"
    __table_args__ = (UniqueConstraint("athlete_id", "date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    sleep_hours: Mapped[float | None] = mapped_column(Float)
    sleep_quality: Mapped[int | None] = mapped_column(Integer)
    energy: Mapped[int | None] = mapped_column(Integer)
    soreness: Mapped[int | None] = mapped_column(Integer)
    stress: Mapped[int | None] = mapped_column(Integer)
    hrv_ms: Mapped[float | None] = mapped_column(Float)
    resting_hr: Mapped[float | None] = mapped_column(Float)
    mood: Mapped[int | None] = mapped_column(Integer)
    ill: Mapped[bool | None] = mapped_column(Boolean)
    ill_below_neck: Mapped[bool | None] = mapped_column(Boolean)
    symptoms: Mapped[list[Any] | None] = mapped_column(JSON)
    readiness: Mapped[int | None] = mapped_column(Integer)
    readiness_color: Mapped[str | None] = mapped_column(String(8))
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Note(Base):
    """What the athlete told the coach. The database is the source of truth; the FAISS index is rebuilt from it."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # injury | constraint | preference | feeling | equipment | goal
    text: Mapped[str] = mapped_column(Text)
    facts: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Limitation(Base):
    """A structured fact the engine treats as a hard filter (a sore knee: no intervals or downhill)."""

    __tablename__ = "limitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), index=True)
    note_id: Mapped[int | None] = mapped_column(ForeignKey("notes.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))  # injury | illness | equipment | constraint
    body_part: Mapped[str | None] = mapped_column(String(32))
    side: Mapped[str | None] = mapped_column(String(8))
    sport: Mapped[str | None] = mapped_column(String(16))
    avoid: Mapped[list[Any]] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(Text, default="")
    since: Mapped[dt.date] = mapped_column(Date)
    until: Mapped[dt.date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Coach(Base):
    __tablename__ = "coaches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class CoachGroup(Base):
    """A Telegram group chat where a coach meets their athletes."""

    __tablename__ = "coach_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("coaches.id", ondelete="CASCADE"), index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class CoachLink(Base):
    __tablename__ = "coach_links"
    __table_args__ = (UniqueConstraint("coach_id", "athlete_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("coaches.id", ondelete="CASCADE"), index=True)
    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), index=True)
    group_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    requires_review: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Override(Base):
    """Audit of every coach override: what changed, which rules were waived, and why."""

    __tablename__ = "overrides"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    coach_id: Mapped[int | None] = mapped_column(ForeignKey("coaches.id", ondelete="SET NULL"))
    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), index=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id", ondelete="SET NULL"))
    session_date: Mapped[dt.date | None] = mapped_column(Date)
    waived_rules: Mapped[list[Any]] = mapped_column(JSON, default=list)
    before: Mapped[JsonDict | None] = mapped_column(JSON)
    after: Mapped[JsonDict | None] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ChatMessage(Base):
    """The conversation, for the brain's short-term context and for the athlete's export."""

    __tablename__ = "chat_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))  # athlete | coach | human_coach
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class InboxUpdate(Base):
    """Every incoming update, stored before it is handled and marked processed in the same
    transaction as its effects, so each update is applied exactly once (MISSION principle 4)."""

    __tablename__ = "inbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(16))  # telegram
    update_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    payload: Mapped[JsonDict] = mapped_column(JSON)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    processed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    __table_args__ = (UniqueConstraint("source", "update_id"),)


class OutboxMessage(Base):
    """A message to send. The unique key makes scheduled and reply sends idempotent.

    One sender at a time per chat: a sender *claims* a chat's due rows (``claim_token``,
    ``claimed_until``) in a transaction before sending them, and a row whose ``claimed_until``
    is still ahead is not claimed by anyone else. The same column holds a chat back after
    Telegram's 429 (``retry_after``) or a failed send (backoff), with no token.
    ``parts_sent`` counts the parts of a long reply already delivered, so a retry sends only the rest."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    athlete_id: Mapped[int | None] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), index=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    kind: Mapped[str] = mapped_column(String(32))  # reply | weekly_plan | checkin | apology
    payload: Mapped[JsonDict] = mapped_column(JSON)
    due_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    claim_token: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    parts_sent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    picture_sha256: Mapped[str | None] = mapped_column(ForeignKey("outbox_pictures.sha256"), index=True)
    """The payload's picture, stored once in ``outbox_pictures`` (``models_pictures``)."""


# The areas' tables (connections, lifting, the weekly batch, the workout library, the Mini App's
# sign-in links) live in their own modules on the same ``Base``; importing them here puts every
# table in ``Base.metadata`` wherever the models are loaded (migrations are compared against it).
from coach.store import (  # noqa: E402, F401
    models_batch,
    models_connect,
    models_delivery,
    models_library,
    models_lifting,
    models_pictures,
    models_strava_events,
    models_web,
)
